# Shared helpers for the offline stand-in images. Sourced, not run.
#
# OFFLINE STAND-INS: on machines that cannot pull from Docker Hub, these scripts build images
# under the names the Dockerfile and the compose files use (debian:bookworm-slim,
# node:20-bookworm-slim, node:20-bookworm, temporalio/temporal:<v>) from Debian's apt mirror and
# from what is already on this machine. They exist only so the compose stack can be tested here;
# anywhere Docker Hub is reachable, the real images are pulled and none of this runs.

OFFLINE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$OFFLINE_DIR/../.." && pwd)"
# Every stand-in carries this label; its value is a hash of what the image was built from.
KEY_LABEL="dev.baton.offline-standin"

log() { echo "[offline] $*" >&2; }

# sha256 of the arguments' contents (files) and literal strings prefixed with '=' .
input_key() {
  local item
  for item in "$@"; do
    if [[ "$item" == =* ]]; then printf '%s\n' "${item#=}"; else sha256sum "$item"; fi
  done | sha256sum | cut -c1-16
}

# True when IMAGE exists and was built from inputs with hash KEY.
image_is_current() {
  local image="$1" key="$2" have
  have="$(docker image inspect --format "{{ index .Config.Labels \"$KEY_LABEL\" }}" "$image" 2>/dev/null || true)"
  [[ "$have" == "$key" ]]
}

# True when IMAGE exists but is not one of ours (a real image pulled from a registry): keep it.
image_is_real() {
  local image="$1" have
  docker image inspect "$image" >/dev/null 2>&1 || return 1
  have="$(docker image inspect --format "{{ index .Config.Labels \"$KEY_LABEL\" }}" "$image" 2>/dev/null || true)"
  [[ -z "$have" || "$have" == "<no value>" ]]
}

# The Debian mirror this machine's apt uses (first deb.debian.org-style URI for the main archive).
debian_mirror() {
  local uri
  uri="$(grep -hE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
  if [[ -z "$uri" ]]; then
    uri="$(grep -hE '^\s*deb\s' /etc/apt/sources.list 2>/dev/null | sed -E 's/\[[^]]*\]//' | awk '{print $2}' | grep -v security | head -n1 || true)"
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# docker build TAG from DIR without any network (stand-ins copy files; they download nothing).
build_image() {
  local tag="$1" dir="$2" out
  if ! out="$(docker build --network none -t "$tag" "$dir" 2>&1)"; then
    echo "$out" >&2
    log "$tag: docker build failed"
    return 1
  fi
}
