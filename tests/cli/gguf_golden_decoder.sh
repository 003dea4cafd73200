#!/usr/bin/env bash
# The decoder-family models against llama.cpp (tests/data/gguf/{qwen3,gemma}-*.json, made by
# tools/make_goldens.sh issue13 with the real llama.cpp): qwen3 (byte-level BPE, Qwen2
# pre-tokenizer; causal GQA through an F16 KV cache, last pooling) and gemma-embedding
# (SentencePiece BPE with byte fallback; bidirectional attention with sliding-window layers,
# mean pooling, dense projections) give llama.cpp's token ids on every golden text and its
# vectors to cosine >= 0.9999 (F32) / 0.999 (Q8_0 and the K-quant mix); the scalar reference
# kernels agree; thread counts agree bit for bit; over-long text is cut keeping BOS/EOS.
. "$(dirname "$0")/lib.sh"
fx=$BUILD_DIR/gguf-fixtures
models="qwen3-tiny qwen3-q8_0 qwen3-kmix gemma-tiny gemma-nodense gemma-q8_0 gemma-kmix"
# shellcheck disable=SC2086
if "$SRC_DIR/tools/gguf_fixtures.sh" "$fx" $models 2>err.txt; then pass; else fail "fixtures: $(cat err.txt)"; finish; fi
data=$SRC_DIR/tests/data/gguf

for m in $models; do
  case $m in *-tiny|*-nodense) min=0.9999 ;; *) min=0.999 ;; esac
  if python3 "$SRC_DIR/tools/check_golden.py" "$SAMPLEVEC" "$fx/$m.gguf" "$data/$m.json" --min-cos $min \
       >check.txt 2>check_err.txt; then pass; else fail "$m against llama.cpp:"; cat check_err.txt >&2; fi
  grep -E "worst cosine" check_err.txt | sed "s/^/$m: /"
done
# The scalar reference kernels give the same answers through the whole forward pass.
for m in qwen3-tiny gemma-q8_0; do
  if SAMPLEVEC_GEMM=ref python3 "$SRC_DIR/tools/check_golden.py" "$SAMPLEVEC" "$fx/$m.gguf" "$data/$m.json" \
       --min-cos 0.999 >check.txt 2>check_err.txt; then pass; else fail "SAMPLEVEC_GEMM=ref $m:"; cat check_err.txt >&2; fi
done
# The thread count does not change a vector by a single bit (work is claimed in fixed row
# chunks and (text, head) pairs, each computed the same way by whichever thread takes it).
texts=()
for i in $(seq 1 24); do texts+=("text $i: $(printf 'kick snare hat clap %.0s' $(seq 1 $((i % 9 + 1))))"); done
for m in qwen3-tiny gemma-kmix; do
  expect_exit 0 "$SAMPLEVEC" embed-text "${texts[@]}" --provider gguf --model "$fx/$m.gguf" --threads 1 --json
  cp out.txt t1.json
  expect_exit 0 "$SAMPLEVEC" embed-text "${texts[@]}" --provider gguf --model "$fx/$m.gguf" --threads 3 --json
  expect_eq "$(cmp -s t1.json out.txt && echo same)" same "$m: --threads 1 and --threads 3 give identical vectors"
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
# ... and its vector is that of the text cut by hand (the EOS row is what last pooling reads)
expect_exit 0 "$SAMPLEVEC" embed-text "$long" --provider gguf --model "$fx/qwen3-tiny.gguf" --json
expect_grep out.txt '"tokens":128,"truncated":true'
# token_ids leave out only the specials the tokenizer added; pieces are Hugging Face's
expect_exit 0 "$SAMPLEVEC" tokenize "Hi there" --model "$fx/qwen3-tiny.gguf" --json
expect_grep out.txt '"pieces":\["H","i","Ġth","er","e","<\|endoftext\|>"\]'
expect_exit 0 "$SAMPLEVEC" tokenize "한 🥁" --model "$fx/gemma-tiny.gguf" --json
expect_grep out.txt '"pieces":\["<bos>","한","▁","<0xF0>","<0x9F>","<0xA5>","<0x81>","<eos>"\]'  # byte fallback

# Files that lack what these architectures need are refused naming it (exit 3).
python3 "$SRC_DIR/tools/gguf_quantize.py" "$fx/gemma-tiny.gguf" noswa.gguf --type keep \
  --drop-key gemma-embedding.attention.sliding_window
expect_exit 3 "$SAMPLEVEC" embed-text hi --provider gguf --model noswa.gguf
expect_grep err.txt "required metadata gemma-embedding.attention.sliding_window is missing"
python3 "$SRC_DIR/tools/gguf_quantize.py" "$fx/qwen3-tiny.gguf" nopre.gguf --type keep --drop-key tokenizer.ggml.pre
expect_exit 3 "$SAMPLEVEC" embed-text hi --provider gguf --model nopre.gguf
expect_grep err.txt "pre-tokenizer '' of tokenizer 'gpt2' is not supported \(supported: 'qwen2'"
python3 "$SRC_DIR/tools/gguf_quantize.py" "$fx/qwen3-tiny.gguf" nomerges.gguf --type keep --drop-key tokenizer.ggml.merges
expect_exit 3 "$SAMPLEVEC" embed-text hi --provider gguf --model nomerges.gguf
expect_grep err.txt "tokenizer.ggml.merges is missing"
finish
