#!/usr/bin/env bash
# stack.sh up|down|status|restart
#
# The distributed mode of Kairos on one machine (`npm run stack`):
#   PostgreSQL (postgres.sh), Kafka KRaft (kafka.sh), the Dapr control plane
#   (dapr-control-plane.sh: sentry + scheduler) and, for every role, the app
#   process with its own daprd (run-with-sidecar.sh); the web app on :3000 when
#   it is built (its /api to the api role, its /ws to the realtime role);
#   Prometheus and a Kafka lag exporter (monitoring.sh) when prometheus is installed.
# State, logs and pid files: ${KAIROS_STACK_DIR:-<repo>/.stack} (logs/<name>.log).
#
# Configuration (environment):
#   KAIROS_STACK_ROLES   roles to run            (every distributed role of the module table)
#   KAIROS_ROLE_CMD      command per role; {role} is replaced
#                        (node backend/dist/main.js --role {role})
#   KAIROS_MIGRATE_CMD   run once before the roles; empty to skip
#                        (node backend/dist/main.js migrate, with the default role command)
#   KAIROS_SKIP_PROVISION=1  do not run provision.sh first
#   KAIROS_KEEP_ON_FAILURE=1 leave processes running when `up` fails
#   DATABASE_URL / KAFKA_BROKERS  use these servers instead of starting local ones
#   KAIROS_MONITORING    auto (start Prometheus if installed) | 1 (required) | 0 (off)
#   KAIROS_STACK_WEB     auto (start the web app if web/.next is built) | 1 (required) | 0 (off)
#   KAIROS_WEB_PORT      the web app's port (3000; the api role trusts :3000 by default)
#   LLM_BASE_URL / LLM_API_KEY / LLM_MODEL  the assistant's model (.env.example); like every
#                        variable of the caller's environment, the roles get them as they are
# Roles and ports come from the module table (`kairos roles --json`,
# backend/src/roles/table.ts): role i of the table gets app port 4000+i, daprd HTTP
# 3500+i, gRPC 25200+i, internal gRPC 25300+i, metrics 9190+i; a role that is not in
# the table (KAIROS_STACK_ROLES) follows the same rule after the table's roles.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE="$KAIROS_LOCAL_DIR"
DEFAULT_ROLE_CMD="node backend/dist/main.js --role {role}"
TABLE="$(roles_table)" || die "stack: cannot read the module table (kairos roles --json)"
TABLE_ROLES="$(awk '{ printf "%s ", $1 }' <<<"$TABLE")"
ROLES="${KAIROS_STACK_ROLES:-${TABLE_ROLES% }}"
ROLE_CMD="${KAIROS_ROLE_CMD:-$DEFAULT_ROLE_CMD}"
if [[ -z ${KAIROS_MIGRATE_CMD+x} ]]; then
  if [[ $ROLE_CMD == "$DEFAULT_ROLE_CMD" ]]; then
    KAIROS_MIGRATE_CMD="node backend/dist/main.js migrate"
  else
    KAIROS_MIGRATE_CMD=""
  fi
fi

WEB_PORT="${KAIROS_WEB_PORT:-3000}"
web_wanted() {
  case "${KAIROS_STACK_WEB:-auto}" in
  0) return 1 ;;
  1)
    [[ -f $KAIROS_ROOT/web/.next/BUILD_ID ]] || die "web: web/.next is missing: build the web app first (npm run build -w web)"
    ;;
  *) [[ -f $KAIROS_ROOT/web/.next/BUILD_ID ]] || return 1 ;;
  esac
  [[ " $ROLES " == *" api "* ]]
}

# The web app (web/server.mjs): pages, with /api and /docs proxied to the api role
# and /ws to the realtime role (or the api role when realtime is not in ROLES).
start_web() {
  if proc_pid web >/dev/null; then
    log "stack: web app already running (pid $(proc_pid web))"
    return 0
  fi
  local api_port ws_port
  role_ports api
  api_port=$APP_PORT ws_port=$APP_PORT
  if [[ " $ROLES " == *" realtime "* ]]; then
    role_ports realtime
    ws_port=$APP_PORT
  fi
  require_free_port "$WEB_PORT" "web"
  (cd "$KAIROS_ROOT/web" && PORT="$WEB_PORT" HOST=127.0.0.1 NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 \
    KAIROS_API_URL="http://127.0.0.1:$api_port" KAIROS_WS_URL="http://127.0.0.1:$ws_port" \
    start_proc web node server.mjs)
  wait_proc web 60 "web on :$WEB_PORT" http_ok "http://127.0.0.1:$WEB_PORT/sign-in" || fail_with_log web "the web app did not start"
  log "stack: web app at http://127.0.0.1:$WEB_PORT"
}

web_status() {
  local pid
  if pid="$(proc_pid web)" && http_ok "http://127.0.0.1:$WEB_PORT/sign-in"; then
    printf '%-22s %-8s %-6s %s\n' web "$pid" "$WEB_PORT" up
  else
    printf '%-22s %-8s %-6s %s\n' web "${pid:--}" "$WEB_PORT" DOWN
    return 1
  fi
}

role_ports() { # sets APP_PORT HTTP_PORT GRPC_PORT INTERNAL_PORT METRICS_PORT
  local line i r
  line="$(awk -v r="$1" '$1 == r' <<<"$TABLE")"
  if [[ -n $line ]]; then
    read -r _ APP_PORT HTTP_PORT GRPC_PORT INTERNAL_PORT METRICS_PORT <<<"$line"
    return 0
  fi
  i="$(wc -l <<<"$TABLE")"
  for r in $ROLES; do
    [[ " $TABLE_ROLES " == *" $r "* ]] && continue
    [[ $r == "$1" ]] && break
    i=$((i + 1))
  done
  APP_PORT=$((4000 + i)) HTTP_PORT=$((3500 + i)) GRPC_PORT=$((25200 + i))
  INTERNAL_PORT=$((25300 + i)) METRICS_PORT=$((9190 + i))
}

up() {
  local t0=$SECONDS
  if [[ $ROLE_CMD == "$DEFAULT_ROLE_CMD" && ! -f $KAIROS_ROOT/backend/dist/main.js ]]; then
    die "backend/dist/main.js is missing: build the backend first (npm run build -w backend), or set KAIROS_ROLE_CMD"
  fi
  local with_web=0
  if web_wanted; then
    with_web=1
    # the api role accepts sign-ins from the web app's origin
    export KAIROS_TRUSTED_ORIGINS="${KAIROS_TRUSTED_ORIGINS:-http://localhost:$WEB_PORT,http://127.0.0.1:$WEB_PORT}"
  fi
  [[ ${KAIROS_SKIP_PROVISION:-0} == 1 ]] || "$HERE/provision.sh" all
  if [[ ${KAIROS_KEEP_ON_FAILURE:-0} != 1 ]]; then
    trap 'trap - ERR; set +e; log "stack: start failed; stopping what was started (logs stay in $KAIROS_LOG_DIR)"; down; exit 1' ERR
  fi
  "$HERE/postgres.sh" start
  "$HERE/kafka.sh" start
  "$HERE/dapr-control-plane.sh" start
  # Prometheus + Kafka lag exporter: on when prometheus is installed (KAIROS_MONITORING=0: off, 1: required)
  if [[ ${KAIROS_MONITORING:-auto} == 1 ]] || { [[ ${KAIROS_MONITORING:-auto} == auto ]] && command -v "${PROMETHEUS_BIN:-prometheus}" >/dev/null; }; then
    "$HERE/monitoring.sh" start
    # the roles export their spans to the stack's trace receiver
    export OTEL_EXPORTER_OTLP_ENDPOINT="${OTEL_EXPORTER_OTLP_ENDPOINT:-http://127.0.0.1:${OTLP_PORT:-4318}}"
  elif [[ ${KAIROS_MONITORING:-auto} == auto ]]; then
    log "stack: prometheus not installed; monitoring not started (apt-get install prometheus)"
  fi
  local db="${DATABASE_URL:-$(local_database_url)}"
  if [[ -n $KAIROS_MIGRATE_CMD ]]; then
    log "stack: $KAIROS_MIGRATE_CMD"
    (cd "$KAIROS_ROOT" && DATABASE_URL="$db" $KAIROS_MIGRATE_CMD) >>"$(log_file migrate)" 2>&1 ||
      fail_with_log migrate "migration failed: $KAIROS_MIGRATE_CMD"
  fi
  local role cmd
  for role in $ROLES; do
    role_ports "$role"
    cmd="${ROLE_CMD//\{role\}/$role}"
    (
      cd "$KAIROS_ROOT"
      # shellcheck disable=SC2086
      DATABASE_URL="$db" KAIROS_ROLE="$role" "$HERE/run-with-sidecar.sh" start "$role" \
        --app-id "kairos-$role" --app-port "$APP_PORT" \
        --dapr-http-port "$HTTP_PORT" --dapr-grpc-port "$GRPC_PORT" \
        --internal-grpc-port "$INTERNAL_PORT" --metrics-port "$METRICS_PORT" \
        -- $cmd
    )
  done
  if [[ $with_web == 1 ]]; then start_web; fi
  trap - ERR
  log "stack: up in $((SECONDS - t0)) s"
  status || true
}

down() {
  local role list=()
  for role in $ROLES; do list=("$role" "${list[@]}"); done
  "$HERE/monitoring.sh" stop || true
  stop_proc web || true
  for role in "${list[@]}"; do "$HERE/run-with-sidecar.sh" stop "$role" || true; done
  "$HERE/dapr-control-plane.sh" stop || true
  "$HERE/kafka.sh" stop || true
  "$HERE/postgres.sh" stop || true
  # processes started by an earlier stack with other roles
  local f
  for f in "$KAIROS_RUN_DIR"/*.pid; do
    [[ -e $f ]] || continue
    stop_proc "$(basename "$f" .pid)" || true
  done
}

status() {
  local rc=0 role
  printf '%-22s %-8s %-6s %s\n' NAME PID PORT HEALTH
  "$HERE/postgres.sh" status || rc=1
  "$HERE/kafka.sh" status || rc=1
  "$HERE/dapr-control-plane.sh" status || rc=1
  for role in $ROLES; do
    role_ports "$role"
    "$HERE/run-with-sidecar.sh" status "$role" --app-port "$APP_PORT" --dapr-http-port "$HTTP_PORT" || rc=1
  done
  if [[ -f $KAIROS_RUN_DIR/web.pid ]]; then web_status || rc=1; fi
  if [[ -f $KAIROS_RUN_DIR/prometheus.pid ]]; then "$HERE/monitoring.sh" status || rc=1; fi
  echo "logs: $KAIROS_LOG_DIR"
  return $rc
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
restart)
  down
  up
  ;;
*) die "usage: $0 up|down|status|restart" ;;
esac
