#!/usr/bin/env bash
# Deploys the faceattend stack with Docker Compose (or podman-compose) and waits until it is healthy.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: deploy.sh [options]

Creates missing secrets, starts the stack for a profile, and waits until every container is healthy
(docker compose up --wait) and /health answers through nginx. Run it from anywhere; it works in the
directory it lives in.

Options (environment variable in brackets):
  --profile NAME       basic | production | monitoring (= production + monitoring)  [DEPLOY_PROFILE, basic]
  --build              build the app image first
  --scale N            number of app replicas                                 [APP_REPLICAS, 1]
  --rolling            replace the app replicas one generation at a time: start N new ones, wait until
                       they are healthy, then stop the old ones (use after --build or a new APP_VERSION)
  --verify             run verify_deployment.sh afterwards
  --token TOKEN        kiosk token for verify's test check-in                  [KIOSK_TOKEN]
  --base-url URL       public URL for the health wait and verify  [BASE_URL, from HTTP_PORT/HTTPS_PORT]
  --timeout SECONDS    how long to wait for health                            [DEPLOY_TIMEOUT, 180]
  --env-file FILE      compose environment file                               [ENV_FILE, .env]
  --engine NAME        docker | podman: which engine runs the stack   [DEPLOY_ENGINE, docker if installed]
                       With podman: podman-compose, the project's Podman settings (scripts/podman-env.sh),
                       readiness from /health through nginx (Podman runs no healthchecks without systemd);
                       --rolling is Docker-only
  --dry-run            print the commands instead of running them
  -h, --help           show this help

Secrets live in ./secrets (SECRETS_DIR): secret_key, postgres_password, grafana_admin_password and
tls/cert.pem + tls/key.pem. Missing ones are generated (a self-signed certificate for TLS, with a warning);
put your real certificate there before a production deployment.

The embeddings key (the server's EMBEDDINGS_KEY_FILE: 32 bytes, mode 0600, owner uid 10001) is not a file
in ./secrets: the app's entrypoint creates it once, on the first start, in the app-data volume at
/data/keys/embeddings.key. Back it up with the database (scripts/backup.sh --compose includes it). If it is
lost, the stored face embeddings cannot be decrypted: every person has to be enrolled again.
USAGE
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

PROFILE="${DEPLOY_PROFILE:-basic}"
BUILD=0
SCALE="${APP_REPLICAS:-1}"
ROLLING=0
VERIFY=0
KIOSK_TOKEN="${KIOSK_TOKEN:-}"
BASE_URL="${BASE_URL:-}"
TIMEOUT="${DEPLOY_TIMEOUT:-180}"
ENV_FILE="${ENV_FILE:-.env}"
DRY_RUN=0
SECRETS_DIR="${SECRETS_DIR:-./secrets}"
ENGINE="${DEPLOY_ENGINE:-}"

while [ $# -gt 0 ]; do
  case "$1" in
    --profile) PROFILE="$2"; shift 2 ;;
    --build) BUILD=1; shift ;;
    --scale) SCALE="$2"; shift 2 ;;
    --rolling) ROLLING=1; shift ;;
    --verify) VERIFY=1; shift ;;
    --token) KIOSK_TOKEN="$2"; shift 2 ;;
    --base-url) BASE_URL="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --env-file) ENV_FILE="$2"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --engine) ENGINE="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "deploy.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '\033[1m[deploy]\033[0m %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

case "$SCALE" in ''|*[!0-9]*) die "--scale needs a positive number, not '$SCALE'" ;; esac
[ "$SCALE" -ge 1 ] || die "--scale needs at least 1"

# Read HTTP_PORT etc. from the env file for the URLs below (compose reads it itself).
if [ -f "$ENV_FILE" ]; then
  set -a
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  set +a
fi

profiles=()
case "$PROFILE" in
  basic)
    profiles=(--profile basic)
    export POSTGRES_HOST=""
    inactive=(nginx-tls postgres prometheus grafana redis-exporter postgres-exporter nginx-exporter alertmanager
      node-exporter cadvisor)
    ;;
  production)
    profiles=(--profile production)
    export POSTGRES_HOST=postgres
    inactive=(nginx prometheus grafana redis-exporter postgres-exporter nginx-exporter alertmanager node-exporter
      cadvisor)
    ;;
  monitoring)
    profiles=(--profile production --profile monitoring)
    export POSTGRES_HOST=postgres
    inactive=(nginx)
    ;;
  *) die "unknown profile '$PROFILE' (basic, production or monitoring)" ;;
esac
all_profiles=(--profile basic --profile production --profile monitoring)

run() {
  if [ "$DRY_RUN" -eq 1 ]; then printf '+ %s\n' "$*"; else "$@"; fi
}

if [ -z "$ENGINE" ]; then
  if command -v docker >/dev/null; then ENGINE=docker
  elif command -v podman-compose >/dev/null; then ENGINE=podman
  else ENGINE=docker
  fi
fi
case "$ENGINE" in
  docker) ;;
  podman) eval "$("$here/scripts/podman-env.sh" --export)" ;;
  *) die "unknown engine '$ENGINE' (docker or podman)" ;;
esac

compose() {
  local env_args=()
  [ -f "$ENV_FILE" ] && env_args=(--env-file "$ENV_FILE")
  if [ "$ENGINE" = podman ]; then
    run podman-compose "${env_args[@]}" -p faceattend -f "$here/docker-compose.yml" "$@"
  else
    run docker compose "${env_args[@]}" -f "$here/docker-compose.yml" "$@"
  fi
}

# Containers of services that are not part of this profile (they would hold its ports), by label: what
# `compose rm --stop` does under Docker, and what podman-compose has no command for.
remove_inactive() {
  if [ "$ENGINE" = docker ]; then
    compose "${all_profiles[@]}" rm --stop --force "${inactive[@]}"
    return 0
  fi
  local service ids
  for service in "${inactive[@]}"; do
    [ "$DRY_RUN" -eq 1 ] && { run podman rm --force --depend "<faceattend $service containers>"; continue; }
    ids="$(podman ps -aq --filter label=io.podman.compose.project=faceattend \
      --filter "label=com.docker.compose.service=$service")"
    # shellcheck disable=SC2086  # one argument per container id
    [ -z "$ids" ] || podman rm --force --depend $ids >/dev/null
  done
}

random_secret() {
  if command -v openssl >/dev/null; then openssl rand -hex 32
  else od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; echo
  fi
}

ensure_secrets() {
  if [ "$DRY_RUN" -eq 1 ]; then printf '+ (create missing secrets in %s)\n' "$SECRETS_DIR"; return 0; fi
  mkdir -p "$SECRETS_DIR/tls"
  # The folder keeps other host users out; the files stay readable so the containers' non-root users can
  # read their bind-mounted copies (compose ignores uid/mode for file secrets).
  chmod 700 "$SECRETS_DIR"
  [ -f "$SECRETS_DIR/.gitignore" ] || printf '*\n' >"$SECRETS_DIR/.gitignore"
  local name
  for name in secret_key postgres_password grafana_admin_password; do
    if [ ! -s "$SECRETS_DIR/$name" ]; then
      log "generating $SECRETS_DIR/$name"
      random_secret >"$SECRETS_DIR/$name"
      chmod 644 "$SECRETS_DIR/$name"
    fi
  done
  # Alertmanager's mail relay password: empty unless ALERT_SMTP_USERNAME is set (then put it here).
  if [ ! -e "$SECRETS_DIR/alert_smtp_password" ]; then
    : >"$SECRETS_DIR/alert_smtp_password"
    chmod 644 "$SECRETS_DIR/alert_smtp_password"
  fi
  if [ ! -s "$SECRETS_DIR/tls/cert.pem" ] || [ ! -s "$SECRETS_DIR/tls/key.pem" ]; then
    if [ "$PROFILE" != basic ]; then
      log "WARNING: no TLS certificate in $SECRETS_DIR/tls: generating a self-signed one for $(hostname)."
      log "         Replace cert.pem and key.pem with your real certificate and run deploy.sh again."
    fi
    command -v openssl >/dev/null || die "openssl is needed to generate the placeholder TLS certificate"
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=$(hostname)" \
      -keyout "$SECRETS_DIR/tls/key.pem" -out "$SECRETS_DIR/tls/cert.pem" 2>/dev/null
    chmod 644 "$SECRETS_DIR/tls/key.pem" "$SECRETS_DIR/tls/cert.pem"
  fi
}

check_docker() {
  [ "$DRY_RUN" -eq 1 ] && return 0
  if [ "$ENGINE" = podman ]; then
    command -v podman >/dev/null || die "podman is not installed (apt-get install podman)"
    command -v podman-compose >/dev/null || die "podman-compose is not installed (pip install podman-compose)"
    [ "$ROLLING" -eq 0 ] || die "--rolling needs Docker's healthchecks; with podman: --scale, then stop old replicas"
    return 0
  fi
  command -v docker >/dev/null || die "docker is not installed"
  local version
  version="$(docker compose version --short 2>/dev/null)" || die "the docker compose plugin (v2) is required"
  version="${version#v}"
  local major="${version%%.*}" rest="${version#*.}"
  local minor="${rest%%.*}"
  if [ "$major" -lt 2 ] || { [ "$major" -eq 2 ] && [ "$minor" -lt 20 ]; }; then
    die "docker compose $version is too old: 2.20 or newer is needed (depends_on.required)"
  fi
}

health_state() { docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1"; }

# rolling_update: N new app containers next to the old ones, then the old ones stop. nginx re-resolves
# "app" every 10 s and skips a refused connection, so no request is lost in between.
rolling_update() {
  local old new id state deadline pending
  old="$(compose "${profiles[@]}" ps -q app | tr '\n' ' ')"
  log "rolling update: old replicas: ${old:-none}"
  compose "${profiles[@]}" up -d --no-deps --no-recreate --scale "app=$(( SCALE + $(wc -w <<<"$old") ))" app
  [ "$DRY_RUN" -eq 1 ] && { run docker stop --time 30 '<old replicas>'; return 0; }
  new=""
  for id in $(compose "${profiles[@]}" ps -q app); do
    case " $old " in *" $id "*) ;; *) new="$new $id" ;; esac
  done
  log "waiting for new replicas:$new"
  deadline=$(( $(date +%s) + TIMEOUT ))
  while :; do
    pending=0
    for id in $new; do
      state="$(health_state "$id")"
      [ "$state" = unhealthy ] && die "new replica $id is unhealthy; old replicas kept (docker logs $id)"
      [ "$state" = healthy ] || pending=1
    done
    [ "$pending" -eq 0 ] && break
    [ "$(date +%s)" -lt "$deadline" ] || die "new replicas not healthy after ${TIMEOUT}s; old replicas kept"
    sleep 2
  done
  if [ -n "$old" ]; then
    log "stopping old replicas: $old"
    # shellcheck disable=SC2086  # one argument per container id
    docker stop --time 30 $old >/dev/null
    # shellcheck disable=SC2086
    docker rm $old >/dev/null
  fi
}

self_signed() {
  [ -s "$1" ] || return 1
  local subject issuer
  subject="$(openssl x509 -noout -subject -in "$1" 2>/dev/null | sed 's/^subject= *//')"
  issuer="$(openssl x509 -noout -issuer -in "$1" 2>/dev/null | sed 's/^issuer= *//')"
  [ -n "$subject" ] && [ "$subject" = "$issuer" ]
}

default_base_url() {
  if [ "$PROFILE" = basic ]; then
    echo "http://localhost:${HTTP_PORT:-80}"
  else
    echo "https://localhost:${HTTPS_PORT:-443}"
  fi
}

check_docker
ensure_secrets
[ -n "$BASE_URL" ] || BASE_URL="$(default_base_url)"

log "profile $PROFILE, $SCALE app replica(s)"
# Services of other profiles would hold the same ports (nginx vs nginx-tls): stop them first.
remove_inactive

if [ "$BUILD" -eq 1 ]; then
  compose "${profiles[@]}" build app
fi

if [ "$ROLLING" -eq 1 ]; then
  rolling_update
fi
if [ "$ENGINE" = podman ]; then
  # No --wait: Podman runs no healthchecks without systemd. verify_deployment.sh --wait (below) waits for
  # /health through nginx instead.
  compose "${profiles[@]}" up -d --scale "app=$SCALE"
else
  compose "${profiles[@]}" up -d --remove-orphans --scale "app=$SCALE" --wait --wait-timeout "$TIMEOUT"
fi

verify_args=(--base-url "$BASE_URL" --wait "$TIMEOUT")
if [[ "$BASE_URL" == https://* ]] && self_signed "$SECRETS_DIR/tls/cert.pem"; then
  verify_args+=(--insecure)  # the generated placeholder certificate: nothing to check it against
fi

if [ "$VERIFY" -eq 1 ]; then
  [ "$PROFILE" = monitoring ] && verify_args+=(--prometheus-url "http://127.0.0.1:${PROMETHEUS_PORT:-9090}")
  [ -n "$KIOSK_TOKEN" ] && verify_args+=(--token "$KIOSK_TOKEN")
  run "$here/verify_deployment.sh" "${verify_args[@]}"
else
  # Even without --verify, the deployment is done only when /health answers through nginx.
  if ! output="$(run "$here/verify_deployment.sh" "${verify_args[@]}")"; then
    printf '%s\n' "$output" >&2
    die "the stack does not answer as it should at $BASE_URL"
  fi
fi
log "deployed: $BASE_URL"
log "the embeddings key is /data/keys/embeddings.key in the app-data volume: back it up with the database"
log "(scripts/backup.sh --compose); without it the enrolled faces are unreadable and must be enrolled again"
