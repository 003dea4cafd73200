#!/usr/bin/env bash
# Builds the GGUF test fixtures into DIR (idempotent) with the project's own writer,
# tools/gguf_writer.py (random weights, deterministic per preset and seed):
#   tiny (WordPiece BERT, H32 L2, F32), tiny-f16, tiny-cls (CLS pooling, seed 99), and from
#   tools/gguf_quantize.py: tiny-bf16, tiny-qkv (Q, K, V fused into attn_qkv), tiny-nomic
#   (nomic-bert: RoPE, SwiGLU), small-{q8_0,q4_0,q4_1,q5_0,q5_1,mix} (mix: a different type per
#   tensor kind, attn_v BF16) and k256-kmix (hidden 256: Q4_K, Q5_K and Q6_K tensors).
# The block-quantized fixtures are H128, not H32: llama.cpp's Q8_0 path gives wrong vectors for
# texts over ~20 tokens when the hidden size is 32.
# Their llama.cpp outputs are committed in tests/data/gguf/*.json (tools/make_goldens.sh).
set -euo pipefail
dir=${1:?usage: gguf_fixtures.sh DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir"
# Every file is written under a private name and renamed into place (the writer does the same):
# tests run in parallel and may build the same fixture at once; none may see a half-written file.
mk() { # mk NAME PRESET [writer args]
  [ -f "$dir/$1.gguf" ] || python3 "$here/tools/gguf_writer.py" "$2" -o "$dir/$1.gguf" "${@:3}" >/dev/null
}
q() { # q OUT IN [gguf_quantize args]
  [ -f "$dir/$1.gguf" ] && return 0
  python3 "$here/tools/gguf_quantize.py" "$dir/$2.gguf" "$dir/$1.gguf.$$.tmp" "${@:3}"
  mv -f "$dir/$1.gguf.$$.tmp" "$dir/$1.gguf"
}
mk tiny tiny
mk tiny-f16 tiny-f16
mk tiny-cls tiny-cls
mk small small
mk k256 k256
q small-q8_0 small
for t in q4_0 q4_1 q5_0 q5_1 mix; do q small-$t small --type $t; done
q k256-kmix k256 --type kmix
q tiny-bf16 tiny --type bf16
q tiny-qkv tiny --type keep --fuse-qkv
q tiny-nomic tiny --type keep --to-nomic
