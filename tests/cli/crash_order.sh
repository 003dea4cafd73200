#!/usr/bin/env bash
# Crash order, recorded from the real binary: an LD_PRELOAD shim (tests/helpers/
# syscall_recorder.c) logs every open, write, fsync/fdatasync, rename and unlink under this
# test's directory while `samplevec embed` runs in several batches, and the log must show the
# order the README's durability promise needs, for every checkpoint written:
#   1. the store's commit is durable first: when the checkpoint's temp file is opened, no write
#      to the store (its file or WAL) by a thread that has ended, or by the saving thread, is
#      still unsynced, and the store was written and synced;
#   2. temp written → fsync(temp) → rename(temp, progress file) → fsync(directory), all on the
#      saving thread.
# samplevec saves chunk K's checkpoint while chunk K+1 is being written on a thread of its own
# (pipeline/embed.c), so the log's lines interleave; the shim records each line's thread and
# each thread's end, and the checks follow the threads, not the neighbouring lines.
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
events = []                # (tid, op, args) in the order the calls returned
for line in open(log):
    f = line.split()
    events.append((f[1], f[2], f[3:]))
def is_temp_open(e):
    return e[1] == "open" and e[2][0].startswith(progress + ".tmp.")
fails, saves, beside = [], 0, 0
unsynced = {}              # store file -> the threads that wrote it since its last fsync
ended = set()              # threads whose function returned (so they were joined, or could be)
writers = set()            # threads that wrote the store
finished_since = False     # a thread that wrote the store ended since the last checkpoint
store_writes = store_syncs = 0
for i, (tid, op, a) in enumerate(events):
    if op == "exit":
        ended.add(tid)
        finished_since |= tid in writers
    elif op == "write" and a[0] in store_files:
        unsynced.setdefault(a[0], set()).add(tid); writers.add(tid); store_writes += 1
    elif op in ("fsync", "fdatasync") and a[0] in store_files:
        unsynced.pop(a[0], None); store_syncs += 1
    elif is_temp_open((tid, op, a)):
        tmp, saver, saves = a[0], tid, saves + 1
        # The commit a checkpoint records was made by a thread that has ended (joined before
        # the save) or by the saving thread itself: none of their writes may be unsynced. A
        # thread still running may only be the next chunk's write, which samplevec starts
        # beside the save once the recorded chunk's thread has ended: so unsynced writes of a
        # running thread need a store writer that ended since the last checkpoint.
        late = sorted(f for f, tids in unsynced.items() if tids & (ended | {saver}))
        if late:
            fails.append("checkpoint %d: temp opened while the store's %s had unsynced writes of a finished commit" % (saves, late))
        running = sorted(f for f, tids in unsynced.items() if tids - ended - {saver})
        if running and not finished_since:
            fails.append("checkpoint %d: temp opened while the store's %s had unsynced writes of a write still running, "
                         "and no write finished since the last checkpoint" % (saves, running))
        finished_since = False
        # this save's own events: the saving thread's, up to the next checkpoint's temp file
        j = next((k for k in range(i + 1, len(events)) if is_temp_open(events[k])), len(events))
        mine = [(k, op2, a2) for k, (t2, op2, a2) in enumerate(events[i:j], i) if t2 == saver]
        last = mine[-1][0]
        if any(t2 != saver and op2 == "write" and a2[0] in store_files for t2, op2, a2 in events[i:last]):
            beside += 1
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
            # the directory's fsync belongs to this save: the saving thread's, after the rename
            # (one of SQLite's own on the writer's thread would not be this save's)
            if not any(k > r for k in dirsyncs):
                fails.append("checkpoint %d: no fsync of the directory after the rename" % saves)
            if any(k > r for k in writes):
                fails.append("checkpoint %d: temp written after the rename" % saves)
if saves < 2:
    fails.append("only %d checkpoints recorded; a 450-sample run in batches of 100 writes several" % saves)
if not store_writes or not store_syncs:
    fails.append("the store's writes (%d) and fsyncs (%d) were not recorded" % (store_writes, store_syncs))
if not ended:
    fails.append("no thread's end was recorded: the shim's pthread_create was not used")
for f in fails:
    print("FAIL: " + f)
print("%d checkpoints (%d saved beside the next chunk's write), %d store writes, %d store syncs checked"
      % (saves, beside, store_writes, store_syncs))
sys.exit(1 if fails else 0)
PY
code=$?
cat order.txt
expect_eq "$code" 0 "every checkpoint: store synced first, then temp written, fsync, rename, fsync(dir)"
finish
