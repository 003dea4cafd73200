#!/usr/bin/env bash
# Benchmark: embedding a large demo library with the lexical provider into the local store,
# against the I/O floor measured in the same run: the sqlite3 CLI writing the same rows (each
# source text plus a zeroblob(dims*4)) into a fresh table in one transaction; and against the
# same embed without the keyword index (SAMPLEVEC_KEYWORD_INDEX=0), for what keeping it costs.
# Also peak RSS (from /usr/bin/time -v) at several library sizes, to show memory stays flat.
#
#   bench/embed_local.sh                 # 200,000 samples; RSS at 10,000 and 200,000
#   N=200000 RSS_SIZES="10000 1000000" bench/embed_local.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${SAMPLEVEC:-$here/build/samplevec}
N=${N:-200000}
DIMS=${DIMS:-1536}
RSS_SIZES=${RSS_SIZES:-"10000 $N"}
work=${WORK:-$here/build/bench-embed}
mkdir -p "$work"
cd "$work"

lib_for() { # lib_for COUNT → path of a demo library with COUNT samples (cached)
  local f="lib-$1.db"
  [ -f "$f" ] || "$bin" demo-library "$f" --count "$1" --seed 1 2>/dev/null
  echo "$f"
}
now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }

lib=$(lib_for "$N")
rm -f store.db* floor.db*
t0=$(now)
/usr/bin/time -v -o time.txt "$bin" embed --all --library "$lib" --store store.db --dims "$DIMS" --batch-size 500 >/dev/null 2>err.txt
t1=$(now)
ours=$(calc "$t1 - $t0")
rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' time.txt)

# The same run without keeping the keyword index (SAMPLEVEC_KEYWORD_INDEX=0): what the index costs.
rm -f noindex.db*
t0=$(now)
SAMPLEVEC_KEYWORD_INDEX=0 "$bin" embed --all --library "$lib" --store noindex.db --dims "$DIMS" --batch-size 500 >/dev/null 2>&1
t1=$(now)
noindex=$(calc "$t1 - $t0")

# The floor: the same texts and a zero vector per row, written by sqlite3 itself (WAL like ours).
sqlite3 floor.db "PRAGMA journal_mode=WAL" >/dev/null
t0=$(now)
sqlite3 floor.db "PRAGMA synchronous=FULL; ATTACH 'store.db' AS src;
  CREATE TABLE t(sample_id INTEGER PRIMARY KEY, vibe_vector BLOB NOT NULL, embedding_source TEXT);
  BEGIN; INSERT INTO t SELECT sample_id, zeroblob($DIMS*4), embedding_source FROM src.sample_embeddings; COMMIT;"
t1=$(now)
floor=$(calc "$t1 - $t0")

rate=$(calc "$N / $ours")
floor_rate=$(calc "$N / $floor")
printf 'embed_local: %d samples x %d dims\n' "$N" "$DIMS"
printf '  samplevec embed (lexical, local store): %8.2f s  %9.0f samples/s  peak RSS %d MB\n' "$ours" "$rate" $((rss_kb / 1024))
printf '  I/O floor (sqlite3 CLI, same rows):     %8.2f s  %9.0f samples/s\n' "$floor" "$floor_rate"
printf '  without the keyword index:              %8.2f s  %9.0f samples/s\n' "$noindex" "$(calc "$N / $noindex")"
printf '  ratio samplevec / floor: %.2fx (goal <= 2x)\n' "$(calc "$ours / $floor")"
printf '  keyword index cost: %.2fx the embed without it, +%.0f%% (goal <= +25%%)\n' "$(calc "$ours / $noindex")" "$(calc "100 * ($ours - $noindex) / $noindex")"

echo "  peak RSS by library size:"
for n in $RSS_SIZES; do
  l=$(lib_for "$n")
  rm -f rss.db*
  /usr/bin/time -v -o t.txt "$bin" embed --all --library "$l" --store rss.db --dims "$DIMS" --batch-size 500 >/dev/null 2>&1
  printf '    %9d samples: %4d MB\n' "$n" $(( $(sed -n 's/.*Maximum resident set size (kbytes): //p' t.txt) / 1024 ))
done
rm -f rss.db* floor.db* noindex.db*
