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

# Ctrl-C while every request is being retried (95% 503s): exit 130 at once instead of sitting
# out the backoffs; the chunk in flight is not stored, and --resume completes the store.
fake_start --key "$OPENAI_API_KEY" --latency-ms 60 --rates 503:0.95 || exit 1
remote_bg --store int.db >out.txt 2>err.txt
# the panel is printed just before the handler is installed: until then a background job
# ignores SIGINT, and a loaded machine can take longer than the sleep to get there
for _ in $(seq 300); do grep -q '^samplevec: Checkpoint:' err.txt && break; sleep 0.1; done
sleep 1.5
kill -INT "$pid"
t0=$(date +%s%N)
wait "$pid"
code=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "$code" 130 "SIGINT during retries: exit 130"
[ "$ms" -lt 1500 ] && pass || fail "SIGINT took $ms ms to stop the run"
expect_grep err.txt "--resume"
fake_stop
fake_start --key "$OPENAI_API_KEY" || exit 1
expect_exit 0 remote --store int.db --resume
expect_eq "$(rows int.db)" "$want" "resume after SIGINT equals the uninterrupted store"
finish
