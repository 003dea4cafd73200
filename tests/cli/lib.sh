# Sourced by every CLI test: a fresh scratch dir and a few assertions.
# Not a test itself (CMake only runs tests/cli/*.sh that are not lib.sh).
set -u
: "${SAMPLEVEC:?}" "${SRC_DIR:?}" "${WORK:?}"
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
fails=0
passes=0
skips=0
# The exit code CTest reads as "skipped" (SKIP_RETURN_CODE in tests/CMakeLists.txt).
SKIP_CODE=77
pass() { passes=$((passes + 1)); }
# skip REASON : a case this machine cannot run; prints "SKIPPED: REASON", and finish then
# exits $SKIP_CODE when nothing failed, so CTest reports the test as skipped, not passed.
# Keep a skippable case in a script of its own, so the skip hides no case that did run.
skip() { skips=$((skips + 1)); echo "SKIPPED: $*"; }
# skip_all REASON : the whole script cannot run here: says why and exits $SKIP_CODE now.
skip_all() { echo "SKIPPED: $*"; echo "$passes passed, $fails failed, 1 skipped"; [ "$fails" -eq 0 ] && exit "$SKIP_CODE"; exit 1; }
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
# wait_exit PID LIMIT_S : waits for the background PID to end by itself; WAIT_CODE = its exit
# code, or "watchdog" when it was still running after LIMIT_S seconds (then it is killed).
# A guard against a hang, never a speed check: the limit must be far beyond any machine's pace
# and far below the wait the test shows was cut short.
wait_exit() {
  local pid=$1 limit=$2 i st=
  for ((i = 0; i < limit * 20; i++)); do
    st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
    [ -z "$st" ] || [ "$st" = Z ] && break
    sleep 0.05
  done
  if [ -n "$st" ] && [ "$st" != Z ] && kill -9 "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null
    WAIT_CODE=watchdog
    return
  fi
  wait "$pid"
  WAIT_CODE=$?
}
expect_eq() { if [ "$1" = "$2" ]; then pass; else fail "${3:-values differ}: got '$1', want '$2'"; fi; }
finish() {
  if [ "$skips" -gt 0 ]; then echo "$passes passed, $fails failed, $skips skipped"; else echo "$passes passed, $fails failed"; fi
  [ "$fails" -gt 0 ] && exit 1
  [ "$skips" -gt 0 ] && exit "$SKIP_CODE"
  exit 0
}
# serve_start ARGS...: start_serve with stderr in serve.err; sets SERVE_PID and SERVE_URL.
serve_start() { start_serve serve.err "$@"; pass; SERVE_PID=$serve_pid SERVE_URL=$url; }
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
