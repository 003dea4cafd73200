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
#include "musical_key.h"
#include "searcher.h"

static const char search_help[] =
    "usage: samplevec search \"TEXT\" [OPTIONS]\n"
    "       samplevec similar SAMPLE_ID [OPTIONS]\n"
    "\n"
    "search reads TEXT like a producer: \"90 bpm\", \"85-95 bpm\", \"around 90 bpm\" become a BPM\n"
    "filter, \"in A minor\", \"Am\", \"F#m\", \"8A\" a key filter (--bpm/--key win), and genres\n"
    "and moods of the library boost their samples. It ranks the rest of TEXT: by default\n"
    "(--mode hybrid) the keyword ranking\n"
    "(BM25 over the source texts) and the vector ranking (cosine similarity to TEXT embedded\n"
    "with the store's own provider and model) fused into one. similar ranks them by vector\n"
    "similarity to sample SAMPLE_ID (left out). Filters apply before ranking in every mode;\n"
    "ties go by sample id. A line above the table shows how the query was read.\n"
    "\n"
    "options:\n"
    "  -k N                   number of results, 1..100000 (default 10)\n"
    "  --bpm MIN-MAX          BPM range, inclusive (also MIN-, -MAX, or one BPM)\n"
    "  --fusion rrf|convex    how hybrid fuses its two rankings (default rrf; docs/search.md)\n"
    "  --bpm-tolerance N      search: +/- BPM around one BPM read from the text (default 4)\n"
    "  --genre NAME           genre, case-insensitive\n"
    "  --halftime             a BPM condition also passes half and double tempo\n"
    "  --harmonic             a key condition also passes its Camelot neighbours (same number\n"
    "                         +/-1, and the relative major/minor), as DJ tools mix\n"
    "  --json                 JSON on stdout. search: {query, mode, fusion, understood, note,\n"
    "                         results}; similar: the results array alone. Each result: sample_id,\n"
    "                         title, score, similarity, distance (1 - similarity), genre, bpm,\n"
    "                         musical_key, mood_primary\n"
    "  --key KEY              musical key in any spelling: Am = A minor = A min = 8A,\n"
    "                         C#m = Dbm (enharmonics match)\n"
    "  --literal              search: TEXT is only words; read no BPM, key, genre or mood from it\n"
    "  --library PATH         sample manager database (default ./sp404_samples.db): locates the\n"
    "                         default store, and tells an unembedded sample from an unknown one\n"
    "  --base-url URL         OpenAI-compatible server of the store's provider, when not the\n"
    "                         default ($OPENAI_BASE_URL or the provider's own)\n"
    "  --min-similarity X     drop results whose cosine similarity is below X (-1..1)\n"
    "  --mode MODE            search: hybrid (default), vector (cosine only) or keyword (BM25\n"
    "                         only: samples containing a query word)\n"
    "  --model PATH           where the store's model is, for `search` on a store embedded with\n"
    "                         --provider gguf (default $SAMPLEVEC_MODEL); must be the same model\n"
    "  --mood NAME            primary or secondary mood, case-insensitive\n"
    "  --no-cache             do not keep STORE.vcache (the flat copy of the vectors that makes\n"
    "                         cold searches fast); scan a private copy instead\n"
    "  --query-prefix TEXT    put TEXT before the search text instead of the prefix the store\n"
    "                         recorded with its documents (e.g. \"search_query: \"); '' for none\n"
    "  --store PATH|URL       vector store (default: $TURSO_DATABASE_URL, else samplevec.db next\n"
    "                         to the library)\n"
    "  --help                 this text\n"
    "\n"
    "exit codes: 0 done (also when nothing matches), 2 usage error or unknown sample,\n"
    "3 store unreadable, empty or unreachable.\n";

enum {
    OPT_BASE_URL = 256, OPT_BPM, OPT_GENRE, OPT_HELP, OPT_JSON, OPT_KEY, OPT_LIBRARY, OPT_MIN_SIMILARITY,
    OPT_MODEL, OPT_MOOD, OPT_NO_CACHE, OPT_QUERY_PREFIX, OPT_STORE, OPT_MODE, OPT_FUSION, OPT_LITERAL,
    OPT_HALFTIME, OPT_HARMONIC, OPT_BPM_TOLERANCE,
};

/* Alphasorted. */
static const struct option search_table[] = {
    {"base-url", required_argument, NULL, OPT_BASE_URL},
    {"bpm", required_argument, NULL, OPT_BPM},
    {"bpm-tolerance", required_argument, NULL, OPT_BPM_TOLERANCE},
    {"fusion", required_argument, NULL, OPT_FUSION},
    {"genre", required_argument, NULL, OPT_GENRE},
    {"halftime", no_argument, NULL, OPT_HALFTIME},
    {"harmonic", no_argument, NULL, OPT_HARMONIC},
    {"help", no_argument, NULL, OPT_HELP},
    {"json", no_argument, NULL, OPT_JSON},
    {"key", required_argument, NULL, OPT_KEY},
    {"library", required_argument, NULL, OPT_LIBRARY},
    {"literal", no_argument, NULL, OPT_LITERAL},
    {"min-similarity", required_argument, NULL, OPT_MIN_SIMILARITY},
    {"mode", required_argument, NULL, OPT_MODE},
    {"model", required_argument, NULL, OPT_MODEL},
    {"mood", required_argument, NULL, OPT_MOOD},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"query-prefix", required_argument, NULL, OPT_QUERY_PREFIX},
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

/* with_score: a score column before similarity (hybrid and keyword rank by something else). */
static void print_table(const query_results *r, int with_score)
{
    printf("%4s  ", "rank");
    if (with_score)
        printf("%8s  ", "score");
    printf("%10s  %8s  %-36s  %-14s  %6s  %-9s  %s\n", "similarity", "id", "title", "genre", "bpm", "key",
           "mood");
    for (size_t i = 0; i < r->n; i++) {
        const query_hit *h = &r->hits[i];
        printf("%4zu  ", i + 1);
        if (with_score)
            printf("%8.4f  ", h->score);
        printf("%10.4f  %8lld  ", h->similarity, (long long)h->sample_id);
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

static void print_range(double lo, double hi)
{
    if (hi >= 1e9)
        printf("%g+", lo);
    else if (lo == hi)
        printf("%g", lo);
    else
        printf("%g-%g", lo, hi);
}

/* One line saying how the query was read and what ran, so nothing about it is silent:
 *   query: dusty jazz chords | BPM 86-94 ("around 90 bpm") | key A minor ("in A minor") | genre
 *   jazz | hybrid, rrf fusion */
static void print_understood(const searcher_answer *a)
{
    const searcher_understood *u = &a->understood;
    const query_filter *f = &u->filter;
    fputs("query: ", stdout);
    print_cell_pad(u->words && u->words[0] ? u->words : "(no words)", 80, 0);
    if (u->literal)
        fputs(" | literal", stdout);
    if (f->has_bpm) {
        fputs(" | BPM ", stdout);
        print_range(f->bpm_min, f->bpm_max);
        if (f->bpm_halftime)
            fputs(" or half/double", stdout);
        fputs(" (", stdout);
        print_cell_pad(u->bpm_from_parameter ? "--bpm" : u->parsed.bpm_from, 40, 0);
        fputs(")", stdout);
    }
    if (f->has_key) {
        printf(" | key %s", musical_key_name(f->key));
        for (int c = 0; c < MUSICAL_KEY_COUNT; c++)
            if (c != f->key && query_filter_key_code_matches(f, c))
                printf(", %s", musical_key_name(c));
        fputs(" (", stdout);
        print_cell_pad(u->key_from_parameter ? "--key" : u->parsed.key_from, 40, 0);
        fputs(")", stdout);
    }
    for (int i = 0; i < u->parsed.n_genres; i++) {
        fputs(i ? ", " : " | genre ", stdout);
        print_cell_pad(u->parsed.genres[i], 30, 0);
    }
    for (int i = 0; i < u->parsed.n_moods; i++) {
        fputs(i ? ", " : " | mood ", stdout);
        print_cell_pad(u->parsed.moods[i], 30, 0);
    }
    printf(" | %s", hybrid_mode_name(a->mode));
    if (a->mode == HYBRID_MODE_HYBRID)
        printf(", %s fusion", hybrid_fusion_name(a->fusion));
    fputc('\n', stdout);
}

/* Why a sample has no vector: in the library but not embedded, or unknown altogether. */
static void explain_missing(int64_t id, const char *library_path, const char *store_loc)
{
    char err[SV_ERR_LEN], spec_text[32];
    int in_library = -1; /* unknown */
    if (access(library_path, R_OK) == 0) {
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
                  (long long)id, store_loc, (long long)id, library_path);
    else if (in_library == 0)
        msg_error("no sample %lld in the library %s or the store %s: check the id", (long long)id,
                  library_path, store_loc);
    else
        msg_error("sample %lld has no embedding in %s: check the id, or embed it with "
                  "'samplevec embed --sample-ids %lld'",
                  (long long)id, store_loc, (long long)id);
}

static int run(const char *command, int argc, char **argv)
{
    const char *library_path = LOCATIONS_DEFAULT_LIBRARY, *store_loc = NULL, *model = NULL, *base_url = NULL;
    const char *query_prefix = NULL;
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
        case OPT_MODE: param = "mode"; break;
        case OPT_FUSION: param = "fusion"; break;
        case OPT_BPM_TOLERANCE: param = "bpm-tolerance"; break;
        case OPT_LITERAL: param = "literal"; optarg = "1"; break;
        case OPT_HALFTIME: param = "halftime"; optarg = "1"; break;
        case OPT_HARMONIC: param = "harmonic"; optarg = "1"; break;
        case OPT_NO_CACHE: use_cache = 0; break;
        case OPT_QUERY_PREFIX: query_prefix = optarg; break;
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
        if (end == arg || *end || errno)
            return msg_usage(command, "'%s' is not a sample id (a whole number; a negative one "
                                      "after --, e.g. similar -- -5)",
                             arg);
        sample_id = v;
    } else if (!arg[strspn(arg, " \t\r\n")]) {
        return msg_usage(command, "the search text is empty; describe a sound, e.g. \"dark moody hip hop\"");
    }
    char store_buf[LOCATIONS_LEN];
    if (!store_loc) {
        locations_default_store(library_path, store_buf);
        store_loc = store_buf;
    }

    int rc = 0, found = 1, is_search = strcmp(command, "search") == 0;
    searcher_answer answer = {0};
    query_results *res = &answer.results;
    searcher *s = searcher_open(store_loc, use_cache, &rc, err);
    if (!s)
        goto done;
    searcher_set_provider(s, model, base_url);
    searcher_set_library(s, library_path); /* leaves out vectors of samples the library lost */
    searcher_set_query_prefix(s, query_prefix);
    if (is_search)
        rc = searcher_search(s, arg, &q, &answer, err);
    else
        rc = searcher_similar(s, sample_id, &q, res, &found, err);
    if (rc)
        goto done;
    if (!found) {
        explain_missing(sample_id, library_path, store_loc);
        rc = SV_EXIT_USAGE;
        goto done;
    }
    if (is_search && answer.note[0] && !json)
        msg_info("%s", answer.note);
    if (json) {
        char *text = is_search ? searcher_answer_json(arg, &answer) : search_results_json(res);
        if (!text) {
            rc = sv_fail(err, SV_EXIT_DATA, "out of memory");
            goto done;
        }
        printf("%s\n", text);
        free(text);
    } else if (res->n == 0) {
        const query_filter *f = is_search ? &answer.understood.filter : &q.filter;
        if (is_search)
            print_understood(&answer);
        msg_info("no samples match%s",
                 (f->has_bpm || f->has_key || f->genre || f->mood || f->has_min_similarity) ? " these filters" : "");
    } else {
        if (is_search)
            print_understood(&answer);
        print_table(res, is_search && answer.mode != HYBRID_MODE_VECTOR);
    }
done:
    if (rc && found)
        msg_error("%s", err);
    searcher_answer_clear(&answer);
    searcher_free(s);
    return rc;
}

int cmd_search(int argc, char **argv) { return run("search", argc, argv); }
int cmd_similar(int argc, char **argv) { return run("similar", argc, argv); }
