#!/usr/bin/env bash
# Checks a running faceattend deployment from the outside, the way a kiosk and an operator see it.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: verify_deployment.sh [options]

Checks a running deployment and exits non-zero if any check fails:
  1. GET  BASE_URL/health answers 200 with status "ok" or "degraded"
  2. GET  BASE_URL/metrics is refused (403/404): metrics are not public through nginx
  3. GET  APP_URL/metrics answers with the app's metrics           (only with --app-url)
  4. POST BASE_URL/api/v1/events stores one test check-in            (only with --token)
  5. Prometheus scrapes at least one app replica and every target is up   (only with --prometheus-url)

Options (each also read from the environment variable in brackets):
  --base-url URL         public URL, through nginx          [BASE_URL, default http://localhost]
  --app-url URL          one app replica, bypassing nginx   [APP_URL]
  --prometheus-url URL   Prometheus                         [PROMETHEUS_URL]
  --token TOKEN          a kiosk token for the test check-in [KIOSK_TOKEN]
  --job NAME             Prometheus job of the app          [PROMETHEUS_JOB, default faceattend]
  --wait SECONDS         wait up to this long for /health to answer 200 first [WAIT_SECONDS, default 0]
  --timeout SECONDS      per-request timeout                [TIMEOUT, default 10]
  --cacert FILE          CA certificate for an HTTPS BASE_URL [CACERT]
  --insecure             accept any TLS certificate (self-signed test certificates only)
  -h, --help             show this help

The test check-in is stored like any other: person_id "deployment-check", name "Deployment check".
Export or filter it out of reports by that person_id.
USAGE
}

BASE_URL="${BASE_URL:-http://localhost}"
APP_URL="${APP_URL:-}"
PROMETHEUS_URL="${PROMETHEUS_URL:-}"
KIOSK_TOKEN="${KIOSK_TOKEN:-}"
PROMETHEUS_JOB="${PROMETHEUS_JOB:-faceattend}"
WAIT_SECONDS="${WAIT_SECONDS:-0}"
TIMEOUT="${TIMEOUT:-10}"
CACERT="${CACERT:-}"
INSECURE=0

while [ $# -gt 0 ]; do
  case "$1" in
    --base-url) BASE_URL="$2"; shift 2 ;;
    --app-url) APP_URL="$2"; shift 2 ;;
    --prometheus-url) PROMETHEUS_URL="$2"; shift 2 ;;
    --token) KIOSK_TOKEN="$2"; shift 2 ;;
    --job) PROMETHEUS_JOB="$2"; shift 2 ;;
    --wait) WAIT_SECONDS="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --cacert) CACERT="$2"; shift 2 ;;
    --insecure) INSECURE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "verify_deployment.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

command -v curl >/dev/null || { echo "verify_deployment.sh: curl is required" >&2; exit 2; }

BASE_URL="${BASE_URL%/}"
APP_URL="${APP_URL%/}"
PROMETHEUS_URL="${PROMETHEUS_URL%/}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

curl_opts=(--silent --show-error --max-time "$TIMEOUT")
[ -n "$CACERT" ] && curl_opts+=(--cacert "$CACERT")
[ "$INSECURE" -eq 1 ] && curl_opts+=(--insecure)

pass() { printf 'PASS  %s\n' "$*"; passed=$((passed + 1)); }
fail() { printf 'FAIL  %s\n' "$*"; failed=$((failed + 1)); }

# http METHOD URL [curl args...]: prints the status code (000 when unreachable); the body goes to $tmp/body.
http() {
  local method="$1" url="$2"
  shift 2
  curl "${curl_opts[@]}" -X "$method" -o "$tmp/body" -w '%{http_code}' "$@" "$url" 2>"$tmp/err" || true
}

# prom_value QUERY: the single value of an instant query, or empty.
prom_value() {
  local code
  code="$(http GET "$PROMETHEUS_URL/api/v1/query" -G --data-urlencode "query=$1")"
  [ "$code" = 200 ] || return 0
  sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p' "$tmp/body"
}

new_uuid() {
  if [ -r /proc/sys/kernel/random/uuid ]; then cat /proc/sys/kernel/random/uuid
  elif command -v uuidgen >/dev/null; then uuidgen | tr '[:upper:]' '[:lower:]'
  else python3 -c 'import uuid; print(uuid.uuid4())'
  fi
}

# 1. health (waiting for it first if asked)
deadline=$(( $(date +%s) + WAIT_SECONDS ))
while :; do
  code="$(http GET "$BASE_URL/health")"
  if [ "$code" = 200 ] || [ "$(date +%s)" -ge "$deadline" ]; then break; fi
  sleep 2
done
if [ "$code" = 200 ] && grep -Eq '"status": *"(ok|degraded)"' "$tmp/body"; then
  pass "$BASE_URL/health: $(tr -d '\n' <"$tmp/body")"
else
  fail "$BASE_URL/health answered $code: $(tr -d '\n' <"$tmp/body" 2>/dev/null) $(cat "$tmp/err")"
fi

# 2. metrics are not public
code="$(http GET "$BASE_URL/metrics")"
case "$code" in
  403|404) pass "$BASE_URL/metrics is refused ($code)" ;;
  *) fail "$BASE_URL/metrics answered $code: metrics must not be public through nginx" ;;
esac

# 3. metrics from inside
if [ -n "$APP_URL" ]; then
  code="$(http GET "$APP_URL/metrics")"
  if [ "$code" = 200 ] && grep -q '^http_requests_total' "$tmp/body"; then
    pass "$APP_URL/metrics serves the app's metrics"
  else
    fail "$APP_URL/metrics answered $code without http_requests_total"
  fi
fi

# 4. a test check-in
if [ -n "$KIOSK_TOKEN" ]; then
  event_id="$(new_uuid)"
  now="$(date -u +%Y-%m-%dT%H:%M:%S+00:00)"
  body="{\"events\":[{\"event_id\":\"$event_id\",\"person_id\":\"deployment-check\",\"name\":\"Deployment check\",\"timestamp\":\"$now\",\"distance\":0.3,\"direction\":\"in\"}]}"
  code="$(http POST "$BASE_URL/api/v1/events" -H "Authorization: Bearer $KIOSK_TOKEN" \
    -H 'Content-Type: application/json' --data "$body")"
  if [ "$code" = 200 ] && grep -Eq '"status": *"created"' "$tmp/body"; then
    pass "test check-in $event_id stored"
  else
    fail "test check-in answered $code: $(tr -d '\n' <"$tmp/body" 2>/dev/null)"
  fi
fi

# 5. Prometheus sees every replica and every target up
if [ -n "$PROMETHEUS_URL" ]; then
  replicas="$(prom_value "count(up{job=\"$PROMETHEUS_JOB\"} == 1)")"
  if [ -n "$replicas" ] && [ "$replicas" -ge 1 ]; then
    pass "Prometheus scrapes $replicas replica(s) of job $PROMETHEUS_JOB"
  else
    fail "Prometheus at $PROMETHEUS_URL has no $PROMETHEUS_JOB target up"
  fi
  code="$(http GET "$PROMETHEUS_URL/api/v1/query" -G --data-urlencode 'query=up == 0')"
  if [ "$code" != 200 ]; then
    fail "Prometheus query answered $code"
  elif grep -q '"result":\[\]' "$tmp/body"; then
    pass "every Prometheus target is up"
  else
    fail "targets down: $(grep -o '"instance":"[^"]*"' "$tmp/body" | tr '\n' ' ')"
  fi
fi

total=$((passed + failed))
if [ "$failed" -eq 0 ]; then
  echo "Deployment verified: all $total checks passed."
else
  echo "Deployment NOT verified: $failed of $total checks failed."
  exit 1
fi
