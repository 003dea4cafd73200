/* cliopt: "did you mean", options given twice, hints that repeat the user's options with
 * values quoted and credentials redacted, strict numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cliopt.h"
#include "msg.h"

enum { OPT_ALL = 256, OPT_BASE_URL, OPT_LIBRARY, OPT_RESET, OPT_RESUME, OPT_STORE };
static const struct option table[] = {
    {"all", no_argument, NULL, OPT_ALL},           {"base-url", required_argument, NULL, OPT_BASE_URL},
    {"library", required_argument, NULL, OPT_LIBRARY}, {"reset", no_argument, NULL, OPT_RESET},
    {"resume", no_argument, NULL, OPT_RESUME},     {"store", required_argument, NULL, OPT_STORE},
    {NULL, 0, NULL, 0},
};

/* Parses argv like a command does; returns the first non-zero cliopt_take result. stderr goes to
 * the file `err_path`. */
static int parse(int argc, char **argv, cliopt_given *g, const char *err_path)
{
    fflush(stderr);
    FILE *saved = freopen(err_path, "w", stderr);
    (void)saved;
    cliopt_given_init(g, "embed", table);
    opterr = 0;
    optind = 1;
    int c, rc = 0;
    while (!rc && (c = getopt_long(argc, argv, ":", table, NULL)) != -1)
        rc = cliopt_take(g, c, argv);
    fflush(stderr);
    return rc;
}

static int file_has(const char *path, const char *needle)
{
    char buf[4096] = "";
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

int main(void)
{
    char err_path[] = "/tmp/test_cliopt_err_XXXXXX";
    int fd = mkstemp(err_path);
    CHECK(fd >= 0);
    close(fd);

    CHECK(cliopt_distance("store", "store") == 0);
    CHECK(cliopt_distance("stroe", "store") == 1); /* a transposition is one slip */
    CHECK(cliopt_distance("serach", "search") == 1);
    CHECK(cliopt_distance("", "abc") == 3);
    const char *commands[] = {"demo-library", "embed", "embed-text", "search", "serve", "similar", "status"};
    CHECK_STR_EQ(cliopt_nearest("serach", commands, 7), "search");
    CHECK_STR_EQ(cliopt_nearest("embd", commands, 7), "embed");
    CHECK(cliopt_nearest("frobnicate", commands, 7) == NULL);
    CHECK(cliopt_nearest("x", commands, 7) == NULL);

    cliopt_given g;
    char *ok[] = {"embed", "--all", "--store", "sub.db", "--library=my lib.db", "--reset", NULL};
    CHECK(parse(6, ok, &g, err_path) == 0);
    CHECK(g.n == 4);
    CHECK_STR_EQ(cliopt_given_value(&g, "store"), "sub.db");
    char hint[512];
    static const char *const drop[] = {"reset", NULL};
    CHECK_STR_EQ(cliopt_hint(&g, "embed", NULL, drop, "--resume", hint, sizeof hint),
                 "samplevec embed --all --store sub.db --library 'my lib.db' --resume");
    static const char *const keep[] = {"library", "store", NULL};
    CHECK_STR_EQ(cliopt_hint(&g, "search \"x\"", keep, NULL, NULL, hint, sizeof hint),
                 "samplevec search \"x\" --store sub.db --library 'my lib.db'");

    char *secret[] = {"embed", "--base-url", "https://user:hunter2@example.com/v1?key=abc", NULL};
    CHECK(parse(3, secret, &g, err_path) == 0);
    cliopt_hint(&g, "embed", NULL, NULL, NULL, hint, sizeof hint);
    CHECK(strstr(hint, "hunter2") == NULL && strstr(hint, "abc") == NULL);
    CHECK(strstr(hint, "https://[redacted]@example.com/v1?[redacted]") != NULL);

    char quoted[64] = "";
    cliopt_shell_quote("it's", quoted, sizeof quoted);
    CHECK_STR_EQ(quoted, "'it'\\''s'");

    char *twice[] = {"embed", "--store", "a.db", "--store", "b.db", NULL};
    CHECK(parse(5, twice, &g, err_path) == SV_EXIT_USAGE);
    CHECK(file_has(err_path, "samplevec: error: option --store: given twice ('a.db', then 'b.db'): give it once"));
    char *typo[] = {"embed", "--stroe", "x", NULL};
    CHECK(parse(3, typo, &g, err_path) == SV_EXIT_USAGE);
    CHECK(file_has(err_path, "samplevec: error: unknown option '--stroe'; did you mean '--store'?"));
    char *ambiguous[] = {"embed", "--re", NULL};
    CHECK(parse(2, ambiguous, &g, err_path) == SV_EXIT_USAGE);
    CHECK(file_has(err_path, "option '--re' is ambiguous: it could be --reset, --resume"));
    char *valued[] = {"embed", "--all=yes", NULL};
    CHECK(parse(2, valued, &g, err_path) == SV_EXIT_USAGE);
    CHECK(file_has(err_path, "option --all: takes no value"));
    char *missing[] = {"embed", "--store", NULL};
    CHECK(parse(2, missing, &g, err_path) == SV_EXIT_USAGE);
    CHECK(file_has(err_path, "option --store: needs a value"));

    int64_t v;
    fflush(stderr);
    FILE *saved = freopen(err_path, "w", stderr);
    (void)saved;
    CHECK(cliopt_int("embed", "batch-size", "0x10", 1, 2048, &v) == SV_EXIT_USAGE);
    CHECK(cliopt_int("embed", "batch-size", " 5", 1, 2048, &v) == SV_EXIT_USAGE);
    CHECK(cliopt_int("embed", "batch-size", "+5", 1, 2048, &v) == SV_EXIT_USAGE);
    CHECK(cliopt_int("embed", "batch-size", "5000", 1, 2048, &v) == SV_EXIT_USAGE);
    CHECK(cliopt_int("embed", "batch-size", "64", 1, 2048, &v) == 0 && v == 64);
    fflush(stderr);
    CHECK(file_has(err_path, "samplevec: error: option --batch-size: '0x10' is not a whole number between 1 and 2048"));
    unlink(err_path);
    return check_summary();
}
