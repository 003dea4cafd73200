#!/usr/bin/env bash
# Benchmark: the library reader (read-only cursor + source text) on a large demo library,
# against the floor measured in the same run: SQLite itself stepping the reader's own query
# (samples LEFT JOIN vibe_analyses in id order) and fetching every value in its stored type,
# doing nothing with it (library_stream --floor): what any reader on SQLite pays before parsing
# a field. The sqlite3 CLI running the same query to /dev/null is shown as a named baseline
# (it also formats every value as text, so it is not a floor). Ratios are times: 1.8 x the
# CLI's time means the reader took 1.8 times as long as the CLI. A reader faster than its floor
# is reported loudly (exit 1). Also demo-library's write rate and the reader's peak RSS at two
# sizes, to show memory stays flat.
#
#   bench/library_stream.sh                       # 200,000 samples; RSS at 10,000 and 200,000
#   N=1000000 RSS_SIZES="10000 1000000" bench/library_stream.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
bin=${SAMPLEVEC:-$here/build/samplevec}
N=${N:-200000}
RSS_SIZES=${RSS_SIZES:-"10000 $N"}
ROUNDS=${ROUNDS:-3}
work=${WORK:-$here/build/bench-library}
mkdir -p "$work"
cd "$work"
now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }

# The reader bench program, linked against the same core the binary uses.
cmake --build "$here/build" --target library_stream >/dev/null
cp "$here/build/bench/library_stream" .

rm -f "lib-$N.db"
t0=$(now)
"$bin" demo-library "lib-$N.db" --count "$N" --seed 1 2>/dev/null
t1=$(now)
gen=$(calc "$t1 - $t0")
echo "demo-library: $N samples in $gen s = $(calc "int($N / $gen)") samples/s ($(du -h "lib-$N.db" | cut -f1))"

query="SELECT s.id, s.title, s.bpm, s.musical_key, s.genre, s.tags, v.sample_id, v.mood_primary,
  v.mood_secondary, v.energy_level, v.texture_tags, v.characteristics FROM samples AS s
  LEFT JOIN vibe_analyses AS v ON v.sample_id = s.id ORDER BY s.id"
cat "lib-$N.db" >/dev/null # warm the page cache for every contender alike
# Best of $ROUNDS, the contenders interleaved (the sqlite3 CLI too) so that each sees the same
# machine load. Each is timed twice: wall time, and CPU time (user + system), which a loaded
# machine inflates less because it leaves out the time spent waiting for a core.
floor= floor_cpu= secs_raw= raw_cpu= secs= cpu= cli= cli_cpu=
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for _ in $(seq "$ROUNDS"); do
  read -r _ f _ _ fc < <(./library_stream "lib-$N.db" --floor)
  /usr/bin/time -f "%e %U %S" -o cli-time.txt sqlite3 "lib-$N.db" "$query" >/dev/null
  read -r c cu cs < cli-time.txt
  read -r n r _ _ rc < <(./library_stream "lib-$N.db" --no-text)
  read -r n t bytes malformed tc < <(./library_stream "lib-$N.db")
  floor=$(min "$floor" "$f") secs_raw=$(min "$secs_raw" "$r") secs=$(min "$secs" "$t")
  floor_cpu=$(min "$floor_cpu" "$fc") raw_cpu=$(min "$raw_cpu" "$rc") cpu=$(min "$cpu" "$tc")
  cli=$(min "$cli" "$c") cli_cpu=$(min "$cli_cpu" "$(calc "$cu + $cs")")
done
echo "machine: $(nproc) cores, load average $load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after ($(date -u +%Y-%m-%dT%H:%MZ)); best of $ROUNDS interleaved runs each"
echo "floor (SQLite stepping the same query, every value fetched): $floor s = $(calc "int($N / $floor)") samples/s (CPU $floor_cpu s)"
echo "baseline: sqlite3 CLI, same query to /dev/null:              $cli s = $(calc "int($N / $cli)") samples/s (CPU $cli_cpu s)"
echo "reader, parse only:        $n samples in $secs_raw s = $(calc "int($n / $secs_raw)") samples/s, $(calc "$secs_raw / $floor") x the floor's time, $(calc "$secs_raw / $cli") x the sqlite3 CLI's time (CPU $raw_cpu s: $(calc "$raw_cpu / $floor_cpu") x floor, $(calc "$raw_cpu / $cli_cpu") x CLI)"
echo "reader + source text:      $n samples in $secs s = $(calc "int($n / $secs)") samples/s, $(calc "$secs / $floor") x the floor's time, $(calc "$secs / $cli") x the sqlite3 CLI's time (CPU $cpu s: $(calc "$cpu / $floor_cpu") x floor, $(calc "$cpu / $cli_cpu") x CLI), $(calc "int($bytes / $n)") bytes/text, $malformed malformed"
bench_floor_check "reader, parse only" "$secs_raw" "$floor"
bench_floor_check "reader + source text" "$secs" "$floor"
bench_floor_check "reader, parse only (CPU time)" "$raw_cpu" "$floor_cpu"
bench_floor_check "reader + source text (CPU time)" "$cpu" "$floor_cpu"

for size in $RSS_SIZES; do
  f="lib-$size.db"
  [ "$size" = "$N" ] || rm -f "$f" # made by this binary, never an older one
  [ -f "$f" ] || "$bin" demo-library "$f" --count "$size" --seed 1 2>/dev/null
  /usr/bin/time -v -o time.txt ./library_stream "$f" >/dev/null
  echo "peak RSS streaming $size samples: $(awk -F: '/Maximum resident/ { print int($2 / 1024) }' time.txt) MB"
done
bench_exit
