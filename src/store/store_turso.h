/* store_turso: what the Turso store shows beyond store.h, for benchmarks and tests. */
#ifndef SAMPLEVEC_STORE_TURSO_H
#define SAMPLEVEC_STORE_TURSO_H

#include <stddef.h>

#include "hrana.h"
#include "store.h"

/* Appends to b the exact pipeline request list one upsert request for rows[0..n) sends
 * (the batch BEGIN, upserts, generation bump, COMMIT, ROLLBACK), without the pipeline wrapper.
 * s must be a prepared Turso store. Returns the COMMIT step's index. */
int store_turso_upsert_requests(store *s, const store_row *rows, size_t n, strbuf *b);

#endif
