#!/usr/bin/env bash
# Query and document prefixes (prompts.h): the model's own from its metadata or name, the
# --query-prefix/--document-prefix overrides, the store recording them, search embedding its
# query with the recorded prefix, another document prefix refused like another model, and a
# store from before prefixes (none recorded) searched and extended as it was embedded.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
fx=$BUILD_DIR/gguf-fixtures
"$SRC_DIR/tools/gguf_fixtures.sh" "$fx" tiny tiny-nomic || { fail "fixtures"; finish; }
# the same weights under an e5 model's file name: the table knows e5 by its name
cp "$fx/tiny.gguf" multilingual-e5-small.gguf
e5=multilingual-e5-small.gguf

prefix() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["prefix"])' "$1"; }
vector() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["embedding"])' "$1"; }

# --as picks the role; the prefix comes from the table
expect_exit 0 sv embed-text "warm pad" --provider gguf --model $e5 --as query --json
expect_eq "$(prefix out.txt)" "query: " "e5 by file name: query prefix"
cp out.txt as_query.json
expect_exit 0 sv embed-text "query: warm pad" --provider gguf --model $e5 --json
expect_eq "$(prefix out.txt)" "" "no --as: the text as it is"
expect_eq "$(vector out.txt)" "$(vector as_query.json)" "--as query embeds 'query: ' + text"
expect_exit 0 sv embed-text "warm pad" --provider gguf --model $e5 --as document --json
expect_eq "$(prefix out.txt)" "passage: " "e5: document prefix"
expect_exit 0 sv embed-text "warm pad" --provider gguf --model "$fx/tiny-nomic.gguf" --as query --json
expect_eq "$(prefix out.txt)" "search_query: " "nomic-bert by architecture"
expect_exit 0 sv embed-text "warm pad" --provider gguf --model "$fx/tiny.gguf" --as document --json
expect_eq "$(prefix out.txt)" "" "a model without prompts"
expect_exit 0 sv embed-text "warm pad" --provider gguf --model $e5 --as query --query-prefix "find: " --json
expect_eq "$(prefix out.txt)" "find: " "--query-prefix over the model's"
expect_exit 2 sv embed-text x --as queries
expect_grep err.txt "option --as: 'queries' is not a role: use query or document"

# The store records the prefixes; status shows them
expect_exit 0 sv demo-library lib.db --count 40 --seed 3
expect_exit 0 sv embed --all --library lib.db --provider gguf --model $e5 --threads 1
expect_exit 0 sv status --library lib.db --json
expect_grep out.txt '"query_prefix":"query: ","document_prefix":"passage: "'
expect_exit 0 sv status --library lib.db
expect_grep out.txt '^prefixes  query "query: ", document "passage: "$'

# search embeds the query with the recorded prefix: the same answer as asking for it, another
# one without it
expect_exit 0 sv search "dusty drums" --library lib.db --model $e5 --json -k 8
cp out.txt default.json
expect_exit 0 sv search "dusty drums" --library lib.db --model $e5 --json -k 8 --query-prefix "query: "
cmp -s out.txt default.json && pass || fail "search did not use the recorded query prefix"
expect_exit 0 sv search "dusty drums" --library lib.db --model $e5 --json -k 8 --query-prefix ""
cmp -s out.txt default.json && fail "--query-prefix '' changed nothing" || pass

# Another document prefix is refused like another model, naming both and the ways out
expect_exit 2 sv embed --all --library lib.db --provider gguf --model $e5 --document-prefix "doc: "
expect_grep err.txt "documents embedded with the prefix \"passage: \"; this run would use \"doc: \": pass --document-prefix \"passage: \" .* or --reset"
expect_exit 0 sv embed --all --library lib.db --provider gguf --model $e5 --document-prefix "doc: " --reset --json
expect_grep out.txt '"successful":40'
# another query prefix is only recorded (the documents stay): nothing to embed again
expect_exit 0 sv embed --all --library lib.db --provider gguf --model $e5 --document-prefix "doc: " --query-prefix "find: " --json
expect_grep out.txt '"skipped":40'
expect_exit 0 sv status --library lib.db --json
expect_grep out.txt '"query_prefix":"find: ","document_prefix":"doc: "'
expect_exit 0 sv search "dusty drums" --library lib.db --model $e5 --json -k 8
cp out.txt find.json
expect_exit 0 sv search "dusty drums" --library lib.db --model $e5 --json -k 8 --query-prefix "find: "
cmp -s out.txt find.json && pass || fail "search did not use the newly recorded query prefix"

# A store from before prefixes: none recorded. search adds none; embedding with the model's
# prefix is refused with the way to go on as before.
expect_exit 0 sv embed --all --library lib.db --provider gguf --model $e5 --document-prefix "" --query-prefix "" --reset
python3 -c 'import sqlite3; db = sqlite3.connect("samplevec.db"); db.execute("DELETE FROM samplevec_meta WHERE key LIKE ?", ("%_prefix",)); db.commit()'
expect_exit 0 sv status --library lib.db --json
expect_grep out.txt '"query_prefix":"","document_prefix":""'
expect_exit 0 sv search "dusty drums" --library lib.db --model $e5 --json -k 8
cp out.txt old.json
expect_exit 0 sv search "dusty drums" --library lib.db --model $e5 --json -k 8 --query-prefix ""
cmp -s out.txt old.json && pass || fail "an old store's query got a prefix"
expect_exit 2 sv embed --all --library lib.db --provider gguf --model $e5
expect_grep err.txt "documents embedded without a prefix; this run would put \"passage: \" before each .* --document-prefix '' to go on as before, or --reset"
expect_exit 0 sv embed --all --library lib.db --provider gguf --model $e5 --document-prefix "" --json
expect_grep out.txt '"skipped":40'
finish
