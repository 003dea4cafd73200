#!/usr/bin/env bash
# What people read off a terminal-less run and from errors: one error style, "did you mean",
# options given twice, strict numbers, hints that keep the user's --store/--library, counts
# with separators (never in --json), no cost rows for a free provider, status before anything
# is embedded, the panel's commit size, the summary's state and next step, and a search table
# that fits $COLUMNS.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
json_field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$2"; }
expect_exit 0 sv demo-library lib.db --count 1200 --seed 3
expect_grep err.txt 'wrote 1,200 samples'

# one error style: usage errors too say "samplevec: error:"
expect_exit 2 sv embed --all --batch-size 0
expect_grep err.txt "^samplevec: error: option --batch-size: '0' is not a whole number between 1 and 2048"
expect_exit 2 sv serach "dark"
expect_grep err.txt "^samplevec: error: unknown command 'serach'; did you mean 'search'\?"
expect_exit 2 sv embed --all --stroe x.db
expect_grep err.txt "^samplevec: error: unknown option '--stroe'; did you mean '--store'\?"
expect_exit 2 sv status --libary lib.db
expect_grep err.txt "did you mean '--library'"
expect_exit 2 sv embed --all --store a.db --store b.db
expect_grep err.txt "^samplevec: error: option --store: given twice \('a.db', then 'b.db'\): give it once"
expect_exit 2 sv search dark --bpm 90 --bpm 100
expect_grep err.txt "option --bpm: given twice"
expect_exit 2 sv embed --all --all
expect_grep err.txt "option --all: given twice"
# numbers are decimal, whole, in range, and the option is named
expect_exit 2 sv search dark --library lib.db --bpm 0x5A
expect_grep err.txt "^samplevec: error: option --bpm: '0x5A' is not a BPM range"
for bad in 0x10 " 5" +5 1e1 10abc; do
  re=$(printf '%s' "$bad" | sed 's/[+]/\\&/g')
  expect_exit 2 sv search dark --library lib.db -k "$bad"
  expect_grep err.txt "option -k: '$re' is not a whole number"
  expect_exit 2 sv embed --all --library lib.db --batch-size "$bad"
  expect_grep err.txt "option --batch-size: '$re'"
done
for bad in nan inf 0x1p-1 1e-1; do
  expect_exit 2 sv search dark --library lib.db --min-similarity "$bad"
  expect_grep err.txt "option --min-similarity: '$bad' is not a number"
done
expect_exit 2 sv serve --port 0x50
expect_grep err.txt "option --port: '0x50'"
expect_exit 2 sv demo-library x.db --count 1e3
expect_grep err.txt "option --count: '1e3'"

# before anything is embedded: status says so, and its hint keeps --store
expect_exit 0 sv status --library lib.db --store sub.db
expect_grep out.txt '^dims +-$'
expect_grep out.txt '^samples +1,200$'
expect_grep out.txt "^hint .*samplevec embed --all --library lib\.db --store sub\.db$"
expect_exit 3 sv search dark --library lib.db --store sub.db
expect_grep err.txt "no store at sub\.db: run 'samplevec embed --all --library lib\.db --store sub\.db' first"
[ ! -e sub.db ] && pass || fail "search created the store"

# a plain embed: panel lines, the commit size as it is, no cost rows for a free provider,
# separators in the summary, the state and the next command with the user's options
expect_exit 0 sv embed --sample-ids 1-1000 --library lib.db --store sub.db
expect_grep err.txt '^samplevec: Calls: 100 texts each$'
expect_grep err.txt '^samplevec: Commits: 100–1,170 samples$'
expect_no_grep err.txt 'samples per commit'
expect_grep err.txt '^samplevec: State: finished$'
expect_grep err.txt '^samplevec: Stored: 1,000$'
expect_no_grep err.txt 'Cost|\$'
expect_grep err.txt "^samplevec: next: samplevec search \"dark moody hip hop\" --library lib\.db --store sub\.db$"
expect_exit 0 sv embed --sample-ids 1-1000 --library lib.db --store sub.db --json
expect_eq "$(json_field skipped out.txt)" 1000 "--json counts have no separators"
expect_eq "$(json_field state out.txt)" '"finished"' "--json names the state"

# status after: dims and counts, the hint for the rest keeps --store and --library
expect_exit 0 sv status --library lib.db --store sub.db
expect_grep out.txt '^dims +1536$'
expect_grep out.txt '^embedded +1,000$'
expect_grep out.txt "^hint +embed the 200 stale and missing samples: samplevec embed --all --library lib\.db --store sub\.db$"

# similar on a sample the store lacks: the embed command writes to the same store
expect_exit 2 sv similar 1100 --library lib.db --store sub.db
expect_grep err.txt "run 'samplevec embed --sample-ids 1100 --library lib\.db --store sub\.db'"
# an empty store: the hint has --all and the store
sqlite3 empty.db "CREATE TABLE samplevec_meta (key TEXT PRIMARY KEY, value TEXT)"
expect_exit 3 sv search dark --store empty.db
expect_grep err.txt "has no embeddings yet: run 'samplevec embed --all --store empty\.db' first"

# the search table (and the line saying how the query was read) fits the width it is given,
# and keeps its full form without one; vector mode has no score column
for cols in 40 60 80 100; do
  COLUMNS=$cols sv search "dark moody hip hop" --library lib.db --store sub.db -k 20 >out.txt 2>err.txt
  widest=$(python3 "$SRC_DIR/tests/cli/ptyrun.py" width out.txt)
  [ "$widest" -le "$cols" ] && pass || fail "search table at $cols columns is $widest wide"
  expect_eq "$(wc -l <out.txt)" 22 "query line + header + 20 rows at $cols columns"
done
COLUMNS=40 sv search "dark moody hip hop" --library lib.db --store sub.db >out.txt 2>&1
expect_grep out.txt '^ # +score +sim +id +title'
sv search "dark moody hip hop" --library lib.db --store sub.db >out.txt 2>&1
expect_grep out.txt '^query: dark moody hip hop \| genre hip-hop \| mood dark \| hybrid, rrf fusion$'
expect_grep out.txt '^rank +score +similarity +id +title +genre +bpm +key +mood'
sv search "dark moody hip hop" --mode vector --library lib.db --store sub.db >out.txt 2>&1
expect_grep out.txt '^rank +similarity +id +title +genre +bpm +key +mood'

# a dry run: the next command is the real run, with the same options
expect_exit 0 sv embed --all --library lib.db --store sub.db --dry-run
expect_grep err.txt "^samplevec: next: samplevec embed --all --library lib\.db --store sub\.db$"
finish
