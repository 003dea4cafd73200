/* audio: which file GET /audio/ID sends, as what, and which bytes of it.
 *
 * The file is the one samples.file_path names for that sample: absolute, or relative to the
 * audio root (--audio-root, default the library's directory). No path from the request is
 * ever used, so only files that samples of the library name can be served; and of those only
 * regular files with an audio extension, and no relative path that climbs out of the root
 * ("..").
 *
 * Types by extension (case-insensitive):
 *   .wav audio/wav   .aif .aiff audio/aiff   .mp3 audio/mpeg   .flac audio/flac   .ogg audio/ogg
 *
 * Ranges (RFC 9110 §14): one "bytes=FIRST-LAST", "bytes=FIRST-" or "bytes=-SUFFIX" range is
 * honoured with 206 and Content-Range; a list of ranges or a malformed header is ignored (the
 * whole file, 200), as the RFC allows; a range starting past the end is 416.
 */
#ifndef SAMPLEVEC_AUDIO_H
#define SAMPLEVEC_AUDIO_H

#include <stddef.h>
#include <stdint.h>

/* The Content-Type for path's extension, or NULL when it is not an audio type served. */
const char *audio_content_type(const char *path);

/* The file to open for a stored file_path: out = file_path when absolute, else root/file_path.
 * -1 (nothing written) when file_path is empty, relative with a ".." component, or too long. */
int audio_resolve(const char *file_path, const char *root, char *out, size_t outsz);

typedef enum audio_range_kind {
    AUDIO_RANGE_NONE,          /* no usable Range: send the whole file (200) */
    AUDIO_RANGE_PARTIAL,       /* send [first, first + len) with 206 */
    AUDIO_RANGE_UNSATISFIABLE, /* 416 with Content-Range: bytes * / size */
} audio_range_kind;

/* Reads a Range header (NULL = none) against a file of size bytes. */
audio_range_kind audio_parse_range(const char *header, uint64_t size, uint64_t *first, uint64_t *len);

#endif
