#!/usr/bin/env bash
# install.sh : installs Kairos into the running cluster the way an operator would
# (docs/deploy-minikube.md), with the managed services of managed.sh:
#   1. the CRDs the chart emits resources of (KEDA, Prometheus Operator), and KEDA itself
#      (operator and metrics adapter, built from its module by build.sh)
#   2. Dapr's own chart (from the Dapr module) with the images built here
#   3. namespace `kairos` and the Secret `kairos` the chart reads (never in values)
#   4. helm upgrade --install kairos deploy/helm/kairos -f values-local-cluster.yaml
#   5. every workload Ready, then `helm test`
# Prints the seconds from `helm install` to every pod Ready.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Dapr's chart from the module the runtime was built from (deploy/local/versions.env).
DAPR_CHART="$DAPR_CACHE_DIR/gomodcache/github.com/dapr/dapr@v$DAPR_VERSION/charts/dapr"
[[ -f $DAPR_CHART/Chart.yaml ]] || die "Dapr's chart is missing at $DAPR_CHART: run deploy/local/provision.sh dapr"
# KEDA as build.sh built it (tools.sh below has a KEDA_VERSION of its own, for schemas).
KEDA_RELEASE="$KEDA_VERSION"
KEDA_SRC="$CLUSTER_GO/mod/github.com/kedacore/keda/v2@v$KEDA_RELEASE"
# Chart tools and the modules holding the CRDs (cached by deploy/validate/tools.sh, which
# sets its own DAPR_VERSION for the CRD schemas: read after DAPR_CHART on purpose).
# shellcheck source=../validate/tools.sh
. "$KAIROS_ROOT/deploy/validate/tools.sh" >/dev/null
HELM_BIN="$TOOLS_BIN/helm"
helm() { KUBECONFIG="$KUBECONFIG_ADMIN" in_ns "$HELM_BIN" "$@"; }
eval "$(bash "$CLUSTER_LIB_DIR/images.sh" tags)"
# shellcheck source=pki.sh
. "$CLUSTER_LIB_DIR/pki.sh"

NS="${KAIROS_NAMESPACE:-kairos}"
TIMEOUT="${KAIROS_INSTALL_TIMEOUT:-15m}"

crds() {
  local f
  # KEDA's CRDs from the module its binaries were built from (build.sh).
  for f in "$KEDA_SRC"/config/crd/bases/*.yaml \
    "$PROMOP_MOD_DIR"/example/prometheus-operator-crd/monitoring.coreos.com_{servicemonitors,podmonitors,prometheusrules}.yaml; do
    [[ -f $f ]] || die "CRD file $f missing (deploy/cluster/build.sh and deploy/validate/tools.sh download their modules)"
    kc apply --server-side --force-conflicts -f "$f" >/dev/null
  done
  kc wait --for=condition=Established --timeout=60s crd/scaledobjects.keda.sh crd/servicemonitors.monitoring.coreos.com >/dev/null
  log "install: CRDs of KEDA $KEDA_RELEASE and Prometheus Operator present"
}

keda() {
  local t0=$SECONDS pki="$CLUSTER_DIR/pki"
  keda_pki
  kc create namespace keda --dry-run=client -o yaml | kc apply -f - >/dev/null
  kc -n keda create secret generic kedaorg-certs --from-file=ca.crt="$pki/keda-ca.crt" \
    --from-file=tls.crt="$pki/keda.crt" --from-file=tls.key="$pki/keda.key" --dry-run=client -o yaml | kc apply -f - >/dev/null
  sed -e "s#@KEDA_OPERATOR_IMAGE@#$KEDA_OPERATOR_IMAGE#g" -e "s#@KEDA_ADAPTER_IMAGE@#$KEDA_ADAPTER_IMAGE#g" \
    -e "s#@KEDA_CA_BUNDLE@#$(base64 -w0 "$pki/keda-ca.crt")#g" -e "s#@CLUSTER_DOMAIN@#$CLUSTER_DOMAIN#g" \
    "$CLUSTER_LIB_DIR/manifests/keda.yaml" >"$CLUSTER_DIR/etc/keda.yaml"
  kc apply --server-side --force-conflicts -f "$CLUSTER_DIR/etc/keda.yaml" >/dev/null
  if ! kc -n keda rollout status deploy/keda-operator --timeout=180s >/dev/null ||
    ! kc -n keda rollout status deploy/keda-metrics-apiserver --timeout=180s >/dev/null ||
    ! kc wait --for=condition=Available --timeout=120s apiservice/v1beta1.external.metrics.k8s.io >/dev/null; then
    kc -n keda get pods -o wide >&2 || true
    die "KEDA did not become ready (npm run cluster kubectl -- -n keda logs deploy/keda-operator)"
  fi
  log "install: KEDA $KEDA_RELEASE ready in $((SECONDS - t0)) s (operator, external metrics API)"
}

# The sidecar injector fails closed, for the release's namespace only: Dapr's default
# (fail open) lets a pod created while the injector has no ready endpoint — e.g. starved
# of CPU during a rollout — start without its daprd, and it never becomes ready. Failing
# closed, the ReplicaSet retries the pod until the injector answers. Only the release's
# namespace: the injector's own pods, and the rest of the cluster, never wait for it.
dapr() {
  local t0=$SECONDS
  log "install: Dapr $DAPR_TAG control plane (Dapr's chart, images $DAPR_REGISTRY/*:$DAPR_TAG)"
  helm upgrade --install dapr "$DAPR_CHART" -n dapr-system --create-namespace \
    --set global.registry="$DAPR_REGISTRY" --set global.tag="$DAPR_TAG" --set global.imagePullPolicy=Never \
    --set dapr_sidecar_injector.sidecarImagePullPolicy=Never \
    --set dapr_sidecar_injector.webhookFailurePolicy=Fail \
    --set-json "dapr_sidecar_injector.namespaceSelector={\"matchExpressions\":[{\"key\":\"kubernetes.io/metadata.name\",\"operator\":\"In\",\"values\":[\"$NS\"]}]}" \
    --set global.logAsJson=true \
    --set dapr_scheduler.cluster.storageClassName=kairos-local \
    --set dapr_placement.cluster.forceInMemoryLog=true \
    --wait --timeout "$TIMEOUT" >/dev/null || {
    kc -n dapr-system get pods -o wide >&2 || true
    die "Dapr's chart did not become ready"
  }
  log "install: Dapr ready in $((SECONDS - t0)) s"
}

secret() {
  kc create namespace "$NS" --dry-run=client -o yaml | kc apply -f - >/dev/null
  local auth
  auth="$(bash "$CLUSTER_LIB_DIR/managed.sh" secret better-auth-secret)"
  kc -n "$NS" create secret generic kairos --dry-run=client -o yaml \
    --from-literal=database-url="$(bash "$CLUSTER_LIB_DIR/managed.sh" database-url)" \
    --from-literal=better-auth-secret="$auth$auth" \
    --from-literal=kafka-username=kairos \
    --from-literal=kafka-password="$(bash "$CLUSTER_LIB_DIR/managed.sh" secret kafka-password)" \
    --from-literal=kafka-ca-cert="$(bash "$CLUSTER_LIB_DIR/managed.sh" ca)" | kc apply -f - >/dev/null
  log "install: Secret $NS/kairos (database URL, auth secret, Kafka SASL credentials and CA)"
}

kairos() {
  local t0=$SECONDS
  log "install: helm upgrade --install kairos (values-local-cluster.yaml, ${BACKEND_IMAGE##*:})"
  helm upgrade --install kairos "$KAIROS_ROOT/deploy/helm/kairos" -n "$NS" \
    -f "$KAIROS_ROOT/deploy/helm/kairos/values-local-cluster.yaml" \
    --set default.image.tag="${BACKEND_IMAGE##*:}" \
    --wait --timeout "$TIMEOUT" >/dev/null || {
    kc -n "$NS" get pods -o wide >&2 || true
    die "helm install kairos did not become ready (kubectl -n $NS describe pods; logs in the pods)"
  }
  # Every Deployment rolled out (waiting on pods by label races with a rollout's old pods).
  local d
  for d in $(kc -n "$NS" get deploy -l app.kubernetes.io/part-of=kairos -o name); do
    kc -n "$NS" rollout status "$d" --timeout=300s >/dev/null
  done
  INSTALL_SECONDS=$((SECONDS - t0))
  log "install: every Kairos pod Ready $INSTALL_SECONDS s after helm install"
  echo "$INSTALL_SECONDS" >"$CLUSTER_DIR/install-seconds"
  helm test kairos -n "$NS" --logs --timeout 5m >"$CLUSTER_DIR/logs/helm-test.log" 2>&1 || {
    cat "$CLUSTER_DIR/logs/helm-test.log" >&2
    die "helm test failed"
  }
  log "install: helm test passed"
}

crds
keda
dapr
secret
kairos
