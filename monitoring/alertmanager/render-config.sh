#!/bin/sh
# Writes Alertmanager's configuration from the environment, then runs the command (alertmanager).
# Alertmanager reads no environment variables itself, and who gets paged differs per site: set these in
# .env (docker-compose.yml passes them through). At least one receiver is required: alerts must reach a
# person, so with neither the webhook nor the e-mail address set this refuses to start.
#
#   ALERT_WEBHOOK_URL        POST every alert here (a chat bridge, an incident tool, a pager)
#   ALERT_EMAIL_TO           and/or mail it to this address, through:
#   ALERT_EMAIL_FROM           sender                              (default alertmanager@<host>)
#   ALERT_SMTP_SMARTHOST       host:port of the mail relay           (required with ALERT_EMAIL_TO)
#   ALERT_SMTP_USERNAME        login, if the relay wants one; the password in the file
#   ALERT_SMTP_PASSWORD_FILE   (a compose secret; default /run/secrets/alert_smtp_password)
#   ALERT_SMTP_REQUIRE_TLS     true | false                          (default true)
#   WATCHDOG_WEBHOOK_URL     the always-firing Watchdog goes here (a dead man's switch that pages when it
#                            stops hearing from us); without it, the Watchdog goes nowhere
#
#   ALERTMANAGER_CONFIG      where to write the file (default /tmp/alertmanager.yml)
set -eu
out="${ALERTMANAGER_CONFIG:-/tmp/alertmanager.yml}"
webhook="${ALERT_WEBHOOK_URL:-}"
email="${ALERT_EMAIL_TO:-}"
if [ -z "$webhook" ] && [ -z "$email" ]; then
  echo "alertmanager: set ALERT_WEBHOOK_URL or ALERT_EMAIL_TO (in .env): alerts would reach nobody" >&2
  exit 1
fi
if [ -n "$email" ] && [ -z "${ALERT_SMTP_SMARTHOST:-}" ]; then
  echo "alertmanager: ALERT_EMAIL_TO needs ALERT_SMTP_SMARTHOST (host:port of the mail relay)" >&2
  exit 1
fi
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }  # a YAML single-quoted scalar

{
  echo "# Written by render-config.sh from the environment at container start: edit .env, not this file."
  echo "route:"
  echo "  receiver: people"
  echo "  group_by: [alertname, job, instance, kiosk]"
  echo "  group_wait: 30s"
  echo "  group_interval: 5m"
  echo "  repeat_interval: 4h"
  echo "  routes:"
  echo "    - receiver: watchdog"
  echo "      matchers: ['alertname = \"Watchdog\"']"
  echo "      group_wait: 0s"
  echo "      group_interval: 1m"
  echo "      repeat_interval: 1m"
  echo "    - receiver: people"
  echo "      matchers: ['severity = \"critical\"']"
  echo "      repeat_interval: 1h"
  echo "inhibit_rules:"
  echo "  # a critical alert silences the warning of the same name for the same target"
  echo "  - source_matchers: ['severity = \"critical\"']"
  echo "    target_matchers: ['severity = \"warning\"']"
  echo "    equal: [alertname, instance]"
  echo "receivers:"
  echo "  - name: people"
  if [ -n "$webhook" ]; then
    echo "    webhook_configs:"
    echo "      - url: $(q "$webhook")"
    echo "        send_resolved: true"
  fi
  if [ -n "$email" ]; then
    echo "    email_configs:"
    echo "      - to: $(q "$email")"
    echo "        from: $(q "${ALERT_EMAIL_FROM:-alertmanager@$(hostname)}")"
    echo "        smarthost: $(q "$ALERT_SMTP_SMARTHOST")"
    echo "        require_tls: ${ALERT_SMTP_REQUIRE_TLS:-true}"
    echo "        send_resolved: true"
    if [ -n "${ALERT_SMTP_USERNAME:-}" ]; then
      echo "        auth_username: $(q "$ALERT_SMTP_USERNAME")"
      echo "        auth_password_file: $(q "${ALERT_SMTP_PASSWORD_FILE:-/run/secrets/alert_smtp_password}")"
    fi
  fi
  echo "  - name: watchdog"
  if [ -n "${WATCHDOG_WEBHOOK_URL:-}" ]; then
    echo "    webhook_configs:"
    echo "      - url: $(q "$WATCHDOG_WEBHOOK_URL")"
    echo "        send_resolved: false"
  fi
} > "$out"
exec "$@"
