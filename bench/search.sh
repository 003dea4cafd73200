#!/usr/bin/env bash
# Benchmark: exact `similar` on a 100,000 × 1536 store, against two baselines measured in the
# same run on the same vectors:
#   - sqlite-vec 0.1.9's vec0 KNN (npm sqlite-vec-linux-x64, loaded into Debian's sqlite3),
#   - the memory floor: the time to read the scanned bytes once on as many threads as the
#     query uses, the best of AVX-512 / AVX2 / SSE2 streaming loads and glibc's memcmp
#     (bench/search_resident.c), measured between the queries of each run (medians), so both
#     see the same machine load. A query that beats its floor is reported loudly (exit 1).
# Also: the cold CLI (a fresh `samplevec similar` process per query, cache already built), the
# first query that builds the cache, and `samplevec search` over the 2,437-sample demo library.
# First of all (part 0): hybrid search against vector-only search on N demo samples.
#
#   bench/search.sh                    # N=100000 DIMS=1536 QUERIES=30
#   N=20000 QUERIES=10 bench/search.sh # quicker
#   HYBRID_ONLY=1 bench/search.sh      # only part 0: hybrid against vector-only search
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
bin=${SAMPLEVEC:-$here/build/samplevec}
N=${N:-100000}
DIMS=${DIMS:-1536}
QUERIES=${QUERIES:-30}
K=${K:-10}
work=${WORK:-$here/build/bench-search}
vec0=$here/build/npm/node_modules/sqlite-vec-linux-x64/vec0.so
mkdir -p "$work"
cd "$work"
now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }
field() { sed -n "s/^$1=//p" "$2"; }
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

[ -f "$vec0" ] || "$here/scripts/test-deps.sh"
[ -f "$vec0" ] || { echo "bench/search.sh: sqlite-vec is needed (scripts/test-deps.sh could not install it)" >&2; exit 1; }
# the bench programs, linked against the same core the binary runs (bench/CMakeLists.txt)
cmake --build "$here/build" --target gen_store search_resident search_hybrid >/dev/null
cp "$here/build/bench/gen_store" "$here/build/bench/search_resident" "$here/build/bench/search_hybrid" .

# 0. Hybrid against vector-only search at N samples, in the same run: a demo library of N
# samples embedded with the lexical provider (real source texts, so the keyword index has real
# words), producer queries, resident (as serve runs them), modes alternating query by query.
hybrid_lib="hybrid-lib-$N.db" hybrid_store="hybrid-store-$N.db"
[ -f "$hybrid_lib" ] || "$bin" demo-library "$hybrid_lib" --count "$N" --seed 1 >/dev/null 2>&1
[ -f "$hybrid_store" ] || "$bin" embed --all --library "$hybrid_lib" --store "$hybrid_store" --batch-size 500 >/dev/null 2>&1
./search_hybrid "$hybrid_store" "${HYBRID_ROUNDS:-3}" "dark moody hip hop" "dusty jazz chords" "aggressive trap 808" \
  "chill lo-fi rain" "warm vinyl keys" "東京" "funky bass groove" "dreamy ambient pads" "sad piano" "boom bap drums" >hybrid.txt
printf 'search TEXT, k=10, %s demo samples × %s, resident, medians of %s queries per mode\n' "$N" "$DIMS" "$(( ${HYBRID_ROUNDS:-3} * 10 ))"
printf '  %-44s %9.2f ms\n' "vector only (--mode vector)" "$(field vector_ms hybrid.txt)"
printf '  %-44s %9.2f ms   %.2f× vector (goal <= 1.5×)\n' "hybrid (the default)" "$(field hybrid_ms hybrid.txt)" "$(calc "$(field hybrid_ms hybrid.txt) / $(field vector_ms hybrid.txt)")"
printf '  %-44s %9.2f ms\n' "keyword only (--mode keyword)" "$(field keyword_ms hybrid.txt)"
[ -n "${HYBRID_ONLY:-}" ] && exit 0

# cached inputs, remade when what made them changes (gen_store, or sqlite-vec's build)
store=$(bench_cached "store-$N-$DIMS" .db "$(bench_key gen_store)")
if [ ! -f "$store" ]; then
  t0=$(now)
  rm -f "$store.tmp"
  ./gen_store "$store.tmp" "$N" "$DIMS" 1
  mv "$store.tmp" "$store"
  echo "data: $N × $DIMS synthetic store written in $(calc "$(now) - $t0") s"
fi
vecdb=$(bench_cached "vec-$N-$DIMS" .db "$(cat gen_store "$vec0" | sha256sum | cut -c1-12)")
if [ ! -f "$vecdb" ]; then
  t0=$(now)
  rm -f vec.tmp.db
  sqlite3 -cmd ".load ${vec0%.so}" vec.tmp.db \
    "CREATE VIRTUAL TABLE items USING vec0(embedding float[$DIMS] distance_metric=cosine);
     ATTACH '$store' AS s;
     INSERT INTO items(rowid, embedding) SELECT sample_id, vibe_vector FROM s.sample_embeddings;"
  mv vec.tmp.db "$vecdb"
  echo "data: sqlite-vec vec0 table loaded in $(calc "$(now) - $t0") s"
fi
rm -f "$store.vcache"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

# 1. The first query builds the vector cache (scan of the SQLite store); later ones reuse it.
t0=$(now)
"$bin" similar 1 --store "$store" -k "$K" --json >/dev/null
first=$(calc "$(now) - $t0")

# 2. Resident: one process, queries back to back (what `serve` does per request).
./search_resident "$store" "$QUERIES" "$K" >auto.txt
SAMPLEVEC_THREADS=1 ./search_resident "$store" "$QUERIES" "$K" >one.txt
SAMPLEVEC_THREADS=1 SAMPLEVEC_KERNEL=scalar ./search_resident "$store" "$(( QUERIES / 3 + 1 ))" "$K" >scalar.txt
# each run's ratio uses the floor measured between its own queries (same load, same threads)
ratio() { calc "$(field query_median_ms "$1") / $(field floor_ms "$1")"; }
auto=$(field query_median_ms auto.txt)
one=$(field query_median_ms one.txt)
scalar=$(field query_median_ms scalar.txt)

# 3. Cold CLI: a new process per query (cache built, page cache warm).
ids=$(awk -v n="$N" -v q="$QUERIES" 'BEGIN { srand(7); for (i = 0; i < q; i++) print 1 + int(rand() * n) }')
for id in $ids; do
  t0=$(now)
  "$bin" similar "$id" --store "$store" -k "$K" --json >/dev/null
  calc "($(now) - $t0) * 1000"
done >cli.txt
cli=$(median <cli.txt)

# 4. sqlite-vec: the same queries as vec0 KNN in one sqlite3 process (its resident case);
# k+1 because the query vector itself comes back first there.
{
  echo ".load ${vec0%.so}"
  echo "ATTACH '$store' AS s;"
  echo ".timer on"
  for id in $ids; do
    echo "SELECT rowid, distance FROM items WHERE embedding MATCH (SELECT vibe_vector FROM s.sample_embeddings WHERE sample_id = $id) AND k = $((K + 1));"
  done
} >vec.sql
sqlite3 "$vecdb" <vec.sql 2>&1 | sed -n 's/^Run Time: real \([0-9.]*\).*/\1/p' | awk '{ print $1 * 1000 }' >vec.txt
vec=$(median <vec.txt)

# sqlite-vec cold: a new sqlite3 process per query, like our cold CLI.
for id in $ids; do
  t0=$(now)
  sqlite3 -cmd ".load ${vec0%.so}" "$vecdb" "ATTACH '$store' AS s; SELECT rowid, distance FROM items WHERE embedding MATCH (SELECT vibe_vector FROM s.sample_embeddings WHERE sample_id = $id) AND k = $((K + 1));" >/dev/null
  calc "($(now) - $t0) * 1000"
done >vec_cold.txt
vec_cold=$(median <vec_cold.txt)

# 5. The same answers: sqlite-vec's ids equal ours for the first query.
id1=$(echo "$ids" | head -1)
ours=$("$bin" similar "$id1" --store "$store" -k "$K" --json | grep -o '"sample_id":[0-9]*' | cut -d: -f2 | paste -sd,)
theirs=$(sqlite3 -cmd ".load ${vec0%.so}" "$vecdb" "ATTACH '$store' AS s; SELECT group_concat(rowid) FROM (SELECT rowid, distance FROM items WHERE embedding MATCH (SELECT vibe_vector FROM s.sample_embeddings WHERE sample_id = $id1) AND k = $((K + 1))) WHERE rowid != $id1;")
[ "$ours" = "$theirs" ] && agree="yes" || agree="NO (ours $ours, sqlite-vec $theirs)"

# 6. The demo library: one CLI search, wall time per process (remade when the binary changes).
demo=$(bench_cached demo-lib "" "$(bench_key "$bin")")
if [ ! -f "$demo/samplevec.db" ]; then
  rm -rf "$demo.tmp" && mkdir -p "$demo.tmp"
  "$bin" demo-library "$demo.tmp/lib.db" >/dev/null 2>&1
  "$bin" embed --all --library "$demo.tmp/lib.db" >/dev/null 2>&1
  mv "$demo.tmp" "$demo"
fi
"$bin" search "dark moody hip hop" --library "$demo/lib.db" >/dev/null
for _ in $(seq 20); do
  t0=$(now)
  "$bin" search "dark moody hip hop" --library "$demo/lib.db" >/dev/null
  calc "($(now) - $t0) * 1000"
done >demo.txt
demo_ms=$(median <demo.txt)

mb=$(calc "$(field scan_bytes one.txt) / 1e6")
floors() { printf 'avx512 %s, avx2 %s, sse2 %s, memcmp %s ms' "$(field floor_avx512_ms "$1")" "$(field floor_avx2_ms "$1")" "$(field floor_sse2_ms "$1")" "$(field floor_memcmp_ms "$1")"; }
printf '\nexact similar, k=%s, %s × %s float32 (%.0f MB scanned per query), medians of %s queries (%s)\n' "$K" "$N" "$DIMS" "$mb" "$QUERIES" "$(date -u +%Y-%m-%dT%H:%MZ)"
printf '  %-44s %9.2f ms   best of: %s\n' "memory floor, $(field floor_threads auto.txt) threads ($(field floor_reader auto.txt))" "$(field floor_ms auto.txt)" "$(floors auto.txt)"
printf '  %-44s %9.2f ms   best of: %s\n' "memory floor, 1 thread ($(field floor_reader one.txt))" "$(field floor_ms one.txt)" "$(floors one.txt)"
printf '  %-44s %9.2f ms   %.2f× its floor, %.1f× faster than sqlite-vec\n' "samplevec resident, auto threads ($(nproc) cores)" "$auto" "$(ratio auto.txt)" "$(calc "$vec / $auto")"
printf '  %-44s %9.2f ms   %.2f× its floor\n' "samplevec resident, 1 thread" "$one" "$(ratio one.txt)"
printf '  %-44s %9.2f ms   %.2f× its floor\n' "samplevec resident, 1 thread, scalar kernel" "$scalar" "$(ratio scalar.txt)"
printf '  %-44s %9.2f ms\n' "sqlite-vec vec0 KNN (resident sqlite3)" "$vec"
printf '  %-44s %9.2f ms   %.1f× faster than sqlite-vec cold\n' "samplevec similar, cold CLI process" "$cli" "$(calc "$vec_cold / $cli")"
printf '  %-44s %9.2f ms\n' "sqlite-vec vec0 KNN, new sqlite3 process" "$vec_cold"
printf '  %-44s %9.2f ms   (builds STORE.vcache from SQLite)\n' "samplevec first query after a store change" "$(calc "$first * 1000")"
printf '  %-44s %s\n' "same ids as sqlite-vec" "$agree"
printf 'demo library (2,437 × 1536): samplevec search, one CLI process: %.1f ms median wall (budget 20 ms)\n' "$demo_ms"
for run in auto one scalar; do
  bench_floor_check "samplevec resident ($run)" "$(calc "$(field query_median_ms $run.txt) / 1000")" "$(calc "$(field floor_ms $run.txt) / 1000")"
done
bench_exit
