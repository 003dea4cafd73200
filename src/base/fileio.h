/* fileio: whole small files into memory, with a size cap (progress files, vocabularies), and
 * the names of temporary files written beside a file before a rename over it. */
#ifndef SAMPLEVEC_FILEIO_H
#define SAMPLEVEC_FILEIO_H

#include <stddef.h>

/* Reads path into a NUL-terminated buffer (caller frees) and sets *len. NULL on failure with
 * errno set: ENOENT and the like from fopen, EFBIG when the file exceeds max_bytes, ENOMEM,
 * EIO for a read error. */
char *fileio_read_all(const char *path, size_t max_bytes, size_t *len);

/* "<path>.tmp.<pid>.<n>" into out (cap bytes): a name no other writer of path uses, n counting
 * up within the process, so two threads (serve's searchers rebuilding one cache) never write the
 * same temporary file. 0, or -1 when it does not fit. */
int fileio_temp_path(const char *path, char *out, size_t cap);

#endif
