/* locations: where the library, the store and the progress file are when not given. */
#ifndef SAMPLEVEC_LOCATIONS_H
#define SAMPLEVEC_LOCATIONS_H

#include <stddef.h>

#define LOCATIONS_DEFAULT_LIBRARY "sp404_samples.db" /* in the working directory */
#define LOCATIONS_LEN 1024

/* The store: TURSO_DATABASE_URL (environment or .env) when set, else samplevec.db in the
 * library's directory (the working directory for a PostgreSQL library), so the application's
 * database is never touched. */
void locations_default_store(const char *library, char out[LOCATIONS_LEN]);
/* The store a --store value names: "app" is the library's own database (the opt-in app store:
 * "app:PATH" for a SQLite library, the library's postgresql:// URL itself); NULL the default
 * store; anything else itself. */
void locations_resolve_store(const char *store_arg, const char *library, char out[LOCATIONS_LEN]);
/* The progress file: <store>.progress.json for a local store (<library>.samplevec.progress.json
 * for the app store), ./samplevec.progress.json for a remote one. */
void locations_default_progress(const char *store, char out[LOCATIONS_LEN]);
/* A location as it may be shown (panels, hints): in a URL, the user:password@ part and the
 * query (where tokens travel) become "[redacted]"; anything else is copied as is. */
void locations_shown(const char *location, char out[LOCATIONS_LEN]);

#endif
