#!/usr/bin/env bash
# demo library → embed → search/similar: output shapes, filters (keys in any spelling,
# case-insensitive genre/mood, BPM ranges), k past the matches, empty answers, unknown and
# unembedded samples, an empty store, usage errors, the vector cache's reuse and invalidation.
# Agreement with sqlite-vec: tests/cli/search_sqlite_vec.sh.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
# jq-free JSON checks through sqlite3's JSON functions
jsql() { sqlite3 :memory: "$1"; }
# json_of FILE: an SQL expression for the results array in FILE (readfile: no argument-length
# limit): search --json prints {..., "results": [...]}, similar --json the array alone
json_of() { cp "$1" "$1.q"; printf "(SELECT CASE json_type(t) WHEN 'object' THEN json_extract(t, '\$.results') ELSE t END FROM (SELECT CAST(readfile('%s') AS TEXT) AS t))" "$1.q"; }

expect_exit 0 sv demo-library lib.db --seed 11
expect_exit 0 sv embed --all --library lib.db
rows=$(sqlite3 samplevec.db 'SELECT count(*) FROM sample_embeddings')

# table on stdout: how the query was read, a header and 10 rows
expect_exit 0 sv search "dark moody hip hop" --library lib.db
expect_grep out.txt '^query: dark moody hip hop \| genre hip-hop \| mood dark \| hybrid, rrf fusion$'
expect_grep out.txt '^rank +score +similarity +id +title +genre +bpm +key +mood'
expect_eq "$(wc -l < out.txt)" 12 "query line + header + 10 rows"
expect_exit 0 sv search "dark moody hip hop" --library lib.db --mode vector
expect_grep out.txt '^rank +similarity +id +title +genre +bpm +key +mood'
[ -f samplevec.db.vcache ] && pass || fail "vector cache written next to the store"

# JSON: 10 objects with the documented fields; similarity descending; distance = 1 - similarity
expect_exit 0 sv search "dark moody hip hop" --library lib.db --json --mode vector
expect_eq "$(jsql "SELECT json_extract(CAST(readfile('out.txt') AS TEXT), '\$.mode')")" "vector" "mode in the JSON"
cp out.txt first.json
j=$(json_of first.json)
expect_eq "$(jsql "SELECT json_array_length($j)")" 10 "10 results"
expect_eq "$(jsql "SELECT count(*) FROM json_each($j) WHERE json_type(value,'\$.sample_id')='integer' AND json_type(value,'\$.similarity')='real' AND abs(json_extract(value,'\$.distance') - (1 - json_extract(value,'\$.similarity'))) < 1e-12")" 10 "fields and distance = 1 - similarity"
expect_eq "$(jsql "SELECT group_concat(k) FROM (SELECT key AS k FROM json_each($j) ORDER BY json_extract(value,'\$.similarity') DESC, json_extract(value,'\$.sample_id'))")" "0,1,2,3,4,5,6,7,8,9" "ranked by similarity, ties by id"
expect_eq "$(jsql "SELECT count(*) FROM json_each($j) WHERE json_extract(value,'\$.title') IS NOT NULL AND json_extract(value, '\$.sample_id') > 0")" 10 "titles present"

# the cache is reused: same answer, same file
ino=$(stat -c %i samplevec.db.vcache)
expect_exit 0 sv search "dark moody hip hop" --library lib.db --json --mode vector
cmp -s out.txt first.json && pass || fail "second search differs"
expect_eq "$(stat -c %i samplevec.db.vcache)" "$ino" "cache reused while the store is unchanged"
# --no-cache gives the same answer
expect_exit 0 sv search "dark moody hip hop" --library lib.db --json --no-cache --mode vector
cmp -s out.txt first.json && pass || fail "--no-cache differs"

# key spellings: every spelling of A minor gives the same answer, and every result is in A minor
expect_exit 0 sv search "mellow keys" --library lib.db --json -k 50 --key Am
cp out.txt am.json
for spelling in "A minor" "a min" "Amin" "8A" "A-minor"; do
  expect_exit 0 sv search "mellow keys" --library lib.db --json -k 50 --key "$spelling"
  cmp -s out.txt am.json && pass || fail "--key '$spelling' differs from --key Am"
done
j=$(json_of am.json)
expect_eq "$(jsql "SELECT count(*) FROM json_each($j) WHERE json_extract(value,'\$.musical_key') NOT IN ('Am','A minor','A min','Amin','A Minor','a minor','A-minor','8A')")" 0 "only A minor results"
[ "$(jsql "SELECT json_array_length($j)")" -gt 0 ] && pass || fail "some A minor results"
# enharmonics: C#m = Dbm
expect_exit 0 sv similar 5 --library lib.db --json --key C#m -k 30
cp out.txt csm.json
expect_exit 0 sv similar 5 --library lib.db --json --key Dbm -k 30
cmp -s out.txt csm.json && pass || fail "--key Dbm differs from --key C#m"
expect_exit 0 sv similar 5 --library lib.db --json --key "D♭ minor" -k 30
cmp -s out.txt csm.json && pass || fail "--key 'D♭ minor' differs from --key C#m"

# genre and mood are case-insensitive; mood matches primary or secondary
expect_exit 0 sv search "warm vinyl" --library lib.db --json --genre SOUL -k 20
cp out.txt soul.json
expect_exit 0 sv search "warm vinyl" --library lib.db --json --genre soul -k 20
cmp -s out.txt soul.json && pass || fail "--genre is case-sensitive"
j=$(json_of soul.json)
expect_eq "$(jsql "SELECT count(*) FROM json_each($j) WHERE lower(json_extract(value,'\$.genre')) != 'soul'")" 0 "only soul"
expect_exit 0 sv search "warm vinyl" --library lib.db --json --mood dark -k 2000
j=$(json_of out.txt)
want=$(sqlite3 samplevec.db "SELECT count(*) FROM sample_embeddings WHERE lower(mood_primary)='dark' OR lower(mood_secondary)='dark'")
expect_eq "$(jsql "SELECT json_array_length($j)")" "$want" "--mood matches primary or secondary (k past the matches returns them all)"

# BPM range and k past the matches: exactly the matching rows
expect_exit 0 sv search "drums" --library lib.db --json --bpm 88-92 --genre hip-hop -k 5000
j=$(json_of out.txt)
want=$(sqlite3 samplevec.db "SELECT count(*) FROM sample_embeddings WHERE bpm BETWEEN 88 AND 92 AND lower(genre)='hip-hop'")
expect_eq "$(jsql "SELECT json_array_length($j)")" "$want" "every hip-hop sample at 88-92 BPM"
expect_eq "$(jsql "SELECT count(*) FROM json_each($j) WHERE json_extract(value,'\$.bpm') NOT BETWEEN 88 AND 92")" 0 "BPMs in range"
# min similarity
expect_exit 0 sv search "dark moody hip hop" --library lib.db --json -k 5000 --min-similarity 0.15
j=$(json_of out.txt)
expect_eq "$(jsql "SELECT count(*) FROM json_each($j) WHERE json_extract(value,'\$.similarity') < 0.15")" 0 "nothing below --min-similarity"

# similar leaves the sample out; a duplicate would rank first
expect_exit 0 sv similar 42 --library lib.db --json -k "$rows"
j=$(json_of out.txt)
expect_eq "$(jsql "SELECT json_array_length($j)")" "$((rows - 1))" "every other sample"
expect_eq "$(jsql "SELECT count(*) FROM json_each($j) WHERE json_extract(value,'\$.sample_id') = 42")" 0 "the sample itself left out"

# empty answers
expect_exit 0 sv search "dark" --library lib.db --json --genre polka
expect_eq "$(jsql "SELECT json_array_length($(json_of out.txt))")" 0 "no match → results []"
expect_exit 0 sv similar 5 --library lib.db --json --genre polka
expect_eq "$(cat out.txt)" "[]" "no match → []"
expect_exit 0 sv search "dark" --library lib.db --genre polka
expect_eq "$(cat out.txt)" "query: dark | mood dark | hybrid, rrf fusion" "no table when nothing matches, only how the query was read"
expect_grep err.txt 'no samples match these filters'

# unknown and unembedded samples
expect_exit 2 sv similar 999999 --library lib.db
expect_grep err.txt 'no sample 999999 in the library'
sqlite3 samplevec.db "DELETE FROM sample_embeddings WHERE sample_id = 7"
expect_exit 2 sv similar 7 --library lib.db
expect_grep err.txt 'sample 7 is in the library but has no embedding.*samplevec embed --sample-ids 7'

# the cache follows the store: an edited title shows up after re-embedding
old_ino=$(stat -c %i samplevec.db.vcache)
sqlite3 lib.db "UPDATE samples SET title = 'Zebra Renamed Loop' WHERE id = 9"
expect_exit 0 sv embed --all --library lib.db
expect_exit 0 sv search "zebra renamed" --library lib.db --json -k 1
expect_grep out.txt '"sample_id":9,"title":"Zebra Renamed Loop"'
[ "$(stat -c %i samplevec.db.vcache)" != "$old_ino" ] && pass || fail "cache rebuilt after the store changed"

# hostile titles: no terminal escapes in the table, valid JSON whatever the bytes
sqlite3 lib.db "UPDATE samples SET title = 'Yak ' || char(27) || '[31mRed' || char(10) || 'Line ' || CAST(x'ff' AS TEXT) || ' Loop' WHERE id = 11"
expect_exit 0 sv embed --all --library lib.db
expect_exit 0 sv search "yak red line" --library lib.db -k 5000
expect_grep out.txt 'Yak \?\[31mRed\?Line'
[ "$(tr -d '\n' < out.txt | tr -cd '\033' | wc -c)" -eq 0 ] && pass || fail "ESC reached the terminal"
expect_exit 0 sv search "yak red line" --library lib.db -k 5000 --json
expect_eq "$(jsql "SELECT json_valid($(json_of out.txt))")" 1 "JSON valid with hostile titles"
expect_grep out.txt 'Yak \\u001b\[31mRed\\nLine � Loop'

# an empty store, a missing store
sqlite3 empty.db "CREATE TABLE samplevec_meta (key TEXT PRIMARY KEY, value TEXT)"
expect_exit 3 sv search "dark" --store empty.db
expect_grep err.txt 'has no embeddings yet.*samplevec embed'
expect_exit 3 sv search "dark" --store nowhere.db
expect_grep err.txt 'nowhere.db'

# usage errors name the option and the value
expect_exit 2 sv search "dark" --library lib.db --key "H minor"
expect_grep err.txt "option --key: 'H minor' is not a musical key"
expect_exit 2 sv search "dark" --library lib.db -k 0
expect_grep err.txt "option -k: '0'"
expect_exit 2 sv search "dark" --library lib.db --bpm 95-85
expect_grep err.txt "option --bpm: .*backwards"
expect_exit 2 sv search "dark" --library lib.db --min-similarity 1.5
expect_grep err.txt "option --min-similarity: '1.5' is not a number between -1 and 1"
expect_exit 2 sv search --library lib.db
expect_grep err.txt 'missing the search text'
expect_exit 2 sv search "   " --library lib.db
expect_grep err.txt "the search text is empty"
expect_exit 2 sv similar abc --library lib.db
expect_grep err.txt "'abc' is not a sample id"
expect_exit 2 sv search "dark" --library lib.db --colour red
expect_grep err.txt "unknown option"
expect_exit 0 sv search --help
expect_grep out.txt '^usage: samplevec search'

# the independent reference (sqlite-vec) is tests/cli/search_sqlite_vec.sh: a skip of its own
finish
