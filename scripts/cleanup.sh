#!/usr/bin/env bash
# Frees disk space: old backups, and (with --docker) the project's unused images and build cache.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/cleanup.sh [options]

  - deletes backup archives (faceattend-backup-*.tar.gz) older than --keep-days, always keeping the
    newest --keep ones
  - deletes *.pre-restore-* leftovers of scripts/restore.sh older than --keep-days    (with --restore-dir)
  - with --docker: removes stopped faceattend containers, dangling images and build cache older than
    --keep-days (never volumes: the database and the gallery live there)

Options (environment variable in brackets):
  --backup-dir DIR    where backups are                  [BACKUP_DIR, ./backups]
  --keep-days N       age limit in days                  [KEEP_DAYS, 30]
  --keep N            newest archives always kept        [KEEP_MIN, 7]
  --restore-dir DIR   folder holding *.pre-restore-* copies (e.g. the kiosk data folder's parent)
  --docker            also prune the engine's objects of the project (Docker, or Podman where no docker)
  --dry-run           list what would be deleted, delete nothing
  -h, --help          show this help
USAGE
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BACKUP_DIR="${BACKUP_DIR:-$here/backups}"
KEEP_DAYS="${KEEP_DAYS:-30}"
KEEP_MIN="${KEEP_MIN:-7}"
RESTORE_DIR=""
DOCKER=0
DRY_RUN=0

while [ $# -gt 0 ]; do
  case "$1" in
    --backup-dir) BACKUP_DIR="$2"; shift 2 ;;
    --keep-days) KEEP_DAYS="$2"; shift 2 ;;
    --keep) KEEP_MIN="$2"; shift 2 ;;
    --restore-dir) RESTORE_DIR="$2"; shift 2 ;;
    --docker) DOCKER=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "cleanup.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[cleanup] %s\n' "$*" >&2; }
for n in "$KEEP_DAYS" "$KEEP_MIN"; do
  case "$n" in ''|*[!0-9]*) log "error: --keep-days and --keep take whole numbers"; exit 2 ;; esac
done

remove() {
  if [ "$DRY_RUN" -eq 1 ]; then echo "would delete $1"; else rm -rf -- "$1"; echo "deleted $1"; fi
}

if [ -d "$BACKUP_DIR" ]; then
  # Newest first; the first KEEP_MIN are kept whatever their age.
  mapfile -t archives < <(find "$BACKUP_DIR" -maxdepth 1 -type f -name 'faceattend-backup-*.tar.gz' -printf '%T@ %p\n' \
    | sort -rn | cut -d' ' -f2-)
  mapfile -t old < <(find "$BACKUP_DIR" -maxdepth 1 -type f -name 'faceattend-backup-*.tar.gz' -mtime "+$KEEP_DAYS")
  for i in "${!archives[@]}"; do
    [ "$i" -lt "$KEEP_MIN" ] && continue
    for candidate in "${old[@]}"; do
      [ "$candidate" = "${archives[$i]}" ] && remove "$candidate"
    done
  done
  find "$BACKUP_DIR" -maxdepth 1 -type f -name '*.partial' -mmin +120 -print0 | while IFS= read -r -d '' partial; do
    remove "$partial"
  done
else
  log "no backup folder at $BACKUP_DIR"
fi

if [ -n "$RESTORE_DIR" ]; then
  find "$RESTORE_DIR" -maxdepth 1 -name '*.pre-restore-*' -mtime "+$KEEP_DAYS" -print0 | while IFS= read -r -d '' leftover; do
    remove "$leftover"
  done
fi

if [ "$DOCKER" -eq 1 ]; then
  hours=$(( KEEP_DAYS * 24 ))
  if command -v docker >/dev/null; then
    commands=(
      "docker container prune --force --filter label=com.docker.compose.project=faceattend"
      "docker image prune --force --filter until=${hours}h"
      "docker builder prune --force --filter until=${hours}h"
    )
  elif command -v podman >/dev/null; then
    # Podman (scripts/podman-env.sh's settings): its compose label differs, its build cache is images.
    eval "$("$here/scripts/podman-env.sh" --export)"
    commands=(
      "podman container prune --force --filter label=io.podman.compose.project=faceattend"
      "podman image prune --force --filter until=${hours}h"
    )
  else
    log "error: neither docker nor podman is installed"; exit 1
  fi
  for command in "${commands[@]}"; do
    if [ "$DRY_RUN" -eq 1 ]; then echo "would run: $command"; else
      # shellcheck disable=SC2086  # the words of the command
      $command
    fi
  done
fi
