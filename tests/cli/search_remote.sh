#!/usr/bin/env bash
# search over a store embedded by an OpenAI-compatible provider (tests/fake_openai on
# loopback): the query goes to the same server and model (--base-url), the query's vector is
# the one the server returns for that text (so searching a stored sample's exact source text
# ranks that sample first with similarity 1), and the API key never shows.
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/fake_openai/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
KEY=sk-proj-SearchTestKey0123456789abcdefXYZ
export OPENAI_API_KEY=$KEY
unset OPENAI_BASE_URL OPENROUTER_API_KEY SAMPLEVEC_TIKTOKEN

expect_exit 0 sv demo-library lib.db --count 120 --seed 4
fake_start --key "$KEY" || { fail "fake server"; finish; }
trap fake_stop EXIT
expect_exit 0 sv embed --all --library lib.db --provider openai --base-url "$FAKE_URL"

source_of_17=$(sqlite3 samplevec.db "SELECT embedding_source FROM sample_embeddings WHERE sample_id = 17")
expect_exit 0 sv search "$source_of_17" --library lib.db --base-url "$FAKE_URL" --json -k 3 --mode vector --literal
expect_grep out.txt '"results":\[\{"sample_id":17,'
expect_grep out.txt '"similarity":(1|0\.99999[0-9]*)[,}]'
# similar needs no provider; without the server a search cannot embed its query: exit 3, a
# clear error, never the key
expect_exit 0 sv similar 17 --library lib.db -k 2 --json
fake_stop
expect_exit 3 sv search "dark" --library lib.db --base-url "$FAKE_URL"
expect_grep err.txt 'cannot reach the embeddings API'
for f in out.txt err.txt; do expect_no_grep "$f" "$KEY"; done
finish
