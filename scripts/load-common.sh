# What scripts/load.sh and scripts/write-load.sh share; sourced by them, not run.
# Expects BIN (the release binary), BASE (the server's URL), SERVER_CPU and PG_ADMIN_URL.

say() { printf '\n== %s\n' "$*" >&2; }

SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}
trap stop_server EXIT

# Starts `gongzhi serve` pinned to core $SERVER_CPU and waits until it answers. Refuses when
# something already answers on $BASE: that other server would be measured instead (and the
# daily job's wait below would never see its line).
start_server() { # $1 = log file, $2 = GONGZHI_LOG (default warn)
  if curl -fs "$BASE/livez" >/dev/null 2>&1; then
    echo "something already answers on $BASE (an earlier server?); stop it first" >&2
    exit 1
  fi
  GONGZHI_LOG=${2:-warn} taskset -c "$SERVER_CPU" "$BIN" serve >"$1" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    # Ours must still be running: one that could not bind the port has exited.
    kill -0 "$SERVER_PID" 2>/dev/null || break
    curl -fs "$BASE/livez" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "gongzhi serve did not answer; see $1" >&2
  exit 1
}

# Waits until the server says its record warm-up is done (GONGZHI_RECORD_WARM, on by default: it
# draws every merchant's record after a start, see docs/public-site.md), so that a measurement
# does not share the processor with it; sets WARM_SECONDS to how long the server said it took
# ("off" when GONGZHI_RECORD_WARM=false). The server must log at info for gongzhi::records.
wait_for_warm_up() { # $1 = the server's log
  local line
  WARM_SECONDS=off
  [ "${GONGZHI_RECORD_WARM:-true}" = false ] && return 0
  for _ in $(seq 1 1200); do
    if grep -q "merchant records drawn into the cache" "$1"; then
      # (The log's fields are coloured: the colours are taken out first.)
      line=$(grep 'merchant records drawn' "$1" | tail -1 | sed 's/\x1b\[[0-9;]*m//g')
      WARM_SECONDS=$(echo "$line" | grep -o 'seconds=[0-9.]*' | cut -d= -f2 || true)
      say "record warm-up: $line"
      return 0
    fi
    grep -q "record warm-up stopped" "$1" && { echo "the record warm-up stopped; see $1" >&2; exit 1; }
    sleep 0.5
  done
  echo "the record warm-up did not end within 10 minutes; see $1" >&2
  exit 1
}

# Sets BACKENDS from the script's argument: sqlite, postgres, or both (PostgreSQL when
# PG_ADMIN_URL reaches a server).
choose_backends() { # $1 = sqlite|postgres|both, $2 = the script's name for the usage line
  case $1 in
    sqlite) BACKENDS=(sqlite) ;;
    postgres) BACKENDS=(postgres) ;;
    both)
      BACKENDS=(sqlite)
      if [ -n "$PG_ADMIN_URL" ] && psql "$PG_ADMIN_URL" -Atc "SELECT 1" >/dev/null 2>&1; then
        BACKENDS+=(postgres)
      else
        say "no PostgreSQL at PG_ADMIN_URL: SQLite only"
      fi
      ;;
    *) echo "usage: $2 [sqlite|postgres|both]" >&2; exit 2 ;;
  esac
  for b in "${BACKENDS[@]}"; do
    if [ "$b" = postgres ]; then check_pg_durability; fi
  done
}

# PostgreSQL's figures mean something only with its durability on: .ci/run turns fsync,
# synchronous_commit and full_page_writes off for its throw-away test databases (and turns them
# back on when it ends); a cluster left that way gives figures no deployment would see. Refuses
# to measure such a cluster unless GONGZHI_LOAD_ALLOW_NO_FSYNC=1; prints what it measures with.
check_pg_durability() {
  local settings
  settings=$(psql "$PG_ADMIN_URL" -Atc "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) \
    FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers')")
  say "PostgreSQL: $settings (shared_buffers in 8 kB pages)"
  if echo "$settings" | grep -qE '(fsync|synchronous_commit|full_page_writes)=off'; then
    if [ "${GONGZHI_LOAD_ALLOW_NO_FSYNC:-0}" != 1 ]; then
      echo "PostgreSQL runs without durability ($settings): its figures would not be a deployment's." >&2
      echo "Turn it back on (ALTER SYSTEM RESET fsync; … RESET synchronous_commit; … RESET full_page_writes;" >&2
      echo "SELECT pg_reload_conf()) or set GONGZHI_LOAD_ALLOW_NO_FSYNC=1 to measure anyway." >&2
      exit 1
    fi
  fi
}
