#include "locations.h"

#include <stdio.h>
#include <string.h>

#include "dotenv.h"
#include "store.h"

void locations_default_store(const char *library, char out[LOCATIONS_LEN])
{
    const char *turso = dotenv_get("TURSO_DATABASE_URL");
    if (turso) {
        snprintf(out, LOCATIONS_LEN, "%s", turso);
        return;
    }
    const char *slash = strrchr(library, '/');
    if (!slash || store_is_remote(library))
        snprintf(out, LOCATIONS_LEN, "samplevec.db");
    else
        snprintf(out, LOCATIONS_LEN, "%.*ssamplevec.db", (int)(slash - library + 1), library);
}

void locations_resolve_store(const char *store_arg, const char *library, char out[LOCATIONS_LEN])
{
    if (!store_arg)
        locations_default_store(library, out);
    else if (strcmp(store_arg, "app") != 0)
        snprintf(out, LOCATIONS_LEN, "%s", store_arg);
    else if (store_is_postgres(library))
        snprintf(out, LOCATIONS_LEN, "%s", library);
    else
        snprintf(out, LOCATIONS_LEN, "app:%s", library);
}

void locations_default_progress(const char *store, char out[LOCATIONS_LEN])
{
    const char *local = store_local_path(store);
    if (!local)
        snprintf(out, LOCATIONS_LEN, "samplevec.progress.json");
    else if (local != store) /* the app store: beside the library, named for samplevec */
        snprintf(out, LOCATIONS_LEN, "%s.samplevec.progress.json", local);
    else
        snprintf(out, LOCATIONS_LEN, "%s.progress.json", store);
}

void locations_shown(const char *location, char out[LOCATIONS_LEN])
{
    const char *scheme = strstr(location, "://");
    if (!scheme) {
        snprintf(out, LOCATIONS_LEN, "%s", location);
        return;
    }
    const char *host = scheme + 3, *path = host + strcspn(host, "/?#");
    const char *at = memchr(host, '@', (size_t)(path - host));
    const char *query = strchr(path, '?');
    size_t path_len = query ? (size_t)(query - path) : strlen(path);
    if (at)
        snprintf(out, LOCATIONS_LEN, "%.*s[redacted]@%.*s%.*s%s", (int)(host - location), location,
                 (int)(path - at - 1), at + 1, (int)path_len, path, query ? "?[redacted]" : "");
    else
        snprintf(out, LOCATIONS_LEN, "%.*s%.*s%s", (int)(path - location), location, (int)path_len, path,
                 query ? "?[redacted]" : "");
}
