#!/usr/bin/env bash
# samplevec embed/status against a real Turso server (tursodb --sync-server): the same rows as
# the local store, byte for byte and through vector_extract; TURSO_DATABASE_URL as the default
# store; reruns skip; claims, --vector-index and an unreachable server; the token never shows.
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/turso_server.sh"
sv() { "$SAMPLEVEC" "$@"; }
json_field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$2"; }
TOKEN="tok-$$-Zq9sEcReT"
COLS="sample_id, hex(vibe_vector), embedding_source, source_hash, model, dims, title, genre, bpm, musical_key, mood_primary, mood_secondary, energy_level"
server_rows() { "$TURSODB" -m list "$1" "SELECT $COLS FROM sample_embeddings ORDER BY sample_id" | sha256sum | cut -d' ' -f1; }
local_rows() { sqlite3 "$1" "SELECT $COLS FROM sample_embeddings ORDER BY sample_id" | sha256sum | cut -d' ' -f1; }
extract() { "$TURSODB" -m list "$1" "SELECT sample_id, vector_extract(vibe_vector) FROM sample_embeddings ORDER BY sample_id" | sha256sum | cut -d' ' -f1; }
all_output() { cat ./*.txt 2>/dev/null; cat ./*.json 2>/dev/null; }

turso_require || { fail "tursodb missing"; finish; }
expect_exit 0 sv demo-library lib.db --count 700 --seed 11
expect_exit 0 sv embed --all --library lib.db --store local.db
turso_start remote.db || { fail "server"; finish; }

# the store comes from TURSO_DATABASE_URL when --store is absent; the token from the env
export TURSO_DATABASE_URL="$TURSO_URL" TURSO_AUTH_TOKEN="$TOKEN"
expect_exit 0 sv embed --all --library lib.db --json
expect_eq "$(json_field successful out.txt)" 700 "all stored on the server"
expect_grep err.txt "http://127.0.0.1:$TURSO_PORT"
cp out.txt first_out.txt; cp err.txt first_err.txt
[ -f samplevec.progress.json ] && pass || fail "remote store's progress file in the working directory"
expect_no_grep samplevec.progress.json "$TOKEN"

expect_exit 0 sv status --library lib.db --json
expect_eq "$(json_field embedded out.txt)" 700 "status reads the server back"
expect_eq "$(json_field missing out.txt)" 0 "none missing"
cp out.txt status_out.txt

# the same two settings from ./.env (the sample manager's backend keeps them there)
( unset TURSO_DATABASE_URL TURSO_AUTH_TOKEN
  printf 'TURSO_DATABASE_URL=%s\nexport TURSO_AUTH_TOKEN="%s"\n' "$TURSO_URL" "$TOKEN" >.env
  "$SAMPLEVEC" status --library lib.db --json >env_out.txt 2>env_err.txt; echo $? >env_rc.txt
  rm -f .env )
expect_eq "$(cat env_rc.txt)" 0 "status with the store named in .env"
expect_eq "$(json_field embedded env_out.txt)" 700 "the .env store is the server"

expect_exit 0 sv embed --all --library lib.db --json
expect_eq "$(json_field skipped out.txt)" 700 "rerun skips everything (bulk lookups)"
expect_eq "$(json_field successful out.txt)" 0 "rerun stores nothing"

# another model on a claimed store: usage error naming both; --vector-index: a clear warning
expect_exit 2 sv embed --all --library lib.db --dims 64
expect_grep err.txt "lexical-v1.*1536.*64|--reset"
expect_exit 0 sv embed --all --library lib.db --vector-index
expect_grep err.txt "does not support libsql_vector_idx"
cp err.txt vi_err.txt

# an edited sample is re-embedded in place: still 700 rows
sqlite3 lib.db "UPDATE samples SET title = title || ' (edited)' WHERE id = 5"
expect_exit 0 sv embed --all --library lib.db --json
expect_eq "$(json_field successful out.txt)" 1 "only the edited sample"
expect_exit 0 sv embed --all --library lib.db --store local.db

# read-back: the server's file, row for row, equals the local store of the same library
turso_stop
expect_eq "$(server_rows remote.db)" "$(local_rows local.db)" "server rows equal the local store's"
expect_eq "$(extract remote.db)" "$(extract local.db)" "vector_extract equal on both"
expect_eq "$("$TURSODB" -m list remote.db "SELECT count(*), count(DISTINCT sample_id), min(length(vibe_vector)), max(length(vibe_vector)) FROM sample_embeddings")" "700|700|6144|6144" "700 distinct rows of 1536 float32"
expect_eq "$("$TURSODB" -m list remote.db "SELECT value FROM samplevec_meta WHERE key IN ('provider','model','dims') ORDER BY key")" "$(printf '1536\nlexical-v1\nlexical')" "samplevec_meta claim"

# the server is gone: retries, then exit 3 with a message naming it, never the token
export SAMPLEVEC_TURSO_RETRIES=1
expect_exit 3 sv embed --all --library lib.db
expect_grep err.txt "127.0.0.1:$TURSO_PORT"
cp err.txt down_err.txt
expect_exit 3 sv status --library lib.db
expect_grep err.txt "127.0.0.1:$TURSO_PORT"
unset SAMPLEVEC_TURSO_RETRIES

# a bad URL is a usage error; a token in the URL's query is used but never shown
expect_exit 2 sv embed --all --library lib.db --store "ftp://example"
expect_grep err.txt "store 'ftp://.*' is not a file path nor a libsql://, https://, http:// or postgresql:// URL"
expect_exit 3 env SAMPLEVEC_TURSO_RETRIES=0 "$SAMPLEVEC" embed --all --library lib.db --store "http://127.0.0.1:$TURSO_PORT/?authToken=$TOKEN"
expect_grep err.txt "127.0.0.1:$TURSO_PORT"
cp err.txt query_err.txt

expect_eq "$(all_output | grep -c -- "$TOKEN")" 0 "the token never appears in any output or file"
finish
