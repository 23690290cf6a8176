#!/bin/sh
# One-shot job of the Postgres stack (docker-compose.yml), run in temporalio/admin-tools: creates
# Temporal's two databases when missing and brings both schemas to this image's version. Safe to
# run again: on an upgrade (a newer admin-tools image) it applies only the newer migrations.
set -eu

: "${POSTGRES_SEEDS:?must name the Postgres host}"
: "${POSTGRES_USER:?must name the Postgres user}"
: "${SQL_PASSWORD:?must hold the Postgres password}"
PORT="${DB_PORT:-5432}"
SCHEMA="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema}/postgresql/v12"

sql() { temporal-sql-tool --plugin postgres12 --endpoint "$POSTGRES_SEEDS" --port "$PORT" --user "$POSTGRES_USER" "$@"; }

for db in "${TEMPORAL_DB:-temporal}:temporal" "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}:visibility"; do
  name="${db%%:*}"
  kind="${db##*:}"
  echo "database $name ($kind schema)"
  sql --database "$name" create-database
  sql --database "$name" setup-schema -v 0.0
  sql --database "$name" update-schema -d "$SCHEMA/$kind/versioned"
done
echo "Temporal schemas are up to date"
