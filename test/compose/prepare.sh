#!/usr/bin/env bash
# Readies this machine for the compose test: a Docker engine (Debian's docker.io; dockerd started
# here when none answers), a compose command (the `docker compose` plugin, or Debian's
# docker-compose), and every image the dev-server stack needs. Nothing is pulled: images missing
# here are built by the offline stand-in scripts in docker/offline/.
#
# Usage: prepare.sh STATE_DIR   (writes STATE_DIR/dockerd.pid when it starts dockerd)
set -euo pipefail
STATE_DIR="${1:?usage: prepare.sh STATE_DIR}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$STATE_DIR"

SUDO=""
if [[ "$(id -u)" != "0" ]]; then SUDO="sudo"; fi
say() { echo "[compose-test] $*" >&2; }

apt_install() {
  if [[ -z "${APT_UPDATED:-}" ]]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >"$STATE_DIR/apt.log" 2>&1 || {
    tail -n 30 "$STATE_DIR/apt.log" >&2
    return 1
  }
}

# dockerd in the background, first with its defaults, then without iptables and bridge and with
# the vfs storage driver (for sandboxes that allow neither). The test runs every container with
# host networking and builds with no network, so neither fallback loses anything it needs.
start_dockerd() {
  local attempt flags
  for attempt in 1 2; do
    flags=()
    if [[ "$attempt" == 2 ]]; then flags=(--iptables=false --ip6tables=false --bridge=none --storage-driver=vfs); fi
    say "starting dockerd ${flags[*]:-}"
    $SUDO dockerd "${flags[@]}" >"$STATE_DIR/dockerd.log" 2>&1 &
    echo $! >"$STATE_DIR/dockerd.pid"
    for _ in $(seq 1 60); do
      if docker info >/dev/null 2>&1; then return 0; fi
      if ! kill -0 "$(cat "$STATE_DIR/dockerd.pid")" 2>/dev/null; then break; fi
      sleep 0.5
    done
    say "dockerd did not answer; its log ends with:"
    tail -n 15 "$STATE_DIR/dockerd.log" >&2 || true
    kill "$(cat "$STATE_DIR/dockerd.pid")" 2>/dev/null || true
    wait "$(cat "$STATE_DIR/dockerd.pid")" 2>/dev/null || true
    rm -f "$STATE_DIR/dockerd.pid"
  done
  return 1
}

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null 2>&1; then
    say "installing Debian's docker.io"
    apt_install docker.io
  fi
  if ! docker info >/dev/null 2>&1; then
    start_dockerd || { say "no Docker engine could be started"; exit 1; }
  fi
fi
say "engine: Docker $(docker version --format '{{.Server.Version}}')"

if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then
  say "installing Debian's docker-compose"
  apt_install docker-compose
fi

bash "$ROOT/docker/offline/build-all.sh"
