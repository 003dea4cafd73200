#!/usr/bin/env bash
# A/B of the library reader: an earlier commit's reader + source text (bench/library_stream.c
# and the core of REV) against this tree's, on one demo library made by this tree's binary,
# alternated in one run so that both see the same machine load. Prints wall and CPU (user +
# system) time per round, the SQLite floor and the sqlite3 CLI in the same rounds, and, with
# valgrind installed, the instructions each reader executes on a small library: a count that
# machine load does not move, so a code regression shows there even on a busy machine.
# REV is built in a temporary worktree (removed at the end).
#
#   bench/library_ab.sh 8dbbbda          # N=200000 ROUNDS=5 IR_N=20000
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:?usage: bench/library_ab.sh REV (a commit whose reader to compare with this tree)}
N=${N:-200000}
ROUNDS=${ROUNDS:-5}
IR_N=${IR_N:-20000}
work=${WORK:-$here/build/bench-library-ab}
old=$(mktemp -d "${TMPDIR:-/tmp}/library-ab.XXXXXX")
cleanup() { git -C "$here" worktree remove --force "$old" 2>/dev/null || rm -rf "$old"; }
trap cleanup EXIT
mkdir -p "$work"

git -C "$here" worktree add --detach "$old" "$rev" >/dev/null 2>&1
cmake -S "$old" -B "$old/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
if [ -f "$old/bench/CMakeLists.txt" ]; then
  cmake --build "$old/build" -j2 --target library_stream >/dev/null
  cp "$old/build/bench/library_stream" "$work/reader-old"
else # before bench/CMakeLists.txt (Nov 25): the script compiled it against the core archive
  cmake --build "$old/build" -j2 --target samplevec_core >/dev/null
  cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$old/src" "$old/bench/library_stream.c" \
    "$old/build/libsamplevec_core.a" \
    $(pkg-config --libs sqlite3 libcjson libcurl libutf8proc libpcre2-8 openblas) -lm -lpthread \
    -o "$work/reader-old"
fi
cmake --build "$here/build" --target library_stream samplevec >/dev/null
cp "$here/build/bench/library_stream" "$work/reader-new"
cd "$work"
for n in "$N" "$IR_N"; do
  rm -f "lib-$n.db"
  "$here/build/samplevec" demo-library "lib-$n.db" --count "$n" --seed 1 2>/dev/null
done
query="SELECT s.id, s.title, s.bpm, s.musical_key, s.genre, s.tags, v.sample_id, v.mood_primary,
  v.mood_secondary, v.energy_level, v.texture_tags, v.characteristics FROM samples AS s
  LEFT JOIN vibe_analyses AS v ON v.sample_id = s.id ORDER BY s.id"
cat "lib-$N.db" >/dev/null
echo "old = $(git -C "$here" rev-parse --short "$rev"), new = $(git -C "$here" rev-parse --short HEAD)$(git -C "$here" diff --quiet HEAD || echo ' + uncommitted changes'); $N samples"
echo "start $(date -u +%Y-%m-%dT%H:%M:%SZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$ROUNDS"); do
  for who in old new floor cli; do
    case $who in
    old) cmd=(./reader-old "lib-$N.db") ;;
    new) cmd=(./reader-new "lib-$N.db") ;;
    floor) cmd=(./reader-new "lib-$N.db" --floor) ;;
    cli) cmd=(sqlite3 "lib-$N.db" "$query") ;;
    esac
    /usr/bin/time -f "%e %U %S" -o ab-time.txt "${cmd[@]}" >ab-out.txt
    read -r e u s <ab-time.txt
    echo "round $i $(printf %-5s $who) wall $e s, CPU $(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') s"
  done
done
echo "end $(date -u +%Y-%m-%dT%H:%M:%SZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if command -v valgrind >/dev/null; then
  for who in old new; do
    ir=$(valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
      "./reader-$who" "lib-$IR_N.db" 2>&1 >/dev/null | awk '/I *refs/ { gsub(",", "", $NF); print $NF }')
    echo "instructions, $IR_N samples: $who $ir"
  done
else
  echo "SKIPPED: instruction counts (valgrind is not installed)"
fi
