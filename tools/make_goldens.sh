#!/usr/bin/env bash
# Regenerates tests/data/gguf/*.json: llama.cpp's token ids, evaluated input ids and vectors
# (8 significant digits) for tests/data/gguf/texts.json on every fixture tools/gguf_fixtures.sh
# builds. llama.cpp is node-llama-cpp 3.21.1 (bundled llama.cpp v0.4.0, prebuilt CPU backend,
# flash attention off), installed into build/llamacpp/ by tools/llamacpp/setup.sh on first use
# (npm; ~83 MB). Only this script needs node: `make test` reads the committed goldens.
#   tools/make_goldens.sh              # all fixtures (bert set + issue13 set; ~3 minutes)
#   tools/make_goldens.sh issue13      # one set (bert, issue13), or just some: tiny k256-kmix
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/tests/data/gguf
models=$here/build/gguf-fixtures
export SAMPLEVEC_LLAMACPP=${SAMPLEVEC_LLAMACPP:-$here/build/llamacpp}
node "$here/tools/llamacpp/embed_ref.mjs" --check "$SAMPLEVEC_LLAMACPP" >/dev/null 2>&1 ||
  "$here/tools/llamacpp/setup.sh" "$SAMPLEVEC_LLAMACPP"
sel=${*:-all}
"$here/tools/gguf_fixtures.sh" "$models" $sel
for m in $("$here/tools/gguf_fixtures.sh" --names $sel); do
  node "$here/tools/llamacpp/embed_ref.mjs" "$models/$m.gguf" "$out/texts.json" --digits 8 --out "$out/$m.json"
  echo "$m: $(wc -c < "$out/$m.json") bytes"
done
