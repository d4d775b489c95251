# shellcheck shell=bash
# Shared helpers for deploy/local/*.sh. Source it; do not run it.
#
# Sets (unless already set in the environment):
#   KAIROS_ROOT       repository root
#   KAIROS_CACHE      download/build cache, outside the repo (~/.cache/kairos)
#   KAIROS_STACK_DIR  state of a running stack: data, logs, pid files (<repo>/.stack)
# and the versions from versions.env.

KAIROS_LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAIROS_ROOT="${KAIROS_ROOT:-$(cd "$KAIROS_LOCAL_DIR/../.." && pwd)}"
# shellcheck source=versions.env
. "$KAIROS_LOCAL_DIR/versions.env"

KAIROS_CACHE="${KAIROS_CACHE:-$HOME/.cache/kairos}"
KAIROS_STACK_DIR="${KAIROS_STACK_DIR:-$KAIROS_ROOT/.stack}"
case "$KAIROS_STACK_DIR" in /*) ;; *) KAIROS_STACK_DIR="$PWD/$KAIROS_STACK_DIR" ;; esac
KAIROS_LOG_DIR="$KAIROS_STACK_DIR/logs"
KAIROS_RUN_DIR="$KAIROS_STACK_DIR/run"
export KAIROS_ROOT KAIROS_CACHE KAIROS_STACK_DIR

DAPR_CACHE_DIR="$KAIROS_CACHE/dapr-$DAPR_VERSION"
# Dapr commands built beside daprd: the local stack runs scheduler and sentry; the
# Kubernetes images (deploy/cluster) also need operator, injector and placement.
DAPR_CONTROL_PLANE_CMDS=(scheduler sentry operator injector placement)
# The components compiled into daprd: upstream's registration files in
# cmd/daprd/components that are kept (every other one is left out of the build, and
# with it its cloud SDKs: a quarter less to compile, a smaller sidecar image). These
# are the component types Kairos declares (deploy/local/components, the chart) and the
# name resolvers and secret stores Dapr itself falls back to. bindings.smtp and
# nameresolution.sqlite are registered by deploy/local/dapr-build/daprd/main.go.
DAPRD_COMPONENTS=(pubsub_kafka state_postgres bindings_cron secretstores_kubernetes
  secretstores_local_file secretstores_local_env nameresolution_kubernetes nameresolution_mdns)
KAFKA_CACHE_DIR="$KAIROS_CACHE/kafka-$KAFKA_VERSION"

# Ports of the infrastructure (override with the environment). All below
# 32768: ports in Linux's ephemeral range (32768-60999) can be taken at random
# by outgoing connections, which made listeners fail to bind.
PG_PORT="${PG_PORT:-5433}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
SCHEDULER_GRPC_PORT="${SCHEDULER_GRPC_PORT:-25006}"
SCHEDULER_HEALTH_PORT="${SCHEDULER_HEALTH_PORT:-25076}"
SCHEDULER_METRICS_PORT="${SCHEDULER_METRICS_PORT:-25096}"
SCHEDULER_ETCD_CLIENT_PORT="${SCHEDULER_ETCD_CLIENT_PORT:-25379}"
SCHEDULER_ETCD_PEER_PORT="${SCHEDULER_ETCD_PEER_PORT:-25380}"
SENTRY_PORT="${SENTRY_PORT:-25001}"
SENTRY_HEALTH_PORT="${SENTRY_HEALTH_PORT:-25071}"
SENTRY_METRICS_PORT="${SENTRY_METRICS_PORT:-25091}"
# Trust domain of the control plane (sentry, scheduler); daprd's default.
DAPR_CONTROL_PLANE_TRUST_DOMAIN="${DAPR_CONTROL_PLANE_TRUST_DOMAIN:-localhost}"

KAIROS_TOPICS="${KAIROS_TOPICS:-task-events reminders task-updates}"
KAIROS_TOPIC_PARTITIONS="${KAIROS_TOPIC_PARTITIONS:-3}"

# ---------------------------------------------------------------- messages
_ts() { date +%H:%M:%S; }
log() { printf '[%s] %s\n' "$(_ts)" "$*" >&2; }
warn() { printf '[%s] WARNING: %s\n' "$(_ts)" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$(_ts)" "$*" >&2
  exit 1
}

# ---------------------------------------------------------------- waiting
# wait_until SECONDS DESCRIPTION CMD... : polls CMD every 0.5 s until it succeeds.
wait_until() {
  local timeout="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + timeout)) next_note=$((SECONDS + 10))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      return 1
    fi
    if ((SECONDS >= next_note)); then
      log "  still waiting for $what ($((deadline - SECONDS)) s left)"
      next_note=$((SECONDS + 10))
    fi
    sleep 0.5
  done
}

# wait_proc NAME SECONDS DESCRIPTION CMD... : like wait_until, but gives up
# at once (status 2) when the process NAME (pid file) has exited.
wait_proc() {
  local name="$1" timeout="$2" what="$3"
  shift 3
  local deadline=$((SECONDS + timeout)) next_note=$((SECONDS + 10))
  until "$@" >/dev/null 2>&1; do
    proc_pid "$name" >/dev/null || return 2
    if ((SECONDS >= deadline)); then
      return 1
    fi
    if ((SECONDS >= next_note)); then
      log "  still waiting for $what ($((deadline - SECONDS)) s left)"
      next_note=$((SECONDS + 10))
    fi
    sleep 0.5
  done
}

# port_open PORT [HOST]
port_open() { (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }

# http_ok URL : 2xx within 2 s
http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }

# ---------------------------------------------------------------- processes
# Each process runs in its own session (setsid), so its whole group can be
# signalled by id. Pid file: $KAIROS_RUN_DIR/<name>.pid; log: $KAIROS_LOG_DIR/<name>.log.

pid_file() { echo "$KAIROS_RUN_DIR/$1.pid"; }
log_file() { echo "$KAIROS_LOG_DIR/$1.log"; }

# proc_pid NAME : prints the pid if the process is alive
proc_pid() {
  local f
  f="$(pid_file "$1")"
  [[ -f $f ]] || return 1
  local pid
  pid="$(cat "$f")"
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  # A killed process that nobody has reaped yet (a zombie) still answers kill -0: it is dead.
  [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1
  echo "$pid"
}

# start_proc NAME CMD... : starts CMD detached with its log and pid file.
# Environment variables set by the caller are inherited.
start_proc() {
  local name="$1"
  shift
  mkdir -p "$KAIROS_LOG_DIR" "$KAIROS_RUN_DIR"
  if proc_pid "$name" >/dev/null; then
    die "$name is already running (pid $(proc_pid "$name")); run 'deploy/local/stack.sh down' first"
  fi
  local lf
  lf="$(log_file "$name")"
  printf '\n===== %s start: %s\n' "$(date -Is)" "$*" >>"$lf"
  setsid "$@" >>"$lf" 2>&1 </dev/null &
  echo $! >"$(pid_file "$name")"
}

# stop_proc NAME [TIMEOUT] : SIGTERM to the process group, SIGKILL after TIMEOUT s.
stop_proc() {
  local name="$1" timeout="${2:-${KAIROS_STOP_TIMEOUT:-15}}" pid
  if ! pid="$(proc_pid "$name")"; then
    rm -f "$(pid_file "$name")"
    return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name (pid $pid) did not stop within ${timeout}s; sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    sleep 0.3
  fi
  rm -f "$(pid_file "$name")"
  log "stopped $name (pid $pid)"
}

# fail_with_log NAME MESSAGE : die, showing the end of NAME's log
fail_with_log() {
  local lf
  lf="$(log_file "$1")"
  if [[ -f $lf ]]; then
    echo "----- last lines of $lf -----" >&2
    tail -n 40 "$lf" >&2
    echo "-----" >&2
  fi
  die "$2"
}

# require_free_port PORT WHAT
require_free_port() {
  if port_open "$1"; then
    die "port $1 ($2) is already in use; stop what listens there (ss -ltnp | grep :$1) or choose another port"
  fi
}

# ---------------------------------------------------------------- locating tools

# dapr_version_ok BINARY : true if `BINARY --version` is >= 1.15 (Jobs API with scheduler)
dapr_version_ok() {
  local v
  v="$("$1" --version 2>/dev/null | head -n1 | tr -d 'v')" || return 1
  [[ $v == edge ]] && return 0
  local major minor
  IFS=. read -r major minor _ <<<"$v"
  [[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] || return 1
  ((major > 1 || (major == 1 && minor >= 15)))
}

# resolve_dapr : sets DAPRD_BIN, SCHEDULER_BIN and SENTRY_BIN (empty when there
# is no sentry); returns 1 if daprd + scheduler are not available.
# Order: $DAPRD_BIN/$SCHEDULER_BIN[/$SENTRY_BIN]; daprd+scheduler on PATH;
# ~/.dapr/bin (Dapr CLI `dapr init --slim`); the binaries built by provision.sh.
# KAIROS_DAPR_SOURCE=build skips the first three.
resolve_dapr() {
  SENTRY_BIN="${SENTRY_BIN:-}"
  if [[ ${KAIROS_DAPR_SOURCE:-auto} != build ]]; then
    if [[ -n ${DAPRD_BIN:-} && -n ${SCHEDULER_BIN:-} && -x $DAPRD_BIN && -x $SCHEDULER_BIN ]]; then
      return 0
    fi
    local d s
    for d in "$(command -v daprd 2>/dev/null || true)" "$HOME/.dapr/bin/daprd"; do
      [[ -n $d && -x $d ]] || continue
      s="$(dirname "$d")/scheduler"
      [[ -x $s ]] || s="$(command -v scheduler 2>/dev/null || true)"
      [[ -n $s && -x $s ]] || continue
      if dapr_version_ok "$d"; then
        DAPRD_BIN="$d" SCHEDULER_BIN="$s"
        [[ -x $(dirname "$d")/sentry ]] && SENTRY_BIN="$(dirname "$d")/sentry"
        return 0
      fi
    done
  fi
  if [[ -x $DAPR_CACHE_DIR/bin/daprd && -x $DAPR_CACHE_DIR/bin/scheduler ]]; then
    DAPRD_BIN="$DAPR_CACHE_DIR/bin/daprd" SCHEDULER_BIN="$DAPR_CACHE_DIR/bin/scheduler"
    [[ -x $DAPR_CACHE_DIR/bin/sentry ]] && SENTRY_BIN="$DAPR_CACHE_DIR/bin/sentry"
    return 0
  fi
  return 1
}

# mtls_enabled : mTLS between sidecars (needed for the access-control policy
# in deploy/dapr/config.yaml to identify callers) runs when a sentry binary is
# available, unless KAIROS_DAPR_MTLS=0.
mtls_enabled() { [[ ${KAIROS_DAPR_MTLS:-auto} != 0 && -n ${SENTRY_BIN:-} ]]; }

# kafka_classpath : prints the classpath of the cached Kafka, or fails
kafka_classpath() {
  [[ -f $KAFKA_CACHE_DIR/.complete ]] || return 1
  echo "$KAFKA_CACHE_DIR/libs/*"
}

# kafka_log_configs DIR : writes DIR/log4j2.properties (the broker: info, its chatty
# controller/raft loggers at warn) and DIR/log4j2-tools.properties (admin tools:
# warnings only, on stderr, so their stdout stays parseable).
kafka_log_configs() {
  cat >"$1/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = out
logger.state.name = state.change.logger
logger.state.level = warn
logger.controller.name = org.apache.kafka.controller
logger.controller.level = warn
logger.raft.name = org.apache.kafka.raft
logger.raft.level = warn
EOF
  cat >"$1/log4j2-tools.properties" <<'EOF'
status = error
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m%n
rootLogger.level = warn
rootLogger.appenderRef.err.ref = err
EOF
}

# resolve_pg : sets PG_BINDIR to the newest PostgreSQL server binaries.
resolve_pg() {
  if [[ -n ${PG_BINDIR:-} && -x $PG_BINDIR/initdb ]]; then return 0; fi
  local d best=""
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/initdb && -x $d/pg_ctl ]] && best="$d"
  done
  if [[ -z $best ]]; then
    d="$(command -v initdb 2>/dev/null || true)"
    [[ -n $d ]] && best="$(dirname "$(readlink -f "$d")")"
  fi
  [[ -n $best ]] || return 1
  PG_BINDIR="$best"
}

# as_pg_user CMD... : PostgreSQL refuses to run as root; run as the 'postgres'
# system user (created by the Debian package) when we are root.
as_pg_user() {
  if ((EUID == 0)); then
    runuser -u "${KAIROS_PG_OS_USER:-postgres}" -- "$@"
  else
    "$@"
  fi
}

# The DATABASE_URL of the local throwaway cluster.
local_database_url() { echo "postgres://postgres@127.0.0.1:$PG_PORT/kairos"; }

# roles_table : the distributed roles of the module table (backend/src/roles/table.ts,
# printed by `kairos roles --json`), one line each:
#   ROLE APP_PORT DAPR_HTTP_PORT DAPR_GRPC_PORT DAPR_INTERNAL_GRPC_PORT DAPR_METRICS_PORT
# From the build when there is one, else from the sources (through tsx).
roles_table() {
  local json
  if [[ -f $KAIROS_ROOT/backend/dist/roles/table.js ]]; then
    json="$(node "$KAIROS_ROOT/backend/dist/main.js" roles --json)"
  else
    json="$(cd "$KAIROS_ROOT" && node --import tsx backend/src/main.ts roles --json)"
  fi
  node -e '
    const { roles } = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const r of roles) {
      if (!r.localPorts) continue;
      const p = r.localPorts;
      console.log([r.role, p.app, p.daprHttp, p.daprGrpc, p.daprInternalGrpc, p.daprMetrics].join(" "));
    }' <<<"$json"
}
