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

# Starts `gongzhi serve` pinned to core $SERVER_CPU and waits until it answers.
start_server() { # $1 = log file, $2 = GONGZHI_LOG (default warn)
  GONGZHI_LOG=${2:-warn} taskset -c "$SERVER_CPU" "$BIN" serve >"$1" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    curl -fs "$BASE/livez" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "gongzhi serve did not answer; see $1" >&2
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
}
