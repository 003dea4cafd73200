/* assets: the web page's files (src/serve/web/), compiled into the binary by the build
 * (tools/embed_assets.cmake writes the table), so `serve` works offline with nothing beside it. */
#ifndef SAMPLEVEC_ASSETS_H
#define SAMPLEVEC_ASSETS_H

#include <stddef.h>

typedef struct serve_asset {
    const char *path;          /* URL path, "/static/app.js" */
    const char *content_type;
    const unsigned char *data; /* size bytes (plus a NUL not counted) */
    size_t size;
    const char *etag;          /* quoted, from the content's SHA-256 */
} serve_asset;

/* The asset at URL path, or NULL. */
const serve_asset *assets_find(const char *path);

/* The generated table. */
extern const serve_asset assets_table[];
extern const size_t assets_count;

#endif
