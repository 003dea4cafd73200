#!/usr/bin/env bash
# Benchmark: the app store (--store app: the library's own sample_embeddings, JSON vectors)
# against samplevec's own local store (float32 blobs), measured in the same run on the same
# demo library, alternating so both see the same machine load:
#   - embed N samples with the lexical provider (goal: app <= 1.5x local; JSON text is larger
#     than blobs); the backup is left out (--no-backup) and timed on its own;
#     The local store is embedded with SAMPLEVEC_KEYWORD_INDEX=0: the app's table keeps no
#     keyword index, so both runs write the same thing (vectors and source texts);
#   - `samplevec search` (default hybrid mode) with the vector cache warm (goal: app <= 1.2x
#     local), median of QUERIES fresh processes each; both stores then rank keywords with
#     search's derived keyword cache (STORE.kwcache, built by the first, untimed query).
#
#   bench/app_store.sh                      # N=200000 ROUNDS=2 QUERIES=15
#   N=20000 ROUNDS=1 bench/app_store.sh     # quicker
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${SAMPLEVEC:-$here/build/samplevec}
N=${N:-200000}
ROUNDS=${ROUNDS:-2}
QUERIES=${QUERIES:-15}
work=${WORK:-$here/build/bench-app-store}
mkdir -p "$work"
cd "$work"
now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
min() { sort -g | head -1; }

lib="lib-$N.db"
[ -f "$lib" ] || "$bin" demo-library "$lib" --count "$N" --seed 1 2>/dev/null

: > local.times
: > app.times
for round in $(seq 1 "$ROUNDS"); do
  for which in app local; do
    rm -f "$which".db* "$which".db.*progress.json
    [ "$which" = app ] && cp "$lib" app.db
    t0=$(now)
    if [ "$which" = local ]; then
      SAMPLEVEC_KEYWORD_INDEX=0 /usr/bin/time -v -o time-local.txt "$bin" embed --all --library "$lib" --store local.db --batch-size 500 >/dev/null 2>err.txt
    else
      /usr/bin/time -v -o time-app.txt "$bin" embed --all --library app.db --store app --no-backup --batch-size 500 >/dev/null 2>err.txt
    fi
    calc "$(now) - $t0" >> "$which.times"
  done
done
t_local=$(min < local.times)
t_app=$(min < app.times)
rss() { echo $(( $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$1") / 1024 )); }
bytes_local=$(sqlite3 local.db "SELECT sum(length(vibe_vector)) FROM sample_embeddings")
bytes_app=$(sqlite3 app.db "SELECT sum(length(vibe_vector)) FROM sample_embeddings")

# the backup alone: what the first --store app run adds before its first write
rm -f backup.db*; cp "$lib" backup.db
t0=$(now)
"$bin" embed --sample-ids 1 --library backup.db --store app >/dev/null 2>&1
t_backup=$(calc "$(now) - $t0")
size_mb=$(( $(stat -c %s "$lib") / 1048576 ))
rm -f backup.db*

# search with the vector cache warm (the first query of each builds it, untimed)
queries=("dark trap 808" "dusty jazz chords" "warm vinyl keys" "aggressive drum break" "dreamy pad")
"$bin" search "${queries[0]}" --library "$lib" --store local.db >/dev/null
"$bin" search "${queries[0]}" --library app.db --store app >/dev/null
: > s-local.times
: > s-app.times
for i in $(seq 1 "$QUERIES"); do
  q=${queries[$((i % ${#queries[@]}))]}
  for which in app local; do
    t0=$(now)
    if [ "$which" = local ]; then
      "$bin" search "$q" --library "$lib" --store local.db >/dev/null
    else
      "$bin" search "$q" --library app.db --store app >/dev/null
    fi
    calc "($(now) - $t0) * 1000" >> "s-$which.times"
  done
done
s_local=$(median < s-local.times)
s_app=$(median < s-app.times)

printf 'app_store: %d samples x 1536 dims (lexical), best of %d rounds\n' "$N" "$ROUNDS"
printf '  embed, local store (float32 blobs):   %8.2f s  %9.0f samples/s  peak RSS %d MB  vectors %d MB\n' \
  "$t_local" "$(calc "$N / $t_local")" "$(rss time-local.txt)" $((bytes_local / 1048576))
printf '  embed, --store app (JSON in the app): %8.2f s  %9.0f samples/s  peak RSS %d MB  vectors %d MB\n' \
  "$t_app" "$(calc "$N / $t_app")" "$(rss time-app.txt)" $((bytes_app / 1048576))
printf '  ratio app / local: %.2fx (goal <= 1.5x)\n' "$(calc "$t_app / $t_local")"
printf '  backup before the first write (%d MB library, SQLite online backup): %.2f s\n' "$size_mb" "$t_backup"
printf '  search, warm vector cache, median of %d CLI runs: local %.1f ms, app %.1f ms: %.2fx (goal <= 1.2x)\n' \
  "$QUERIES" "$s_local" "$s_app" "$(calc "$s_app / $s_local")"
