# Sourced by every CLI test: a fresh scratch dir and a few assertions.
# Not a test itself (CMake only runs tests/cli/*.sh that are not lib.sh).
set -u
: "${SAMPLEVEC:?}" "${SRC_DIR:?}" "${WORK:?}"
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
fails=0
passes=0
pass() { passes=$((passes + 1)); }
fail() { fails=$((fails + 1)); echo "FAIL: $*" >&2; }
# expect_exit CODE CMD... : runs CMD, stdout → out.txt, stderr → err.txt, checks the exit code.
expect_exit() {
  local want=$1; shift
  "$@" >out.txt 2>err.txt
  local got=$?
  if [ "$got" -eq "$want" ]; then pass; else fail "exit $got, want $want: $*"; sed 's/^/  stderr: /' err.txt >&2; fi
}
# expect_grep FILE PATTERN : FILE contains PATTERN (grep -E).
expect_grep() { if grep -qE -- "$2" "$1"; then pass; else fail "$1 lacks /$2/"; sed 's/^/  /' "$1" | head -20 >&2; fi; }
expect_no_grep() { if grep -qE -- "$2" "$1"; then fail "$1 has /$2/"; else pass; fi; }
expect_eq() { if [ "$1" = "$2" ]; then pass; else fail "${3:-values differ}: got '$1', want '$2'"; fi; }
finish() { echo "$passes passed, $fails failed"; [ "$fails" -eq 0 ]; exit $?; }
# start_serve LOGFILE ARGS... : starts `samplevec serve --port 0 ARGS` in the background; sets
# serve_pid and url (http://127.0.0.1:PORT), or fails the test and finishes.
start_serve() {
  local log=$1; shift
  "$SAMPLEVEC" serve --port 0 "$@" 2>"$log" &
  serve_pid=$!
  local port= i
  for i in $(seq 300); do
    port=$(sed -n 's|.*on http://[0-9.]*:\([0-9]*\)/.*|\1|p' "$log")
    [ -n "$port" ] && break
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then fail "server did not start"; cat "$log" >&2; kill "$serve_pid" 2>/dev/null; finish; fi
  url="http://127.0.0.1:$port"
  serve_port=$port
}
