#!/usr/bin/env bash
# smoke.sh — proves the provisioned infrastructure works together, for real:
# PostgreSQL + Kafka + Dapr sentry/scheduler + one stand-in app
# (deploy/local/smoke/app.mjs, app id kairos-recurrence) behind its daprd loading
# deploy/dapr unchanged. Checks (smoke/check.mjs):
#   (a) publish to kairos-pubsub/task-events -> CloudEvent with traceparent at /events/task-events
#   (b) an event the app rejects with 404 -> task-events.dlq
#   (c) state save/get with ttlInSeconds on kairos-state
#   (d) secrets from kairos-secrets
#   (e) Jobs API: job due in 3 s calls POST /job/<name> no earlier; a deleted job never fires
# Runs in its own state folder (${KAIROS_STACK_DIR}/smoke, wiped first) on its own
# ports, so it does not disturb a running stack. Tears everything down on exit.
# Exit status non-zero with the reason on any failure. KAIROS_SMOKE_KEEP=1 keeps
# the state folder for inspection; logs are always kept in <state>/logs.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export KAIROS_STACK_DIR="${KAIROS_SMOKE_DIR:-${KAIROS_STACK_DIR:-$ROOT/.stack}/smoke}"
# ports of its own (a regular stack uses 5433, 9092, 25001, 25006, 3500.., 4000..),
# all below Linux's ephemeral port range
export PG_PORT="${SMOKE_PG_PORT:-15433}"
export KAFKA_PORT="${SMOKE_KAFKA_PORT:-19092}" KAFKA_CONTROLLER_PORT="${SMOKE_KAFKA_CONTROLLER_PORT:-19093}"
export SENTRY_PORT=26001 SENTRY_HEALTH_PORT=26071 SENTRY_METRICS_PORT=26091
export SCHEDULER_GRPC_PORT=26006 SCHEDULER_HEALTH_PORT=26076 SCHEDULER_METRICS_PORT=26096
export SCHEDULER_ETCD_CLIENT_PORT=26379 SCHEDULER_ETCD_PEER_PORT=26380
APP_PORT=14090 DAPR_HTTP_PORT=13500 DAPR_GRPC_PORT=26200 DAPR_INTERNAL_PORT=26300 DAPR_METRICS_PORT=19190
. "$HERE/lib.sh"

T0=$SECONDS
teardown() {
  local rc=$?
  trap - EXIT INT TERM
  log "smoke: tearing down"
  "$HERE/run-with-sidecar.sh" stop smoke >/dev/null 2>&1 || true
  "$HERE/dapr-control-plane.sh" stop >/dev/null 2>&1 || true
  "$HERE/kafka.sh" stop >/dev/null 2>&1 || true
  if [[ ${KAIROS_SMOKE_KEEP:-0} != 1 ]]; then
    "$HERE/postgres.sh" clean >/dev/null 2>&1 || true
  else
    "$HERE/postgres.sh" stop >/dev/null 2>&1 || true
  fi
  if [[ ${KAIROS_SMOKE_KEEP:-0} != 1 ]]; then
    rm -rf "$KAIROS_STACK_DIR/pg" "$KAIROS_STACK_DIR/kafka" "$KAIROS_STACK_DIR/dapr" "$KAIROS_STACK_DIR/run"
  fi
  if ((rc == 0)); then
    log "smoke: PASSED in $((SECONDS - T0)) s"
  else
    log "smoke: FAILED (exit $rc) after $((SECONDS - T0)) s; logs in $KAIROS_LOG_DIR"
  fi
  exit $rc
}
trap teardown EXIT
trap 'exit 130' INT TERM

command -v node >/dev/null || die "smoke: node is required (Node 20)"
command -v curl >/dev/null || die "smoke: curl is required (apt-get install curl)"

# leftovers of an interrupted earlier run
"$HERE/run-with-sidecar.sh" stop smoke >/dev/null 2>&1 || true
"$HERE/dapr-control-plane.sh" stop >/dev/null 2>&1 || true
"$HERE/kafka.sh" stop >/dev/null 2>&1 || true
"$HERE/postgres.sh" clean >/dev/null 2>&1 || true
rm -rf "$KAIROS_STACK_DIR"
mkdir -p "$KAIROS_LOG_DIR"

log "smoke: state in $KAIROS_STACK_DIR"
[[ ${KAIROS_SKIP_PROVISION:-0} == 1 ]] || "$HERE/provision.sh" all
"$HERE/postgres.sh" start
"$HERE/kafka.sh" start
"$HERE/dapr-control-plane.sh" start
"$HERE/run-with-sidecar.sh" start smoke --app-id kairos-recurrence --app-port "$APP_PORT" \
  --dapr-http-port "$DAPR_HTTP_PORT" --dapr-grpc-port "$DAPR_GRPC_PORT" \
  --internal-grpc-port "$DAPR_INTERNAL_PORT" --metrics-port "$DAPR_METRICS_PORT" \
  -- node "$HERE/smoke/app.mjs"
log "smoke: infrastructure up in $((SECONDS - T0)) s; running checks"

DAPR_HTTP_PORT="$DAPR_HTTP_PORT" APP_PORT="$APP_PORT" \
  timeout "${KAIROS_SMOKE_CHECK_TIMEOUT:-180}" node "$HERE/smoke/check.mjs" ||
  die "smoke: checks failed (see above; sidecar log $(log_file smoke-daprd))"
