#!/usr/bin/env bash
# search/similar/serve over a Turso store (a real tursodb server) answer exactly what they
# answer over a local store holding the same rows: whichever path runs (the store's own knn
# op on the server, or the local engine over store_scan), the contract is the same.
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/turso_server.sh"
sv() { "$SAMPLEVEC" "$@"; }

turso_require || { fail "tursodb missing"; finish; }
expect_exit 0 sv demo-library lib.db --count 500 --seed 21
expect_exit 0 sv embed --all --library lib.db --store local.db
turso_start remote.db || { fail "server"; finish; }
trap turso_stop EXIT
expect_exit 0 sv embed --all --library lib.db --store "$TURSO_URL"

same() { # description, then the arguments after the command word
  local what=$1; shift
  expect_exit 0 sv "$@" --store local.db --json
  cp out.txt local.json
  expect_exit 0 sv "$@" --store "$TURSO_URL" --json
  if cmp -s out.txt local.json; then pass; else fail "$what: Turso and local answers differ"; diff <(tr '}' '\n' <local.json) <(tr '}' '\n' <out.txt) | head -6 >&2; fi
}
# Turso has no keyword index here (docs/search.md): vector rankings are compared
same "plain search" search "dark moody hip hop" --mode vector
same "search with filters" search "dusty keys" --bpm 80-100 --key "A minor" -k 20 --mode vector
same "genre, case-insensitive" search "warm vinyl" --genre SOUL -k 15 --mode vector
same "mood primary or secondary" search "late night" --mood dark -k 30 --mode vector
same "min similarity, k past the matches" search "drums" --min-similarity 0.2 -k 500 --mode vector
same "similar" similar 42 -k 12
same "similar with an enharmonic key" similar 7 --key Dbm -k 8
same "no match" search "dark" --genre polka --mode vector

# hybrid on Turso runs by vector and says so; keyword mode is refused
expect_exit 0 sv search "dark moody hip hop" --store "$TURSO_URL" --json
expect_grep out.txt '"mode":"vector"'
expect_grep out.txt '"note":"vector-only: a remote store has no keyword index'
expect_exit 0 sv search "dark moody hip hop" --store "$TURSO_URL"
expect_grep err.txt 'vector-only: a remote store has no keyword index'
expect_exit 2 sv search "dark" --store "$TURSO_URL" --mode keyword
expect_grep err.txt 'has no keyword index'

expect_exit 2 sv similar 99999 --store "$TURSO_URL"
expect_grep err.txt 'sample 99999 has no embedding'
finish
