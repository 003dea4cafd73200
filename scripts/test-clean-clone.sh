#!/usr/bin/env bash
# `make test` from a clone of this checkout's HEAD in a fresh temporary directory, where no
# ../shared (or anything else beside the checkout) exists: proves the project stands alone.
#   scripts/test-clean-clone.sh [KEEP_DIR]     # default: a mktemp dir, removed afterwards
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-$(mktemp -d)}
[ -n "${1:-}" ] || trap 'rm -rf "$base"' EXIT
mkdir -p "$base"
[ ! -e "$base/shared" ] || { echo "test-clean-clone: $base/shared exists; pick an empty directory" >&2; exit 2; }
rm -rf "$base/samplevec"
git clone -q "$here" "$base/samplevec"
cd "$base/samplevec"
echo "test-clean-clone: make test in $PWD (commit $(git rev-parse --short HEAD))"
make test
