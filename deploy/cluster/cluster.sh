#!/usr/bin/env bash
# cluster.sh up|status|down|kubectl ARGS|helm ARGS|exec CMD
#
# A single-node Kubernetes cluster on this machine, built from source, in a
# network namespace with no route out, with Kairos installed as an operator
# would install it:
#   up      build (cached) → images → namespace → containerd, etcd, API server,
#           controller-manager, scheduler, kubelet, kube-proxy → CoreDNS,
#           metrics-server, storage → managed PostgreSQL and Kafka (SASL/SCRAM over
#           TLS) → Dapr's chart → `helm install kairos`. Idempotent.
#   status  what runs, the nodes and the pods
#   down    stops everything `up` started (by pid), unmounts, removes the namespace
#           and the cluster state (KAIROS_CLUSTER_KEEP=1 keeps the state)
#   (`up` and `down` take a lock: a second one while one runs stops at once)
#   kubectl / helm / exec   run inside the namespace with the admin kubeconfig
# Needs root. State: $KAIROS_CLUSTER_DIR (/var/lib/kairos-cluster).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$CLUSTER_LIB_DIR/pki.sh"

BIN="$(cluster_bin_dir)"
COMPONENTS=(containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)

# ---------------------------------------------------------------- preflight
preflight() {
  require_root
  local missing=() c
  for c in nsenter ip iptables conntrack containerd runc ctr openssl debootstrap java; do
    command -v "$c" >/dev/null || missing+=("$c")
  done
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/portmap ]] || missing+=(cni-plugins)
  ((${#missing[@]} == 0)) ||
    die "missing: ${missing[*]}. Install: apt-get install containerd runc containernetworking-plugins iptables conntrack debootstrap openssl util-linux iproute2 openjdk-17-jre-headless"
  [[ -d /proc/sys/net/bridge ]] || die "the kernel has no bridge netfilter (br_netfilter); kube-proxy needs it"
  ! grep -q '^/' /proc/swaps 2>/dev/null || warn "swap is on; the kubelet runs with failSwapOn=false"
}

# ---------------------------------------------------------------- namespace
# The namespace has a loopback, the node address on a veth pair inside it, and
# (once pods run) the CNI bridge with their veths. No default route, no link out.
netns_up() {
  mkdir -p "$CLUSTER_DIR"
  [[ -f $CLUSTER_DIR/netns-before-up ]] || find /run/netns -maxdepth 1 -name 'cni-*' -printf '%f\n' >"$CLUSTER_DIR/netns-before-up" 2>/dev/null || true
  if ! ip netns list | grep -qw "$CLUSTER_NETNS"; then
    log "namespace: creating $CLUSTER_NETNS (no default route, no link to the outside)"
    ip netns add "$CLUSTER_NETNS"
  fi
  ip -n "$CLUSTER_NETNS" link set lo up
  # The node address sits on a veth pair whose both ends are in the namespace (a link
  # to nowhere but itself; not every kernel has dummy interfaces).
  if ! ip -n "$CLUSTER_NETNS" link show "$NODE_IF" >/dev/null 2>&1; then
    ip -n "$CLUSTER_NETNS" link add "$NODE_IF" type veth peer name "${NODE_IF}p"
    ip -n "$CLUSTER_NETNS" addr add "$NODE_IP/32" dev "$NODE_IF"
  fi
  ip -n "$CLUSTER_NETNS" link set "${NODE_IF}p" up
  ip -n "$CLUSTER_NETNS" link set "$NODE_IF" up
  # Locally sent packets to a service address need a route before kube-proxy's DNAT.
  ip -n "$CLUSTER_NETNS" route replace "$SERVICE_CIDR" dev "$NODE_IF"
  in_ns sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 \
    net.bridge.bridge-nf-call-ip6tables=1 net.ipv4.conf.all.route_localnet=1 >/dev/null
  netns_isolated || die "namespace $CLUSTER_NETNS is not isolated (see above); refusing to start anything in it"
}

# netns_isolated : no default route, no route beyond the namespace's own ranges,
# and only links that belong to the namespace (lo, the node's veth pair, the CNI bridge, pod veths).
netns_isolated() {
  local ok=0 line
  if [[ -n $(ip -n "$CLUSTER_NETNS" route show default) || -n $(ip -n "$CLUSTER_NETNS" -6 route show default 2>/dev/null) ]]; then
    warn "namespace $CLUSTER_NETNS has a default route"
    ok=1
  fi
  while read -r line; do
    case "$line" in
    "$SERVICE_CIDR dev $NODE_IF"* | "$POD_CIDR dev cni0"* | "") ;;
    *)
      warn "namespace $CLUSTER_NETNS has an unexpected route: $line"
      ok=1
      ;;
    esac
  done < <(ip -n "$CLUSTER_NETNS" -4 route show)
  while read -r line; do
    case "$line" in
    lo | "$NODE_IF" | "${NODE_IF}p" | cni0 | veth*) ;;
    *)
      warn "namespace $CLUSTER_NETNS has an unexpected link: $line"
      ok=1
      ;;
    esac
  done < <(ip -n "$CLUSTER_NETNS" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1)
  return $ok
}

# ---------------------------------------------------------------- configuration
write_configs() {
  mkdir -p "$CLUSTER_DIR"/{etc,cni/net.d,cni/ipam,kubelet,containerd,etcd,volumes} "$CLUSTER_RUN"
  local images
  images="$(bash "$CLUSTER_LIB_DIR/images.sh" tags)"
  local pause
  pause="$(sed -n 's/^PAUSE_IMAGE=//p' <<<"$images")"
  cat >"$CLUSTER_DIR/etc/containerd.toml" <<EOF
version = 2
root = "$CLUSTER_DIR/containerd"
state = "$CLUSTER_RUN/containerd-state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CLUSTER_RUN/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CLUSTER_DIR/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause"
  # Never below containerd's own OOM score: a machine may withhold CAP_SYS_RESOURCE,
  # and then runc cannot lower a container's score (sandboxes ask for -998).
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CLUSTER_DIR/cni/net.d"
EOF
  cat >"$CLUSTER_DIR/cni/net.d/10-kairos.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "kairos",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$CLUSTER_DIR/cni/ipam",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$POD_GATEWAY" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
  # Pods resolve only cluster names: the host's resolvers are unreachable from here.
  : >"$CLUSTER_DIR/etc/resolv.conf"
  cat >"$CLUSTER_DIR/etc/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $PKI/ca.crt }
authorization: { mode: Webhook }
cgroupDriver: cgroupfs
failCgroupV1: false
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: $CLUSTER_DIR/etc/resolv.conf
failSwapOn: false
readOnlyPort: 0
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
# The machine's disk is shared with build caches: evict only when it is really full.
evictionHard: { memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2%, nodefs.inodesFree: 2% }
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
serializeImagePulls: false
maxPods: 110
EOF
  cat >"$CLUSTER_DIR/etc/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $PKI/kube-proxy.kubeconfig }
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $CLUSTER_NODE
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# conntrack limits are the host's (not settable from a network namespace).
conntrack: { maxPerCore: 0, min: 0 }
iptables: { localhostNodePorts: false }
EOF
}

# ---------------------------------------------------------------- processes
ns_start() { # NAME CMD...
  local name="$1"
  shift
  proc_pid "$name" >/dev/null && return 0
  start_proc "$name" nsenter --net="/run/netns/$CLUSTER_NETNS" -- "$@"
}

https_ok() { in_ns curl -ksf -o /dev/null --max-time 2 "$1"; }

start_node() {
  ns_start containerd containerd --config "$CLUSTER_DIR/etc/containerd.toml"
  wait_proc containerd 60 containerd ctr --address "$CONTAINERD_SOCK" version ||
    fail_with_log containerd "containerd did not start"
  bash "$CLUSTER_LIB_DIR/images.sh" import

  ns_start etcd "$BIN/etcd" --name kairos --data-dir "$CLUSTER_DIR/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster kairos=http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381 \
    --log-level warn
  wait_proc etcd 60 etcd in_ns curl -sf --max-time 2 http://127.0.0.1:2379/health || fail_with_log etcd "etcd did not become healthy"

  ns_start kube-apiserver "$BIN/kube-apiserver" \
    --advertise-address="$NODE_IP" --secure-port="$APISERVER_PORT" \
    --etcd-servers=http://127.0.0.1:2379 \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-extra-headers-prefix=X-Remote-Extra- --requestheader-group-headers=X-Remote-Group \
    --requestheader-username-headers=X-Remote-User \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --enable-aggregator-routing=true --profiling=false --v=1
  wait_proc kube-apiserver 120 "the API server" https_ok "https://127.0.0.1:$APISERVER_PORT/readyz" ||
    fail_with_log kube-apiserver "the API server did not become ready"

  ns_start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$PKI/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$PKI/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$PKI/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false --v=1
  ns_start kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig="$PKI/scheduler.kubeconfig" \
    --authentication-kubeconfig="$PKI/scheduler.kubeconfig" \
    --authorization-kubeconfig="$PKI/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --profiling=false --v=1
  ns_start kubelet "$BIN/kubelet" --config="$CLUSTER_DIR/etc/kubelet.yaml" \
    --kubeconfig="$PKI/kubelet.kubeconfig" --hostname-override="$CLUSTER_NODE" --node-ip="$NODE_IP" \
    --root-dir="$CLUSTER_DIR/kubelet" --cert-dir="$CLUSTER_DIR/kubelet/pki" --v=1
  ns_start kube-proxy "$BIN/kube-proxy" --config="$CLUSTER_DIR/etc/kube-proxy.yaml" --v=1
  wait_proc kube-controller-manager 60 controller-manager https_ok https://127.0.0.1:10257/healthz ||
    fail_with_log kube-controller-manager "the controller-manager did not become healthy"
  wait_proc kube-scheduler 60 scheduler https_ok https://127.0.0.1:10259/healthz ||
    fail_with_log kube-scheduler "the scheduler did not become healthy"
  wait_proc kubelet 120 "node $CLUSTER_NODE Ready" node_ready || fail_with_log kubelet "node $CLUSTER_NODE did not become Ready"
  wait_proc kube-proxy 60 kube-proxy in_ns curl -sf --max-time 2 http://127.0.0.1:10256/healthz ||
    fail_with_log kube-proxy "kube-proxy did not become healthy"
  log "node: $CLUSTER_NODE Ready ($("$BIN/kubectl" version --client -o json | node -pe 'JSON.parse(require("fs").readFileSync(0)).clientVersion.gitVersion'))"
}

node_ready() {
  [[ $(kc get node "$CLUSTER_NODE" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]
}

addons() {
  local images
  images="$(bash "$CLUSTER_LIB_DIR/images.sh" tags)"
  # shellcheck disable=SC2034 # used by the manifest template
  local COREDNS_IMAGE METRICS_SERVER_IMAGE
  COREDNS_IMAGE="$(sed -n 's/^COREDNS_IMAGE=//p' <<<"$images")"
  METRICS_SERVER_IMAGE="$(sed -n 's/^METRICS_SERVER_IMAGE=//p' <<<"$images")"
  sed -e "s#@COREDNS_IMAGE@#$COREDNS_IMAGE#g" -e "s#@METRICS_SERVER_IMAGE@#$METRICS_SERVER_IMAGE#g" \
    -e "s#@DNS_SERVICE_IP@#$DNS_SERVICE_IP#g" -e "s#@CLUSTER_DOMAIN@#$CLUSTER_DOMAIN#g" \
    -e "s#@VOLUMES@#$CLUSTER_DIR/volumes#g" -e "s#@NODE@#$CLUSTER_NODE#g" \
    "$CLUSTER_LIB_DIR/manifests/addons.yaml" >"$CLUSTER_DIR/etc/addons.yaml"
  # The Dapr scheduler's volumes (host folders, owned by its non-root user).
  local i
  for i in 0 1 2; do
    mkdir -p "$CLUSTER_DIR/volumes/dapr-scheduler-$i"
    chown 65532:65532 "$CLUSTER_DIR/volumes/dapr-scheduler-$i"
  done
  kc apply --server-side --force-conflicts -f "$CLUSTER_DIR/etc/addons.yaml" >/dev/null
  kc -n kube-system rollout status deploy/coredns --timeout=180s >/dev/null || die "CoreDNS did not become ready (kubectl -n kube-system describe pod -l k8s-app=kube-dns)"
  kc -n kube-system rollout status deploy/metrics-server --timeout=180s >/dev/null || die "metrics-server did not become ready"
  log "add-ons: CoreDNS, metrics-server, storage ready"
}

# ---------------------------------------------------------------- commands
up() {
  preflight
  local t0=$SECONDS
  bash "$CLUSTER_LIB_DIR/build.sh"
  bash "$KAIROS_LOCAL_DIR/provision.sh" dapr kafka postgres
  bash "$CLUSTER_LIB_DIR/images.sh" build
  netns_up
  make_pki
  write_configs
  start_node
  addons
  bash "$CLUSTER_LIB_DIR/managed.sh" start
  [[ ${KAIROS_CLUSTER_INSTALL:-1} == 1 ]] && bash "$CLUSTER_LIB_DIR/install.sh"
  log "cluster: up in $((SECONDS - t0)) s. kubectl: npm run cluster kubectl -- get pods -A"
}

status() {
  local c pid rc=0
  for c in "${COMPONENTS[@]}"; do
    if pid="$(proc_pid "$c")"; then printf '%-24s %-8s up\n' "$c" "$pid"; else
      printf '%-24s %-8s DOWN\n' "$c" -
      rc=1
    fi
  done
  bash "$CLUSTER_LIB_DIR/managed.sh" status || rc=1
  if proc_pid kube-apiserver >/dev/null; then
    kc get nodes -o wide || rc=1
    kc get pods -A -o wide || rc=1
  fi
  return $rc
}

down() {
  require_root
  bash "$CLUSTER_LIB_DIR/managed.sh" stop || true
  # Pods first (the kubelet's containers run under containerd's shims), then the node.
  local c i
  if proc_pid containerd >/dev/null; then
    stop_proc kubelet
    local ids
    ids="$(ctr --address "$CONTAINERD_SOCK" -n k8s.io tasks ls -q 2>/dev/null || true)"
    for c in $ids; do ctr --address "$CONTAINERD_SOCK" -n k8s.io tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true; done
  fi
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do stop_proc "${COMPONENTS[$i]}"; done
  # containerd's shims outlive it; they belong to the cluster (their socket is under $CLUSTER_RUN).
  local pid
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK" || true); do kill -KILL "$pid" 2>/dev/null || true; done
  # Mounts the kubelet and containerd made under the cluster's folders.
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(
    awk '{print $2}' /proc/mounts | grep -E "^($CLUSTER_DIR|$CLUSTER_RUN)/" | sort -r
  )
  # Pod network namespaces containerd made for this cluster (those not there before `up`).
  while read -r m; do
    grep -qxF "$m" "$CLUSTER_DIR/netns-before-up" 2>/dev/null && continue
    umount -l "/run/netns/$m" 2>/dev/null || true
    rm -f "/run/netns/$m"
  done < <(find /run/netns -maxdepth 1 -name 'cni-*' -printf '%f\n' 2>/dev/null)
  if ip netns list | grep -qw "$CLUSTER_NETNS"; then
    ip netns delete "$CLUSTER_NETNS"
    log "namespace $CLUSTER_NETNS removed (with its links, routes and iptables rules)"
  fi
  if [[ ${KAIROS_CLUSTER_KEEP:-0} != 1 ]]; then
    rm -rf "$CLUSTER_DIR" "$CLUSTER_RUN"
    log "cluster state removed ($CLUSTER_DIR)"
  fi
}

# One `up` or `down` at a time: two would start the same components twice, or remove the
# state under a cluster that is starting. flock holds the lock itself and runs the command
# in a new shell (-o: the daemons `up` starts do not inherit it, so it ends with `up`).
LOCK_FILE="${KAIROS_CLUSTER_LOCK:-/run/lock/kairos-cluster.lock}"
locked() { # locked up|down
  if [[ ${KAIROS_CLUSTER_LOCKED:-0} == 1 ]]; then
    "$1"
    return
  fi
  mkdir -p "$(dirname "$LOCK_FILE")"
  local rc=0
  KAIROS_CLUSTER_LOCKED=1 flock -n -E 75 -o "$LOCK_FILE" bash "${BASH_SOURCE[0]}" "$1" || rc=$?
  [[ $rc != 75 ]] || die "another 'cluster.sh up' or 'down' is running (it holds $LOCK_FILE); wait for it to finish"
  return "$rc"
}

cmd="${1:-}"
shift || true
case "$cmd" in
up) locked up ;;
status) status ;;
down) locked down ;;
kubectl) kc "$@" ;;
helm)
  # shellcheck source=../validate/tools.sh
  HELM="$(bash -c ". '$KAIROS_ROOT/deploy/validate/tools.sh' >/dev/null && echo \$TOOLS_BIN/helm")"
  KUBECONFIG="$KUBECONFIG_ADMIN" in_ns "$HELM" "$@"
  ;;
exec) KUBECONFIG="$KUBECONFIG_ADMIN" KAIROS_CLUSTER_BIN="$BIN" in_ns "$@" ;;
isolated) netns_isolated && log "namespace $CLUSTER_NETNS: no default route, no route or link out" ;;
*) die "usage: $0 up|status|down|kubectl ARGS|helm ARGS|exec CMD|isolated" ;;
esac
