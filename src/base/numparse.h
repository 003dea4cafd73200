/* numparse: numbers typed by people (command-line options, query parameters), read strictly.
 *
 * Accepted: plain decimal, an optional leading '-', nothing else: "90", "-5", "0.75", ".5",
 * "90." (a number of that form). Refused: hexadecimal ("0x5A"), octal-looking prefixes are
 * read as decimal ("010" = 10), exponents ("1e2"), "inf"/"nan", a leading '+' or spaces,
 * anything after the number, and values out of range. strtol/strtod alone accept most of
 * those, which is how `--bpm 0x5A` used to mean 90. */
#ifndef SAMPLEVEC_NUMPARSE_H
#define SAMPLEVEC_NUMPARSE_H

#include <stdint.h>

/* The whole of s as an int64 ("-?[0-9]+", no overflow). 0, or -1 when it is not one. */
int numparse_int64(const char *s, int64_t *out);

/* A decimal number at the start of s ("-?[0-9]*(\.[0-9]*)?" with at least one digit); *end
 * is set after it, so callers can read ranges such as "85-95". 0, or -1 when s does not start
 * with one (then *end = s). */
int numparse_decimal_prefix(const char *s, double *out, const char **end);

/* The whole of s as a decimal number. 0, or -1. */
int numparse_decimal(const char *s, double *out);

#endif
