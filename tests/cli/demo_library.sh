#!/usr/bin/env bash
# demo-library: determinism, counts, realism of the generated rows, and every refusal.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
q() { sqlite3 "$1" "$2"; }

expect_exit 0 sv demo-library --help
expect_grep out.txt '^usage: samplevec demo-library PATH'
expect_grep out.txt -- '--count N'

# default count, report on stderr, nothing on stdout
expect_exit 0 sv demo-library a.db
expect_eq "$(q a.db 'SELECT count(*) FROM samples')" 2437 "default count"
expect_grep err.txt '2,437 samples to a\.db'
expect_eq "$(wc -c < out.txt)" 0 "nothing on stdout"

# same seed → identical dump; another seed → different; N rows are a prefix of more
expect_exit 0 sv demo-library b.db --seed 404
expect_eq "$(sqlite3 a.db .dump | sha256sum)" "$(sqlite3 b.db .dump | sha256sum)" "default seed is 404 and deterministic"
expect_exit 0 sv demo-library c.db --seed=405
[ "$(sqlite3 a.db .dump | sha256sum)" != "$(sqlite3 c.db .dump | sha256sum)" ] && pass || fail "another seed differs"
expect_exit 0 sv demo-library small.db --count 100 --seed 9
expect_exit 0 sv demo-library large.db --count 300 --seed 9
expect_eq "$(q small.db 'SELECT count(*) FROM samples')" 100 "--count 100"
rows() { q "$1" "SELECT s.*, v.* FROM samples s LEFT JOIN vibe_analyses v ON v.sample_id = s.id WHERE s.id <= 100 ORDER BY s.id" | sha256sum; }
expect_eq "$(rows small.db)" "$(rows large.db)" "100 samples are the first 100 of 300 with the same seed"

# schema: the application's columns, a users row, the app's indexes
cols=$(q a.db "SELECT group_concat(name, ',') FROM pragma_table_info('samples')")
expect_eq "$cols" "id,user_id,title,file_path,file_size,duration,bpm,musical_key,genre,bpm_confidence,genre_confidence,key_confidence,tags,extra_metadata,analysis_metadata,created_at,analyzed_at,last_accessed_at" "samples columns"
cols=$(q a.db "SELECT group_concat(name, ',') FROM pragma_table_info('vibe_analyses')")
expect_eq "$cols" "id,sample_id,mood_primary,mood_secondary,energy_level,danceability,acousticness,instrumentalness,texture_tags,characteristics,model_version,confidence_score,processing_time_ms,created_at" "vibe_analyses columns"
expect_eq "$(q a.db 'SELECT count(*) FROM samples s JOIN users u ON u.id = s.user_id')" 2437 "every sample points to a user"
expect_eq "$(q a.db "SELECT count(*) FROM sqlite_master WHERE type='index' AND name IN ('ix_samples_id','ix_samples_title','ix_samples_genre','ix_samples_bpm','ix_users_email','ix_users_username','ix_vibe_analyses_id')")" 7 "application indexes"
expect_eq "$(q a.db 'PRAGMA integrity_check')" ok "integrity"
expect_eq "$(q a.db 'PRAGMA foreign_key_check')" "" "foreign keys hold"

# realism: ~10% without vibe analysis, description lengths, BPM, keys, genres, tags, titles
novibe=$(q a.db 'SELECT count(*) FROM samples WHERE id NOT IN (SELECT sample_id FROM vibe_analyses)')
[ "$novibe" -ge 170 ] && [ "$novibe" -le 320 ] && pass || fail "about 10% without vibe analysis: $novibe of 2437"
expect_eq "$(q a.db "SELECT min(length(json_extract(characteristics, '\$.raw_analysis'))) >= 300, max(length(json_extract(characteristics, '\$.raw_analysis'))) <= 2500, count(*) FROM vibe_analyses WHERE json_extract(characteristics, '\$.raw_analysis') IS NOT NULL")" "1|1|$((2437 - novibe))" "every description 300..2500 chars"
spread=$(q a.db "SELECT sum(l < 800), sum(l > 1800) FROM (SELECT length(json_extract(characteristics, '\$.raw_analysis')) l FROM vibe_analyses)")
[ "${spread%|*}" -gt 50 ] && [ "${spread#*|}" -gt 50 ] && pass || fail "descriptions short and long: $spread"
expect_grep <(q a.db "SELECT json_extract(characteristics, '\$.raw_analysis') FROM vibe_analyses WHERE id = 1") '^## Vibe Analysis'
expect_eq "$(q a.db "SELECT count(*) FROM vibe_analyses WHERE substr(json_extract(characteristics, '\$.raw_analysis'), -1) IN (char(10), ' ')")" 0 "descriptions end without a newline, as model output is stored"
expect_grep <(q a.db "SELECT json_extract(characteristics, '\$.raw_analysis') FROM vibe_analyses") '^- \*\*'
expect_grep <(q a.db "SELECT json_extract(characteristics, '\$.raw_analysis') FROM vibe_analyses") '[0-9]+ BPM'
for phrase in 'dusty jazzy chords' 'warm vinyl crackle' 'dark moody' 'booming 808'; do
  expect_grep <(q a.db "SELECT json_extract(characteristics, '\$.raw_analysis') FROM vibe_analyses") "$phrase"
done
expect_eq "$(q a.db 'SELECT min(bpm) >= 60, max(bpm) <= 180, count(*) - count(bpm) > 0 FROM samples')" "1|1|1" "BPM 60..180, some NULL"
expect_eq "$(q a.db "SELECT count(*) > 0 FROM samples WHERE musical_key GLOB '*m' AND musical_key NOT GLOB '* *'")" 1 "keys like F#m"
expect_eq "$(q a.db "SELECT count(*) > 0 FROM samples WHERE musical_key GLOB '* minor'")" 1 "keys like A minor"
expect_eq "$(q a.db "SELECT count(*) > 0 FROM samples WHERE musical_key GLOB '* major'")" 1 "keys like C# major"
expect_eq "$(q a.db "SELECT count(*) > 0 FROM samples WHERE musical_key IS NULL")" 1 "some keys NULL"
[ "$(q a.db 'SELECT count(DISTINCT genre) FROM samples')" -ge 15 ] && pass || fail "at least 15 genres"
for g in 'hip-hop' jazz soul funk lo-fi 'boom bap' trap house ambient; do
  expect_eq "$(q a.db "SELECT count(*) > 0 FROM samples WHERE genre = '$g'")" 1 "genre $g present"
done
expect_eq "$(q a.db 'SELECT count(*) FROM samples WHERE tags IS NOT NULL AND (json_valid(tags) = 0 OR json_type(tags) != "array")')" 0 "tags are JSON arrays"
expect_eq "$(q a.db 'SELECT count(*) > 0 FROM samples WHERE tags IS NULL')" 1 "some tags NULL"
expect_eq "$(q a.db 'SELECT count(*) FROM vibe_analyses WHERE json_type(texture_tags) != "array" OR json_type(characteristics) != "object"')" 0 "vibe JSON well-formed"
expect_eq "$(q a.db 'SELECT min(energy_level) >= 0, max(energy_level) <= 1 FROM vibe_analyses')" "1|1" "energy 0..1"
nonascii=$(q a.db "SELECT count(*) FROM samples WHERE title GLOB '*[^ -~]*'")
[ "$nonascii" -gt 20 ] && pass || fail "non-ASCII titles: $nonascii"
expect_eq "$(q a.db "SELECT count(*) > 0 FROM samples WHERE title LIKE '%東京%' OR title LIKE '%é%' OR title LIKE '%ñ%'")" 1 "accented and CJK titles"
expect_eq "$(q a.db "SELECT count(*) FROM samples WHERE title = '' OR file_path NOT LIKE 'uploads/1/%.wav'")" 0 "titles and file paths"

# an empty library is still a valid one
expect_exit 0 sv demo-library zero.db --count 0
expect_eq "$(q zero.db 'SELECT count(*) FROM samples')" 0 "--count 0"

# refusals: never overwrite, bad values named, exit 2
sum=$(sha256sum a.db)
expect_exit 2 sv demo-library a.db --count 5
expect_grep err.txt "'a\.db' already exists"
expect_eq "$(sha256sum a.db)" "$sum" "existing file untouched"
ln -s a.db link.db
expect_exit 2 sv demo-library link.db
expect_grep err.txt 'already exists'
for bad in abc -5 1.5 '' 100000001 12x; do
  expect_exit 2 sv demo-library bad.db --count "$bad"
  expect_grep err.txt "option --count: '$bad' is not a whole number"
done
expect_exit 2 sv demo-library bad.db --count
expect_grep err.txt 'needs a value'
for bad in xyz -1 18446744073709551616 0x10; do
  expect_exit 2 sv demo-library bad.db --seed "$bad"
  expect_grep err.txt "option --seed: '$bad' is not a whole number"
done
expect_exit 2 sv demo-library bad.db --colour
expect_grep err.txt "unknown option '--colour'"
expect_exit 2 sv demo-library
expect_grep err.txt 'missing PATH'
expect_exit 2 sv demo-library one.db two.db
expect_grep err.txt "one PATH only \\(got 'one.db' and 'two.db'\\)"
expect_exit 2 sv demo-library no/such/dir/x.db
expect_grep err.txt 'no/such/dir/x\.db'
[ ! -e bad.db ] && pass || fail "no file left by refused runs"

# interrupted while generating: exit 130, nothing under the name, no partial file left
"$SAMPLEVEC" demo-library huge.db --count 50000000 2>int.txt &
pid=$!
for _ in $(seq 100); do ls huge.db.partial-* >/dev/null 2>&1 && break; sleep 0.05; done
sleep 0.2
kill -TERM "$pid"
wait "$pid"
expect_eq "$?" 130 "interrupted exit code"
expect_grep int.txt "interrupted: 'huge\.db' was not written"
[ ! -e huge.db ] && pass || fail "no huge.db after interrupt"
expect_eq "$(ls | grep -c partial)" 0 "no partial files left by any run"

# --audio: a sound per sample, under 20 MB for the default 2,437, the same bytes for the same
# seed, file_path / file_size / duration describing each file
expect_exit 0 "$SAMPLEVEC" demo-library snd.db --audio sounds
expect_grep err.txt 'and their sounds to sounds'
expect_eq "$(ls sounds | wc -l)" 2437 "one sound per sample"
total=$(find sounds -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
[ "$total" -le 20000000 ] && pass || fail "sounds take $total bytes, over 20 MB"
echo "demo sounds: $total bytes for 2437 samples"
expect_eq "$(head -c 4 sounds/000001.wav)$(head -c 12 sounds/000001.wav | tail -c 4)" "RIFFWAVE" "a RIFF/WAVE file"
expect_eq "$(sqlite3 snd.db "SELECT file_path, file_size FROM samples WHERE id = 42")" "sounds/000042.wav|$(stat -c %s sounds/000042.wav)" "file_path and file_size"
expect_eq "$(sqlite3 snd.db "SELECT count(*) FROM samples WHERE abs(duration - (file_size - 44) / 11025.0) > 1e-9")" 0 "duration = the sound's length"
# the library's other columns are those of a library without sounds
expect_exit 0 "$SAMPLEVEC" demo-library nosnd.db --count 50
expect_eq "$(sqlite3 snd.db "SELECT group_concat(title || bpm || genre) FROM (SELECT * FROM samples WHERE id <= 50 ORDER BY id)")" \
  "$(sqlite3 nosnd.db "SELECT group_concat(title || bpm || genre) FROM (SELECT * FROM samples ORDER BY id)")" "same rows with or without sounds"
mkdir -p other
expect_exit 0 "$SAMPLEVEC" demo-library other/snd2.db --count 50 --audio other/sounds2
expect_eq "$(cd other/sounds2 && cat 0000*.wav | md5sum)" "$(cd sounds && cat $(cd ../other/sounds2 && ls) | md5sum)" "same seed, same sounds"
# a directory outside the library's: absolute paths
expect_exit 0 "$SAMPLEVEC" demo-library other/abs.db --count 3 --audio "$WORK/abs-sounds"
expect_eq "$(sqlite3 other/abs.db "SELECT file_path FROM samples WHERE id = 1")" "$WORK/abs-sounds/000001.wav" "absolute path outside the library's directory"
# never overwrites a sound
expect_exit 2 "$SAMPLEVEC" demo-library again.db --count 3 --audio sounds
expect_grep err.txt "cannot write 'sounds/000001\.wav'.*never overwrites"
[ ! -e again.db ] && pass || fail "no library when its sounds cannot be written"
finish
