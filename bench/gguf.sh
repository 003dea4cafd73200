#!/usr/bin/env bash
# Benchmark: the in-process GGUF encoder against llama.cpp itself, same texts, same threads,
# same run. llama.cpp is node-llama-cpp 3.21.1 (prebuilt CPU backend) via tools/llamacpp/bench_ref.mjs:
# one text per llama_encode, median of 3 runs after a warm-up, flash attention off and auto (its
# best setting on CPU). samplevec: `embed-text --repeat 3`, likewise the median of 3 runs after a
# warm-up, all texts in one call (sorted by length, batched). The model is tools/gguf_writer.py's
# minilm preset (random weights, all-MiniLM-L6-v2's shape); the texts are N random sentences of
# 140-190 words from the writer's word list (seed 7), written to build/bench-gguf/texts.json.
# Also GFLOP/s from the model shape, against the machine's FMA peak (bench/peak_flops.c,
# median of 5: this VM's clock and neighbours are noisy). Installs node-llama-cpp into
# build/llamacpp on first use (tools/llamacpp/setup.sh).
#
#   bench/gguf.sh                    # minilm shape (all-MiniLM-L6-v2), F32, 64 texts, 2 threads
#   WEIGHTS=f16 bench/gguf.sh        # F16 (or q8_0) weights; THREADS=1 N=32 also work
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${SAMPLEVEC:-$here/build/samplevec}
THREADS=${THREADS:-2}
N=${N:-64}
WEIGHTS=${WEIGHTS:-f32}
export SAMPLEVEC_LLAMACPP=${SAMPLEVEC_LLAMACPP:-$here/build/llamacpp}
node "$here/tools/llamacpp/embed_ref.mjs" --check "$SAMPLEVEC_LLAMACPP" >/dev/null 2>&1 ||
  "$here/tools/llamacpp/setup.sh" "$SAMPLEVEC_LLAMACPP" >/dev/null
work=$here/build/bench-gguf
mkdir -p "$work"
case $WEIGHTS in
  f32|f16|q8_0) model=$work/minilm-$WEIGHTS.gguf ;;
  *) echo "WEIGHTS must be f32, f16 or q8_0" >&2; exit 2 ;;
esac
[ -f "$model" ] || python3 "$here/tools/gguf_writer.py" minilm --type "$WEIGHTS" -o "$model" >/dev/null
python3 - "$work/texts.json" "$N" "$here/tools" <<'PY'
import json, random, sys
sys.path.insert(0, sys.argv[3])
from gguf_writer import WORDS
rng = random.Random(7)
texts = []
for _ in range(int(sys.argv[2])):
    words = [rng.choice(WORDS) for _ in range(rng.randint(140, 190))]
    texts.append(" ".join(w + ("," if rng.random() < 0.05 else "") for w in words).capitalize() + ".")
json.dump(texts, open(sys.argv[1], "w"))
PY

sv_run() { # → "texts/s tokens/s tokens"
  python3 -c 'import json,sys; sys.stdout.write("\0".join(json.load(open(sys.argv[1]))))' "$work/texts.json" |
    xargs -0 "$bin" embed-text --provider gguf --model "$model" --threads "$THREADS" --repeat 3 -- 2>&1 >/dev/null |
    awk '/^timing:/ { print $(NF-3), $(NF-1), $4 }'
}
ref_run() { # FLASH → "texts/s tokens/s"
  node "$here/tools/llamacpp/bench_ref.mjs" "$model" "$work/texts.json" --runs 3 --threads "$THREADS" --flash-attn "$1" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["texts_per_s"], d["tokens_per_s"])'
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
read -r l_off_tx l_off_tok < <(ref_run off)
read -r s1_tx s1_tok tokens < <(sv_run)
read -r l_on_tx l_on_tok < <(ref_run auto)
read -r s2_tx s2_tok _ < <(sv_run)
sv_tx=$(awk "BEGIN { print ($s1_tx > $s2_tx) ? $s1_tx : $s2_tx }")
sv_tok=$(awk "BEGIN { print ($s1_tok > $s2_tok) ? $s1_tok : $s2_tok }")
best_tx=$(awk "BEGIN { print ($l_off_tx > $l_on_tx) ? $l_off_tx : $l_on_tx }")

gcc -O2 -o "$work/peak_flops" "$here/bench/peak_flops.c" -lpthread
peak=$(for _ in 1 2 3 4 5; do "$work/peak_flops" "$THREADS"; done | sort -n | sed -n 3p) # median of 5
# FLOPs per pass over the texts: per layer 2·L·(4H² + 2HF) for the products + 4·L²·H for attention
gflop=$(python3 - "$work/texts.json" "$model" "$bin" <<'PY'
import json, subprocess, sys
texts, model, sv = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
H, F, NL = 384, 1536, 6
total = 0
for t in texts:
    L = json.loads(subprocess.run([sv, "tokenize", t, "--model", model, "--json"], capture_output=True, text=True).stdout)["tokens"]
    total += NL * (2 * L * (4 * H * H + 2 * H * F) + 4 * L * L * H)
print(total / 1e9)
PY
)
gf() { awk "BEGIN { printf \"%.1f\", $gflop * $1 / $N }"; }
pct() { awk "BEGIN { printf \"%.0f\", 100 * $(gf "$1") / $peak }"; }

echo "minilm shape (H384 L6 A12 FF1536), $WEIGHTS, $N texts, $tokens tokens, $THREADS threads; $(date -u +%FT%TZ)"
printf '%-34s %9s %10s %8s %8s\n' "" "texts/s" "tokens/s" "GFLOP/s" "% peak"
printf '%-34s %9s %10s %8s %8s\n' "llama.cpp, flash attention off" "$l_off_tx" "$l_off_tok" "$(gf "$l_off_tx")" "$(pct "$l_off_tx")"
printf '%-34s %9s %10s %8s %8s\n' "llama.cpp, flash attention auto" "$l_on_tx" "$l_on_tok" "$(gf "$l_on_tx")" "$(pct "$l_on_tx")"
printf '%-34s %9s %10s %8s %8s\n' "samplevec (best of 2 medians)" "$sv_tx" "$sv_tok" "$(gf "$sv_tx")" "$(pct "$sv_tx")"
echo "samplevec medians: $s1_tx and $s2_tx texts/s"
echo "ratio samplevec / llama.cpp best setting: $(awk "BEGIN { printf \"%.2f\", $sv_tx / $best_tx }")x"
echo "machine FMA peak on $THREADS threads: $peak GFLOP/s (median of 5); load average before: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg)"
