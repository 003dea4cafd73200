#!/usr/bin/env bash
# The vibe browser in headless Chromium (tests/browser/vibe.mjs): on a demo library with sound,
# the page shows the CLI's ids for a query, with BPM and genre filters and for "more like
# this"; play fetches /audio/ID and plays; the map draws every sample; no console error; no
# request leaves the server. Screenshots (desktop, phone width, dark) go to
# $BUILD_DIR/screenshots/ for a person to look at.
# Skipped (exit 77, "SKIPPED: ...") when chromium or npm puppeteer-core is missing: install
# them with scripts/test-deps.sh. Release build only: a browser run under ASan is slow, and the
# server's code paths run under ASan in serve.sh.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }

npm_dir="$SRC_DIR/build/npm"
chromium=$(command -v chromium || true)
if [ -z "$chromium" ]; then echo "SKIPPED: no chromium (scripts/test-deps.sh installs it)"; exit 77; fi
if [ ! -f "$npm_dir/node_modules/puppeteer-core/package.json" ]; then
  echo "SKIPPED: no npm puppeteer-core in $npm_dir (scripts/test-deps.sh installs it)"; exit 77
fi

expect_exit 0 sv demo-library lib.db --count 600 --seed 12 --audio audio
expect_exit 0 sv embed --all --library lib.db
start_serve serve.err --library lib.db

q="dusty jazz chords"
genre=$(curl -s "$url/facets" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).genres[0].value))')
expect_exit 0 sv search "$q" -k 30 --library lib.db --json; cp out.txt search.json
first=$(node -e 'console.log(JSON.parse(require("fs").readFileSync("search.json","utf8")).results[0].sample_id)')
expect_exit 0 sv similar "$first" -k 30 --library lib.db --json; cp out.txt similar.json
expect_exit 0 sv search "$q" -k 30 --bpm 80-100 --library lib.db --json; cp out.txt bpm.json
expect_exit 0 sv search "$q" -k 30 --bpm 80-100 --genre "$genre" --library lib.db --json; cp out.txt genre.json
embedded=$(sqlite3 samplevec.db "SELECT count(*) FROM sample_embeddings")

shots="$BUILD_DIR/screenshots"
mkdir -p "$shots"
rm -f "$shots"/*.png
if URL="$url" EXPECT_DIR="$WORK" SHOT_DIR="$shots" GENRE="$genre" EMBEDDED="$embedded" \
   CHROMIUM="$chromium" NPM_DIR="$npm_dir" PROFILE_DIR="$WORK/profile" \
   node "$SRC_DIR/tests/browser/vibe.mjs" >browser.out 2>&1; then
  pass
else
  fail "browser test"
fi
cat browser.out
for s in desktop phone dark; do
  if [ -s "$shots/$s.png" ]; then pass; else fail "no screenshot $s.png"; fi
done
kill -TERM "$serve_pid"
wait "$serve_pid"
expect_eq "$?" 0 "SIGTERM stops it cleanly"
# the server wrote nothing but its derived caches beside the store
expect_no_grep serve.err 'error'
finish
