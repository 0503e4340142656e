#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 cluster in a temporary folder.
# The server may not run as root, so as root it runs as the postgres user.
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
PORT=${KAIKU_PG_PORT:-54329}
DIR=$(mktemp -d /tmp/kaiku-pg.XXXXXX)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$DIR"
cleanup() { as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT
as_pg "$PGBIN/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w start \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/kaiku"
"$@"
