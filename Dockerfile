# Baton: one image for the API and the workers; the command picks the role.
#
#   docker build -t baton .
#   docker run baton worker start --flows /flows      # a worker
#   docker run baton api start --flows /flows         # the REST API
#
# Debian (glibc), not Alpine: Temporal's native bridge and the SWC compiler that bundles flows
# ship glibc binaries only.

ARG NODE_MAJOR=20

# --- build: every dependency, compile TypeScript to dist/, then drop the dev dependencies.
FROM node:${NODE_MAJOR}-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
# `npm install` with the lock file, not `npm ci`: see .ci/run (optional platform packages).
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && find dist -name '*.map' -delete

# --- MCP servers the Compose stacks run with `baton mcp bridge` (docker/mcp/servers.yaml),
# installed from their own lock file so that they never touch Baton's dependencies.
FROM node:${NODE_MAJOR}-bookworm AS mcp
WORKDIR /opt/baton-mcp
COPY docker/mcp/package.json docker/mcp/package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund

# --- runtime: compiled JavaScript and production dependencies, run as the unprivileged `node` user.
FROM node:${NODE_MAJOR}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    BATON_HOME=/var/lib/baton \
    BATON_HEALTH_FILE=/tmp/baton-health.json \
    BATON_API_HOST=0.0.0.0 \
    BATON_FLOWS=/flows \
    NODE_PATH=/app/node_modules \
    PATH=/opt/baton-mcp/node_modules/.bin:$PATH
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY docker/healthcheck.js ./docker/healthcheck.js
COPY --from=mcp /opt/baton-mcp /opt/baton-mcp
COPY docker/mcp/servers.yaml /etc/baton/mcp-servers.yaml
COPY docker/mcp/workers.yaml /etc/baton/mcp-workers.yaml
# Flow modules outside /app (a mounted /flows, or a derived image's own folder) import 'baton'
# and 'baton/workflows': NODE_PATH and this link resolve both to the compiled package, for Node
# and for the flow bundler alike.
RUN ln -s /app /app/node_modules/baton \
 && mkdir -p /var/lib/baton /var/lib/baton-mcp /flows \
 && chown node:node /var/lib/baton /var/lib/baton-mcp
USER node
EXPOSE 4200
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["node", "/app/docker/healthcheck.js"]
ENTRYPOINT ["node", "/app/bin/baton.js"]
CMD ["worker", "start"]
