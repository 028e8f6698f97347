#!/usr/bin/env bash
# Restores a faceattend backup made by scripts/backup.sh.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/restore.sh --archive FILE [options]

Checks the archive's SHA256SUMS, then restores what it holds and what you ask for:
  the database    into --database-url (SQLite: the file is replaced, the old one kept as
                  FILE.pre-restore-<time>; PostgreSQL: pg_restore --clean into the existing database)
                  or, with --compose, into the running compose stack (the app is stopped meanwhile)
  the embeddings key  into --key-file, or with --compose into the app's EMBEDDINGS_KEY_FILE on its
                  volume (mode 0600; the old key kept as FILE.pre-restore-<time>). A database restored
                  without the key it was written with has unreadable embeddings, so restoring a
                  database from an archive that holds a key needs --key-file (or --compose, or --no-key)
  kiosk data      into --data-dir (the old folder is kept as DIR.pre-restore-<time>)
Configuration is not copied back: compare ARCHIVE's config/ with yours by hand.

Stop the server (or the kiosk) that uses the database or the data folder first; --compose does that
for the app.

Options (environment variable in brackets):
  --archive FILE        the backup to restore (required)
  --database-url URL    sqlite:///PATH or postgresql[+psycopg]://...   [DATABASE_URL]
  --compose             restore the database into the running compose stack
  --key-file FILE       restore the embeddings key here: the server's EMBEDDINGS_KEY_FILE
                        [EMBEDDINGS_KEY_FILE]
  --no-key              do not restore the key (keep the current one)
  --data-dir DIR        restore the kiosk data folder here             [FACEATTEND_DATA_DIR]
  --yes                 do not ask for confirmation
  -h, --help            show this help
USAGE
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ARCHIVE=""
DATABASE_URL="${DATABASE_URL:-}"
DATA_DIR="${FACEATTEND_DATA_DIR:-}"
KEY_FILE="${EMBEDDINGS_KEY_FILE:-}"
NO_KEY=0
COMPOSE=0
YES=0

while [ $# -gt 0 ]; do
  case "$1" in
    --archive) ARCHIVE="$2"; shift 2 ;;
    --database-url) DATABASE_URL="$2"; shift 2 ;;
    --compose) COMPOSE=1; shift ;;
    --data-dir) DATA_DIR="$2"; shift 2 ;;
    --key-file) KEY_FILE="$2"; shift 2 ;;
    --no-key) NO_KEY=1; shift ;;
    --yes) YES=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "restore.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[restore] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -n "$ARCHIVE" ] || die "--archive is required (see --help)"
[ -f "$ARCHIVE" ] || die "no archive at $ARCHIVE"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$ARCHIVE"
root="$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'faceattend-backup-*' | head -n 1)"
if [ -z "$root" ] || [ ! -f "$root/SHA256SUMS" ]; then die "$ARCHIVE is not a faceattend backup"; fi
(cd "$root" && sha256sum --quiet --check SHA256SUMS) || die "checksums do not match: the archive is damaged"
log "archive verified: $(head -n 1 "$root/MANIFEST")"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
archive_key="$root/keys/embeddings.key"
[ "$NO_KEY" -eq 1 ] && KEY_FILE=""

# Refuse before replacing anything: a database without its key is a database of unreadable embeddings.
if { [ -n "$DATABASE_URL" ] || [ "$COMPOSE" -eq 1 ]; } && [ -f "$archive_key" ] && [ "$NO_KEY" -eq 0 ] \
   && [ "$COMPOSE" -eq 0 ] && [ -z "$KEY_FILE" ]; then
  die "the archive holds the embeddings key the database was written with: give --key-file PATH (the server's EMBEDDINGS_KEY_FILE), or --no-key to keep the current key"
fi
if [ -n "$KEY_FILE" ] && [ ! -f "$archive_key" ]; then
  log "WARNING: the archive holds no embeddings key: $KEY_FILE is left as it is; if it is not the key the"
  log "         database was written with, its embeddings do not decrypt and people must be enrolled again"
  KEY_FILE=""
fi

confirm() {
  [ "$YES" -eq 1 ] && return 0
  [ -t 0 ] || die "not a terminal: pass --yes to restore without asking"
  local answer
  read -r -p "[restore] $1 [y/N] " answer
  [ "$answer" = y ] || [ "$answer" = Y ] || die "cancelled"
}

compose() { docker compose -f "$here/docker-compose.yml" "$@"; }

# restore_key: the archive's key into KEY_FILE, owner-only, the old one kept beside it.
restore_key() {
  if cmp -s "$archive_key" "$KEY_FILE"; then
    log "embeddings key $KEY_FILE unchanged"
    return 0
  fi
  confirm "replace the embeddings key $KEY_FILE?"
  if [ ! -d "$(dirname "$KEY_FILE")" ]; then
    mkdir -p "$(dirname "$KEY_FILE")"
    chmod 700 "$(dirname "$KEY_FILE")"
  fi
  if [ -e "$KEY_FILE" ]; then
    mv "$KEY_FILE" "$KEY_FILE.pre-restore-$stamp"
    log "kept the old embeddings key as $KEY_FILE.pre-restore-$stamp"
  fi
  (umask 077 && cp "$archive_key" "$KEY_FILE.partial")
  chmod 600 "$KEY_FILE.partial"
  mv "$KEY_FILE.partial" "$KEY_FILE"
  log "embeddings key restored into $KEY_FILE"
}

# restore_compose_key: the archive's key into the app's EMBEDDINGS_KEY_FILE on its volume (app stopped).
restore_compose_key() {
  if [ "$NO_KEY" -eq 1 ]; then return 0; fi
  if [ ! -f "$archive_key" ]; then
    log "WARNING: the archive holds no embeddings key: the app keeps its current one"
    return 0
  fi
  # shellcheck disable=SC2016  # expanded by the shell inside the container
  compose run --rm --no-deps -T -e "STAMP=$stamp" --entrypoint sh app -c '
    set -eu
    umask 077
    key="${EMBEDDINGS_KEY_FILE:-/data/keys/embeddings.key}"
    mkdir -p "$(dirname "$key")"
    cat >"$key.partial"
    if [ -e "$key" ]; then mv "$key" "$key.pre-restore-$STAMP"; fi
    mv "$key.partial" "$key"' <"$archive_key"
  log "embeddings key restored into the app's volume (the old one kept as <key>.pre-restore-$stamp)"
}

restore_database() {
  if [ -f "$root/database.pgdump" ]; then
    if [ "$COMPOSE" -eq 1 ]; then
      confirm "replace the compose stack's PostgreSQL database?"
      compose --profile production stop app
      # shellcheck disable=SC2016  # expanded by the shell inside the container
      compose --profile production exec -T postgres sh -c \
        'pg_restore --clean --if-exists --no-owner -U "$POSTGRES_USER" -d "$POSTGRES_DB"' <"$root/database.pgdump"
      restore_compose_key
      compose --profile production start app
    else
      case "$DATABASE_URL" in postgresql*://*|postgres://*) ;; *) die "the backup holds a PostgreSQL dump: give --database-url postgresql://..." ;; esac
      command -v pg_restore >/dev/null || die "pg_restore is not installed (or use --compose)"
      confirm "replace the PostgreSQL database ${DATABASE_URL##*/}?"
      pg_restore --clean --if-exists --no-owner --dbname "postgresql://${DATABASE_URL#*://}" "$root/database.pgdump"
    fi
    log "database restored"
  elif [ -f "$root/database.sqlite" ]; then
    if [ "$COMPOSE" -eq 1 ]; then
      confirm "replace the compose stack's SQLite database?"
      compose stop app
      # shellcheck disable=SC2016  # expanded by the shell inside the container
      compose run --rm --no-deps -T --entrypoint sh app -c 'cat > "${INSTANCE_PATH:-/data}/attendance.db"' \
        <"$root/database.sqlite"
      restore_compose_key
      compose start app
    else
      case "$DATABASE_URL" in sqlite:///*) ;; *) die "the backup holds a SQLite database: give --database-url sqlite:///PATH" ;; esac
      local db="${DATABASE_URL#sqlite:///}"
      db="${db%%\?*}"
      confirm "replace $db?"
      mkdir -p "$(dirname "$db")"
      if [ -f "$db" ]; then
        mv "$db" "$db.pre-restore-$stamp"
        rm -f "$db-wal" "$db-shm"
        log "kept the old database as $db.pre-restore-$stamp"
      fi
      cp "$root/database.sqlite" "$db"
    fi
    log "database restored"
  else
    log "the archive holds no database"
  fi
}

restore_data() {
  [ -d "$root/data" ] || die "the archive holds no kiosk data"
  confirm "replace $DATA_DIR?"
  if [ -e "$DATA_DIR" ]; then
    mv "$DATA_DIR" "$DATA_DIR.pre-restore-$stamp"
    log "kept the old data folder as $DATA_DIR.pre-restore-$stamp"
  fi
  mkdir -p "$DATA_DIR"
  cp -R "$root/data/." "$DATA_DIR/"
  log "kiosk data restored into $DATA_DIR"
}

if [ -n "$DATABASE_URL" ] || [ "$COMPOSE" -eq 1 ]; then
  restore_database
fi
if [ -n "$KEY_FILE" ]; then
  restore_key
fi
if [ -n "$DATA_DIR" ]; then
  restore_data
fi
if [ -z "$DATABASE_URL" ] && [ "$COMPOSE" -eq 0 ] && [ -z "$DATA_DIR" ] && [ -z "$KEY_FILE" ]; then
  log "nothing to restore into: give --database-url, --compose, --key-file and/or --data-dir"
  log "contents: $(cd "$root" && find . -maxdepth 1 -mindepth 1 | tr '\n' ' ')"
fi
