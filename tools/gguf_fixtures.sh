#!/usr/bin/env bash
# Builds the GGUF test fixtures into DIR (idempotent): tiny (F32), tiny-f16, tiny-bf16,
# tiny-qkv (Q, K, V fused into attn_qkv), tiny-nomic (nomic-bert: RoPE, SwiGLU), tiny-cls (CLS pooling), and small-{q8_0,q4_0,q4_1,
# q5_0,q5_1,mix} (mix: a different type per tensor kind, attn_v BF16), and k256-kmix (hidden 256:
# Q4_K, Q5_K and Q6_K tensors)
# (hidden 128: llama.cpp's Q8_0 path gives wrong vectors for texts over ~20 tokens when the
# hidden size is 32, so the block-quantized fixtures are wider than tiny). Uses the project's shared
# generator ../shared/llamacpp-ref/make_bert_gguf.py (SAMPLEVEC_SHARED overrides ../shared).
set -euo pipefail
dir=${1:?usage: gguf_fixtures.sh DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SAMPLEVEC_SHARED:-}
for c in "$here/../shared" "$here/../../shared"; do
  [ -n "$shared" ] && break
  [ -f "$c/llamacpp-ref/make_bert_gguf.py" ] && shared=$c
done
gen=$shared/llamacpp-ref/make_bert_gguf.py
[ -f "$gen" ] || { echo "gguf_fixtures: cannot find ../shared/llamacpp-ref/make_bert_gguf.py (set SAMPLEVEC_SHARED)" >&2; exit 1; }
mkdir -p "$dir"
# Each file is written under a private name and renamed into place: tests run in parallel and
# may build the same fixture at once; none may ever see a half-written file.
mk() {
  [ -f "$dir/$1.gguf" ] && return 0
  python3 "$gen" --no-sidecars "${@:2}" -o "$dir/$1.gguf.$$.tmp" >/dev/null
  mv -f "$dir/$1.gguf.$$.tmp" "$dir/$1.gguf"
}
mk tiny --preset tiny
mk tiny-f16 --preset tiny --f16
mk tiny-cls --preset tiny --pooling cls --seed 99
mk small --vocab 2048 --hidden 128 --layers 2 --heads 4 --ffn 256 --ctx 128
mk k256 --vocab 1024 --hidden 256 --layers 2 --heads 4 --ffn 512 --ctx 128
q() { # q OUT IN ARGS...: gguf_quantize.py into place atomically, like mk
  [ -f "$dir/$1.gguf" ] && return 0
  python3 "$here/tools/gguf_quantize.py" "$dir/$2.gguf" "$dir/$1.gguf.$$.tmp" "${@:3}"
  mv -f "$dir/$1.gguf.$$.tmp" "$dir/$1.gguf"
}
q small-q8_0 small
for t in q4_0 q4_1 q5_0 q5_1 mix; do q small-$t small --type $t; done
q k256-kmix k256 --type kmix
q tiny-bf16 tiny --type bf16
q tiny-qkv tiny --type keep --fuse-qkv
q tiny-nomic tiny --type keep --to-nomic
