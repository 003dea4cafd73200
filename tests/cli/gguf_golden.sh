#!/usr/bin/env bash
# The GGUF encoder against llama.cpp: token ids identical and cosine >= 0.9999 on every golden
# text (tests/data/gguf/*.json, made by tools/make_goldens.sh with the real llama.cpp) for F32,
# F16, BF16 and Q8_0 models, fused QKV and CLS pooling; the scalar GEMM twin on one of them;
# truncation of over-long text; SAMPLEVEC_MODEL.
. "$(dirname "$0")/lib.sh"
fx=$BUILD_DIR/gguf-fixtures
if "$SRC_DIR/tools/gguf_fixtures.sh" "$fx" 2>err.txt; then pass; else fail "fixtures: $(cat err.txt)"; finish; fi
data=$SRC_DIR/tests/data/gguf

for m in tiny tiny-f16 tiny-bf16 tiny-qkv tiny-nomic tiny-cls small-q8_0 small-q4_0 small-q4_1 small-q5_0 small-q5_1 small-mix k256-kmix; do
  if python3 "$SRC_DIR/tools/check_golden.py" "$SAMPLEVEC" "$fx/$m.gguf" "$data/$m.json" --min-cos 0.9999 \
       >check.txt 2>check_err.txt; then pass; else fail "$m against llama.cpp:"; cat check_err.txt >&2; fi
  grep -E "worst cosine" check_err.txt | sed "s/^/$m: /"
done

# The scalar reference GEMM gives the same answers through the whole forward pass.
if SAMPLEVEC_GEMM=ref python3 "$SRC_DIR/tools/check_golden.py" "$SAMPLEVEC" "$fx/tiny.gguf" "$data/tiny.json" \
     --min-cos 0.9999 >check.txt 2>check_err.txt; then pass; else fail "SAMPLEVEC_GEMM=ref:"; cat check_err.txt >&2; fi

# Over-long text: cut to the context (128 for tiny) keeping [SEP]; its vector is that of the
# first 126 words ("the" is one token each, id 208). The goldens also hold llama.cpp's vector for
# a cut text: texts.json's 320 words, evaluated on [CLS], their first 126 tokens and [SEP].
long=$(printf 'the %.0s' $(seq 1 300))
expect_exit 0 "$SAMPLEVEC" tokenize "$long" --model "$fx/tiny.gguf" --json
expect_grep out.txt '"tokens":128,"truncated":true'
expect_grep out.txt '"ids":\[101,(208,){126}102\]'
expect_exit 0 "$SAMPLEVEC" embed-text "$long" --provider gguf --model "$fx/tiny.gguf" --json
expect_grep out.txt '"tokens":128,"truncated":true'
cp out.txt long.json
short=$(printf 'the %.0s' $(seq 1 126))
expect_exit 0 "$SAMPLEVEC" embed-text "$short" --provider gguf --model "$fx/tiny.gguf" --json
cp out.txt short.json
same=$(python3 -c 'import json,sys; a=json.load(open("long.json"))["results"][0]["embedding"]; b=json.load(open("short.json"))["results"][0]["embedding"]; print(a==b)')
expect_eq "$same" True "truncated vector equals the vector of its first 126 tokens"

# A file without the normalizer keys (converted before they existed) lowercases and strips
# accents, as llama.cpp does by default.
python3 "$SRC_DIR/tools/gguf_quantize.py" "$fx/tiny.gguf" nonorm.gguf --type keep \
  --drop-key tokenizer.ggml.normalizer.lowercase --drop-key tokenizer.ggml.normalizer.strip_accents
expect_exit 0 "$SAMPLEVEC" tokenize "Café HELLO Naïve" --model nonorm.gguf
cp out.txt nonorm.txt
expect_exit 0 "$SAMPLEVEC" tokenize "Café HELLO Naïve" --model "$fx/tiny.gguf"
expect_eq "$(cat nonorm.txt)" "$(cat out.txt)" "no normalizer keys: same ids as lowercase+strip"
expect_grep out.txt '^101 471 907 1361 472 102$'  # [CLS] cafe hel ##lo naive [SEP]

# tokenize reads the context length under the file's architecture (nomic-bert.context_length).
expect_exit 0 "$SAMPLEVEC" tokenize "$long" --model "$fx/tiny-nomic.gguf" --json
expect_grep out.txt '"tokens":128,"truncated":true,"context_length":128'

# SAMPLEVEC_MODEL stands in for --model; the model id is file name + content hash.
SAMPLEVEC_MODEL=$fx/tiny.gguf expect_exit 0 "$SAMPLEVEC" embed-text hello --provider gguf --json
expect_grep out.txt '"model":"tiny.gguf#[0-9a-f]{16}","dims":32'
SAMPLEVEC_MODEL=$fx/tiny.gguf expect_exit 0 "$SAMPLEVEC" tokenize "Hello, World" --json
expect_grep out.txt '"pieces":\["\[CLS\]","hel","##lo",",","world","\[SEP\]"\]'
# Threads split the rows differently (BLAS may sum a row tail in another order): same vectors
# to float rounding. On F32 that is ~1e-7; a Q8_0 model rounds its activations to 8 bits per
# block of 32 as llama.cpp does, so a last-bit difference in a block's largest value moves the
# whole block's scale: measured 1.7e-6 below 1 at worst (threads 1 against 3, this text set).
texts=("one text" "and another, longer text with more words in it" "x")
threads_agree() { # MODEL TOLERANCE
  expect_exit 0 "$SAMPLEVEC" embed-text "${texts[@]}" --provider gguf --model "$1" --threads 1 --json
  cp out.txt t1.json
  expect_exit 0 "$SAMPLEVEC" embed-text "${texts[@]}" --provider gguf --model "$1" --threads 3 --json
  cp out.txt t3.json
  cos=$(python3 -c '
import json, math, sys
a=json.load(open("t1.json"))["results"]; b=json.load(open("t3.json"))["results"]
def cos(p, q): return sum(x*y for x,y in zip(p,q)) / math.sqrt(sum(x*x for x in p) * sum(y*y for y in q))
assert len(a) == len(b) == 3
print(min(cos(p["embedding"], q["embedding"]) for p,q in zip(a,b)) > 1 - float(sys.argv[1]))' "$2")
  expect_eq "$cos" True "$(basename "$1"): --threads 1 and --threads 3 agree to $2"
}
threads_agree "$fx/small.gguf" 1e-6
threads_agree "$fx/small-q8_0.gguf" 1e-5
finish
