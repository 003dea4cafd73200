#!/usr/bin/env bash
# Regenerates tests/data/gguf/*.json: llama.cpp's token ids and vectors (node-llama-cpp 3.21.1,
# flash attention off) for the reference kit's sample texts plus tests/data/gguf/texts_extra.json,
# on the fixture models tests/cli/gguf_golden.sh builds. Needs node and the kit installed:
#   cp -r ../shared/llamacpp-ref build/llamacpp-ref && (cd build/llamacpp-ref && SLIM=1 ./setup.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ref=${REF:-$here/build/llamacpp-ref}
out=$here/tests/data/gguf
models=$here/build/gguf-fixtures
"$here/tools/gguf_fixtures.sh" "$models"
python3 - "$ref/samples/texts.json" "$out/texts_extra.json" "$models/texts.json" <<'PY'
import json, sys
json.dump(json.load(open(sys.argv[1])) + json.load(open(sys.argv[2])), open(sys.argv[3], "w"), ensure_ascii=False)
PY
for m in tiny tiny-f16 tiny-bf16 tiny-qkv tiny-nomic tiny-cls small-q8_0 small-q4_0 small-q4_1 small-q5_0 small-q5_1 small-mix k256-kmix; do
  (cd "$ref" && node embed_ref.mjs "$models/$m.gguf" "$models/texts.json" --digits 8 --out "$models/$m.ref.json")
  # keep what the tests read: text, input ids, vector; plus the provenance
  python3 - "$models/$m.ref.json" "$out/$m.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = d["meta"]
keep = {"meta": {k: m[k] for k in ("tool", "node_llama_cpp", "llama_cpp_release", "model_sha256", "flash_attention", "pooling")},
        "results": [{"text": r["text"], "input_ids": r["input_ids"], "embedding": r["embedding"]} for r in d["results"]]}
json.dump(keep, open(sys.argv[2], "w"), ensure_ascii=False, separators=(",", ":"))
PY
done
ls -la "$out"
