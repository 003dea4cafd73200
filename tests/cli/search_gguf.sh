#!/usr/bin/env bash
# search over a store embedded with the in-process GGUF encoder: the stored model id names the
# file but is no path, so the query needs --model (or SAMPLEVEC_MODEL), and only the same model
# is accepted; similar needs no model at all.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
fx=$BUILD_DIR/gguf-fixtures
"$SRC_DIR/tools/gguf_fixtures.sh" "$fx" || { fail "fixtures"; finish; }
expect_exit 0 sv demo-library lib.db --count 80 --seed 9
expect_exit 0 sv embed --all --library lib.db --provider gguf --model "$fx/tiny.gguf" --threads 1

expect_exit 2 sv search "dark moody hip hop" --library lib.db
expect_grep err.txt "store's provider gguf, model tiny.gguf#[0-9a-f]{16}: .*--model"
expect_exit 0 sv search "dark moody hip hop" --library lib.db --model "$fx/tiny.gguf" --json -k 5
cp out.txt flag.json
expect_eq "$(grep -o '"sample_id"' flag.json | wc -l)" 5 "five results"
SAMPLEVEC_MODEL=$fx/tiny.gguf expect_exit 0 sv search "dark moody hip hop" --library lib.db --json -k 5
cmp -s out.txt flag.json && pass || fail "SAMPLEVEC_MODEL differs from --model"
# the same model only: another file of the same size is refused, naming both ids
cp "$fx/tiny.gguf" other.gguf && printf 'x' >> other.gguf
expect_exit 2 sv search "dark" --library lib.db --model other.gguf
expect_grep err.txt "embedded with model 'tiny.gguf#[0-9a-f]{16}' but the query would be embedded with 'other.gguf#"
expect_exit 0 sv similar 3 --library lib.db -k 4 --json
expect_eq "$(grep -o '"sample_id"' out.txt | wc -l)" 4 "similar needs no model"
finish
