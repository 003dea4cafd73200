#include "dotenv.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct dotenv_entry {
    char *key, *value;
} dotenv_entry;

static dotenv_entry *entries; /* parsed ./.env, kept for the process lifetime */
static size_t n_entries;
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

static void free_entries(void)
{
    for (size_t i = 0; i < n_entries; i++) {
        free(entries[i].key);
        free(entries[i].value);
    }
    free(entries);
    entries = NULL;
    n_entries = 0;
}

static void load_dotenv(void)
{
    FILE *f = fopen(".env", "r");
    if (!f)
        return;
    char line[4096];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        char *s = trim(line);
        if (*s == '#' || *s == '\0')
            continue;
        if (strncmp(s, "export ", 7) == 0)
            s = trim(s + 7);
        char *eq = strchr(s, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        char *close = (value[0] == '"' || value[0] == '\'') ? strchr(value + 1, value[0]) : NULL;
        if (close) { /* KEY="value"  # comment: the value is what the quotes hold */
            *close = '\0';
            value++;
        } else {
            char *hash = strstr(value, " #"); /* unquoted trailing comment */
            if (hash)
                *hash = '\0';
            value = trim(value);
        }
        if (n_entries == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            dotenv_entry *grown = realloc(entries, ncap * sizeof *grown);
            if (!grown)
                break;
            entries = grown;
            cap = ncap;
        }
        entries[n_entries].key = strdup(key);
        entries[n_entries].value = strdup(value);
        if (!entries[n_entries].key || !entries[n_entries].value) {
            free(entries[n_entries].key);
            free(entries[n_entries].value);
            break;
        }
        n_entries++;
    }
    fclose(f);
    atexit(free_entries);
}

const char *dotenv_get(const char *name)
{
    const char *v = getenv(name);
    if (v && *v)
        return v;
    pthread_once(&loaded, load_dotenv);
    for (size_t i = n_entries; i-- > 0;) /* last assignment wins, as in a shell */
        if (strcmp(entries[i].key, name) == 0)
            return *entries[i].value ? entries[i].value : NULL;
    return NULL;
}
