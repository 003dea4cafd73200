#!/usr/bin/env bash
# Crash order, recorded from the real binary: an LD_PRELOAD shim (tests/helpers/
# syscall_recorder.c) logs every open, write, fsync/fdatasync, rename and unlink under this
# test's directory while `samplevec embed` runs in several batches, and the log must show the
# order the README's durability promise needs, for every checkpoint written:
#   1. the store's commit is durable first: no write to the store (its file or WAL) is still
#      unsynced when the checkpoint's temp file is opened, and the store was written and synced;
#   2. temp written → fsync(temp) → rename(temp, progress file) → fsync(directory).
# Removing either fsync from src/pipeline/checkpoint.c fails this test (tools/mutants.sh).
. "$(dirname "$0")/lib.sh"
: "${SYSCALL_RECORDER:?set by tests/CMakeLists.txt: the path of the syscall-recording shim}"
expect_exit 0 "$SAMPLEVEC" demo-library lib.db --count 450 --seed 4
mkdir -p run
# The ASan build's runtime wants to come first among the preloads; the shim calls through to
# whatever it wraps, so the order does not matter here.
expect_exit 0 env SYSCALL_LOG="$WORK/calls.log" SYSCALL_LOG_UNDER="$WORK/run" LD_PRELOAD="$SYSCALL_RECORDER" \
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
  "$SAMPLEVEC" embed --all --library lib.db --store run/store.db --batch-size 100
expect_eq "$(sqlite3 run/store.db 'SELECT count(*) FROM sample_embeddings')" 450 "all rows stored"
python3 - "$WORK/calls.log" "$(cd run && pwd -P)" >order.txt 2>&1 <<'PY'
import os, sys
log, run = sys.argv[1], sys.argv[2]
progress = os.path.join(run, "store.db.progress.json")
store_files = {os.path.join(run, "store.db"), os.path.join(run, "store.db-wal"), os.path.join(run, "store.db-journal")}
events = []
for line in open(log):
    f = line.split()
    events.append((f[1], f[2:]))
fails, saves = [], 0
unsynced = set()           # store files written since their last fsync
store_writes = store_syncs = 0
i = 0
while i < len(events):
    op, a = events[i]
    if op == "write" and a[0] in store_files:
        unsynced.add(a[0]); store_writes += 1
    elif op in ("fsync", "fdatasync") and a[0] in store_files:
        unsynced.discard(a[0]); store_syncs += 1
    elif op == "open" and a[0].startswith(progress + ".tmp."):
        tmp, saves = a[0], saves + 1
        if unsynced:
            fails.append("checkpoint %d: temp opened while the store's %s had unsynced writes" % (saves, sorted(unsynced)))
        # this save's events, up to the next checkpoint temp file
        j = i + 1
        while j < len(events) and not (events[j][0] == "open" and events[j][1][0].startswith(progress + ".tmp.")):
            j += 1
        mine = [(k, op2, a2) for k, (op2, a2) in enumerate(events[i:j], i)]
        writes = [k for k, op2, a2 in mine if op2 == "write" and a2[0] == tmp]
        syncs = [k for k, op2, a2 in mine if op2 in ("fsync", "fdatasync") and a2[0] == tmp]
        renames = [k for k, op2, a2 in mine if op2 == "rename" and a2 == [tmp, progress]]
        dirsyncs = [k for k, op2, a2 in mine if op2 in ("fsync", "fdatasync") and a2[0] == run]
        if not writes:
            fails.append("checkpoint %d: temp file never written" % saves)
        elif not renames:
            fails.append("checkpoint %d: temp file never renamed over %s" % (saves, progress))
        else:
            r = renames[0]
            if not any(max(writes) < k < r for k in syncs):
                fails.append("checkpoint %d: no fsync of the temp file between its last write and the rename" % saves)
            # the directory's fsync belongs to this save: after the rename, before the store
            # is written again (a later one of SQLite's own would not cover this rename)
            nxt = next((k for k, op2, a2 in mine if k > r and op2 == "write" and a2[0] in store_files), j)
            if not any(r < k < nxt for k in dirsyncs):
                fails.append("checkpoint %d: no fsync of the directory after the rename" % saves)
            if any(k > r for k in writes):
                fails.append("checkpoint %d: temp written after the rename" % saves)
    i += 1
if saves < 2:
    fails.append("only %d checkpoints recorded; a 450-sample run in batches of 100 writes several" % saves)
if not store_writes or not store_syncs:
    fails.append("the store's writes (%d) and fsyncs (%d) were not recorded" % (store_writes, store_syncs))
for f in fails:
    print("FAIL: " + f)
print("%d checkpoints, %d store writes, %d store syncs checked" % (saves, store_writes, store_syncs))
sys.exit(1 if fails else 0)
PY
code=$?
cat order.txt
expect_eq "$code" 0 "every checkpoint: store synced first, then temp written, fsync, rename, fsync(dir)"
finish
