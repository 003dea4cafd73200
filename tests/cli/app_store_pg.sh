#!/usr/bin/env bash
# PostgreSQL, where the app runs on it, against a real PostgreSQL 15 (tests/pg_server.sh): the
# library read from the app's tables in PostgreSQL equals the SQLite library; --store app writes
# sample_embeddings with vibe_vector double precision[] whose vectors are the local store's bits
# and which the app's read path ranks as samplevec search does; skips, status, a locked table,
# a dry run; the other tables never change; the password in the URL never shows.
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/pg_server.sh"
log=all-output.txt
sv() { "$SAMPLEVEC" "$@"; }
# every command's output also goes to one log, searched for the password at the end
svl() { "$SAMPLEVEC" "$@"; local rc=$?; cat out.txt err.txt >> "$log" 2>/dev/null; return $rc; }
reader() { PGPASSWORD=$PG_PASSWORD python3 "$SRC_DIR/tests/app_reader.py" "$@"; }
json_field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$2"; }
ids() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); [print(r["sample_id"], "%.6f" % r["similarity"]) for r in (d["results"] if isinstance(d, dict) else d)]' "$1"; }
others() { pg_psql "$1" -At -c "SELECT * FROM users ORDER BY id" -c "SELECT * FROM samples ORDER BY id" -c "SELECT * FROM vibe_analyses ORDER BY id" \
             -c "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_name IN ('users','samples','vibe_analyses') ORDER BY 1, 2" | sha256sum; }
# (--literal: no BPM or key is read from the words, as the app's search reads none)
mode=(--mode vector --literal)

if ! pg_require; then echo "SKIPPED: no PostgreSQL 15 server (scripts/test-deps.sh installs it)"; exit 77; fi
pg_start || { fail "PostgreSQL did not start"; finish; }
expect_exit 0 sv demo-library lib.db --count 300 --seed 7
pg_load_library lib.db app || { fail "loading the library into PostgreSQL"; finish; }
URL=$(pg_url app)
PSQL="psql:psql -h 127.0.0.1 -p $PG_PORT -U postgres -d app"
before=$(others app)

# a dry run creates nothing
expect_exit 0 svl embed --all --library "$URL" --store app --dry-run --json
expect_eq "$(json_field successful out.txt)" 300 "dry run counts all"
expect_eq "$(pg_psql app -At -c "SELECT to_regclass('sample_embeddings') IS NULL AND to_regclass('samplevec_meta') IS NULL")" t "dry run wrote nothing"

# --library postgresql://… --store app: the app's table in the app's database
expect_exit 0 svl embed --all --library "$URL" --store app --json
expect_eq "$(json_field successful out.txt)" 300 "all stored in PostgreSQL"
expect_grep err.txt "Store: postgresql://\[redacted\]@127.0.0.1:$PG_PORT/app: the app's own sample_embeddings table \(opt-in\)"
expect_grep err.txt "Backup: none made by samplevec .*pg_dump"
expect_eq "$(pg_psql app -At -c "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'sample_embeddings'")" \
  "id integer, sample_id integer, vibe_vector ARRAY, embedding_source character varying, created_at timestamp with time zone" "the app's columns"
expect_eq "$(pg_psql app -At -c "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'sample_embeddings'::regclass AND attname = 'vibe_vector'")" "double precision[]" "vibe_vector double precision[]"
expect_eq "$(pg_psql app -At -c "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'sample_embeddings'")" \
  "ix_sample_embeddings_id,ix_sample_embeddings_sample_id,sample_embeddings_pkey" "the app's indexes"
expect_eq "$(pg_psql app -At -c "SELECT count(*), count(DISTINCT sample_id), min(array_length(vibe_vector, 1)), max(array_length(vibe_vector, 1)) FROM sample_embeddings WHERE embedding_source LIKE 'Title: %'")" "300|300|1536|1536" "one row per sample, 1536 numbers, source texts"
expect_eq "$(others app)" "$before" "users, samples, vibe_analyses unchanged"

# the library read from PostgreSQL is the SQLite library: the same rows in a local store
expect_exit 0 sv embed --all --library lib.db --store local.db
expect_exit 0 svl embed --all --library "$URL" --store pglocal.db
expect_eq "$(sqlite3 pglocal.db "SELECT sample_id, hex(vibe_vector), embedding_source FROM sample_embeddings ORDER BY sample_id" | sha256sum)" \
  "$(sqlite3 local.db "SELECT sample_id, hex(vibe_vector), embedding_source FROM sample_embeddings ORDER BY sample_id" | sha256sum)" "library from PostgreSQL = library from SQLite"
# vectors: the local store's bits, as the app's session reads double precision[]
expect_eq "$(reader vectors "$PSQL" | sha256sum)" \
  "$(sqlite3 local.db "SELECT sample_id, hex(vibe_vector) FROM sample_embeddings ORDER BY sample_id" | tr '|' ' ' | sha256sum)" "PostgreSQL vectors = local store bits"

# the app's read path ranks as samplevec search; search on PostgreSQL = search on the local store
for q in "dark trap 808" "dusty jazz chords"; do
  sv embed-text "$q" --json > q.json
  expect_exit 0 svl search "$q" "${mode[@]}" --library "$URL" --store app --json
  ids out.txt > cli.txt
  reader search "$PSQL" q.json -k 10 --min-similarity -1 > app.txt
  expect_eq "$(cat cli.txt)" "$(cat app.txt)" "top 10 of '$q': app reader = samplevec search"
  expect_exit 0 sv search "$q" "${mode[@]}" --library lib.db --store local.db --json
  expect_eq "$(ids out.txt)" "$(cat cli.txt)" "'$q': PostgreSQL store = local store"
done
expect_exit 0 svl similar 5 --library "$URL" --store app --json
pg_similar=$(ids out.txt)
expect_exit 0 sv similar 5 --library lib.db --store local.db --json
expect_eq "$pg_similar" "$(ids out.txt)" "similar: PostgreSQL = local"

# status and skips; an edited sample is re-embedded alone
expect_exit 0 svl status --library "$URL" --store app --json
expect_eq "$(json_field embedded out.txt)" 300 "status: all embedded"
expect_exit 0 svl embed --all --library "$URL" --store app --dry-run --json
expect_eq "$(json_field skipped out.txt)" 300 "a dry run counts the skips in PostgreSQL"
expect_exit 0 svl embed --all --library "$URL" --store app --json
expect_eq "$(json_field skipped out.txt)" 300 "rerun skips all"
pg_psql app -c "UPDATE samples SET title = title || ' (edited)' WHERE id = 42"
expect_exit 0 svl embed --all --library "$URL" --store app --json
expect_eq "$(json_field successful out.txt)" 1 "only the edited sample re-embedded"
expect_eq "$(pg_psql app -At -c "SELECT count(*) FROM sample_embeddings WHERE sample_id = 42 AND embedding_source LIKE '%(edited)%'")" 1 "upserted by sample_id"
expect_eq "$(pg_psql app -At -c "SELECT count(*) FROM sample_embeddings")" 300 "no duplicate rows"

# the app holds a lock on the table: exit 3 after the busy timeout, --resume finishes
pg_psql app -c "UPDATE samples SET title = title || ' (edit-2x)' WHERE id IN (7, 8)"
PGPASSWORD=$PG_PASSWORD psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d app \
  -c "BEGIN" -c "LOCK TABLE sample_embeddings IN EXCLUSIVE MODE" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
locker=$!
for _ in $(seq 1 100); do
  [ "$(pg_psql app -At -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'sample_embeddings' AND l.mode = 'ExclusiveLock' AND l.granted")" = 1 ] && break
  sleep 0.1
done
SAMPLEVEC_BUSY_TIMEOUT=0.5 expect_exit 3 svl embed --all --library "$URL" --store app
expect_grep err.txt "held a lock"
expect_grep err.txt "--resume"
kill "$locker" 2>/dev/null; wait "$locker" 2>/dev/null
pg_psql app -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()" >/dev/null
expect_exit 0 svl embed --all --resume --library "$URL" --store app --json
expect_eq "$(pg_psql app -At -c "SELECT count(*) FROM sample_embeddings WHERE embedding_source LIKE '%(edit-2x)%'")" 2 "--resume finished after the lock"

# filters read straight from the app's tables
pg_psql app -c "UPDATE samples SET genre = 'zydeco' WHERE id = 9"
expect_exit 0 svl search "loop" --genre zydeco --library "$URL" --store app --json
expect_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([r["sample_id"] for r in (d["results"] if isinstance(d, dict) else d)])' out.txt)" "[9]" "genre filter reads samples as it is now"

# a SQLite library may fill a PostgreSQL store too (--store postgresql://…): unchanged texts
# are skipped, the two edited only in PostgreSQL (7, 8) take the SQLite library's
expect_exit 0 svl embed --sample-ids 1-20 --library lib.db --store "$URL" --json
expect_eq "$(json_field skipped out.txt) $(json_field successful out.txt)" "18 2" "--store postgresql:// with a SQLite library"

# read-only commands change nothing in PostgreSQL; hybrid search (the default) works through
# search's derived keyword cache; serve --store app reads the page's metadata from PostgreSQL
state() { pg_psql app -At -c "SELECT id, sample_id, vibe_vector, embedding_source, created_at FROM sample_embeddings ORDER BY id" -c "SELECT key, value FROM samplevec_meta ORDER BY key" | sha256sum; }
ro_before="$(state) $(others app)"
word=$(pg_psql app -At -c "SELECT lower(genre) FROM samples WHERE id = 12")
expect_exit 0 svl search "$word" --library "$URL" --store app --json
expect_eq "$(json_field note out.txt)" null "hybrid on PostgreSQL: no vector-only note"
expect_exit 0 svl search "$word" --mode keyword --library "$URL" --store app --json
expect_eq "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(len(r) > 0 and all(x["score"] > 0 for x in r))' out.txt)" True "keyword mode on PostgreSQL finds '$word'"
start_serve serve.err --library "$URL" --store app
expect_eq "$(curl -s -o body.txt -w '%{http_code}' "$url/samples/12")" 200 "serve on PostgreSQL: /samples/ID"
expect_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["title"], d["file_path"])' body.txt)" \
  "$(pg_psql app -At -F' ' -c "SELECT title, file_path FROM samples WHERE id = 12")" "serve on PostgreSQL: title and file_path from the app's tables"
expect_eq "$(curl -s -o body.txt -w '%{http_code}' "$url/facets")" 200 "serve on PostgreSQL: /facets"
expect_eq "$(python3 -c 'import json,sys; print(sum(g["count"] for g in json.load(open(sys.argv[1]))["genres"]))' body.txt)" \
  "$(pg_psql app -At -c "SELECT count(*) FROM samples WHERE trim(genre) <> ''")" "facets count the genres of PostgreSQL's samples"
expect_eq "$(curl -s -o body.txt -w '%{http_code}' "$url/search?q=warm+keys&k=3")" 200 "serve on PostgreSQL: /search"
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
cat serve.err >> "$log"
expect_eq "$(state) $(others app)" "$ro_before" "search, serve: PostgreSQL unchanged"

# the writer lease: a live run's lease refuses another run at once; released at the end
expect_eq "$(pg_psql app -At -c "SELECT count(*) FROM samplevec_meta WHERE key = 'writer'")" 0 "the lease released after a run"
sleep 300 & holder=$!
pg_psql app -c "INSERT INTO samplevec_meta VALUES ('writer', 'abc|$holder|$(hostname)|2026-01-02T03:04:05Z|$(( $(date +%s) + 600 ))') ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value" >/dev/null
pg_psql app -c "UPDATE samples SET title = title || ' (lease)' WHERE id = 3" >/dev/null
expect_exit 3 svl embed --all --library "$URL" --store app
expect_grep err.txt "being written by another samplevec run \(pid $holder"
expect_eq "$(pg_psql app -At -c "SELECT count(*) FROM sample_embeddings WHERE embedding_source LIKE '%(lease)%'")" 0 "the refused run wrote nothing"
kill "$holder"; wait "$holder" 2>/dev/null
expect_exit 0 svl embed --all --library "$URL" --store app --json
expect_eq "$(pg_psql app -At -c "SELECT count(*) FROM sample_embeddings WHERE embedding_source LIKE '%(lease)%'")" 1 "a dead run's lease taken over"
expect_eq "$(pg_psql app -At -c "SELECT count(*) FROM samplevec_meta WHERE key = 'writer'")" 0 "and released at the end"

# orphan pruning: the app's foreign key keeps PostgreSQL's own samples from leaving vectors
# behind, but a store filled from a SQLite library does: a sample that library lost loses its
# vector on embed --all
cp lib.db lib11.db
sqlite3 lib11.db "DELETE FROM vibe_analyses WHERE sample_id = 11; DELETE FROM samples WHERE id = 11"
expect_exit 0 svl status --library lib11.db --store "$URL" --json
expect_eq "$(json_field orphaned out.txt)" 1 "status on PostgreSQL: one orphaned vector"
expect_exit 0 svl embed --all --library lib11.db --store "$URL" --json
expect_eq "$(json_field orphans_removed out.txt)" 1 "embed --all removed the orphan in PostgreSQL"
expect_eq "$(pg_psql app -At -c "SELECT count(*) FROM sample_embeddings WHERE sample_id = 11")" 0 "the orphan's row is gone"
expect_eq "$(pg_psql app -At -c "SELECT count(*) FROM sample_embeddings")" 299 "every other row kept"

# the password never shows: not in any output, not in the progress file
BAD="postgresql://postgres:wrong-Secret-9@127.0.0.1:$PG_PORT/app"
expect_exit 3 svl embed --all --library "$BAD" --store app
expect_grep err.txt "postgres:\*\*\*@"
expect_exit 3 svl status --library lib.db --store "postgresql://postgres@127.0.0.1:$PG_PORT/app?password=wrong-Secret-9"
cat ./*.json >> "$log" 2>/dev/null
expect_no_grep "$log" "$PG_PASSWORD"
expect_no_grep "$log" "wrong-Secret-9"
expect_no_grep samplevec.progress.json "$PG_PASSWORD"
finish
