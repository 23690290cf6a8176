#!/usr/bin/env bash
# OFFLINE STAND-IN for `temporalio/temporal:<version>`, the Temporal CLI image whose dev server
# the light compose stack runs (see lib.sh). The binary is the Temporal CLI that Baton builds from
# Go modules (`baton server install`: go install github.com/temporalio/cli/cmd/temporal@v<version>),
# put on the Debian base with a `temporal` user, the binary as entrypoint, as upstream does.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

VERSION="${TEMPORAL_CLI_VERSION:-1.5.1}"
IMAGE="temporalio/temporal:$VERSION"

if image_is_real "$IMAGE"; then log "$IMAGE: a real image is present, using it"; exit 0; fi

# Baton pins the CLI version it builds; a `go install` build reports itself as 0.0.0-DEV.
if [[ "$VERSION" != "1.5.1" ]]; then
  log "Baton builds Temporal CLI 1.5.1; there is no stand-in for $VERSION"
  exit 1
fi
binary="$(cd "$REPO_ROOT" && node bin/baton.js server install 2>/dev/null)"
log "$IMAGE: using $binary ($("$binary" --version))"
KEY="$(input_key "$0" "$OFFLINE_DIR/lib.sh" "$binary" "=$(docker image inspect --format '{{.Id}}' debian:bookworm-slim)")"
if image_is_current "$IMAGE" "$KEY"; then log "$IMAGE: stand-in is current ($KEY)"; exit 0; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$binary" "$work/temporal"
cat >"$work/Dockerfile" <<DOCKERFILE
FROM debian:bookworm-slim
COPY temporal /usr/local/bin/temporal
RUN groupadd --gid 1000 temporal \\
 && useradd --uid 1000 --gid temporal --create-home temporal \\
 && temporal --version
USER temporal
WORKDIR /home/temporal
LABEL $KEY_LABEL=$KEY
ENTRYPOINT ["temporal"]
DOCKERFILE
build_image "$IMAGE" "$work"
log "$IMAGE: built ($KEY)"
