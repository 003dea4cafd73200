#!/usr/bin/env bash
# Builds the GGUF test fixtures into DIR (idempotent): tiny (F32), tiny-f16, tiny-bf16,
# tiny-qkv (Q, K, V fused into attn_qkv), tiny-cls (CLS pooling), and small-q8_0
# (hidden 128: llama.cpp's Q8_0 path gives wrong vectors for texts over ~20 tokens when the
# hidden size is 32, so the Q8_0 fixture is wider than tiny). Uses the project's shared
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
mk() { [ -f "$dir/$1.gguf" ] || python3 "$gen" --no-sidecars "${@:2}" -o "$dir/$1.gguf" >/dev/null; }
mk tiny --preset tiny
mk tiny-f16 --preset tiny --f16
mk tiny-cls --preset tiny --pooling cls --seed 99
mk small --vocab 2048 --hidden 128 --layers 2 --heads 4 --ffn 256 --ctx 128
q=$here/tools/gguf_quantize.py
[ -f "$dir/small-q8_0.gguf" ] || python3 "$q" "$dir/small.gguf" "$dir/small-q8_0.gguf"
[ -f "$dir/tiny-bf16.gguf" ] || python3 "$q" "$dir/tiny.gguf" "$dir/tiny-bf16.gguf" --type bf16
[ -f "$dir/tiny-qkv.gguf" ] || python3 "$q" "$dir/tiny.gguf" "$dir/tiny-qkv.gguf" --type keep --fuse-qkv
