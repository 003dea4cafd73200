#!/usr/bin/env bash
# The decoder's working memory is bounded by bytes, not tokens: a model as wide as
# Qwen3-Embedding-4B's attention (32 x 128 query heads, 8 x 128 key/value heads; gguf_writer.py's
# qwen3-wide, 6 MB) embeds eight 512-token texts within the file + 64 MB of peak RSS (issue 13's
# goal; /usr/bin/time's maximum resident set, a bound on correctness, not a speed figure). Before
# batches were sized by the model's width, one 2048-token batch held x, q, k, v and the attention
# output for every token, 86 MB here: the file + 104 MB. Splitting the texts into smaller batches
# changes no vector.
. "$(dirname "$0")/lib.sh"
command -v /usr/bin/time >/dev/null || skip_all "/usr/bin/time is not installed (scripts/deps.sh installs it)"
fx=$BUILD_DIR/gguf-fixtures
if "$SRC_DIR/tools/gguf_fixtures.sh" "$fx" qwen3-wide 2>err.txt; then pass; else fail "fixture: $(cat err.txt)"; finish; fi
model=$fx/qwen3-wide.gguf
long=$(python3 -c "
import random
r = random.Random(5)
w = ['kick', 'snare', 'hat', 'clap', 'deep', 'bass', 'vinyl', 'crackle', 'warm', 'pad', 'tape', 'choir']
print(' '.join(r.choice(w) + str(r.randint(0, 99)) for _ in range(700)))")
texts=()
for i in 1 2 3 4 5 6 7 8; do texts+=("$i $long"); done
expect_exit 0 "$SAMPLEVEC" tokenize "${texts[0]}" --model "$model" --json
expect_grep out.txt '"tokens":512,"truncated":true'

/usr/bin/time -f '%M' -o rss.txt "$SAMPLEVEC" embed-text "${texts[@]}" --provider gguf --model "$model" --threads 2 \
  --json >big.json 2>err.txt
expect_eq "$?" 0 "embed-text of eight 512-token texts"
rss_kb=$(tail -1 rss.txt)
file_kb=$(($(stat -c %s "$model") / 1024))
echo "peak RSS: $rss_kb KB, file $file_kb KB, over the file $(((rss_kb - file_kb) / 1024)) MB" >&2
[ $((rss_kb - file_kb)) -le $((64 * 1024)) ] && pass || fail "peak RSS $rss_kb KB is over the file ($file_kb KB) + 64 MB"

# one text per batch gives the same vectors, bit for bit
SAMPLEVEC_GGUF_BATCH_TOKENS=512 "$SAMPLEVEC" embed-text "${texts[@]}" --provider gguf --model "$model" --threads 2 \
  --json >one.json 2>err.txt
expect_eq "$?" 0 "embed-text, one text per batch"
expect_eq "$(cmp -s big.json one.json && echo same)" same "vectors with one text per batch and with the default batches"
finish
