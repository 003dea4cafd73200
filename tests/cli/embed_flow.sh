#!/usr/bin/env bash
# demo → embed → status → rerun skips all → change one sample → only it is re-embedded;
# new samples → only they are embedded; the library's bytes never change.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
json_field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$2"; }

expect_exit 0 sv demo-library lib.db --count 300 --seed 7
lib_sum=$(sha256sum lib.db | cut -d' ' -f1)

expect_exit 0 sv embed --all --library lib.db --json
expect_eq "$(json_field successful out.txt)" 300 "first run stores all"
expect_eq "$(json_field failed out.txt)" 0 "first run fails none"
expect_eq "$(grep -c '^{' out.txt)" 1 "exactly one JSON object on stdout"
expect_eq "$(sha256sum lib.db | cut -d' ' -f1)" "$lib_sum" "library bytes unchanged"
[ -f samplevec.db ] && pass || fail "default store samplevec.db next to the library"
[ -f samplevec.db.progress.json ] && pass || fail "default progress file"
expect_eq "$(sqlite3 samplevec.db 'SELECT count(*), min(length(vibe_vector)), max(length(vibe_vector)) FROM sample_embeddings')" "300|6144|6144" "300 rows of 1536 float32"
expect_eq "$(sqlite3 samplevec.db "SELECT count(*) FROM sample_embeddings WHERE embedding_source LIKE 'Title: %' AND model='lexical-v2' AND dims=1536 AND length(source_hash)=16")" 300 "rows carry source, model, dims, hash"
# stored metadata matches the library
expect_eq "$(sqlite3 samplevec.db "ATTACH 'lib.db' AS l; SELECT count(*) FROM sample_embeddings e JOIN l.samples s ON s.id=e.sample_id WHERE e.title IS s.title AND e.genre IS s.genre AND e.bpm IS s.bpm AND e.musical_key IS s.musical_key")" 300 "filter metadata copied"

expect_exit 0 sv status --library lib.db --json
expect_eq "$(json_field embedded out.txt)" 300 "status embedded"
expect_eq "$(json_field missing out.txt)" 0 "status missing"

expect_exit 0 sv embed --all --library lib.db --json
expect_eq "$(json_field successful out.txt)" 0 "rerun embeds nothing"
expect_eq "$(json_field skipped out.txt)" 300 "rerun skips all"

# edit one sample's metadata → it (and only it) is stale, then re-embedded
sqlite3 lib.db "UPDATE samples SET title = title || ' (edited)' WHERE id = 42"
expect_exit 0 sv status --library lib.db --json
expect_eq "$(json_field stale out.txt)" 1 "one stale after edit"
before=$(sqlite3 samplevec.db "SELECT hex(vibe_vector) FROM sample_embeddings WHERE sample_id=42")
expect_exit 0 sv embed --all --library lib.db --json
expect_eq "$(json_field successful out.txt)" 1 "only the edited sample re-embedded"
expect_eq "$(json_field skipped out.txt)" 299 "the rest skipped"
after=$(sqlite3 samplevec.db "SELECT hex(vibe_vector) FROM sample_embeddings WHERE sample_id=42")
[ "$before" != "$after" ] && pass || fail "edited sample's vector changed"
expect_grep <(sqlite3 samplevec.db "SELECT embedding_source FROM sample_embeddings WHERE sample_id=42") "\(edited\)"

# ten new samples → those ten
sqlite3 lib.db "INSERT INTO samples(id, user_id, title, file_path, bpm, musical_key, genre) SELECT id + 1000, user_id, title || ' copy', file_path, bpm, musical_key, genre FROM samples WHERE id <= 10"
expect_exit 0 sv embed --all --library lib.db --json
expect_eq "$(json_field successful out.txt)" 10 "ten new samples embedded"
expect_eq "$(sqlite3 samplevec.db 'SELECT count(*) FROM sample_embeddings')" 310 "no duplicates"

# ids 0 and below are samples like any other
sqlite3 lib.db "INSERT INTO samples(id, user_id, title, file_path) VALUES (0, 1, 'Zero Loop', '/z0.wav'), (-5, 1, 'Minus Five Loop', '/m5.wav')"
expect_exit 0 sv embed --all --library lib.db --json
expect_eq "$(json_field successful out.txt)" 2 "ids 0 and -5 embedded"
expect_exit 0 sv embed --sample-ids 0 --library lib.db --store zero.db --json
expect_eq "$(sqlite3 zero.db 'SELECT group_concat(sample_id) FROM sample_embeddings')" "0" "--sample-ids 0 selects sample 0"
sqlite3 lib.db "DELETE FROM samples WHERE id <= 0"
sqlite3 samplevec.db "DELETE FROM sample_embeddings WHERE sample_id <= 0"

# selections and limits into a separate store
expect_exit 0 sv embed --sample-ids 1-10,20,25-26 --library lib.db --store sel.db --json
expect_eq "$(sqlite3 sel.db 'SELECT group_concat(sample_id) FROM (SELECT sample_id FROM sample_embeddings ORDER BY 1)')" "1,2,3,4,5,6,7,8,9,10,20,25,26" "--sample-ids picks exactly those"
expect_exit 0 sv embed --all --limit 5 --library lib.db --store lim.db --json
expect_eq "$(json_field total out.txt)" 5 "--limit 5 considers five"
expect_eq "$(sqlite3 lim.db 'SELECT count(*) FROM sample_embeddings')" 5 "--limit stores five"

# same text → same vector whichever store or batch size
expect_exit 0 sv embed --sample-ids 1-10 --batch-size 3 --library lib.db --store b3.db
expect_eq "$(sqlite3 b3.db 'SELECT hex(vibe_vector) FROM sample_embeddings ORDER BY sample_id' | sha256sum)" "$(sqlite3 sel.db 'SELECT hex(vibe_vector) FROM sample_embeddings WHERE sample_id<=10 ORDER BY sample_id' | sha256sum)" "batch size does not change vectors"

# --dims is honoured and a different dims needs --reset
expect_exit 2 sv embed --all --dims 256 --library lib.db
expect_grep err.txt "1536 dims"
expect_grep err.txt "256 dims"
expect_grep err.txt "--reset"
expect_exit 0 sv embed --all --dims 256 --reset --library lib.db --json
expect_eq "$(sqlite3 samplevec.db 'SELECT count(*), min(length(vibe_vector)) FROM sample_embeddings')" "310|1024" "reset re-embeds at 256 dims"
finish
