#!/usr/bin/env bash
# Test-only dependencies (real servers, reference tools), cached under build/.
# Each entry is installed once; later runs find it in place.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# cl100k_base vocabulary (also fetched by `make build`).
"$root/scripts/fetch-vocab.sh"

# npm tiktoken: the reference tokenizer the C BPE is checked against (tests/data golden file,
# bench/remote.sh) and the fake OpenAI server's exact usage counts.
TIKTOKEN_VERSION=1.0.22
tk="$root/build/npm/tiktoken"
if [ ! -f "$tk/node_modules/tiktoken/package.json" ] ||
   ! grep -q "\"version\": \"$TIKTOKEN_VERSION\"" "$tk/node_modules/tiktoken/package.json"; then
  mkdir -p "$tk"
  npm install --prefix "$tk" --no-audit --no-fund --silent "tiktoken@$TIKTOKEN_VERSION" >/dev/null
fi
