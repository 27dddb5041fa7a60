#!/usr/bin/env bash
# Load benchmark of the public site (issue 18; results in docs/performance.md).
#
#   scripts/load.sh                 # SQLite, then PostgreSQL (when PG_ADMIN_URL reaches a server)
#   scripts/load.sh sqlite          # one backend only
#   scripts/load.sh postgres
#
# For each backend it makes (or reuses) a database of 100,000 merchants with `cargo bench --bench
# recompute` (1,000,000 inspections), rates them, publishes an edition and lets the daily job run
# once, so no recompute starts during a measurement. Then, three times: a fresh `gongzhi serve`
# pinned to core 0 (`taskset`), and for each route, with no warm-up, `wrk` pinned to core 1 for
# $GONGZHI_LOAD_DURATION at 64 connections. The table gives each route's median of the three runs
# (requests/s, p99) and its share of the static baseline `/livez` measured in the same runs.
#
# Routes (wrk's Lua scripts are written to target/load/):
#   /livez                static answer: no database, no template (the baseline)
#   /lists/red, /lists/black    the list pages, first page, measured from a cold cache
#   records uniform       /merchants/{id}, id uniform over all merchants: mostly never seen before
#   records Zipf          /merchants/{id}, Zipf-distributed (s = 1): a few popular, most rare
#   /api/v1/public/lists/black  JSON, pages spread uniformly over the list's pages
#   search                /search?q=商户{n}, n uniform over all merchants
#
# Settings (environment):
#   GONGZHI_LOAD_DURATION=10s  GONGZHI_LOAD_CONNECTIONS=64  GONGZHI_LOAD_RUNS=3  GONGZHI_LOAD_PORT=18089
#   GONGZHI_LOAD_ACCEPT_ENCODING="gzip, deflate, br, zstd"
#                the Accept-Encoding every request sends, as a browser's does (Chromium's); set it
#                empty to send none, as wrk does by itself (the method of the sessions before the
#                twelfth: every page went out uncompressed, which no browser asks for)
#   GONGZHI_BENCH_MERCHANTS=100000
#   GONGZHI_BENCH_DB=target/load/bench.db           the SQLite database (reused when there)
#   PG_ADMIN_URL=postgres://gongzhi_ci:gongzhi_ci@127.0.0.1:5432/gongzhi_ci
#                a role that may create databases; the benchmark's is gongzhi_load (reused when there)
#   GONGZHI_LOAD_ALLOW_NO_FSYNC=1
#                measure a PostgreSQL cluster that runs without fsync, synchronous_commit or
#                full_page_writes (refused otherwise: no deployment runs so; .ci/run does while it runs)
#   GONGZHI_PUBLIC_RECHECK_MS, GONGZHI_RECORD_CACHE_MB, GONGZHI_SQLITE_MMAP_MB   passed to the server as they are
set -euo pipefail
cd "$(dirname "$0")/.."

WHICH=${1:-both}
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
LOAD_DIR="$TARGET/load"
SQLITE_DB=${GONGZHI_BENCH_DB:-$LOAD_DIR/bench.db}
PG_ADMIN_URL=${PG_ADMIN_URL-postgres://gongzhi_ci:gongzhi_ci@127.0.0.1:5432/gongzhi_ci}
PG_URL="${PG_ADMIN_URL%/*}/gongzhi_load"
PORT=${GONGZHI_LOAD_PORT:-18089}
DURATION=${GONGZHI_LOAD_DURATION:-10s}
CONNECTIONS=${GONGZHI_LOAD_CONNECTIONS:-64}
RUNS=${GONGZHI_LOAD_RUNS:-3}
ACCEPT_ENCODING=${GONGZHI_LOAD_ACCEPT_ENCODING-gzip, deflate, br, zstd}
WRK_HEADERS=()
[ -n "$ACCEPT_ENCODING" ] && WRK_HEADERS=(-H "Accept-Encoding: $ACCEPT_ENCODING")
MERCHANTS=${GONGZHI_BENCH_MERCHANTS:-100000}
# The benchmark database's data is dated around this day (benches/recompute.rs).
AS_OF=2026-12-01
BASE="http://127.0.0.1:$PORT"
SERVER_CPU=0
WRK_CPU=1

# shellcheck source=scripts/load-common.sh
. scripts/load-common.sh

if ! command -v wrk >/dev/null 2>&1; then
  say "installing wrk"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
fi
for tool in curl taskset; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is needed" >&2; exit 1; }
done
[ "$(nproc)" -ge 2 ] || { echo "two cores are needed: one for the server, one for wrk" >&2; exit 1; }

say "cargo build --release"
cargo build --release --bin gongzhi
BIN="$TARGET/release/gongzhi"
mkdir -p "$LOAD_DIR"

# --- wrk's Lua scripts -------------------------------------------------------------------------
# Uniform: every merchant equally likely.
cat >"$LOAD_DIR/records-uniform.lua" <<EOF
local n = $MERCHANTS
math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
request = function()
  return wrk.format("GET", "/merchants/" .. math.random(1, n))
end
EOF
# Zipf (s = 1): the merchant of popularity rank r is asked for in proportion to 1/r. The ranks
# are drawn by inverting the cumulative weights (a table of n sums, a binary search a request);
# rank r is merchant ((r * 7919) mod n) + 1, so the popular ones are spread over the ids.
cat >"$LOAD_DIR/records-zipf.lua" <<EOF
local n = $MERCHANTS
local cdf = {}
math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
init = function(args)
  local sum = 0
  for r = 1, n do sum = sum + 1 / r; cdf[r] = sum end
  for r = 1, n do cdf[r] = cdf[r] / sum end
end
request = function()
  local u = math.random()
  local lo, hi = 1, n
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return wrk.format("GET", "/merchants/" .. ((lo * 7919) % n + 1))
end
EOF
# The search: one merchant's number, uniform over all of them (商户N matches N and N0–N9).
cat >"$LOAD_DIR/search.lua" <<EOF
local n = $MERCHANTS
math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
request = function()
  return wrk.format("GET", "/search?q=%E5%95%86%E6%88%B7" .. math.random(1, n))
end
EOF

# --- databases ---------------------------------------------------------------------------------
prepare() { # $1 = backend; exports GONGZHI_DATABASE_URL
  case $1 in
    sqlite)
      export GONGZHI_DATABASE_URL="sqlite://$SQLITE_DB"
      if [ ! -s "$SQLITE_DB" ]; then
        say "creating $SQLITE_DB: $MERCHANTS merchants (cargo bench --bench recompute, a few minutes)"
        GONGZHI_BENCH_DB="$SQLITE_DB" GONGZHI_BENCH_MERCHANTS="$MERCHANTS" cargo bench --bench recompute
      fi
      ;;
    postgres)
      export GONGZHI_DATABASE_URL="$PG_URL"
      if ! psql "$PG_URL" -Atc "SELECT count(*) FROM merchants" 2>/dev/null | grep -qx "$MERCHANTS"; then
        say "creating the PostgreSQL database gongzhi_load: $MERCHANTS merchants (a few minutes)"
        psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS gongzhi_load" -c "CREATE DATABASE gongzhi_load" >/dev/null
        GONGZHI_BENCH_URL="$PG_URL" GONGZHI_BENCH_MERCHANTS="$MERCHANTS" cargo bench --bench recompute
      fi
      ;;
  esac
  if "$BIN" edition list 2>/dev/null | grep -q '第'; then
    say "$1: the database already has a published edition"
  else
    say "$1: gongzhi recompute && gongzhi edition publish (as of $AS_OF)"
    "$BIN" recompute --as-of "$AS_OF"
    "$BIN" edition publish --as-of "$AS_OF" --note "load benchmark"
  fi
  # Let the daily job run now (it runs once a day, at once on a server's start when today has no
  # run), so that it never runs during a measurement.
  say "$1: letting the daily job run once"
  start_server "$LOAD_DIR/serve.log" "warn,gongzhi::services::daily=debug"
  for _ in $(seq 1 600); do
    grep -qE "daily job (done|failed)|daily job: (next run|another server)" "$LOAD_DIR/serve.log" && break
    sleep 1
  done
  grep -qE "daily job (done|failed)|daily job: (next run|another server)" "$LOAD_DIR/serve.log" \
    || { echo "the daily job did not run; see $LOAD_DIR/serve.log" >&2; exit 1; }
  # The JSON list's pages: requests are spread uniformly over all of them.
  local total
  total=$(curl -fs "$BASE/api/v1/public/lists/black" | grep -o '"total":[0-9]*' | cut -d: -f2)
  [ -n "$total" ] && [ "$total" -gt 0 ] || { echo "the black list is empty" >&2; exit 1; }
  cat >"$LOAD_DIR/api-black.lua" <<EOF
math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
request = function()
  return wrk.format("GET", "/api/v1/public/lists/black?page=" .. math.random(1, $(( (total + 99) / 100 ))))
end
EOF
  stop_server
}

export GONGZHI_DEMO=false
export GONGZHI_BIND="127.0.0.1:$PORT"
export GONGZHI_BASE_URL="$BASE"

# wrk's "99%" line is e.g. "99%   12.34ms" or "99%  1.02s": print it in milliseconds.
to_ms() {
  awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v/=1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) }
         else if (v ~ /s$/) { sub(/s$/,"",v); v*=1000 } printf "%.2f", v }'
}
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# The routes: a name, then wrk's arguments after the options.
NAMES=("/livez" "/lists/red" "/lists/black" "records uniform" "records Zipf" "API black list" "search")
route_args() {
  case $1 in
    "records uniform") echo "-s $LOAD_DIR/records-uniform.lua $BASE/" ;;
    "records Zipf") echo "-s $LOAD_DIR/records-zipf.lua $BASE/" ;;
    "API black list") echo "-s $LOAD_DIR/api-black.lua $BASE/" ;;
    search) echo "-s $LOAD_DIR/search.lua $BASE/" ;;
    *) echo "$BASE$1" ;;
  esac
}

measure() { # $1 = backend
  local backend=$1 run name out rps p99 errors
  declare -gA RPS P99 ERR WARM
  for run in $(seq 1 "$RUNS"); do
    # A fresh server: the list pages' first requests are measured. It draws every merchant's
    # record into its cache after it starts (GONGZHI_RECORD_WARM, on by default, as `gongzhi
    # serve` runs): the routes are measured once it says it is done, how long it took is printed.
    start_server "$LOAD_DIR/serve.log" "warn,gongzhi::records=info"
    wait_for_warm_up "$LOAD_DIR/serve.log"
    WARM["$backend"]+="$WARM_SECONDS "
    for name in "${NAMES[@]}"; do
      say "$backend run $run: $name — wrk -t1 -c$CONNECTIONS -d$DURATION on core $WRK_CPU, server on core $SERVER_CPU"
      # shellcheck disable=SC2046
      out=$(taskset -c "$WRK_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "${WRK_HEADERS[@]}" $(route_args "$name"))
      echo "$out" >&2
      rps=$(echo "$out" | awk '/^Requests\/sec:/ { print $2 }')
      p99=$(echo "$out" | awk '$1 == "99%" { print $2 }' | to_ms)
      errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ { print }' | tr '\n' ' ')
      RPS["$backend|$name"]+="$rps "
      P99["$backend|$name"]+="$p99 "
      [ -n "$errors" ] && ERR["$backend|$name"]+="run $run: $errors; "
    done
    stop_server
  done
}

choose_backends "$WHICH" scripts/load.sh

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for backend in "${BACKENDS[@]}"; do
  prepare "$backend"
  measure "$backend"
done

echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GB", $2/1048576 }' /proc/meminfo), $(uname -sr); load average before: $LOAD_BEFORE"
echo "$MERCHANTS merchants; server on core $SERVER_CPU, wrk -t1 -c$CONNECTIONS -d$DURATION --latency on core $WRK_CPU, no warm-up by wrk;"
echo "Accept-Encoding: ${ACCEPT_ENCODING:-(none sent)}"
echo "median of $RUNS runs, each on a fresh server; GONGZHI_PUBLIC_RECHECK_MS=${GONGZHI_PUBLIC_RECHECK_MS:-1000}, GONGZHI_RECORD_CACHE_MB=${GONGZHI_RECORD_CACHE_MB:-512}, GONGZHI_RECORD_WARM=${GONGZHI_RECORD_WARM:-true}, GONGZHI_SQLITE_MMAP_MB=${GONGZHI_SQLITE_MMAP_MB:-1024}"
for backend in "${BACKENDS[@]}"; do
  base=$(echo "${RPS[$backend|/livez]}" | tr ' ' '\n' | grep . | median)
  echo
  echo "$backend: the server's record warm-up took (s): ${WARM[$backend]}"
  printf '%-10s %-18s %12s %10s %10s   %s\n' "$backend" "route" "requests/s" "of /livez" "p99 ms" "runs (req/s/p99 ms)"
  for name in "${NAMES[@]}"; do
    r=$(echo "${RPS[$backend|$name]}" | tr ' ' '\n' | grep . | median)
    p=$(echo "${P99[$backend|$name]}" | tr ' ' '\n' | grep . | median)
    share=$(awk -v a="$r" -v b="$base" 'BEGIN { printf "%.1f%%", 100 * a / b }')
    runs=$(paste -d/ <(echo "${RPS[$backend|$name]}" | tr ' ' '\n' | grep .) <(echo "${P99[$backend|$name]}" | tr ' ' '\n' | grep .) | tr '\n' ' ')
    printf '%-10s %-18s %12s %10s %10s   %s\n' "" "$name" "$r" "$share" "$p" "$runs"
    [ -n "${ERR[$backend|$name]:-}" ] && echo "           errors: ${ERR[$backend|$name]}"
  done
done
failed=0
for k in "${!ERR[@]}"; do failed=1; done
exit $failed
