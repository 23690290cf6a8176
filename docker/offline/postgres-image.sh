#!/usr/bin/env bash
# OFFLINE STAND-IN for `postgres:<major>` (see lib.sh), the database of the Postgres compose stack.
# Debian bookworm's PostgreSQL, as installed on this machine (the same release as the Debian base),
# is copied onto the base with the shared libraries it links, and an entrypoint that does what the
# official image's does for this stack: on an empty data folder, initdb with POSTGRES_USER and
# POSTGRES_PASSWORD (scram-sha-256, connections from anywhere need the password), then run the
# given command, `postgres` by default, as the `postgres` user.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

MAJOR="${POSTGRES_VERSION:-15}"
IMAGE="postgres:$MAJOR"
PGLIB="/usr/lib/postgresql/$MAJOR"
PGSHARE="/usr/share/postgresql/$MAJOR"

if image_is_real "$IMAGE"; then log "$IMAGE: a real image is present, using it"; exit 0; fi
if [[ ! -x "$PGLIB/bin/postgres" ]]; then
  log "$IMAGE: needs Debian's postgresql-$MAJOR on this machine (apt-get install postgresql-$MAJOR)"
  exit 1
fi
KEY="$(input_key "$0" "$OFFLINE_DIR/lib.sh" "$PGLIB/bin/postgres" "=$(docker image inspect --format '{{.Id}}' debian:bookworm-slim)")"
if image_is_current "$IMAGE" "$KEY"; then log "$IMAGE: stand-in is current ($KEY)"; exit 0; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/usr/lib/postgresql" "$work/root/usr/share/postgresql" "$work/root/usr/local/lib/postgres-deps" "$work/root/usr/share"
cp -a "$PGLIB" "$work/root/usr/lib/postgresql/"
cp -a "$PGSHARE" "$work/root/usr/share/postgresql/"
# Built with the system's time zone data, which the minimal base lacks.
cp -a /usr/share/zoneinfo "$work/root/usr/share/"
# Every library the binaries and modules link, but the C library itself (the base has its own).
# (ldd fails on the scripts among them: that is not an error here.)
{ find "$PGLIB" -type f \( -perm -u+x -o -name '*.so' \) -print0 | xargs -0 ldd 2>/dev/null || true; } |
  awk '$2 == "=>" && $3 ~ /^\// {print $3}' |
  grep -vE '/(libc|libm|libdl|libpthread|librt|ld-linux[^/]*)\.so' |
  sort -u |
  while read -r lib; do cp -L "$lib" "$work/root/usr/local/lib/postgres-deps/"; done

cat >"$work/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/bash
set -euo pipefail
: "${PGDATA:=/var/lib/postgresql/data}"
if [[ "${1:-}" == "postgres" ]]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    : "${POSTGRES_PASSWORD:?the stand-in, like the official image, needs POSTGRES_PASSWORD}"
    pwfile="$(mktemp)"
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    chown postgres "$pwfile"
    setpriv --reuid=postgres --regid=postgres --init-groups \
      initdb -D "$PGDATA" -U "${POSTGRES_USER:-postgres}" --pwfile="$pwfile" -A scram-sha-256 -E UTF8 --locale=C.UTF-8
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  fi
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
fi
exec "$@"
ENTRYPOINT
chmod 755 "$work/docker-entrypoint.sh"

cat >"$work/Dockerfile" <<DOCKERFILE
FROM debian:bookworm-slim
COPY root/ /
COPY docker-entrypoint.sh /usr/local/bin/
RUN echo /usr/local/lib/postgres-deps >/etc/ld.so.conf.d/postgres-deps.conf && ldconfig \\
 && groupadd --system postgres && useradd --system --gid postgres --home-dir /var/lib/postgresql postgres \\
 && mkdir -p /var/lib/postgresql /var/run/postgresql && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \\
 && $PGLIB/bin/postgres --version
ENV PATH=$PGLIB/bin:\$PATH PGDATA=/var/lib/postgresql/data
LABEL $KEY_LABEL=$KEY
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres", "-c", "listen_addresses=*"]
DOCKERFILE
log "$IMAGE: PostgreSQL $("$PGLIB/bin/postgres" --version | awk '{print $3}') from $PGLIB"
build_image "$IMAGE" "$work"
log "$IMAGE: built ($KEY)"
