#!/usr/bin/env bash
# Checks and unit-tests the Prometheus rules of Kairos:
#   1. promtool check rules deploy/helm/kairos/rules/kairos.rules.yaml
#      (the single source of truth; the chart renders it into its PrometheusRule);
#   2. promtool test rules deploy/observability/rules/tests/*.yaml.
# promtool is taken from PATH; when it is missing and the script runs as root on a
# Debian-like system, Debian's `prometheus` package (which ships promtool) is installed.
# Exits non-zero when a tool is missing, a rule is invalid or a test fails.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RULES="$ROOT/deploy/helm/kairos/rules/kairos.rules.yaml"
TESTS_DIR="$ROOT/deploy/observability/rules/tests"

install_promtool() {
  # Debian's prometheus package starts its service from postinst; a policy-rc.d that
  # answers 101 ("action forbidden") keeps invoke-rc.d from starting anything.
  local policy=/usr/sbin/policy-rc.d created_policy=0 rc=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
  fi
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus)
  echo "promtool not found: installing Debian's prometheus package (apt-get)" >&2
  if ! "${apt[@]}" </dev/null >/tmp/kairos-promtool-install.log 2>&1; then
    # The package lists may be missing or stale: refresh them once and retry.
    { apt-get update -qq && "${apt[@]}"; } </dev/null >>/tmp/kairos-promtool-install.log 2>&1 || rc=$?
  fi
  if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi
  if [ "$rc" != 0 ] && ! command -v promtool >/dev/null; then
    tail -n 20 /tmp/kairos-promtool-install.log >&2
    return 1
  fi
  return 0
}

if ! command -v promtool >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    install_promtool || true
  fi
fi
if ! command -v promtool >/dev/null; then
  echo "error: promtool is not on PATH. Install it (Debian/Ubuntu: apt-get install prometheus;" >&2
  echo "       or the prometheus release tarball from https://prometheus.io/download/) and re-run." >&2
  exit 1
fi

[ -f "$RULES" ] || { echo "error: rules file not found: $RULES" >&2; exit 1; }
shopt -s nullglob
tests=("$TESTS_DIR"/*.yaml)
shopt -u nullglob
[ "${#tests[@]}" -gt 0 ] || { echo "error: no rule tests in $TESTS_DIR" >&2; exit 1; }

echo "== $(promtool --version 2>&1 | head -n 1)"
echo "== promtool check rules ${RULES#"$ROOT"/}"
promtool check rules "$RULES"

echo "== promtool test rules (${#tests[@]} file(s))"
# rule_files in the tests are relative to the test file's folder.
cd "$TESTS_DIR"
failed=0
for t in "${tests[@]}"; do
  if ! promtool test rules "$(basename "$t")"; then
    failed=$((failed + 1))
    echo "FAILED: ${t#"$ROOT"/}" >&2
  fi
done

alerts=$(grep -cE '^[[:space:]]*- alert:' "$RULES" || true)
records=$(grep -cE '^[[:space:]]*- record:' "$RULES" || true)
cases=$(cat "${tests[@]}" | grep -cE '^[[:space:]]*- (eval_time|expr):' || true)
if [ "$failed" -gt 0 ]; then
  echo "rules: FAILED — $failed of ${#tests[@]} test file(s) failed ($alerts alerts, $records recording rules)" >&2
  exit 1
fi
echo "rules: OK — $alerts alerts, $records recording rules; ${#tests[@]} test file(s), $cases test cases passed"
