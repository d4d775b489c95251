#!/usr/bin/env bash
# test.sh [vitest args] : the cluster test suite (backend/test/cluster) inside the
# cluster's network namespace, against the running release (`npm run cluster up` first).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root
if ! ip netns list | grep -qw "$CLUSTER_NETNS" || ! proc_pid kube-apiserver >/dev/null; then
  die "the cluster is not running: start it with 'npm run cluster up' (then rerun 'npm run test:cluster')"
fi
bash "$CLUSTER_LIB_DIR/cluster.sh" isolated
cd "$KAIROS_ROOT/backend"
rc=0
KUBECONFIG="$KUBECONFIG_ADMIN" KAIROS_CLUSTER_BIN="$(cluster_bin_dir)" KAIROS_ROOT="$KAIROS_ROOT" \
  in_ns npx vitest run --config vitest.cluster.config.ts "$@" || rc=$?
if ((rc)); then
  # What an operator would look at first: pods (restarts), autoscalers, recent events.
  log "cluster tests failed: the cluster's state follows"
  kc get pods -A -o wide || true
  kc get hpa,pdb -A || true
  kc get events -A --sort-by=.lastTimestamp | tail -n 40 || true
fi
exit "$rc"
