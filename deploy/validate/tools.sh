#!/usr/bin/env bash
# Installs the chart-validation tools and offline schemas, idempotently, into
# ${KAIROS_CACHE:-$HOME/.cache/kairos}/tools-<TOOLS_VERSION>. Sourced by run.sh;
# exports TOOLS_BIN and the module directories the schema generator reads.
set -euo pipefail

HELM_VERSION=v3.19.0
KUBECONFORM_VERSION=v0.7.0
KUBESCORE_VERSION=v1.20.0
ACTIONLINT_VERSION=v1.7.7
K8S_VERSION=v1.33.5          # Kubernetes OpenAPI (api/openapi-spec/v3) for the core schemas
DAPR_VERSION=v1.18.3         # charts/dapr/crds (same release as deploy/local/versions.env)
KEDA_VERSION=v2.17.2         # config/crd/bases
PROMOP_VERSION=v0.85.0       # example/prometheus-operator-crd
GATEWAY_API_VERSION=v1.3.0   # config/crd/standard

TOOLS_VERSION="1-helm${HELM_VERSION}-kc${KUBECONFORM_VERSION}-ks${KUBESCORE_VERSION}-al${ACTIONLINT_VERSION}"
CACHE_ROOT="${KAIROS_CACHE:-$HOME/.cache/kairos}"
TOOLS_DIR="$CACHE_ROOT/tools-$TOOLS_VERSION"
TOOLS_BIN="$TOOLS_DIR/bin"
export GOMODCACHE="$TOOLS_DIR/gomod"
export GOCACHE="${KAIROS_GOCACHE:-$TOOLS_DIR/gobuild}"
export GOFLAGS=-mod=mod
export CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
mkdir -p "$TOOLS_BIN" "$GOMODCACHE"

have() { [ -x "$TOOLS_BIN/$1" ] && [ -f "$TOOLS_BIN/.$1-$2" ]; }
goinstall() { # name version package
  local name=$1 version=$2 pkg=$3
  if have "$name" "$version"; then echo "  $name $version (cached)"; return; fi
  echo "  go install $pkg@$version"
  GOBIN="$TOOLS_BIN" go install -ldflags "-s -w" "$pkg@$version" 2>"$TOOLS_DIR/go-install.log" \
    || { cat "$TOOLS_DIR/go-install.log" >&2; return 1; }
  touch "$TOOLS_BIN/.$name-$version"
}
moddir() { # module version -> prints the module's directory in GOMODCACHE
  (cd "$TOOLS_DIR" && go mod download -json "$1@$2" 2>"$TOOLS_DIR/go-download.log" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})')
}

command -v go >/dev/null || { echo "go is required (Go toolchain on PATH)"; exit 1; }
echo "tools: $TOOLS_DIR"
goinstall helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm
goinstall kubeconform "$KUBECONFORM_VERSION" github.com/yannh/kubeconform/cmd/kubeconform
goinstall kube-score "$KUBESCORE_VERSION" github.com/zegl/kube-score/cmd/kube-score
goinstall actionlint "$ACTIONLINT_VERSION" github.com/rhysd/actionlint/cmd/actionlint

echo "  modules with schemas / CRDs"
K8S_MOD_DIR=$(moddir k8s.io/kubernetes "$K8S_VERSION")
DAPR_MOD_DIR=$(moddir github.com/dapr/dapr "$DAPR_VERSION")
KEDA_MOD_DIR=$(moddir github.com/kedacore/keda/v2 "$KEDA_VERSION")
PROMOP_MOD_DIR=$(moddir github.com/prometheus-operator/prometheus-operator "$PROMOP_VERSION")
GATEWAY_MOD_DIR=$(moddir sigs.k8s.io/gateway-api "$GATEWAY_API_VERSION")
export TOOLS_DIR TOOLS_BIN K8S_VERSION K8S_MOD_DIR DAPR_MOD_DIR KEDA_MOD_DIR PROMOP_MOD_DIR GATEWAY_MOD_DIR
