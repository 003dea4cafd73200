# Sourced by CLI tests and bench/remote.sh: start/stop tests/fake_openai/server.js on a free
# loopback port. Needs $SRC_DIR and a scratch dir ($WORK, or the current directory).
# fake_start ARGS... : starts it (ARGS are server options); sets FAKE_PID, FAKE_PORT, FAKE_URL.
# fake_stop          : stops the last one started (also run on exit).
# fake_stats FIELD   : a number from GET /__stats.
fake_start() {
  local dir=${WORK:-$PWD} pf
  pf="$dir/fake.port.$$.$RANDOM"
  rm -f "$pf"
  node "$SRC_DIR/tests/fake_openai/server.js" --port 0 --port-file "$pf" "$@" >"$dir/fake.out" 2>&1 &
  FAKE_PID=$!
  local i
  for i in $(seq 200); do
    [ -s "$pf" ] && break
    kill -0 "$FAKE_PID" 2>/dev/null || break
    sleep 0.05
  done
  if [ ! -s "$pf" ]; then
    echo "fake_openai did not start:" >&2
    cat "$dir/fake.out" >&2
    return 1
  fi
  FAKE_PORT=$(cat "$pf")
  rm -f "$pf"
  FAKE_URL="http://127.0.0.1:$FAKE_PORT/v1"
}
fake_stop() {
  if [ -n "${FAKE_PID:-}" ]; then
    kill "$FAKE_PID" 2>/dev/null
    wait "$FAKE_PID" 2>/dev/null
    FAKE_PID=
  fi
}
fake_stats() {
  curl -s "http://127.0.0.1:$FAKE_PORT/__stats" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const v=JSON.parse(s)['$1'];console.log(typeof v==='object'?JSON.stringify(v):v)})"
}
trap fake_stop EXIT
