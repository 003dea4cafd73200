/* samplevec search "TEXT" / samplevec similar SAMPLE_ID: options → searcher query → results
 * as a table or JSON on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cliopt.h"
#include "commands.h"
#include "idspec.h"
#include "library.h"
#include "locations.h"
#include "msg.h"
#include "musical_key.h"
#include "numparse.h"
#include "searcher.h"
#include "store.h"
#include "termtext.h"

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
    "The table fits $COLUMNS (else the terminal's width; piped without $COLUMNS, every column\n"
    "at full width).\n"
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
    "  --store PATH|URL|app   vector store (default: $TURSO_DATABASE_URL, else samplevec.db next\n"
    "                         to the library); app = the library's own sample_embeddings\n"
    "                         table (filters read from its samples and vibe_analyses)\n"
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

/* The result table's columns, fitted to the terminal: with no width (a pipe without $COLUMNS)
 * every column at full width, as always; narrower, the title shrinks first, then mood and genre,
 * then whole columns go (mood, genre, key, bpm), then rank/similarity/id get compact headers. */
typedef struct table_layout {
    int rank, score, similarity, id, title, genre, bpm, key, mood; /* columns; 0 = left out */
    int compact;            /* "#" and "sim" headers, similarity with 3 decimals */
} table_layout;

static int layout_width(const table_layout *t)
{
    int cols[] = {t->rank, t->score, t->similarity, t->id, t->title, t->genre, t->bpm, t->key, t->mood};
    int total = 0, shown = 0;
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (cols[i]) {
            total += cols[i];
            shown++;
        }
    return total + 2 * (shown - 1);
}

static table_layout table_fit(const query_results *r, int width, int with_score)
{
    table_layout t = {4, with_score ? 8 : 0, 10, 8, 36, 14, 6, 9, 20, 0};
    if (width <= 0)
        return t;
    int id_digits = 2;
    for (size_t i = 0; i < r->n; i++) {
        char buf[24];
        int d = snprintf(buf, sizeof buf, "%lld", (long long)r->hits[i].sample_id);
        id_digits = d > id_digits ? d : id_digits;
    }
    int *const steps_target[] = {&t.title, &t.mood, &t.genre, &t.title, &t.mood, &t.genre, &t.key, &t.bpm};
    const int steps_value[] = {24, 10, 10, 20, 0, 0, 0, 0};
    for (size_t i = 0; i < sizeof steps_value / sizeof steps_value[0] && layout_width(&t) > width; i++)
        *steps_target[i] = steps_value[i];
    if (layout_width(&t) > width) {
        t.compact = 1;
        t.rank = r->n >= 100 ? 3 : 2;
        t.similarity = 5;
        if (t.score)
            t.score = 6;
        t.id = id_digits;
    }
    /* what is left goes to the title (up to its full 36), at least 8 */
    int spare = width - layout_width(&t);
    t.title += spare;
    if (t.title > 36)
        t.title = 36;
    if (t.title < 8)
        t.title = 8;
    return t;
}

/* s in at most width columns (cut with "…") into out. */
static void cell_to(FILE *out, const char *s, int width, int pad)
{
    char cell[1024];
    termtext_fit(s ? s : "-", width, TERMTEXT_CUT_END, pad, cell, sizeof cell);
    fputs(cell, out);
}

/* Prints s in `width` columns (cut with "…"), padded unless it is the last column. */
static void print_cell_pad(const char *s, int width, int pad) { cell_to(stdout, s, width, pad); }

/* A column after the first: two spaces, then the cell. */
static void print_col(const char *s, int width, int pad)
{
    fputs("  ", stdout);
    print_cell_pad(s, width, pad);
}

/* with_score: a score column before similarity (hybrid and keyword rank by something else). */
static void print_table(const query_results *r, int with_score)
{
    table_layout t = table_fit(r, termtext_columns(STDOUT_FILENO), with_score);
    /* each column after the first starts with two spaces; the last one is not padded */
    int last = t.mood ? 7 : t.key ? 6 : t.bpm ? 5 : t.genre ? 4 : 3;
    printf("%*s  ", t.rank, t.compact ? "#" : "rank");
    if (t.score)
        printf("%*s  ", t.score, "score");
    printf("%*s  %*s  ", t.similarity, t.compact ? "sim" : "similarity", t.id, "id");
    print_cell_pad("title", t.title, last > 3);
    if (t.genre)
        print_col("genre", t.genre, last > 4);
    if (t.bpm)
        printf("  %*s", t.bpm, "bpm");
    if (t.key)
        print_col("key", t.key, last > 6);
    if (t.mood)
        print_col("mood", t.mood, 0);
    fputc('\n', stdout);
    for (size_t i = 0; i < r->n; i++) {
        const query_hit *h = &r->hits[i];
        printf("%*zu  ", t.rank, i + 1);
        if (t.score)
            printf("%*.*f  ", t.score, t.compact ? 3 : 4, h->score);
        printf("%*.*f  %*lld  ", t.similarity, t.compact ? 3 : 4, h->similarity, t.id, (long long)h->sample_id);
        print_cell_pad(h->title, t.title, last > 3);
        if (t.genre)
            print_col(h->genre, t.genre, last > 4);
        if (t.bpm) {
            if (h->has_bpm)
                printf("  %*.1f", t.bpm, h->bpm);
            else
                printf("  %*s", t.bpm, "-");
        }
        if (t.key)
            print_col(h->musical_key, t.key, last > 6);
        if (t.mood)
            print_col(h->mood_primary, t.mood, 0);
        fputc('\n', stdout);
    }
}

static void print_range(FILE *out, double lo, double hi)
{
    if (hi >= 1e9)
        fprintf(out, "%g+", lo);
    else if (lo == hi)
        fprintf(out, "%g", lo);
    else
        fprintf(out, "%g-%g", lo, hi);
}

/* One line saying how the query was read and what ran, so nothing about it is silent:
 *   query: dusty jazz chords | BPM 86-94 ("around 90 bpm") | key A minor ("in A minor") | genre
 *   jazz | hybrid, rrf fusion */
static void write_understood(FILE *out, const searcher_answer *a)
{
    const searcher_understood *u = &a->understood;
    const query_filter *f = &u->filter;
    fputs("query: ", out);
    cell_to(out, u->words && u->words[0] ? u->words : "(no words)", 80, 0);
    if (u->literal)
        fputs(" | literal", out);
    if (f->has_bpm) {
        fputs(" | BPM ", out);
        print_range(out, f->bpm_min, f->bpm_max);
        if (f->bpm_halftime)
            fputs(" or half/double", out);
        fputs(" (", out);
        cell_to(out, u->bpm_from_parameter ? "--bpm" : u->parsed.bpm_from, 40, 0);
        fputs(")", out);
    }
    if (f->has_key) {
        fprintf(out, " | key %s", musical_key_name(f->key));
        for (int c = 0; c < MUSICAL_KEY_COUNT; c++)
            if (c != f->key && query_filter_key_code_matches(f, c))
                fprintf(out, ", %s", musical_key_name(c));
        fputs(" (", out);
        cell_to(out, u->key_from_parameter ? "--key" : u->parsed.key_from, 40, 0);
        fputs(")", out);
    }
    for (int i = 0; i < u->parsed.n_genres; i++) {
        fputs(i ? ", " : " | genre ", out);
        cell_to(out, u->parsed.genres[i], 30, 0);
    }
    for (int i = 0; i < u->parsed.n_moods; i++) {
        fputs(i ? ", " : " | mood ", out);
        cell_to(out, u->parsed.moods[i], 30, 0);
    }
    fprintf(out, " | %s", hybrid_mode_name(a->mode));
    if (a->mode == HYBRID_MODE_HYBRID)
        fprintf(out, ", %s fusion", hybrid_fusion_name(a->fusion));
    
}

/* The understood line, cut to the terminal's width (whole without one). */
static void print_understood(const searcher_answer *a)
{
    char *line = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&line, &len);
    if (!mem)
        return;
    write_understood(mem, a);
    fclose(mem);
    int cols = termtext_columns(STDOUT_FILENO);
    if (cols > 0) {
        char cut[2048];
        termtext_fit(line, cols, TERMTEXT_CUT_END, 0, cut, sizeof cut);
        puts(cut);
    } else {
        puts(line);
    }
    free(line);
}


/* Why a sample has no vector: in the library but not embedded, or unknown altogether. The
 * suggested command keeps the user's --library and --store. */
static void explain_missing(int64_t id, const char *library_path, const char *store_loc, const cliopt_given *g)
{
    char err[SV_ERR_LEN], spec_text[32], hint[4096], words[64];
    static const char *const keep[] = {"library", "store", NULL};
    snprintf(words, sizeof words, "embed --sample-ids %lld", (long long)id);
    cliopt_hint(g, words, keep, NULL, NULL, hint, sizeof hint);
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
    char shown[LOCATIONS_LEN], library_shown[LOCATIONS_LEN];
    locations_shown(store_loc, shown);
    locations_shown(library_path, library_shown);
    if (in_library == 1)
        msg_error("sample %lld is in the library but has no embedding in %s yet: run '%s'", (long long)id, shown,
                  hint);
    else if (in_library == 0)
        msg_error("no sample %lld in the library %s or the store %s: check the id", (long long)id,
                  library_shown, shown);
    else
        msg_error("sample %lld has no embedding in %s: check the id, or embed it with '%s'", (long long)id, shown,
                  hint);
}

static int run(const char *command, int argc, char **argv)
{
    const char *library_path = LOCATIONS_DEFAULT_LIBRARY, *store_loc = NULL, *model = NULL, *base_url = NULL;
    const char *query_prefix = NULL;
    int json = 0, use_cache = 1, c;
    char err[SV_ERR_LEN];
    searcher_query q;
    searcher_query_init(&q);
    cliopt_given given;
    cliopt_given_init(&given, command, search_table);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":k:", search_table, NULL)) != -1) {
        const char *param = NULL;
        if (cliopt_take(&given, c, argv))
            return SV_EXIT_USAGE;
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
        default: return cliopt_bad_option(command, search_table, c, argv);
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
        if (numparse_int64(arg, &sample_id) != 0)
            return msg_usage(command, "'%s' is not a sample id (a whole number; a negative one "
                                      "after --, e.g. similar -- -5)",
                             arg);
    } else if (!arg[strspn(arg, " \t\r\n")]) {
        return msg_usage(command, "the search text is empty; describe a sound, e.g. \"dark moody hip hop\"");
    }
    char store_buf[LOCATIONS_LEN];
    locations_resolve_store(store_loc, library_path, store_buf);
    store_loc = store_buf;

    int rc = 0, found = 1, is_search = strcmp(command, "search") == 0;
    searcher_answer answer = {0};
    query_results *res = &answer.results;
    searcher *s = NULL;
    static const char *const where[] = {"library", "store", NULL};
    char fill[4096];
    cliopt_hint(&given, "embed --all", where, NULL, NULL, fill, sizeof fill);
    if (store_local_path(store_loc) && access(store_local_path(store_loc), F_OK) != 0) {
        /* looked at before opening: a read-only command never creates the store */
        rc = sv_fail(err, SV_EXIT_DATA, "no store at %s: run '%s' first", store_local_path(store_loc), fill);
        goto done;
    }
    if (!(s = searcher_open_hinted(store_loc, use_cache, fill, &rc, err)))
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
        explain_missing(sample_id, library_path, store_loc, &given);
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
