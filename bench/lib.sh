# Sourced by the benchmarks: cached inputs that know what made them, and the floor check.
#
# bench_key FILE... : 12 hex digits of the sha256 of FILEs' contents (the binary or script that
#   makes an input). An input cached under this key is remade when what made it changes.
# bench_cached STEM EXT KEY : prints STEM.KEY.EXT, the cached input's path, and removes any
#   STEM.*.EXT made by something else (stale inputs never linger). The caller makes the file
#   when it is missing, writing a temporary name and renaming it, so a half-made input is
#   never taken for a cached one.
# bench_floor_check NAME OURS_S FLOOR_S : a floor is a lower bound. If samplevec took less time
#   than its floor, says so loudly on stdout and stderr and remembers it; bench_exit then exits
#   1, so the figure is not quoted until the floor is revisited.
bench_key() { cat "$@" | sha256sum | cut -c1-12; }
bench_cached() {
  local stem=$1 ext=$2 key=$3 f
  for f in "$stem".*"$ext"; do
    [ -e "$f" ] && [ "$f" != "$stem.$key$ext" ] && rm -rf "$f"*
  done
  echo "$stem.$key$ext"
}
BENCH_FLOOR_BEATEN=0
bench_floor_check() {
  if awk -v a="$2" -v b="$3" 'BEGIN { exit !(a < b) }'; then
    BENCH_FLOOR_BEATEN=1
    local msg="!!! FLOOR BEATEN: $1 took $2 s, less than its floor $3 s: the floor is not a lower bound; revisit the floor before quoting this figure"
    echo "$msg"
    echo "$msg" >&2
  fi
}
bench_exit() { exit "$BENCH_FLOOR_BEATEN"; }
