#!/usr/bin/env bash
# Benchmark: the in-process GGUF encoder against llama.cpp itself, same texts, same threads,
# same run, for F32, F16 and Q8_0 weights; then samplevec's peak memory against the file size.
#
# Speed: llama.cpp is node-llama-cpp 3.21.1 (prebuilt CPU backend) via tools/llamacpp/bench_ref.mjs:
# one text per llama_encode, median of 3 runs after a warm-up, flash attention off and auto (its
# best setting on CPU). samplevec: `embed-text --repeat 3`, likewise the median of 3 runs after a
# warm-up, all texts in one call (sorted by length, batched). The two alternate (llama.cpp off,
# samplevec, llama.cpp auto, samplevec) and the row keeps each side's better figure. The models are
# tools/gguf_writer.py's presets (random weights): minilm (all-MiniLM-L6-v2's shape: bert,
# WordPiece), xlmr-small (multilingual-e5-small's layers: bert + the Unigram tokenizer, H384 L12),
# jina-small (jina-embeddings-v2-small-en's shape: jina-bert-v2, ALiBi, GEGLU, H512 L4),
# qwen3-small (Qwen3-Embedding-0.6B's layer shape, 2 of its 28 layers: H1024, 16 query heads over
# 8 KV heads of 128, q/k RMSNorm, RoPE, SwiGLU FF3072, causal, last-token pooling, byte-level BPE)
# and gemma-small (EmbeddingGemma-300m's, 6 of its 24 layers: H768, 3 query heads over 1 KV head
# of 256, GeGLU FF1152, sliding window 512 on 5 of 6 layers, mean pooling, dense 768-3072-768,
# SentencePiece BPE); all with a 512-token context. llama.cpp gets the same ids embed_ref.mjs
# evaluates for the goldens (the specials llama_tokenize adds), the texts are N random sentences of 140-190 words from the writer's word list (seed 7), the same
# for every model (each tokenizes them its own way). GFLOP/s from the model shape, against the
# machine's FMA peak (bench/peak_flops.c, median of 5: this VM's clock and neighbours are noisy).
#
# Memory: peak RSS (/usr/bin/time) of one `samplevec embed-text` of 32 texts of 512 tokens each
# (600 words, cut to the context) against the model file's size; the goal is file + 64 MB.
#
#   bench/gguf.sh                       # every model in F32, F16 and Q8_0; 64 texts; 2 threads
#   WEIGHTS=q8_0 N=32 bench/gguf.sh     # one weight type, fewer texts; THREADS=1 also works
#   MODELS="qwen3-small gemma-small" bench/gguf.sh # some of minilm, xlmr-small, jina-small,
#                                                  # qwen3-small, gemma-small
#   SKIP_RSS=1 bench/gguf.sh            # speed only
#   SKIP_SPEED=1 bench/gguf.sh          # memory only (no llama.cpp needed)
#   RUNS=1 bench/gguf.sh                # timed passes per measurement (default 3; the median)
# Installs node-llama-cpp into build/llamacpp on first use (tools/llamacpp/setup.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${SAMPLEVEC:-$here/build/samplevec}
THREADS=${THREADS:-2}
N=${N:-64}
RUNS=${RUNS:-3}
WEIGHTS=${WEIGHTS:-"f32 f16 q8_0"}
MODELS=${MODELS:-"minilm xlmr-small jina-small qwen3-small gemma-small"}
export SAMPLEVEC_LLAMACPP=${SAMPLEVEC_LLAMACPP:-$here/build/llamacpp}
[ "${SKIP_SPEED:-0}" = 1 ] || node "$here/tools/llamacpp/embed_ref.mjs" --check "$SAMPLEVEC_LLAMACPP" >/dev/null 2>&1 ||
  "$here/tools/llamacpp/setup.sh" "$SAMPLEVEC_LLAMACPP" >/dev/null
work=$here/build/bench-gguf
mkdir -p "$work"
for w in $WEIGHTS; do
  case $w in
    f32|f16|q8_0) ;;
    *) echo "WEIGHTS must list f32, f16 and/or q8_0" >&2; exit 2 ;;
  esac
  for m in $MODELS; do
    case $m in
      minilm|xlmr-small|jina-small|qwen3-small|gemma-small) ;;
      *) echo "MODELS must list minilm, xlmr-small, jina-small, qwen3-small and/or gemma-small" >&2; exit 2 ;;
    esac
    [ -f "$work/$m-$w.gguf" ] || python3 "$here/tools/gguf_writer.py" "$m" --type "$w" -o "$work/$m-$w.gguf" >/dev/null
  done
done
# texts.json: N texts of 140-190 words (speed); long.json: 32 texts of 600 words (memory).
python3 - "$work" "$N" "$here/tools" <<'PY'
import json, random, sys
sys.path.insert(0, sys.argv[3])
from gguf_writer import WORDS
def texts(n, lo, hi, seed):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
        out.append(" ".join(w + ("," if rng.random() < 0.05 else "") for w in words).capitalize() + ".")
    return out
json.dump(texts(int(sys.argv[2]), 140, 190, 7), open(sys.argv[1] + "/texts.json", "w"))
json.dump(texts(32, 600, 600, 8), open(sys.argv[1] + "/long.json", "w"))
PY

nul_texts() { python3 -c 'import json,sys; sys.stdout.write("\0".join(json.load(open(sys.argv[1]))))' "$1"; }
sv_run() { # MODEL → "texts/s tokens/s tokens"
  nul_texts "$work/texts.json" |
    xargs -0 "$bin" embed-text --provider gguf --model "$1" --threads "$THREADS" --repeat "$RUNS" -- 2>&1 >/dev/null |
    awk '/^timing:/ { print $(NF-3), $(NF-1), $4 }'
}
ref_run() { # MODEL FLASH → "texts/s tokens/s"
  node "$here/tools/llamacpp/bench_ref.mjs" "$1" "$work/texts.json" --runs "$RUNS" --threads "$THREADS" --flash-attn "$2" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["texts_per_s"], d["tokens_per_s"])'
}
max() { awk "BEGIN { print ($1 > $2) ? $1 : $2 }"; }

first=$(set -- $WEIGHTS; echo "$1")
if [ "${SKIP_SPEED:-0}" != 1 ]; then
gcc -O2 -o "$work/peak_flops" "$here/bench/peak_flops.c" -lpthread
peak=$(for _ in 1 2 3 4 5; do "$work/peak_flops" "$THREADS"; done | sort -n | sed -n 3p) # median of 5
# FLOPs per pass over the texts, per layer: 2·L·P for the products, P = the weights a token meets
# (bert: 4H² + 2HF; jina's GEGLU adds HF; the decoders: H·(2·heads + 2·kv)·hd + 3HF), + 4·L²·A for
# attention (A = heads·hd; the whole L×L even where the mask is causal or a window), + 4·H·D per
# text for gemma's dense projections; L from each model's own tokenizer. qwen3 pools the last
# token, so its last layer is counted as samplevec computes it: K and V for every token, Q, the
# attention row, O and the FFN for the pooled token only (counting the whole layer would print a
# rate above the machine's peak)
gflop_of() { # MODEL → GFLOP per pass over the texts
  python3 - "$work/texts.json" "$work/$1-$first.gguf" "$bin" "$1" <<'PY'
import json, subprocess, sys
texts, model, sv, name = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
# name: layers, weights per token per layer, attention width, FLOPs per text after pooling
NL, P, A, T = {"minilm": (6, 4 * 384 * 384 + 2 * 384 * 1536, 384, 0),
               "xlmr-small": (12, 4 * 384 * 384 + 2 * 384 * 1536, 384, 0),
               "jina-small": (4, 4 * 512 * 512 + 3 * 512 * 2048, 512, 0),
               "qwen3-small": (2, 1024 * (2 * 16 + 2 * 8) * 128 + 3 * 1024 * 3072, 16 * 128, 0),
               "gemma-small": (6, 768 * (2 * 3 + 2 * 1) * 256 + 3 * 768 * 1152, 3 * 256, 4 * 768 * 3072)}[name]
total = 0
for t in texts:
    L = json.loads(subprocess.run([sv, "tokenize", t, "--model", model, "--json"], capture_output=True, text=True).stdout)["tokens"]
    if name == "qwen3-small":  # H 1024, 16 query heads, 8 KV heads, head 128, FFN 3072
        kv, rest = 1024 * 2 * 8 * 128, 1024 * 2 * 16 * 128 + 3 * 1024 * 3072
        last = 2 * L * kv + 2 * rest + 4 * L * A
        total += (NL - 1) * (2 * L * P + 4 * L * L * A) + last + T
    else:
        total += NL * (2 * L * P + 4 * L * L * A) + T
print(total / 1e9)
PY
}
gf() { awk "BEGIN { printf \"%.1f\", $1 * $2 / $N }"; } # GFLOP texts/s

load0=$(cut -d' ' -f1-3 /proc/loadavg)
rows=()
for m in $MODELS; do
  gflop=$(gflop_of "$m")
  for w in $WEIGHTS; do
    model=$work/$m-$w.gguf
    read -r l_off_tx _ < <(ref_run "$model" off)
    read -r s1_tx _ tokens < <(sv_run "$model")
    read -r l_on_tx _ < <(ref_run "$model" auto)
    read -r s2_tx _ _ < <(sv_run "$model")
    sv_tx=$(max "$s1_tx" "$s2_tx")
    best=$(max "$l_off_tx" "$l_on_tx")
    rows+=("$(printf '%-11s %-7s %7s %14s %15s %18s %8s %9s %9s' "$m" "$(echo "$w" | tr a-z A-Z)" "$tokens" "$l_off_tx" \
      "$l_on_tx" "$sv_tx ($s1_tx, $s2_tx)" "$(awk "BEGIN { printf \"%.2fx\", $sv_tx / $best }")" "$(gf "$gflop" "$sv_tx")" \
      "$(gf "$gflop" "$best")")")
  done
done
echo "minilm: bert H384 L6 A12 FF1536; xlmr-small: bert + Unigram H384 L12 A12 FF1536; jina-small: jina-bert-v2 H512 L4 A8 FF2048"
echo "qwen3-small: qwen3 H1024 L2 A16/KV8 hd128 FF3072; gemma-small: gemma-embedding H768 L6 A3/KV1 hd256 FF1152 SWA512 dense3072"
echo "$N texts, $THREADS threads, median of $RUNS timed runs after a warm-up; $(date -u +%FT%TZ)"
echo "texts/s; ratio = samplevec / llama.cpp's better setting; GFLOP/s from the model's FLOP count"
printf '%-11s %-7s %7s %14s %15s %18s %8s %9s %9s\n' model weights tokens "llama.cpp off" "llama.cpp auto" "samplevec (runs)" ratio \
  "sv GFLOP/s" "l.cpp GF/s"
printf '%s\n' "${rows[@]}"
echo "machine FMA peak on $THREADS threads: $peak GFLOP/s (median of 5); load average before: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

[ "${SKIP_RSS:-0}" = 1 ] && exit 0
echo
rss_load0=$(cut -d' ' -f1-3 /proc/loadavg)
first_model=$(set -- $MODELS; echo "$1")
cut=$("$bin" tokenize "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0])' "$work/long.json")" \
  --model "$work/$first_model-$first.gguf" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["tokens"], d["truncated"])')
echo "peak RSS of samplevec embed-text, 32 texts x 512 tokens ($first_model's first text: tokens, truncated = $cut), $THREADS threads (goal: file + 64 MB)"
printf '%-11s %-7s %10s %12s %14s\n' model weights "file MB" "peak RSS MB" "RSS - file MB"
for m in $MODELS; do for w in $WEIGHTS; do
  model=$work/$m-$w.gguf
  nul_texts "$work/long.json" | xargs -0 /usr/bin/time -f '%M' -o "$work/rss.txt" \
    "$bin" embed-text --provider gguf --model "$model" --threads "$THREADS" -- >/dev/null
  rss_kb=$(tail -1 "$work/rss.txt")
  file_b=$(stat -c %s "$model")
  printf '%-11s %-7s %10.1f %12.1f %14.1f\n' "$m" "$(echo "$w" | tr a-z A-Z)" "$(awk "BEGIN { print $file_b / 1048576 }")" \
    "$(awk "BEGIN { print $rss_kb / 1024 }")" "$(awk "BEGIN { print $rss_kb / 1024 - $file_b / 1048576 }")"
done; done
echo "$(date -u +%FT%TZ); load average before: $rss_load0, after: $(cut -d' ' -f1-3 /proc/loadavg)"
