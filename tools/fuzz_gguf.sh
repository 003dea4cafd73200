#!/usr/bin/env bash
# Fuzzes the GGUF reader (+ tokenizer and model loader) with libFuzzer for a bounded time.
#   tools/fuzz_gguf.sh [SECONDS=120]
# Seeds: the tiny and Q8_0 fixtures (tools/gguf_fixtures.sh). Any crash, leak or timeout input
# is copied to tests/data/gguf/fuzz/, where test_gguf replays it in every build.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-120}
out=$here/build/fuzz
mkdir -p "$out/corpus" "$out/artifacts"
"$here/tools/gguf_fixtures.sh" "$here/build/gguf-fixtures"
cp -n "$here/build/gguf-fixtures/tiny.gguf" "$here/build/gguf-fixtures/small-q8_0.gguf" "$out/corpus/" 2>/dev/null || true
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE \
  $(pkg-config --cflags openblas libutf8proc) -I"$here/src" \
  "$here/tests/fuzz/fuzz_gguf.c" "$here"/src/{gguf,wordpiece,bert,gemm,hash,msg}.c \
  $(pkg-config --libs openblas libutf8proc) -lm -lpthread -o "$out/fuzz_gguf"
# -max_len: big enough to mutate the tiny fixture's header and vocabulary, small enough to go fast
"$out/fuzz_gguf" -max_total_time="$secs" -max_len=400000 -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="$out/artifacts/" "$out/corpus" 2>&1 | tail -15 || true
mkdir -p "$here/tests/data/gguf/fuzz"
for f in "$out"/artifacts/*; do
  [ -f "$f" ] || continue
  cp "$f" "$here/tests/data/gguf/fuzz/$(basename "$f")"
  echo "kept $(basename "$f") as a regression input"
done
