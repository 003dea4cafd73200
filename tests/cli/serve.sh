#!/usr/bin/env bash
# samplevec serve: the same JSON as the CLI, 400/404/405 JSON errors, loopback by default,
# a store change picked up by the next request, a clean stop on SIGTERM.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }

expect_exit 0 sv demo-library lib.db --count 600 --seed 5
expect_exit 0 sv embed --all --library lib.db

"$SAMPLEVEC" serve --port 0 --library lib.db 2>serve.err &
pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's|.*on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' serve.err)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] && pass || { fail "server did not start"; cat serve.err >&2; kill "$pid"; finish; }
url="http://127.0.0.1:$port"
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

# the store changes under the running server: the next request sees it
sqlite3 lib.db "UPDATE samples SET title = 'Quokka Sunrise Loop' WHERE id = 3"
expect_exit 0 sv embed --all --library lib.db
expect_eq "$(get '/search?q=quokka+sunrise&k=20')" 200 "search after embed"
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
expect_grep err.txt "cannot open store nowhere.db.*samplevec embed"
finish
