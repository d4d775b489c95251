# shellcheck shell=bash
# Certificates and kubeconfigs of the cluster (sourced by cluster.sh), made once
# with openssl into $CLUSTER_DIR/pki. Every identity is the one kubeadm would use.

PKI="$CLUSTER_DIR/pki"

# issue NAME SUBJECT [SANS] [CA]: a key and a certificate signed by CA (default ca).
issue() {
  local name="$1" subject="$2" sans="${3:-}" ca="${4:-ca}"
  [[ -f $PKI/$name.crt ]] && return 0
  local ext="$PKI/$name.ext"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=serverAuth,clientAuth"
    [[ -n $sans ]] && echo "subjectAltName=$sans"
  } >"$ext"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
}

new_ca() { # NAME CN
  [[ -f $PKI/$1.crt ]] && return 0
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$PKI/$1.key" -subj "/CN=$2" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/$1.crt" 2>/dev/null
}

# kubeconfig NAME USER-CERT : $PKI/NAME.kubeconfig for the API server on the node address
kubeconfig() {
  local name="$1" cert="$2"
  cat >"$PKI/$name.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: kairos
    cluster:
      certificate-authority: $PKI/ca.crt
      server: https://$NODE_IP:$APISERVER_PORT
users:
  - name: $name
    user:
      client-certificate: $PKI/$cert.crt
      client-key: $PKI/$cert.key
contexts:
  - name: kairos
    context: { cluster: kairos, user: $name }
current-context: kairos
EOF
}

make_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  new_ca ca kairos-cluster-ca
  new_ca front-proxy-ca kairos-front-proxy-ca
  issue apiserver "/CN=kube-apiserver" \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN,IP:$KUBERNETES_SERVICE_IP,IP:$NODE_IP,IP:127.0.0.1"
  issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  issue front-proxy-client "/CN=front-proxy-client" "" front-proxy-ca
  issue admin "/O=system:masters/CN=kubernetes-admin"
  issue controller-manager "/CN=system:kube-controller-manager"
  issue scheduler "/CN=system:kube-scheduler"
  issue kube-proxy "/CN=system:kube-proxy"
  issue kubelet-client "/O=system:nodes/CN=system:node:$CLUSTER_NODE"
  issue kubelet-serving "/CN=$CLUSTER_NODE" "DNS:$CLUSTER_NODE,IP:$NODE_IP"
  if [[ ! -f $PKI/sa.key ]]; then
    openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  fi
  keda_pki
  kubeconfig admin admin
  kubeconfig controller-manager controller-manager
  kubeconfig scheduler scheduler
  kubeconfig kube-proxy kube-proxy
  kubeconfig kubelet kubelet-client
}

# keda_pki : KEDA's operator and metrics adapter share one serving/client certificate
# (their gRPC link is mutual TLS), signed by a CA of their own that the APIService trusts.
keda_pki() {
  mkdir -p "$PKI"
  new_ca keda-ca kairos-keda-ca
  local svc sans=""
  for svc in keda-operator keda-metrics-apiserver; do
    sans+="${sans:+,}DNS:$svc,DNS:$svc.keda,DNS:$svc.keda.svc,DNS:$svc.keda.svc.$CLUSTER_DOMAIN"
  done
  issue keda "/CN=keda-operator" "$sans" keda-ca
}
