#!/usr/bin/env bash
# Test-only dependencies (real servers, reference tools), cached under build/.
# Each entry is installed once; later runs find it in place.
set -euo pipefail
cd "$(dirname "$0")/.."

# tursodb: the real libSQL/Turso server the Turso store's tests and bench/turso.sh talk to
# (`tursodb --sync-server 127.0.0.1:PORT FILE.db` serves Hrana at POST /v2/pipeline).
TURSO_PKG=@tursodatabase/cli-linux-x64-gnu
TURSO_VERSION=0.7.0
TURSO_DIR=build/npm/turso-$TURSO_VERSION
if ! "$TURSO_DIR/node_modules/$TURSO_PKG/tursodb" --version 2>/dev/null | grep -q "$TURSO_VERSION"; then
  command -v npm >/dev/null || { echo "test-deps: npm is needed to install $TURSO_PKG (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$TURSO_DIR"
  npm install --silent --no-audit --no-fund --no-save --prefix "$TURSO_DIR" "$TURSO_PKG@$TURSO_VERSION" >/dev/null
  "$TURSO_DIR/node_modules/$TURSO_PKG/tursodb" --version | grep -q "$TURSO_VERSION"
  echo "test-deps: installed $TURSO_PKG@$TURSO_VERSION into $TURSO_DIR"
fi
ln -sfn "turso-$TURSO_VERSION/node_modules/$TURSO_PKG/tursodb" build/npm/tursodb
