/* sqlite_readonly: opens a SQLite file for reading only, wherever it lies.
 *
 * A database in WAL mode is read through its -wal and -shm files. When they do not exist and
 * cannot be created (a read-only filesystem, a directory without write permission), SQLite
 * fails the first read with "unable to open database file". No writer can be at work then
 * (a writer in WAL mode keeps the -shm file), so the file is reopened with the URI parameter
 * immutable=1, which reads it as it is, without the -wal and -shm files. A -wal file that
 * holds commits is never skipped that way: the open then fails, naming the reason.
 * Nothing here writes to the database file; a WAL-mode database in a writable directory gets
 * the -shm and (empty) -wal files every SQLite reader makes.
 */
#ifndef SAMPLEVEC_SQLITE_READONLY_H
#define SAMPLEVEC_SQLITE_READONLY_H

#include <sqlite3.h>

#include "msg.h"

/* Opens path read-only (SQLITE_OPEN_READONLY) and reads its schema once to be sure it can.
 * Returns SQLITE_OK with *db set (caller closes it; *immutable = 1 when opened immutable), or
 * a SQLite error code with *db NULL and why filled with SQLite's message. */
int sqlite_readonly_open(const char *path, sqlite3 **db, int *immutable, char why[SV_ERR_LEN]);

#endif
