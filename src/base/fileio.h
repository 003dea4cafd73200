/* fileio: whole small files into memory, with a size cap (progress files, vocabularies). */
#ifndef SAMPLEVEC_FILEIO_H
#define SAMPLEVEC_FILEIO_H

#include <stddef.h>

/* Reads path into a NUL-terminated buffer (caller frees) and sets *len. NULL on failure with
 * errno set: ENOENT and the like from fopen, EFBIG when the file exceeds max_bytes, ENOMEM,
 * EIO for a read error. */
char *fileio_read_all(const char *path, size_t max_bytes, size_t *len);

#endif
