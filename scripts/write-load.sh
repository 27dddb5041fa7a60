#!/usr/bin/env bash
# Writes under load (issue 18, item 4; results in docs/performance.md): 16 inspectors log
# inspections with a violation through the API at once for 60 s, on a copy of the load
# benchmark's database (100,000 merchants; scripts/load.sh makes it, and runs the day's daily job
# on it), then checks that no request failed, that every rating was recomputed as its inspection
# was logged (a full `gongzhi recompute` afterwards changes none) and that the audit chain verifies.
#
#   scripts/write-load.sh                 # SQLite, then PostgreSQL (when PG_ADMIN_URL reaches a server)
#   scripts/write-load.sh sqlite|postgres
#
# Settings: GONGZHI_WRITE_DURATION=60s GONGZHI_WRITERS=16 GONGZHI_LOAD_PORT=18089, and
# GONGZHI_BENCH_DB / PG_ADMIN_URL / GONGZHI_BENCH_MERCHANTS / GONGZHI_LOAD_ALLOW_NO_FSYNC as for
# scripts/load.sh.
# The server runs on core 0 and wrk (one connection per inspector) on core 1.
set -euo pipefail
cd "$(dirname "$0")/.."

WHICH=${1:-both}
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
LOAD_DIR="$TARGET/load"
SQLITE_DB=${GONGZHI_BENCH_DB:-$LOAD_DIR/bench.db}
PG_ADMIN_URL=${PG_ADMIN_URL-postgres://gongzhi_ci:gongzhi_ci@127.0.0.1:5432/gongzhi_ci}
PORT=${GONGZHI_LOAD_PORT:-18089}
DURATION=${GONGZHI_WRITE_DURATION:-60s}
WRITERS=${GONGZHI_WRITERS:-16}
MERCHANTS=${GONGZHI_BENCH_MERCHANTS:-100000}
BASE="http://127.0.0.1:$PORT"

SERVER_CPU=0
# shellcheck source=scripts/load-common.sh
. scripts/load-common.sh
command -v wrk >/dev/null 2>&1 || { echo "wrk is needed (scripts/load.sh installs it)" >&2; exit 1; }

cargo build --release --bin gongzhi
BIN="$TARGET/release/gongzhi"
mkdir -p "$LOAD_DIR"
export GONGZHI_DEMO=false GONGZHI_BIND="127.0.0.1:$PORT" GONGZHI_BASE_URL="$BASE"

sql() { # $1 = backend, $2 = query; prints the answer
  case $1 in
    sqlite) python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$LOAD_DIR/writes.db" "$2" ;;
    postgres) psql "$GONGZHI_DATABASE_URL" -Atc "$2" ;;
  esac
}

run() { # $1 = backend
  local backend=$1
  case $backend in
    sqlite)
      [ -s "$SQLITE_DB" ] || { echo "no $SQLITE_DB: run scripts/load.sh sqlite first" >&2; exit 1; }
      rm -f "$LOAD_DIR/writes.db"*
      python3 -c 'import sqlite3,sys; s=sqlite3.connect(sys.argv[1]); d=sqlite3.connect(sys.argv[2]); s.backup(d)' "$SQLITE_DB" "$LOAD_DIR/writes.db"
      export GONGZHI_DATABASE_URL="sqlite://$LOAD_DIR/writes.db"
      ;;
    postgres)
      psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS gongzhi_writes" \
        -c "CREATE DATABASE gongzhi_writes TEMPLATE gongzhi_load" >/dev/null \
        || { echo "no gongzhi_load database: run scripts/load.sh postgres first" >&2; exit 1; }
      export GONGZHI_DATABASE_URL="${PG_ADMIN_URL%/*}/gongzhi_writes"
      ;;
  esac
  say "$backend: $WRITERS inspectors"
  for i in $(seq -w 1 "$WRITERS"); do
    echo "Tq8vLm3pZ-$i" | "$BIN" user add --role inspector --username "load-inspector-$i" >/dev/null \
      || { echo "could not add the inspector load-inspector-$i" >&2; return 1; }
  done
  start_server "$LOAD_DIR/serve-writes.log" "warn,gongzhi::records=info"
  wait_for_warm_up "$LOAD_DIR/serve-writes.log"
  local tokens=() started today
  for i in $(seq -w 1 "$WRITERS"); do
    tokens+=("$(curl -fs "$BASE/api/v1/tokens" -H 'Content-Type: application/json' \
      -d "{\"username\": \"load-inspector-$i\", \"password\": \"Tq8vLm3pZ-$i\", \"name\": \"load\"}" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')")
    [ -n "${tokens[-1]}" ] || { echo "no token for load-inspector-$i" >&2; return 1; }
  done
  today=$(TZ=${GONGZHI_TIME_ZONE:-Asia/Shanghai} date +%F)
  started=$(date -u '+%Y-%m-%d %H:%M:%S')
  # Each request: the next inspector's token, a merchant at random, a deduction and a violation.
  {
    echo "local tokens = {"
    printf '  "%s",\n' "${tokens[@]}"
    echo "}"
    cat <<EOF
local n, i, threads = $MERCHANTS, 0, {}
-- A global: each wrk thread has its own Lua state, and done() reads each thread's through its handle.
failed = {}
math.randomseed(os.time())
setup = function(thread) table.insert(threads, thread) end
request = function()
  i = i + 1
  local body = '{"merchant_id": ' .. math.random(1, n) .. ', "inspected_on": "$today", "kind": "routine", ' ..
    '"deductions": [{"code": "C03", "points": 2}], "violations": [{"code": "V201", "severity": "minor", ' ..
    '"description": "load test", "legal_basis": "", "fine_fen": 0}], "notes": "", "confirm_same_day": true}'
  return wrk.format("POST", "/api/v1/inspections",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1]}, body)
end
response = function(status, headers, body)
  if status ~= 201 then failed[status] = (failed[status] or 0) + 1 end
end
done = function(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for s, c in pairs(thread:get("failed")) do io.write(string.format("status %d: %d requests\n", s, c)) end
  end
end
EOF
  } >"$LOAD_DIR/writes.lua"
  say "$backend: wrk -t1 -c$WRITERS -d$DURATION POST /api/v1/inspections"
  local out sampler= waits=
  if [ "$backend" = postgres ]; then
    # What the one write lock costs: twice a second, how many of the server's connections are
    # waiting for it (an advisory lock) and how many are running a statement.
    while :; do
      psql "$GONGZHI_DATABASE_URL" -Atc "SELECT count(*) FILTER (WHERE wait_event = 'advisory') || ' ' || \
        count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity \
        WHERE datname = current_database() AND pid <> pg_backend_pid()" 2>/dev/null || true
      sleep 0.5
    done >"$LOAD_DIR/lock-samples.txt" &
    sampler=$!
  fi
  out=$(taskset -c 1 wrk -t1 -c"$WRITERS" -d"$DURATION" --latency -s "$LOAD_DIR/writes.lua" "$BASE/")
  echo "$out" >&2
  if [ -n "$sampler" ]; then
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    waits=$(awk '{ w += $1; a += $2; n++ } END { if (n) printf "; connections waiting for the write lock: %.1f on average, of %.1f busy (%d samples)", w / n, a / n, n }' "$LOAD_DIR/lock-samples.txt")
  fi
  stop_server
  local logged stale verify
  logged=$(sql "$backend" "SELECT COUNT(*) FROM inspections WHERE created_at >= '$started'")
  # Every rating was recomputed when its inspection was logged: a full recompute now (same day,
  # after the daily job) finds nothing to change.
  stale=$("$BIN" recompute 2>&1 | grep -o '[0-9]* changed' | cut -d' ' -f1)
  verify=$("$BIN" audit verify 2>&1 | tail -1)
  RESULT[$backend]="$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }') req/s; p50 $(echo "$out" | awk '$1 == "50%" { print $2 }'), p99 $(echo "$out" | awk '$1 == "99%" { print $2 }'); $(echo "$out" | awk '/requests in/ { print $1 }') requests, $logged inspections logged; failed: $(echo "$out" | grep -E '^status|Non-2xx|Socket errors' | tr '\n' ' ' || true); ratings a full recompute changed afterwards: $stale; $verify$waits"
  [ "$stale" = 0 ] && ! echo "$out" | grep -qE '^status|Non-2xx|Socket errors' && echo "$verify" | grep -q intact
}

declare -A RESULT
choose_backends "$WHICH" scripts/write-load.sh
ok=0
for b in "${BACKENDS[@]}"; do run "$b" || ok=1; done
echo
echo "$WRITERS inspectors, wrk -t1 -c$WRITERS -d$DURATION on core 1, server on core 0, $MERCHANTS merchants"
for b in "${BACKENDS[@]}"; do echo "$b: ${RESULT[$b]}"; done
exit $ok
