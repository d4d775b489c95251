#!/usr/bin/env bash
# API fuzz stage: property-based requests generated from the OpenAPI document the API
# serves (/docs/json), authenticated as a fresh user, against the embedded product on
# 127.0.0.1. It fails on any server error, any status or content type the document does
# not declare, any response that does not match its schema, and any input outside the
# schema that is accepted. Seeded and time-bounded; a failure prints the reproducing
# request (a curl command) and the server log's errors.
#
#   KAIROS_FUZZ_SEED      seed (default 20261130): the same seed replays the same inputs
#   KAIROS_FUZZ_SECONDS   time budget of the generation (default 100; the stage stays under 3 min)
#   KAIROS_CACHE          where the Schemathesis virtualenv is kept (default ~/.cache/kairos)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."

ST_VERSION=4.32.5
VENV="${KAIROS_CACHE:-$HOME/.cache/kairos}/schemathesis-$ST_VERSION"
SEED=${KAIROS_FUZZ_SEED:-20261130}
SECONDS_BUDGET=${KAIROS_FUZZ_SECONDS:-100}

if [[ ! -x $VENV/bin/st ]]; then
  echo "installing Schemathesis $ST_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi
[[ -f backend/dist/main.js ]] || npm run build -w backend

WORK=$(mktemp -d /tmp/kairos-fuzz.XXXXXX)
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
BASE="http://127.0.0.1:$PORT"
SERVER_PID=
# shellcheck disable=SC2317 # called by the EXIT trap
stop() {
  if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap stop EXIT

# The write and import limits are off: the fuzzer's thousands of writes would otherwise mostly meet 429s
# (which the document then does not declare; the limit has its own tests).
PORT=$PORT HOST=127.0.0.1 KAIROS_DATA_DIR="$WORK/data" KAIROS_PUBLIC_URL="$BASE" \
  BETTER_AUTH_SECRET=fuzz-secret-fuzz-secret-fuzz-secret-0123456789 \
  KAIROS_AUTH_RATE_LIMIT=0 KAIROS_WRITE_RATE_LIMIT=0 KAIROS_IMPORT_RATE_LIMIT=0 KAIROS_JWT_TTL=30m LOG_LEVEL=warn \
  node backend/dist/main.js --role all >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -sf "$BASE/healthz" >/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.5
done

EMAIL="fuzz-$RANDOM@example.com"
curl -sf -c "$WORK/cookies" -H 'content-type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"correct-horse-battery\",\"name\":\"Fuzz\"}" \
  "$BASE/api/auth/sign-up/email" >"$WORK/user.json"
KAIROS_FUZZ_USER_ID=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).user.id)' "$WORK/user.json")
TOKEN=$(curl -sf -b "$WORK/cookies" "$BASE/api/auth/token" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token))')
export KAIROS_FUZZ_USER_ID
# A few tasks so that reads, updates and deletes of an existing id are reached too.
for i in 1 2 3; do
  curl -sf -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"title\":\"Seed $i\",\"due_at\":\"2030-01-0${i}T09:00:00Z\",\"reminders\":[{\"minutes_before\":10}]}" "$BASE/api/v1/tasks" >/dev/null
done

echo "fuzzing $BASE (seed $SEED, ${SECONDS_BUDGET}s)"
status=0
# The checks are chosen in schemathesis.toml.
timeout $((SECONDS_BUDGET + 60)) "$VENV/bin/st" --config-file backend/test/fuzz/schemathesis.toml run "$BASE/docs/json" \
  --header "Authorization: Bearer $TOKEN" \
  --seed "$SEED" --max-time "$SECONDS_BUDGET" --workers 2 --request-timeout 10 \
  --generation-database none --suppress-health-check all --no-color --output-sanitize false \
  --report junit --report-junit-path "$WORK/junit.xml" || status=$?

errors=$(grep -c '"level":50\|"level":60' "$WORK/server.log" || true)
if [[ $errors -gt 0 ]]; then
  echo "the server logged $errors error(s):"
  grep '"level":50\|"level":60' "$WORK/server.log" | head -20
  status=1
fi
# shellcheck disable=SC2016 # JavaScript, not shell
[[ -f $WORK/junit.xml ]] && node -e '
  const x = require("fs").readFileSync(process.argv[1], "utf8");
  const n = (k) => (x.match(new RegExp(`<testsuite[^>]* ${k}="(\\d+)"`)) || [0, "?"])[1];
  console.log(`fuzz: ${n("tests")} operations, ${n("failures")} failures, ${n("errors")} errors, ${n("skipped")} skipped`);
' "$WORK/junit.xml"
exit "$status"
