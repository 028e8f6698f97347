#!/usr/bin/env bash
# Backs up faceattend: the database with its embeddings key, the kiosk data (gallery, attendance log) and
# the configuration.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/backup.sh [options]

Writes one archive, OUTPUT_DIR/faceattend-backup-<UTC time>.tar.gz, holding:
  database.sqlite | database.pgdump   the server's database (SQLite online .backup, or pg_dump -Fc)
  keys/embeddings.key                 the server's embeddings key (EMBEDDINGS_KEY_FILE), mode 0600:
                                      without it the database's face embeddings cannot be read
  data/                               a kiosk data folder: gallery, attendance CSV   (with --data-dir)
  config/                             .env, docker-compose.yml, nginx/, monitoring/ (not secrets/)
  MANIFEST, SHA256SUMS                what is inside, and checksums scripts/restore.sh verifies

Options (environment variable in brackets):
  --output-dir DIR      where archives go                          [BACKUP_DIR, ./backups]
  --database-url URL    sqlite:///PATH or postgresql[+psycopg]://... [DATABASE_URL]
  --compose             dump the database of the running compose stack instead (postgres service in
                        production, the app's SQLite file in basic); Docker's stack, or Podman's where
                        docker is missing (BACKUP_ENGINE=docker|podman; COMPOSE_PROJECT_NAME if the
                        stack is not named faceattend)
  --key-file FILE       the server's embeddings key                  [EMBEDDINGS_KEY_FILE]
                        (default with a sqlite:/// database: embeddings.key next to it, if there;
                        with --compose: the app container's EMBEDDINGS_KEY_FILE)
  --no-key              leave the key out (only if you keep it safe elsewhere); a database backup
                        without a key --key-file or the default finds is an error otherwise
  --data-dir DIR        a kiosk data folder to include               [FACEATTEND_DATA_DIR]
  --no-config           leave the configuration out
  --with-secrets        include secrets/ too (the archive then needs the same care as the secrets)
  -h, --help            show this help

Each successful run also writes faceattend_backup.prom (the time and size of this backup) into
TEXTFILE_DIR [default ./var/textfile], the folder node-exporter's textfile collector reads in the
monitoring profile: the FaceAttendBackupTooOld alert fires when the last success is over 26 hours old.

Run it from cron, e.g. daily at 02:30:  30 2 * * * /opt/faceattend/scripts/backup.sh --compose
scripts/cleanup.sh --keep-days N deletes old archives.
USAGE
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUTPUT_DIR="${BACKUP_DIR:-$here/backups}"
DATABASE_URL="${DATABASE_URL:-}"
DATA_DIR="${FACEATTEND_DATA_DIR:-}"
KEY_FILE="${EMBEDDINGS_KEY_FILE:-}"
NO_KEY=0
DATABASE=0
COMPOSE=0
CONFIG=1
SECRETS=0

while [ $# -gt 0 ]; do
  case "$1" in
    --output-dir) OUTPUT_DIR="$2"; shift 2 ;;
    --database-url) DATABASE_URL="$2"; shift 2 ;;
    --compose) COMPOSE=1; shift ;;
    --data-dir) DATA_DIR="$2"; shift 2 ;;
    --key-file) KEY_FILE="$2"; shift 2 ;;
    --no-key) NO_KEY=1; shift ;;
    --no-config) CONFIG=0; shift ;;
    --with-secrets) SECRETS=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "backup.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[backup] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/faceattend-backup-$stamp"
mkdir -p "$root" "$OUTPUT_DIR"
manifest="$root/MANIFEST"
{
  echo "faceattend backup $stamp"
  echo "host: $(hostname)"
} >"$manifest"

# sqlite_path URL: the file of a sqlite:/// URL (sqlite:////abs/path or sqlite:///relative/path).
sqlite_path() {
  local path="${1#sqlite:///}"
  path="${path%%\?*}"
  echo "$path"
}

backup_sqlite_file() {
  local db="$1" out="$2"
  [ -f "$db" ] || die "no SQLite database at $db"
  if command -v sqlite3 >/dev/null; then
    sqlite3 "$db" ".backup '$out'"
  else
    python3 - "$db" "$out" <<'PY'
import sqlite3, sys
src, dst = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with dst:
    src.backup(dst)
PY
  fi
}

compose() { docker compose -f "$here/docker-compose.yml" "$@"; }

# --compose under Docker (docker compose) or Podman (podman-compose's labels): BACKUP_ENGINE chooses,
# default docker when installed; COMPOSE_PROJECT_NAME names the stack (default faceattend).
project="${COMPOSE_PROJECT_NAME:-faceattend}"
engine="${BACKUP_ENGINE:-}"
if [ -z "$engine" ]; then
  if command -v docker >/dev/null; then engine=docker; else engine=podman; fi
fi
if [ "$COMPOSE" -eq 1 ] && [ "$engine" = podman ]; then eval "$("$here/scripts/podman-env.sh" --export)"; fi

# The first running container of a compose service (empty when there is none).
service_container() {
  if [ "$engine" = docker ]; then
    compose --profile production ps -q "$1" 2>/dev/null | head -n 1
  else
    podman ps -q --filter "label=io.podman.compose.project=$project" \
      --filter "label=com.docker.compose.service=$1" 2>/dev/null | head -n 1
  fi
}

# Runs a command in a compose service's first container, with stdin attached: service_exec SERVICE CMD...
service_exec() {
  local service="$1" id
  shift
  if [ "$engine" = docker ]; then
    compose --profile production exec -T --index 1 "$service" "$@"
  else
    id="$(service_container "$service")"
    [ -n "$id" ] || return 1
    podman exec -i "$id" "$@"
  fi
}

backup_database() {
  if [ "$COMPOSE" -eq 1 ]; then
    if [ -n "$(service_container postgres)" ]; then
      log "dumping PostgreSQL from the compose stack"
      # shellcheck disable=SC2016  # expanded by the shell inside the container
      service_exec postgres sh -c 'pg_dump -Fc --no-owner -U "$POSTGRES_USER" "$POSTGRES_DB"' \
        >"$root/database.pgdump" || die "pg_dump in the postgres container failed"
      echo "database: postgresql (compose)" >>"$manifest"
      DATABASE=1
    else
      log "copying SQLite from the compose stack's app"
      service_exec app python - >"$root/database.sqlite" <<'PY'
import os, sqlite3, sys, tempfile
src = sqlite3.connect(os.path.join(os.environ.get("INSTANCE_PATH", "/data"), "attendance.db"))
tmp = tempfile.NamedTemporaryFile(suffix=".sqlite")
dst = sqlite3.connect(tmp.name)
with dst:
    src.backup(dst)
dst.close()
sys.stdout.buffer.write(open(tmp.name, "rb").read())
PY
      echo "database: sqlite (compose)" >>"$manifest"
      DATABASE=1
    fi
    return 0
  fi
  case "$DATABASE_URL" in
    "") log "no --database-url: database not included"; echo "database: none" >>"$manifest" ;;
    sqlite:///*)
      log "backing up SQLite $(sqlite_path "$DATABASE_URL")"
      backup_sqlite_file "$(sqlite_path "$DATABASE_URL")" "$root/database.sqlite"
      echo "database: sqlite" >>"$manifest"
      DATABASE=1
      if [ -z "$KEY_FILE" ] && [ -f "$(dirname "$(sqlite_path "$DATABASE_URL")")/embeddings.key" ]; then
        KEY_FILE="$(dirname "$(sqlite_path "$DATABASE_URL")")/embeddings.key"  # the server's default
      fi
      ;;
    postgresql*://*|postgres://*)
      command -v pg_dump >/dev/null || die "pg_dump is not installed (or use --compose)"
      log "dumping PostgreSQL"
      pg_dump -Fc --no-owner --dbname "postgresql://${DATABASE_URL#*://}" -f "$root/database.pgdump"
      echo "database: postgresql" >>"$manifest"
      DATABASE=1
      ;;
    *) die "unsupported DATABASE_URL '${DATABASE_URL%%://*}://...'" ;;
  esac
}

# The embeddings key, owner-only in the archive as on the server: the database's embeddings are sealed
# with it (AES-256-GCM), so a database restored without its key holds templates nobody can read.
backup_key() {
  local out="$root/keys/embeddings.key"
  if [ "$NO_KEY" -eq 1 ]; then
    log "WARNING: --no-key: the embeddings key is not in this backup; keep it safe elsewhere"
    echo "embeddings key: left out (--no-key)" >>"$manifest"
    return 0
  fi
  if [ "$COMPOSE" -eq 1 ] && [ -z "$KEY_FILE" ]; then
    log "copying the embeddings key from the compose stack's app"
    mkdir -m 700 "$root/keys"
    # shellcheck disable=SC2016  # expanded by the shell inside the container
    (umask 077 && service_exec app sh -c 'cat "$EMBEDDINGS_KEY_FILE"' >"$out") \
      || die "could not read the app's EMBEDDINGS_KEY_FILE (is the app running?)"
  elif [ -n "$KEY_FILE" ]; then
    [ -f "$KEY_FILE" ] || die "no embeddings key at $KEY_FILE"
    log "copying the embeddings key $KEY_FILE"
    mkdir -m 700 "$root/keys"
    install -m 600 "$KEY_FILE" "$out"
  elif [ "$DATABASE" -eq 1 ]; then
    die "no embeddings key: give --key-file (the server's EMBEDDINGS_KEY_FILE), or --no-key if it is kept elsewhere; without it the backup's embeddings are unreadable"
  else
    return 0
  fi
  chmod 600 "$out"
  [ "$(wc -c <"$out")" -eq 32 ] || die "the embeddings key is not 32 bytes: is it the right file?"
  echo "embeddings key: yes (keys/embeddings.key)" >>"$manifest"
}

backup_database
backup_key

if [ -n "$DATA_DIR" ]; then
  [ -d "$DATA_DIR" ] || die "no data folder at $DATA_DIR"
  log "copying kiosk data from $DATA_DIR"
  mkdir -p "$root/data"
  # A consistent copy of the gallery and the append-only attendance log; lock files are not data.
  tar -C "$DATA_DIR" --exclude='*.lock' -cf - . | tar -C "$root/data" -xf -
  echo "data: $DATA_DIR" >>"$manifest"
fi

if [ "$CONFIG" -eq 1 ]; then
  mkdir -p "$root/config"
  for item in .env .env.example docker-compose.yml nginx monitoring; do
    [ -e "$here/$item" ] && cp -R "$here/$item" "$root/config/"
  done
  if [ "$SECRETS" -eq 1 ] && [ -d "$here/secrets" ]; then
    log "including secrets/: keep this archive as safe as the secrets themselves"
    cp -R "$here/secrets" "$root/config/"
  fi
  echo "config: yes" >>"$manifest"
fi

(cd "$root" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$work/SHA256SUMS"
mv "$work/SHA256SUMS" "$root/SHA256SUMS"
archive="$OUTPUT_DIR/faceattend-backup-$stamp.tar.gz"
umask 077
tar -C "$work" -czf "$archive.partial" "faceattend-backup-$stamp"
mv "$archive.partial" "$archive"
log "wrote $archive ($(du -h "$archive" | cut -f1))"

# For node-exporter's textfile collector: written only after a success, atomically (rename), so a failed
# or half-done backup never looks like a fresh one.
textfile_dir="${TEXTFILE_DIR:-$here/var/textfile}"
if mkdir -p "$textfile_dir" 2>/dev/null; then
  umask 022
  {
    echo "# HELP faceattend_backup_last_success_timestamp_seconds When the last backup archive was written."
    echo "# TYPE faceattend_backup_last_success_timestamp_seconds gauge"
    echo "faceattend_backup_last_success_timestamp_seconds $(date +%s)"
    echo "# HELP faceattend_backup_last_size_bytes Size of the last backup archive."
    echo "# TYPE faceattend_backup_last_size_bytes gauge"
    echo "faceattend_backup_last_size_bytes $(wc -c <"$archive" | tr -d ' ')"
  } >"$textfile_dir/faceattend_backup.prom.$$"
  mv "$textfile_dir/faceattend_backup.prom.$$" "$textfile_dir/faceattend_backup.prom"
else
  log "WARNING: cannot write the backup metric into $textfile_dir (TEXTFILE_DIR): backup age is not monitored"
fi
echo "$archive"
