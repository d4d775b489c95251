#!/usr/bin/env bash
# build.sh : builds the cluster's binaries from their Go modules (and the pause
# process from C), idempotently, into $KAIROS_CACHE/cluster/bin-<version>-<hash>:
#   kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl
#   etcd                 (build/kubernetes: one go build)
#   coredns              (build/coredns: only the plugins the Corefile uses)
#   metrics-server       (build/metrics-server: its own module, so its Kubernetes
#                         libraries stay at the versions it was released with)
#   pause                (build/pause.c, static)
# and KEDA's operator and metrics adapter (build/keda) into $KAIROS_CACHE/cluster/keda-<version>-<hash>.
# The Dapr control plane is built with daprd by deploy/local/provision.sh dapr.
# Cold: about 20 min on 2 cores (module downloads included); warm: seconds.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN="$(cluster_bin_dir)"
KEDA_BIN="$(keda_bin_dir)"
K8S_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
ALL=("${K8S_CMDS[@]}" etcd coredns metrics-server pause)

complete() {
  local c
  for c in "${ALL[@]}"; do [[ -x $BIN/$c ]] || return 1; done
}
keda_complete() { [[ -x $KEDA_BIN/keda && -x $KEDA_BIN/keda-adapter ]]; }

if complete && keda_complete; then
  log "cluster binaries: cached in $BIN and $KEDA_BIN"
  exit 0
fi
command -v go >/dev/null || die "Go is needed to build the cluster binaries (see the go line in deploy/cluster/build/*/go.mod)"
command -v gcc >/dev/null || die "gcc is needed to build the pause process: apt-get install gcc libc6-dev"
want="$(awk '/^go /{print $2}' "$CLUSTER_LIB_DIR/build/kubernetes/go.mod")"
have="$(go env GOVERSION | sed 's/^go//')"
[[ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" == "$want" ]] ||
  die "Go $want or newer is needed, found $have"

export GOMODCACHE="$CLUSTER_GO/mod" GOCACHE="$CLUSTER_GO/build" GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local
rm -rf "$BIN.new"
mkdir -p "$BIN.new" "$GOMODCACHE" "$GOCACHE"
LOG="$CLUSTER_CACHE/build.log"
: >"$LOG"
t0=$SECONDS
(
  while sleep 30; do
    log "  cluster build running $((SECONDS - t0)) s (module cache $(du -sh "$GOMODCACHE" 2>/dev/null | cut -f1), build cache $(du -sh "$GOCACHE" 2>/dev/null | cut -f1))"
  done
) &
heartbeat=$!
trap 'kill $heartbeat 2>/dev/null || true' EXIT

gobuild() { # module-dir ldflags [-o output] packages...
  local dir="$1" ldflags="$2" out="$BIN.new/"
  shift 2
  if [[ $1 == -o ]]; then
    out="$2"
    shift 2
  fi
  (cd "$CLUSTER_LIB_DIR/build/$dir" && go build -trimpath -ldflags "$ldflags" -o "$out" "$@") >>"$LOG" 2>&1 || {
    tail -n 30 "$LOG" >&2
    die "build of build/$dir failed (full log: $LOG). Missing modules mean the Go module proxy is unreachable"
  }
}

build_keda() {
  keda_complete && return 0
  log "cluster: building KEDA $KEDA_VERSION (operator, metrics adapter) from its Go module (cold: about 15 min on 2 cores)"
  local k0=$SECONDS
  rm -rf "$KEDA_BIN.new"
  mkdir -p "$KEDA_BIN.new"
  gobuild keda "-s -w -X github.com/kedacore/keda/v2/version.Version=$KEDA_VERSION" -o "$KEDA_BIN.new/" \
    github.com/kedacore/keda/v2/cmd/operator github.com/kedacore/keda/v2/cmd/adapter
  mv "$KEDA_BIN.new/operator" "$KEDA_BIN.new/keda"
  mv "$KEDA_BIN.new/adapter" "$KEDA_BIN.new/keda-adapter"
  rm -rf "$KEDA_BIN"
  mv "$KEDA_BIN.new" "$KEDA_BIN"
  log "cluster: KEDA built in $((SECONDS - k0)) s into $KEDA_BIN"
}

if complete; then
  build_keda
  exit 0
fi

log "cluster: building Kubernetes $KUBERNETES_VERSION (${K8S_CMDS[*]}) and etcd $ETCD_VERSION from their Go modules (cold: about 15 min on 2 cores)"
v="v$KUBERNETES_VERSION"
minor="$(cut -d. -f2 <<<"$KUBERNETES_VERSION")"
# The version the binaries report (the module zip has no git metadata to derive it from).
ld="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
pkgs=()
for c in "${K8S_CMDS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
gobuild kubernetes "$ld" "${pkgs[@]}" ./etcd

log "cluster: building CoreDNS $COREDNS_VERSION and metrics-server $METRICS_SERVER_VERSION"
gobuild coredns "-s -w" -o "$BIN.new/coredns" .
gobuild metrics-server "-s -w -X sigs.k8s.io/metrics-server/pkg/version.gitVersion=v$METRICS_SERVER_VERSION" \
  sigs.k8s.io/metrics-server/cmd/metrics-server

gcc -Os -static -o "$BIN.new/pause" "$CLUSTER_LIB_DIR/build/pause.c" >>"$LOG" 2>&1 ||
  die "compiling pause failed ($LOG); a static libc is needed: apt-get install libc6-dev"

rm -rf "$BIN"
mv "$BIN.new" "$BIN"
complete || die "cluster: build finished but binaries are missing in $BIN"
log "cluster: binaries built in $((SECONDS - t0)) s into $BIN ($(du -sh "$BIN" | cut -f1))"
build_keda
