#!/usr/bin/env bash
# Benchmark: the cost of checking the vector cache (XXH3-64 over every byte after its header,
# veccache.h) against the baseline of one exact query over the same cache, same run.
#   bench/veccache_check.sh                     # N=100000 DIMS=1536 REPEATS=9
#   N=20000 bench/veccache_check.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-100000}
DIMS=${DIMS:-1536}
REPEATS=${REPEATS:-9}
work=${WORK:-$here/build/bench-veccache}
mkdir -p "$work"
cmake --build "$here/build" --target veccache_check >/dev/null
cd "$work"
"$here/build/bench/veccache_check" "$N" "$DIMS" "$REPEATS"
