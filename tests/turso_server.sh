# Sourced by the Turso CLI tests and bench/turso.sh: a real `tursodb --sync-server` on a free
# loopback port, stopped on exit. Needs scripts/test-deps.sh (build/npm/tursodb).
#   turso_start DB      starts it (sets TURSO_PORT, TURSO_URL, TURSO_PID), waits until it answers
#   turso_stop          kill -9, waits
#   turso_restart DB    the same port again (after turso_stop)
# A port taken between the check and the bind is retried with another.
TURSODB=${TURSODB:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/npm/tursodb}
TURSO_PID=
TURSO_PORT=
turso_require() {
  if [ ! -x "$TURSODB" ]; then
    echo "no tursodb at $TURSODB: run scripts/test-deps.sh (make test-deps)" >&2
    return 1
  fi
}
_turso_port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
_turso_wait() {
  local i
  for i in $(seq 1 200); do
    _turso_port_busy "$TURSO_PORT" && return 0
    kill -0 "$TURSO_PID" 2>/dev/null || return 1
    sleep 0.025
  done
  return 1
}
_turso_launch() { # DB
  "$TURSODB" --sync-server "127.0.0.1:$TURSO_PORT" "$1" >>"${TURSO_LOG:-/dev/null}" 2>&1 &
  TURSO_PID=$!
}
turso_start() { # DB
  turso_require || return 1
  local try
  for try in 1 2 3 4 5; do
    TURSO_PORT=$(( (RANDOM << 1 | RANDOM & 1) % 20000 + 30000 ))
    _turso_port_busy "$TURSO_PORT" && continue
    _turso_launch "$1"
    if _turso_wait; then
      TURSO_URL="http://127.0.0.1:$TURSO_PORT"
      return 0
    fi
    turso_stop
  done
  echo "tursodb did not start" >&2
  return 1
}
turso_restart() { # DB: same port
  _turso_launch "$1"
  _turso_wait
}
turso_stop() {
  if [ -n "$TURSO_PID" ]; then
    kill -9 "$TURSO_PID" 2>/dev/null
    wait "$TURSO_PID" 2>/dev/null || true
    TURSO_PID=
  fi
}
trap turso_stop EXIT
