#!/usr/bin/env bash
# OFFLINE STAND-INS for `node:20-bookworm-slim` and `node:20-bookworm` (see lib.sh).
#
# Debian bookworm's apt offers Node 18 only, and Baton needs Node 20, so the Node 20 install this
# machine already has (its `node` binary and the npm beside it) is copied onto the Debian base.
# The `node:20-bookworm` stand-in, used by the Dockerfile's build stage, also holds an npm cache
# for this package-lock.json and an npm configuration that installs from it offline: the image
# build then needs no network at all.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SLIM="node:20-bookworm-slim"
FULL="node:20-bookworm"

node_bin="$(readlink -f "$(command -v node)")"
node_version="$("$node_bin" --version)"
if [[ "$node_version" != v20.* ]]; then
  log "the Node on this machine is $node_version; the stand-in needs Node 20 (set PATH to a Node 20 install)"
  exit 1
fi
npm_dir="$(dirname "$node_bin")/../lib/node_modules/npm"
[[ -f "$npm_dir/bin/npm-cli.js" ]] || npm_dir="$(dirname "$(readlink -f "$(command -v npm)")")/.."
npm_dir="$(cd "$npm_dir" && pwd)"
npm_version="$(node "$npm_dir/bin/npm-cli.js" --version)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --- node:20-bookworm-slim: Debian base + node + npm + the `node` user (uid 1000), as upstream.
slim_key="$(input_key "$0" "$OFFLINE_DIR/lib.sh" "$node_bin" "=npm $npm_version" \
  "=$(docker image inspect --format '{{.Id}}' debian:bookworm-slim)")"
if image_is_real "$SLIM"; then
  log "$SLIM: a real image is present, using it"
elif image_is_current "$SLIM" "$slim_key"; then
  log "$SLIM: stand-in is current ($slim_key)"
else
  log "$SLIM: node $node_version, npm $npm_version from $node_bin"
  mkdir -p "$work/slim"
  cp "$node_bin" "$work/slim/node"
  cp -a "$npm_dir" "$work/slim/npm"
  cat >"$work/slim/Dockerfile" <<DOCKERFILE
FROM debian:bookworm-slim
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && groupadd --gid 1000 node \\
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && node --version && npm --version
ENV NODE_VERSION=${node_version#v}
LABEL $KEY_LABEL=$slim_key
CMD ["node"]
DOCKERFILE
  build_image "$SLIM" "$work/slim"
  log "$SLIM: built ($slim_key)"
fi

# --- node:20-bookworm: the slim stand-in + an offline npm cache for this package-lock.json and
# docker/mcp/package-lock.json (the MCP servers the image carries).
full_key="$(input_key "$0" "$OFFLINE_DIR/lib.sh" "$REPO_ROOT/package.json" "$REPO_ROOT/package-lock.json" \
  "$REPO_ROOT/docker/mcp/package.json" "$REPO_ROOT/docker/mcp/package-lock.json" \
  "=$(docker image inspect --format '{{.Id}}' "$SLIM")")"
if image_is_real "$FULL"; then
  log "$FULL: a real image is present, using it"
elif image_is_current "$FULL" "$full_key"; then
  log "$FULL: stand-in is current ($full_key)"
else
  log "$FULL: filling an npm cache for package-lock.json and docker/mcp's (npm install on this machine)"
  for lock in "$REPO_ROOT" "$REPO_ROOT/docker/mcp"; do
    rm -rf "$work/full/project" && mkdir -p "$work/full/project"
    cp "$lock/package.json" "$lock/package-lock.json" "$work/full/project/"
    (cd "$work/full/project" && npm install --no-audit --no-fund --ignore-scripts --cache "$work/full/npm-cache" >"$work/npm.log" 2>&1) || {
      tail -n 30 "$work/npm.log" >&2
      exit 1
    }
  done
  rm -rf "$work/full/project" "$work/full/npm-cache/_logs"
  cat >"$work/full/Dockerfile" <<DOCKERFILE
FROM $SLIM
COPY npm-cache /opt/npm-offline-cache
# npm's global config (\$PREFIX/etc/npmrc): install from the copied cache, never the network.
RUN mkdir -p /usr/local/etc \\
 && printf 'cache=/opt/npm-offline-cache\noffline=true\n' >/usr/local/etc/npmrc
LABEL $KEY_LABEL=$full_key
DOCKERFILE
  build_image "$FULL" "$work/full"
  log "$FULL: built ($full_key)"
fi
