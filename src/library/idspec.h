/* idspec: a sample selection such as "1,5,10-20,100-200" (ids may be negative: "-10--5"). */
#ifndef SAMPLEVEC_IDSPEC_H
#define SAMPLEVEC_IDSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

typedef struct idspec_range {
    int64_t lo, hi; /* inclusive, lo <= hi */
} idspec_range;

typedef struct idspec {
    idspec_range *ranges; /* sorted by lo, overlapping and adjacent ranges merged */
    size_t n;
} idspec;

/* Parses text into a new idspec. NULL on error with err naming the offending part
 * ("5-2": range runs backwards; "abc": not a number). */
idspec *idspec_parse(const char *text, char err[SV_ERR_LEN]);
void idspec_free(idspec *spec); /* NULL is a no-op */
/* The canonical text of spec ("1,5,10-20": sorted, merged), which idspec_parse reads back to the
 * same ranges; two selections are the same exactly when their texts are. Caller frees; NULL
 * when out of memory. */
char *idspec_format(const idspec *spec);
int idspec_contains(const idspec *spec, int64_t id);

#endif
