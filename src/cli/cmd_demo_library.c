/* samplevec demo-library PATH [--count N] [--seed S]: parse, write, report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cliopt.h"
#include "commands.h"
#include "demo_library.h"
#include "msg.h"

static void usage(void)
{
    printf("usage: samplevec demo-library PATH [--count N] [--seed S] [--audio DIR]\n\n"
           "Writes a realistic SP-404MK2 sample-manager database (sp404_samples.db schema:\n"
           "users, samples, vibe_analyses) to PATH, for trying samplevec without a library.\n"
           "Genres, BPM, keys, moods, energy, texture tags and markdown vibe descriptions are\n"
           "generated; about 10%% of samples have no vibe analysis. The same seed always gives\n"
           "the same rows, and N samples are the first N of any larger library with that seed.\n\n"
           "options:\n"
           "  --audio DIR also write a short synthesized WAV per sample into DIR (created if\n"
           "              missing): kicks, snares, hats, bass, pads, chords and loops in the\n"
           "              sample's key and BPM, 8-bit mono 11,025 Hz, about 8 KB each, the\n"
           "              same bytes for the same seed; samples.file_path points at them\n"
           "  --count N   number of samples, 0 to %d (default %d)\n"
           "  --seed S    generator seed, 0 to 18446744073709551615 (default %d)\n"
           "  -h, --help  this help\n\n"
           "PATH must not exist, nor the sound files in DIR: demo-library never overwrites a file.\n"
           "exit codes: 0 written, 2 bad option or PATH exists, 3 cannot write,\n"
           "130 interrupted (nothing is left behind).\n",
           DEMO_LIBRARY_MAX_COUNT, DEMO_LIBRARY_DEFAULT_COUNT, DEMO_LIBRARY_DEFAULT_SEED);
}

/* Strict unsigned decimal: digits only, no sign, no spaces, fits in max. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* "--name value" or "--name=value"; returns the value or NULL (and *i advanced). */
static const char *opt_value(int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    *missing = 0;
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int cmd_demo_library(int argc, char **argv)
{
    const char *path = NULL, *audio_dir = NULL;
    uint64_t count = DEMO_LIBRARY_DEFAULT_COUNT, seed = DEMO_LIBRARY_DEFAULT_SEED;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int missing;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage();
            return SV_EXIT_OK;
        }
        if ((v = opt_value(argc, argv, &i, "--audio", &missing)) || missing) {
            if (missing || !*v)
                return msg_usage("demo-library", "option --audio: needs a directory (e.g. --audio audio)");
            audio_dir = v;
        } else if ((v = opt_value(argc, argv, &i, "--count", &missing)) || missing) {
            if (missing)
                return msg_usage("demo-library", "option --count: needs a value (e.g. --count 2437)");
            int64_t c;
            if (cliopt_int("demo-library", "count", v, 0, DEMO_LIBRARY_MAX_COUNT, &c))
                return SV_EXIT_USAGE;
            count = (uint64_t)c;
        } else if ((v = opt_value(argc, argv, &i, "--seed", &missing)) || missing) {
            if (missing)
                return msg_usage("demo-library", "option --seed: needs a value (e.g. --seed 7)");
            if (parse_u64(v, UINT64_MAX, &seed))
                return msg_usage("demo-library",
                                 "option --seed: '%s' is not a whole number between 0 and "
                                 "18446744073709551615",
                                 v);
        } else if (a[0] == '-' && a[1] != '\0') {
            return msg_usage("demo-library", "unknown option '%s'", a);
        } else if (path) {
            return msg_usage("demo-library", "one PATH only (got '%s' and '%s')", path, a);
        } else {
            path = a;
        }
    }
    if (!path || !*path)
        return msg_usage("demo-library", "%s PATH (e.g. samplevec demo-library sp404_samples.db)",
                         path ? "empty" : "missing");

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char err[SV_ERR_LEN];
    int rc = demo_library_write_audio(path, (int64_t)count, seed, audio_dir, err);
    if (rc) {
        msg_error("%s", err);
        return rc;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    msg_info("wrote %llu samples to %s (seed %llu)%s%s in %.2f s", (unsigned long long)count, path,
             (unsigned long long)seed, audio_dir ? " and their sounds to " : "", audio_dir ? audio_dir : "", s);
    return SV_EXIT_OK;
}
