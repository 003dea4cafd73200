#!/usr/bin/env bash
# What `embed` draws on a real terminal (tests/cli/ptyrun.py puts it on a pseudo-terminal) against
# the fake OpenAI server with latency: the bar moves while requests are out (ticker) and as
# each request returns (not only at commits); interrupted, finished and resumed runs say what
# they are; everything fits a 40-column terminal; a second interrupt ends the line and still
# names the command that resumes. Assertions are on what is drawn and in which order, never
# on how fast.
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/fake_openai/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
tty() { python3 "$SRC_DIR/tests/cli/ptyrun.py" "$@"; }
# line_of FILE REGEX: the number of the first line matching REGEX (0 when none)
line_of() { local n; n=$(grep -nE -m1 -- "$2" "$1" | cut -d: -f1); echo "${n:-0}"; }
# drawn FILE: the lines of the panel, the bar and the summary (messages may wrap like any text)
drawn() { grep -E '^[╭│├╰┌└✔✖⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]' "$1"; }

# a library in a long directory, so the panel has a path to shorten in the middle
deep="$WORK/a-directory-name-long-enough-to-need-shortening/and-one-more-level-below-it"
mkdir -p "$deep"
expect_exit 0 sv demo-library "$deep/lib.db" --count 800 --seed 5
export OPENAI_API_KEY=sk-display-test
fake_start --latency-ms 300 || { fail "fake server"; finish; }
remote=(--provider openai --base-url "$FAKE_URL" --batch-size 50 --concurrency 1)

# 1. 200 samples in one provider chunk (4 requests of 50, one at a time) on 40 columns: before,
#    the bar stayed blank until the chunk's commit and then jumped to 100%.
tty run --cols 40 --out one.raw -- "$SAMPLEVEC" embed --sample-ids 1-200 --library "$deep/lib.db" \
  --store one.db "${remote[@]}"
expect_eq "$?" 0 "first run exits 0"
tty frames one.raw >one.txt
first_50=$(line_of one.txt ' 50/200')
first_200=$(line_of one.txt '200/200')
last_zero=$(grep -nE ' 0/200' one.txt | tail -1 | cut -d: -f1)
[ "$first_50" -gt 0 ] && [ "$first_50" -lt "$first_200" ] && pass ||
  fail "the bar shows 50/200 (one request back) before 200/200 (lines $first_50, $first_200)"
expect_grep one.txt ' 100/200'
expect_grep one.txt ' 150/200'
# the ticker: frames with distinct spinners while the first request is out
spinners=$(head -n "${last_zero:-0}" one.txt | grep -E ' 0/200' | cut -c1-3 | sort -u | wc -l)
[ "$spinners" -ge 2 ] && pass || fail "the spinner turns while nothing has come back ($spinners frames)"
expect_grep one.txt '^✔ .*100\.0%'
expect_no_grep one.txt 'ETA 00:00'
expect_grep one.txt 'State +│ +finished'
expect_grep one.txt 'Cost +│'
# 40 columns: nothing wider (the bar keeps off the last column), paths cut in the middle
drawn one.txt >one.drawn
w=$(tty width one.drawn)
[ "$w" -le 40 ] && pass || fail "every line fits 40 columns (widest: $w)"
expect_grep one.txt '^│ Library +: /.*….*lib\.db │$'
expect_grep one.txt '^│ Requests +: 50 texts, 1 at a time'
expect_grep one.txt '^│ Commits +: 200–1,170 samples'

# 2. Ctrl-C once a request of the second chunk is back (11 requests still to go, so the run
#    cannot end first): ✖ interrupted, not ✔ and no ETA 00:00, a summary that says
#    interrupted, and the command that resumes with the same options.
tty run --cols 80 --out int.raw --ctrl-c-after ' 250/800' -- "$SAMPLEVEC" embed --all \
  --library "$deep/lib.db" --store two.db "${remote[@]}"
expect_eq "$?" 130 "Ctrl-C exits 130"
tty frames int.raw >int.txt
expect_grep int.txt '^✖ .*interrupted'
expect_no_grep int.txt '^✔'
expect_no_grep int.txt 'ETA 00:00'
expect_grep int.txt 'State +│ +interrupted'
expect_grep int.txt 'Progress +│ +2[0-9]{2} of 800 \(2[0-9]\.[0-9]%\)' # the first chunk, at least
expect_no_grep int.txt 'Success Rate'
expect_grep int.txt "next: samplevec embed --all --library [^ ]*lib\.db --store two\.db --provider openai --base-url $FAKE_URL --batch-size 50 --concurrency 1 --resume\$"
drawn int.txt >int.drawn
[ "$(tty width int.drawn)" -le 80 ] && pass || fail "80 columns: a line is wider"

# 3. --resume: the first frame is this run's (nothing done yet: no rate, no ETA), the
#    costs are labelled this run / job total
tty run --cols 100 --out res.raw -- "$SAMPLEVEC" embed --all --library "$deep/lib.db" --store two.db \
  "${remote[@]}" --resume
expect_eq "$?" 0 "resume exits 0"
tty frames res.raw >res.txt
first_frame=$(grep -m1 -E '/800' res.txt)
case "$first_frame" in
  *" 2"[0-9][0-9]"/800 "*"0.0/s"*"ETA --:--"*) pass ;;
  *) fail "resumed run's first frame should start where the first stopped, at 0.0/s, ETA --:--: '$first_frame'" ;;
esac
expect_grep res.txt 'Cost, this run +│'
expect_grep res.txt 'Cost, job total +│'
expect_grep res.txt 'State +│ +finished'

# 4. a second interrupt while the first is handled: the bar's line is ended and the resume
#    command is still printed (before, the process left without a word)
tty run --cols 80 --out twice.raw --signals-after ' 100/800' -- "$SAMPLEVEC" embed --all \
  --library "$deep/lib.db" --store three.db "${remote[@]}"
expect_eq "$?" 130 "second interrupt exits 130"
grep -q $'\r\nsamplevec: interrupted again' twice.raw && pass || fail "the message starts on a line of its own"
tty frames twice.raw >twice.txt
expect_grep twice.txt "^samplevec: next: samplevec embed --all --library [^ ]*lib\.db --store three\.db .*--resume\$"

# 5. a free provider: no cost anywhere
tty run --cols 80 --out free.raw -- "$SAMPLEVEC" embed --sample-ids 1-400 --library "$deep/lib.db" --store free.db
expect_eq "$?" 0 "lexical run exits 0"
tty frames free.raw >free.txt
expect_no_grep free.txt '\$'
expect_grep free.txt 'Stored +│ +400'
finish
