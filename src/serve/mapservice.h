/* mapservice: the vibe map of a store, computed in the background and kept current.
 *
 * A thread of its own watches the store's fingerprint (every 2 s). When it moves (an embed
 * added, changed or removed vectors) the map is laid out again (search/vibemap.h) from the
 * store's vector cache, while the previous map stays served, marked stale; a layout that the
 * store overtakes is cancelled and restarted. Each finished map is kept as JSON, shared by
 * every request for it.
 *
 * Cache file (beside a local store, STORE.vmap; only when the directory is writable and the
 * server was not started with --no-cache), so a restart does not lay out again:
 *   bytes 0..7     "SVMAP01\n"
 *   8..15          uint64 n (points), little-endian
 *   16..143        the store fingerprint it was made from, NUL-padded
 *   144..          n × {int64 sample_id, float32 x, float32 y}, ascending sample_id
 * A file whose fingerprint or ids differ from the store's is ignored and replaced.
 *
 * GET /map answers the JSON: [{"sample_id","x","y","genre","title"}] in sample_id order.
 */
#ifndef SAMPLEVEC_MAPSERVICE_H
#define SAMPLEVEC_MAPSERVICE_H

#include <stddef.h>

#include "msg.h"

typedef struct map_service map_service;

/* A finished map as JSON, shared: take with map_service_take, give back with map_json_release. */
typedef struct map_json {
    char *text;
    size_t len;
    size_t points;
    int refs; /* private */
} map_json;

typedef struct map_status {
    const char *state;   /* "computing" (no map yet), "ready", "failed" */
    int stale;           /* ready, but the store has moved and a new layout is running */
    double progress;     /* of the running layout, 0..1 */
    size_t points;       /* of the current map, or of the one being computed */
    unsigned version;    /* increases with each finished map */
    double seconds;      /* how long the last layout took */
    char error[SV_ERR_LEN]; /* when failed */
} map_status;

/* Starts the service on the store at location (opened read-only by the service itself).
 * cache_file 0 = no STORE.vmap. NULL with err when the thread cannot start. */
map_service *map_service_start(const char *location, int cache_file, char err[SV_ERR_LEN]);
/* Cancels a running layout, stops the thread, frees everything. NULL is a no-op. */
void map_service_stop(map_service *ms);

void map_service_status(map_service *ms, map_status *out);
/* The current map (NULL while none is ready). */
map_json *map_service_take(map_service *ms);
void map_json_release(void *map); /* a map_json*; signature fits httpd's release callback */

#endif
