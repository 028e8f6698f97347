#!/usr/bin/env bash
# Sets everything up on a fresh Debian/Ubuntu machine, then runs one thing.
#
#   ./bootstrap.sh kiosk [kiosk run flags...]   install, then start the kiosk (default: the demo clip)
#   ./bootstrap.sh test  [pytest args...]       install, start PostgreSQL and Redis, run the test suite
#   ./bootstrap.sh setup                        install only
#
# Idempotent: a second run installs nothing new. The Python environment lives in .venv/ at the repo root.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
mode="${1:-setup}"
[ $# -gt 0 ] && shift

log() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*" >&2; }

sudo_cmd() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*"; return 1; fi
}

install_debian_packages() {
  command -v apt-get >/dev/null || { log "not a Debian/Ubuntu machine: install the packages in .ci/apt-packages.txt yourself"; return 0; }
  mapfile -t wanted < <(grep -vE '^\s*(#|$)' .ci/apt-packages.txt)
  local missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    sudo_cmd apt-get update -qq
    sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

pick_python() {
  for py in python3.13 python3.12 python3.11 python3; do
    if command -v "$py" >/dev/null && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "$py"; return 0
    fi
  done
  log "Python 3.11 or newer is required"; return 1
}

install_python_env() {
  local py; py="$(pick_python)"
  [ -x .venv/bin/python ] || { log "creating .venv with $py"; "$py" -m venv .venv; }
  local stamp=.venv/.installed-stamp
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]; then
    log "installing Python packages into .venv (versions from requirements.lock)"
    .venv/bin/python -m pip install -q --upgrade pip
    # pyproject.toml says what to install, requirements.lock which versions (scripts/lock.sh writes it).
    # As constraints rather than a --require-hashes install, a dependency just added to pyproject.toml
    # still installs before the lock is refreshed (tests/ops/test_lock.py then asks for scripts/lock.sh).
    local constraints=.venv/.lock-constraints.txt
    sed -e '/^[[:space:]]*--hash=/d' -e 's/[[:space:]]*\\$//' requirements.lock > "$constraints"
    .venv/bin/python -m pip install -q -c "$constraints" -e ".[dev,build]"
    # The comparison benchmark uses the face_recognition library; its dlib dependency would compile from
    # source, so install it without dependencies (dlib-bin provides dlib).
    .venv/bin/python -m pip install -q --no-deps "face_recognition==1.3.0"
    touch "$stamp"
  fi
}

start_postgres() {
  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then return 0; fi
  log "starting PostgreSQL"
  local ver; ver="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -1)"
  if [ -z "$ver" ]; then log "PostgreSQL is not installed"; return 1; fi
  if ! pg_lsclusters -h 2>/dev/null | grep -q " main "; then sudo_cmd pg_createcluster "$ver" main >/dev/null; fi
  # trust auth on loopback for the test database
  local hba="/etc/postgresql/$ver/main/pg_hba.conf"
  if ! grep -q "faceattend-tests" "$hba" 2>/dev/null; then
    sudo_cmd sh -c "printf '%s\n' '# faceattend-tests' 'host all all 127.0.0.1/32 trust' 'host all all ::1/128 trust' 'local all all trust' | cat - '$hba' > '$hba.new' && mv '$hba.new' '$hba'"
  fi
  sudo_cmd pg_ctlcluster --skip-systemctl-redirect "$ver" main start || sudo_cmd pg_ctlcluster "$ver" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  if [ "$(id -u)" -eq 0 ]; then
    su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='test'\"" | grep -q 1 \
      || su postgres -c "createdb test" || true
  fi
}

start_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return 0; fi
  log "starting Redis"
  mkdir -p /tmp/faceattend-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/faceattend-redis --logfile /tmp/faceattend-redis/redis.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
}

install_debian_packages
install_python_env

case "$mode" in
  setup) log "ready: .venv/bin/python -m kiosk --help" ;;
  kiosk)
    data="${FACE_DATA_DIR:-$here/../shared/data/faces}"
    if [ $# -eq 0 ] && [ -f "$data/video/hamilton_short_640x360.mp4" ]; then
      # Demo: Lin-Manuel Miranda and Alex Lacamoire enrolled from the shared photos, the Hamilton clip looping.
      demo="$here/var/demo"
      export KIOSK_KEY_FILE="$demo/gallery.key"
      if [ ! -f "$demo/gallery/gallery.npz" ]; then
        log "enrolling the demo people into $demo/gallery"
        .venv/bin/python -m kiosk enroll --gallery "$demo/gallery" --name "Lin-Manuel Miranda" --person-id miranda \
          --consent-by demo "$data/identities/Lin_Manuel_Miranda/"* >/dev/null
        .venv/bin/python -m kiosk enroll --gallery "$demo/gallery" --name "Alex Lacamoire" --person-id lacamoire \
          --consent-by demo "$data/identities/Alex_Lacamoire/"* >/dev/null
      fi
      set -- --source "$data/video/hamilton_short_640x360.mp4" --loop --gallery "$demo/gallery" \
        --attendance "$demo/attendance.csv" --kiosk-id demo
    fi
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
      log "no display found: starting the kiosk on a virtual screen (Xvfb)"
      exec xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python -m kiosk run "$@"
    fi
    exec .venv/bin/python -m kiosk run "$@"
    ;;
  test)
    start_postgres
    start_redis
    export QT_QPA_PLATFORM=offscreen
    export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
    export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
    .venv/bin/python -m ruff check .
    .venv/bin/lint-imports
    exec .venv/bin/python -m pytest "$@"
    ;;
  *) log "unknown mode '$mode' (kiosk, test or setup)"; exit 2 ;;
esac
