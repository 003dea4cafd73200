/* vecjson: vectors as the sample manager keeps them in SQLite: sample_embeddings.vibe_vector is a
 * JSON column (SQLAlchemy JSON, read with json.loads) holding an array of numbers.
 *
 * Written: "[" n1 "," n2 "," ... "]", no spaces, each number the shortest decimal that reads
 *   back to the same float32 (f32_shortest.h), so a reader that parses doubles and rounds them
 *   to float32 (the app: json.loads, then numpy float32) gets the exact bits samplevec stored.
 * Read: any JSON array of numbers (whitespace allowed, e.g. Python's ", "), each number
 *   parsed as a correctly rounded double and then rounded to float32: the app's own reading,
 *   so vectors the app wrote (17-digit doubles) come out as the app sees them.
 */
#ifndef SAMPLEVEC_VECJSON_H
#define SAMPLEVEC_VECJSON_H

#include <stddef.h>

#include "f32_shortest.h"

/* Bytes vecjson_encode may write for dims numbers, NUL included. */
#define VECJSON_MAX_BYTES(dims) ((size_t)(dims) * F32_SHORTEST_MAX + 3)

/* Writes v[0..dims) into out (VECJSON_MAX_BYTES(dims) bytes, NUL-terminated) and returns the
 * length; 0 when an element is NaN or Inf (JSON has no such number). */
size_t vecjson_encode(const float *v, size_t dims, char *out);

/* Parses a NUL-terminated JSON array of numbers, storing the first `cap` into out as float32.
 * Returns how many numbers the array holds (which may exceed cap: only cap are stored), or
 * -1 when text is not a JSON array of numbers (*bad_at = the byte offset where it fails). */
long vecjson_decode(const char *text, float *out, size_t cap, size_t *bad_at);

#endif
