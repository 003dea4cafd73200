#!/usr/bin/env bash
# samplevec serve: the same JSON as the CLI, 400/404/405 JSON errors, loopback by default,
# a store change picked up by the next request, audio files with ranges, the vibe map kept
# current, a clean stop on SIGTERM.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }

expect_exit 0 sv demo-library lib.db --count 600 --seed 5 --audio audio
expect_exit 0 sv embed --all --library lib.db

start_serve serve.err --library lib.db
pid=$serve_pid
# get PATH: body → body.txt, status code on stdout
get() { curl -s -o body.txt -w '%{http_code}' "$url$1"; }

expect_eq "$(get /health)" 200 "health"
expect_grep body.txt '"status":"ok","rows":600'

expect_eq "$(get '/search?q=dark+moody%20hip+hop&k=5&bpm=80-100')" 200 "search"
expect_exit 0 sv search "dark moody hip hop" -k 5 --bpm 80-100 --library lib.db --json
expect_eq "$(cat body.txt)" "$(cat out.txt)" "GET /search = search --json"
# a query read like a producer's: the same understanding and answer over HTTP
expect_eq "$(get '/search?q=dusty+jazz+chords+around+90+bpm+in+A+minor&harmonic=1&mode=hybrid')" 200 "parsed search"
expect_exit 0 sv search "dusty jazz chords around 90 bpm in A minor" --harmonic --library lib.db --json
expect_eq "$(cat body.txt)" "$(cat out.txt)" "GET /search with a parsed query = search --json"
expect_grep body.txt '"understood":\{"text":"dusty jazz chords".*"bpm":\{"min":86,"max":94'

expect_eq "$(get '/similar/12?k=7&key=a+minor&min_similarity=-1')" 200 "similar"
expect_exit 0 sv similar 12 -k 7 --key Am --min-similarity -1 --library lib.db --json
expect_eq "$(cat body.txt)" "$(cat out.txt)" "GET /similar/ID = similar --json"

expect_eq "$(get '/similar/12?genre=polka')" 200 "no match"
expect_eq "$(cat body.txt)" "[]" "no match → []"

# bad parameters → 400 with a JSON error naming the parameter
expect_eq "$(get '/search?q=dark&k=0')" 400 "k=0"
expect_grep body.txt '^\{"error":"k: .0. is not a whole number'
expect_eq "$(get '/search?q=dark&key=H%23')" 400 "bad key"
expect_grep body.txt '"error":"key: .H#. is not a musical key'
expect_eq "$(get '/search?q=dark&bpm=fast')" 400 "bad bpm"
expect_eq "$(get '/search?q=dark&colour=red')" 400 "unknown parameter"
expect_grep body.txt 'unknown parameter .colour.'
expect_eq "$(get '/search?k=3')" 400 "missing q"
expect_grep body.txt '"error":"q: missing'
expect_eq "$(get '/search?q=%zz')" 400 "bad escape"
expect_eq "$(get '/similar/abc')" 400 "bad id"
expect_eq "$(get '/similar/99999')" 404 "unknown sample"
expect_grep body.txt '"error":"sample 99999 has no embedding'
expect_eq "$(get '/nowhere')" 404 "unknown path"
expect_eq "$(curl -s -o body.txt -w '%{http_code}' -X POST "$url/search?q=x")" 405 "POST"
expect_grep body.txt '"error"'
# no CORS header unless asked for
curl -s -D headers.txt -o /dev/null "$url/health"
expect_no_grep headers.txt 'Access-Control-Allow-Origin'
expect_grep headers.txt 'Content-Type: application/json'

# k is bounded per HTTP query
expect_eq "$(get '/search?q=dark&k=1001')" 400 "k over 1000"
expect_grep body.txt 'more than the 1000 results'
# a query string's ill-formed UTF-8 comes back as U+FFFD: the JSON error is valid UTF-8
expect_eq "$(get '/search?q=dark&key=%FF%FEx')" 400 "key of invalid UTF-8"
expect_grep body.txt "key: .$(printf '\357\277\275\357\277\275')x"

if iconv -f UTF-8 -t UTF-8 body.txt >/dev/null 2>&1; then pass; else fail "error body is not valid UTF-8"; od -c body.txt | head -3 >&2; fi
expect_eq "$(get '/search?q=%00')" 400 "encoded NUL"
expect_eq "$(get '/search?q=%FF')" 400 "a query of one invalid byte"
if iconv -f UTF-8 -t UTF-8 body.txt >/dev/null 2>&1; then pass; else fail "q=%FF: error body is not valid UTF-8"; od -c body.txt | head -3 >&2; fi
# 405 names what is allowed; a body on a GET endpoint is refused
expect_eq "$(curl -s -D headers.txt -o body.txt -w '%{http_code}' -X DELETE "$url/health")" 405 "DELETE"
expect_grep headers.txt '^Allow: GET, HEAD'
expect_eq "$(curl -s -o body.txt -w '%{http_code}' --data-binary 'x=1' -X GET "$url/health")" 413 "GET with a body"
# HEAD is answered like GET, without the body
expect_eq "$(curl -s -I -o headers.txt -w '%{http_code}' "$url/health")" 200 "HEAD /health"

# /samples/ID: the library's record and its source text
expect_eq "$(get /samples/12)" 200 "samples/12"
title12=$(sqlite3 lib.db "SELECT title FROM samples WHERE id = 12")
expect_grep body.txt "^\{\"sample_id\":12,\"title\":\"$title12\""
expect_grep body.txt '"source_text":"Title: '
expect_grep body.txt '"file_path":"audio/000012\.wav"'
expect_eq "$(get /samples/99999)" 404 "samples of an unknown id"
expect_eq "$(get /samples/x1)" 400 "samples of a bad id"
# /facets: the library's own genres (with counts) and keys by canonical name
expect_eq "$(get /facets)" 200 "facets"
top_genre=$(sqlite3 lib.db "SELECT min(genre) FROM samples WHERE trim(genre) != '' GROUP BY lower(genre) ORDER BY count(*) DESC, 1 LIMIT 1")
expect_grep body.txt "^\{\"genres\":\[\{\"value\":\"$top_genre\""
expect_grep body.txt '"keys":\[\{"value":"C major","count":[0-9]+\}'
# the page and its files, compiled into the binary
expect_eq "$(curl -s -D headers.txt -o body.txt -w '%{http_code}' "$url/")" 200 "GET /"
expect_grep headers.txt '^Content-Type: text/html; charset=utf-8'
expect_grep headers.txt "^Content-Security-Policy: default-src 'self'"
expect_grep body.txt '<!doctype html>'
etag=$(sed -n 's/^ETag: \(.*\)\r$/\1/p' headers.txt)
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$url/")" 304 "page not modified"
expect_eq "$(get /static/nothing.js)" 404 "unknown static file"

# 16 searches at once answer what one at a time answers
get '/search?q=warm+dusty+keys&k=20' >/dev/null
cp body.txt one.txt
pids=()
for i in $(seq 16); do curl -s -o "par$i.txt" "$url/search?q=warm+dusty+keys&k=20" & pids+=($!); done
wait "${pids[@]}"
wait_ok=1
for i in $(seq 16); do cmp -s one.txt "par$i.txt" || wait_ok=0; done
expect_eq "$wait_ok" 1 "16 concurrent searches = one search"

# /audio/ID: the file samples.file_path names, with ranges, types and validators
f12=audio/000012.wav
size12=$(stat -c %s "$f12")
expect_eq "$(curl -s -D headers.txt -o body.bin -w '%{http_code}' "$url/audio/12")" 200 "audio"
expect_grep headers.txt '^Content-Type: audio/wav'
expect_grep headers.txt '^Accept-Ranges: bytes'
expect_grep headers.txt "^Content-Length: $size12"
if cmp -s body.bin "$f12"; then pass; else fail "/audio/12 differs from $f12"; fi
etag=$(sed -n 's/^ETag: \(.*\)\r$/\1/p' headers.txt)
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$url/audio/12")" 304 "audio not modified"
expect_eq "$(curl -s -D headers.txt -o body.bin -w '%{http_code}' -H 'Range: bytes=0-99' "$url/audio/12")" 206 "range"
expect_grep headers.txt "^Content-Range: bytes 0-99/$size12"
if cmp -s body.bin <(head -c 100 "$f12"); then pass; else fail "bytes 0-99 differ"; fi
expect_eq "$(curl -s -o body.bin -w '%{http_code}' -H 'Range: bytes=-10' "$url/audio/12")" 206 "suffix range"
if cmp -s body.bin <(tail -c 10 "$f12"); then pass; else fail "the last 10 bytes differ"; fi
expect_eq "$(curl -s -D headers.txt -o body.txt -w '%{http_code}' -H "Range: bytes=$size12-" "$url/audio/12")" 416 "range past the end"
expect_grep headers.txt "^Content-Range: bytes \*/$size12"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'Range: bytes=0-1,5-6' "$url/audio/12")" 200 "several ranges: the whole file"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -I "$url/audio/12")" 200 "HEAD audio"
expect_eq "$(get /audio/99999)" 404 "audio of an unknown sample"
# only what samples name, and of that only audio files inside the root (or absolute)
rm audio/000007.wav
expect_eq "$(get /audio/7)" 404 "a missing file"
expect_grep body.txt '"error":"file not found: sample 7'
sqlite3 lib.db "UPDATE samples SET file_path = '../lib.db' WHERE id = 8; UPDATE samples SET file_path = '$PWD/lib.db' WHERE id = 9; UPDATE samples SET file_path = '$PWD/audio/000012.wav' WHERE id = 10"
expect_eq "$(get /audio/8)" 404 "a path that climbs out of the root"
expect_grep body.txt 'is not a path samplevec serves'
expect_eq "$(get /audio/9)" 404 "not an audio file"
expect_grep body.txt 'is not an audio file'
expect_eq "$(curl -s -o body.bin -w '%{http_code}' "$url/audio/10")" 200 "an absolute path"
if cmp -s body.bin "$f12"; then pass; else fail "/audio/10 is not the file its absolute path names"; fi
expect_eq "$(get '/audio/..%2Flib.db')" 400 "a path instead of an id"

# /map: every embedded sample once it is laid out, in sample_id order
for _ in $(seq 600); do # the layout runs in the background; 60 s at most
  get /map/status >/dev/null
  grep -q '"state":"ready"' body.txt && break
  sleep 0.1
done
expect_grep body.txt '^\{"state":"ready","stale":false,"progress":1,"points":600,"version":1,'
expect_eq "$(curl -s -D headers.txt -o map.json -w '%{http_code}' "$url/map")" 200 "map"
expect_grep headers.txt '^Content-Type: application/json'
expect_eq "$(sqlite3 :memory: "SELECT group_concat(value ->> 'sample_id') FROM json_each(readfile('map.json'))")" \
  "$(sqlite3 samplevec.db "SELECT group_concat(sample_id) FROM (SELECT sample_id FROM sample_embeddings ORDER BY 1)")" "map ids = store ids"
expect_eq "$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('map.json')) WHERE typeof(value ->> 'x') IN ('real', 'integer') AND typeof(value ->> 'y') IN ('real', 'integer') AND value ->> 'title' IS NOT NULL")" 600 "every point has x, y and a title"
[ -f samplevec.db.vmap ] && pass || fail "the map is cached beside the store"

# the store changes under the running server: the next request sees it
sqlite3 lib.db "UPDATE samples SET title = 'Quokka Sunrise Loop' WHERE id = 3"
expect_exit 0 sv embed --all --library lib.db
expect_eq "$(get '/search?q=quokka+sunrise&k=20')" 200 "search after embed"
expect_grep body.txt '"sample_id":3,"title":"Quokka Sunrise Loop"'
# ...and the map follows: laid out again, its new version shows the new title
for _ in $(seq 600); do
  get /map/status >/dev/null
  grep -q '"state":"ready","stale":false,"progress":1,"points":600,"version":2' body.txt && break
  sleep 0.1
done
expect_grep body.txt '"version":2'
get /map >/dev/null
expect_grep body.txt '"sample_id":3,"x":[-0-9.e]+,"y":[-0-9.e]+,"genre":"[^"]*","title":"Quokka Sunrise Loop"'

# the store emptied (as by embed --reset): 503 "being rebuilt", not a wrong answer
sqlite3 samplevec.db "DELETE FROM sample_embeddings"
expect_eq "$(curl -s -D headers.txt -o body.txt -w '%{http_code}' "$url/search?q=dark")" 503 "search while rebuilt"
expect_grep body.txt '"error":"store is being rebuilt'
expect_grep headers.txt '^Retry-After: '
expect_eq "$(get /similar/12)" 503 "similar while rebuilt"
expect_eq "$(get /health)" 200 "health while rebuilt"
expect_grep body.txt '"status":"rebuilding","rows":0'
expect_exit 0 sv embed --all --library lib.db
expect_eq "$(get '/search?q=quokka+sunrise&k=20')" 200 "search after the rebuild"
expect_grep body.txt '"sample_id":3,"title":"Quokka Sunrise Loop"'

# loopback only by default
expect_grep serve.err 'on http://127\.0\.0\.1:'

kill -TERM "$pid"
wait "$pid"
expect_eq "$?" 0 "SIGTERM stops it cleanly"
expect_grep serve.err 'GET /search\?q=dark.* → 400'

# usage errors
expect_exit 2 sv serve --port 70000 --library lib.db
expect_grep err.txt "option --port: '70000'"
expect_exit 2 sv serve --host not-an-ip --library lib.db
expect_grep err.txt "option --host: 'not-an-ip' is not an IPv4 address"
expect_exit 3 sv serve --store nowhere.db
expect_grep err.txt "no store at nowhere.db: run 'samplevec embed --all --store nowhere.db' first"
expect_exit 2 sv serve --library lib.db --audio-root nowhere
expect_grep err.txt "option --audio-root: 'nowhere' is not a directory"
expect_exit 2 sv serve --library lib.db --request-timeout 0
# any address but loopback is warned about
start_serve serve2.err --library lib.db --host 0.0.0.0
expect_grep serve2.err 'warning: listening on 0\.0\.0\.0, which is not loopback.*no authentication'
kill -TERM "$serve_pid"; wait "$serve_pid"
finish
