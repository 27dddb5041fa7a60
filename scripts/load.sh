#!/usr/bin/env bash
# Load benchmark of the public site (issue 6; results in docs/performance.md).
#
# Builds the release binary, makes (or reuses) a SQLite database with 100,000 merchants — the one
# `cargo bench --bench recompute` builds, kept at $GONGZHI_BENCH_DB — rates them and publishes an
# edition, then for each route starts `gongzhi serve`, warms it up and runs
# `wrk -t2 -c64 -d15s --latency`, beside the static baseline /livez (no database, no template)
# and /healthz (one `SELECT 1` through the pools) measured the same way.
# Prints requests/s, p99 latency and the ratio to each baseline for each route.
#
# wrk and the server share the machine: on 2 cores they compete for them, so the figures are a
# lower bound and the ratios are what to compare.
#
#   scripts/load.sh                       # defaults below
#   GONGZHI_LOAD_DURATION=30s scripts/load.sh
#   GONGZHI_BENCH_DB=/tmp/big.db scripts/load.sh   # reuse (or create) the database there
#   GONGZHI_PUBLIC_RECHECK_MS=0 scripts/load.sh     # public pages ask the database on every request
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=${CARGO_TARGET_DIR:-$PWD/target}
DB=${GONGZHI_BENCH_DB:-$TARGET/load/bench.db}
PORT=${GONGZHI_LOAD_PORT:-18089}
DURATION=${GONGZHI_LOAD_DURATION:-15s}
THREADS=${GONGZHI_LOAD_THREADS:-2}
CONNECTIONS=${GONGZHI_LOAD_CONNECTIONS:-64}
# The benchmark database's data is dated around this day (benches/recompute.rs).
AS_OF=2026-12-01
BASE="http://127.0.0.1:$PORT"

say() { printf '\n== %s\n' "$*" >&2; }

if ! command -v wrk >/dev/null 2>&1; then
  say "installing wrk"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
fi
command -v curl >/dev/null 2>&1 || { echo "curl is needed" >&2; exit 1; }

say "cargo build --release"
cargo build --release --bin gongzhi
BIN="$TARGET/release/gongzhi"

mkdir -p "$(dirname "$DB")"
if [ ! -s "$DB" ]; then
  say "creating $DB: 100,000 merchants (cargo bench --bench recompute, a few minutes)"
  GONGZHI_BENCH_DB="$DB" cargo bench --bench recompute
else
  say "reusing $DB"
fi

export GONGZHI_DATABASE_URL="sqlite://$DB"
export GONGZHI_DEMO=false
export GONGZHI_BIND="127.0.0.1:$PORT"
export GONGZHI_BASE_URL="$BASE"
export RUST_LOG=${RUST_LOG:-warn}

if "$BIN" edition list 2>/dev/null | grep -q '第'; then
  say "the database already has a published edition"
else
  say "gongzhi recompute && gongzhi edition publish (as of $AS_OF)"
  "$BIN" recompute --as-of "$AS_OF"
  "$BIN" edition publish --as-of "$AS_OF" --note "load benchmark"
fi

SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}
trap stop_server EXIT

# One server per route: each run is well under the minute after which `serve` starts its daily
# recompute, so no recompute of 100,000 merchants runs during a measurement.
start_server() {
  "$BIN" serve >"$TARGET/load/serve.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fs "$BASE/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "gongzhi serve did not answer; see $TARGET/load/serve.log" >&2
  exit 1
}

start_server
# (awk reads to the end: with pipefail, `head` closing the pipe early would fail the script.)
MERCHANT=$(curl -fs "$BASE/api/v1/public/lists/black" | grep -o '"id":[0-9]*' | awk -F: 'NR == 1 { print $2 }')
[ -n "$MERCHANT" ] || { echo "no black-listed merchant found" >&2; exit 1; }
RECORD_BYTES=$(curl -fs "$BASE/merchants/$MERCHANT" | wc -c)
LIST_BYTES=$(curl -fs "$BASE/lists/red" | wc -c)
stop_server

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# Each run: a name, then the route. "gzip" runs send the Accept-Encoding of a browser; the
# baselines are measured without it (a static route with nothing to compress).
# The search looks for 商户4956: the benchmark's merchants are named 商户N, so 11 of the 100,000
# match (4956 and 49560–49569), found by scanning all of them.
SEARCH="/search?q=%E5%95%86%E6%88%B74956"
RUNS=("/livez" "/healthz" "/lists/red" "/lists/black" "/merchants/$MERCHANT" "$SEARCH"
      "gzip /lists/red" "gzip /lists/black" "gzip /merchants/$MERCHANT")
BROWSER_ENCODING="Accept-Encoding: gzip, deflate, br, zstd"
declare -A RPS P99

# wrk's "99%" line is e.g. "99%   12.34ms" or "99%  1.02s": print it in milliseconds.
to_ms() {
  awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v/=1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) }
         else if (v ~ /s$/) { sub(/s$/,"",v); v*=1000 } printf "%.2f", v }'
}

for run in "${RUNS[@]}"; do
  route=${run#gzip }
  headers=()
  [ "$route" != "$run" ] && headers=(-H "$BROWSER_ENCODING")
  start_server
  say "$run: warm-up 3 s, then wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency ${headers[*]}"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "${headers[@]}" "$BASE$route" >/dev/null
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${headers[@]}" "$BASE$route")
  echo "$out" >&2
  if echo "$out" | grep -q "Non-2xx"; then
    echo "$run answered errors under load" >&2
    exit 1
  fi
  RPS[$run]=$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')
  P99[$run]=$(echo "$out" | awk '$1 == "99%" { print $2 }' | to_ms)
  stop_server
done

base=${RPS[/livez]}
db_base=${RPS[/healthz]}
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GB", $2/1048576 }' /proc/meminfo), $(uname -sr); load average before the runs: $LOAD_BEFORE"
echo "database: $DB ($(du -h "$DB" | cut -f1)); merchant $MERCHANT (record $RECORD_BYTES bytes); /lists/red page 1 is $LIST_BYTES bytes"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, one fresh server per route, after a 3 s warm-up; GONGZHI_PUBLIC_RECHECK_MS=${GONGZHI_PUBLIC_RECHECK_MS:-1000 (default)}"
echo "gzip = with a browser's '$BROWSER_ENCODING'"
printf '%-24s %12s %10s %10s %12s\n' "route" "requests/s" "p99 ms" "of /livez" "of /healthz"
for run in "${RUNS[@]}"; do
  ratio=$(awk -v a="${RPS[$run]}" -v b="$base" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  db_ratio=$(awk -v a="${RPS[$run]}" -v b="$db_base" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  printf '%-24s %12s %10s %10s %12s\n' "$run" "${RPS[$run]}" "${P99[$run]}" "$ratio" "$db_ratio"
done
