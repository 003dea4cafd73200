/* veccache: a derived, rebuildable copy of a store's vectors and filter metadata in one flat
 * file, mmapped, so a cold search scans contiguous memory instead of re-reading every BLOB
 * through SQLite. Deleting it is always safe; the next search rebuilds it.
 *
 * File layout (native little-endian, x86-64; every offset from the file start):
 *   [0, 4096)   header: veccache_header below, zero-padded
 *   vectors     n × dims float32, row r at vectors_off + r*dims*4 (vectors_off = 4096)
 *   (zero padding to the next multiple of 64 bytes)
 *   rows        n × veccache_row, ascending sample_id
 *   genres      n_genres × uint32 string offsets   (distinct genre values)
 *   moods       n_moods × uint32 string offsets    (distinct mood_primary/secondary values)
 *   strings     NUL-terminated UTF-8, strings_len bytes, ending in NUL
 * The header's fingerprint is the store's (store_fingerprint): a cache whose fingerprint,
 * dims, provider or model differ from the store's is stale and rebuilt. The header also holds
 * the file's length and an XXH3-64 checksum of every byte after the header page, checked the
 * first time a process maps an existing file (again when its device, inode, size, modification
 * time or checksum differ: serve's searchers map one file; bench/veccache_check measures what
 * the check costs). A file
 * that fails any bounds check or the checksum is treated as stale too, never trusted.
 * It is written to "<path>.tmp.<pid>", fsynced, then renamed over <path>: readers see the
 * old file or the new one, never half of one.
 */
#ifndef SAMPLEVEC_VECCACHE_H
#define SAMPLEVEC_VECCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "store.h"

#define VECCACHE_NONE UINT32_MAX /* a missing string or dictionary id */

typedef struct veccache_row {
    int64_t sample_id;
    double inv_norm;       /* 1 / ||vector|| (0 for an all-zero vector) */
    double bpm;            /* NaN when missing */
    uint32_t title;        /* string offset or VECCACHE_NONE */
    uint32_t musical_key;  /* string offset of the key as stored, or VECCACHE_NONE */
    uint32_t genre;        /* index into genres or VECCACHE_NONE */
    uint32_t mood_primary, mood_secondary; /* indexes into moods or VECCACHE_NONE */
    int32_t key_code;      /* musical_key_parse of musical_key (MUSICAL_KEY_NONE = unknown) */
} veccache_row;

typedef struct veccache {
    int dims;
    size_t n;
    const float *vectors;       /* n × dims, borrowed from the mapping */
    const veccache_row *rows;   /* n, ascending sample_id */
    const uint32_t *genres;     /* n_genres string offsets */
    const uint32_t *moods;      /* n_moods string offsets */
    uint32_t n_genres, n_moods;
    const char *strings;        /* strings_len bytes */
    size_t strings_len;
    size_t non_finite;          /* rows whose stored vector held NaN/Inf, cached as all-zero
                                   (set by veccache_builder_finish; 0 after veccache_open) */
    /* private */
    void *map;
    size_t map_len;
} veccache;

/* A string of the cache, or NULL for VECCACHE_NONE. */
const char *veccache_str(const veccache *vc, uint32_t off);
/* Row index of sample_id, or -1. */
int64_t veccache_find(const veccache *vc, int64_t sample_id);

/* Writing one: rows added in ascending sample_id order. path NULL = an unnamed file in memory
 * (a cache nobody else will reuse, e.g. when the store's directory is read-only). */
typedef struct veccache_builder veccache_builder;
veccache_builder *veccache_builder_new(const char *path, int dims, char err[SV_ERR_LEN]);
/* Copies what it needs from row (row->vector has dims floats; one holding NaN or Inf is
 * cached as all-zero, i.e. similarity 0, and counted in non_finite). Returns 0 or
 * SV_EXIT_DATA (ids out of order, write error). */
int veccache_builder_add(veccache_builder *b, const store_scan_row *row, char err[SV_ERR_LEN]);
/* Writes the file stamped with fingerprint/provider/model, maps it and frees b (always, even
 * on failure). NULL on failure with err. */
veccache *veccache_builder_finish(veccache_builder *b, const char *fingerprint, const char *provider,
                                  const char *model, char err[SV_ERR_LEN]);
void veccache_builder_free(veccache_builder *b); /* abandons the file; NULL is a no-op */

/* Maps an existing cache file. NULL (reason in err) when absent, unreadable, malformed, or
 * its fingerprint/dims/provider/model differ from those given. */
veccache *veccache_open(const char *path, int dims, const char *fingerprint, const char *provider,
                        const char *model, char err[SV_ERR_LEN]);

/* The store's vectors, from its cache file when current, else rebuilt (and saved next to the
 * store unless use_file is 0 or the directory is not writable). *rebuilt (may be NULL) tells
 * which. NULL on failure with *exit_code and err. */
veccache *veccache_for_store(store *s, const store_meta *meta, int use_file, int *rebuilt,
                             int *exit_code, char err[SV_ERR_LEN]);

/* 1 if vc was stamped with fingerprint fp (a non-empty one) when it was built. */
int veccache_fingerprint_is(const veccache *vc, const char *fp);

/* "<store path>.vcache" into out; 0, or -1 when the store has no local path. */
int veccache_path(const store *s, char *out, size_t outsz);

void veccache_free(veccache *vc); /* unmaps; NULL is a no-op */

#endif
