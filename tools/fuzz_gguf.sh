#!/usr/bin/env bash
# Fuzzes the GGUF reader (+ tokenizers: WordPiece, Unigram with its charsmap, byte-level BPE,
# SentencePiece BPE; the bert and decoder model loaders and a short forward pass) with libFuzzer for a bounded time.
#   tools/fuzz_gguf.sh [SECONDS=120]
# Seeds: fixtures with every supported tensor type (tools/gguf_fixtures.sh) and the kept seeds. Any crash, leak or timeout input
# is copied to tests/data/gguf/fuzz/, where test_gguf replays it in every build.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-120}
out=$here/build/fuzz
mkdir -p "$out/corpus" "$out/artifacts"
"$here/tools/gguf_fixtures.sh" "$here/build/gguf-fixtures"
"$here/tools/gguf_fixtures.sh" "$here/build/gguf-fixtures" xlmr-tiny qwen3-tiny gemma-tiny
for f in tiny tiny-nomic small-q8_0 small-mix k256-kmix xlmr-tiny qwen3-tiny gemma-tiny; do cp -n "$here/build/gguf-fixtures/$f.gguf" "$out/corpus/" 2>/dev/null || true; done
# the kept seeds too: small files the fuzzer mutates fast (seed-unigram: a t5 vocabulary with a
# charsmap; seed-{qwen3,gemma}-tiny-vocab: gpt2/llama vocabularies; seed-{qwen3,gemma}-model:
# gguf_writer.py's qwen3-seed and gemma-seed, whole decoder models of 17 and 30 KB)
cp -n "$here"/tests/data/gguf/fuzz/seed-* "$out/corpus/" 2>/dev/null || true
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE \
  $(pkg-config --cflags openblas libutf8proc) -I"$here/src/providers/gguf" -I"$here/src/base" \
  "$here/tests/fuzz/fuzz_gguf.c" "$here"/src/providers/gguf/{gguf,vocab,wordpiece,unigram,bpe,bpe_merge,spm,tokenizer,bert,decoder,gemm,matmul,matmul_x86,quant}.c "$here"/src/base/{array,hash,msg}.c \
  $(pkg-config --libs openblas libutf8proc) -lm -lpthread -o "$out/fuzz_gguf"
# -max_len: the largest seed (k256-kmix, every K-quant type) fits whole
"$out/fuzz_gguf" -max_total_time="$secs" -max_len=1100000 -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="$out/artifacts/" "$out/corpus" 2>&1 | tail -15 || true
mkdir -p "$here/tests/data/gguf/fuzz"
for f in "$out"/artifacts/*; do
  [ -f "$f" ] || continue
  cp "$f" "$here/tests/data/gguf/fuzz/$(basename "$f")"
  echo "kept $(basename "$f") as a regression input"
done
