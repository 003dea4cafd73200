#!/usr/bin/env bash
# Benchmark: rows/s of 1536-dim vectors into a local Turso server (tursodb --sync-server),
# all measured in the same run, each on a fresh database, each the best of $REPEAT tries
# (interleaved, so a busy machine hurts every contender alike):
#   ceiling   the server's own ceiling: the exact requests the store sends, all built before
#             the clock starts, sent 1 × 500 rows and 2 × 250 rows in flight (the better one)
#   store     the Turso store: store_upsert of $CHUNK rows per call (what
#             `samplevec embed --batch-size $CHUNK` hands it), building its requests on the fly
#   store_all the same, all $N rows in one call: the store without the per-call barrier (each
#             store_upsert returns only after its last commit, so the server idles briefly
#             between calls)
#   embed     the whole CLI: samplevec embed --all of a demo library with default options
#             (lexical provider), reading the library and embedding included
#   local     the same CLI run into a local SQLite store: the pipeline's own pace (library,
#             lexical embedding), which bounds the embed line whatever the store
#   single    one row per request and commit (the seed's commit-per-sample), $SINGLE rows
#
# The ceiling is the floor in time: a store row rate above it (the store faster than the server
# can take its own requests) is reported loudly (exit 1). The demo library is remade when the
# binary changes.
#
#   bench/turso.sh                       # N=20000 CHUNK=1000 SINGLE=300 REPEAT=3
#   N=50000 CHUNK=2000 bench/turso.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
N=${N:-20000}
CHUNK=${CHUNK:-1000}
SINGLE=${SINGLE:-300}
REPEAT=${REPEAT:-3}
DIMS=1536
work=${WORK:-$here/build/bench-turso}
mkdir -p "$work"

"$here/scripts/test-deps.sh"
if [ ! -x "$here/build/samplevec" ]; then
  cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$here/build" -j2 >/dev/null
fi
# the bench driver links the same core the binary uses (bench/CMakeLists.txt)
cmake --build "$here/build" --target turso_bench >/dev/null
cp "$here/build/bench/turso_bench" "$work/turso_bench"
drv=$work/turso_bench
sv=$here/build/samplevec
. "$here/tests/turso_server.sh"
cd "$work"
lib=$(bench_cached "lib-$N" .db "$(bench_key "$sv")")
[ -f "$lib" ] || { rm -f "$lib.tmp" && "$sv" demo-library "$lib.tmp" --count "$N" --seed 1 2>/dev/null && mv "$lib.tmp" "$lib"; }
[ "$(sqlite3 "$lib" 'SELECT count(*) FROM samples')" = "$N" ] || { echo "bad demo library $lib" >&2; exit 1; }

fresh() { turso_stop; rm -f bench.db bench.db-wal bench.db-shm; turso_start bench.db; }
now() { date +%s.%N; }
best() { sort -g | tail -1; }

declare -A runs
for ((r = 1; r <= REPEAT; r++)); do
  fresh; runs[c500]+="$("$drv" ceiling "$TURSO_URL" 500 "$N" 1 $DIMS | cut -d' ' -f3) "
  fresh; runs[c250]+="$("$drv" ceiling "$TURSO_URL" 250 "$N" 2 $DIMS | cut -d' ' -f3) "
  fresh; runs[store]+="$("$drv" store "$TURSO_URL" "$N" "$CHUNK" $DIMS | cut -d' ' -f3) "
  fresh; runs[store_all]+="$("$drv" store "$TURSO_URL" "$N" "$N" $DIMS | cut -d' ' -f3) "
  fresh
  rm -f progress.json
  t0=$(now)
  "$sv" embed --all --library "$lib" --store "$TURSO_URL" --progress-file progress.json >/dev/null 2>embed_err.txt
  t1=$(now)
  runs[embed]+="$(awk "BEGIN { printf \"%.0f\", $N / ($t1 - $t0) }") "
  rm -f local.db local.db-wal local.db-shm local.json
  t0=$(now)
  "$sv" embed --all --library "$lib" --store local.db --progress-file local.json >/dev/null 2>&1
  t1=$(now)
  runs[local]+="$(awk "BEGIN { printf \"%.0f\", $N / ($t1 - $t0) }") "
  fresh; runs[single]+="$("$drv" single "$TURSO_URL" "$SINGLE" $DIMS | cut -d' ' -f3) "
done
turso_stop

c500=$(tr ' ' '\n' <<<"${runs[c500]}" | best)
c250=$(tr ' ' '\n' <<<"${runs[c250]}" | best)
ceiling=$(( c500 > c250 ? c500 : c250 ))
store=$(tr ' ' '\n' <<<"${runs[store]}" | best)
store_all=$(tr ' ' '\n' <<<"${runs[store_all]}" | best)
embed=$(tr ' ' '\n' <<<"${runs[embed]}" | best)
single=$(tr ' ' '\n' <<<"${runs[single]}" | best)
local_=$(tr ' ' '\n' <<<"${runs[local]}" | best)
pct() { awk "BEGIN { printf \"%.0f%%\", 100 * $1 / $2 }"; }
# Per round, store / that round's ceiling; the median of those ratios is the robust figure on a
# busy machine (a slow round slows both).
paired() { # NAME → "min/median/max" of 100 * NAME_r / max(c500_r, c250_r)
  local -a a=(${runs[$1]}) b=(${runs[c500]}) c=(${runs[c250]})
  for ((i = 0; i < ${#a[@]}; i++)); do
    awk "BEGIN { m = ${b[i]} > ${c[i]} ? ${b[i]} : ${c[i]}; printf \"%.0f\n\", 100 * ${a[i]} / m }"
  done | sort -n | awk '{ v[NR] = $1 } END { printf "%s%%/%s%%/%s%%", v[1], v[int((NR + 1) / 2)], v[NR] }'
}
echo "Turso store, $N rows of $DIMS float32 (tursodb $("$TURSODB" --version | cut -d' ' -f2), best of $REPEAT)"
printf '  %-52s %8s rows/s\n' "server ceiling, pre-built bodies, 1 x 500 in flight" "$c500"
printf '  %-52s %8s rows/s\n' "server ceiling, pre-built bodies, 2 x 250 in flight" "$c250"
printf '  %-52s %8s rows/s  %s of ceiling (per round min/median/max %s)\n' "store_upsert, $CHUNK rows per call" "$store" "$(pct "$store" "$ceiling")" "$(paired store)"
printf '  %-52s %8s rows/s  %s of ceiling (per round min/median/max %s)\n' "store_upsert, all $N rows in one call" "$store_all" "$(pct "$store_all" "$ceiling")" "$(paired store_all)"
printf '  %-52s %8s rows/s  %s of ceiling (per round min/median/max %s)\n' "samplevec embed (lexical, whole CLI)" "$embed" "$(pct "$embed" "$ceiling")" "$(paired embed)"
printf '  %-52s %8s rows/s  (the pipeline without a server)\n' "samplevec embed into local SQLite (same CLI)" "$local_"
printf '  %-52s %8s rows/s  (%s rows; batched store is %sx faster)\n' "one row per request (commit per sample)" "$single" "$SINGLE" "$(awk "BEGIN { printf \"%.0f\", $store / $single }")"
echo "  all tries: ceiling500 [${runs[c500]% }] ceiling250 [${runs[c250]% }] store [${runs[store]% }] store_all [${runs[store_all]% }] embed [${runs[embed]% }] local [${runs[local]% }] single [${runs[single]% }]"
# rows/s above the ceiling would be a time below the floor
for name in store store_all embed; do
  bench_floor_check "turso $name" "$(awk "BEGIN { print $N / ${!name} }")" "$(awk "BEGIN { print $N / $ceiling }")"
done
bench_exit
