#!/usr/bin/env bash
# Benchmark: `samplevec serve` under concurrent clients, and the vibe map of a large library,
# each against a baseline measured in the same run:
#   - GET /search latency (p50/p95) with CLIENTS concurrent keep-alive clients, against two
#     baselines, same queries: the resident search in one process (bench/serve_baseline.c:
#     cache mapped once, searcher_search per query — what `samplevec search` and each request
#     run), and the CLI as a user runs it (`samplevec search`, one process per query, its files
#     in the page cache: start, open, checksum and map the caches, search, print);
#   - the vector scan of the 16 queries one at a time against one shared pass (bench/scan_many.c:
#     search_top_k vs search_top_k_many, k = 100 as hybrid's depth), as serve's scan_batch joins
#     the scans of concurrent requests;
#   - the map layout (search/vibemap.h) of every sample on THREADS threads, and its quality: of
#     each sample's 10 nearest neighbours by cosine, the share among its 10 nearest on the map,
#     against PCA-to-2-D of the same vectors (bench/map_layout.c, SAMPLES random samples, exact).
# Data: a demo library of N samples (samplevec demo-library) embedded with the lexical provider.
#
#   bench/serve.sh                          # N=100000 CLIENTS=16 REQUESTS=480 THREADS=2
#   N=20000 REQUESTS=160 bench/serve.sh     # quicker
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build}
bin=${SAMPLEVEC:-$build/samplevec}
N=${N:-100000}
CLIENTS=${CLIENTS:-16}
REQUESTS=${REQUESTS:-480}
REPEAT=${REPEAT:-5}
THREADS=${THREADS:-2}
SAMPLES=${SAMPLES:-1000}
work=${WORK:-$here/build/bench-serve}
mkdir -p "$work"
cd "$work"
field() { sed -n "s/^$1=//p" "$2"; }
calc() { awk "BEGIN { printf \"%.2f\", $* }"; }

cmake --build "$build" --target serve_baseline map_layout scan_many >/dev/null
lib="lib-$N.db"
store="store-$N.db"
if [ ! -f "$store" ]; then
  rm -f "$lib" "$store" "$store".*
  "$bin" demo-library "$lib" --count "$N" 2>/dev/null
  "$bin" embed --all --library "$lib" --store "$store" >/dev/null 2>&1
  echo "data: $N-sample demo library embedded (lexical, 1536 dims)"
fi
cat >queries.txt <<'Q'
dusty jazz chords
dark trap 808
warm vinyl soul keys
chill lo-fi rain
aggressive distorted bass
bright house piano stab
deep dub reggae bassline
cinematic strings tension
boom bap drums with swing
smooth rhodes late night
uplifting gospel organ
funky slap bass groove
ambient pad texture
latin percussion loop
gritty sampled break
melancholic guitar phrase
Q
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. the CLI's resident search: one query at a time
"$build/bench/serve_baseline" "$store" queries.txt "$REPEAT" >baseline.txt
base=$(field median_ms baseline.txt)
"$build/bench/scan_many" "$store" queries.txt >scan.txt
# the CLI itself: `samplevec search` as a user runs it, one process per query, its files
# resident in the page cache (one run first to build and read them); median wall time
"$bin" search "warm up" --library "$lib" --store "$store" >/dev/null 2>&1 || true
: >cli.txt
while IFS= read -r q; do
  t0=$(date +%s%N)
  "$bin" search "$q" --library "$lib" --store "$store" >/dev/null 2>&1
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000)) >>cli.txt
done <queries.txt
cli_ms=$(sort -n cli.txt | awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 1000 }')

# 2. the server: started, its map laid out (in the background, timed by the server), then
#    one client, then CLIENTS clients
"$bin" serve --port 0 --library "$lib" --store "$store" 2>serve.err &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
port=
for _ in $(seq 600); do
  port=$(sed -n 's|.*on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' serve.err)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "bench/serve.sh: the server did not start" >&2; cat serve.err >&2; exit 1; }
url="http://127.0.0.1:$port"
for _ in $(seq 3000); do # up to 10 minutes
  curl -s "$url/map/status" >status.json
  grep -q '"state":"ready","stale":false' status.json && break
  grep -q '"state":"failed"' status.json && { cat status.json >&2; exit 1; }
  sleep 0.2
done
map_serve_s=$(sed -n 's/.*"seconds":\([0-9.]*\).*/\1/p' status.json)
node "$here/bench/serve_load.mjs" "$url" queries.txt 1 $((REQUESTS / 4)) >one.txt
node "$here/bench/serve_load.mjs" "$url" queries.txt "$CLIENTS" "$REQUESTS" >many.txt
# the page's map with every point, in headless Chromium (when the browser tests' tools are here)
npm_dir="$here/build/npm"
rm -f draw.txt # a figure of an earlier run must never be printed as this one's
if command -v chromium >/dev/null && [ -f "$npm_dir/node_modules/puppeteer-core/package.json" ]; then
  rm -rf profile
  node "$here/bench/map_draw.mjs" "$url" "$N" "$npm_dir" "$work/profile" >draw.txt || true
fi
kill "$pid"
wait "$pid" 2>/dev/null || true
trap - EXIT

# 3. the map layout on THREADS threads, and its quality against PCA-2-D
"$build/bench/map_layout" "$store" "$SAMPLES" "$THREADS" >map.txt

p95=$(field p95_ms many.txt)
echo "CLI resident search (searcher_search, k=10, $(field queries baseline.txt) queries): median $base ms, p95 $(field p95_ms baseline.txt) ms"
echo "serve /search, 1 client:  p50 $(field p50_ms one.txt) ms, p95 $(field p95_ms one.txt) ms ($(field rps one.txt) requests/s)"
echo "serve /search, $CLIENTS clients: p50 $(field p50_ms many.txt) ms, p95 $p95 ms, p99 $(field p99_ms many.txt) ms ($(field rps many.txt) requests/s, $(field requests many.txt) requests, $(field non_200 many.txt) not answered 200)"
echo "  p95 under $CLIENTS clients = $(calc "$p95 / $base")x the resident search in one process (goal <= 2x); the server's $(sed -n 's/.*stopped (\(.*\))/\1/p' serve.err)"
echo "CLI \`samplevec search\` process per query, files in the page cache ($(wc -l <cli.txt) queries): median $cli_ms ms; p95 under $CLIENTS clients = $(calc "$p95 / $cli_ms")x it"
echo "vector scan of $(field queries scan.txt) queries (k=$(field k scan.txt)): one at a time $(field one_at_a_time_ms scan.txt) ms, in one pass $(field one_pass_ms scan.txt) ms = $(field ratio scan.txt)x faster (answers identical: $(field identical scan.txt))"
echo "map layout, $(field points map.txt) samples, $THREADS threads: $(field layout_s map.txt) s (PCA $(field layout_pca_s map.txt) s, neighbours $(field layout_knn_s map.txt) s, layout $(field layout_sgd_s map.txt) s; goal <= 60 s); in the server (nice 10, other threads idle): $map_serve_s s"
[ -s draw.txt ] && echo "the page's map in Chromium: all $N points drawn $(field map_load_s draw.txt) s after opening the page; a redraw while zooming: median $(field redraw_median_ms draw.txt) ms, p95 $(field redraw_p95_ms draw.txt) ms"
echo "  10-NN kept (of $(field share_samples map.txt) samples): map $(field share_layout map.txt), PCA-2-D $(field share_pca2 map.txt) = $(calc "$(field share_layout map.txt) / $(field share_pca2 map.txt)")x (goal >= 2x); PCA-2-D took $(field pca2_s map.txt) s"
