# syntax=docker/dockerfile:1.7
# Kairos web: Next.js standalone output. Build from the repository root:
#   docker build -f deploy/docker/web.Dockerfile -t kairos-web .
# Runs as uid 10001 with a read-only root filesystem; /tmp and /app/web/.next/cache
# must be writable (emptyDir in the chart). node is PID 1 and exits on SIGTERM.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
    NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json tsconfig.base.json ./
COPY backend/package.json backend/
COPY web/package.json web/
RUN --mount=type=cache,target=/root/.npm npm ci --workspace web --include-workspace-root
COPY web/ web/
RUN npm run build -w web \
 # Normalise the standalone layout to /out/web/server.js whether Next traced from the
 # workspace root (standalone/web/server.js) or from web/ (standalone/server.js).
 && mkdir -p /out \
 && if [ -f web/.next/standalone/web/server.js ]; then cp -a web/.next/standalone/. /out/; \
    else mkdir -p /out/web && cp -a web/.next/standalone/. /out/web/; fi \
 && mkdir -p /out/web/.next \
 && cp -a web/.next/static /out/web/.next/static \
 && if [ -d web/public ]; then cp -a web/public /out/web/public; fi

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
ARG SOURCE=""
LABEL org.opencontainers.image.title="kairos-web" \
      org.opencontainers.image.description="Kairos web app (Next.js standalone)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn* \
 && groupadd --system --gid 10001 kairos \
 && useradd --system --uid 10001 --gid kairos --home-dir /nonexistent --shell /usr/sbin/nologin kairos
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOSTNAME=0.0.0.0 \
    KAIROS_API_URL=http://127.0.0.1:4000
WORKDIR /app
COPY --from=build --chown=root:root /out/ ./
# The only writable path inside /app (mounted as an emptyDir with a read-only root).
RUN mkdir -p /app/web/.next/cache && chown 10001:10001 /app/web/.next/cache
WORKDIR /app/web
USER 10001:10001
EXPOSE 3000
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "server.js"]
