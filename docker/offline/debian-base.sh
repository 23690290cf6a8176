#!/usr/bin/env bash
# OFFLINE STAND-IN for the `debian:bookworm-slim` image (see lib.sh): a minimal Debian bookworm
# root file system made by debootstrap from this machine's apt mirror, imported into Docker.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

IMAGE="debian:bookworm-slim"
KEY="$(input_key "$0" "$OFFLINE_DIR/lib.sh" "=$(debian_mirror)")"

if image_is_real "$IMAGE"; then log "$IMAGE: a real image is present, using it"; exit 0; fi
if image_is_current "$IMAGE" "$KEY"; then log "$IMAGE: stand-in is current ($KEY)"; exit 0; fi

SUDO=""
if [[ "$(id -u)" != "0" ]]; then SUDO="sudo"; fi
if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing debootstrap"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debootstrap >/dev/null
fi

work="$(mktemp -d)"
trap '$SUDO rm -rf "$work"' EXIT
log "$IMAGE: debootstrap bookworm (minbase) from $(debian_mirror)"
$SUDO debootstrap --variant=minbase bookworm "$work/rootfs" "$(debian_mirror)" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}
# Slim it the way the official slim image is: no package caches, lists, docs or man pages.
$SUDO rm -rf "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/lib/apt/lists/* \
  "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/* "$work/rootfs"/usr/share/info/*
log "$IMAGE: importing"
$SUDO tar -C "$work/rootfs" -c . | docker import \
  --change "LABEL $KEY_LABEL=$KEY" \
  --change 'CMD ["bash"]' \
  - "$IMAGE" >/dev/null
log "$IMAGE: built ($KEY)"
