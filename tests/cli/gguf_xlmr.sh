#!/usr/bin/env bash
# XLM-RoBERTa (`bert` + the Unigram "t5" tokenizer) against llama.cpp: token ids identical and
# cosine >= 0.9999 (F32, CLS pooling) or >= 0.999 (Q8_0; Q4_K/Q5_K/Q6_K/Q4_0 mix) on every
# golden text (tests/data/gguf/xlmr-*.json, made by tools/make_goldens.sh with the real
# llama.cpp), and on the Unigram edge texts (xlmr-edge.json: texts-unigram.json on xlmr-tiny);
# <s> … </s> kept when a text is cut; the pieces `tokenize --json` prints.
. "$(dirname "$0")/lib.sh"
fx=$BUILD_DIR/gguf-fixtures
models="xlmr-tiny xlmr-cls xlmr-q8_0 xlmr-kmix"
if "$SRC_DIR/tools/gguf_fixtures.sh" "$fx" $models 2>err.txt; then pass; else fail "fixtures: $(cat err.txt)"; finish; fi
data=$SRC_DIR/tests/data/gguf

golden() { # golden MODEL GOLDEN MIN_COS
  if python3 "$SRC_DIR/tools/check_golden.py" "$SAMPLEVEC" "$fx/$1.gguf" "$data/$2.json" --min-cos "$3" \
       >check.txt 2>check_err.txt; then pass; else fail "$2 against llama.cpp:"; cat check_err.txt >&2; fi
  grep -E "worst cosine" check_err.txt | sed "s/^/$2: /"
}
golden xlmr-tiny xlmr-tiny 0.9999
golden xlmr-cls xlmr-cls 0.9999
golden xlmr-tiny xlmr-edge 0.9999
golden xlmr-q8_0 xlmr-q8_0 0.999
golden xlmr-kmix xlmr-kmix 0.999

# Cut to the context (128) keeping <s> and </s>: 200 "a" words are 200 tokens of "▁a" (118).
long=$(printf 'a %.0s' $(seq 1 200))
expect_exit 0 "$SAMPLEVEC" tokenize "$long" --model "$fx/xlmr-tiny.gguf" --json
expect_grep out.txt '"ids":\[0,(118,){126}2\]'
expect_grep out.txt '"tokens":128,"truncated":true'
# token_ids leave out the specials; pieces are the vocabulary's own (▁ marks a word start)
expect_exit 0 "$SAMPLEVEC" tokenize "a world" --model "$fx/xlmr-tiny.gguf" --json
expect_grep out.txt '"ids":\[0,118,1260,2\],"token_ids":\[118,1260\],"pieces":\["<s>","▁a","▁world","</s>"\]'
finish
