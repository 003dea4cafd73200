#include "cliopt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "msg.h"

int cliopt_int(const char *command, const char *name, const char *value, int64_t min, int64_t max,
               int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (errno || end == value || *end != '\0' || v < min || v > max)
        return msg_usage(command, "option --%s: '%s' is not a whole number between %lld and %lld",
                         name, value, (long long)min, (long long)max);
    *out = v;
    return 0;
}

int cliopt_bad_option(const char *command, int result, char **argv)
{
    const char *opt = argv[optind - 1];
    if (result == ':')
        return msg_usage(command, "option %s: needs a value", opt);
    return msg_usage(command, "option %s: unknown option", opt);
}

int cliopt_not_directory(const char *command, const char *name, const char *path)
{
    struct stat st;
    if (path && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return msg_usage(command, "option --%s: '%s' is a directory: give a file path", name, path);
    return 0;
}

void cliopt_print_json(cJSON *o)
{
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    if (text)
        puts(text);
    cJSON_free(text);
    cJSON_Delete(o);
}

cJSON *cliopt_json_int(int64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)v);
    return cJSON_CreateRaw(text);
}

void cliopt_json_add_int(cJSON *o, const char *name, int64_t v)
{
    cJSON_AddItemToObject(o, name, cliopt_json_int(v));
}
