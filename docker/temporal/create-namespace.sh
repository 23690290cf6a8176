#!/bin/sh
# One-shot job of the Postgres stack (docker-compose.yml), run in temporalio/admin-tools once the
# server answers: creates the namespace Baton uses when it does not exist yet.
set -eu
: "${TEMPORAL_ADDRESS:?must name the Temporal frontend (host:port)}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
if temporal operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists"
else
  temporal operator namespace create --namespace "$NAMESPACE" --retention "${TEMPORAL_RETENTION:-7d}"
  echo "namespace $NAMESPACE created"
fi
