# syntax=docker/dockerfile:1.7
# Kairos backend: one image for every role (`--role api|notifier|recurrence|audit|realtime|all`)
# and for migrations (`migrate`). Build from the repository root:
#   docker build -f deploy/docker/backend.Dockerfile -t kairos-backend .
# Runs as uid 10001 with a read-only root filesystem (only /tmp must be writable);
# node is PID 1 and the app handles SIGTERM (drains HTTP, flushes the outbox).
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: full workspace install for the backend, TypeScript -> dist
FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json tsconfig.base.json ./
COPY backend/package.json backend/
COPY web/package.json web/
RUN --mount=type=cache,target=/root/.npm npm ci --workspace backend --include-workspace-root
COPY backend/ backend/
RUN npm run build -w backend \
 # What the runtime needs from the package: compiled code, manifest, SQL migrations.
 && mkdir -p /out \
 && cp -a backend/dist backend/package.json /out/ \
 && if [ -d backend/drizzle ]; then cp -a backend/drizzle /out/drizzle; fi

# ---- prod-deps: production dependencies only — the backend's own tree: npm ci installs the
# whole lockfile's (the web app's Next.js too), prune-deps.mjs keeps what the backend
# requires and checks that every package the compiled code imports resolves
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
COPY backend/package.json backend/
COPY web/package.json web/
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --workspace backend \
 && rm -rf web
COPY deploy/docker/prune-deps.mjs /tmp/
COPY --from=build /out/dist backend/dist
RUN node /tmp/prune-deps.mjs /app backend

# ---- runtime
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
ARG SOURCE=""
LABEL org.opencontainers.image.title="kairos-backend" \
      org.opencontainers.image.description="Kairos backend (api, notifier, recurrence, audit, realtime roles; migrations)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"
# Package managers are not needed at run time; removing them shrinks the attack surface.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn* \
 && groupadd --system --gid 10001 kairos \
 && useradd --system --uid 10001 --gid kairos --home-dir /nonexistent --shell /usr/sbin/nologin kairos
ENV NODE_ENV=production \
    KAIROS_EVENTS=dapr \
    PORT=4000
WORKDIR /app
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=prod-deps --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /out/ ./backend/
WORKDIR /app/backend
USER 10001:10001
EXPOSE 4000 4001 4002 4003 4004
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/main.js"]
CMD ["--role", "api"]
