#!/usr/bin/env bash
# Memory is bounded by bytes, not samples: a library whose descriptions are 8 MB each embeds in
# under 100 MB of peak RSS (/usr/bin/time's maximum resident set, a bound on correctness, not a
# speed figure). Chunks stop taking samples at a byte budget; the lexical provider's feature
# table grows with a text's distinct features and is given back after a long text.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
command -v /usr/bin/time >/dev/null || skip_all "/usr/bin/time is not installed (scripts/deps.sh installs it)"
expect_exit 0 sv demo-library lib.db --count 120 --seed 13
# twelve samples with an 8 MB description each (hex words: many distinct features)
sqlite3 lib.db "UPDATE vibe_analyses SET characteristics = json_object('raw_analysis', replace(hex(randomblob(4000000)), '0', ' ')) WHERE sample_id IN (SELECT sample_id FROM vibe_analyses ORDER BY sample_id LIMIT 12)"
expect_eq "$(sqlite3 lib.db "SELECT count(*) FROM vibe_analyses WHERE length(characteristics) > 8000000")" 12 "twelve 8 MB descriptions"
/usr/bin/time -f '%M' -o rss.txt "$SAMPLEVEC" embed --all --library lib.db --json >out.txt 2>err.txt
expect_eq "$?" 0 "embed of the 8 MB texts"
expect_grep out.txt '"successful":120'
rss=$(tail -1 rss.txt)
echo "peak RSS: $rss KB" >&2
[ "$rss" -lt 102400 ] && pass || fail "peak RSS $rss KB, over 100 MB"
finish
