/* samplevec serve: options → the API (serve/api.h) on the HTTP server (serve/httpd.h) → wait
 * for SIGINT/SIGTERM. Everything it answers is in docs/serve.md. */
#include <arpa/inet.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "cliopt.h"
#include "commands.h"
#include "httpd.h"
#include "locations.h"
#include "msg.h"
#include "store.h"
#include "termtext.h"

static const char serve_help[] =
    "usage: samplevec serve [--port P] [--host ADDR] [OPTIONS]\n"
    "\n"
    "Serves the vibe browser (open http://127.0.0.1:8404/ in a browser) and its JSON API until\n"
    "interrupted:\n"
    "  GET /search?q=TEXT&k=10&bpm=85-95&key=Am&genre=soul&mood=dark&min_similarity=0.2\n"
    "  GET /similar/ID?k=10&...      (same filters; the sample itself is left out)\n"
    "  GET /samples/ID               the library's record of a sample and its source text\n"
    "  GET /audio/ID                 the sample's audio file (Range requests answered)\n"
    "  GET /map                      every embedded sample's place on the vibe map\n"
    "  GET /facets, GET /health      the library's genres/moods/keys; store and last run\n"
    "  POST /v1/embeddings, GET /v1/models   OpenAI-style embeddings with the store's model (or\n"
    "                                --embed-model): point an OpenAI client at http://HOST:PORT/v1\n"
    "/search returns the JSON object `samplevec search --json` prints, /similar its array; errors are\n"
    "{\"error\": \"...\"} with 400 (bad parameter), 404, 405, 413, 503 (store being rebuilt).\n"
    "Details: docs/serve.md. Nothing is written: the store and the library are only read.\n"
    "\n"
    "options:\n"
    "  --allow-origin ORIGIN  send Access-Control-Allow-Origin: ORIGIN so a page from ORIGIN\n"
    "                         (e.g. http://localhost:3000) may call the API (default: none)\n"
    "  --audio-root DIR       where relative samples.file_path values start (default: the\n"
    "                         library's directory)\n"
    "  --base-url URL         OpenAI-compatible server of the store's provider (see search --help)\n"
    "  --embed-model MODEL    what /v1/embeddings embeds with: a .gguf path or a model Ollama has\n"
    "                         pulled (default: the store's provider and model)\n"
    "  --host ADDR            IPv4 address to listen on (default 127.0.0.1, loopback only; any\n"
    "                         other address is warned about: there is no authentication)\n"
    "  --library PATH         sample manager database (default ./sp404_samples.db); locates the\n"
    "                         default store and the audio files\n"
    "  --max-connections N    connections at once, 1..10000 (default 256)\n"
    "  --model PATH           the .gguf file of a store embedded with --provider gguf\n"
    "  --no-cache             keep the vector cache and the map in private memory only\n"
    "  --port P               TCP port (default 8404; 0 = any free port, printed on stderr)\n"
    "  --request-timeout S    seconds one request may take, from its first byte to the end of\n"
    "                         its response, 1..3600 (default 30); a connection past it is closed\n"
    "  --searchers N          searches in progress at once, 1..64 (default 16, or the number of cores\n"
    "                         when more or with --no-cache); their vector scans share one pass\n"
    "  --store PATH|URL|app   vector store (default: $TURSO_DATABASE_URL, else samplevec.db next\n"
    "                         to the library); app = the library's own sample_embeddings\n"
    "                         table (filters read from its samples and vibe_analyses)\n"
    "  --help                 this text\n"
    "\n"
    "exit codes: 0 stopped by SIGINT/SIGTERM, 2 usage error or the port is taken,\n"
    "3 store unreadable, empty or unreachable.\n";

enum {
    OPT_ALLOW_ORIGIN = 256, OPT_AUDIO_ROOT, OPT_BASE_URL, OPT_EMBED_MODEL, OPT_HELP, OPT_HOST, OPT_LIBRARY,
    OPT_MAX_CONNECTIONS, OPT_MODEL, OPT_NO_CACHE, OPT_PORT, OPT_REQUEST_TIMEOUT, OPT_SEARCHERS,
    OPT_STORE,
};

/* Alphasorted. */
static const struct option serve_table[] = {
    {"allow-origin", required_argument, NULL, OPT_ALLOW_ORIGIN},
    {"audio-root", required_argument, NULL, OPT_AUDIO_ROOT},
    {"base-url", required_argument, NULL, OPT_BASE_URL},
    {"embed-model", required_argument, NULL, OPT_EMBED_MODEL},
    {"help", no_argument, NULL, OPT_HELP},
    {"host", required_argument, NULL, OPT_HOST},
    {"library", required_argument, NULL, OPT_LIBRARY},
    {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
    {"model", required_argument, NULL, OPT_MODEL},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"port", required_argument, NULL, OPT_PORT},
    {"request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT},
    {"searchers", required_argument, NULL, OPT_SEARCHERS},
    {"store", required_argument, NULL, OPT_STORE},
    {NULL, 0, NULL, 0},
};

/* 1 for an address in 127.0.0.0/8. */
static int is_loopback(const char *host)
{
    struct in_addr a;
    return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

int cmd_serve(int argc, char **argv)
{
    const char *library_path = LOCATIONS_DEFAULT_LIBRARY, *store_loc = NULL, *host = "127.0.0.1";
    const char *allow_origin = NULL, *model = NULL, *base_url = NULL, *audio_root = NULL, *embed_model = NULL;
    int use_cache = 1, c;
    int64_t port = 8404, timeout = 30, max_conn = 256;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int64_t searchers = 0; /* 0 = not given: picked below */
    cliopt_given given;
    cliopt_given_init(&given, "serve", serve_table);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", serve_table, NULL)) != -1) {
        if (cliopt_take(&given, c, argv))
            return SV_EXIT_USAGE;
        switch (c) {
        case OPT_ALLOW_ORIGIN:
            if (strpbrk(optarg, "\r\n"))
                return msg_usage("serve", "option --allow-origin: '%s' contains a line break", optarg);
            allow_origin = optarg;
            break;
        case OPT_AUDIO_ROOT: audio_root = optarg; break;
        case OPT_BASE_URL: base_url = optarg; break;
        case OPT_EMBED_MODEL: embed_model = optarg; break;
        case OPT_HELP: fputs(serve_help, stdout); return SV_EXIT_OK;
        case OPT_HOST: host = optarg; break;
        case OPT_LIBRARY: library_path = optarg; break;
        case OPT_MAX_CONNECTIONS:
            if (cliopt_int("serve", "max-connections", optarg, 1, 10000, &max_conn))
                return SV_EXIT_USAGE;
            break;
        case OPT_MODEL: model = optarg; break;
        case OPT_NO_CACHE: use_cache = 0; break;
        case OPT_PORT:
            if (cliopt_int("serve", "port", optarg, 0, 65535, &port))
                return SV_EXIT_USAGE;
            break;
        case OPT_REQUEST_TIMEOUT:
            if (cliopt_int("serve", "request-timeout", optarg, 1, 3600, &timeout))
                return SV_EXIT_USAGE;
            break;
        case OPT_SEARCHERS:
            if (cliopt_int("serve", "searchers", optarg, 1, 64, &searchers))
                return SV_EXIT_USAGE;
            break;
        case OPT_STORE: store_loc = optarg; break;
        default: return cliopt_bad_option("serve", serve_table, c, argv);
        }
    }
    if (optind < argc)
        return msg_usage("serve", "unexpected argument '%s'", argv[optind]);
    if (searchers == 0) {
        /* More searches in progress than cores: their vector scans join into one pass
         * (serve/scan_batch.h), which is what makes 16 at once cheap. Not with --no-cache,
         * where each searcher holds its own copy of the vectors in memory. */
        int64_t n = cores > 0 ? (cores > 64 ? 64 : cores) : 2;
        searchers = use_cache && n < 16 ? 16 : n;
    }
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    struct in_addr probe;
    if (inet_pton(AF_INET, host, &probe) != 1)
        return msg_usage("serve", "option --host: '%s' is not an IPv4 address (e.g. 127.0.0.1)", host);
    struct stat st;
    if (audio_root && (stat(audio_root, &st) != 0 || !S_ISDIR(st.st_mode)))
        return msg_usage("serve", "option --audio-root: '%s' is not a directory", audio_root);
    char store_buf[LOCATIONS_LEN], progress[LOCATIONS_LEN], err[SV_ERR_LEN], lib_dir[LOCATIONS_LEN];
    locations_resolve_store(store_loc, library_path, store_buf);
    store_loc = store_buf;
    locations_default_progress(store_loc, progress);
    if (!audio_root) {
        snprintf(lib_dir, sizeof lib_dir, "%s", store_is_postgres(library_path) ? "." : library_path);
        audio_root = store_is_postgres(library_path) ? "." : dirname(lib_dir);
    }

    int rc = 0;
    static const char *const where[] = {"library", "store", NULL};
    char fill[4096];
    cliopt_hint(&given, "embed --all", where, NULL, NULL, fill, sizeof fill);
    if (store_local_path(store_loc) && access(store_local_path(store_loc), F_OK) != 0) {
        /* looked at before opening: a read-only command never creates the store */
        msg_error("no store at %s: run '%s' first", store_local_path(store_loc), fill);
        return SV_EXIT_DATA;
    }
    serve_api_config ac = {
        .store = store_loc, .library = library_path, .progress = progress, .audio_root = audio_root,
        .model = model, .base_url = base_url, .use_cache = use_cache, .searchers = (size_t)searchers,
        .embed_hint = fill, .embed_model = embed_model,
    };
    serve_api *api = serve_api_new(&ac, &rc, err);
    if (!api) {
        msg_error("%s", err);
        return rc;
    }

    /* SIGINT/SIGTERM are taken by sigwait below: blocked here, before any thread starts, so
     * every thread inherits the mask and none is interrupted in the middle of a request. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    size_t n_routes;
    httpd_config hc = {
        .host = host, .port = (int)port, .routes = serve_api_routes(&n_routes), .ctx = api,
        .request_timeout_s = (double)timeout, .max_connections = (unsigned)max_conn,
        .allow_origin = allow_origin, .log_requests = 1,
    };
    hc.n_routes = n_routes;
    httpd *h = httpd_start(&hc, err);
    if (!h) {
        msg_error("%s", err);
        serve_api_free(api);
        return SV_EXIT_USAGE;
    }
    if (!is_loopback(host))
        msg_warn("listening on %s, which is not loopback: anyone who can reach this address can "
                 "search the library and download its audio files; there is no authentication",
                 host);
    long long rows;
    char model_id[256];
    serve_api_describe(api, &rows, model_id, sizeof model_id);
    char count[TERMTEXT_COUNT_LEN], shown[LOCATIONS_LEN];
    locations_shown(store_loc, shown);
    msg_info("serving %s (%s samples, %s) on http://%s:%d/ — open it in a browser; Ctrl-C stops", shown,
             termtext_count(rows, count), model_id, host, httpd_port(h));
    fflush(stderr);
    int sig;
    sigwait(&stop, &sig);
    httpd_stop(h);
    unsigned long long passes, scans;
    serve_api_scan_counts(api, &passes, &scans);
    serve_api_free(api);
    msg_info("stopped (%llu vector scans ran in %llu passes)", scans, passes);
    return SV_EXIT_OK;
}
