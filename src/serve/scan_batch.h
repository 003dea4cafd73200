/* scan_batch: the vector scans of concurrent requests joined into one pass over the vectors.
 *
 * A scan (search_top_k's contract, search.h) that arrives while no pass is running starts one
 * at once. One that arrives during a pass waits for it to end; then every scan that arrived
 * meanwhile runs in the next pass (search_top_k_many), led by one of their threads. So under
 * load one pass answers every query waiting at that moment, at about the memory traffic of
 * one (a 100,000 × 1536 cache is 614 MB: the scan is memory-bound), and a query waits at most
 * for the pass already running, then its own. Each query's answer is exactly search_top_k's.
 * A pass takes at most SCAN_BATCH_MAX queries; the rest wait for the next.
 */
#ifndef SAMPLEVEC_SCAN_BATCH_H
#define SAMPLEVEC_SCAN_BATCH_H

#include <stdint.h>

#include "msg.h"
#include "search.h"

#define SCAN_BATCH_MAX 64

typedef struct scan_batch scan_batch;

/* threads: each pass's threads, as search_top_k's (0 = picked by the cache's size). NULL when
 * out of memory. */
scan_batch *scan_batch_new(int threads);
void scan_batch_free(scan_batch *b); /* NULL is a no-op; no scan may be running */

/* The scanner to give searchers (searcher_set_scanner); valid while b lives. */
const search_scanner *scan_batch_scanner(scan_batch *b);

/* Passes run and queries answered so far (queries / passes = the mean batch). */
void scan_batch_counts(scan_batch *b, uint64_t *passes, uint64_t *queries);

#endif
