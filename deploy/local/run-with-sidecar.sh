#!/usr/bin/env bash
# run-with-sidecar.sh start NAME --app-id ID --app-port P --dapr-http-port H \
#                     --dapr-grpc-port G --metrics-port M [--internal-grpc-port I] \
#                     [--health-path /healthz] -- COMMAND [ARGS...]
# run-with-sidecar.sh stop NAME
# run-with-sidecar.sh status NAME --app-port P --dapr-http-port H
#
# Starts one app process and its daprd sidecar (standalone mode), each with its
# own ports, log ($KAIROS_STACK_DIR/logs/NAME.log, NAME-daprd.log) and pid file,
# and waits until the app answers GET <health-path> and the sidecar /v1.0/healthz.
# The app gets PORT, APP_ID, DAPR_HTTP_PORT, DAPR_GRPC_PORT and KAIROS_EVENTS=dapr
# on top of the caller's environment. The sidecar loads deploy/dapr
# (components, subscriptions, resiliency; config.yaml) and talks to the scheduler
# (and sentry, with mTLS) started by dapr-control-plane.sh. No placement: actors off.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DAPR_STATE_DIR="$KAIROS_STACK_DIR/dapr"
DAPR_RESOURCES="${KAIROS_DAPR_RESOURCES:-$KAIROS_ROOT/deploy/dapr}"

# write_secrets : the local secret store's file (secretstores.local.file,
# multiValued), rendered from the environment; readable by the owner only.
write_secrets() {
  mkdir -p "$DAPR_STATE_DIR"
  local f="$DAPR_STATE_DIR/kairos-secrets.json"
  if [[ -z ${KAIROS_AUTH_SECRET:-} ]]; then
    [[ -s $DAPR_STATE_DIR/auth-secret ]] || (umask 077 && head -c 32 /dev/urandom | base64 >"$DAPR_STATE_DIR/auth-secret")
    KAIROS_AUTH_SECRET="$(cat "$DAPR_STATE_DIR/auth-secret")"
  fi
  (
    umask 077
    DATABASE_URL="${DATABASE_URL:-$(local_database_url)}" \
      KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:$KAFKA_PORT}" \
      KAIROS_AUTH_SECRET="$KAIROS_AUTH_SECRET" \
      node -e '
        const e = process.env;
        const kairos = {
          "database-url": e.DATABASE_URL,
          "kafka-brokers": e.KAFKA_BROKERS,
          "kafka-auth-type": e.KAFKA_AUTH_TYPE || "none",
          "smtp-host": e.SMTP_HOST || "127.0.0.1",
          "smtp-port": e.SMTP_PORT || "2525",
          "smtp-user": e.SMTP_USER || "",
          "smtp-password": e.SMTP_PASSWORD || "",
          "smtp-skip-tls-verify": e.SMTP_SKIP_TLS_VERIFY || "true",
          "smtp-from": e.SMTP_FROM || "Kairos <kairos@localhost>",
          "auth-secret": e.KAIROS_AUTH_SECRET,
        };
        process.stdout.write(JSON.stringify({ kairos }, null, 2) + "\n");
      ' >"$f.tmp"
    mv "$f.tmp" "$f"
  )
}

# render_config : deploy/dapr/config.yaml for the local sidecars, plus
#  - name resolution through a SQLite file in the stack folder (instead of the
#    standalone default mDNS, which multicasts on the host's network);
#  - without mTLS, callers cannot be identified, so the global access-control
#    default becomes allow;
#  - with a local trace receiver (OTEL_EXPORTER_OTLP_ENDPOINT, set by stack.sh when
#    monitoring runs), the sidecars' own spans go to it in Zipkin's JSON format, which
#    the receiver reads without a protobuf decoder (the chart uses OTLP/gRPC instead).
render_config() {
  local out="$DAPR_STATE_DIR/config.yaml"
  if [[ $(cat "$DAPR_STATE_DIR/mtls" 2>/dev/null || echo off) == on ]]; then
    cp "$DAPR_RESOURCES/config.yaml" "$out.tmp"
  else
    sed -E '0,/^    defaultAction: deny$/s//    defaultAction: allow # relaxed: no mTLS locally/' \
      "$DAPR_RESOURCES/config.yaml" >"$out.tmp"
  fi
  if [[ -n ${OTEL_EXPORTER_OTLP_ENDPOINT:-} ]]; then
    sed -i -E "s|^    stdout: false$|&\n    zipkin: # added by deploy/local/run-with-sidecar.sh\n      endpointAddress: '${OTEL_EXPORTER_OTLP_ENDPOINT%/}/api/v2/spans'|" "$out.tmp"
  fi
  cat >>"$out.tmp" <<EOF
  # added by deploy/local/run-with-sidecar.sh
  nameResolution:
    component: sqlite
    configuration:
      connectionString: "$DAPR_STATE_DIR/nameresolution.db"
      updateInterval: 5s
EOF
  mv "$out.tmp" "$out"
}

# start_app NAME APP_ID APP_PORT DAPR_HTTP_PORT DAPR_GRPC_PORT HEALTH_PATH CMD... : the app
# process, with what it needs to find its sidecar; waits until it answers GET HEALTH_PATH.
start_app() {
  local name="$1" app_id="$2" app_port="$3" http_port="$4" grpc_port="$5" health="$6"
  shift 6
  log "$name: starting app ($*) on 127.0.0.1:$app_port"
  PORT="$app_port" APP_ID="$app_id" DAPR_HTTP_PORT="$http_port" DAPR_GRPC_PORT="$grpc_port" \
    DAPR_HOST=127.0.0.1 KAIROS_EVENTS=dapr \
    DATABASE_URL="${DATABASE_URL:-$(local_database_url)}" \
    start_proc "$name" "$@"
  wait_proc "$name" "${KAIROS_APP_START_TIMEOUT:-60}" "$name GET $health" http_ok "http://127.0.0.1:$app_port$health" ||
    fail_with_log "$name" "$name did not answer GET $health on port $app_port"
}

cmd_start() {
  local name="$1"
  shift
  local app_id="" app_port="" http_port="" grpc_port="" metrics_port="" internal_port="" health="/healthz"
  while (($#)); do
    case "$1" in
    --app-id) app_id="$2" && shift 2 ;;
    --app-port) app_port="$2" && shift 2 ;;
    --dapr-http-port) http_port="$2" && shift 2 ;;
    --dapr-grpc-port) grpc_port="$2" && shift 2 ;;
    --metrics-port) metrics_port="$2" && shift 2 ;;
    --internal-grpc-port) internal_port="$2" && shift 2 ;;
    --health-path) health="$2" && shift 2 ;;
    --) shift && break ;;
    *) die "run-with-sidecar: unknown option $1" ;;
    esac
  done
  (($#)) || die "run-with-sidecar: no command given after --"
  [[ -n $app_id && -n $app_port && -n $http_port && -n $grpc_port && -n $metrics_port ]] ||
    die "run-with-sidecar: --app-id, --app-port, --dapr-http-port, --dapr-grpc-port and --metrics-port are required"
  internal_port="${internal_port:-$((grpc_port + 100))}"
  if proc_pid "$name" >/dev/null && proc_pid "$name-daprd" >/dev/null; then
    log "$name: already running (app pid $(proc_pid "$name"), daprd pid $(proc_pid "$name-daprd"))"
    return 0
  fi
  if proc_pid "$name-daprd" >/dev/null && ! port_open "$app_port"; then
    # The app died and its sidecar lives: restart the app alone, as a kubelet restarts a
    # crashed container in its pod. The sidecar retries the delivery in flight (resiliency
    # back-off) until the app answers again. Dapr's app health checks are off on purpose:
    # with them, a sidecar whose app restarted beside it could keep its subscription
    # closed for good (the fault matrix in test/system/faults.test.ts caught it).
    log "$name: app not running; restarting it beside its running sidecar"
    start_app "$name" "$app_id" "$app_port" "$http_port" "$grpc_port" "$health" "$@"
    return 0
  fi
  # otherwise (the sidecar died) the pair is restarted as a whole
  stop_proc "$name-daprd"
  stop_proc "$name"
  resolve_dapr || die "dapr: daprd not found; run deploy/local/provision.sh dapr"
  [[ -f $DAPR_STATE_DIR/mtls ]] || die "dapr control plane not started; run deploy/local/dapr-control-plane.sh start"
  local p
  for p in "$app_port" "$http_port" "$grpc_port" "$metrics_port" "$internal_port"; do
    require_free_port "$p" "$name"
  done

  write_secrets
  render_config

  local mtls=()
  if [[ $(cat "$DAPR_STATE_DIR/mtls") == on ]]; then
    mtls=(--enable-mtls --sentry-address "127.0.0.1:$SENTRY_PORT"
      --control-plane-trust-domain "$DAPR_CONTROL_PLANE_TRUST_DOMAIN")
    export DAPR_TRUST_ANCHORS
    DAPR_TRUST_ANCHORS="$(cat "$DAPR_STATE_DIR/sentry/credentials/ca.crt")"
  fi
  log "$name: starting daprd --app-id $app_id (http $http_port, grpc $grpc_port, metrics $metrics_port)"
  # Working directory = the stack's dapr folder: the secret store reads
  # kairos-secrets.json relative to it.
  (
    cd "$DAPR_STATE_DIR"
    # OTEL_* is for the app (OTLP/HTTP JSON); daprd would read it too and speak OTLP/gRPC to
    # the receiver. Its spans go by the Configuration's zipkin exporter instead.
    unset OTEL_EXPORTER_OTLP_ENDPOINT OTEL_SERVICE_NAME
    start_proc "$name-daprd" "$DAPRD_BIN" --mode standalone \
      --app-id "$app_id" --app-port "$app_port" --app-protocol http --app-channel-address 127.0.0.1 \
      --dapr-listen-addresses 127.0.0.1 \
      --dapr-http-port "$http_port" --dapr-grpc-port "$grpc_port" \
      --dapr-internal-grpc-port "$internal_port" --dapr-internal-grpc-listen-address 127.0.0.1 \
      --metrics-port "$metrics_port" --metrics-listen-address 127.0.0.1 \
      --resources-path "$DAPR_RESOURCES/components" \
      --resources-path "$DAPR_RESOURCES/subscriptions" \
      --resources-path "$DAPR_RESOURCES/resiliency" \
      --config "$DAPR_STATE_DIR/config.yaml" \
      --scheduler-host-address "127.0.0.1:$SCHEDULER_GRPC_PORT" \
      --placement-host-address "" \
      --dapr-graceful-shutdown-seconds 5 \
      --log-level "${DAPR_LOG_LEVEL:-info}" \
      "${mtls[@]}"
  )
  # The sidecar starts first, as in a Kubernetes pod: the app reads its secrets
  # through it (GET /v1.0/healthz/outbound answers once components are loaded, before
  # the app listens); the sidecar's own /v1.0/healthz then waits for the app.
  start_app "$name" "$app_id" "$app_port" "$http_port" "$grpc_port" "$health" "$@"

  wait_proc "$name-daprd" "${KAIROS_SIDECAR_START_TIMEOUT:-60}" "$name-daprd /v1.0/healthz" \
    http_ok "http://127.0.0.1:$http_port/v1.0/healthz" ||
    fail_with_log "$name-daprd" "daprd for $app_id did not become healthy on port $http_port"
  # Components that failed to load, or fields the component did not know, are
  # logged at start; surface them instead of failing later at first use.
  local lf problems
  lf="$(log_file "$name-daprd")"
  problems="$(sed -n '/===== .* start:/h; /===== .* start:/!H; ${x;p}' "$lf" |
    grep -E 'level=(error|fatal)|level=warning msg="[^"]*(omponent|metadata|unknown|not found|deprecat|will change)' || true)"
  if [[ -n $problems ]]; then
    echo "$problems" >&2
    if [[ ${KAIROS_STRICT_SIDECAR:-1} == 1 ]]; then
      die "$name-daprd logged errors or component warnings (above; full log $lf). KAIROS_STRICT_SIDECAR=0 to continue anyway"
    fi
  fi
  log "$name: ready (app :$app_port, daprd :$http_port)"
}

cmd_stop() {
  local name="$1"
  # sidecar first, so it stops delivering to the app, then the app
  stop_proc "$name-daprd"
  stop_proc "$name"
}

# status NAME --app-port P --dapr-http-port H [--health-path /healthz]
cmd_status() {
  local name="$1"
  shift
  local app_port="" http_port="" health="/healthz" rc=0 pid st
  while (($#)); do
    case "$1" in
    --app-port) app_port="$2" && shift 2 ;;
    --dapr-http-port) http_port="$2" && shift 2 ;;
    --health-path) health="$2" && shift 2 ;;
    *) shift ;;
    esac
  done
  pid="$(proc_pid "$name" || echo -)"
  st=DOWN
  [[ $pid != - ]] && http_ok "http://127.0.0.1:$app_port$health" && st=up
  [[ $st == up ]] || rc=1
  printf '%-22s %-8s %-6s %s\n' "$name" "$pid" "$app_port" "$st (GET $health)"
  pid="$(proc_pid "$name-daprd" || echo -)"
  st=DOWN
  [[ $pid != - ]] && http_ok "http://127.0.0.1:$http_port/v1.0/healthz" && st=up
  [[ $st == up ]] || rc=1
  printf '%-22s %-8s %-6s %s\n' "$name-daprd" "$pid" "$http_port" "$st (GET /v1.0/healthz)"
  return $rc
}

case "${1:-}" in
start)
  [[ -n ${2:-} ]] || die "usage: $0 start NAME --app-id ... -- COMMAND"
  shift
  cmd_start "$@"
  ;;
stop)
  [[ -n ${2:-} ]] || die "usage: $0 stop NAME"
  cmd_stop "$2"
  ;;
status)
  [[ -n ${2:-} ]] || die "usage: $0 status NAME --app-port P --dapr-http-port H"
  shift
  cmd_status "$@"
  ;;
*) die "usage: $0 start|stop|status NAME ..." ;;
esac
