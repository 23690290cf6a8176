#!/usr/bin/env bash
# OFFLINE STAND-INS for `temporalio/server:<version>` and `temporalio/admin-tools:<version>`, the
# images the Postgres compose stack (docker-compose.yml) runs (see lib.sh). The binaries are the
# ones Baton builds from Go modules (`baton server install --cluster`: temporal-server and
# temporal-sql-tool, with the PostgreSQL schema) and the Temporal CLI (`baton server install`),
# put on the Debian base where upstream has them: the server in /usr/local/bin, the schema in
# /etc/temporal/schema, a `temporal` user, /etc/temporal as the working directory.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

VERSION="${TEMPORAL_VERSION:-1.29.1}"
SERVER="temporalio/server:$VERSION"
ADMIN="temporalio/admin-tools:$VERSION"

# Baton pins the server version it builds.
if [[ "$VERSION" != "1.29.1" ]]; then
  log "Baton builds Temporal server 1.29.1; there is no stand-in for $VERSION"
  exit 1
fi
build_dir="$(cd "$REPO_ROOT" && node bin/baton.js server install --cluster 2>/dev/null)"
cli="$(cd "$REPO_ROOT" && node bin/baton.js server install 2>/dev/null)"
base="=$(docker image inspect --format '{{.Id}}' debian:bookworm-slim)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Upstream's server image has busybox's `nc`, which docker-compose.yml's health check runs as
# `nc -z host port`; bash's /dev/tcp does the same here.
cat >"$work/nc" <<'NC'
#!/bin/bash
# nc -z HOST PORT: exit 0 when HOST:PORT accepts a TCP connection (all this stand-in supports).
[[ "${1:-}" == "-z" && $# -eq 3 ]] || { echo "usage: nc -z host port" >&2; exit 2; }
exec 3<>"/dev/tcp/$2/$3"
NC
chmod 755 "$work/nc"

# --- temporalio/server
server_key="$(input_key "$0" "$OFFLINE_DIR/lib.sh" "$build_dir/temporal-server" "$base")"
if image_is_real "$SERVER"; then
  log "$SERVER: a real image is present, using it"
elif image_is_current "$SERVER" "$server_key"; then
  log "$SERVER: stand-in is current ($server_key)"
else
  mkdir -p "$work/server"
  cp "$build_dir/temporal-server" "$work/nc" "$work/server/"
  cat >"$work/server/Dockerfile" <<DOCKERFILE
FROM debian:bookworm-slim
COPY temporal-server nc /usr/local/bin/
RUN groupadd --gid 1000 temporal \\
 && useradd --uid 1000 --gid temporal --home-dir /etc/temporal temporal \\
 && mkdir -p /etc/temporal/config && chown -R temporal:temporal /etc/temporal \\
 && temporal-server --version
USER temporal
WORKDIR /etc/temporal
LABEL $KEY_LABEL=$server_key
ENTRYPOINT ["temporal-server"]
DOCKERFILE
  build_image "$SERVER" "$work/server"
  log "$SERVER: built ($server_key)"
fi

# --- temporalio/admin-tools
admin_key="$(input_key "$0" "$OFFLINE_DIR/lib.sh" "$build_dir/temporal-sql-tool" "$cli" "=$(cd "$build_dir/schema" && find . -type f | sort | xargs sha256sum | sha256sum)" "$base")"
if image_is_real "$ADMIN"; then
  log "$ADMIN: a real image is present, using it"
elif image_is_current "$ADMIN" "$admin_key"; then
  log "$ADMIN: stand-in is current ($admin_key)"
else
  mkdir -p "$work/admin"
  cp "$build_dir/temporal-sql-tool" "$cli" "$work/admin/"
  cp -r "$build_dir/schema" "$work/admin/schema"
  cat >"$work/admin/Dockerfile" <<DOCKERFILE
FROM debian:bookworm-slim
COPY temporal-sql-tool temporal /usr/local/bin/
COPY schema /etc/temporal/schema
RUN groupadd --gid 1000 temporal \\
 && useradd --uid 1000 --gid temporal --create-home temporal \\
 && temporal-sql-tool --version && temporal --version
USER temporal
WORKDIR /etc/temporal
LABEL $KEY_LABEL=$admin_key
CMD ["sleep", "infinity"]
DOCKERFILE
  build_image "$ADMIN" "$work/admin"
  log "$ADMIN: built ($admin_key)"
fi
