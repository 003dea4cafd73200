#include "cliopt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "locations.h"
#include "msg.h"
#include "numparse.h"

int cliopt_int(const char *command, const char *name, const char *value, int64_t min, int64_t max,
               int64_t *out)
{
    int64_t v;
    if (numparse_int64(value, &v) != 0 || v < min || v > max)
        return msg_usage(command, "option --%s: '%s' is not a whole number between %lld and %lld",
                         name, value, (long long)min, (long long)max);
    *out = v;
    return 0;
}

int cliopt_distance(const char *a, const char *b)
{
    enum { MAX = 64 };
    size_t n = strlen(a), m = strlen(b);
    if (n >= MAX || m >= MAX)
        return (int)(n > m ? n : m);
    int d[MAX][MAX];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            int best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1; /* "stroe" → "store" is one slip, not two */
            d[i][j] = best;
        }
    return d[n][m];
}

const char *cliopt_nearest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    int best_d = 3;
    for (size_t i = 0; i < n; i++) {
        int d = cliopt_distance(word, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best && best_d * 2 <= (int)strlen(word) ? best : NULL;
}

int cliopt_bad_option(const char *command, const struct option *table, int result, char **argv)
{
    const char *opt = argv[optind - 1];
    char shown[64];
    int is_long = strncmp(opt, "--", 2) == 0;
    if (!is_long && optopt > 0 && optopt < 256)
        snprintf(shown, sizeof shown, "-%c", optopt);
    else
        snprintf(shown, sizeof shown, "%.60s", opt);
    if (result == ':')
        return msg_usage(command, "option %s: needs a value", is_long ? strtok(shown, "=") : shown);
    if (!is_long)
        return msg_usage(command, "unknown option '%s'", shown);
    /* --name[=value]: which of the table's names it is, starts or resembles */
    const char *name = opt + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const char *names[CLIOPT_MAX_GIVEN];
    size_t n_names = 0, n_prefix = 0;
    char candidates[512] = "";
    for (const struct option *o = table; o->name && n_names < CLIOPT_MAX_GIVEN; o++) {
        names[n_names++] = o->name;
        if (strncmp(o->name, name, len) == 0) {
            if (strlen(o->name) == len && eq && o->has_arg == no_argument)
                return msg_usage(command, "option --%s: takes no value (got '%s')", o->name, opt);
            size_t used = strlen(candidates);
            snprintf(candidates + used, sizeof candidates - used, "%s--%s", n_prefix ? ", " : "", o->name);
            n_prefix++;
        }
    }
    if (n_prefix > 1)
        return msg_usage(command, "option '--%.*s' is ambiguous: it could be %s", (int)len, name, candidates);
    char word[64];
    snprintf(word, sizeof word, "%.*s", (int)(len < sizeof word - 1 ? len : sizeof word - 1), name);
    const char *near = cliopt_nearest(word, names, n_names);
    if (near)
        return msg_usage(command, "unknown option '--%s'; did you mean '--%s'?", word, near);
    return msg_usage(command, "unknown option '--%s'", word);
}

void cliopt_given_init(cliopt_given *g, const char *command, const struct option *table)
{
    memset(g, 0, sizeof *g);
    g->command = command;
    g->table = table;
}

/* The long name of getopt's result c, or NULL for a short option. */
static const char *long_name(const struct option *table, int c)
{
    for (const struct option *o = table; o->name; o++)
        if (o->val == c && !o->flag)
            return o->name;
    return NULL;
}

int cliopt_take(cliopt_given *g, int c, char **argv)
{
    if (c == '?' || c == ':')
        return cliopt_bad_option(g->command, g->table, c, argv);
    const char *name = long_name(g->table, c);
    char shown[80];
    if (name)
        snprintf(shown, sizeof shown, "--%s", name);
    else
        snprintf(shown, sizeof shown, "-%c", c);
    for (int i = 0; i < g->n; i++) {
        if (g->opt[i].val != c)
            continue;
        if (optarg && g->opt[i].value)
            return msg_usage(g->command, "option %s: given twice ('%s', then '%s'): give it once", shown,
                             g->opt[i].value, optarg);
        return msg_usage(g->command, "option %s: given twice: give it once", shown);
    }
    if (g->n == CLIOPT_MAX_GIVEN)
        return msg_usage(g->command, "too many options");
    g->opt[g->n].name = name; /* NULL: the short option `val` */
    g->opt[g->n].value = optarg;
    g->opt[g->n].val = c;
    g->n++;
    return 0;
}

const char *cliopt_given_value(const cliopt_given *g, const char *name)
{
    for (int i = 0; i < g->n; i++)
        if (g->opt[i].name && strcmp(g->opt[i].name, name) == 0)
            return g->opt[i].value;
    return NULL;
}

static void append(char *out, size_t cap, const char *s)
{
    size_t used = strlen(out);
    if (used < cap)
        snprintf(out + used, cap - used, "%s", s);
}

void cliopt_shell_quote(const char *s, char *out, size_t cap)
{
    static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-";
    if (*s && strspn(s, safe) == strlen(s)) {
        append(out, cap, s);
        return;
    }
    append(out, cap, "'");
    for (const char *p = s; *p; p++) {
        char one[2] = {*p, 0};
        append(out, cap, *p == '\'' ? "'\\''" : one);
    }
    append(out, cap, "'");
}

static int listed(const char *name, const char *const *list)
{
    for (; list && *list; list++)
        if (name && strcmp(name, *list) == 0)
            return 1;
    return 0;
}

char *cliopt_hint(const cliopt_given *g, const char *words, const char *const *keep,
                  const char *const *drop, const char *extra, char *out, size_t cap)
{
    if (!cap)
        return out;
    snprintf(out, cap, "samplevec %s", words);
    for (int i = 0; g && i < g->n; i++) {
        const char *name = g->opt[i].name;
        if ((keep && !listed(name, keep)) || listed(name, drop))
            continue;
        char flag[80];
        if (name)
            snprintf(flag, sizeof flag, " --%s", name);
        else
            snprintf(flag, sizeof flag, " -%c", g->opt[i].val);
        append(out, cap, flag);
        if (g->opt[i].value) {
            char shown[LOCATIONS_LEN];
            locations_shown(g->opt[i].value, shown);
            append(out, cap, " ");
            cliopt_shell_quote(shown, out, cap);
        }
    }
    if (extra && *extra) {
        append(out, cap, " ");
        append(out, cap, extra);
    }
    return out;
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
