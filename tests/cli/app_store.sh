#!/usr/bin/env bash
# --store app: vectors in the library's own sample_embeddings table, in the app's layout. The
# app's read path (tests/app_reader.py, written like its SQLAlchemy model + search service)
# ranks as samplevec search does and reads the very bits of a local store; every other table is
# untouched; backup, skips, dry run, status, a locked database, layouts that are not the app's.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
reader() { python3 "$SRC_DIR/tests/app_reader.py" "$@"; }
json_field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$2"; }
# the sample ids of search --json (an object) or similar --json (an array)
sids() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([r["sample_id"] for r in (d["results"] if isinstance(d, dict) else d)])' "$1"; }
# Every table but samplevec's two, row by row, and every schema object but theirs.
others() {
  local t
  for t in $(sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type='table' AND name NOT IN ('sample_embeddings','samplevec_meta') ORDER BY name"); do
    echo "== $t"; sqlite3 "$1" "SELECT * FROM \"$t\" ORDER BY rowid"
  done
  sqlite3 "$1" "SELECT type, name, sql FROM sqlite_master WHERE tbl_name NOT IN ('sample_embeddings','samplevec_meta') ORDER BY name"
}
# search --mode vector is pure cosine (the app's ranking) where search has modes
# (--literal: no BPM or key is read from the words, as the app's search reads none)
mode=(--mode vector --literal)

expect_exit 0 sv demo-library lib.db --count 300 --seed 7
before=$(others lib.db | sha256sum)
lib_before=$(sha256sum lib.db | cut -d' ' -f1)

# a dry run writes nothing, not even the backup
expect_exit 0 sv embed --all --library lib.db --store app --dry-run --json
expect_eq "$(json_field successful out.txt)" 300 "dry run counts all"
expect_eq "$(sha256sum lib.db | cut -d' ' -f1)" "$lib_before" "dry run leaves the library's bytes alone"
[ ! -e lib.db.samplevec-backup ] && pass || fail "dry run made a backup"

# the real run: opt-in said on the panel, backup first, the app's DDL
expect_exit 0 sv embed --all --library lib.db --store app --json
expect_eq "$(json_field successful out.txt)" 300 "all 300 stored in the app's table"
expect_grep err.txt "Store: lib.db: the app's own sample_embeddings table \(opt-in\)"
expect_grep err.txt "Backup: lib.db.samplevec-backup \(made now\)"
expect_grep err.txt "App search: embeds queries with openai/text-embedding-3-small"
expect_eq "$(sqlite3 lib.db.samplevec-backup 'PRAGMA integrity_check')" ok "backup is a sound database"
expect_eq "$(others lib.db.samplevec-backup | sha256sum)" "$before" "backup holds the library as it was"
expect_eq "$(sqlite3 lib.db.samplevec-backup "SELECT count(*) FROM sqlite_master WHERE name IN ('sample_embeddings','samplevec_meta')")" 0 "backup made before the first write"
expect_eq "$(sqlite3 lib.db "SELECT sql FROM sqlite_master WHERE name='sample_embeddings'" | tr -d '\n\t')" \
  "CREATE TABLE sample_embeddings (id INTEGER NOT NULL, sample_id INTEGER NOT NULL, vibe_vector JSON NOT NULL, embedding_source VARCHAR, created_at DATETIME DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (id), FOREIGN KEY(sample_id) REFERENCES samples (id))" "the app's DDL"
expect_eq "$(sqlite3 lib.db "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE tbl_name='sample_embeddings' AND type='index' ORDER BY name)")" "ix_sample_embeddings_id,ix_sample_embeddings_sample_id" "the app's indexes"
expect_eq "$(sqlite3 lib.db "SELECT count(*), min(id), max(id), count(DISTINCT sample_id) FROM sample_embeddings WHERE json_valid(vibe_vector) AND json_array_length(vibe_vector) = 1536 AND embedding_source LIKE 'Title: %' AND created_at IS NOT NULL")" "300|1|300|300" "one row per sample, ids from SQLite, JSON arrays of 1536, source texts"
expect_eq "$(sqlite3 lib.db "SELECT group_concat(key || '=' || value) FROM (SELECT * FROM samplevec_meta ORDER BY key)")" "dims=1536,document_prefix=,model=lexical-v1,provider=lexical,query_prefix=" "the claim and the prefixes in samplevec_meta; the lease released"
expect_eq "$(others lib.db | sha256sum)" "$before" "every other table and schema object identical"

# vectors equal, to the bit, those of a local store embedded from the same library
expect_exit 0 sv embed --all --library lib.db --store local.db
expect_eq "$(reader vectors lib.db | sha256sum)" "$(sqlite3 local.db "SELECT sample_id, hex(vibe_vector) FROM sample_embeddings ORDER BY sample_id" | tr '|' ' ' | sha256sum)" "app-layout vectors read back to the local store's bits"

# the app's read path ranks the same top 10 as samplevec search (pure cosine)
for q in "dark trap 808" "dusty jazz chords" "warm vinyl keys around 90 bpm"; do
  sv embed-text "$q" --json > q.json
  expect_exit 0 sv search "$q" "${mode[@]}" --library lib.db --store app --json
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); [print(r["sample_id"], "%.6f" % r["similarity"]) for r in (d["results"] if isinstance(d, dict) else d)]' out.txt > cli.txt
  reader search lib.db q.json -k 10 --min-similarity -1 > app.txt
  expect_eq "$(cat cli.txt)" "$(cat app.txt)" "top 10 of '$q': app reader = samplevec search"
  expect_eq "$(wc -l < app.txt)" 10 "ten results for '$q'"
  expect_exit 0 sv search "$q" "${mode[@]}" --library lib.db --store local.db --json
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); [print(r["sample_id"], "%.6f" % r["similarity"]) for r in (d["results"] if isinstance(d, dict) else d)]' out.txt > local.txt
  expect_eq "$(cat local.txt)" "$(cat cli.txt)" "'$q': app store answers as the local store"
done
expect_exit 0 sv similar 5 --library lib.db --store app --json
app_similar=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([r["sample_id"] for r in (d["results"] if isinstance(d, dict) else d)])' out.txt)
expect_exit 0 sv similar 5 --library lib.db --store local.db --json
expect_eq "$app_similar" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([r["sample_id"] for r in (d["results"] if isinstance(d, dict) else d)])' out.txt)" "similar: app store = local store"

# status, and a rerun skips by comparing embedding_source
expect_exit 0 sv status --library lib.db --store app --json
expect_eq "$(json_field embedded out.txt)" 300 "status: all embedded"
expect_exit 0 sv embed --all --library lib.db --store app --json
expect_eq "$(json_field skipped out.txt)" 300 "rerun skips all"
expect_grep err.txt "Backup: lib.db.samplevec-backup \(from the first run, kept\)"
id42=$(sqlite3 lib.db "SELECT id FROM sample_embeddings WHERE sample_id=42")
sqlite3 lib.db "UPDATE samples SET title = title || ' (edited)' WHERE id = 42"
expect_exit 0 sv status --library lib.db --store app --json
expect_eq "$(json_field stale out.txt)" 1 "status: the edited sample is stale"
expect_exit 0 sv embed --all --library lib.db --store app --json
expect_eq "$(json_field successful out.txt)" 1 "only the edited sample re-embedded"
expect_eq "$(sqlite3 lib.db "SELECT id, embedding_source LIKE '%(edited)%' FROM sample_embeddings WHERE sample_id=42")" "$id42|1" "upsert by sample_id keeps its id"

# filters read straight from the app's samples table, at query time
sqlite3 lib.db "UPDATE samples SET genre = 'zydeco' WHERE id = 7"
expect_exit 0 sv search "loop" --genre zydeco --library lib.db --store app --json
expect_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([r["sample_id"] for r in (d["results"] if isinstance(d, dict) else d)])' out.txt)" "[7]" "a genre the app changed is seen by the filter"
# a sample the app deleted is never a result
sqlite3 lib.db "DELETE FROM samples WHERE id = 7"
expect_exit 0 sv search "loop" --genre zydeco --library lib.db --store app --json
expect_eq "$(sids out.txt)" "[]" "orphaned vector not returned"

# read-only commands leave the app's database byte for byte as it was (no journal, no pragma)
ro_before=$(sha256sum lib.db | cut -d' ' -f1)
expect_exit 0 sv search "dusty jazz chords" --library lib.db --store app --json
expect_exit 0 sv search "loop" --mode keyword --library lib.db --store app --json
expect_exit 0 sv similar 5 --library lib.db --store app --json
expect_exit 0 sv status --library lib.db --store app
expect_exit 0 sv embed --all --library lib.db --store app --dry-run --json
start_serve serve.err --library lib.db --store app
expect_eq "$(curl -s -o body.txt -w '%{http_code}' "$url/search?q=warm+keys&k=3")" 200 "serve --store app: /search"
expect_eq "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' body.txt)" 3 "serve --store app: three results"
expect_eq "$(curl -s -o body.txt -w '%{http_code}' "$url/samples/12")" 200 "serve --store app: /samples/ID"
expect_eq "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["title"])' body.txt)" "$(sqlite3 lib.db "SELECT title FROM samples WHERE id = 12")" "serve --store app: the title from the app's samples table"
expect_eq "$(curl -s -o body.txt -w '%{http_code}' "$url/facets")" 200 "serve --store app: /facets"
expect_grep body.txt '"genres":\[\{"value"'
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
expect_eq "$(sha256sum lib.db | cut -d' ' -f1)" "$ro_before" "search, similar, status, serve and a dry run left the app's database byte-identical"
[ ! -e lib.db-journal ] && [ ! -e lib.db-wal ] && pass || fail "a reader left a journal beside the app's database"

# hybrid search (the default) works on the app store: its keyword side is search's derived
# cache (the app's table has no keyword index), so no vector-only note
word=$(sqlite3 lib.db "SELECT lower(genre) FROM samples WHERE id = 12")
expect_exit 0 sv search "$word" --library lib.db --store app --json
expect_eq "$(json_field note out.txt)" null "hybrid on the app store: no vector-only note"
expect_exit 0 sv search "$word" --mode keyword --library lib.db --store app --json
expect_eq "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(len(r) > 0 and all(x["score"] > 0 for x in r))' out.txt)" True "keyword mode on the app store finds '$word'"

# orphan pruning: sample 7 left the library; status counts its vector, embed --all removes it
expect_exit 0 sv status --library lib.db --store app --json
expect_eq "$(json_field orphaned out.txt)" 1 "status: one orphaned vector"
expect_exit 0 sv embed --sample-ids 1-50 --library lib.db --store app --json
expect_eq "$(sqlite3 lib.db "SELECT count(*) FROM sample_embeddings WHERE sample_id = 7")" 1 "a selection prunes nothing"
prune_before=$(others lib.db | sha256sum)
expect_exit 0 sv embed --all --library lib.db --store app --json
expect_eq "$(json_field orphans_removed out.txt)" 1 "embed --all removed one orphan"
expect_eq "$(sqlite3 lib.db "SELECT count(*) FROM sample_embeddings WHERE sample_id = 7")" 0 "the orphan's row is gone"
expect_eq "$(sqlite3 lib.db "SELECT count(*) FROM sample_embeddings")" 299 "every other row kept"
expect_eq "$(others lib.db | sha256sum)" "$prune_before" "pruning wrote only sample_embeddings"

# the writer lease: a live run's lease stops another run at once, writing nothing; a dead
# run's is taken over and released at the end
host=$(hostname)
sleep 300 & holder=$!
sqlite3 lib.db "INSERT OR REPLACE INTO samplevec_meta VALUES('writer', 'abc|$holder|$host|2026-01-02T03:04:05Z|$(( $(date +%s) + 600 ))')"
sqlite3 lib.db "UPDATE samples SET title = title || ' (lease)' WHERE id = 3"
lease_before=$(sha256sum lib.db | cut -d' ' -f1)
expect_exit 3 sv embed --all --library lib.db --store app
expect_grep err.txt "being written by another samplevec run \(pid $holder on host $host"
expect_eq "$(sha256sum lib.db | cut -d' ' -f1)" "$lease_before" "a refused run wrote nothing"
kill "$holder"; wait "$holder" 2>/dev/null
expect_exit 0 sv embed --all --library lib.db --store app --json
expect_eq "$(json_field successful out.txt)" 1 "a dead run's lease taken over"
expect_eq "$(sqlite3 lib.db "SELECT count(*) FROM samplevec_meta WHERE key = 'writer'")" 0 "the lease released at the end"

# the app holds the database locked: wait, stop with exit 3, --resume finishes
expect_exit 0 sv demo-library big.db --count 600 --seed 3
expect_exit 0 sv embed --sample-ids 1-200 --library big.db --store app --no-backup
expect_grep err.txt "Backup: none \(--no-backup\)"
[ ! -e big.db.samplevec-backup ] && pass || fail "--no-backup made a backup"
python3 - big.db <<'EOF' &
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")   # the app in the middle of a write
open("locked", "w").close()
while not __import__("os").path.exists("release"):
    time.sleep(0.05)
con.execute("ROLLBACK")
EOF
locker=$!
while [ ! -e locked ]; do sleep 0.05; done
rows_before=$(sqlite3 big.db "SELECT count(*) FROM sample_embeddings")
SAMPLEVEC_BUSY_TIMEOUT=0.5 expect_exit 3 sv embed --all --resume --library big.db --store app
expect_grep err.txt "stayed locked by another program"
expect_grep err.txt "--resume"
touch release; wait "$locker"
expect_eq "$(sqlite3 big.db "SELECT count(*) FROM sample_embeddings")" "$rows_before" "nothing written while locked"
expect_exit 0 sv embed --all --resume --library big.db --store app --json
expect_exit 0 sv embed --all --library big.db --store big-local.db
expect_eq "$(reader vectors big.db | sha256sum)" "$(sqlite3 big-local.db "SELECT sample_id, hex(vibe_vector) FROM sample_embeddings ORDER BY sample_id" | tr '|' ' ' | sha256sum)" "after the lock, --resume finished every sample"

# another model on a claimed table needs --reset; vectors the app wrote itself are not mixed
expect_exit 2 sv embed --all --dims 256 --library lib.db --store app
expect_grep err.txt "--reset"
expect_exit 0 sv demo-library own.db --count 20 --seed 9
sqlite3 own.db "$(sed -n '/^#define APP_SQLITE_DDL/,/^$/p' "$SRC_DIR/src/store/app_layout.h" | sed -n 's/.*"\(.*\)".*/\1/p' | tr -d '\n' | sed 's/\\n/ /g; s/\\t//g')"
sqlite3 own.db "INSERT INTO sample_embeddings(sample_id, vibe_vector, embedding_source) SELECT id, '[' || substr(replace(hex(zeroblob(1535)), '00', '0.5, '), 1, 1535*5) || '0.5]', 'Title: x' FROM samples"
own_before=$(sha256sum own.db | cut -d' ' -f1)
expect_exit 2 sv embed --all --library own.db --store app --no-backup
expect_grep err.txt "the application wrote itself"
expect_grep err.txt "openai/text-embedding-3-small"
expect_eq "$(sha256sum own.db | cut -d' ' -f1)" "$own_before" "refused run wrote nothing"
expect_exit 0 sv status --library own.db --store app --json
expect_eq "$(json_field model out.txt)" '"openai/text-embedding-3-small"' "the app's own rows: its model, presumed"
expect_exit 0 sv embed --all --reset --library own.db --store app --json
expect_eq "$(sqlite3 own.db "SELECT count(*) FROM sample_embeddings WHERE embedding_source LIKE 'Title: %' AND embedding_source <> 'Title: x'")" 20 "--reset replaced the app's vectors"
expect_grep err.txt "own.db.samplevec-backup \(made now\)"

# layouts and files that are not the app's
cp lib.db plain.db
expect_exit 3 sv embed --all --library plain.db --store plain.db
expect_grep err.txt "--store app"
expect_exit 0 sv demo-library odd.db --count 10 --seed 1
sqlite3 odd.db "CREATE TABLE sample_embeddings (id INTEGER PRIMARY KEY, sample_id INTEGER NOT NULL, vibe_vector JSON NOT NULL, embedding_source VARCHAR, created_at DATETIME)"
odd_before=$(sha256sum odd.db | cut -d' ' -f1)
expect_exit 3 sv embed --all --library odd.db --store app
expect_grep err.txt "no UNIQUE index on sample_id"
expect_eq "$(sha256sum odd.db | cut -d' ' -f1)" "$odd_before" "a layout that is not the app's is left untouched"
expect_exit 3 sv embed --all --library missing.db --store app
finish
