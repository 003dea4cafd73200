#!/usr/bin/env bash
# Ctrl-C with a paid provider keeps the paid work: the vectors the API has returned (and the
# requests already in flight, which are billed too) are stored before the run exits 130;
# nothing more is sent, and --resume embeds only what was never paid for.
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/fake_openai/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
export OPENAI_API_KEY=sk-paid-test-0123456789
unset OPENAI_BASE_URL
expect_exit 0 sv demo-library lib.db --count 200 --seed 3
# 500 ms per request; the 4th takes 5 s, so a Ctrl-C after the first answers finds it in flight
fake_start --key "$OPENAI_API_KEY" --latency-ms 500 --faults ok,ok,ok,slow --log req.log || exit 1
"$SAMPLEVEC" embed --all --library lib.db --store paid.db --provider openai --base-url "$FAKE_URL" \
  --batch-size 10 --concurrency 4 >out.txt 2>err.txt &
pid=$!
for _ in $(seq 600); do [ "$(wc -l <req.log 2>/dev/null || echo 0)" -ge 5 ] && break; sleep 0.01; done
kill -INT "$pid"
wait "$pid"
expect_eq "$?" 130 "Ctrl-C: exit 130"
expect_grep err.txt "already returned"
stored=$(sqlite3 paid.db "SELECT count(*) FROM sample_embeddings")
paid=$(fake_stats embedded_inputs)
[ "$stored" -gt 0 ] && pass || fail "no paid vector was stored"
expect_eq "$stored" "$paid" "every vector the API returned is stored"
[ "$stored" -lt 200 ] && pass || fail "the run was not interrupted mid-way"
expect_exit 0 sv embed --resume --library lib.db --store paid.db --provider openai --base-url "$FAKE_URL" --batch-size 10 --concurrency 4 --json
expect_eq "$(sqlite3 paid.db 'SELECT count(*) FROM sample_embeddings')" 200 "--resume completes the store"
expect_eq "$(fake_stats embedded_inputs)" 200 "nothing paid for twice"
finish
