#!/bin/sh
# nginx's container entrypoint: write the resolver that app.conf's variable upstream needs, from the
# container's own /etc/resolv.conf, then run the command (nginx).
#
# Docker's embedded DNS is 127.0.0.11, Podman's (aardvark-dns) the network's gateway, Kubernetes' the
# cluster DNS: no address fits every engine, so none is written in the config (http.conf includes the file
# made here). Only the FIRST nameserver: Podman lists the host's own resolver after aardvark-dns, and nginx
# asks its resolvers in turn, so with both every other lookup of "app" would fail (502s). The engine's DNS
# comes first and forwards other names itself. NGINX_RESOLVER_CONF and RESOLV_CONF move the output and the
# input (the tests use both).
set -eu
out="${NGINX_RESOLVER_CONF:-/tmp/nginx-resolver.conf}"
resolv="${RESOLV_CONF:-/etc/resolv.conf}"
server=""
while read -r key value _; do
  [ "$key" = nameserver ] || continue
  case "$value" in *:*) value="[$value]" ;; esac  # IPv6 addresses go in brackets
  server="$value"
  break
done < "$resolv"
if [ -z "$server" ]; then
  echo "resolver-entrypoint: no nameserver in $resolv: nginx could not find the app" >&2
  exit 1
fi
printf 'resolver %s valid=10s ipv6=off;\n' "$server" > "$out"
exec "$@"
