#!/bin/sh
# The official postgres image's contract, for the Debian stand-in: on the first start (empty PGDATA)
# create the cluster with POSTGRES_USER as superuser, its password from POSTGRES_PASSWORD or
# POSTGRES_PASSWORD_FILE, and POSTGRES_DB; then run postgres listening on every address.
set -eu
bin="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin | sort -V | tail -n 1)"
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
if [ "${1:-}" != postgres ]; then exec "$@"; fi
shift
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then password="$(cat "$POSTGRES_PASSWORD_FILE")"; else
    password="${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE}"; fi
  pwfile="$(mktemp)"
  printf '%s\n' "$password" > "$pwfile"
  "$bin/initdb" --pgdata="$PGDATA" --username="$user" --pwfile="$pwfile" --auth-local=trust \
    --encoding=UTF8 --locale=C.UTF-8 \
    --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  printf 'host all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
  "$bin/pg_ctl" --pgdata="$PGDATA" --wait --silent -o "-c listen_addresses=''" start
  if [ "$db" != postgres ]; then "$bin/createdb" --username="$user" "$db"; fi
  "$bin/pg_ctl" --pgdata="$PGDATA" --wait --silent stop
  echo "postgres stand-in: initialised $PGDATA (user $user, database $db)" >&2
fi
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' "$@"
