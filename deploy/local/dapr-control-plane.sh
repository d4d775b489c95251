#!/usr/bin/env bash
# dapr-control-plane.sh start|stop|status
#
# The Dapr control plane of the local stack, in standalone mode:
#   sentry     certificate authority for mTLS between sidecars (127.0.0.1:$SENTRY_PORT,
#              default 25001); generates a self-signed root in
#              $KAIROS_STACK_DIR/dapr/sentry on first start. Callers of service
#              invocation are identified by these certificates, which the
#              access-control policy in deploy/dapr/config.yaml needs.
#   scheduler  Jobs API backend with embedded etcd (127.0.0.1:$SCHEDULER_GRPC_PORT,
#              default 25006; data in $KAIROS_STACK_DIR/dapr/scheduler).
# Without a sentry binary (e.g. a Dapr CLI install) or with KAIROS_DAPR_MTLS=0,
# mTLS is off and the sidecars get a configuration whose access control allows
# every caller (see run-with-sidecar.sh). No placement service: no actors.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DAPR_STATE_DIR="$KAIROS_STACK_DIR/dapr"
SENTRY_DIR="$DAPR_STATE_DIR/sentry"
SCHEDULER_DIR="$DAPR_STATE_DIR/scheduler"

start_sentry() {
  if proc_pid sentry >/dev/null; then
    log "sentry: already running (pid $(proc_pid sentry))"
    return 0
  fi
  require_free_port "$SENTRY_PORT" "dapr sentry"
  require_free_port "$SENTRY_HEALTH_PORT" "dapr sentry healthz"
  mkdir -p "$SENTRY_DIR/credentials"
  cat >"$SENTRY_DIR/config.yaml" <<'EOF'
apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: daprsystem
spec:
  mtls:
    enabled: true
    workloadCertTTL: 24h
    allowedClockSkew: 15m
EOF
  log "sentry: starting on 127.0.0.1:$SENTRY_PORT"
  start_proc sentry "$SENTRY_BIN" --mode standalone \
    --config "$SENTRY_DIR/config.yaml" \
    --issuer-credentials "$SENTRY_DIR/credentials" \
    --trust-domain "$DAPR_CONTROL_PLANE_TRUST_DOMAIN" \
    --listen-address 127.0.0.1 --port "$SENTRY_PORT" \
    --healthz-listen-address 127.0.0.1 --healthz-port "$SENTRY_HEALTH_PORT" \
    --metrics-listen-address 127.0.0.1 --metrics-port "$SENTRY_METRICS_PORT"
  wait_proc sentry 30 "sentry healthz" http_ok "http://127.0.0.1:$SENTRY_HEALTH_PORT/healthz" ||
    fail_with_log sentry "sentry did not become healthy"
  wait_until 10 "sentry root certificate" test -s "$SENTRY_DIR/credentials/ca.crt" ||
    fail_with_log sentry "sentry wrote no ca.crt into $SENTRY_DIR/credentials"
}

start_scheduler() {
  if proc_pid scheduler >/dev/null; then
    log "scheduler: already running (pid $(proc_pid scheduler))"
    return 0
  fi
  local p
  for p in "$SCHEDULER_GRPC_PORT" "$SCHEDULER_HEALTH_PORT" "$SCHEDULER_METRICS_PORT" \
    "$SCHEDULER_ETCD_CLIENT_PORT" "$SCHEDULER_ETCD_PEER_PORT"; do
    require_free_port "$p" "dapr scheduler"
  done
  # the identity folder must not exist yet: the scheduler renames a temporary
  # folder onto it when it receives its certificate
  rm -rf "$SCHEDULER_DIR/identity"
  mkdir -p "$SCHEDULER_DIR/etcd"
  local tls=()
  if [[ $(cat "$DAPR_STATE_DIR/mtls") == on ]]; then
    tls=(--tls-enabled --sentry-address "127.0.0.1:$SENTRY_PORT"
      --trust-anchors-file "$SENTRY_DIR/credentials/ca.crt"
      --trust-domain "$DAPR_CONTROL_PLANE_TRUST_DOMAIN"
      --identity-directory-write "$SCHEDULER_DIR/identity")
  fi
  log "scheduler: starting on 127.0.0.1:$SCHEDULER_GRPC_PORT (etcd data in $SCHEDULER_DIR/etcd)"
  start_proc scheduler "$SCHEDULER_BIN" --mode standalone --id dapr-scheduler-server-0 \
    --listen-address 127.0.0.1 --port "$SCHEDULER_GRPC_PORT" \
    --healthz-listen-address 127.0.0.1 --healthz-port "$SCHEDULER_HEALTH_PORT" \
    --metrics-listen-address 127.0.0.1 --metrics-port "$SCHEDULER_METRICS_PORT" \
    --etcd-data-dir "$SCHEDULER_DIR/etcd" \
    --etcd-client-listen-address 127.0.0.1 --etcd-client-port "$SCHEDULER_ETCD_CLIENT_PORT" \
    --etcd-initial-cluster "dapr-scheduler-server-0=http://127.0.0.1:$SCHEDULER_ETCD_PEER_PORT" \
    "${tls[@]}"
  wait_proc scheduler 60 "scheduler healthz" http_ok "http://127.0.0.1:$SCHEDULER_HEALTH_PORT/healthz" ||
    fail_with_log scheduler "scheduler did not become healthy"
}

start() {
  resolve_dapr || die "dapr: daprd/scheduler not found; run deploy/local/provision.sh dapr"
  mkdir -p "$DAPR_STATE_DIR"
  if mtls_enabled; then
    echo on >"$DAPR_STATE_DIR/mtls"
    start_sentry
  else
    echo off >"$DAPR_STATE_DIR/mtls"
    warn "dapr: no sentry (or KAIROS_DAPR_MTLS=0): mTLS off, service-invocation access control cannot identify callers and is relaxed"
  fi
  start_scheduler
  log "dapr control plane: ready (mTLS $(cat "$DAPR_STATE_DIR/mtls"))"
}

stop() {
  stop_proc scheduler
  stop_proc sentry
}

status() {
  local rc=0 pid
  if [[ -f $DAPR_STATE_DIR/mtls && $(cat "$DAPR_STATE_DIR/mtls") == on ]] || proc_pid sentry >/dev/null; then
    if pid="$(proc_pid sentry)" && http_ok "http://127.0.0.1:$SENTRY_HEALTH_PORT/healthz"; then
      printf '%-22s %-8s %-6s %s\n' sentry "$pid" "$SENTRY_PORT" up
    else
      printf '%-22s %-8s %-6s %s\n' sentry "${pid:--}" "$SENTRY_PORT" DOWN
      rc=1
    fi
  fi
  if pid="$(proc_pid scheduler)" && http_ok "http://127.0.0.1:$SCHEDULER_HEALTH_PORT/healthz"; then
    printf '%-22s %-8s %-6s %s\n' scheduler "$pid" "$SCHEDULER_GRPC_PORT" up
  else
    printf '%-22s %-8s %-6s %s\n' scheduler "${pid:--}" "$SCHEDULER_GRPC_PORT" DOWN
    rc=1
  fi
  return $rc
}

case "${1:-}" in
start | stop | status) "$1" ;;
*) die "usage: $0 start|stop|status" ;;
esac
