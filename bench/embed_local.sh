#!/usr/bin/env bash
# Benchmark: embedding a large demo library with the lexical provider into the local store,
# against the write floor measured in the same run: the sqlite3 CLI writing the same rows into
# a fresh table of the same schema, from a text-only source (a CSV of every column but the
# vector, exported beforehand), with a zero vector of the same size per row, with the fastest
# settings the CLI allows. That is all of samplevec's I/O and none of its work (reading the
# library, building texts, embedding), so samplevec cannot be faster: if it is, the script
# says so loudly and exits 1.
# Two ways to load, the faster is the floor:
#   import    .import of the CSV into an in-memory table, then one INSERT … SELECT
#   sql       generated SQL: one INSERT statement per row
# each into a file with the store's page size, and .import also with SQLite's default 4 KiB,
# all in one transaction, journal_mode=OFF (each page written once: no rollback journal, no
# WAL to copy back; samplevec's WAL writes its pages twice, so this is below it), synchronous=OFF,
# locking_mode=EXCLUSIVE and a 256 MiB page cache. A durable variant (WAL, synchronous=FULL,
# one transaction: samplevec's own settings, but one commit instead of one per batch) is shown
# beside it for reference.
# Also the same embed without keeping the keyword index (SAMPLEVEC_KEYWORD_INDEX=0): what the
# index costs, best of the same interleaved rounds, in wall time and in CPU (user + system).
# Also peak RSS (from /usr/bin/time -v) at several library sizes, to show memory stays flat.
#
#   bench/embed_local.sh                 # 200,000 samples; RSS at 10,000 and 200,000
#   N=200000 RSS_SIZES="10000 1000000" bench/embed_local.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
bin=${SAMPLEVEC:-$here/build/samplevec}
N=${N:-200000}
DIMS=${DIMS:-1536}
RSS_SIZES=${RSS_SIZES:-"10000 $N"}
ROUNDS=${ROUNDS:-3}
work=${WORK:-$here/build/bench-embed}
mkdir -p "$work"
cd "$work"
key=$(bench_key "$bin") # the demo libraries are the binary's output: remade when it changes

lib_for() { # lib_for COUNT → path of a demo library with COUNT samples (cached per binary)
  local f
  f=$(bench_cached "lib-$1" .db "$key")
  if [ ! -f "$f" ]; then
    rm -f "$f.tmp"
    "$bin" demo-library "$f.tmp" --count "$1" --seed 1 2>/dev/null
    mv "$f.tmp" "$f"
  fi
  echo "$f"
}
now() { date +%s.%N; }
# Before each timed run: the files of the run before are written out (sync), so that no run
# pays for another's dirty pages; the floor (synchronous=OFF) otherwise raced ahead or fell
# behind by up to 2x depending on what ran before it.
settle() { sync; }
calc() { awk "BEGIN { print $* }"; }
# A timed run: timer_start (settles, then notes the time), the run, timer_seconds (prints the
# seconds since timer_start).
timer_start() { settle; t0=$(now); }
timer_seconds() { calc "$(now) - $t0"; }

lib=$(lib_for "$N")
cat "$lib" >/dev/null # the page cache holds the library, as it holds the floor's CSV below
rm -f store.db* floor*.db* rows.csv rows.sql
# The CPU a run used (user + system seconds, from /usr/bin/time -v's report in $1), appended to
# $2: beside the wall time, a figure the machine's other load moves less (the runs are
# CPU-bound on 2 cores).
note_cpu() { awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f\n", s }' "$1" >>"$2"; }
rm -f cpu_index.txt cpu_noindex.txt
embed() { # one timed samplevec run into a fresh store.db; prints seconds
  rm -f store.db*
  local t0
  timer_start
  /usr/bin/time -v -o time.txt "$bin" embed --all --library "$lib" --store store.db --dims "$DIMS" --batch-size 500 >/dev/null 2>err.txt
  timer_seconds
  note_cpu time.txt cpu_index.txt
}
ours=$(embed)
rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' time.txt)

# The floor's input, untimed: every column samplevec wrote except the vector, as CSV and as
# generated SQL, and the store's own tables (not its keyword index, its vector index and
# generation triggers: samplevec's own work, which a lower bound on writing the same rows leaves out).
cols=$(sqlite3 store.db "SELECT group_concat(name, ', ') FROM pragma_table_info('sample_embeddings') WHERE name != 'vibe_vector'")
sqlite3 -csv store.db "SELECT $cols FROM sample_embeddings ORDER BY sample_id" >rows.csv
schema=$(sqlite3 store.db "SELECT group_concat(sql, ';' || char(10)) || ';' FROM sqlite_master WHERE type = 'table' AND name IN ('sample_embeddings', 'samplevec_meta')")
sqlite3 store.db ".mode insert sample_embeddings" "SELECT $cols FROM sample_embeddings ORDER BY sample_id" |
  sed "s/^INSERT INTO sample_embeddings VALUES(/INSERT INTO sample_embeddings($cols, vibe_vector) VALUES(/; s/);\$/, zeroblob($DIMS*4));/" >rows.sql
[ "$(wc -l <rows.sql)" -ge "$N" ] || { echo "embed_local: generated SQL has fewer rows than $N" >&2; exit 1; }
# the floor's file has the store's page size (64 KiB for a store made today: store_sqlite.c);
# SQLite's default 4 KiB is tried as well (floor C), and the fastest of all is the floor
pgsz=$(sqlite3 store.db "PRAGMA page_size")
fast_opts="PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE; PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;"
fast="PRAGMA page_size=$pgsz; $fast_opts"
cat rows.csv rows.sql >/dev/null

# floor A: .import into an in-memory table, one INSERT … SELECT with the zero vectors
# (floor C: the same with SQLite's default page size)
floor_import() {
  rm -f floor_import.db*
  local t0
  timer_start
  sqlite3 floor_import.db >/dev/null <<SQL
${1:-$fast}
$schema
CREATE TEMP TABLE src($cols);
BEGIN;
.import --csv rows.csv src
INSERT INTO sample_embeddings($cols, vibe_vector) SELECT $cols, zeroblob($DIMS*4) FROM src;
COMMIT;
SQL
  timer_seconds
}
# floor B: generated SQL, one INSERT per row
floor_sql() {
  rm -f floor_sql.db*
  local t0
  timer_start
  { echo "$fast"; echo "$schema"; echo "BEGIN;"; cat rows.sql; echo "COMMIT;"; } | sqlite3 floor_sql.db >/dev/null
  timer_seconds
}
# best of $ROUNDS each, interleaved so that every contender sees the same machine load
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
# The same embed without keeping the keyword index (what the index costs), in the same rounds.
embed_noindex() {
  rm -f noindex.db*
  local t0
  timer_start
  SAMPLEVEC_KEYWORD_INDEX=0 /usr/bin/time -v -o time_noindex.txt "$bin" embed --all --library "$lib" \
    --store noindex.db --dims "$DIMS" --batch-size 500 >/dev/null 2>&1
  timer_seconds
  note_cpu time_noindex.txt cpu_noindex.txt
}
fi_s=$(floor_import) fs_s=$(floor_sql) fd_s=$(floor_import "$fast_opts") ni_s=$(embed_noindex)
for _ in $(seq 2 "$ROUNDS"); do
  ours=$(min "$ours" "$(embed)")
  ni_s=$(min "$ni_s" "$(embed_noindex)")
  fi_s=$(min "$fi_s" "$(floor_import)")
  fs_s=$(min "$fs_s" "$(floor_sql)")
  fd_s=$(min "$fd_s" "$(floor_import "$fast_opts")")
done
floor_import=$fi_s floor_sql=$fs_s floor_import_default=$fd_s noindex=$ni_s

# for reference: durable, like samplevec (WAL, synchronous=FULL), one commit
t0=$(now)
sqlite3 floor_durable.db >/dev/null <<SQL
PRAGMA page_size=$pgsz; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY;
$schema
CREATE TEMP TABLE src($cols);
BEGIN;
.import --csv rows.csv src
INSERT INTO sample_embeddings($cols, vibe_vector) SELECT $cols, zeroblob($DIMS*4) FROM src;
COMMIT;
SQL
t1=$(now)
durable=$(calc "$t1 - $t0")

for f in floor_import.db floor_sql.db floor_durable.db; do
  got=$(sqlite3 "$f" "SELECT count(*) || '/' || sum(length(vibe_vector)) FROM sample_embeddings")
  [ "$got" = "$N/$((N * DIMS * 4))" ] || { echo "embed_local: $f holds $got rows/bytes, want $N/$((N * DIMS * 4))" >&2; exit 1; }
done
floor=$floor_import
floor_how=".import"
if awk -v a="$floor_sql" -v b="$floor" 'BEGIN { exit !(a < b) }'; then floor=$floor_sql floor_how="generated SQL"; fi
if awk -v a="$floor_import_default" -v b="$floor" 'BEGIN { exit !(a < b) }'; then floor=$floor_import_default floor_how=".import, 4 KiB pages"; fi

printf 'embed_local: %d samples x %d dims (%s)\n' "$N" "$DIMS" "$(date -u +%Y-%m-%dT%H:%MZ)"
printf '  machine: %d cores, load average %s; best of %d runs each\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$ROUNDS"
printf '  samplevec embed (lexical, local store): %8.2f s  %9.0f samples/s  peak RSS %d MB\n' "$ours" "$(calc "$N / $ours")" $((rss_kb / 1024))
printf '  write floor, sqlite3 .import:           %8.2f s  %9.0f samples/s  (%d-byte pages, as the store)\n' "$floor_import" "$(calc "$N / $floor_import")" "$pgsz"
printf '  write floor, sqlite3 .import, 4 KiB:    %8.2f s  %9.0f samples/s  (SQLite'"'"'s default page size)\n' "$floor_import_default" "$(calc "$N / $floor_import_default")"
printf '  write floor, sqlite3 generated SQL:     %8.2f s  %9.0f samples/s\n' "$floor_sql" "$(calc "$N / $floor_sql")"
printf '  (durable sqlite3: WAL + FULL, 1 commit: %8.2f s)\n' "$durable"
printf '  ratio samplevec / floor (%s): %.2fx\n' "$floor_how" "$(calc "$ours / $floor")"
bench_floor_check "samplevec embed" "$ours" "$floor"

printf '  without the keyword index:              %8.2f s  %9.0f samples/s\n' "$noindex" "$(calc "$N / $noindex")"
printf '  keyword index cost: %.2fx the embed without it, +%.0f%% (goal <= +25%%)\n' "$(calc "$ours / $noindex")" "$(calc "100 * ($ours - $noindex) / $noindex")"
cpu_index=$(sort -g cpu_index.txt | head -1) cpu_noindex=$(sort -g cpu_noindex.txt | head -1)
printf '  CPU (user + system, least of the rounds): %.2f core-s with the index, %.2f without: +%.0f%%\n' \
  "$cpu_index" "$cpu_noindex" "$(calc "100 * ($cpu_index - $cpu_noindex) / $cpu_noindex")"

echo "  peak RSS by library size:"
for n in $RSS_SIZES; do
  l=$(lib_for "$n")
  rm -f rss.db*
  /usr/bin/time -v -o t.txt "$bin" embed --all --library "$l" --store rss.db --dims "$DIMS" --batch-size 500 >/dev/null 2>&1
  printf '    %9d samples: %4d MB\n' "$n" $(( $(sed -n 's/.*Maximum resident set size (kbytes): //p' t.txt) / 1024 ))
done
rm -f rss.db* floor*.db* noindex.db* rows.csv rows.sql cpu_index.txt cpu_noindex.txt time_noindex.txt
bench_exit
