#!/usr/bin/env bash
# postgres.sh start|stop|status
#
# A throwaway PostgreSQL cluster for the local stack:
#   data     $KAIROS_STACK_DIR/pg/data (initdb on first start)
#   listen   127.0.0.1:$PG_PORT (default 5433), trust auth on loopback only
#   database kairos, superuser postgres
#   URL      postgres://postgres@127.0.0.1:5433/kairos
# When DATABASE_URL is set, that server is used instead and nothing is started.
# As root the cluster runs as the OS user `postgres` (PostgreSQL refuses root).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_DIR="$KAIROS_STACK_DIR/pg"
PG_DATA="$PG_DIR/data"
PG_SOCK="$PG_DIR/sock"
PG_LOG="$KAIROS_LOG_DIR/postgres.log"

pg_ready() { "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 1; }

start() {
  if [[ -n ${DATABASE_URL:-} ]]; then
    log "postgres: using \$DATABASE_URL (not starting a local cluster)"
    wait_until 30 "the database at \$DATABASE_URL" pg_isready -q -d "$DATABASE_URL" -t 1 ||
      die "postgres: \$DATABASE_URL is not reachable; start that server or unset DATABASE_URL"
    return 0
  fi
  resolve_pg || die "postgres: server binaries not found; run deploy/local/provision.sh postgres"
  mkdir -p "$PG_DIR" "$PG_SOCK" "$KAIROS_LOG_DIR"
  touch "$PG_LOG"
  if ((EUID == 0)); then
    chown -R "${KAIROS_PG_OS_USER:-postgres}:" "$PG_DIR" "$PG_LOG"
    as_pg_user test -w "$PG_DIR" ||
      die "postgres: user ${KAIROS_PG_OS_USER:-postgres} cannot reach $PG_DIR (a parent folder is private?); set KAIROS_STACK_DIR to a folder outside /root"
  fi
  if pg_ready; then
    log "postgres: already running on 127.0.0.1:$PG_PORT"
  else
    require_free_port "$PG_PORT" postgres
    if [[ ! -f $PG_DATA/PG_VERSION ]]; then
      log "postgres: initdb $PG_DATA"
      as_pg_user "$PG_BINDIR/initdb" -D "$PG_DATA" -U postgres --auth=trust \
        --encoding=UTF8 --no-locale >>"$PG_LOG" 2>&1 || fail_with_log postgres "initdb failed"
    fi
    log "postgres: starting on 127.0.0.1:$PG_PORT"
    as_pg_user "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
      -o "-p $PG_PORT -k $PG_SOCK -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
      start >/dev/null || fail_with_log postgres "postgres did not start"
  fi
  wait_until 30 postgres pg_ready || fail_with_log postgres "postgres is not accepting connections"
  if ! "$PG_BINDIR/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='kairos'" | grep -q 1; then
    "$PG_BINDIR/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc 'CREATE DATABASE kairos' ||
      die "postgres: could not create database kairos"
  fi
  log "postgres: ready at $(local_database_url)"
}

stop() {
  [[ -n ${DATABASE_URL:-} ]] && return 0
  resolve_pg || return 0
  [[ -f $PG_DATA/postmaster.pid ]] || return 0
  as_pg_user "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 ||
    as_pg_user "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
  log "stopped postgres"
}

status() {
  if [[ -n ${DATABASE_URL:-} ]]; then
    if pg_isready -q -d "$DATABASE_URL" -t 1; then echo "postgres  external  -  \$DATABASE_URL  up"; else echo "postgres  external  -  \$DATABASE_URL  DOWN"; fi
    return 0
  fi
  resolve_pg || {
    echo "postgres  -  -  -  not provisioned"
    return 0
  }
  local pid="-"
  [[ -f $PG_DATA/postmaster.pid ]] && pid="$(head -n1 "$PG_DATA/postmaster.pid")"
  if pg_ready; then
    printf '%-22s %-8s %-6s %s\n' postgres "$pid" "$PG_PORT" up
  else
    printf '%-22s %-8s %-6s %s\n' postgres "$pid" "$PG_PORT" DOWN
    return 1
  fi
}

case "${1:-}" in
start | stop | status) "$1" ;;
*) die "usage: $0 start|stop|status" ;;
esac
