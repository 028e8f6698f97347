#!/bin/sh
# Secrets come as files (compose secrets under /run/secrets); the server reads environment variables.
set -eu
if [ -n "${SECRET_KEY_FILE:-}" ] && [ -z "${SECRET_KEY:-}" ]; then
  SECRET_KEY="$(cat "$SECRET_KEY_FILE")"
  export SECRET_KEY
fi
if [ -n "${REDIS_URL_FILE:-}" ] && [ -z "${REDIS_URL:-}" ]; then
  REDIS_URL="$(cat "$REDIS_URL_FILE")"
  export REDIS_URL
fi
# With POSTGRES_HOST set (the production profile), build DATABASE_URL from its parts and the password
# file; without it the server uses SQLite under INSTANCE_PATH.
if [ -n "${POSTGRES_HOST:-}" ] && [ -z "${DATABASE_URL:-}" ]; then
  password="$(cat "${POSTGRES_PASSWORD_FILE:-/run/secrets/postgres_password}")"
  DATABASE_URL="postgresql+psycopg://${POSTGRES_USER:-faceattend}:${password}@${POSTGRES_HOST}:${POSTGRES_PORT:-5432}/${POSTGRES_DB:-faceattend}"
  export DATABASE_URL
fi
# The embeddings key (32 bytes, AES-256-GCM) lives on the app-data volume, owned by this uid with mode
# 0600: never a compose secret (those are mounted world-readable, and the server refuses such a key).
# Created once, on the first start; it must be backed up with the database (scripts/backup.sh does):
# without it the stored embeddings are unreadable and everyone has to be enrolled again.
EMBEDDINGS_KEY_FILE="${EMBEDDINGS_KEY_FILE:-/data/keys/embeddings.key}"
export EMBEDDINGS_KEY_FILE
if [ ! -e "$EMBEDDINGS_KEY_FILE" ]; then
  echo "faceattend-entrypoint: no embeddings key at $EMBEDDINGS_KEY_FILE: creating one (back it up)" >&2
  # keygen never overwrites: replicas starting together race, and the losers use the winner's key.
  if ! python -m server keygen "$EMBEDDINGS_KEY_FILE" >&2; then
    [ -e "$EMBEDDINGS_KEY_FILE" ] || exit 1
    sleep 2  # another replica created it a moment ago: let it finish writing
  fi
fi
mkdir -p "${PROMETHEUS_MULTIPROC_DIR:-/tmp/prometheus-multiproc}"
exec "$@"
