/* samplevec demo-library PATH [--count N] [--seed S]: parse, write, report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cliopt.h"
#include "commands.h"
#include "demo_library.h"
#include "msg.h"
#include "termtext.h"

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

enum { OPT_AUDIO = 256, OPT_COUNT, OPT_HELP, OPT_SEED };

/* Alphasorted. */
static const struct option demo_table[] = {
    {"audio", required_argument, NULL, OPT_AUDIO},
    {"count", required_argument, NULL, OPT_COUNT},
    {"help", no_argument, NULL, OPT_HELP},
    {"seed", required_argument, NULL, OPT_SEED},
    {NULL, 0, NULL, 0},
};

int cmd_demo_library(int argc, char **argv)
{
    const char *path = NULL, *audio_dir = NULL;
    uint64_t count = DEMO_LIBRARY_DEFAULT_COUNT, seed = DEMO_LIBRARY_DEFAULT_SEED;
    int c;
    int64_t v;
    cliopt_given given;
    cliopt_given_init(&given, "demo-library", demo_table);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", demo_table, NULL)) != -1) {
        if (c != 'h' && cliopt_take(&given, c, argv))
            return SV_EXIT_USAGE;
        switch (c) {
        case 'h':
        case OPT_HELP: usage(); return SV_EXIT_OK;
        case OPT_AUDIO:
            if (!*optarg)
                return msg_usage("demo-library", "option --audio: needs a directory (e.g. --audio audio)");
            audio_dir = optarg;
            break;
        case OPT_COUNT:
            if (cliopt_int("demo-library", "count", optarg, 0, DEMO_LIBRARY_MAX_COUNT, &v))
                return SV_EXIT_USAGE;
            count = (uint64_t)v;
            break;
        case OPT_SEED:
            if (parse_u64(optarg, UINT64_MAX, &seed))
                return msg_usage("demo-library",
                                 "option --seed: '%s' is not a whole number between 0 and "
                                 "18446744073709551615",
                                 optarg);
            break;
        default: return cliopt_bad_option("demo-library", demo_table, c, argv);
        }
    }
    for (; optind < argc; optind++) {
        if (path)
            return msg_usage("demo-library", "one PATH only (got '%s' and '%s')", path, argv[optind]);
        path = argv[optind];
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
    char n[TERMTEXT_COUNT_LEN];
    msg_info("wrote %s samples to %s (seed %llu)%s%s in %.2f s", termtext_count((int64_t)count, n), path,
             (unsigned long long)seed, audio_dir ? " and their sounds to " : "", audio_dir ? audio_dir : "", s);
    return SV_EXIT_OK;
}
