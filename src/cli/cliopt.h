/* cliopt: small helpers every command shares: option parsing (getopt_long underneath) and
 * the --json output. */
#ifndef SAMPLEVEC_CLIOPT_H
#define SAMPLEVEC_CLIOPT_H

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdint.h>

/* Parses value as an integer in [min, max]. On failure reports
 * "option --name: 'value' is not a whole number between min and max" and returns SV_EXIT_USAGE. */
int cliopt_int(const char *command, const char *name, const char *value, int64_t min, int64_t max,
               int64_t *out);

/* Reports getopt_long's '?' or ':' result for argv (needs opterr = 0 and a leading ':' in the
 * short-option string) and returns SV_EXIT_USAGE. */
int cliopt_bad_option(const char *command, int result, char **argv);

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
