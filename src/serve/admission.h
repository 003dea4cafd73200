/* admission: at most `slots` holders at once, admitted strictly in the order they asked.
 *
 * serve puts each request's CPU-bound keyword search behind one (searcher_set_gate): with 16
 * requests in progress on 2 cores, 16 keyword searches time-slicing each other all finish
 * late together, while the same work admitted a core's worth at a time finishes in arrival
 * order, so the early ones answer early and the slowest answer is no later (docs/serve.md,
 * bench/serve.sh). A ticket lock: asking takes the next ticket, and ticket t enters once
 * fewer than `slots` of the tickets before it are still inside.
 */
#ifndef SAMPLEVEC_ADMISSION_H
#define SAMPLEVEC_ADMISSION_H

#include <stdint.h>

#include "searcher.h"

typedef struct admission admission;

/* slots >= 1. NULL when out of memory. */
admission *admission_new(int slots);
void admission_free(admission *a); /* NULL is a no-op; nobody may be inside or waiting */

/* Waits for this thread's turn, then holds a slot until admission_leave. */
void admission_enter(admission *a);
void admission_leave(admission *a);

/* Tickets taken so far (entered or waiting), and holders inside now. */
void admission_counts(admission *a, uint64_t *tickets, int *inside);

/* The gate to give searchers (searcher_set_gate); valid while a lives. */
const searcher_gate *admission_gate(admission *a);

#endif
