#!/usr/bin/env bash
# jina-bert-v2 (jina-embeddings-v2: ALiBi, GEGLU) against llama.cpp: token ids identical and
# cosine >= 0.9999 (F32: GEGLU from one ffn_up [H, 2F], and older files' separate ffn_gate) or
# >= 0.999 (Q8_0; Q4_K/Q5_K/Q6_K/Q4_0 mix) on every golden text (tests/data/gguf/jina-*.json,
# made by tools/make_goldens.sh with the real llama.cpp; the 320-word text is cut to the
# context); word order moves a vector though there is no position table (ALiBi).
. "$(dirname "$0")/lib.sh"
fx=$BUILD_DIR/gguf-fixtures
models="jina-tiny jina-split jina-q8_0 jina-kmix"
if "$SRC_DIR/tools/gguf_fixtures.sh" "$fx" $models 2>err.txt; then pass; else fail "fixtures: $(cat err.txt)"; finish; fi
data=$SRC_DIR/tests/data/gguf

golden() { # golden MODEL MIN_COS
  if python3 "$SRC_DIR/tools/check_golden.py" "$SAMPLEVEC" "$fx/$1.gguf" "$data/$1.json" --min-cos "$2" \
       >check.txt 2>check_err.txt; then pass; else fail "$1 against llama.cpp:"; cat check_err.txt >&2; fi
  grep -E "worst cosine" check_err.txt | sed "s/^/$1: /"
}
golden jina-tiny 0.9999
golden jina-split 0.9999
golden jina-q8_0 0.999
golden jina-kmix 0.999

# Without position embeddings a text's vector depends on word order through ALiBi alone
# (attention without it is blind to order: the mean of the same tokens' states, to rounding):
# reversing the words must move it by more than rounding.
expect_exit 0 "$SAMPLEVEC" embed-text "warm analog pad slow attack" "attack slow pad analog warm" \
  --provider gguf --model "$fx/jina-tiny.gguf" --json
moved=$(python3 -c '
import json, math
a, b = (r["embedding"] for r in json.load(open("out.txt"))["results"])
print(sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b)) < 0.99999)')
expect_eq "$moved" True "word order changes a jina-bert-v2 vector (ALiBi)"

finish
