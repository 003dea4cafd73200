/* sqlite_helpers: the two schema and side-table reads both SQLite stores (samplevec's own file
 * and the app's database) make on a connection. */
#ifndef SAMPLEVEC_SQLITE_HELPERS_H
#define SAMPLEVEC_SQLITE_HELPERS_H

#include <stddef.h>
#include <sqlite3.h>

/* 1 if db has a table called name; 0 otherwise or when it cannot tell. */
int sqlite_table_exists(sqlite3 *db, const char *name);

/* samplevec_meta's value for key into out (cap bytes); "" when absent or unreadable. */
void sqlite_meta_text(sqlite3 *db, const char *key, char *out, size_t cap);

#endif
