# syntax=docker/dockerfile:1.7
# One image recipe for every wamesh service. There is no build step: Node 24 runs the
# TypeScript sources directly (type stripping), so a target is the workspace sources plus
# the production dependencies of one service. Targets: ingress, consumer, relay, cli.
#   docker build --target consumer -t wamesh/consumer .
ARG NODE_IMAGE=node:24-alpine

# --- pnpm and the lockfile's packages, shared by every target -------------------------
FROM ${NODE_IMAGE} AS pnpm
ARG PNPM_VERSION=10.34.9
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
RUN npm install --global --no-fund --no-audit "pnpm@${PNPM_VERSION}" && npm cache clean --force
WORKDIR /app
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --prod
COPY . .

# --- production node_modules of one service and the workspace packages it imports -----
FROM pnpm AS ingress-deps
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --offline --prod --frozen-lockfile --filter "@wamesh/ingress..."

FROM pnpm AS consumer-deps
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --offline --prod --frozen-lockfile --filter "@wamesh/consumer..."

FROM pnpm AS relay-deps
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --offline --prod --frozen-lockfile --filter "@wamesh/relay..."

FROM pnpm AS cli-deps
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --offline --prod --frozen-lockfile --filter "@wamesh/cli..."

# --- runtime: no pnpm or npm, non-root, tini as PID 1 for signals. Sources stay owned
# by root: the service can read its code, not change it.
FROM ${NODE_IMAGE} AS runtime
RUN apk add --no-cache tini && rm -rf /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx /opt/yarn* /usr/local/bin/yarn /usr/local/bin/yarnpkg
ENV NODE_ENV=production
WORKDIR /app
USER node
ENTRYPOINT ["/sbin/tini", "--"]

FROM runtime AS ingress
COPY --from=ingress-deps /app /app
EXPOSE 8080
# INGRESS_NODE_FLAGS (packages/ingress/src/runtime.ts); test/deploy checks they match.
CMD ["node", "--single-threaded-gc", "packages/ingress/src/main.ts"]

FROM runtime AS consumer
COPY --from=consumer-deps /app /app
EXPOSE 9464
CMD ["node", "packages/consumer/src/main.ts"]

FROM runtime AS relay
COPY --from=relay-deps /app /app
EXPOSE 9464
CMD ["node", "packages/relay/src/main.ts"]

FROM runtime AS cli
COPY --from=cli-deps /app /app
ENTRYPOINT ["/sbin/tini", "--", "node", "packages/cli/src/main.ts"]
CMD ["--help"]
