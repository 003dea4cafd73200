#!/usr/bin/env bash
# Test-only dependencies (real servers, reference tools), cached under build/.
# Each entry is installed once; later runs find it in place.
set -euo pipefail
cd "$(dirname "$0")/.."
npm_dir="${BUILD:-build}/npm"

# npm_pin PACKAGE VERSION FILE: installs PACKAGE@VERSION under $npm_dir unless FILE is there.
npm_pin() {
  local pkg=$1 version=$2 file=$3
  [ -f "$npm_dir/node_modules/$pkg/$file" ] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    echo "samplevec: npm not found; skipping $pkg (tests that need it are skipped)" >&2
    return 0
  fi
  mkdir -p "$npm_dir"
  npm install --silent --no-audit --no-fund --prefix "$npm_dir" "$pkg@$version" >/dev/null ||
    echo "samplevec: could not install $pkg@$version; tests that need it are skipped" >&2
}

# sqlite-vec's loadable extension: the search tests' independent reference
# (vec_distance_cosine) and the baseline of bench/search.sh.
npm_pin sqlite-vec-linux-x64 0.1.9 vec0.so
