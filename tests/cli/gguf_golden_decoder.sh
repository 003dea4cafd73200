#!/usr/bin/env bash
# The decoder-family models against llama.cpp (tests/data/gguf/{qwen3,gemma}-*.json, made by
# tools/make_goldens.sh issue13 with the real llama.cpp): qwen3 (byte-level BPE, Qwen2
# pre-tokenizer) and gemma-embedding (SentencePiece BPE with byte fallback) give llama.cpp's
# token ids on every golden text; over-long text is cut keeping BOS/EOS.
. "$(dirname "$0")/lib.sh"
fx=$BUILD_DIR/gguf-fixtures
models="qwen3-tiny qwen3-q8_0 qwen3-kmix gemma-tiny gemma-nodense gemma-q8_0 gemma-kmix"
# shellcheck disable=SC2086
if "$SRC_DIR/tools/gguf_fixtures.sh" "$fx" $models 2>err.txt; then pass; else fail "fixtures: $(cat err.txt)"; finish; fi
data=$SRC_DIR/tests/data/gguf

for m in $models; do
  if python3 "$SRC_DIR/tools/check_golden.py" "$SAMPLEVEC" "$fx/$m.gguf" "$data/$m.json" --tokens-only \
       >check.txt 2>check_err.txt; then pass; else fail "$m tokens against llama.cpp:"; cat check_err.txt >&2; fi
done

# Over-long text: cut to the context (128) keeping the specials, so qwen3's last-token pooling
# still reads its <|endoftext|> (856) and gemma's text stays between <bos> (2) and <eos> (1).
long=$(printf 'the %.0s' $(seq 1 300))
expect_exit 0 "$SAMPLEVEC" tokenize "$long" --model "$fx/qwen3-tiny.gguf" --json
expect_grep out.txt '"tokens":128,"truncated":true'
expect_grep out.txt '"ids":\[705,(287,101,){63}856\]'
expect_exit 0 "$SAMPLEVEC" tokenize "$long" --model "$fx/gemma-tiny.gguf" --json
expect_grep out.txt '"tokens":128,"truncated":true'
expect_grep out.txt '"ids":\[2,416,884,(339,){124}1\]'
# token_ids leave out only the specials the tokenizer added; pieces are Hugging Face's
expect_exit 0 "$SAMPLEVEC" tokenize "Hi there" --model "$fx/qwen3-tiny.gguf" --json
expect_grep out.txt '"pieces":\["H","i","Ġth","er","e","<\|endoftext\|>"\]'
expect_exit 0 "$SAMPLEVEC" tokenize "한 🥁" --model "$fx/gemma-tiny.gguf" --json
expect_grep out.txt '"pieces":\["<bos>","한","▁","<0xF0>","<0x9F>","<0xA5>","<0x81>","<eos>"\]'  # byte fallback
finish
