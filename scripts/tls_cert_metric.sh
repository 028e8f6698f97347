#!/usr/bin/env bash
# Writes each TLS certificate's expiry time for node-exporter's textfile collector, so that Prometheus can
# alert before it runs out (TLSCertificateExpiringSoon at 21 days, TLSCertificateExpiring at 3 days).
#
#   scripts/tls_cert_metric.sh [CERT.pem ...]      default: secrets/tls/cert.pem (the one nginx serves)
#
# Output: TEXTFILE_DIR/faceattend_tls.prom [default ./var/textfile], replaced atomically, with
#   faceattend_tls_cert_not_after_timestamp_seconds{file="cert.pem"} <unix time of notAfter>
# Run it daily from cron next to scripts/backup.sh (deploy.sh runs it on every deployment):
#   15 2 * * * /opt/faceattend/scripts/tls_cert_metric.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
textfile_dir="${TEXTFILE_DIR:-$here/var/textfile}"
[ $# -gt 0 ] || set -- "${SECRETS_DIR:-$here/secrets}/tls/cert.pem"
command -v openssl >/dev/null || { echo "tls_cert_metric.sh: openssl is needed" >&2; exit 1; }

mkdir -p "$textfile_dir"
tmp="$textfile_dir/faceattend_tls.prom.$$"
trap 'rm -f "$tmp"' EXIT
{
  echo "# HELP faceattend_tls_cert_not_after_timestamp_seconds When the TLS certificate expires (notAfter)."
  echo "# TYPE faceattend_tls_cert_not_after_timestamp_seconds gauge"
} >"$tmp"
status=0
for cert in "$@"; do
  if ! end="$(openssl x509 -noout -enddate -in "$cert" 2>/dev/null)"; then
    echo "tls_cert_metric.sh: cannot read a certificate from $cert" >&2
    status=1
    continue
  fi
  seconds="$(date -u -d "${end#notAfter=}" +%s)"
  printf 'faceattend_tls_cert_not_after_timestamp_seconds{file="%s"} %s\n' "$(basename "$cert")" "$seconds" >>"$tmp"
done
chmod 644 "$tmp"
mv "$tmp" "$textfile_dir/faceattend_tls.prom"
trap - EXIT
exit "$status"
