#!/usr/bin/env bash
# samplevec's tokenizer against llama.cpp's on a real vocabulary, over thousands of texts: the
# golden texts, llama.cpp's own tokenizer test inputs (models/*.inp) and random strings across
# scripts, whitespace, control and format characters (deterministic). Only the vocabulary is
# read (llama.cpp loads it vocab_only), so llama.cpp's vocabulary files serve: its source tree
# (the bundle node-llama-cpp ships, cloned into build/llama.cpp-src, nothing downloaded) has
# models/ggml-vocab-nomic-bert-moe.gguf, XLM-RoBERTa's 250k Unigram vocabulary with its real
# precompiled_charsmap.
#   tools/check_vocab.sh [VOCAB.gguf] [N_RANDOM=4000]
# Needs tools/llamacpp/setup.sh's install (as tools/make_goldens.sh). Prints the texts whose ids
# differ and "N texts, N differ"; exit 1 on any difference.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export SAMPLEVEC_LLAMACPP=${SAMPLEVEC_LLAMACPP:-$here/build/llamacpp}
node "$here/tools/llamacpp/embed_ref.mjs" --check "$SAMPLEVEC_LLAMACPP" >/dev/null 2>&1 ||
  "$here/tools/llamacpp/setup.sh" "$SAMPLEVEC_LLAMACPP"
src=$here/build/llama.cpp-src
[ -d "$src/models" ] || git clone -q "$SAMPLEVEC_LLAMACPP/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$src"
vocab=${1:-$src/models/ggml-vocab-nomic-bert-moe.gguf}
out=$here/build/check-vocab
mkdir -p "$out"
cc -O2 -D_GNU_SOURCE -I"$here/src/providers/gguf" -I"$here/src/base" "$here/tools/tokenize_many.c" \
  "$here"/src/providers/gguf/{gguf,vocab,wordpiece,unigram,tokenizer}.c "$here"/src/base/msg.c \
  $(pkg-config --cflags --libs libutf8proc) -o "$out/tokenize_many"
python3 - "$here" "$src" "${2:-4000}" "$out/texts.json" <<'PY'
import glob, json, random, sys
here, src, n, dest = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
texts = json.load(open(here + "/tests/data/gguf/texts.json")) + json.load(open(here + "/tests/data/gguf/texts-unigram.json"))
for f in sorted(glob.glob(src + "/models/*.inp")):
    texts += [t for t in open(f, encoding="utf-8", errors="replace").read().split("\n__ggml_vocab_test__\n") if t]
rng = random.Random(13)
ranges = [(0x20, 0x7e)] * 3 + [(0xa0, 0xff), (0x100, 0x17f), (0x300, 0x36f), (0x370, 0x3ff), (0x400, 0x4ff),
    (0x590, 0x5ff), (0x600, 0x6ff), (0x900, 0x97f), (0xe00, 0xe7f), (0x1100, 0x11ff), (0x2000, 0x206f),
    (0x2150, 0x218f), (0x2460, 0x24ff), (0x3000, 0x303f), (0x3040, 0x30ff), (0x3130, 0x318f), (0x4e00, 0x4fff),
    (0xac00, 0xad00), (0xf900, 0xfaff), (0xfb00, 0xfb4f), (0xfe30, 0xfe4f), (0xff00, 0xffef), (0x1d400, 0x1d4ff),
    (0x1f300, 0x1f64f), (0x1f900, 0x1f9ff), (0xe0000, 0xe007f), (0x1, 0x1f), (0x80, 0x9f)]
special = [" ", " ", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u200b", "\u200d", "\ufeff", "\u3000", "\u2028",
    "e\u0301", "a\u0300", "<s>", "</s>", "<unk>", "\u2581"]
for _ in range(n):
    texts.append("".join(rng.choice(special) if rng.random() < 0.2 else chr(rng.randint(*rng.choice(ranges)))
                         for _ in range(rng.randint(1, 40))))
json.dump([t for t in texts if "\0" not in t], open(dest, "w"), ensure_ascii=False)
PY
node "$here/tools/llamacpp/tokenize_ref.mjs" "$vocab" "$out/texts.json" --out "$out/ref.json"
python3 - "$out" "$vocab" <<'PY'
import json, subprocess, sys
out, vocab = sys.argv[1], sys.argv[2]
ref = json.load(open(out + "/ref.json"))["results"]
stdin = b"\0".join(r["text"].encode("utf-8") for r in ref)
lines = subprocess.run([out + "/tokenize_many", vocab], input=stdin, capture_output=True, check=True).stdout.decode().split("\n")
bad = 0
for r, line in zip(ref, lines):
    got = [int(x) for x in line.split()]
    if got != r["token_ids"]:
        bad += 1
        print("DIFF %r\n  samplevec %s\n  llama.cpp %s" % (r["text"][:80], got[:40], r["token_ids"][:40]))
print("%d texts, %d differ" % (len(ref), bad))
sys.exit(1 if bad else 0)
PY
