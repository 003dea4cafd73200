/* Turso / libSQL store: not built yet (issue 4). The location form is recognised so that a
 * user gets a clear answer instead of a file named "libsql:". */
#include "store.h"

store *store_turso_open(const char *url, int *exit_code, char err[SV_ERR_LEN])
{
    (void)url;
    *exit_code = sv_fail(err, SV_EXIT_USAGE,
                         "remote stores (libsql://, https://) are not available in this build yet; "
                         "use a local store file with --store PATH");
    return NULL;
}
