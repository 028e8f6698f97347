#!/usr/bin/env bash
# shellcheck disable=SC2016  # the mmdebstrap hooks are expanded by mmdebstrap ("$1" is the new root)
# Builds, from Debian's packages, the images that cannot be pulled where no registry is reachable:
#
#   localhost/faceattend/python-base:bookworm     the app image's base (Dockerfile: --build-arg PYTHON_IMAGE=...)
#   localhost/faceattend/standin-nginx            stand-ins for nginx-unprivileged, redis, postgres and
#   localhost/faceattend/standin-redis            prometheus, with the same users, paths and entrypoint
#   localhost/faceattend/standin-postgres         behaviour the compose file relies on
#   localhost/faceattend/standin-prometheus
#
#   scripts/local-images.sh [python-base|standins|all]    (default all; prints what it built or reused)
#
# Root filesystems come from mmdebstrap and are cached as tarballs under $FACEATTEND_CONTAINERS_CACHE/rootfs
# (default ~/.cache/faceattend/containers), so a second run only re-imports what podman lost. Delete that
# folder to pick up Debian's security updates. Uses podman with this project's settings (scripts/podman-env.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
eval "$("$here/podman-env.sh" --export)"
what="${1:-all}"
suite="${DEBIAN_SUITE:-bookworm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
rootfs="$FACEATTEND_CONTAINERS_CACHE/rootfs"
mkdir -p "$rootfs"

log() { printf '[local-images] %s\n' "$*" >&2; }

# The machine's CA bundle goes into each root filesystem: package registries may sit behind a proxy with
# its own certificate authority (pip inside the build needs it).
ca_hook='cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/ca-certificates.crt"'

make_rootfs() {  # name, packages (comma-separated), extra mmdebstrap arguments...
  local name="$1" packages="$2"; shift 2
  local tarball="$rootfs/$name.tar"
  if [ -s "$tarball" ]; then log "reusing $tarball"; return 0; fi
  log "mmdebstrap $suite: $packages (a few minutes, once)"
  mmdebstrap --quiet --variant=minbase --include="$packages" --customize-hook="$ca_hook" \
    --aptopt='APT::Install-Recommends "false"' \
    --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
    "$@" "$suite" "$tarball.partial.tar" "$mirror"
  mv "$tarball.partial.tar" "$tarball"
}

have_image() { podman image exists "$1"; }

python_base() {
  local image=localhost/faceattend/python-base:$suite
  make_rootfs python-base python3,python3-venv,ca-certificates,passwd
  if have_image "$image"; then log "reusing $image"; else
    log "importing $image"
    podman import --quiet \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
      --change 'CMD ["python3"]' \
      "$rootfs/python-base.tar" "$image" >/dev/null
  fi
  echo "built-locally: $image (Debian $suite python3 via mmdebstrap)"
}

standins() {
  local base=localhost/faceattend/debian-services:$suite
  # Ownership the compose file expects: redis runs as 999:1000 in /data; postgres as "postgres" with an
  # empty PGDATA; prometheus as nobody in /prometheus.
  make_rootfs debian-services nginx,redis-server,postgresql,prometheus,wget,ca-certificates \
    --customize-hook='chroot "$1" sh -c "mkdir -p /data /var/lib/postgresql/data /prometheus \
      && chown 999:1000 /data && chown postgres:postgres /var/lib/postgresql/data \
      && chmod 700 /var/lib/postgresql/data && chown 65534:65534 /prometheus \
      && rm -rf /var/lib/postgresql/15/main /etc/postgresql/15/main"'
  if have_image "$base"; then log "reusing $base"; else
    log "importing $base"
    podman import --quiet --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      "$rootfs/debian-services.tar" "$base" >/dev/null
  fi
  local service
  for service in nginx redis postgres prometheus; do
    local image=localhost/faceattend/standin-$service:$suite
    # Always through podman build: its layer cache makes this instant unless the Containerfile changed.
    podman build --quiet --layers --isolation chroot --format docker --build-arg "BASE=$base" \
      --target "$service" -t "$image" -f "$here/standins/Containerfile" "$here/standins" >/dev/null
    echo "built-locally: $image (stand-in for the $service image, Debian $suite packages)"
  done
}

case "$what" in
  python-base) python_base ;;
  standins) standins ;;
  all) python_base; standins ;;
  *) log "unknown target '$what' (python-base, standins or all)"; exit 2 ;;
esac
