#!/usr/bin/env bash
# postgres.sh start|stop|status|clean
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

# As root the cluster belongs to the OS user postgres, which must be able to
# reach its folder; when the stack folder is private (e.g. under /root), the
# cluster lives in /tmp instead (KAIROS_PG_DIR overrides both).
pg_dir() {
  if [[ -n ${KAIROS_PG_DIR:-} ]]; then
    echo "$KAIROS_PG_DIR"
  elif ((EUID == 0)) && ! { mkdir -p "$KAIROS_STACK_DIR" && as_pg_user test -x "$KAIROS_STACK_DIR"; } 2>/dev/null; then
    echo "${TMPDIR:-/tmp}/kairos-pg-$(echo "$KAIROS_STACK_DIR" | sha256sum | cut -c1-8)"
  else
    echo "$KAIROS_STACK_DIR/pg"
  fi
}
PG_DIR="$(pg_dir)"
PG_DATA="$PG_DIR/data"
PG_SOCK="$PG_DIR/sock"
PG_LOG="$PG_DIR/postgres.log"

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
  # the server log lives next to the data (written by the postgres user); the
  # stack's log folder links to it
  [[ $PG_LOG -ef $KAIROS_LOG_DIR/postgres.log ]] || ln -sfn "$PG_LOG" "$KAIROS_LOG_DIR/postgres.log"
  if ((EUID == 0)); then
    chown -R "${KAIROS_PG_OS_USER:-postgres}:" "$PG_DIR"
    as_pg_user test -w "$PG_DIR" ||
      die "postgres: user ${KAIROS_PG_OS_USER:-postgres} cannot write $PG_DIR; set KAIROS_PG_DIR to a folder it can reach"
  fi
  [[ $PG_DIR == "$KAIROS_STACK_DIR/pg" ]] || log "postgres: the stack folder is private to root; cluster data in $PG_DIR"
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
    if pg_isready -q -d "$DATABASE_URL" -t 1; then
      printf '%-22s %-8s %-6s %s\n' postgres external - "up (\$DATABASE_URL)"
    else
      printf '%-22s %-8s %-6s %s\n' postgres external - "DOWN (\$DATABASE_URL)"
      return 1
    fi
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

# clean : stop and delete the cluster's data
clean() {
  stop
  [[ -n ${DATABASE_URL:-} ]] || rm -rf "$PG_DIR"
}

case "${1:-}" in
start | stop | status | clean) "$1" ;;
*) die "usage: $0 start|stop|status|clean" ;;
esac
