#!/usr/bin/env bash
# Queries read like a producer's: BPM and key phrases become exact filters (every result inside
# them, in every mode), flags win over the text, --literal reads nothing, --halftime and
# --harmonic widen, and the table and the JSON say how the query was read.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
jsql() { sqlite3 :memory: "$1"; }
doc() { cp "$1" "$1.q"; printf "CAST(readfile('%s') AS TEXT)" "$1.q"; }
field() { jsql "SELECT json_extract($(doc out.txt), '\$.$1')"; }
count_where() { jsql "SELECT count(*) FROM json_each(json_extract($(doc out.txt), '\$.results')) WHERE $1"; }
total() { count_where 1; }
# the app's spellings of a key code's key, as stored in the demo library
am="'Am','A minor','A min','Amin','A Minor','a minor','A-minor','8A'"

expect_exit 0 sv demo-library lib.db --seed 3
expect_exit 0 sv embed --all --library lib.db

# the demo query: BPM and key filters, words left to rank, genre read from the vocabulary
q="dusty jazz chords around 90 bpm in A minor"
expect_exit 0 sv search "$q" --library lib.db
expect_grep out.txt '^query: dusty jazz chords \| BPM 86-94 \(around 90 bpm\) \| key A minor \(in A minor\) \| genre jazz \| hybrid, rrf fusion$'
for mode in hybrid vector keyword; do
  expect_exit 0 sv search "$q" --library lib.db --json --mode $mode -k 500
  [ "$(total)" -gt 0 ] && pass || fail "$mode: some results"
  expect_eq "$(count_where "json_extract(value,'\$.bpm') NOT BETWEEN 86 AND 94")" 0 "$mode: every BPM in 86-94"
  expect_eq "$(count_where "json_extract(value,'\$.musical_key') NOT IN ($am)")" 0 "$mode: every key A minor"
done
expect_exit 0 sv search "$q" --library lib.db --json
expect_eq "$(field understood.text)" "dusty jazz chords" "understood text"
expect_eq "$(field understood.bpm.min)-$(field understood.bpm.max)" "86-94" "understood BPM"
expect_eq "$(field understood.bpm.from)" "around 90 bpm" "BPM phrase"
expect_eq "$(field understood.key.key)" "A minor" "understood key"
expect_eq "$(field understood.key.from)" "in A minor" "key phrase"
expect_eq "$(field 'understood.genres[0]')" "jazz" "genre word"
# exactly the samples a SQL reference finds (k past the matches)
want=$(sqlite3 samplevec.db "SELECT count(*) FROM sample_embeddings WHERE bpm BETWEEN 86 AND 94 AND musical_key IN ($am)")
expect_exit 0 sv search "$q" --library lib.db --json --mode vector -k 5000
expect_eq "$(total)" "$want" "vector: every sample inside the parsed filters"

# spellings: 90bpm, 85-95 bpm, Am, 8A
expect_exit 0 sv search "dusty keys 90bpm Am" --library lib.db --json -k 500
expect_eq "$(field understood.bpm.min)-$(field understood.bpm.max)/$(field understood.key.key)" "86-94/A minor" "90bpm Am"
expect_exit 0 sv search "dusty keys 85-95 bpm 8A" --library lib.db --json -k 500
expect_eq "$(field understood.bpm.min)-$(field understood.bpm.max)/$(field understood.key.key)" "85-95/A minor" "85-95 bpm 8A"
expect_eq "$(count_where "json_extract(value,'\$.bpm') NOT BETWEEN 85 AND 95")" 0 "85-95 applied"
expect_exit 0 sv search "dusty keys 90 bpm" --library lib.db --json --bpm-tolerance 1 -k 500
expect_eq "$(count_where "json_extract(value,'\$.bpm') NOT BETWEEN 89 AND 91")" 0 "--bpm-tolerance 1"

# flags win over the text; --literal reads nothing
expect_exit 0 sv search "dusty keys 90 bpm in A minor" --library lib.db --json --bpm 120-130 --key Dm -k 500
expect_eq "$(field understood.bpm.from)/$(field understood.key.from)" "--bpm/--key" "flags named as the source"
expect_eq "$(count_where "json_extract(value,'\$.bpm') NOT BETWEEN 120 AND 130")" 0 "--bpm wins"
expect_exit 0 sv search "dusty keys 90 bpm in A minor" --library lib.db --json --literal
expect_eq "$(field understood.bpm)" "" "--literal: no BPM"
expect_eq "$(field understood.key)" "" "--literal: no key"
expect_eq "$(field understood.literal)" 1 "--literal in the JSON"
expect_eq "$(field understood.text)" "dusty keys 90 bpm in A minor" "--literal ranks every word"

# --halftime: half and double tempo pass too
expect_exit 0 sv search "drums 70 bpm" --library lib.db --json --halftime -k 3000
expect_eq "$(count_where "NOT (json_extract(value,'\$.bpm') BETWEEN 66 AND 74 OR json_extract(value,'\$.bpm') BETWEEN 33 AND 37 OR json_extract(value,'\$.bpm') BETWEEN 132 AND 148)")" 0 "--halftime: only 66-74, 33-37 or 132-148"
[ "$(count_where "json_extract(value,'\$.bpm') BETWEEN 132 AND 148")" -gt 0 ] && pass || fail "--halftime found double-tempo samples"
expect_eq "$(field understood.bpm.halftime)" 1 "halftime in the JSON"
# --harmonic: A minor and its Camelot neighbours (7A Dm, 9A Em, 8B C)
expect_exit 0 sv search "warm keys in A minor" --library lib.db --json --harmonic -k 3000
expect_eq "$(jsql "SELECT group_concat(value, ',') FROM json_each(json_extract($(doc out.txt), '\$.understood.key.keys'))")" "A minor,C major,D minor,E minor" "harmonic keys"
bad=$(jsql "SELECT group_concat(DISTINCT json_extract(value,'\$.musical_key')) FROM json_each(json_extract($(doc out.txt), '\$.results'))")
for k in $(echo "$bad" | tr ',' '\n' | sort -u | tr ' ' '_'); do
  case "$k" in Am|A_minor|A_min|Amin|A_Minor|8A|Dm|D_minor|D_min|Dmin|D_Minor|7A|Em|E_minor|E_min|Emin|E_Minor|9A|C|C_major|C_maj|Cmaj|C_Major|8B|CM) ;; *) fail "--harmonic let key '$k' through" ;; esac
done
[ "$(count_where "json_extract(value,'\$.musical_key') IN ('Dm','D minor','D min')")" -gt 0 ] && pass || fail "--harmonic found D minor samples"
# similar takes --halftime and --harmonic too
expect_exit 0 sv similar 5 --library lib.db --json --key Am --harmonic -k 2000
[ "$(jsql "SELECT count(*) FROM json_each($(doc out.txt)) WHERE json_extract(value,'\$.musical_key') IN ('Em','E minor','E min')")" -gt 0 ] && pass || fail "similar --harmonic"

# only parameters: the samples that pass them, in id order
expect_exit 0 sv search "140 bpm in F minor" --library lib.db --json -k 3
expect_eq "$(field understood.text)" "" "no words"
[ "$(total)" -gt 0 ] && pass || fail "filtered samples listed"
expect_eq "$(count_where "json_extract(value,'\$.bpm') NOT BETWEEN 136 AND 144")" 0 "parameters applied"
# usage errors
expect_exit 2 sv search "dark" --library lib.db --bpm-tolerance -3
expect_grep err.txt "bpm-tolerance: '-3'"
finish
