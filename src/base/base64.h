/* base64: RFC 4648 standard alphabet, for OpenAI's `encoding_format: "base64"` embeddings
 * (decoded from an API, encoded by serve's own /v1/embeddings) and tiktoken vocabularies. */
#ifndef SAMPLEVEC_BASE64_H
#define SAMPLEVEC_BASE64_H

#include <stddef.h>

/* Largest output base64_decode can write for `len` input characters. */
#define BASE64_DECODED_MAX(len) (((len) + 3) / 4 * 3)

/* Decodes in[0..len) into out (room for BASE64_DECODED_MAX(len) bytes). Padding '=' is
 * optional at the end and forbidden elsewhere; any other byte outside the alphabet (spaces,
 * newlines included) is an error. Returns the decoded length, or -1 on malformed input. */
long base64_decode(const char *in, size_t len, unsigned char *out);

/* Characters base64_encode writes for `len` bytes (padded), without the NUL. */
#define BASE64_ENCODED_LEN(len) (((len) + 2) / 3 * 4)

/* Encodes in[0..len) into out (room for BASE64_ENCODED_LEN(len) + 1 bytes), padded with '=',
 * NUL-terminated. */
void base64_encode(const unsigned char *in, size_t len, char *out);

#endif
