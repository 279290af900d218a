#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (trust auth, loopback only, data in a temp folder).
#   bash .ci/pg.sh start   → starts one and prints   TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/hashscope_test
#   bash .ci/pg.sh stop    → stops it and deletes its folder
# Installs Debian's postgresql when no server binaries are found (needs root). As root the server runs as `postgres`.
set -uo pipefail
state="${PG_STATE_FILE:-${TMPDIR:-/tmp}/hashscope-pg.state}"

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }; done
  command -v pg_ctl >/dev/null 2>&1 && { dirname "$(command -v pg_ctl)"; return 0; }
  return 1
}

as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start() {
  local bin dir sock port db=hashscope_test i
  if ! bin=$(find_bin); then
    [ "$(id -u)" = 0 ] || { echo "pg.sh: postgresql is not installed (apt-get install postgresql, as root)" >&2; return 1; }
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
      || { echo "pg.sh: could not install postgresql" >&2; return 1; }
    bin=$(find_bin) || { echo "pg.sh: postgresql installed but pg_ctl not found" >&2; return 1; }
  fi
  dir=$(mktemp -d "${TMPDIR:-/tmp}/hashscope-pg.XXXXXX")
  sock="$dir/sock"; mkdir -p "$sock"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { echo "pg.sh: initdb failed:" >&2; tail -5 "$dir/initdb.log" >&2; return 1; }
  # A random high port; retried when taken.
  for i in 1 2 3 4 5 6 7 8; do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-k $sock -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null 2>&1; then
      printf '%s\n%s\n%s\n' "$bin" "$dir" "$port" >"$state"
      "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE $db" postgres >/dev/null \
        || { echo "pg.sh: createdb failed" >&2; stop; return 1; }
      echo "TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/$db"
      return 0
    fi
  done
  echo "pg.sh: the server did not start:" >&2; tail -5 "$dir/server.log" >&2
  return 1
}

stop() {
  [ -f "$state" ] || return 0
  local bin dir
  { read -r bin; read -r dir; } <"$state"
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
  rm -rf "$dir" "$state"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: bash .ci/pg.sh start|stop" >&2; exit 2 ;;
esac
