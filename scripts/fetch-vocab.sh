#!/usr/bin/env bash
# Fetches OpenAI's cl100k_base BPE vocabulary (text-embedding-3-*, ada-002) for exact token
# counts, from the npm registry's `tiktoken` package (encoders/cl100k_base.json), into
# build/vocab/ of this source tree, which is the path compiled into samplevec.
# Idempotent and quiet once the file is in place. Without npm or the registry it warns and
# succeeds: samplevec then estimates tokens (≈ bytes/4) until the file exists.
set -euo pipefail
VERSION=1.0.22
SHA256=49a4e05dea02c8fafbd50cc4725c4aab8f39386c0afedef118e0dfebc2fe523a
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/build/vocab/cl100k_base.json"

have_ok() { [ -f "$dest" ] && echo "$SHA256  $dest" | sha256sum -c --status 2>/dev/null; }
have_ok && exit 0

if ! command -v npm >/dev/null 2>&1; then
  echo "samplevec: warning: npm not found; token counts will be estimates (install npm and rerun scripts/fetch-vocab.sh)" >&2
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && npm pack "tiktoken@$VERSION" --silent >/dev/null 2>"$tmp/npm.err"); then
  echo "samplevec: warning: could not fetch tiktoken@$VERSION from npm ($(tail -1 "$tmp/npm.err")); token counts will be estimates" >&2
  exit 0
fi
tar -xzf "$tmp/tiktoken-$VERSION.tgz" -C "$tmp" package/encoders/cl100k_base.json
mkdir -p "$(dirname "$dest")"
mv "$tmp/package/encoders/cl100k_base.json" "$dest.tmp"
if ! echo "$SHA256  $dest.tmp" | sha256sum -c --status; then
  rm -f "$dest.tmp"
  echo "samplevec: warning: tiktoken@$VERSION cl100k_base.json has an unexpected checksum; not installed" >&2
  exit 0
fi
mv "$dest.tmp" "$dest"
echo "samplevec: fetched cl100k_base vocabulary to build/vocab/" >&2
