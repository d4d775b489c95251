#!/usr/bin/env bash
# images.sh build|build-app|import|tags|alias TAG
#
# Builds every image the cluster runs, without a container engine or a registry,
# as OCI archives cached by content in $KAIROS_CACHE/cluster/images:
#   kairos.local/kairos-backend:<version>-<hash>  the backend Dockerfile's artifacts
#   kairos.local/kairos-web:<version>-<hash>      the web Dockerfile's artifacts (same tag)
#       both on a Debian bookworm minbase root filesystem (debootstrap) with Node.js,
#       user 10001, the Dockerfiles' entrypoint, environment and labels
#   kairos.local/dapr/{daprd,operator,injector,sentry,placement,scheduler}:<dapr version>
#   kairos.local/keda/{keda,keda-metrics-apiserver}:<KEDA version>
#   kairos.local/coredns, kairos.local/metrics-server, kairos.local/pause
#       a static binary on a minimal layer (passwd, CA bundle, zoneinfo, /tmp)
# `build-app` builds only the backend and web images (no cluster binaries needed; CI runs
# it as its container-image stage, so `build` later finds them done) and, for a cluster
# that is up, names them in its image references — then `import` and `install.sh` roll
# the release out;
# `import` loads them into the cluster's containerd (namespace k8s.io);
# `tags` prints NAME=REFERENCE lines for the install step.
# `alias TAG` gives the imported backend and web images a second tag: the same content
# as another release, which a rolling update can move to (the rollout tests use it).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMAGES="$CLUSTER_CACHE/images"
ROOTFS_VERSION=1 # bump to rebuild the base root filesystem
ROOTFS="$IMAGES/rootfs-bookworm-minbase-$ROOTFS_VERSION"
DAPR_IMAGES=(daprd operator injector sentry placement scheduler)
APP_VERSION="$(node -p 'require(process.argv[1]).version' "$KAIROS_ROOT/package.json")"

# app_hash PATHS... : content hash of the tracked and untracked (not ignored) files.
app_hash() {
  (cd "$KAIROS_ROOT" && git ls-files -z -co --exclude-standard -- "$@" | sort -z | xargs -0 sha256sum 2>/dev/null) |
    sha256sum | cut -c1-12
}
# One tag for both application images, as a release pipeline tags them with one version.
# The inputs are what the build copies (tests and browser tests excluded) and how it builds.
app_tag() {
  echo "$APP_VERSION-$(app_hash package.json package-lock.json tsconfig.base.json backend ':(exclude)backend/test' \
    web ':(exclude)web/e2e' deploy/docker/verify-build.sh deploy/docker/prune-deps.mjs deploy/cluster/images.sh deploy/cluster/oci-image.mjs)"
}

# The references of the images `build` made last ($CLUSTER_DIR/images.env): import and
# install use exactly those, even if the sources change while the cluster starts.
TAGS_FILE="$CLUSTER_DIR/images.env"

tags() {
  if [[ -f $TAGS_FILE ]]; then
    cat "$TAGS_FILE"
    return 0
  fi
  current_tags
}

current_tags() {
  local tag="${APP_TAG:-$(app_tag)}"
  echo "BACKEND_IMAGE=$IMAGE_PREFIX/kairos-backend:$tag"
  echo "WEB_IMAGE=$IMAGE_PREFIX/kairos-web:$tag"
  echo "DAPR_REGISTRY=$DAPR_IMAGE_REGISTRY"
  echo "DAPR_TAG=$DAPR_VERSION"
  echo "COREDNS_IMAGE=$IMAGE_PREFIX/coredns:$COREDNS_VERSION"
  echo "METRICS_SERVER_IMAGE=$IMAGE_PREFIX/metrics-server:$METRICS_SERVER_VERSION"
  echo "PAUSE_IMAGE=$IMAGE_PREFIX/pause:$PAUSE_VERSION"
  echo "KEDA_OPERATOR_IMAGE=$IMAGE_PREFIX/keda/keda:$KEDA_VERSION"
  echo "KEDA_ADAPTER_IMAGE=$IMAGE_PREFIX/keda/keda-metrics-apiserver:$KEDA_VERSION"
}

# debian_mirror : $KAIROS_DEBIAN_MIRROR, else the first Debian archive the machine's apt
# sources use (comment lines skipped: sources files often name a commented-out snapshot).
debian_mirror() {
  if [[ -n ${KAIROS_DEBIAN_MIRROR:-} ]]; then
    echo "$KAIROS_DEBIAN_MIRROR"
    return 0
  fi
  local m
  m="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -v '^[[:space:]]*#' | grep -oE 'https?://[^ ]+/debian/?' | grep -v security | head -n1)"
  [[ -n $m ]] || die "no Debian archive found in the apt sources; set KAIROS_DEBIAN_MIRROR to one"
  echo "$m"
}

base_rootfs() {
  [[ -f $ROOTFS/.complete ]] && return 0
  command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
  local tmp="$ROOTFS.tmp" t0=$SECONDS
  rm -rf "$tmp"
  log "images: debootstrap --variant=minbase bookworm (about 2.5 min, ~200 MB)"
  debootstrap --variant=minbase bookworm "$tmp" "$(debian_mirror)" >"$IMAGES/debootstrap.log" 2>&1 ||
    {
      tail -n 20 "$IMAGES/debootstrap.log" >&2
      die "debootstrap failed (log: $IMAGES/debootstrap.log)"
    }
  # What a runtime image does not need (the Dockerfiles remove package managers too).
  rm -rf "$tmp"/var/cache/apt/* "$tmp"/var/lib/apt/lists/* "$tmp"/usr/share/doc/* "$tmp"/usr/share/man/* \
    "$tmp"/usr/share/locale/* "$tmp"/usr/share/info/* "$tmp"/var/log/*
  echo 'kairos:x:10001:' >>"$tmp/etc/group"
  echo 'kairos:x:10001:10001::/nonexistent:/usr/sbin/nologin' >>"$tmp/etc/passwd"
  date -Is >"$tmp/.complete"
  mv "$tmp" "$ROOTFS"
  log "images: base root filesystem ready in $((SECONDS - t0)) s"
}

# static_layer : passwd/group (root, nonroot 65532, nobody), CA bundle, zoneinfo, /tmp
static_layer() {
  local d="$IMAGES/layer-static-$ROOTFS_VERSION"
  [[ -f $d.complete ]] && {
    echo "$d"
    return 0
  }
  rm -rf "$d"
  mkdir -p "$d/etc/ssl/certs" "$d/usr/share" "$d/tmp"
  chmod 1777 "$d/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\nnobody:x:65534:65534::/nonexistent:/sbin/nologin\n' >"$d/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\nnobody:x:65534:\n' >"$d/etc/group"
  echo 'hosts: files dns' >"$d/etc/nsswitch.conf"
  cp /etc/ssl/certs/ca-certificates.crt "$d/etc/ssl/certs/" 2>/dev/null || : >"$d/etc/ssl/certs/ca-certificates.crt"
  cp -a "$ROOTFS/usr/share/zoneinfo" "$d/usr/share/"
  touch "$d.complete"
  echo "$d"
}

# image NAME ARCHIVE SPEC-JSON : writes ARCHIVE once (the name carries the content hash).
image() {
  local name="$1" archive="$2" spec="$3"
  [[ -f $archive ]] && return 0
  printf '%s' "$spec" >"$archive.spec.json"
  node "$CLUSTER_LIB_DIR/oci-image.mjs" "$archive.spec.json" "$archive" >/dev/null ||
    die "images: writing $name failed"
  rm -f "$archive.spec.json"
  log "images: $name ($(du -h "$archive" | cut -f1))"
}

# binary_image NAME TAG BINARY USER
binary_image() {
  local name="$1" tag="$2" bin="$3" user="$4"
  local archive="$IMAGES/${name//\//_}-$tag.tar"
  [[ -f $archive ]] && return 0
  local layer
  layer="$(mktemp -d)"
  cp "$bin" "$layer/$(basename "$bin")"
  image "$IMAGE_PREFIX/$name:$tag" "$archive" "$(
    LAYER="$layer" node -e 'const [n, b, u] = process.argv.slice(1); console.log(JSON.stringify({ name: n, layers: [process.env.STATIC, process.env.LAYER],
      config: { Entrypoint: ["/" + b], User: u, Env: ["PATH=/usr/local/bin:/usr/bin:/bin"] } }))' \
      "$IMAGE_PREFIX/$name:$tag" "$(basename "$bin")" "$user"
  )"
  rm -rf "$layer"
}

app_images() {
  local btag="$APP_TAG" wtag="$APP_TAG"
  local barch="$IMAGES/kairos-backend-$btag.tar" warch="$IMAGES/kairos-web-$wtag.tar"
  [[ -f $barch && -f $warch ]] && return 0
  local out
  out="$(mktemp -d /tmp/kairos-image-build.XXXXXX)"
  # shellcheck disable=SC2064 # the folder is known now
  trap "rm -rf '$out'" EXIT
  log "images: the Dockerfiles' build steps (deploy/docker/verify-build.sh) for the backend and web images"
  KAIROS_BUILD_OUT="$out" bash "$KAIROS_ROOT/deploy/docker/verify-build.sh" all >"$IMAGES/app-build.log" 2>&1 || {
    tail -n 30 "$IMAGES/app-build.log" >&2
    die "images: building the application failed (log: $IMAGES/app-build.log)"
  }
  # Node.js: the same runtime the machine runs (glibc and libstdc++ come from the base).
  local node_layer="$out/node"
  mkdir -p "$node_layer/usr/local/bin"
  cp "$(readlink -f "$(command -v node)")" "$node_layer/usr/local/bin/node"
  local base_tar="$IMAGES/layer-rootfs-$ROOTFS_VERSION.tar"
  if [[ ! -f $base_tar ]]; then
    tar --sort=name --mtime=@0 --numeric-owner -C "$ROOTFS" --exclude=./.complete -cf "$base_tar.tmp" . && mv "$base_tar.tmp" "$base_tar"
  fi
  local revision created
  revision="$(git -C "$KAIROS_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
  created="$(git -C "$KAIROS_ROOT" log -1 --format=%cI 2>/dev/null || echo 1970-01-01T00:00:00Z)"
  # backend: /app/node_modules, /app/package.json, /app/backend/{dist,package.json,drizzle}
  mkdir -p "$out/backend-layer/app"
  cp -a "$out/backend/." "$out/backend-layer/app/"
  chown -R 0:0 "$out/backend-layer"
  image "$IMAGE_PREFIX/kairos-backend:$btag" "$barch" "$(
    BASE="$base_tar" NODE_LAYER="$node_layer" APP="$out/backend-layer" node -e 'const [n, v, r, c] = process.argv.slice(1); console.log(JSON.stringify({ name: n,
      layers: [process.env.BASE, process.env.NODE_LAYER, process.env.APP],
      config: { Entrypoint: ["node", "dist/main.js"], Cmd: ["--role", "api"], User: "10001:10001", WorkingDir: "/app/backend",
        Env: ["PATH=/usr/local/bin:/usr/bin:/bin", "NODE_ENV=production", "KAIROS_EVENTS=dapr", "PORT=4000"],
        ExposedPorts: { "4000/tcp": {}, "4001/tcp": {}, "4002/tcp": {}, "4003/tcp": {}, "4004/tcp": {} },
        StopSignal: "SIGTERM",
        Labels: { "org.opencontainers.image.title": "kairos-backend", "org.opencontainers.image.version": v,
          "org.opencontainers.image.revision": r, "org.opencontainers.image.created": c, "org.opencontainers.image.licenses": "Apache-2.0" } } }))' \
      "$IMAGE_PREFIX/kairos-backend:$btag" "$APP_VERSION" "$revision" "$created"
  )"
  # web: /app/web/server.js (Next standalone) and its traced node_modules
  mkdir -p "$out/web-layer/app"
  cp -a "$out/web/." "$out/web-layer/app/"
  chown -R 0:0 "$out/web-layer"
  mkdir -p "$out/web-layer/app/web/.next/cache"
  chown 10001:10001 "$out/web-layer/app/web/.next/cache"
  image "$IMAGE_PREFIX/kairos-web:$wtag" "$warch" "$(
    BASE="$base_tar" NODE_LAYER="$node_layer" APP="$out/web-layer" node -e 'const [n, v, r, c] = process.argv.slice(1); console.log(JSON.stringify({ name: n,
      layers: [process.env.BASE, process.env.NODE_LAYER, process.env.APP],
      config: { Entrypoint: ["node", "server.js"], User: "10001:10001", WorkingDir: "/app/web",
        Env: ["PATH=/usr/local/bin:/usr/bin:/bin", "NODE_ENV=production", "NEXT_TELEMETRY_DISABLED=1", "PORT=3000",
          "HOSTNAME=0.0.0.0", "KAIROS_API_URL=http://127.0.0.1:4000"],
        ExposedPorts: { "3000/tcp": {} }, StopSignal: "SIGTERM",
        Labels: { "org.opencontainers.image.title": "kairos-web", "org.opencontainers.image.version": v,
          "org.opencontainers.image.revision": r, "org.opencontainers.image.created": c, "org.opencontainers.image.licenses": "Apache-2.0" } } }))' \
      "$IMAGE_PREFIX/kairos-web:$wtag" "$APP_VERSION" "$revision" "$created"
  )"
  rm -rf "$out"
}

build() {
  mkdir -p "$IMAGES" "$CLUSTER_DIR"
  APP_TAG="$(app_tag)"
  local bin t0=$SECONDS
  bin="$(cluster_bin_dir)"
  [[ -x $bin/kubelet ]] || die "cluster binaries missing: run deploy/cluster/build.sh first"
  [[ -x $DAPR_CACHE_DIR/bin/daprd && -x $DAPR_CACHE_DIR/bin/operator ]] ||
    die "Dapr binaries missing: run deploy/local/provision.sh dapr first"
  base_rootfs
  local static
  static="$(static_layer)"
  export STATIC="$static"
  local c
  for c in "${DAPR_IMAGES[@]}"; do
    # Dapr's chart runs /<name> from the image <registry>/<name>:<tag>.
    binary_image "dapr/$c" "$DAPR_VERSION" "$DAPR_CACHE_DIR/bin/$c" 65532:65532
  done
  binary_image coredns "$COREDNS_VERSION" "$bin/coredns" 0:0
  binary_image metrics-server "$METRICS_SERVER_VERSION" "$bin/metrics-server" 65534:65534
  binary_image pause "$PAUSE_VERSION" "$bin/pause" 65535:65535
  local keda
  keda="$(keda_bin_dir)"
  [[ -x $keda/keda && -x $keda/keda-adapter ]] || die "KEDA binaries missing: run deploy/cluster/build.sh first"
  binary_image keda/keda "$KEDA_VERSION" "$keda/keda" 65532:65532
  binary_image keda/keda-metrics-apiserver "$KEDA_VERSION" "$keda/keda-adapter" 65532:65532
  app_images
  current_tags >"$TAGS_FILE"
  log "images: ready in $((SECONDS - t0)) s ($IMAGES; references in $TAGS_FILE)"
}

build_app() {
  mkdir -p "$IMAGES"
  APP_TAG="$(app_tag)"
  if [[ -f $IMAGES/kairos-backend-$APP_TAG.tar && -f $IMAGES/kairos-web-$APP_TAG.tar ]]; then
    log "images: kairos-backend and kairos-web $APP_TAG are built already (the build steps ran then)"
  else
    base_rootfs
    app_images
    cat "$IMAGES/app-build.log"
    log "images: kairos-backend and kairos-web $APP_TAG built ($IMAGES)"
  fi
  use_app_tag "$APP_TAG"
}

# use_app_tag TAG : a cluster that is up gets these application images on its next
# `import` and `install` (the references of the other images stay as `build` made them)
use_app_tag() {
  [[ -f $TAGS_FILE ]] || return 0
  local tmp="$TAGS_FILE.tmp"
  sed -e "s|^BACKEND_IMAGE=.*|BACKEND_IMAGE=$IMAGE_PREFIX/kairos-backend:$1|" \
    -e "s|^WEB_IMAGE=.*|WEB_IMAGE=$IMAGE_PREFIX/kairos-web:$1|" "$TAGS_FILE" >"$tmp"
  mv "$tmp" "$TAGS_FILE"
  log "images: $TAGS_FILE now names kairos-backend and kairos-web $1"
}

import() {
  local have archive name
  have="$(in_ns ctr --address "$CONTAINERD_SOCK" -n k8s.io images ls -q 2>/dev/null)" ||
    die "containerd is not running at $CONTAINERD_SOCK (deploy/cluster/cluster.sh up starts it)"
  while IFS='=' read -r _ name; do
    [[ $name == */*:* ]] || continue
    grep -qxF "$name" <<<"$have" && continue
    archive="$(archive_of "$name")"
    [[ -f $archive ]] || die "images: $archive missing; run deploy/cluster/images.sh build"
    in_ns ctr --address "$CONTAINERD_SOCK" -n k8s.io images import "$archive" >/dev/null ||
      die "images: import of $archive into containerd failed"
    log "images: imported $name"
  done < <(image_list)
}

alias_app() {
  local tag="$1" name ref
  [[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "images: '$tag' is not a valid image tag"
  [[ -f $TAGS_FILE ]] || die "images: $TAGS_FILE missing; run deploy/cluster/cluster.sh up first"
  for name in BACKEND_IMAGE WEB_IMAGE; do
    ref="$(grep "^$name=" "$TAGS_FILE" | cut -d= -f2)"
    in_ns ctr --address "$CONTAINERD_SOCK" -n k8s.io images tag --force "$ref" "${ref%:*}:$tag" >/dev/null ||
      die "images: tagging $ref as ${ref%:*}:$tag failed"
  done
  log "images: backend and web also tagged $tag"
}

# image_list : NAME=REFERENCE for every image (the Dapr ones expanded)
image_list() {
  tags | grep -v '^DAPR_'
  local c
  for c in "${DAPR_IMAGES[@]}"; do echo "DAPR_$c=$DAPR_IMAGE_REGISTRY/$c:$DAPR_VERSION"; done
}

archive_of() { # reference -> archive path
  local ref="$1" repo tag
  repo="${ref%:*}" tag="${ref##*:}"
  repo="${repo#"$IMAGE_PREFIX"/}"
  echo "$IMAGES/${repo//\//_}-$tag.tar"
}

case "${1:-}" in
build) build ;;
build-app) build_app ;;
import) import ;;
tags) tags ;;
alias) alias_app "${2:?usage: $0 alias TAG}" ;;
*) die "usage: $0 build|build-app|import|tags|alias TAG" ;;
esac
