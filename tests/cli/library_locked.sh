#!/usr/bin/env bash
# The sample manager locks its database in the middle of a run: the run stops with exit 3 and
# a message that says the library is locked by another program and that --resume finishes;
# the progress file never runs ahead of the store, and --resume ends with the full store.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
rows() { sqlite3 "$1" "SELECT sample_id, hex(vibe_vector) FROM sample_embeddings ORDER BY sample_id" | sha256sum | cut -d' ' -f1; }
expect_exit 0 sv demo-library lib.db --count 20000 --seed 12
expect_exit 0 sv embed --all --library lib.db --store ref.db
"$SAMPLEVEC" embed --all --library lib.db --store run.db --batch-size 50 >run.out 2>run.err &
pid=$!
for _ in $(seq 1000); do
  grep -qE '"total_processed":[[:space:]]*[1-9]' run.db.progress.json 2>/dev/null && break
  sleep 0.01
done
kill -STOP "$pid" 2>/dev/null
# the application: an exclusive transaction held open (sqlite3 reading its input from a fifo)
mkfifo app.fifo
sqlite3 lib.db <app.fifo >app.out 2>&1 &
app=$!
exec 3>app.fifo
echo "BEGIN EXCLUSIVE; SELECT 'locked';" >&3
for _ in $(seq 500); do grep -q locked app.out && break; sleep 0.01; done
kill -CONT "$pid" 2>/dev/null
wait "$pid"
code=$?
echo "COMMIT;" >&3
exec 3>&-
wait "$app"
if [ "$code" -eq 0 ]; then
  echo "note: the run finished before the library was locked; nothing exercised" >&2
else
  expect_eq "$code" 3 "a locked library stops the run with exit 3"
  expect_grep run.err "library 'lib.db' is locked by another program"
  expect_grep run.err "--resume"
  last=$(sed -n 's/.*"last_processed_id":[[:space:]]*\([0-9]*\).*/\1/p' run.db.progress.json)
  expect_eq "$(sqlite3 run.db "SELECT count(*) FROM sample_embeddings WHERE sample_id <= $last")" "$(sqlite3 lib.db "SELECT count(*) FROM samples WHERE id <= $last")" "the progress file is not ahead of the store"
fi
expect_exit 0 sv embed --resume --library lib.db --store run.db
expect_eq "$(rows run.db)" "$(rows ref.db)" "--resume finishes to the uninterrupted store"
finish
