#!/usr/bin/env bash
# A private PostgreSQL server for tests and benchmarks: its own cluster in DIR, listening on
# 127.0.0.1 only (no Unix socket), owned by an unprivileged user (initdb refuses root; as root the
# server runs as `nobody`), with a random password for the role `automl`.
#
#   postgres-test-server.sh start DIR [--durable]  creates DIR, starts the server on a free port,
#                                                  writes its URL to DIR/url and prints it
#   postgres-test-server.sh restart DIR            restarts it (fast shutdown: sessions are cut)
#   postgres-test-server.sh stop DIR               stops it and removes DIR
#
# Without --durable the server skips fsync: fine for tests, whose data is thrown away.
# When PostgreSQL is not installed or the server cannot start, `start` says so on stderr and
# exits 0 without writing DIR/url, unless AUTOML_REQUIRE_POSTGRES=1 (then it exits 1): the
# tests that need the server then skip with that reason.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR [--durable] | restart DIR | stop DIR" >&2
  exit 2
}
[ $# -ge 2 ] || usage
action=$1
dir=$2
durable=0
[ "${3:-}" = "--durable" ] && durable=1

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)

# Runs a PostgreSQL program as the server's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

cannot_start() {
  echo "postgres-test-server: $1; the PostgreSQL tests will be skipped" >&2
  if [ "${AUTOML_REQUIRE_POSTGRES:-0}" = "1" ]; then exit 1; fi
  exit 0
}

case "$action" in
  start)
    [ -n "$bin" ] && [ -x "$bin/initdb" ] ||
      cannot_start "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)"
    if [ -e "$dir/data/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$password" >"$dir/pwfile"
    if [ "$(id -u)" -eq 0 ]; then chown -R nobody "$dir"; fi
    if ! as_owner "$bin/initdb" -D "$dir/data" -U automl --pwfile="$dir/pwfile" \
      --auth=scram-sha-256 -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
      cannot_start "initdb failed: $(tail -n 1 "$dir/initdb.log")"
    fi
    rm -f "$dir/pwfile"
    settings="-c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200"
    if [ "$durable" -eq 0 ]; then
      settings+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    for port in $(seq 54330 54429); do
      # A port something already listens on is skipped; a race is caught by pg_ctl failing.
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
      echo "$settings -c port=$port" >"$dir/settings"
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "$settings -c port=$port" start >/dev/null; then
        url="postgresql://automl:$password@127.0.0.1:$port/postgres"
        printf '%s\n' "$url" >"$dir/url"
        chmod 600 "$dir/url"
        echo "$url"
        exit 0
      fi
      grep -q "could not bind\|Address already in use" "$dir/server.log" 2>/dev/null ||
        cannot_start "the server did not start: $(tail -n 1 "$dir/server.log" 2>/dev/null)"
    done
    cannot_start "no free port in 54330-54429"
    ;;
  restart)
    [ -f "$dir/settings" ] || { echo "postgres-test-server: no server in $dir" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -m fast \
      -o "$(cat "$dir/settings")" restart >/dev/null
    ;;
  stop)
    if [ -n "$bin" ] && [ -e "$dir/data/postmaster.pid" ]; then
      # A server that does not stop in time is stopped harder, and then killed: its directory
      # must not be removed from under a running server.
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
        kill -9 "$(head -n 1 "$dir/data/postmaster.pid")" 2>/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *)
    usage
    ;;
esac
