#!/usr/bin/env bash
# Vectors whose sample left the library (orphans): status counts them, search/similar/serve never
# return them while the library is at hand, and embed --all removes them (said in the summary
# and in --json); a --sample-ids run leaves them.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
json_field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$2"; }
expect_exit 0 sv demo-library lib.db --count 300 --seed 17
expect_exit 0 sv embed --all --library lib.db
title=$(sqlite3 lib.db "SELECT title FROM samples WHERE id = 42")
expect_exit 0 sv search "$title" -k 300 --library lib.db --json
expect_grep out.txt '"sample_id":42,'
# the application deletes five samples
sqlite3 lib.db "DELETE FROM vibe_analyses WHERE sample_id IN (42, 43, 44, 100, 250); DELETE FROM samples WHERE id IN (42, 43, 44, 100, 250)"
expect_exit 0 sv status --library lib.db --json
expect_eq "$(json_field orphaned out.txt)" 5 "status: five orphaned vectors"
expect_eq "$(json_field samples out.txt)" 295 "status: 295 samples"
expect_exit 0 sv status --library lib.db
expect_grep out.txt "^orphaned  5 "
# never returned while the library is at hand
expect_exit 0 sv search "$title" -k 300 --library lib.db --json
expect_no_grep out.txt '"sample_id":(42|43|44|100|250),'
expect_eq "$(grep -o '"sample_id"' out.txt | wc -l)" 295 "every other sample still found"
expect_exit 0 sv similar 41 -k 300 --library lib.db --json
expect_no_grep out.txt '"sample_id":(42|43|44|100|250),'
expect_exit 2 sv similar 42 --library lib.db
expect_grep err.txt "no sample 42 in the library"
serve_start --library lib.db
curl -s -o body.txt "$SERVE_URL/similar/41?k=300"
expect_no_grep body.txt '"sample_id":(42|43|44|100|250),'
# the library loses one more while serve runs: the next request leaves it out too
sqlite3 lib.db "DELETE FROM samples WHERE id = 41"
curl -s -o body.txt "$SERVE_URL/similar/40?k=300"
expect_no_grep body.txt '"sample_id":41,'
kill -TERM "$SERVE_PID"; wait "$SERVE_PID"
# a --sample-ids run leaves them; embed --all removes them and says so
expect_exit 0 sv embed --sample-ids 1-10 --library lib.db --json
expect_eq "$(json_field orphans_removed out.txt)" 0 "a --sample-ids run removes nothing"
expect_exit 0 sv embed --all --library lib.db --json
expect_eq "$(json_field orphans_removed out.txt)" 6 "embed --all removed the six orphans"
expect_grep err.txt "removed the vectors of 6 sample"
expect_eq "$(sqlite3 samplevec.db 'SELECT count(*) FROM sample_embeddings')" 294 "294 rows left"
expect_exit 0 sv status --library lib.db --json
expect_eq "$(json_field orphaned out.txt)" 0 "none orphaned"
finish
