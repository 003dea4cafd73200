#!/usr/bin/env bash
# Dry runs: no key, no network, nothing written; cost = tokens × price / 10^6 exactly.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
json_field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$2"; }
expect_exit 0 sv demo-library lib.db --count 120 --seed 11
unset OPENAI_API_KEY OPENROUTER_API_KEY

for spec in "openrouter openai/text-embedding-3-small 0.02" "openai text-embedding-3-small 0.02" \
            "openai text-embedding-3-large 0.13" "openai text-embedding-ada-002 0.10" \
            "openrouter openai/text-embedding-3-large 0.13"; do
  set -- $spec
  expect_exit 0 sv embed --all --dry-run --provider "$1" --model "$2" --library lib.db --json
  tokens=$(json_field tokens out.txt)
  cost=$(json_field cost_usd out.txt)
  want=$(awk -v t="$tokens" -v p="$3" 'BEGIN { printf "%.12f", t * p / 1e6 }')
  got=$(awk -v c="$cost" 'BEGIN { printf "%.12f", c }')
  expect_eq "$got" "$want" "cost of $2"
  expect_eq "$(json_field successful out.txt)" 120 "all would be embedded ($2)"
  [ "$tokens" -gt 120 ] && pass || fail "token count plausible for $2: $tokens"
done
expect_eq "$(json_field dry_run out.txt)" true "dry_run flagged"
[ ! -e samplevec.db ] && pass || fail "dry run created no store"
[ ! -e samplevec.db.progress.json ] && pass || fail "dry run wrote no progress file"
expect_grep err.txt "Cost: \\$"

expect_exit 2 sv embed --all --dry-run --provider openai --model text-embedding-4-huge --library lib.db
expect_grep err.txt "text-embedding-4-huge"

# the lexical provider is free; a dry run against an existing store counts skips
expect_exit 0 sv embed --sample-ids 1-20 --library lib.db
sum=$(sha256sum samplevec.db | cut -d' ' -f1)
expect_exit 0 sv embed --all --dry-run --library lib.db --json
expect_eq "$(json_field skipped out.txt)" 20 "dry run counts stored samples as skipped"
expect_eq "$(json_field successful out.txt)" 100 "and the rest as to embed"
expect_eq "$(json_field cost_usd out.txt)" 0 "lexical costs nothing"
expect_eq "$(sha256sum samplevec.db | cut -d' ' -f1)" "$sum" "dry run left the store untouched"
# with --reset every sample would be embedded again, so none counts as skipped
expect_exit 0 sv embed --all --dry-run --reset --library lib.db --json
expect_eq "$(json_field skipped out.txt)" 0 "dry run with --reset skips nothing"
expect_eq "$(json_field successful out.txt)" 120 "dry run with --reset embeds all"
finish
