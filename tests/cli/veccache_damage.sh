#!/usr/bin/env bash
# The vector cache (STORE.vcache) is checked, not trusted: zeroing part of its vectors, cutting
# it short or growing it is noticed (checksum, length), it is rebuilt from the store, and the
# results are those of the store.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
expect_exit 0 sv demo-library lib.db --count 400 --seed 21
expect_exit 0 sv embed --all --library lib.db
expect_exit 0 sv search "warm dusty soul chords" -k 10 --library lib.db --json
cp out.txt want.txt
[ -f samplevec.db.vcache ] && pass || fail "no vector cache written"
expect_exit 0 sv similar 17 -k 10 --library lib.db --json
cp out.txt want_similar.txt

# zero every vector (400 × 1536 × 4 bytes after the 4 KiB header page)
dd if=/dev/zero of=samplevec.db.vcache bs=4096 seek=1 count=600 conv=notrunc status=none
expect_exit 0 sv search "warm dusty soul chords" -k 10 --library lib.db --json
expect_eq "$(cat out.txt)" "$(cat want.txt)" "same results after the cache was damaged"
expect_grep err.txt "vector cache samplevec.db.vcache is damaged"
expect_exit 0 sv search "warm dusty soul chords" -k 10 --library lib.db --json
expect_no_grep err.txt "damaged"
# one byte flipped in the strings at the end
size=$(stat -c %s samplevec.db.vcache)
printf 'Z' | dd of=samplevec.db.vcache bs=1 seek=$((size - 10)) conv=notrunc status=none
expect_exit 0 sv similar 17 -k 10 --library lib.db --json
expect_eq "$(cat out.txt)" "$(cat want_similar.txt)" "same similar results after a flipped byte"
expect_grep err.txt "damaged"
# cut short, and grown: rebuilt as well
truncate -s -4096 samplevec.db.vcache
expect_exit 0 sv search "warm dusty soul chords" -k 10 --library lib.db --json
expect_eq "$(cat out.txt)" "$(cat want.txt)" "same results after the cache was cut short"
printf 'junk' >>samplevec.db.vcache
expect_exit 0 sv search "warm dusty soul chords" -k 10 --library lib.db --json
expect_eq "$(cat out.txt)" "$(cat want.txt)" "same results after the cache grew"
finish
