#!/usr/bin/env bash
# tools/mutants.sh: re-proves that the test suite catches a set of planted bugs.
#
# For each mutant below, on a scratch copy of this tree (never the tree itself): plants the bug
# with sed, checks that the sed changed the file, rebuilds (Release), runs the tests that guard
# that code, and expects at least one of them to fail. Prints one line per mutant (CAUGHT, or
# MISSED / NOT PLANTED) and exits 1 unless every mutant was caught.
#
#   tools/mutants.sh              # every mutant
#   tools/mutants.sh fsync seed   # only the named ones
#   KEEP=1 tools/mutants.sh       # keep the scratch copy (its path is printed)
#
# Needs what `make test` needs (run `make test-deps` once): the scratch build links the test
# dependencies this tree's build/ already installed (tursodb, npm tiktoken, the vocabulary).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
names=() files=() exprs=() tests=() whats=()
# mutant NAME FILE SED-EXPRESSION CTEST-REGEX WHAT
mutant() { names+=("$1") files+=("$2") exprs+=("$3") tests+=("$4") whats+=("$5"); }
mutant fsync src/pipeline/checkpoint.c 's/ || fsync(fd) != 0//; s/^\( *\)fsync(dfd);/\1(void)dfd;/' \
  'cli/crash_order|unit/test_checkpoint' "the checkpoint fsyncs neither its temp file nor the directory"
mutant seed src/providers/provider_lexical.c 's/^#define SEED_UNIGRAM 0x9e3779b97f4a7c15ULL/#define SEED_UNIGRAM 0x9e3779b97f4a7c16ULL/' \
  'unit/test_lexical' "lexical-v1's word hash seed changed by one bit"
mutant tiebreak src/search/search.c 's/(a->sim == b->sim \&\& a->id < b->id)/(a->sim == b->sim \&\& a->id > b->id)/' \
  'unit/test_search' "equal similarities rank the higher sample_id first"
mutant bpm src/library/source_text.c 's/"%.0f", s->bpm)/"%.0f", (double)(long long)(s->bpm + 0.5))/' \
  'unit/test_source_text' "BPM rounded half up instead of ties-to-even (92.5 gives 93)"
mutant idrange src/library/idspec.c 's/if (r.hi < r.lo) {/if (0 \&\& r.hi < r.lo) {/' \
  'unit/test_idspec|cli/embed_errors' "a reversed id range (5-2) is accepted instead of refused"
want=("$@")

scratch=$(mktemp -d /tmp/samplevec-mutants.XXXXXX)
cleanup() { [ -n "${KEEP:-}" ] && echo "scratch copy kept: $scratch" || rm -rf "$scratch"; }
trap cleanup EXIT
echo "mutants: copying the tree to $scratch"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$scratch")
mkdir -p "$scratch/build"
for dep in npm vocab; do
  [ -e "$root/build/$dep" ] && ln -s "$root/build/$dep" "$scratch/build/$dep"
done
build() { cmake --build "$scratch/build" -j"$(nproc)" >"$scratch/build.log" 2>&1; }
cmake -S "$scratch" -B "$scratch/build" -DCMAKE_BUILD_TYPE=Release >"$scratch/build.log" 2>&1 && build ||
  { echo "mutants: the unmutated copy does not build:"; tail -20 "$scratch/build.log"; exit 1; }

caught=0 total=0
for i in "${!names[@]}"; do
  name=${names[i]} file=${files[i]} expr=${exprs[i]} regex=${tests[i]} what=${whats[i]}
  if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $name "* ]]; then continue; fi
  total=$((total + 1))
  cp "$scratch/$file" "$scratch/$file.orig"
  sed -i "$expr" "$scratch/$file"
  if cmp -s "$scratch/$file" "$scratch/$file.orig"; then
    printf '%-9s NOT PLANTED  the sed matched nothing in %s (the code moved: update tools/mutants.sh)\n' "$name" "$file"
  elif ! build; then
    printf '%-9s NOT PLANTED  the mutant does not build (%s)\n' "$name" "$(grep -m1 error "$scratch/build.log")"
  else
    out=$(cd "$scratch/build" && ctest -R "$regex" --output-on-failure 2>&1)
    ran=$(grep -cE 'Test +#' <<<"$out")
    failed=$(grep -E '^[[:space:]]+[0-9]+ - ' <<<"$out" | sed 's/^[[:space:]]*[0-9]* - //; s/ (.*//' | paste -sd, -)
    if [ "$ran" -gt 0 ] && [ -n "$failed" ]; then
      caught=$((caught + 1))
      printf '%-9s CAUGHT       %s: failed %s\n' "$name" "$what" "$failed"
    else
      printf '%-9s MISSED       %s: %d tests matching /%s/ ran, none failed\n' "$name" "$what" "$ran" "$regex"
    fi
  fi
  mv "$scratch/$file.orig" "$scratch/$file"
  touch "$scratch/$file" # newer than the mutant's objects, so the next build restores it
done
build || { echo "mutants: the restored copy does not build"; exit 1; }
echo "mutants: $caught of $total caught"
[ "$caught" -eq "$total" ]
