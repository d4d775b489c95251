#!/usr/bin/env bash
# Validates the Helm chart, the Dapr resources and the GitHub workflows without a
# cluster or a container engine:
#   1. tools (helm, kubeconform, kube-score, actionlint) and CRD modules, installed
#      idempotently from the Go module proxy into ${KAIROS_CACHE:-~/.cache/kairos}/tools-*;
#   2. offline JSON schemas: Kubernetes (OpenAPI in k8s.io/kubernetes) + CRDs of Dapr,
#      KEDA, Prometheus Operator, Gateway API (Go modules) and Strimzi (${KAIROS_SHARED}/crds);
#   3. helm lint --strict and helm template with every values file;
#   4. kubeconform -strict on every render and on deploy/dapr (unknown kinds fail);
#   5. kube-score: zero critical findings (exceptions listed below, with reasons);
#   6. chart tests (node --test deploy/helm/tests);
#   7. actionlint on .github/workflows.
# Exits non-zero on the first failing step.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CHART="$ROOT/deploy/helm/kairos"
SHARED="${KAIROS_SHARED:-$ROOT/../shared}"
STRIMZI_CRDS="$SHARED/crds/strimzi"
KUBE_VERSION="${KUBE_VERSION:-1.33.0}"
T0=$(date +%s)
step() { printf '\n== [%ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }

step "tools"
# shellcheck source=deploy/validate/tools.sh
source "$ROOT/deploy/validate/tools.sh"
HELM="$TOOLS_BIN/helm"; KUBECONFORM="$TOOLS_BIN/kubeconform"; KUBESCORE="$TOOLS_BIN/kube-score"; ACTIONLINT="$TOOLS_BIN/actionlint"
"$HELM" version --short
"$KUBECONFORM" -v
"$ACTIONLINT" -version | head -1

step "offline schemas"
[ -d "$STRIMZI_CRDS" ] || { echo "Strimzi CRDs not found at $STRIMZI_CRDS (set KAIROS_SHARED to the folder holding crds/strimzi)"; exit 1; }
SCHEMA_KEY=$( { echo "$K8S_VERSION $DAPR_VERSION $KEDA_VERSION $PROMOP_VERSION $GATEWAY_API_VERSION"; cat "$ROOT/deploy/validate/gen-schemas.mjs" "$STRIMZI_CRDS"/*.yaml; } | sha256sum | cut -c1-16)
SCHEMAS="$TOOLS_DIR/schemas-$SCHEMA_KEY"
if [ ! -f "$SCHEMAS/.complete" ]; then
  rm -rf "$SCHEMAS"
  node "$ROOT/deploy/validate/gen-schemas.mjs" --out "$SCHEMAS" \
    --k8s-openapi "$K8S_MOD_DIR/api/openapi-spec/v3" \
    --crds "$DAPR_MOD_DIR/charts/dapr/crds" \
    --crds "$KEDA_MOD_DIR/config/crd/bases" \
    --crds "$PROMOP_MOD_DIR/example/prometheus-operator-crd" \
    --crds "$GATEWAY_MOD_DIR/config/crd/standard" \
    --crds "$STRIMZI_CRDS"
  touch "$SCHEMAS/.complete"
else
  echo "cached: $SCHEMAS"
fi
SCHEMA_LOCATION="$SCHEMAS/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"

RENDER=$(mktemp -d)
trap 'rm -rf "$RENDER"' EXIT
declare -A VARIANTS=([default]="")
for f in "$CHART"/values-*.yaml; do n=$(basename "$f" .yaml); VARIANTS[${n#values-}]="-f $f"; done
VARIANTS[external]="-f $ROOT/deploy/helm/tests/values-external.yaml"

step "helm lint --strict / helm template (${!VARIANTS[*]})"
for v in $(printf '%s\n' "${!VARIANTS[@]}" | sort); do
  # shellcheck disable=SC2086
  "$HELM" lint --strict --quiet --kube-version "$KUBE_VERSION" "$CHART" ${VARIANTS[$v]} >"$RENDER/lint-$v.log" 2>&1 \
    || { cat "$RENDER/lint-$v.log"; echo "helm lint failed for $v"; exit 1; }
  # shellcheck disable=SC2086
  "$HELM" template kairos "$CHART" -n kairos --kube-version "$KUBE_VERSION" ${VARIANTS[$v]} >"$RENDER/$v.yaml"
  printf '  %-10s lint ok, %3s resources\n' "$v" "$(grep -c '^kind:' "$RENDER/$v.yaml")"
done

step "kubeconform -strict (offline schemas; unknown kinds fail)"
"$KUBECONFORM" -strict -summary -schema-location "$SCHEMA_LOCATION" -kubernetes-version "${KUBE_VERSION}" "$RENDER"/*.yaml
if compgen -G "$ROOT/deploy/dapr/**" >/dev/null && find "$ROOT/deploy/dapr" -name '*.yaml' | grep -q .; then
  echo "  deploy/dapr (local stack resources):"
  find "$ROOT/deploy/dapr" -name '*.yaml' -print0 | xargs -0 "$KUBECONFORM" -strict -summary -schema-location "$SCHEMA_LOCATION"
fi

step "kube-score (zero critical findings)"
# Exceptions, each for a reason:
#  * minikube, local-cluster: container-image-pull-policy — images are built into the
#    node's runtime (`minikube image build`; deploy/cluster/images.sh) and must not be
#    pulled (pullPolicy: Never); every other values file uses Always.
for v in $(printf '%s\n' "${!VARIANTS[@]}" | sort); do
  ignore=()
  case "$v" in minikube | local-cluster) ignore=(--ignore-test container-image-pull-policy) ;; esac
  if ! "$KUBESCORE" score --output-format ci "${ignore[@]}" "$RENDER/$v.yaml" >"$RENDER/score-$v.txt"; then
    grep -E '^\[CRITICAL\]' "$RENDER/score-$v.txt" || cat "$RENDER/score-$v.txt"
    echo "kube-score: critical findings in $v"; exit 1
  fi
  printf '  %-10s critical: 0, warnings: %s\n' "$v" "$(grep -c '^\[WARNING\]' "$RENDER/score-$v.txt" || true)"
done

step "chart tests (node --test deploy/helm/tests)"
HELM="$HELM" KUBE_VERSION="$KUBE_VERSION" node --test --test-reporter=spec "$ROOT/deploy/helm/tests/" 2>&1 | tail -n 40
test "${PIPESTATUS[0]}" -eq 0

step "actionlint (+ shellcheck of run: scripts, deploy/validate and deploy/cluster)"
# The shellcheck linter is a Debian package; install it once when possible (root + apt).
if ! command -v shellcheck >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  { apt-get install -y -qq shellcheck || { apt-get update -qq && apt-get install -y -qq shellcheck; }; } >/dev/null 2>&1 || true
fi
if command -v shellcheck >/dev/null; then shellcheck "$ROOT"/deploy/validate/*.sh; (cd "$ROOT/deploy/cluster" && shellcheck -x ./*.sh); fi
if compgen -G "$ROOT/.github/workflows/*.yml" >/dev/null; then
  sc=(-shellcheck=)
  if command -v shellcheck >/dev/null; then sc=(-shellcheck=shellcheck); else echo "  (shellcheck not on PATH: run: scripts are not shell-checked; apt-get install shellcheck enables it)"; fi
  (cd "$ROOT" && "$ACTIONLINT" -no-color "${sc[@]}" -pyflakes= .github/workflows/*.yml)
  echo "  $(find "$ROOT/.github/workflows" -name '*.yml' | wc -l) workflow(s) ok"
else
  echo "no workflows"; exit 1
fi

step "chart validation passed"
