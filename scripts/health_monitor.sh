#!/usr/bin/env bash
# Watches /health (and, optionally, Prometheus's firing alerts) and reports changes of state.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/health_monitor.sh [options]

Polls URL/health every --interval seconds. After --failures failed checks in a row it reports the
service DOWN, and UP again on the first good check; with --prometheus-url it also reports alerts that
start or stop firing. Reports go to stdout (one line each, for the journal or a log file) and, with
--webhook, as a JSON POST {"text": "..."} (Slack/Mattermost/Teams-style incoming webhooks).

A lightweight watchdog for the basic profile, or a second opinion beside Prometheus; it is not a
replacement for the alert rules.

Options (environment variable in brackets):
  --url URL              the public URL                    [HEALTH_URL, http://localhost]
  --prometheus-url URL   also report firing alerts         [PROMETHEUS_URL]
  --interval SECONDS     time between checks               [INTERVAL, 30]
  --failures N           failed checks before DOWN          [FAILURES, 3]
  --timeout SECONDS      per-request timeout                [TIMEOUT, 5]
  --webhook URL          POST reports here                  [WEBHOOK_URL]
  --once                 check once; exit 0 if healthy, 1 if not (for cron or a systemd timer)
  --count N              stop after N checks (0 = forever)  [COUNT, 0]
  --insecure             accept a self-signed certificate
  -h, --help             show this help
USAGE
}

URL="${HEALTH_URL:-http://localhost}"
PROMETHEUS_URL="${PROMETHEUS_URL:-}"
INTERVAL="${INTERVAL:-30}"
FAILURES="${FAILURES:-3}"
TIMEOUT="${TIMEOUT:-5}"
WEBHOOK_URL="${WEBHOOK_URL:-}"
COUNT="${COUNT:-0}"
ONCE=0
INSECURE=0

while [ $# -gt 0 ]; do
  case "$1" in
    --url) URL="$2"; shift 2 ;;
    --prometheus-url) PROMETHEUS_URL="$2"; shift 2 ;;
    --interval) INTERVAL="$2"; shift 2 ;;
    --failures) FAILURES="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --webhook) WEBHOOK_URL="$2"; shift 2 ;;
    --count) COUNT="$2"; shift 2 ;;
    --once) ONCE=1; shift ;;
    --insecure) INSECURE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "health_monitor.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

URL="${URL%/}"
PROMETHEUS_URL="${PROMETHEUS_URL%/}"
curl_opts=(--silent --max-time "$TIMEOUT")
body="$(mktemp)"
trap 'rm -f "$body"' EXIT
[ "$INSECURE" -eq 1 ] && curl_opts+=(--insecure)

report() {
  local line
  line="$(date -u +%Y-%m-%dT%H:%M:%SZ) $*"
  echo "$line"
  if [ -n "$WEBHOOK_URL" ]; then
    local escaped="${line//\\/\\\\}"
    escaped="${escaped//\"/\\\"}"
    curl "${curl_opts[@]}" -o /dev/null -X POST -H 'Content-Type: application/json' \
      --data "{\"text\": \"faceattend: $escaped\"}" "$WEBHOOK_URL" || echo "$(date -u +%FT%TZ) webhook failed" >&2
  fi
}

# check_health: 0 when /health answers 200; the answer (or the error) in $detail.
detail=""
check_health() {
  local code
  : >"$body"
  code="$(curl "${curl_opts[@]}" -o "$body" -w '%{http_code}' "$URL/health" 2>/dev/null || true)"
  detail="HTTP ${code:-000} $(tr -d '\n' <"$body")"
  [ "$code" = 200 ]
}

# firing_alerts: the names of firing alerts, one per line (empty when Prometheus is not asked).
firing_alerts() {
  [ -n "$PROMETHEUS_URL" ] || return 0
  curl "${curl_opts[@]}" -G --data-urlencode 'query=ALERTS{alertstate="firing"}' "$PROMETHEUS_URL/api/v1/query" \
    2>/dev/null | grep -o '"alertname":"[^"]*"' | cut -d'"' -f4 | sort -u || true
}

if [ "$ONCE" -eq 1 ]; then
  status=0
  if check_health; then echo "UP $URL/health: $detail"; else echo "DOWN $URL/health: $detail"; status=1; fi
  alerts="$(firing_alerts)"
  if [ -n "$alerts" ]; then echo "FIRING $(echo "$alerts" | tr '\n' ' ')"; status=1; fi
  exit "$status"
fi

state=unknown
failed=0
known_alerts=""
checks=0
while :; do
  if check_health; then
    failed=0
    [ "$state" != up ] && report "UP $URL/health: $detail"
    state=up
  else
    failed=$((failed + 1))
    if [ "$failed" -ge "$FAILURES" ] && [ "$state" != down ]; then
      report "DOWN $URL/health after $failed failed checks: $detail"
      state=down
    fi
  fi
  alerts="$(firing_alerts)"
  if [ "$alerts" != "$known_alerts" ]; then
    new="$(comm -13 <(echo "$known_alerts") <(echo "$alerts") | tr '\n' ' ')"
    gone="$(comm -23 <(echo "$known_alerts") <(echo "$alerts") | tr '\n' ' ')"
    [ -n "${new// /}" ] && report "FIRING $new"
    [ -n "${gone// /}" ] && report "RESOLVED $gone"
    known_alerts="$alerts"
  fi
  checks=$((checks + 1))
  if [ "$COUNT" -gt 0 ] && [ "$checks" -ge "$COUNT" ]; then break; fi
  sleep "$INTERVAL"
done
