#!/usr/bin/env bash
# `embed --resume` alone continues the interrupted job: the progress file records the selection
# (all, or the --sample-ids spec) and --limit. A resume never skips a sample that is not stored:
# another selection starts a new job over everything not stored, and even the same selection
# re-checks the samples before the resume point (cheap: skip by hash).
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
json_field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$2"; }
# json_get FILE PATH: a value of FILE's JSON (SQLite's json: int64 exact)
json_get() { sqlite3 :memory: "SELECT json_extract(CAST(readfile('$1') AS TEXT), '$2')"; }
# interrupt STORE PROGRESS LAST DONE: what a kill after sample LAST (DONE settled) leaves behind
interrupt() {
  sqlite3 "$1" "DELETE FROM sample_embeddings WHERE sample_id > $3"
  sqlite3 :memory: "SELECT writefile('$2', json_set(CAST(readfile('$2') AS TEXT), '\$.finished', json('false'), '\$.last_processed_id', $3, '\$.total_processed', $4, '\$.total_successful', $4))" >/dev/null
}
ids() { sqlite3 "$1" "SELECT group_concat(sample_id) FROM (SELECT sample_id FROM sample_embeddings ORDER BY 1)"; }
expect_exit 0 sv demo-library lib.db --count 300 --seed 11

# 1. --resume alone: no progress file yet → a usage error that says what to pass
expect_exit 2 sv embed --resume --library lib.db --store none.db
expect_grep err.txt "--all"
[ ! -e none.db ] && pass || fail "a refused --resume created the store"

# 2. the selection is recorded, and --resume alone continues it
expect_exit 0 sv embed --sample-ids 10-50,70 --library lib.db --store a.db
expect_eq "$(json_get a.db.progress.json '$.selection')" "10-50,70" "selection recorded"
expect_eq "$(json_get a.db.progress.json '$.limit')" "" "no limit recorded as null"
interrupt a.db a.db.progress.json 30 21
expect_exit 0 sv embed --resume --library lib.db --store a.db --json
expect_eq "$(ids a.db)" "$(seq -s, 10 50),70" "resume alone finished exactly the recorded selection"
expect_eq "$(json_field successful out.txt)" 21 "this run stored the 21 the interrupted one had not"
expect_eq "$(json_get a.db.progress.json '$.total_processed')" 42 "the job's totals carried on"

# 3. --all --resume after a --sample-ids run: another selection, so nothing is skipped
expect_exit 0 sv embed --sample-ids 200-220 --library lib.db --store b.db
expect_exit 0 sv embed --all --resume --library lib.db --store b.db --json
expect_grep err.txt "selection"
expect_eq "$(sqlite3 b.db 'SELECT count(*) FROM sample_embeddings')" 300 "every sample stored"
expect_eq "$(json_field skipped out.txt)" 21 "the 21 stored ones were skipped by hash"
expect_eq "$(json_get b.db.progress.json '$.selection')" "all" "the new job's selection"
expect_exit 0 sv status --library lib.db --store b.db --json
expect_eq "$(json_field missing out.txt)" 0 "status: nothing missing"

# 4. --all --resume after a killed --all run: samples before the resume point that are not
# stored (deleted from the store, or added to the library since) are embedded too
expect_exit 0 sv embed --all --library lib.db --store c.db
interrupt c.db c.db.progress.json 200 200
sqlite3 c.db "DELETE FROM sample_embeddings WHERE sample_id BETWEEN 50 AND 59"
expect_exit 0 sv embed --all --resume --library lib.db --store c.db --json
expect_eq "$(sqlite3 c.db 'SELECT count(*) FROM sample_embeddings')" 300 "nothing below the resume point skipped"
expect_eq "$(json_field successful out.txt)" 110 "the 10 gaps and the 100 after the resume point"

# 5. --limit belongs to the job: resumed, it ends where the uninterrupted run would have
expect_exit 0 sv embed --all --limit 40 --library lib.db --store d.db
expect_eq "$(json_get d.db.progress.json '$.limit')" 40 "limit recorded"
interrupt d.db d.db.progress.json 20 20
expect_exit 0 sv embed --resume --library lib.db --store d.db --json
expect_eq "$(ids d.db)" "$(seq -s, 1 40)" "the resumed --limit 40 job holds the first 40, like an uninterrupted one"
expect_eq "$(json_field total out.txt)" 20 "this run considered the 20 left"

# 6. a progress file of an older samplevec (no selection) needs the selection named
expect_exit 0 sv embed --sample-ids 1-5 --library lib.db --store e.db
sqlite3 :memory: "SELECT writefile('e.db.progress.json', json_remove(CAST(readfile('e.db.progress.json') AS TEXT), '\$.selection', '\$.limit'))" >/dev/null
expect_exit 2 sv embed --resume --library lib.db --store e.db
expect_grep err.txt "--sample-ids"
expect_exit 0 sv embed --sample-ids 1-5 --resume --library lib.db --store e.db
finish
