/* walcheckpoint: a WAL database's checkpoints on a thread of their own, so that the writer's
 * commits no longer pay for them.
 *
 * SQLite checkpoints a WAL database from the connection that commits: once the log holds 1,000
 * pages, that commit also copies them into the database file and syncs it. For the embed
 * pipeline's writer, whose commits are its critical path, that copy was a sixth of its time.
 * Here the writer's connection gets no automatic checkpoints; after a commit that leaves at
 * least `pages` pages in the log, a thread with its own connection to the same file runs a
 * passive checkpoint (it never blocks the writer, nor waits for it) while the writer goes on;
 * the thread ends when no pass is asked for.
 *
 * The log is restarted from its beginning only by a write that begins when every frame has
 * been copied, which a writer that always has the next transaction ready rarely sees. So the log
 * is bounded: after a commit that leaves 4 × `pages` pages in it, the writer waits until the
 * thread has copied all of them (and its next transaction restarts the log). The thread's
 * connection syncs as the writer's does (synchronous=FULL: the log before the copy, the
 * database file after), so what a commit made durable stays so.
 */
#ifndef SAMPLEVEC_WALCHECKPOINT_H
#define SAMPLEVEC_WALCHECKPOINT_H

#include <sqlite3.h>

#include "msg.h"

typedef struct wal_checkpointer wal_checkpointer;

/* Takes over the checkpoints of db (a connection in WAL mode to the file at path) until
 * wal_checkpointer_stop. NULL when the thread or its connection cannot be had (err says why);
 * db then keeps SQLite's automatic checkpoints. */
wal_checkpointer *wal_checkpointer_start(sqlite3 *db, const char *path, int pages, char err[SV_ERR_LEN]);

/* Waits for a pass in progress (none follows), closes the connection and gives db back
 * SQLite's automatic checkpoints. NULL is a no-op. */
void wal_checkpointer_stop(wal_checkpointer *c);

/* Passes completed so far (for tests). */
long wal_checkpointer_passes(wal_checkpointer *c);

#endif
