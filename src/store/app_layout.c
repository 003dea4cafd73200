#include "app_layout.h"

#include <string.h>

static const char *without_vendor(const char *model)
{
    return strncmp(model, "openai/", 7) == 0 ? model + 7 : model;
}

int app_layout_same_model(const char *claimed, const char *model)
{
    return strcmp(claimed, model) == 0 || strcmp(without_vendor(claimed), without_vendor(model)) == 0;
}

int app_layout_check_claim(const char *where, const store_meta *m, int presumed,
                           const char *provider, const char *model, int dims, int reset,
                           char err[SV_ERR_LEN])
{
    if (reset || !m->model[0] || (app_layout_same_model(m->model, model) && m->dims == dims))
        return 0;
    if (presumed)
        return sv_fail(err, SV_EXIT_USAGE,
                       "%s holds %lld vectors that the application wrote itself (model %s, %d "
                       "dims, the one its own search embeds queries with); this run asks for %s "
                       "model '%s' (%d dims), which would leave the app's search comparing "
                       "vectors of two models: use --provider openrouter (the app's model), or "
                       "--reset to replace them all",
                       where, (long long)m->rows, m->model, m->dims, provider, model, dims);
    return sv_fail(err, SV_EXIT_USAGE,
                   "%s holds %s model '%s' (%d dims); this run asks for %s model '%s' (%d dims): "
                   "use the same --provider/--model/--dims, or --reset to drop the %lld stored "
                   "vectors",
                   where, m->provider, m->model, m->dims, provider, model, dims, (long long)m->rows);
}
