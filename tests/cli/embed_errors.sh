#!/usr/bin/env bash
# Every bad input: its exit code and a message naming the offending value and the fix.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
expect_exit 0 sv demo-library lib.db --count 40 --seed 3

expect_exit 2 sv embed --library lib.db
expect_grep err.txt "--all"
expect_exit 2 sv embed --sample-ids 5-2 --library lib.db
expect_grep err.txt "5-2"
expect_exit 2 sv embed --sample-ids 1,abc --library lib.db
expect_grep err.txt "abc"
expect_exit 2 sv embed --all --provider word2vec --library lib.db
expect_grep err.txt "word2vec"
expect_exit 2 sv embed --all --batch-size 0 --library lib.db
expect_grep err.txt "batch-size"
expect_exit 2 sv embed --all --frobnicate --library lib.db
expect_grep err.txt "frobnicate"
expect_exit 2 sv embed --all --resume --reset --library lib.db
expect_grep err.txt "option --reset: cannot be combined with --resume"
expect_exit 2 sv embed --all --sample-ids 1 --library lib.db
expect_grep err.txt "option --sample-ids: cannot be combined with --all"
expect_exit 2 sv nonsense
expect_grep err.txt "nonsense"
expect_exit 2 sv embed --all --provider openai --library lib.db
expect_grep err.txt "dry-run"

expect_exit 3 sv embed --all --library missing.db
expect_grep err.txt "missing.db"
sqlite3 nogenre.db "CREATE TABLE samples(id INTEGER PRIMARY KEY, user_id INTEGER, title VARCHAR, file_path VARCHAR, bpm FLOAT, musical_key VARCHAR, tags JSON)"
expect_exit 3 sv embed --all --library nogenre.db --store s1.db
expect_grep err.txt "genre"
echo "not a database at all, just text padded out to look like a file" > junk.db
expect_exit 3 sv embed --all --library junk.db --store s2.db
expect_grep err.txt "cannot read library 'junk.db': file is not a database"

# a corrupt progress file is named, never overwritten, and --reset gets past it
expect_exit 0 sv embed --all --library lib.db
echo '{"last_processed_id": 12, "started' > samplevec.db.progress.json
expect_exit 3 sv embed --all --resume --library lib.db
expect_grep err.txt "samplevec.db.progress.json"
expect_grep err.txt "--reset"
expect_eq "$(cat samplevec.db.progress.json)" '{"last_processed_id": 12, "started' "corrupt progress file left as it was"
expect_exit 3 sv status --library lib.db
expect_grep err.txt "samplevec.db.progress.json is corrupt.*--reset"
expect_exit 0 sv embed --all --reset --library lib.db
expect_grep samplevec.db.progress.json '"finished":[[:space:]]*true'

# the application's database is refused as a store
expect_exit 3 sv embed --all --library lib.db --store lib.db
expect_grep err.txt "samples"

# a directory where a file belongs is named as such
mkdir -p adir
expect_exit 2 sv embed --all --library lib.db --store adir
expect_grep err.txt "'adir' is a directory"
expect_exit 2 sv embed --all --library lib.db --progress-file adir
expect_grep err.txt "progress-file: 'adir' is a directory"

expect_exit 0 sv --help
expect_grep out.txt "embed"
expect_exit 0 sv embed --help
expect_grep out.txt "--sample-ids"
expect_exit 0 sv status --help
expect_exit 0 sv --version
expect_grep out.txt "^samplevec [0-9]"
finish
