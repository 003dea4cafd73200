#!/usr/bin/env bash
# --dims N on a Matryoshka model (nomic-bert here; qwen3 and gemma-embedding too): the first N
# values of the full vector scaled back to unit length, in embed-text, embed (the store claims
# N dims) and search (queries cut the same way); any other model refuses a --dims it cannot make.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
fx=$BUILD_DIR/gguf-fixtures
"$SRC_DIR/tools/gguf_fixtures.sh" "$fx" >/dev/null 2>err.txt || { fail "fixtures: $(cat err.txt)"; finish; }
m=$fx/tiny-nomic.gguf

expect_exit 0 sv embed-text "dusty jazz chords" "🔥 808 glide" --provider gguf --model "$m" --json
cp out.txt full.json
expect_exit 0 sv embed-text "dusty jazz chords" "🔥 808 glide" --provider gguf --model "$m" --json --dims 8
cp out.txt cut.json
python3 - <<'PY' && pass || fail "--dims 8 is not the first 8 values at unit length"
import json, math
full, cut = json.load(open("full.json")), json.load(open("cut.json"))
assert cut["dims"] == 8 and full["dims"] > 8, (cut["dims"], full["dims"])
for f, c in zip(full["results"], cut["results"]):
    head = f["embedding"][:8]
    norm = math.sqrt(sum(x * x for x in head))
    assert len(c["embedding"]) == 8
    assert all(abs(a - b / norm) < 1e-6 for a, b in zip(c["embedding"], head)), (c["embedding"], head)
    assert abs(sum(x * x for x in c["embedding"]) - 1) < 1e-5
PY

# embed and search at 8 dims: the store claims 8, the query is cut like the documents
expect_exit 0 sv demo-library lib.db --count 40 --seed 4
expect_exit 0 sv embed --all --library lib.db --provider gguf --model "$m" --dims 8 --threads 1
expect_eq "$(sqlite3 samplevec.db "SELECT value FROM samplevec_meta WHERE key='dims'")/$(sqlite3 samplevec.db 'SELECT DISTINCT length(vibe_vector) FROM sample_embeddings')" "8/32" "8 dims stored"
expect_exit 0 sv search "dusty jazz chords" --mode vector --library lib.db --model "$m" --json -k 3
expect_eq "$(grep -o '"sample_id"' out.txt | wc -l)" 3 "search at 8 dims"
# the same --dims again skips everything; another one is another claim
expect_exit 0 sv embed --all --library lib.db --provider gguf --model "$m" --dims 8 --threads 1 --json
expect_grep out.txt '"skipped":40'
expect_exit 2 sv embed --all --library lib.db --provider gguf --model "$m" --dims 4 --threads 1
expect_grep err.txt "8 dims"

# a model not trained that way keeps its size
expect_exit 2 sv embed-text "x" --provider gguf --model "$fx/tiny.gguf" --dims 8
expect_grep err.txt "only Matryoshka models \(architectures nomic-bert, qwen3, gemma-embedding\)"
expect_exit 2 sv embed-text "x" --provider gguf --model "$m" --dims 4096
expect_grep err.txt "makes [0-9]+-dimensional vectors"
finish
