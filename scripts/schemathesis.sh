#!/usr/bin/env bash
# The API against its own OpenAPI document: schemathesis (pinned, from PyPI, in a venv under
# target/) runs every check against a gongzhi server started here on a fresh SQLite database
# with the demo town, once with an inspector's token and once with an administrator's. Any
# failed check fails the script; it prints how many requests were sent.
#
#   scripts/schemathesis.sh            # builds and starts the server itself
#   ST_MAX_EXAMPLES=10 scripts/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ST_VERSION=4.32.5
MAX_EXAMPLES=${ST_MAX_EXAMPLES:-25}
TARGET=${CARGO_TARGET_DIR:-target}
VENV=${ST_VENV:-$TARGET/schemathesis-venv}
WORK=$(mktemp -d /tmp/gongzhi-schemathesis.XXXXXX)
PORT=${ST_PORT:-$((20000 + RANDOM % 20000))}
BASE="http://127.0.0.1:$PORT"

if ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$ST_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$ST_VERSION"
fi

cargo build -q --bin gongzhi
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

GONGZHI_DATABASE_URL="sqlite://$WORK/gongzhi.db" GONGZHI_BIND="127.0.0.1:$PORT" \
  GONGZHI_UPLOAD_DIR="$WORK/uploads" GONGZHI_DEMO=true RUST_LOG=warn \
  "$TARGET/debug/gongzhi" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.5
done
curl -fsS "$BASE/healthz" >/dev/null

token() {
  curl -fsS -X POST "$BASE/api/v1/tokens" -H 'content-type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"gongzhi-demo\", \"name\": \"schemathesis\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
INSPECTOR=$(token inspector)
ADMIN=$(token admin)
# Made now: the run's own POST /api/v1/tokens may use up the log-in throttle of this address.
REVOKER=$(token admin)

status=0
total=0
for who in inspector admin; do
  if [ "$who" = inspector ]; then tok=$INSPECTOR; else tok=$ADMIN; fi
  echo "== schemathesis as $who"
  # DELETE /api/v1/tokens/{id} would revoke the very token the run uses: it runs last, alone.
  "$VENV/bin/st" --config-file scripts/schemathesis.toml run "$BASE/api/v1/openapi.json" \
    --checks all --max-examples "$MAX_EXAMPLES" --seed 17 --workers 1 \
    --exclude-path '/api/v1/tokens/{id}' \
    -H "Authorization: Bearer $tok" \
    --report ndjson --report-ndjson-path "$WORK/$who.ndjson" || status=1
done
echo "== schemathesis: token revocation"
"$VENV/bin/st" --config-file scripts/schemathesis.toml run "$BASE/api/v1/openapi.json" \
  --checks all --max-examples "$MAX_EXAMPLES" --seed 17 --workers 1 \
  --include-path '/api/v1/tokens/{id}' -H "Authorization: Bearer $REVOKER" \
  --report ndjson --report-ndjson-path "$WORK/revoke.ndjson" || status=1

total=$(python3 - "$WORK"/*.ndjson <<'PY'
import json, sys
n = 0
for path in sys.argv[1:]:
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        ev = json.loads(line)
        # Every request schemathesis sent is one interaction of a scenario's recorder.
        for kind, body in ev.items():
            if kind == "ScenarioFinished":
                n += len((body.get("recorder") or {}).get("interactions") or {})
print(n)
PY
)
echo "schemathesis sent $total requests"
if [ "$status" -ne 0 ]; then
  echo "schemathesis found failures (server log: below)"
  tail -n 50 "$WORK/server.log"
fi
exit "$status"
