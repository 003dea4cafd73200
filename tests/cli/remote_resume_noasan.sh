#!/usr/bin/env bash
# kill -9 in the middle of a remote run (requests in flight), then --resume: the store equals
# an uninterrupted run's, with nothing lost or duplicated.
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/fake_openai/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
rows() { sqlite3 "$1" "SELECT sample_id, hex(vibe_vector), embedding_source FROM sample_embeddings ORDER BY sample_id" | sha256sum | cut -d' ' -f1; }
export OPENAI_API_KEY=sk-resume-test-0123456789
unset OPENAI_BASE_URL

expect_exit 0 sv demo-library lib.db --count 800 --seed 9
fake_start --key "$OPENAI_API_KEY" --latency-ms 60 --rates 500:0.05,429:0.05 --retry-after-ms 20 || exit 1
remote() { sv embed --all --library lib.db --provider openai --base-url "$FAKE_URL" --batch-size 10 --concurrency 4 "$@"; }
# The binary itself in the background (a function would put a subshell between the signal
# and samplevec).
remote_bg() { "$SAMPLEVEC" embed --all --library lib.db --provider openai --base-url "$FAKE_URL" --batch-size 10 --concurrency 4 "$@" & pid=$!; }
expect_exit 0 remote --store ref.db
want=$(rows ref.db)

kills=0
for delay in 0.4 0.3 0.5 0.35; do
  remote_bg --store run.db --resume >/dev/null 2>&1
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  [ $? -eq 137 ] && [ "$(sqlite3 run.db 'SELECT count(*) FROM sample_embeddings' 2>/dev/null || echo 0)" -lt 800 ] &&
    kills=$((kills + 1)) # the kill landed mid-run
  if [ -f run.db.progress.json ]; then
    last=$(sed -n 's/.*"last_processed_id": *\([0-9]*\).*/\1/p' run.db.progress.json)
    expect_eq "$(sqlite3 run.db "SELECT count(*) FROM sample_embeddings WHERE sample_id <= $last")" "$(sqlite3 lib.db "SELECT count(*) FROM samples WHERE id <= $last")" "checkpoint never ahead of the store"
  fi
done
[ "$kills" -ge 2 ] && pass || fail "fewer than two runs were killed mid-way"
expect_exit 0 remote --store run.db --resume --json
expect_eq "$(rows run.db)" "$want" "resumed store equals the uninterrupted one"
expect_eq "$(sqlite3 run.db 'SELECT count(*) || "|" || count(DISTINCT sample_id) FROM sample_embeddings')" "800|800" "no sample lost or duplicated"
fake_stop

# Ctrl-C while the requests wait out a rate limit: 95% of the answers are 429 with
# Retry-After: 100 s. Exit 130 without sitting out that wait (60 s is a watchdog against a hang,
# far below the 100 s the client was told to wait); the chunk in flight is not stored, and
# --resume completes the store.
fake_start --key "$OPENAI_API_KEY" --latency-ms 60 --rates 429:0.95 --retry-after 100 || exit 1
remote_bg --store int.db >out.txt 2>err.txt
for i in $(seq 1 400); do # until the server has sent a 429, so a request waits 100 s
  [ "$(fake_stats faults | python3 -c 'import json, sys; print(json.load(sys.stdin).get("429", 0))')" -ge 1 ] && break
  sleep 0.05
done
kill -INT "$pid"
wait_exit "$pid" 60
expect_eq "$WAIT_CODE" 130 "SIGINT during a 100 s Retry-After wait: exit 130, without waiting it out"
expect_grep err.txt "--resume"
fake_stop
fake_start --key "$OPENAI_API_KEY" || exit 1
expect_exit 0 remote --store int.db --resume
expect_eq "$(rows int.db)" "$want" "resume after SIGINT equals the uninterrupted store"
finish
