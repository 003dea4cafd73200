/* pgconn: one libpq connection to a PostgreSQL URL, and messages that never show its secrets.
 *
 * URLs: postgresql://[user[:password]@]host[:port]/dbname[?param=value&…] (postgres:// too), as
 * libpq reads them; the password is better left to PGPASSWORD or ~/.pgpass, which libpq reads
 * from the environment. Every message names the database by `where`: the URL with the
 * password and any *password* query parameter replaced by "***", and libpq's own error text
 * is scrubbed of the password too.
 */
#ifndef SAMPLEVEC_PGCONN_H
#define SAMPLEVEC_PGCONN_H

#include <libpq-fe.h>
#include <stddef.h>

#include "msg.h"

#define PGCONN_WHERE_LEN 1024

typedef struct pgconn {
    PGconn *conn;
    char where[PGCONN_WHERE_LEN]; /* the URL without secrets, for messages */
    char *secret;                 /* the URL's password ("" none), owned: scrubbed from errors */
} pgconn;

/* Connects (connect_timeout 10 s unless the URL says otherwise). read_only: every transaction
 * of the session is read-only (default_transaction_read_only), so nothing can be written
 * until pgconn_allow_writes. NULL with err (SV_EXIT_DATA) on failure. */
pgconn *pgconn_open(const char *url, int read_only, char err[SV_ERR_LEN]);
void pgconn_close(pgconn *c); /* NULL is a no-op */

/* Ends read-only mode for the session. 0, or SV_EXIT_DATA with err. */
int pgconn_allow_writes(pgconn *c, char err[SV_ERR_LEN]);

/* url with its secrets replaced by "***" into out (cap bytes). */
void pgconn_redact(const char *url, char *out, size_t cap);

/* Fills err with "what: <server or libpq message>" (from res when given, else the
 * connection), secrets scrubbed, and returns code. */
int pgconn_fail(const pgconn *c, const PGresult *res, int code, const char *what, char err[SV_ERR_LEN]);

/* Runs sql (no parameters); 0 when the command or query succeeded, else pgconn_fail(what). */
int pgconn_exec(pgconn *c, const char *sql, const char *what, char err[SV_ERR_LEN]);

/* The SQLSTATE of res ("" when none). */
const char *pgconn_sqlstate(const PGresult *res);

#endif
