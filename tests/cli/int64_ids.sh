#!/usr/bin/env bash
# Sample ids are int64 everywhere: INT64_MIN and INT64_MAX, and ids on both sides of 2^53
# (where a double stops being exact), go through embed, the progress file, --resume, status,
# search and similar exactly.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
json_field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$2"; }
json_get() { sqlite3 :memory: "SELECT json_extract(CAST(readfile('$1') AS TEXT), '$2')"; }
expect_exit 0 sv demo-library lib.db --count 30 --seed 4
big="-9223372036854775808 -9223372036854775807 -1 9007199254740991 9007199254740992 9007199254740993 9007199254740995 9223372036854775806 9223372036854775807"
for id in $big; do
  sqlite3 lib.db "INSERT INTO samples(id, user_id, title, file_path, genre) VALUES ($id, 1, 'Edge $id Loop', '/e.wav', 'ambient')"
done
expect_exit 0 sv embed --all --library lib.db --json
expect_eq "$(json_field total out.txt)" 39 "every sample considered"
expect_eq "$(json_field successful out.txt)" 39 "every sample stored"
expect_eq "$(sqlite3 samplevec.db "SELECT count(*) FROM sample_embeddings WHERE sample_id = -9223372036854775808")" 1 "INT64_MIN embedded"
expect_grep samplevec.db.progress.json '"last_processed_id": 9223372036854775807[,[:space:]]'
expect_exit 0 sv status --library lib.db --json
expect_eq "$(json_field samples out.txt)" 39 "status counts INT64_MIN"
expect_eq "$(json_field missing out.txt)" 0 "status: nothing missing"
expect_grep out.txt '"last_processed_id":9223372036854775807[,}]'

# --sample-ids takes negative ids and ranges of them
expect_exit 0 sv embed --sample-ids=-9223372036854775808--9223372036854775807,9007199254740992-9007199254740995 --library lib.db --store sel.db
expect_eq "$(sqlite3 sel.db 'SELECT group_concat(sample_id) FROM (SELECT sample_id FROM sample_embeddings ORDER BY 1)')" "-9223372036854775808,-9223372036854775807,9007199254740992,9007199254740993,9007199254740995" "negative and 2^53 ranges"

# the progress file round-trips ids exactly: a job stopped right after 2^53 + 1 resumes with
# 2^53 + 3 (a double would read 9007199254740993 as ...992 and redo it, or round past ...995)
expect_exit 0 sv embed --all --limit 36 --library lib.db --store k.db
expect_eq "$(json_get k.db.progress.json '$.last_processed_id')" 9007199254740993 "stopped after 2^53+1"
expect_grep k.db.progress.json '"last_processed_id": 9007199254740993[,[:space:]]'
sqlite3 :memory: "SELECT writefile('k.db.progress.json', json_set(CAST(readfile('k.db.progress.json') AS TEXT), '\$.finished', json('false'), '\$.limit', NULL))" >/dev/null
expect_exit 0 sv embed --all --resume --library lib.db --store k.db --json
expect_eq "$(json_field total out.txt)" 3 "resume continues with exactly the three after 2^53+1"
expect_eq "$(json_field skipped out.txt)" 0 "nothing re-done"
# a failure list with huge ids loads
sqlite3 :memory: "SELECT writefile('k.db.progress.json', json_set(CAST(readfile('k.db.progress.json') AS TEXT), '\$.failures', json('[{\"sample_id\": -9223372036854775808, \"timestamp\": \"2026-01-01T00:00:00Z\", \"error\": \"x\"}]'), '\$.total_failed', 1))" >/dev/null
expect_exit 0 sv status --library lib.db --store k.db --json
expect_grep out.txt '"total_failed":1[,}]'
# an id beyond int64 is a corrupt file, named, never rounded
sqlite3 :memory: "SELECT writefile('bad.json', '{\"version\": 2, \"last_processed_id\": 9223372036854775808, \"started_at\": \"x\"}')" >/dev/null
expect_exit 3 sv status --library lib.db --store k.db --progress-file bad.json
expect_grep err.txt "bad.json.*9223372036854775808"

# search and similar print ids exactly
expect_exit 0 sv search "edge loop ambient" -k 50 --library lib.db --json
expect_grep out.txt '"sample_id":-9223372036854775808[,}]'
expect_grep out.txt '"sample_id":9007199254740993[,}]'
expect_exit 0 sv similar --json --library lib.db -k 3 -- -9223372036854775808
expect_no_grep out.txt '"sample_id":-9223372036854775808[,}]'
expect_grep out.txt '"sample_id":-?[0-9]'
finish
