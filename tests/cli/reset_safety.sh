#!/usr/bin/env bash
# --reset says how many vectors it drops before dropping them; Ctrl-C while it drops leaves the
# store and the progress file exactly as they were (one transaction); the progress file is
# replaced only once the vectors are gone; and only a progress file is ever replaced: a text
# file or a device given as --progress-file is refused, untouched. The Ctrl-C case runs on the
# app's own table too (--store app).
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
sums() { sha256sum "$@" | cut -d' ' -f1 | tr '\n' ' '; }
expect_exit 0 sv demo-library lib.db --count 10000 --seed 4
expect_exit 0 sv embed --all --library lib.db --batch-size 500
before=$(sums samplevec.db.progress.json)
rows_before=$(sqlite3 samplevec.db "SELECT count(*), min(dims), max(dims), sum(length(vibe_vector)) FROM sample_embeddings")

# 1. Ctrl-C while the rows are being dropped: nothing dropped, nothing replaced
"$SAMPLEVEC" embed --all --dims 256 --reset --library lib.db >out.txt 2>err.txt &
pid=$!
for _ in $(seq 1000); do grep -q "dropping" err.txt 2>/dev/null && break; sleep 0.01; done
kill -STOP "$pid"; kill -INT "$pid"; kill -CONT "$pid"
wait "$pid"
code=$?
expect_grep err.txt "dropping the 10000 stored vectors \\(lexical-v2, 1536 dims\\)"
if grep -q "interrupted during --reset" err.txt; then
  expect_eq "$code" 130 "Ctrl-C during --reset: exit 130"
  expect_grep err.txt "nothing was dropped"
  expect_eq "$(sqlite3 samplevec.db "SELECT count(*), min(dims), max(dims), sum(length(vibe_vector)) FROM sample_embeddings")" "$rows_before" "every vector still there"
  expect_eq "$(sums samplevec.db.progress.json)" "$before" "the progress file untouched"
  expect_eq "$(sqlite3 samplevec.db "SELECT value FROM samplevec_meta WHERE key='dims'")" 1536 "the claim untouched"
else
  fail "the interrupt did not land during the reset (exit $code)"; sed 's/^/  /' err.txt >&2
fi

# 2. the reset itself: announced, done, and the progress file is the new job's
expect_exit 0 sv embed --all --dims 256 --reset --library lib.db --json
expect_grep err.txt "dropping the 10000 stored vectors"
expect_eq "$(sqlite3 samplevec.db 'SELECT count(*), min(dims), max(dims) FROM sample_embeddings')" "10000|256|256" "re-embedded at 256 dims"
expect_grep samplevec.db.progress.json '"dims": 256'

# 3. only a progress file is replaced
echo "my notes, not a progress file" > notes.txt
expect_exit 3 sv embed --all --reset --library lib.db --store n.db --progress-file notes.txt
expect_grep err.txt "notes.txt is not a samplevec progress file"
expect_eq "$(cat notes.txt)" "my notes, not a progress file" "the text file untouched"
[ ! -e n.db ] && pass || fail "a refused --reset created the store"
# not a regular file (a fifo here: a device such as /dev/null is refused the same way, and
# a test must not risk a shared device node)
mkfifo pipe.json
expect_exit 3 sv embed --all --reset --library lib.db --store n.db --progress-file pipe.json
expect_grep err.txt "not a regular file"
[ -p pipe.json ] && pass || fail "the fifo was replaced"
expect_exit 3 sv embed --all --library lib.db --store n.db --progress-file pipe.json

# 4. the same Ctrl-C on the app's own table (--store app): its rows, the claim and the progress
#    file stay as they were
cp lib.db app.db
expect_exit 0 sv embed --all --library app.db --store app --batch-size 500
app_rows() { sqlite3 app.db "SELECT count(*), sum(length(vibe_vector)), max(created_at) FROM sample_embeddings"; }
app_before=$(app_rows)
app_progress=$(sums app.db.progress.json)
"$SAMPLEVEC" embed --all --dims 256 --reset --library app.db --store app >out.txt 2>err.txt &
pid=$!
for _ in $(seq 1000); do grep -q "dropping" err.txt 2>/dev/null && break; sleep 0.01; done
kill -STOP "$pid"; kill -INT "$pid"; kill -CONT "$pid"
wait "$pid"
code=$?
if grep -q "interrupted during --reset" err.txt; then
  expect_eq "$code" 130 "Ctrl-C during the app store's --reset: exit 130"
  expect_grep err.txt "nothing was dropped"
  expect_eq "$(app_rows)" "$app_before" "every row of the app's table still there"
  expect_eq "$(sums app.db.progress.json)" "$app_progress" "the app store's progress file untouched"
  expect_eq "$(sqlite3 app.db "SELECT value FROM samplevec_meta WHERE key='dims'")" 1536 "the app store's claim untouched"
else
  fail "the interrupt did not land during the app store's reset (exit $code)"; sed 's/^/  /' err.txt >&2
fi
finish
