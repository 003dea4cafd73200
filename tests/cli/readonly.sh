#!/usr/bin/env bash
# Read-only means read-only: status, search, similar and serve never create or modify the
# store, the library or the progress file (only the derived vector cache beside the store,
# where the directory is writable), and they read WAL-mode files on a read-only filesystem.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
sums() { sha256sum "$@" | cut -d' ' -f1 | tr '\n' ' '; }
expect_exit 0 sv demo-library lib.db --count 200 --seed 9
expect_exit 0 sv embed --all --library lib.db
before=$(sums lib.db samplevec.db samplevec.db.progress.json)

# 1. the query commands leave every file as it was
expect_exit 0 sv status --library lib.db
expect_exit 0 sv search "dark moody hip hop" -k 5 --library lib.db --json
cp out.txt search.want
expect_exit 0 sv similar 12 -k 5 --library lib.db --json
cp out.txt similar.want
serve_start --library lib.db
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/search?q=dark&k=3")" 200 "serve answers"
kill -TERM "$SERVE_PID"; wait "$SERVE_PID"
expect_eq "$(sums lib.db samplevec.db samplevec.db.progress.json)" "$before" "store, library and progress file unchanged"

# 2. a zero-byte file given as the store stays a zero-byte file
: > empty.db
expect_exit 0 sv status --library lib.db --store empty.db
expect_exit 3 sv search "dark" --library lib.db --store empty.db
expect_grep err.txt "no embeddings yet"
expect_exit 3 sv similar 3 --library lib.db --store empty.db
expect_eq "$(stat -c %s empty.db)" 0 "the empty store was not written"
expect_eq "$(ls empty.db* | tr '\n' ' ')" "empty.db " "nothing created beside it"
# a store that does not exist is not created
expect_exit 3 sv search "dark" --library lib.db --store absent.db
expect_exit 0 sv status --library lib.db --store absent2.db
[ ! -e absent.db ] && [ ! -e absent2.db ] && pass || fail "a query command created a store"

# 3. on a read-only filesystem: a WAL-mode store and library are read, from memory
mkdir ro
cp lib.db samplevec.db samplevec.db.progress.json ro/
sqlite3 ro/lib.db "PRAGMA journal_mode=WAL" >/dev/null
[ "$(sqlite3 ro/samplevec.db 'PRAGMA journal_mode')" = wal ] && pass || fail "store not in WAL mode"
ls ro/*-wal ro/*-shm >/dev/null 2>&1 && fail "WAL files left by the copy"
ro_sums=$(cd ro && sums lib.db samplevec.db samplevec.db.progress.json)
# ro_run CMD...: CMD with ./ro read-only, run from inside it
if unshare -m --propagation private true 2>/dev/null &&
   unshare -m --propagation private sh -c 'mount --bind ro ro && mount -o remount,ro,bind ro' 2>/dev/null; then
  how="a read-only bind mount"
  ro_run() { unshare -m --propagation private sh -c 'mount --bind ro ro && mount -o remount,ro,bind ro && cd ro && exec "$@"' sh "$@"; }
elif [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  how="a 0555 directory, run as nobody"
  chmod 0555 ro; chmod 0444 ro/*
  ro_run() { (cd ro && setpriv --reuid=65534 --regid=65534 --clear-groups "$@"); }
elif [ "$(id -u)" -ne 0 ]; then
  how="a 0555 directory"
  chmod 0555 ro; chmod 0444 ro/*
  ro_run() { (cd ro && "$@"); }
else
  echo "SKIPPED: cannot make a read-only directory here (no unshare mount, no setpriv)"; exit 77
fi
echo "read-only filesystem: $how" >&2
ro_run "$SAMPLEVEC" search "dark moody hip hop" -k 5 --library lib.db --json >out.txt 2>err.txt
expect_eq "$?" 0 "search on a read-only filesystem"
sed 's/^/  /' err.txt >&2
expect_eq "$(cat out.txt)" "$(cat search.want)" "same answer read-only"
ro_run "$SAMPLEVEC" similar 12 -k 5 --library lib.db --json >out.txt 2>err.txt
expect_eq "$?" 0 "similar on a read-only filesystem"
expect_eq "$(cat out.txt)" "$(cat similar.want)" "same similar answer read-only"
ro_run "$SAMPLEVEC" status --library lib.db --json >out.txt 2>err.txt
expect_eq "$?" 0 "status on a read-only filesystem"
expect_grep out.txt '"embedded":200'
expect_eq "$(cd ro && sums lib.db samplevec.db samplevec.db.progress.json)" "$ro_sums" "read-only copies unchanged"
expect_eq "$(ls ro | tr '\n' ' ')" "lib.db samplevec.db samplevec.db.progress.json " "nothing created"
chmod -R u+w ro 2>/dev/null
finish
