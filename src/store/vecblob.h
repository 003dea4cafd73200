/* vecblob: vectors as stored: dims × 4 bytes of little-endian IEEE-754 float32, the layout
 * libSQL's F32_BLOB/vector_extract and sqlite-vec read. Also the checks a vector must pass
 * before it is stored. */
#ifndef SAMPLEVEC_VECBLOB_H
#define SAMPLEVEC_VECBLOB_H

#include <stddef.h>

#include "msg.h"

/* out: dims*4 bytes. */
void vecblob_encode(const float *v, size_t dims, unsigned char *out);
/* v's stored bytes (dims*4): v itself where the host's layout is the stored one (little-endian),
 * else v encoded into scratch (dims*4 bytes). A writer binds them without a copy of its own. */
const void *vecblob_bytes(const float *v, size_t dims, unsigned char *scratch);
/* in: dims*4 bytes. */
void vecblob_decode(const unsigned char *in, size_t dims, float *out);

/* 0 if v is storable as a dims-long vector; else 1 with reason filled
 * (wrong dims, NaN or Inf at index i, all-zero vector). */
int vecblob_validate(const float *v, size_t got_dims, size_t want_dims, char reason[SV_ERR_LEN]);

#endif
