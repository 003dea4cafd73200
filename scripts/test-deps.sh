#!/usr/bin/env bash
# Test-only dependencies (real servers, reference tools), cached under build/.
# Each entry is installed once; later runs find it in place.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# node + npm (the fake OpenAI server, npm tiktoken), the curl CLI (tests read the fake
# server's counters) and chromium (the page's browser tests): Debian packages.
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# Debian's chromium: the browser tests/cli/browser_noasan.sh drives the page in (headless).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# python3: the app's read path (tests/app_reader.py); PostgreSQL 15: the server the PostgreSQL
# tests start in a temporary directory (tests/pg_server.sh), and its psql client
command -v python3 >/dev/null 2>&1 || missing+=(python3)
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client-15)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "samplevec: tests need: ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

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

# tursodb: the real libSQL/Turso server the Turso store's tests and bench/turso.sh talk to
# (`tursodb --sync-server 127.0.0.1:PORT FILE.db` serves Hrana at POST /v2/pipeline).
TURSO_PKG=@tursodatabase/cli-linux-x64-gnu
TURSO_VERSION=0.7.0
TURSO_DIR=$root/build/npm/turso-$TURSO_VERSION
if ! "$TURSO_DIR/node_modules/$TURSO_PKG/tursodb" --version 2>/dev/null | grep -q "$TURSO_VERSION"; then
  command -v npm >/dev/null || { echo "test-deps: npm is needed to install $TURSO_PKG (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$TURSO_DIR"
  npm install --silent --no-audit --no-fund --no-save --prefix "$TURSO_DIR" "$TURSO_PKG@$TURSO_VERSION" >/dev/null
  "$TURSO_DIR/node_modules/$TURSO_PKG/tursodb" --version | grep -q "$TURSO_VERSION"
  echo "test-deps: installed $TURSO_PKG@$TURSO_VERSION into $TURSO_DIR"
fi
ln -sfn "turso-$TURSO_VERSION/node_modules/$TURSO_PKG/tursodb" "$root/build/npm/tursodb"

npm_dir="$root/build/npm"

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

# puppeteer-core: drives chromium over the DevTools protocol for the page's tests (it downloads
# no browser of its own). 24.x: the line that still runs on node 18 (Debian 12's nodejs).
npm_pin puppeteer-core 24.43.1 package.json

# The official OpenAI SDK for Node: the client tests/cli/serve_openai.sh points at serve's
# /v1 endpoints. 4.x: the line that runs on node 18.
npm_pin openai 4.104.0 package.json
