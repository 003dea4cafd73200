/* cliopt: small helpers every command shares: option parsing (getopt_long underneath), the
 * options a user gave (each at most once; hints repeat them), and the --json output. */
#ifndef SAMPLEVEC_CLIOPT_H
#define SAMPLEVEC_CLIOPT_H

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#define CLIOPT_MAX_GIVEN 64

/* Parses value as a decimal integer in [min, max] (numparse.h: digits and an optional '-'
 * only). On failure reports "option --name: 'value' is not a whole number between min and
 * max" and returns SV_EXIT_USAGE. */
int cliopt_int(const char *command, const char *name, const char *value, int64_t min, int64_t max,
               int64_t *out);

/* Reports getopt_long's '?' or ':' result for argv (needs opterr = 0 and a leading ':' in the
 * short-option string): an unknown option with the nearest known one ("did you mean
 * '--store'?"), an ambiguous prefix with its candidates, a missing value, a value given to an
 * option that takes none. Returns SV_EXIT_USAGE. */
int cliopt_bad_option(const char *command, const struct option *table, int result, char **argv);

/* The options one command line gave, in order: what hints repeat so that a suggested command
 * works on the same library and store. Values are borrowed from argv. */
typedef struct cliopt_given {
    const char *command;
    const struct option *table;
    int n;
    struct {
        const char *name;   /* long name, or the letter of a short option */
        const char *value;  /* NULL for an option without a value */
        int val;            /* getopt_long's result for it */
    } opt[CLIOPT_MAX_GIVEN];
} cliopt_given;

void cliopt_given_init(cliopt_given *g, const char *command, const struct option *table);
/* Takes getopt_long's result c (with optarg): records it, or reports and returns SV_EXIT_USAGE
 * for an option given twice ("option --store: given twice ('a.db', then 'b.db'): give it
 * once") and for '?'/':' (cliopt_bad_option). 0 otherwise. */
int cliopt_take(cliopt_given *g, int c, char **argv);
/* The value given for a long option name, or NULL. */
const char *cliopt_given_value(const cliopt_given *g, const char *name);

/* A command for a hint: "samplevec WORDS" and then the given options whose names are in
 * `keep` (NULL-terminated; NULL keeps every option except those in `drop`), then `extra`
 * (appended as is, may be NULL). Values are shell-quoted where needed and credentials in a
 * URL are replaced by "[redacted]". Returns out. */
char *cliopt_hint(const cliopt_given *g, const char *words, const char *const *keep,
                  const char *const *drop, const char *extra, char *out, size_t cap);

/* Appends s to out (cap bytes, NUL-terminated) quoted for a POSIX shell when it needs it. */
void cliopt_shell_quote(const char *s, char *out, size_t cap);

/* Edit distance (insertions, deletions, substitutions, transpositions) of a and b. */
int cliopt_distance(const char *a, const char *b);
/* The name among names[0..n) nearest to word, or NULL when none is near enough to be what was
 * meant (distance at most 2, and less than half of the word). */
const char *cliopt_nearest(const char *word, const char *const *names, size_t n);

/* SV_EXIT_USAGE with "option --name: 'path' is a directory: give a file path" when path is an
 * existing directory; 0 otherwise (a missing file is for the caller to judge). */
int cliopt_not_directory(const char *command, const char *name, const char *path);

/* A JSON integer exact over the whole int64 range (cJSON's numbers are doubles, which round
 * ids above 2^53). NULL when out of memory. */
cJSON *cliopt_json_int(int64_t v);
/* Adds name: v to o as cliopt_json_int does. */
void cliopt_json_add_int(cJSON *o, const char *name, int64_t v);

/* Prints o on one line to stdout and deletes it (--json output). */
void cliopt_print_json(cJSON *o);

#endif
