#!/usr/bin/env bash
# Installs the pinned llama.cpp reference into build/llamacpp/ (or $1): node-llama-cpp 3.21.1 and
# only its prebuilt linux-x64 CPU binary package (~83 MB; the CUDA/Vulkan builds are optional
# dependencies and left out). Nothing is compiled and no llama.cpp source is downloaded. Only
# tools/make_goldens.sh and bench/gguf.sh need this; `make test` never does.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dest=${1:-$root/build/llamacpp}
mkdir -p "$dest"
cp "$here/package.json" "$dest/package.json"
export NODE_LLAMA_CPP_POSTINSTALL=skip NODE_LLAMA_CPP_SKIP_DOWNLOAD=true NODE_LLAMA_CPP_GPU=false
if [ ! -f "$dest/node_modules/node-llama-cpp/package.json" ] ||
   [ "$(node -p 'require(process.argv[1]).version' "$dest/node_modules/node-llama-cpp/package.json")" != 3.21.1 ]; then
  (cd "$dest" && npm install --omit=optional --no-audit --no-fund --no-save >&2)
fi
# A load smoke test: the prebuilt CPU binary, no GPU, no build.
node "$here/embed_ref.mjs" --check "$dest"
