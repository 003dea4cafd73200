#!/usr/bin/env bash
# Faults against a real Turso server (tursodb --sync-server), each ending in a table identical
# to the local store's for the same library, with nothing lost or duplicated:
#   1. the server is killed mid-run and comes back: the run retries and completes;
#   2. the server is killed and stays down: exit 3, the checkpoint never ahead of the server,
#      then --resume completes once it is back;
#   3. the client is killed with -9 mid-run: --resume completes;
#   4. Ctrl-C while the client waits out a 503's Retry-After: exit 130, --resume completes.
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/turso_server.sh"
sv() { "$SAMPLEVEC" "$@"; }
# Runs in the background start the binary itself: a function would put a subshell between
# the signal and samplevec.
COLS="sample_id, hex(vibe_vector), embedding_source, source_hash, model, dims, title, genre, bpm, musical_key, mood_primary, mood_secondary, energy_level"
server_rows() { "$TURSODB" -m list "$1" "SELECT $COLS FROM sample_embeddings ORDER BY sample_id" | sha256sum | cut -d' ' -f1; }
server_count() { "$TURSODB" -m list "$1" "SELECT count(*) || '/' || count(DISTINCT sample_id) FROM sample_embeddings"; }
last_id() { sed -n 's/.*"last_processed_id":[[:space:]]*\([0-9]*\).*/\1/p' "$1"; }
N=12000
# wait_progress FILE: until the run has committed something (then it is mid-run, whatever the
# machine's speed)
wait_progress() {
  local i l
  for i in $(seq 1 500); do
    l=$(last_id "$1" 2>/dev/null)
    [ -n "$l" ] && [ "$l" -gt 0 ] && return 0
    sleep 0.01
  done
  return 1
}
export TURSO_AUTH_TOKEN="fault-token-$$"

turso_require || { fail "tursodb missing"; finish; }
expect_exit 0 sv demo-library lib.db --count $N --seed 21
expect_exit 0 sv embed --all --library lib.db --store ref.db
want=$(sqlite3 ref.db "SELECT $COLS FROM sample_embeddings ORDER BY sample_id" | sha256sum | cut -d' ' -f1)

# 1. server killed and restarted mid-run: the run completes by itself
turso_start one.db || { fail "server"; finish; }
"$SAMPLEVEC" embed --all --library lib.db --store "$TURSO_URL" --progress-file one.json >one_out.txt 2>one_err.txt &
pid=$!
wait_progress one.json
if kill -0 "$pid" 2>/dev/null; then pass; else fail "run 1 ended before the server was killed"; fi
turso_stop
sleep 0.7
turso_restart one.db || fail "restart"
wait "$pid"
expect_eq "$?" 0 "run across a server restart exits 0"
turso_stop
expect_eq "$(server_count one.db)" "$N/$N" "all rows once"
expect_eq "$(server_rows one.db)" "$want" "table equals the local store's"

# 2. server killed and left down: exit 3 after the retries, checkpoint intact; --resume finishes
turso_start two.db || { fail "server"; finish; }
SAMPLEVEC_TURSO_RETRIES=2 "$SAMPLEVEC" embed --all --library lib.db --store "$TURSO_URL" --progress-file two.json >two_out.txt 2>two_err.txt &
pid=$!
wait_progress two.json
turso_stop
wait "$pid"
expect_eq "$?" 3 "exit 3 when the server stays down"
expect_grep two_err.txt "unreachable.*two.json.*--resume"
expect_grep two_err.txt "127.0.0.1:$TURSO_PORT"
last=$(last_id two.json)
[ -n "$last" ] && [ "$last" -gt 0 ] && [ "$last" -lt "$(sqlite3 lib.db 'SELECT max(id) FROM samples')" ] && pass || fail "checkpoint mid-way (last=$last)"
stored=$("$TURSODB" -m list two.db "SELECT count(*) FROM sample_embeddings WHERE sample_id <= $last")
expect_eq "$stored" "$(sqlite3 lib.db "SELECT count(*) FROM samples WHERE id <= $last")" "checkpoint never ahead of the server"
turso_restart two.db || fail "restart"
expect_exit 0 sv embed --all --resume --library lib.db --store "$TURSO_URL" --progress-file two.json --json
turso_stop
expect_eq "$(server_count two.db)" "$N/$N" "all rows once after --resume"
expect_eq "$(server_rows two.db)" "$want" "resumed table equals the local store's"

# 3. client killed with -9 mid-run: --resume finishes, table identical
turso_start three.db || { fail "server"; finish; }
"$SAMPLEVEC" embed --all --library lib.db --store "$TURSO_URL" --progress-file three.json >three_out.txt 2>three_err.txt &
pid=$!
wait_progress three.json
if kill -9 "$pid" 2>/dev/null; then pass; else fail "client finished before kill -9"; fi
wait "$pid" 2>/dev/null
expect_exit 0 sv embed --all --resume --library lib.db --store "$TURSO_URL" --progress-file three.json
turso_stop
expect_eq "$(server_count three.db)" "$N/$N" "all rows once after kill -9 and --resume"
expect_eq "$(server_rows three.db)" "$want" "table after kill -9 equals the local store's"

# 4. Ctrl-C while the client waits to retry: the server goes down and a stand-in on its port
# answers every request 503 with Retry-After: 100 s (as a proxy in front of an unavailable
# database does). Exit 130 without sitting out that wait (60 s is a watchdog against a hang,
# far below the 100 s), nothing of the failed chunk recorded; --resume finishes.
turso_start four.db || { fail "server"; finish; }
"$SAMPLEVEC" embed --all --library lib.db --store "$TURSO_URL" --progress-file four.json >four_out.txt 2>four_err.txt &
pid=$!
wait_progress four.json
turso_stop
node -e '
  const fs = require("fs");
  require("http").createServer((q, r) => {
    fs.appendFileSync("stand_in_hits", "x");
    r.writeHead(503, { "retry-after": "100", "content-type": "text/plain" });
    r.end("database unavailable");
  }).listen(+process.argv[1], "127.0.0.1");' "$TURSO_PORT" &
stand_in=$!
for i in $(seq 1 400); do # until the client has had its 503
  [ -s stand_in_hits ] && break
  sleep 0.05
done
[ -s stand_in_hits ] && pass || fail "the client never reached the 503 stand-in"
kill -INT "$pid"
wait_exit "$pid" 60
kill "$stand_in" 2>/dev/null
wait "$stand_in" 2>/dev/null
expect_eq "$WAIT_CODE" 130 "Ctrl-C during a 100 s Retry-After wait: exit 130, without waiting it out"
expect_grep four_err.txt "--resume"
last=$(last_id four.json)
expect_eq "$("$TURSODB" -m list four.db "SELECT count(*) FROM sample_embeddings WHERE sample_id <= $last")" "$(sqlite3 lib.db "SELECT count(*) FROM samples WHERE id <= $last")" "checkpoint never ahead of the server after Ctrl-C"
turso_restart four.db || fail "restart"
expect_exit 0 sv embed --all --resume --library lib.db --store "$TURSO_URL" --progress-file four.json
turso_stop
expect_eq "$(server_count four.db)" "$N/$N" "all rows once after Ctrl-C and --resume"
expect_eq "$(server_rows four.db)" "$want" "table after Ctrl-C equals the local store's"

expect_eq "$(cat ./*.txt ./*.json | grep -c -- "$TURSO_AUTH_TOKEN")" 0 "the token never appears"
finish
