/* base64: RFC 4648 standard alphabet decoding, for OpenAI's `encoding_format: "base64"`
 * embeddings and tiktoken vocabularies. */
#ifndef SAMPLEVEC_BASE64_H
#define SAMPLEVEC_BASE64_H

#include <stddef.h>

/* Largest output base64_decode can write for `len` input characters. */
#define BASE64_DECODED_MAX(len) (((len) + 3) / 4 * 3)

/* Decodes in[0..len) into out (room for BASE64_DECODED_MAX(len) bytes). Padding '=' is
 * optional at the end and forbidden elsewhere; any other byte outside the alphabet (spaces,
 * newlines included) is an error. Returns the decoded length, or -1 on malformed input. */
long base64_decode(const char *in, size_t len, unsigned char *out);

#endif
