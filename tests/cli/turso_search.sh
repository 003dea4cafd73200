#!/usr/bin/env bash
# search/similar on a Turso store run on the server (the store's knn op: vector_distance_cos and
# the filters in SQL, candidates re-ranked with the local engine's exact arithmetic) and give
# exactly the local engine's answers for the same library: the same JSON, byte for byte, and
# the same exit codes.
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/turso_server.sh"
sv() { "$SAMPLEVEC" "$@"; }
ids() { grep -o '"sample_id":[0-9]*' "$1" | tr '\n' ' '; }

turso_require || { fail "tursodb missing"; finish; }
expect_exit 0 sv demo-library lib.db --count 1500 --seed 4
expect_exit 0 sv embed --all --library lib.db --store local.db
turso_start remote.db || { fail "server"; finish; }
export TURSO_AUTH_TOKEN="search-token-$$"
expect_exit 0 sv embed --all --library lib.db --store "$TURSO_URL"

compare() { # NAME ARGS... : the same command on both stores
  local name=$1; shift
  sv "$@" --library lib.db --store local.db --json >local.json 2>local.err
  local lc=$?
  sv "$@" --library lib.db --store "$TURSO_URL" --json >remote.json 2>remote.err
  local rc=$?
  expect_eq "$rc" "$lc" "$name: exit code"
  expect_eq "$(ids remote.json)" "$(ids local.json)" "$name: ids in rank order"
  if cmp -s local.json remote.json; then pass; else fail "$name: JSON differs"; diff <(tr '}' '\n' <local.json) <(tr '}' '\n' <remote.json) | head -4 >&2; fi
  cat remote.err >>all_err.txt
}
compare plain search "dusty vinyl jazz" --mode vector
compare genre search "dark trap" -k 20 --genre TRAP --mode vector
compare bpm_key search "warm keys" --bpm 80-95 --key Am -k 15 --mode vector
compare mood_min search "chill" --mood dark --min-similarity 0.05 -k 50 --mode vector
compare similar similar 42 -k 12
compare similar_key similar 42 -k 5 --key "C# minor"
compare unknown similar 999999
compare nothing search "nothing" --genre nosuch --mode vector
[ "$(ids remote.json)" = "" ] && pass || fail "a filter nothing passes returns nothing"
compare many search "bass" -k 3000 --mode vector
expect_eq "$(ids remote.json | wc -w)" 1500 "k above the row count returns every row"
expect_eq "$(grep -c -- "$TURSO_AUTH_TOKEN" all_err.txt remote.json | awk -F: '{ s += $2 } END { print s }')" 0 "no token in any output"
finish
