#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test run (see ../shared/research/spike-marten-stateless-fscheck.md §1).
# usage: eval "$(bash tests/pg.sh start)" | stop | destroy | status | env
# start prints `export TALOS_TEST_PG=...` (the one variable the tests read) plus the libpq PG* variables.
set -euo pipefail
PG_ROOT="${PG_ROOT:-/tmp/talos-test-pg}"   # short: the unix socket path must stay < 107 bytes
PG_DATA="$PG_ROOT/data"; PG_SOCK="$PG_ROOT/sock"; PG_LOG="$PG_ROOT/server.log"; PG_PORT_FILE="$PG_ROOT/port"
PG_OS_USER="${PG_OS_USER:-postgres}"; PG_DB="${PG_DB:-talos}"; PG_FIRST_PORT="${PG_FIRST_PORT:-54329}"

bindir() {
  if [[ -z "${PG_BINDIR:-}" ]]; then
    PG_BINDIR="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  fi
}
ensure_installed() {
  bindir
  if [[ -z "$PG_BINDIR" || ! -x "$PG_BINDIR/initdb" ]]; then
    [[ "$(id -u)" == 0 ]] || { echo "pg.sh: PostgreSQL server binaries not found and not root to install them" >&2; exit 1; }
    echo "pg.sh: installing PostgreSQL with apt-get" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    PG_BINDIR=""; bindir
  fi
  if [[ "$(id -u)" == 0 ]] && ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
  fi
}
as_pg() { if [[ "$(id -u)" == 0 ]]; then (cd / && runuser -u "$PG_OS_USER" -- "$@"); else "$@"; fi; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  local p="$PG_FIRST_PORT" i
  for i in $(seq 0 60); do if port_free "$p"; then echo "$p"; return 0; fi; p=$((p + 1)); done
  echo "pg.sh: no free port from $PG_FIRST_PORT" >&2; return 1
}
alive() { local st; st="$(ps -o stat= -p "$1" 2>/dev/null || true)"; [[ -n "$st" && "$st" != Z* ]]; }
running() {   # pg_ctl status is fooled by a zombie postmaster, so also ping it
  [[ -f "$PG_DATA/PG_VERSION" && -f "$PG_PORT_FILE" ]] || return 1
  as_pg "$PG_BINDIR/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1 || return 1
  "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$(cat "$PG_PORT_FILE")" -U postgres -d postgres -t 3
}
clear_stale_locks() {
  local f pid
  for f in "$PG_DATA/postmaster.pid" "$PG_SOCK"/.s.PGSQL.*.lock; do
    [[ -f "$f" ]] || continue
    pid="$(head -n1 "$f" | tr -d ' -')"
    if [[ -n "$pid" ]] && alive "$pid"; then echo "pg.sh: postgres pid $pid is alive but does not answer" >&2; exit 1; fi
    rm -f "$f" "${f%.lock}"
  done
}
print_env() {
  local port; port="$(cat "$PG_PORT_FILE")"
  echo "export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=$PG_DB"
  echo "export TALOS_TEST_PG='Host=127.0.0.1;Port=$port;Username=postgres;Database=$PG_DB;Pooling=true;Maximum Pool Size=50'"
}
start() {
  ensure_installed
  mkdir -p "$PG_ROOT"; [[ "$(id -u)" != 0 ]] || chown "$PG_OS_USER" "$PG_ROOT"; chmod 755 "$PG_ROOT"
  if running; then print_env; return 0; fi
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    rm -rf "$PG_DATA"
    as_pg "$PG_BINDIR/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
      --no-instructions >"$PG_ROOT/initdb.log" 2>&1 || { cat "$PG_ROOT/initdb.log" >&2; exit 1; }
  fi
  as_pg mkdir -p "$PG_SOCK"; clear_stale_locks
  local port; port="$(pick_port)"; as_pg sh -c "echo $port > '$PG_PORT_FILE'"
  # fsync off: a throwaway test cluster; the durability under test is the node's, not PostgreSQL's.
  as_pg "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start -o \
    "-p $port -k $PG_SOCK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    >/dev/null || { tail -n 30 "$PG_LOG" >&2; exit 1; }
  "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -t 30
  if [[ -z "$("$PG_BINDIR/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc "select 1 from pg_database where datname='$PG_DB'")" ]]; then
    "$PG_BINDIR/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "create database \"$PG_DB\"" >/dev/null
  fi
  print_env
}
stop() {
  bindir; [[ -n "$PG_BINDIR" && -f "$PG_DATA/PG_VERSION" ]] || return 0
  if as_pg "$PG_BINDIR/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    as_pg "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null || true
  fi
}
case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  destroy) stop; rm -rf "$PG_ROOT" ;;
  status) bindir; if running; then echo "running on port $(cat "$PG_PORT_FILE")"; else echo stopped; exit 3; fi ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|destroy|status|env" >&2; exit 2 ;;
esac
