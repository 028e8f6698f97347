#!/usr/bin/env bash
# Podman's settings for this project, without touching /etc: prints KEY=VALUE lines for CONTAINERS_CONF
# and CONTAINERS_STORAGE_CONF (storage under a cache folder outside the clone, kept between runs).
# The storage driver is the kernel's overlay where it has one (layers cost nothing), else vfs (each layer a
# full copy: slow, but it works anywhere); FACEATTEND_STORAGE_DRIVER=vfs|overlay chooses.
#
#   eval "$(scripts/podman-env.sh --export)"     then podman / podman-compose as usual
#   scripts/podman-env.sh                        KEY=VALUE lines (tests/containers reads them)
#
# FACEATTEND_CONTAINERS_CACHE moves the cache (default ~/.cache/faceattend/containers). With /etc's own
# files in place (an admin set podman up), FACEATTEND_PODMAN_USE_ETC=1 leaves them in charge.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${FACEATTEND_CONTAINERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/faceattend/containers}"
driver="${FACEATTEND_STORAGE_DRIVER:-}"
if [ -z "$driver" ]; then
  if grep -qw overlay /proc/filesystems 2>/dev/null; then driver=overlay; else driver=vfs; fi
fi
mkdir -p "$cache/storage-$driver" "$cache/run-$driver"
storage_conf="$cache/storage-$driver.conf"
wanted="$(printf '[storage]\ndriver = "%s"\nrunroot = "%s"\ngraphroot = "%s"\n' \
  "$driver" "$cache/run-$driver" "$cache/storage-$driver")"
if [ ! -f "$storage_conf" ] || [ "$(cat "$storage_conf")" != "$wanted" ]; then
  printf '%s\n' "$wanted" > "$storage_conf"
fi
prefix=""
[ "${1:-}" = "--export" ] && prefix="export "
if [ "${FACEATTEND_PODMAN_USE_ETC:-0}" != 1 ]; then
  printf '%sCONTAINERS_CONF=%s\n' "$prefix" "$here/podman/containers.conf"
  printf '%sCONTAINERS_STORAGE_CONF=%s\n' "$prefix" "$storage_conf"
fi
printf '%sFACEATTEND_CONTAINERS_CACHE=%s\n' "$prefix" "$cache"
