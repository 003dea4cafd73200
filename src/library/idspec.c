/* idspec: "1,5,10-20,100-200" → sorted, merged inclusive ranges.
 *
 * Grammar (spaces around parts and around '-' are allowed):
 *   spec  := part (',' part)*
 *   part  := id | id '-' id
 *   id    := ['-'] decimal digits, INT64_MIN .. INT64_MAX (samples.id is any int64)
 * A '-' that starts a part is a sign; the first '-' after that separates a range, so
 * "-10--5" is -10..-5 and "-5-3" is -5..3.
 * Every error names the offending part as the user typed it, so `--sample-ids 1,abc` says
 * "'abc': not a number" rather than pointing at a column.
 */
#include "idspec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_space(char c) { return c == ' ' || c == '\t'; }

/* Parses an optionally negative decimal in [p, end) (already trimmed) into *out. The part is
 * quoted in errors. */
static int parse_id(const char *p, const char *end, const char *part, int part_len,
                    int64_t *out, char err[SV_ERR_LEN])
{
    if (p == end)
        return sv_fail(err, SV_EXIT_USAGE, "'%.*s': missing number in range (write A-B, e.g. 10-20)",
                       part_len, part);
    int negative = *p == '-';
    if (negative)
        p++;
    if (p == end || *p == '-' || *p == '+' || is_space(*p))
        return sv_fail(err, SV_EXIT_USAGE,
                       "'%.*s': write a sample id as digits with at most one leading '-' "
                       "(e.g. 7, -7, 10-20, -10--5)",
                       part_len, part);
    /* |INT64_MIN| = INT64_MAX + 1 fits a uint64 */
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (const char *q = p; q < end; q++) {
        if (*q < '0' || *q > '9')
            return sv_fail(err, SV_EXIT_USAGE,
                           "'%.*s': not a number (sample ids look like 1,5,10-20)", part_len, part);
        unsigned d = (unsigned)(*q - '0');
        if (v > (limit - d) / 10)
            return sv_fail(err, SV_EXIT_USAGE, "'%.*s': number out of range (%lld to %lld)",
                           part_len, part, (long long)INT64_MIN, (long long)INT64_MAX);
        v = v * 10 + d;
    }
    *out = negative ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return 0;
}

static int cmp_range(const void *a, const void *b)
{
    const idspec_range *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return (x->hi > y->hi) - (x->hi < y->hi);
}

idspec *idspec_parse(const char *text, char err[SV_ERR_LEN])
{
    idspec *spec = NULL;
    if (!text) {
        sv_fail(err, SV_EXIT_USAGE, "no sample ids given (write e.g. 1,5,10-20)");
        return NULL;
    }
    /* Parts ≤ commas + 1: one allocation bounded by the text itself. */
    size_t cap = 1;
    for (const char *c = text; *c; c++)
        cap += *c == ',';
    spec = calloc(1, sizeof *spec);
    if (!spec || !(spec->ranges = malloc(cap * sizeof *spec->ranges))) {
        sv_fail(err, SV_EXIT_USAGE, "out of memory parsing sample ids");
        goto fail;
    }

    const char *p = text;
    for (;;) {
        const char *start = p, *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        /* Trim spaces for the quoted part too. */
        while (start < end && is_space(*start))
            start++;
        while (end > start && is_space(end[-1]))
            end--;
        int part_len = (int)(end - start);
        if (part_len == 0) {
            if (!comma && p == text)
                sv_fail(err, SV_EXIT_USAGE, "empty sample id list (write e.g. 1,5,10-20)");
            else
                sv_fail(err, SV_EXIT_USAGE,
                        "empty part in '%s' (two commas in a row, or a comma at an end)", text);
            goto fail;
        }
        /* A '-' after the first character separates a range; a leading '-' is a sign. */
        const char *dash = memchr(start + 1, '-', (size_t)(part_len - 1));
        idspec_range r;
        if (!dash) {
            if (parse_id(start, end, start, part_len, &r.lo, err))
                goto fail;
            r.hi = r.lo;
        } else {
            const char *a_end = dash, *b = dash + 1;
            while (a_end > start && is_space(a_end[-1]))
                a_end--;
            while (b < end && is_space(*b))
                b++;
            if (parse_id(start, a_end, start, part_len, &r.lo, err) ||
                parse_id(b, end, start, part_len, &r.hi, err))
                goto fail;
            if (r.hi < r.lo) {
                sv_fail(err, SV_EXIT_USAGE, "'%.*s': range runs backwards (write %lld-%lld)",
                        part_len, start, (long long)r.hi, (long long)r.lo);
                goto fail;
            }
        }
        spec->ranges[spec->n++] = r;
        if (!comma)
            break;
        p = comma + 1;
    }

    qsort(spec->ranges, spec->n, sizeof *spec->ranges, cmp_range);
    size_t w = 0;
    for (size_t i = 0; i < spec->n; i++) {
        idspec_range r = spec->ranges[i];
        /* Merge overlapping and adjacent (hi + 1 == lo) ranges; hi < INT64_MAX guards the +1. */
        if (w > 0 && (r.lo <= spec->ranges[w - 1].hi ||
                      (spec->ranges[w - 1].hi < INT64_MAX && r.lo == spec->ranges[w - 1].hi + 1))) {
            if (r.hi > spec->ranges[w - 1].hi)
                spec->ranges[w - 1].hi = r.hi;
        } else {
            spec->ranges[w++] = r;
        }
    }
    spec->n = w;
    return spec;

fail:
    idspec_free(spec);
    return NULL;
}

char *idspec_format(const idspec *spec)
{
    /* a range is at most 2 × 20 digits, a dash and a comma */
    size_t cap = spec->n * 44 + 1, len = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (size_t i = 0; i < spec->n; i++) {
        const idspec_range *r = &spec->ranges[i];
        int w = r->lo == r->hi
                    ? snprintf(out + len, cap - len, "%s%lld", i ? "," : "", (long long)r->lo)
                    : snprintf(out + len, cap - len, "%s%lld-%lld", i ? "," : "", (long long)r->lo,
                               (long long)r->hi);
        len += (size_t)w;
    }
    return out;
}

void idspec_free(idspec *spec)
{
    if (!spec)
        return;
    free(spec->ranges);
    free(spec);
}

int idspec_contains(const idspec *spec, int64_t id)
{
    if (!spec)
        return 0;
    size_t lo = 0, hi = spec->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (spec->ranges[mid].hi < id)
            lo = mid + 1;
        else if (spec->ranges[mid].lo > id)
            hi = mid;
        else
            return 1;
    }
    return 0;
}
