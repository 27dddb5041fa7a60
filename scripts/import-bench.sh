#!/usr/bin/env bash
# Times `gongzhi import lives` of a 1,000,000-row synthetic feed on SQLite and PostgreSQL:
# median of three runs, a fresh database each run, release build (issue 17).
#
# Usage: scripts/import-bench.sh [ROWS]
#   PG_ADMIN_URL  (default postgres://gongzhi_ci:gongzhi_ci@127.0.0.1:5432/gongzhi_ci): a role that may
#                 create databases; set PG_ADMIN_URL= (empty) to skip PostgreSQL.
#   SQLITE=0      skip SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-${1:-1000000}}
PG_ADMIN_URL=${PG_ADMIN_URL-postgres://gongzhi_ci:gongzhi_ci@127.0.0.1:5432/gongzhi_ci}
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release --bin gongzhi
BIN="$TARGET/release/gongzhi"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FEED="$WORK/feed"
python3 scripts/make-lives-feed.py "$FEED" "$ROWS"

median() { sort -n | sed -n 2p; }

run() { # $1 = database URL; prints seconds
    local t0 t1
    GONGZHI_DATABASE_URL="$1" GONGZHI_DEMO=false GONGZHI_LOG=error "$BIN" migrate >/dev/null
    t0=$(date +%s.%N)
    GONGZHI_DATABASE_URL="$1" GONGZHI_DEMO=false GONGZHI_LOG=error "$BIN" import lives "$FEED" >"$WORK/out" 2>"$WORK/err"
    t1=$(date +%s.%N)
    GONGZHI_DATABASE_URL="$1" GONGZHI_DEMO=false GONGZHI_LOG=error "$BIN" audit verify >>"$WORK/out"
    echo "$t1 - $t0" | bc
}

if [ "${SQLITE:-1}" != 0 ]; then
    echo "== SQLite ($ROWS rows)"
    times=()
    for i in 1 2 3; do
        rm -f "$WORK/bench.db"*
        t=$(run "sqlite://$WORK/bench.db")
        echo "run $i: ${t}s"; times+=("$t")
    done
    tail -2 "$WORK/out"
    echo "SQLite median: $(printf '%s\n' "${times[@]}" | median)s"
fi

if [ -n "$PG_ADMIN_URL" ]; then
    echo "== PostgreSQL ($ROWS rows)"
    times=()
    base=${PG_ADMIN_URL%/*}
    for i in 1 2 3; do
        psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS gongzhi_import_bench" -c "CREATE DATABASE gongzhi_import_bench" >/dev/null
        t=$(run "$base/gongzhi_import_bench")
        echo "run $i: ${t}s"; times+=("$t")
    done
    tail -2 "$WORK/out"
    echo "PostgreSQL median: $(printf '%s\n' "${times[@]}" | median)s"
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS gongzhi_import_bench" >/dev/null
fi
