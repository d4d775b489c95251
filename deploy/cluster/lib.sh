# shellcheck shell=bash
# shellcheck disable=SC2034 # settings used by the scripts that source this file
# Shared settings and helpers of deploy/cluster/*.sh. Source it; do not run it.
#
# The cluster lives in a network namespace of its own ($CLUSTER_NETNS) that has
# no default route and no link to the outside: the node's address, the pod and
# service ranges, Kafka and PostgreSQL exist only in there.

CLUSTER_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# log/die/wait_until/start_proc/stop_proc and the local stack's versions.
# shellcheck source=../local/lib.sh
. "$CLUSTER_LIB_DIR/../local/lib.sh"
# shellcheck source=versions.env
. "$CLUSTER_LIB_DIR/versions.env"

# State of a running cluster: PKI, etcd, containerd, kubelet, logs, pid files.
CLUSTER_DIR="${KAIROS_CLUSTER_DIR:-/var/lib/kairos-cluster}"
# Sockets (containerd) live on a short path.
CLUSTER_RUN="${KAIROS_CLUSTER_RUN:-/run/kairos-cluster}"
# start_proc/stop_proc keep their pid files and logs under KAIROS_STACK_DIR.
KAIROS_STACK_DIR="$CLUSTER_DIR"
KAIROS_LOG_DIR="$CLUSTER_DIR/logs"
KAIROS_RUN_DIR="$CLUSTER_DIR/run"

CLUSTER_NETNS="${KAIROS_CLUSTER_NETNS:-kairos-cluster}"
CLUSTER_NODE="${KAIROS_CLUSTER_NODE:-kairos-node}"
# The node's address, on a veth pair whose both ends are inside the namespace.
NODE_IF=kairos0
NODE_IP=10.77.0.1
POD_CIDR=10.244.0.0/24
POD_GATEWAY=10.244.0.1
SERVICE_CIDR=10.96.0.0/24
KUBERNETES_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
APISERVER_PORT=6443
# The managed services the release uses, outside Kubernetes, on the node's address.
MANAGED_PG_PORT=5432
MANAGED_KAFKA_PORT=9094

# Fully qualified names of the images built here (no registry serves them).
IMAGE_PREFIX="${KAIROS_IMAGE_PREFIX:-kairos.local}"
DAPR_IMAGE_REGISTRY="$IMAGE_PREFIX/dapr"

CLUSTER_CACHE="$KAIROS_CACHE/cluster"
CLUSTER_GO="$KAIROS_CACHE/cluster-go" # module and build caches, shared by every version
CONTAINERD_SOCK="$CLUSTER_RUN/containerd.sock"
KUBECONFIG_ADMIN="$CLUSTER_DIR/pki/admin.kubeconfig"

# cluster_build_hash : identifies the sources of the cluster binaries (KEDA, built
# separately, has its own: keda_bin_dir).
cluster_build_hash() {
  (cd "$CLUSTER_LIB_DIR/build" && cat ../versions.env pause.c {coredns,kubernetes,metrics-server}/go.mod \
    {coredns,kubernetes,metrics-server}/go.sum {coredns,kubernetes,metrics-server}/*.go {coredns,kubernetes,metrics-server}/*/*.go 2>/dev/null) |
    sha256sum | cut -c1-12
}
cluster_bin_dir() { echo "$CLUSTER_CACHE/bin-$KUBERNETES_VERSION-$(cluster_build_hash)"; }

# KEDA's operator and metrics adapter: pinned by build/keda/go.mod's require line.
KEDA_VERSION="$(awk '$1 == "require" && $2 ~ /kedacore/ { sub(/^v/, "", $3); print $3 }' "$CLUSTER_LIB_DIR/build/keda/go.mod")"
keda_bin_dir() {
  echo "$CLUSTER_CACHE/keda-$KEDA_VERSION-$(cd "$CLUSTER_LIB_DIR/build/keda" && cat go.mod go.sum ./*.go 2>/dev/null | sha256sum | cut -c1-12)"
}

# in_ns CMD... : runs CMD in the cluster's network namespace (same mount namespace,
# so the kubelet's volume mounts are the ones containerd sees).
in_ns() { nsenter --net="/run/netns/$CLUSTER_NETNS" -- "$@"; }

# kc ARGS... : kubectl as the cluster admin, inside the namespace.
kc() { in_ns "$(cluster_bin_dir)/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

require_root() {
  ((EUID == 0)) || die "the cluster needs root (network namespace, containerd, kubelet): run it as root"
}
