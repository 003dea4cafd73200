#!/usr/bin/env bash
# Hybrid search: the keyword index kept in the store (same transaction as the vectors), its
# derived cache for stores made before it or written by another program, --mode, exact
# filters in every mode, and the regression queries of issue 11 (CJK and Hangul title words,
# emoji, stop words only, unanalysed samples not winning by being short).
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
jsql() { sqlite3 :memory: "$1"; }
res() { cp "$1" "$1.q"; printf "json_extract(CAST(readfile('%s') AS TEXT), '\$.results')" "$1.q"; }
ids() { jsql "SELECT group_concat(json_extract(value,'\$.sample_id'), ' ') FROM json_each($(res "$1"))"; }

expect_exit 0 sv demo-library lib.db
expect_exit 0 sv embed --all --library lib.db
meta() { sqlite3 samplevec.db "SELECT value FROM samplevec_meta WHERE key='$1'"; }

# the index lives in the store, stamped with the generation it indexed
expect_eq "$(sqlite3 samplevec.db "SELECT count(*) FROM sqlite_master WHERE name='sample_keywords'")" 1 "keyword index in the store"
expect_eq "$(meta keyword_generation)" "$(meta generation)" "index stamped with the store's generation"

# CJK and Hangul title words: every sample with the word before any without it
for word in 東京 서울; do
  n=$(sqlite3 lib.db "SELECT count(*) FROM samples WHERE title LIKE '%$word%'")
  [ "$n" -ge 5 ] && pass || fail "demo library has $word titles"
  expect_exit 0 sv search "$word" --library lib.db --json -k $((n + 5))
  got=$(jsql "SELECT group_concat(instr(json_extract(value,'\$.title'), '$word') > 0, '') FROM json_each($(res out.txt))")
  want=$(printf '1%.0s' $(seq "$n"))00000
  expect_eq "$got" "$want" "'$word': the $n titles with it first"
done
# the matches of a rare word are ordered by the keyword ranking (BM25F, field by field), not by
# the cosine, which puts the shortest texts (samples without a vibe analysis) first among them
for word in 東京 서울; do
  n=$(sqlite3 lib.db "SELECT count(*) FROM samples WHERE title LIKE '%$word%'")
  expect_exit 0 sv search "$word" --library lib.db --json -k "$n" --mode keyword
  want=$(ids out.txt)
  expect_exit 0 sv search "$word" --library lib.db --json -k "$n"
  expect_eq "$(ids out.txt)" "$want" "'$word': hybrid orders its $n matches as the keyword ranking does"
done
# 서울 Groove #44 above Golden Pads One-Shot (the regression of issue 11)
expect_exit 0 sv search "서울" --library lib.db --json -k 100
order=$(jsql "SELECT group_concat(json_extract(value,'\$.title'), '|') FROM json_each($(res out.txt))")
case "$order" in *"서울 Groove #44"*"Golden Pads One-Shot"*|*"서울 Groove #44"*) pass ;; *) fail "서울 Groove #44 not above Golden Pads One-Shot: $order" ;; esac
# emoji in titles can be searched (lexical vectors have no word for it: keyword ranking alone)
n=$(sqlite3 lib.db "SELECT count(*) FROM samples WHERE title LIKE '%🔥%'")
expect_exit 0 sv search "🔥" --library lib.db --json -k "$n"
expect_eq "$(jsql "SELECT count(*) FROM json_each($(res out.txt)) WHERE instr(json_extract(value,'\$.title'), '🔥') > 0")" "$n" "every 🔥 title found"
expect_exit 2 sv search "🔥" --library lib.db --mode vector
expect_grep err.txt "has no words the lexical-v1 model knows"
# a query of stop words only is a usage error that says so
expect_exit 2 sv search "the and of a" --library lib.db
expect_grep err.txt "no meaningful word"
expect_exit 2 sv search "?!" --library lib.db
# short texts do not win by being short: samples without a vibe analysis (about 10% of the
# library) do not fill the top 10 of plain queries
unanalysed() { jsql "SELECT count(*) FROM json_each($(res out.txt))" >/dev/null
  local n=0 id
  for id in $(ids out.txt); do
    sqlite3 samplevec.db "SELECT embedding_source FROM sample_embeddings WHERE sample_id=$id" | grep -q '^Description:' || n=$((n + 1))
  done
  echo "$n"; }
for q in "funky bass groove" "boom bap drums"; do
  expect_exit 0 sv search "$q" --library lib.db --json
  u=$(unanalysed)
  [ "$u" -le 4 ] && pass || fail "'$q': $u of 10 unanalysed"
done

# --mode keyword: only samples holding a query word, BM25 order; filters exact in every mode
expect_exit 0 sv search "marimba" --library lib.db --json --mode keyword -k 3000
for id in $(ids out.txt); do
  sqlite3 samplevec.db "SELECT embedding_source FROM sample_embeddings WHERE sample_id=$id" | grep -qi marimba || { fail "sample $id has no 'marimba'"; break; }
done
want=$(sqlite3 samplevec.db "SELECT count(*) FROM sample_embeddings WHERE embedding_source LIKE '%marimba%'")
expect_eq "$(ids out.txt | wc -w)" "$want" "every sample with 'marimba'"
for mode in hybrid keyword vector; do
  expect_exit 0 sv search "dark piano" --library lib.db --json --mode $mode --bpm 80-90 --key Am -k 3000
  expect_eq "$(jsql "SELECT count(*) FROM json_each($(res out.txt)) WHERE json_extract(value,'\$.bpm') NOT BETWEEN 80 AND 90")" 0 "$mode: BPMs inside the filter"
  [ "$(ids out.txt | wc -w)" -gt 0 ] && pass || fail "$mode: some results"
done
expect_exit 2 sv search "dark" --library lib.db --mode fuzzy
expect_grep err.txt "mode: 'fuzzy' is not a mode"

# a store made before the keyword index: search builds STORE.kwcache beside it (same answer),
# and the next embed adds the index to the store
expect_exit 0 sv search "dusty jazz chords" --library lib.db --json
cp out.txt with_index.json
# (the sqlite3 shell cannot DROP the table without samplevec's tokenizer: its schema rows go)
sqlite3 samplevec.db "PRAGMA writable_schema=ON; DELETE FROM sqlite_master WHERE name LIKE 'sample_keywords%';
  PRAGMA writable_schema=OFF; DELETE FROM samplevec_meta WHERE key IN ('keyword_generation','keyword_format'); VACUUM;"
expect_eq "$(sqlite3 samplevec.db 'PRAGMA integrity_check')" ok "an intact store without the index"
gen=$(meta generation)
expect_exit 0 sv search "dusty jazz chords" --library lib.db --json
cmp -s out.txt with_index.json && pass || fail "derived cache answers differently from the store's index"
[ -f samplevec.db.kwcache ] && pass || fail "keyword cache written beside the store"
expect_eq "$(meta generation)" "$gen" "search wrote nothing to the store"
expect_eq "$(sqlite3 samplevec.db "SELECT count(*) FROM sqlite_master WHERE name='sample_keywords'")" 0 "search did not add the index"
expect_exit 0 sv embed --all --library lib.db
expect_eq "$(sqlite3 samplevec.db "SELECT count(*) FROM sqlite_master WHERE name='sample_keywords'")" 1 "embed added the index"
expect_exit 0 sv search "dusty jazz chords" --library lib.db --json
cmp -s out.txt with_index.json && pass || fail "rebuilt index answers differently"

# another program writes the store: the index is stale, search does not trust it
id=$(ids with_index.json | cut -d' ' -f1)
sqlite3 samplevec.db "DELETE FROM sample_embeddings WHERE sample_id=$id"
expect_exit 0 sv search "dusty jazz chords" --library lib.db --json --mode keyword -k 3000
case " $(ids out.txt) " in *" $id "*) fail "deleted sample $id still found by keyword" ;; *) pass ;; esac
# --no-cache: the same answer from an index in memory, nothing written
rm -f samplevec.db.kwcache
cp out.txt stale.json
expect_exit 0 sv search "dusty jazz chords" --library lib.db --json --mode keyword -k 3000 --no-cache
cmp -s out.txt stale.json && pass || fail "--no-cache answers differently"
[ ! -e samplevec.db.kwcache ] && pass || fail "--no-cache wrote a keyword cache"
# embed re-indexes: the store's index is current again and the missing sample is back
expect_exit 0 sv embed --all --library lib.db
expect_eq "$(meta keyword_generation)" "$(meta generation)" "index current after embed"
expect_exit 0 sv search "dusty jazz chords" --library lib.db --json
cmp -s out.txt with_index.json && pass || fail "answer after re-embedding differs"

# an edited title is found by its new word at once (index written with the vectors)
sqlite3 lib.db "UPDATE samples SET title = 'Quokkaphone Sunrise' WHERE id = 9"
expect_exit 0 sv embed --all --library lib.db
expect_exit 0 sv search "quokkaphone" --library lib.db --json --mode keyword
expect_eq "$(ids out.txt)" "9" "the new title word finds the sample"
finish
