#!/usr/bin/env bash
# OFFLINE STAND-INS (see lib.sh): builds every image the compose stacks need and that
# is not on this machine, in dependency order. Each script skips an image that is current.
set -euo pipefail
cd "$(dirname "$0")"
bash debian-base.sh
bash node-images.sh
bash temporal-cli-image.sh
# The Postgres stack's (docker-compose.yml): PostgreSQL, and Temporal's server and admin-tools.
bash postgres-image.sh
bash temporal-server-images.sh
