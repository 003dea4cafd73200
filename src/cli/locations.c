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
    if (!slash)
        snprintf(out, LOCATIONS_LEN, "samplevec.db");
    else
        snprintf(out, LOCATIONS_LEN, "%.*ssamplevec.db", (int)(slash - library + 1), library);
}

void locations_default_progress(const char *store, char out[LOCATIONS_LEN])
{
    if (store_is_remote(store))
        snprintf(out, LOCATIONS_LEN, "samplevec.progress.json");
    else
        snprintf(out, LOCATIONS_LEN, "%s.progress.json", store);
}
