#!/usr/bin/env bash
# Regenerates tests/data/gguf/*.json: llama.cpp's token ids, evaluated input ids and vectors
# (8 significant digits) for tests/data/gguf/texts.json on every fixture tools/gguf_fixtures.sh
# builds. llama.cpp is node-llama-cpp 3.21.1 (bundled llama.cpp v0.4.0, prebuilt CPU backend,
# flash attention off), installed into build/llamacpp/ by tools/llamacpp/setup.sh on first use
# (npm; ~83 MB). Only this script needs node: `make test` reads the committed goldens.
#   tools/make_goldens.sh            # all fixtures
#   tools/make_goldens.sh tiny k256-kmix
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/tests/data/gguf
models=$here/build/gguf-fixtures
export SAMPLEVEC_LLAMACPP=${SAMPLEVEC_LLAMACPP:-$here/build/llamacpp}
node "$here/tools/llamacpp/embed_ref.mjs" --check "$SAMPLEVEC_LLAMACPP" >/dev/null 2>&1 ||
  "$here/tools/llamacpp/setup.sh" "$SAMPLEVEC_LLAMACPP"
"$here/tools/gguf_fixtures.sh" "$models"
all="tiny tiny-f16 tiny-bf16 tiny-qkv tiny-nomic tiny-cls small-q8_0 small-q4_0 small-q4_1 small-q5_0 small-q5_1 small-mix k256-kmix"
for m in ${*:-$all}; do
  node "$here/tools/llamacpp/embed_ref.mjs" "$models/$m.gguf" "$out/texts.json" --digits 8 --out "$out/$m.json"
  echo "$m: $(wc -c < "$out/$m.json") bytes"
done
