#include "assets.h"

#include <string.h>

const serve_asset *assets_find(const char *path)
{
    for (size_t i = 0; i < assets_count; i++)
        if (strcmp(assets_table[i].path, path) == 0)
            return &assets_table[i];
    return NULL;
}
