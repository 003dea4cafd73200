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
expect_exit 0 remote --store ref.db
want=$(rows ref.db)

kills=0
for delay in 0.4 0.3 0.5 0.35; do
  remote --store run.db --resume >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$pid" 2>/dev/null
  if [ -f run.db.progress.json ]; then
    last=$(sed -n 's/.*"last_processed_id": *\([0-9]*\).*/\1/p' run.db.progress.json)
    expect_eq "$(sqlite3 run.db "SELECT count(*) FROM sample_embeddings WHERE sample_id <= $last")" "$(sqlite3 lib.db "SELECT count(*) FROM samples WHERE id <= $last")" "checkpoint never ahead of the store"
  fi
done
[ "$kills" -ge 2 ] && pass || fail "fewer than two runs were killed mid-way"
expect_exit 0 remote --store run.db --resume --json
expect_eq "$(rows run.db)" "$want" "resumed store equals the uninterrupted one"
expect_eq "$(sqlite3 run.db 'SELECT count(*) || "|" || count(DISTINCT sample_id) FROM sample_embeddings')" "800|800" "no sample lost or duplicated"
finish
