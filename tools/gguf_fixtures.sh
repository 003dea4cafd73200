#!/usr/bin/env bash
# Builds GGUF test fixtures into DIR (idempotent) with the project's own writer,
# tools/gguf_writer.py (random weights, deterministic per preset and seed).
#   gguf_fixtures.sh DIR                  # the bert/nomic-bert set the tests use today (a few s)
#   gguf_fixtures.sh DIR issue13          # the other architectures (bert + Unigram, qwen3,
#                                         # gemma-embedding, jina-bert-v2; ~20 s, mostly the K-quants)
#   gguf_fixtures.sh DIR all | NAME...    # everything, or just these
#   gguf_fixtures.sh --names [SET]        # print the fixture names of a set (tools/make_goldens.sh)
# The bert set: tiny (WordPiece BERT, H32 L2, F32), tiny-f16, tiny-cls (CLS pooling, seed 99),
# and from tools/gguf_quantize.py: tiny-bf16, tiny-qkv (Q, K, V fused into attn_qkv),
# tiny-nomic (nomic-bert: RoPE, SwiGLU), small-{q8_0,q4_0,q4_1,q5_0,q5_1,mix} (mix: a
# different type per tensor kind, attn_v BF16) and k256-kmix (hidden 256: Q4_K, Q5_K, Q6_K).
# The block-quantized fixtures are H128 or wider: llama.cpp's Q8_0 path gives wrong vectors for
# texts over ~20 tokens when the hidden size is 32. `gguf_writer.py --list` describes the
# issue13 presets. Their llama.cpp outputs are committed in tests/data/gguf/*.json
# (tools/make_goldens.sh).
set -euo pipefail
dir=${1:?usage: gguf_fixtures.sh DIR [bert|issue13|all|NAME...]}
shift
here=$(cd "$(dirname "$0")/.." && pwd)
BERT="tiny tiny-f16 tiny-bf16 tiny-qkv tiny-nomic tiny-cls small-q8_0 small-q4_0 small-q4_1 small-q5_0 small-q5_1 small-mix k256-kmix"
ISSUE13="xlmr-tiny xlmr-cls xlmr-q8_0 xlmr-kmix qwen3-tiny qwen3-q8_0 qwen3-kmix gemma-tiny gemma-nodense gemma-q8_0 gemma-kmix jina-tiny jina-split jina-q8_0 jina-kmix"
case "${*:-bert}" in
  bert) names=$BERT ;;
  issue13) names=$ISSUE13 ;;
  all) names="$BERT $ISSUE13" ;;
  *) names=$* ;;
esac
if [ "$dir" = --names ]; then echo $names; exit 0; fi
mkdir -p "$dir"
# Fixtures made by another version of the generators are stale: DIR remembers the hash of the
# scripts that made it and is emptied when they change (under a lock, since tests run this in
# parallel; all of one run use the same scripts, so only the first call of a run can empty it).
stamp=$(cat "$here/tools/gguf_writer.py" "$here/tools/gguf_quantize.py" "$0" | sha256sum | cut -c1-16)
exec 8>>"$dir/.lock"
flock 8
if [ "$(cat "$dir/.generator" 2>/dev/null)" != "$stamp" ]; then
  rm -f "$dir"/*.gguf "$dir"/*.tmp
  echo "$stamp" >"$dir/.generator"
fi
flock -u 8
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
for n in $names; do
  case $n in
    tiny|tiny-f16|tiny-cls|small|k256) mk "$n" "$n" ;;
    small-q8_0) mk small small; q "$n" small ;;
    small-*) mk small small; q "$n" small --type "${n#small-}" ;;
    k256-kmix) mk k256 k256; q "$n" k256 --type kmix ;;
    tiny-bf16) mk tiny tiny; q "$n" tiny --type bf16 ;;
    tiny-qkv) mk tiny tiny; q "$n" tiny --type keep --fuse-qkv ;;
    tiny-nomic) mk tiny tiny; q "$n" tiny --type keep --to-nomic ;;
    *) mk "$n" "$n" ;;
  esac
done
