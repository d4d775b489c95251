#!/usr/bin/env bash
# Runs the Dockerfiles' build steps without a container engine, in a scratch copy of
# the repository, and starts what they produce:
#   backend: npm ci (backend + root dev deps) -> npm run build -w backend ->
#            npm ci --omit=dev -w backend in a clean folder, pruned to the backend's
#            tree (prune-deps.mjs) -> node dist/main.js
#            (role all, embedded database) -> GET /healthz
#   web:     npm ci -w web -> next build (standalone) -> node server.js -> GET /
# Usage: deploy/docker/verify-build.sh [backend|web|all]   (default all)
# With KAIROS_BUILD_OUT=DIR the runtime layouts are kept: DIR/backend is the backend
# image's /app, DIR/web the web image's /app (deploy/cluster/images.sh builds on them).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WHAT=${1:-all}
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false NEXT_TELEMETRY_DISABLED=1
step() { printf '\n== %s\n' "$*"; }

# The files the Dockerfiles COPY (the .dockerignore'd rest stays out).
manifests() { # dest
  mkdir -p "$1/backend" "$1/web"
  cp "$ROOT/package.json" "$ROOT/package-lock.json" "$1/"
  [ -f "$ROOT/tsconfig.base.json" ] && cp "$ROOT/tsconfig.base.json" "$1/"
  cp "$ROOT/backend/package.json" "$1/backend/"
  cp "$ROOT/web/package.json" "$1/web/"
}
wait_http() { # url pid log
  for _ in $(seq 1 120); do
    if curl -fs -o /dev/null "$1" 2>/dev/null; then echo "  $1 -> ok"; return 0; fi
    kill -0 "$2" 2>/dev/null || { cat "$3"; echo "process exited before $1 answered"; return 1; }
    sleep 0.5
  done
  cat "$3"; echo "timeout waiting for $1"; return 1
}
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

if [ "$WHAT" = all ] || [ "$WHAT" = backend ]; then
  step "backend: build stage (npm ci -w backend --include-workspace-root; npm run build -w backend)"
  manifests "$WORK/build"
  (cd "$WORK/build" && npm ci --workspace backend --include-workspace-root --no-audit --loglevel=error)
  tar -C "$ROOT/backend" --exclude=./node_modules --exclude=./dist --exclude=./.data --exclude=./test -cf - . | tar -C "$WORK/build/backend" -xf -
  (cd "$WORK/build" && npm run build -w backend)
  step "backend: prod-deps stage (npm ci --omit=dev -w backend)"
  manifests "$WORK/app"
  (cd "$WORK/app" && npm ci --omit=dev --workspace backend --no-audit --loglevel=error && rm -rf web)
  cp -a "$WORK/build/backend/dist" "$WORK/app/backend/dist"
  [ -d "$WORK/build/backend/drizzle" ] && cp -a "$WORK/build/backend/drizzle" "$WORK/app/backend/drizzle"
  node "$ROOT/deploy/docker/prune-deps.mjs" "$WORK/app" backend
  du -sh "$WORK/app/node_modules" | sed 's/^/  production node_modules: /'
  step "backend: start the runtime layout (node dist/main.js --role all) and GET /healthz"
  port=$(free_port)
  mkdir -p "$WORK/data"
  (cd "$WORK/app/backend" && NODE_ENV=production PORT=$port KAIROS_EVENTS=embedded KAIROS_DATA_DIR="$WORK/data" \
     BETTER_AUTH_SECRET=verify-build-secret-verify-build-secret exec node dist/main.js --role all) >"$WORK/backend.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$port/healthz" "${PIDS[-1]}" "$WORK/backend.log"
  kill -TERM "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
  echo "  SIGTERM -> exited"
  if [ -n "${KAIROS_BUILD_OUT:-}" ]; then mkdir -p "$KAIROS_BUILD_OUT" && cp -a "$WORK/app" "$KAIROS_BUILD_OUT/backend"; fi
fi

if [ "$WHAT" = all ] || [ "$WHAT" = web ]; then
  if ! ls "$ROOT"/web/next.config.* >/dev/null 2>&1; then
    echo "web: skipped (web/ has no next.config.* yet)"
  else
    step "web: build stage (npm ci -w web --include-workspace-root; next build, standalone)"
    manifests "$WORK/webbuild"
    (cd "$WORK/webbuild" && npm ci --workspace web --include-workspace-root --no-audit --loglevel=error)
    tar -C "$ROOT/web" --exclude=./node_modules --exclude=./.next --exclude=./test --exclude=./tests -cf - . | tar -C "$WORK/webbuild/web" -xf -
    (cd "$WORK/webbuild" && npm run build -w web)
    s="$WORK/webbuild/web/.next/standalone"
    mkdir -p "$WORK/webout"
    if [ -f "$s/web/server.js" ]; then cp -a "$s/." "$WORK/webout/"; else mkdir -p "$WORK/webout/web" && cp -a "$s/." "$WORK/webout/web/"; fi
    mkdir -p "$WORK/webout/web/.next"
    cp -a "$WORK/webbuild/web/.next/static" "$WORK/webout/web/.next/static"
    [ -d "$WORK/webbuild/web/public" ] && cp -a "$WORK/webbuild/web/public" "$WORK/webout/web/public"
    step "web: start the standalone server (node server.js) and GET /"
    port=$(free_port)
    (cd "$WORK/webout/web" && NODE_ENV=production PORT=$port HOSTNAME=127.0.0.1 exec node server.js) >"$WORK/web.log" 2>&1 &
    PIDS+=($!)
    wait_http "http://127.0.0.1:$port/" "${PIDS[-1]}" "$WORK/web.log"
    kill -TERM "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true
    echo "  SIGTERM -> exited"
    if [ -n "${KAIROS_BUILD_OUT:-}" ]; then mkdir -p "$KAIROS_BUILD_OUT" && cp -a "$WORK/webout" "$KAIROS_BUILD_OUT/web"; fi
  fi
fi
step "image build steps verified"
