/* samplevec search "TEXT" / samplevec similar SAMPLE_ID: options → searcher query → results
 * as a table or JSON on stdout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

#include "cliopt.h"
#include "commands.h"
#include "idspec.h"
#include "library.h"
#include "locations.h"
#include "msg.h"
#include "searcher.h"

static const char search_help[] =
    "usage: samplevec search \"TEXT\" [OPTIONS]\n"
    "       samplevec similar SAMPLE_ID [OPTIONS]\n"
    "\n"
    "search ranks the stored samples by cosine similarity to TEXT, embedded with the store's own\n"
    "provider and model; similar ranks them by similarity to sample SAMPLE_ID (left out).\n"
    "Results are exact: the first k of a full scan of the samples that pass every filter,\n"
    "similarity descending, ties by sample id.\n"
    "\n"
    "options:\n"
    "  -k N                   number of results, 1..100000 (default 10)\n"
    "  --bpm MIN-MAX          BPM range, inclusive (also MIN-, -MAX, or one BPM)\n"
    "  --genre NAME           genre, case-insensitive\n"
    "  --json                 a JSON array on stdout: sample_id, title, similarity, distance\n"
    "                         (1 - similarity), genre, bpm, musical_key, mood_primary\n"
    "  --key KEY              musical key in any spelling: Am = A minor = A min = 8A,\n"
    "                         C#m = Dbm (enharmonics match)\n"
    "  --library PATH         sample manager database (default ./sp404_samples.db): locates the\n"
    "                         default store, and tells an unembedded sample from an unknown one\n"
    "  --base-url URL         OpenAI-compatible server of the store's provider, when not the\n"
    "                         default ($OPENAI_BASE_URL or the provider's own)\n"
    "  --min-similarity X     drop results below X (-1..1)\n"
    "  --model PATH           where the store's model is, for `search` on a store embedded with\n"
    "                         --provider gguf (default $SAMPLEVEC_MODEL); must be the same model\n"
    "  --mood NAME            primary or secondary mood, case-insensitive\n"
    "  --no-cache             do not keep STORE.vcache (the flat copy of the vectors that makes\n"
    "                         cold searches fast); scan a private copy instead\n"
    "  --store PATH|URL|app   vector store (default: $TURSO_DATABASE_URL, else samplevec.db next\n"
    "                         to the library); app = the library's own sample_embeddings\n"
    "                         table (filters read from its samples and vibe_analyses)\n"
    "  --help                 this text\n"
    "\n"
    "exit codes: 0 done (also when nothing matches), 2 usage error or unknown sample,\n"
    "3 store unreadable, empty or unreachable.\n";

enum {
    OPT_BASE_URL = 256, OPT_BPM, OPT_GENRE, OPT_HELP, OPT_JSON, OPT_KEY, OPT_LIBRARY, OPT_MIN_SIMILARITY,
    OPT_MODEL, OPT_MOOD, OPT_NO_CACHE, OPT_STORE,
};

/* Alphasorted. */
static const struct option search_table[] = {
    {"base-url", required_argument, NULL, OPT_BASE_URL},
    {"bpm", required_argument, NULL, OPT_BPM},
    {"genre", required_argument, NULL, OPT_GENRE},
    {"help", no_argument, NULL, OPT_HELP},
    {"json", no_argument, NULL, OPT_JSON},
    {"key", required_argument, NULL, OPT_KEY},
    {"library", required_argument, NULL, OPT_LIBRARY},
    {"min-similarity", required_argument, NULL, OPT_MIN_SIMILARITY},
    {"model", required_argument, NULL, OPT_MODEL},
    {"mood", required_argument, NULL, OPT_MOOD},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"store", required_argument, NULL, OPT_STORE},
    {NULL, 0, NULL, 0},
};

/* One character of a cell at p: its byte length, its display width, and whether it must be
 * shown as '?' (invalid UTF-8, C0/C1 control characters such as ESC: never sent to the
 * terminal). */
static size_t cell_char(const utf8proc_uint8_t *p, int *width, int *masked)
{
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p, -1, &cp);
    if (len <= 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
        *width = 1;
        *masked = 1;
        return len > 0 ? (size_t)len : 1;
    }
    int w = utf8proc_charwidth(cp);
    *width = w < 0 ? 0 : w;
    *masked = 0;
    return (size_t)len;
}

/* Prints s in at most `width` terminal columns, cut with "…" when longer, and padded to
 * exactly `width` when pad is set. */
static void print_cell_pad(const char *s, int width, int pad)
{
    if (!s)
        s = "-";
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    int total = 0, w, masked;
    for (const utf8proc_uint8_t *q = p; *q; q += cell_char(q, &w, &masked))
        total += (cell_char(q, &w, &masked), w);
    int limit = total > width ? width - 1 : width, cols = 0;
    while (*p) {
        size_t len = cell_char(p, &w, &masked);
        if (cols + w > limit)
            break;
        if (masked)
            fputc('?', stdout);
        else
            fwrite(p, 1, len, stdout);
        p += len;
        cols += w;
    }
    if (total > width) {
        fputs("\xe2\x80\xa6", stdout);
        cols++;
    }
    for (; pad && cols < width; cols++)
        fputc(' ', stdout);
}

static void print_cell(const char *s, int width) { print_cell_pad(s, width, 1); }

static void print_table(const query_results *r)
{
    printf("%4s  %10s  %8s  %-36s  %-14s  %6s  %-9s  %s\n", "rank", "similarity", "id", "title", "genre",
           "bpm", "key", "mood");
    for (size_t i = 0; i < r->n; i++) {
        const query_hit *h = &r->hits[i];
        printf("%4zu  %10.4f  %8lld  ", i + 1, h->similarity, (long long)h->sample_id);
        print_cell(h->title, 36);
        fputs("  ", stdout);
        print_cell(h->genre, 14);
        if (h->has_bpm)
            printf("  %6.1f  ", h->bpm);
        else
            printf("  %6s  ", "-");
        print_cell(h->musical_key, 9);
        fputs("  ", stdout);
        print_cell_pad(h->mood_primary, 20, 0);
        fputc('\n', stdout);
    }
}

/* Why a sample has no vector: in the library but not embedded, or unknown altogether. */
static void explain_missing(int64_t id, const char *library_path, const char *library_shown,
                            const char *store_loc)
{
    char err[SV_ERR_LEN], spec_text[32];
    int in_library = -1; /* unknown */
    if (store_is_postgres(library_path) || access(library_path, R_OK) == 0) {
        library *lib = library_open(library_path, err);
        snprintf(spec_text, sizeof spec_text, "%lld", (long long)id);
        idspec *spec = lib ? idspec_parse(spec_text, err) : NULL;
        int64_t n = 0;
        if (spec && library_count(lib, spec, &n, err) == 0)
            in_library = n > 0;
        idspec_free(spec);
        library_close(lib);
    }
    if (in_library == 1)
        msg_error("sample %lld is in the library but has no embedding in %s yet: run "
                  "'samplevec embed --sample-ids %lld --library %s'",
                  (long long)id, store_loc, (long long)id, library_shown);
    else if (in_library == 0)
        msg_error("no sample %lld in the library %s or the store %s: check the id", (long long)id,
                  library_shown, store_loc);
    else
        msg_error("sample %lld has no embedding in %s: check the id, or embed it with "
                  "'samplevec embed --sample-ids %lld'",
                  (long long)id, store_loc, (long long)id);
}

static int run(const char *command, int argc, char **argv)
{
    const char *library_path = LOCATIONS_DEFAULT_LIBRARY, *store_loc = NULL, *model = NULL, *base_url = NULL;
    int json = 0, use_cache = 1, c;
    char err[SV_ERR_LEN];
    searcher_query q;
    searcher_query_init(&q);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":k:", search_table, NULL)) != -1) {
        const char *param = NULL;
        switch (c) {
        case 'k': param = "k"; break;
        case OPT_BASE_URL: base_url = optarg; break;
        case OPT_MODEL: model = optarg; break;
        case OPT_BPM: param = "bpm"; break;
        case OPT_GENRE: param = "genre"; break;
        case OPT_HELP: fputs(search_help, stdout); return SV_EXIT_OK;
        case OPT_JSON: json = 1; break;
        case OPT_KEY: param = "key"; break;
        case OPT_LIBRARY: library_path = optarg; break;
        case OPT_MIN_SIMILARITY: param = "min-similarity"; break;
        case OPT_MOOD: param = "mood"; break;
        case OPT_NO_CACHE: use_cache = 0; break;
        case OPT_STORE: store_loc = optarg; break;
        default: return cliopt_bad_option(command, c, argv);
        }
        if (param && searcher_query_set(&q, param, optarg, err) != 0)
            return msg_usage(command, "option %s%s", param[1] ? "--" : "-", err);
    }
    if (optind >= argc)
        return msg_usage(command, strcmp(command, "search") == 0 ? "missing the search text, e.g. "
                                                                   "samplevec search \"dark moody hip hop\""
                                                                 : "missing the SAMPLE_ID");
    if (optind + 1 < argc)
        return msg_usage(command, "unexpected argument '%s' (quote a multi-word query)", argv[optind + 1]);
    const char *arg = argv[optind];
    int64_t sample_id = 0;
    if (strcmp(command, "similar") == 0) {
        char *end;
        errno = 0;
        long long v = strtoll(arg, &end, 10);
        if (end == arg || *end || errno || v < 0)
            return msg_usage(command, "'%s' is not a sample id (a whole number)", arg);
        sample_id = v;
    } else if (!arg[strspn(arg, " \t\r\n")]) {
        return msg_usage(command, "the search text is empty; describe a sound, e.g. \"dark moody hip hop\"");
    }
    char store_buf[LOCATIONS_LEN];
    locations_resolve_store(store_loc, library_path, store_buf);
    store_loc = store_buf;

    int rc = 0, found = 1;
    query_results res = {0};
    searcher *s = searcher_open(store_loc, use_cache, &rc, err);
    if (!s)
        goto done;
    searcher_set_provider(s, model, base_url);
    if (strcmp(command, "search") == 0)
        rc = searcher_search(s, arg, &q, &res, err);
    else
        rc = searcher_similar(s, sample_id, &q, &res, &found, err);
    if (rc)
        goto done;
    if (!found) {
        char library_shown[LOCATIONS_LEN], store_shown[LOCATIONS_LEN];
        locations_shown(library_path, library_shown);
        locations_shown(store_loc, store_shown);
        explain_missing(sample_id, library_path, library_shown, store_shown);
        rc = SV_EXIT_USAGE;
        goto done;
    }
    if (json) {
        char *text = search_results_json(&res);
        if (!text) {
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
            goto done;
        }
        printf("%s\n", text);
        free(text);
    } else if (res.n == 0) {
        msg_info("no samples match%s", (q.filter.has_bpm || q.filter.has_key || q.filter.genre ||
                                         q.filter.mood || q.filter.has_min_similarity)
                                            ? " these filters"
                                            : "");
    } else {
        print_table(&res);
    }
done:
    if (rc && found)
        msg_error("%s", err);
    query_results_clear(&res);
    searcher_free(s);
    return rc;
}

int cmd_search(int argc, char **argv) { return run("search", argc, argv); }
int cmd_similar(int argc, char **argv) { return run("similar", argc, argv); }
