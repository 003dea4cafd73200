#include "mapservice.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "httpd.h"
#include "monotime.h"
#include "store.h"
#include "veccache.h"
#include "vibemap.h"

#define MAP_MAGIC "SVMAP01\n"
#define MAP_HEADER 144
#define MAP_CHECK_EVERY_S 2.0

struct map_service {
    char location[1024];
    int cache_file;
    pthread_t thread;
    pthread_mutex_t mu;      /* guards everything below */
    pthread_cond_t wake;
    int stopping;
    map_json *current;
    map_status status;
    char current_token[STORE_FINGERPRINT_LEN + 64]; /* what current was made from */
    /* the running layout's cancellation check (its own thread only) */
    store *st;
    char computing_token[STORE_FINGERPRINT_LEN + 64];
    double last_check;
};

/* ---- the store's token: its fingerprint, or its size and model where it has none ---- */

static int store_token(store *st, char out[STORE_FINGERPRINT_LEN + 64], store_meta *meta, char err[SV_ERR_LEN])
{
    char fp[STORE_FINGERPRINT_LEN];
    int rc;
    if ((rc = store_fingerprint(st, fp, err)) || (rc = store_meta_get(st, meta, err)))
        return rc;
    if (fp[0])
        snprintf(out, STORE_FINGERPRINT_LEN + 64, "%s", fp);
    else
        snprintf(out, STORE_FINGERPRINT_LEN + 64, "rows=%lld;%.40s;%d", (long long)meta->rows, meta->model,
                 meta->dims);
    return 0;
}

/* ---- JSON ---- */

static void json_string(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static map_json *build_json(const veccache *vc, const float *xy)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fputc('[', f);
    for (size_t i = 0; i < vc->n; i++) {
        const veccache_row *r = &vc->rows[i];
        fprintf(f, "%s{\"sample_id\":%lld,\"x\":%.5g,\"y\":%.5g,\"genre\":", i ? "," : "", (long long)r->sample_id,
                (double)xy[2 * i], (double)xy[2 * i + 1]);
        json_string(f, r->genre == VECCACHE_NONE ? NULL : veccache_str(vc, vc->genres[r->genre]));
        fputs(",\"title\":", f);
        json_string(f, veccache_str(vc, r->title));
        fputc('}', f);
    }
    fputc(']', f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    /* Titles are whatever the library held: made valid UTF-8 for the JSON. */
    char *valid = httpd_utf8_valid(buf, len);
    free(buf);
    map_json *m = valid ? calloc(1, sizeof *m) : NULL;
    if (!m) {
        free(valid);
        return NULL;
    }
    m->text = valid;
    m->len = strlen(valid);
    m->points = vc->n;
    m->refs = 1;
    return m;
}

static pthread_mutex_t refs_mu = PTHREAD_MUTEX_INITIALIZER;

void map_json_release(void *arg)
{
    map_json *m = arg;
    if (!m)
        return;
    pthread_mutex_lock(&refs_mu);
    int last = --m->refs == 0;
    pthread_mutex_unlock(&refs_mu);
    if (last) {
        free(m->text);
        free(m);
    }
}

map_json *map_service_take(map_service *ms)
{
    pthread_mutex_lock(&ms->mu);
    map_json *m = ms->current;
    if (m) {
        pthread_mutex_lock(&refs_mu);
        m->refs++;
        pthread_mutex_unlock(&refs_mu);
    }
    pthread_mutex_unlock(&ms->mu);
    return m;
}

void map_service_status(map_service *ms, map_status *out)
{
    pthread_mutex_lock(&ms->mu);
    *out = ms->status;
    pthread_mutex_unlock(&ms->mu);
}

/* ---- the cache file ---- */

static int cache_path(const map_service *ms, char *out, size_t outsz)
{
    if (!ms->cache_file || store_is_remote(ms->location))
        return -1;
    int n = snprintf(out, outsz, "%s.vmap", ms->location);
    return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/* xy from the cache file when it was made from token with the same ids; 0 when loaded. */
static int cache_load(const map_service *ms, const char *token, const veccache *vc, float *xy)
{
    char path[1100], head[MAP_HEADER];
    if (cache_path(ms, path, sizeof path) != 0)
        return -1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    int rc = -1;
    uint64_t n;
    if (fread(head, 1, MAP_HEADER, f) != MAP_HEADER || memcmp(head, MAP_MAGIC, 8) != 0)
        goto done;
    memcpy(&n, head + 8, 8);
    if (n != vc->n || strncmp(head + 16, token, MAP_HEADER - 16) != 0)
        goto done;
    for (size_t i = 0; i < vc->n; i++) {
        unsigned char rec[16];
        int64_t id;
        if (fread(rec, 1, sizeof rec, f) != sizeof rec)
            goto done;
        memcpy(&id, rec, 8);
        memcpy(&xy[2 * i], rec + 8, 8);
        if (id != vc->rows[i].sample_id)
            goto done;
    }
    rc = 0;
done:
    fclose(f);
    return rc;
}

/* Writes the cache file atomically (temp file, rename); a failure only costs the next start a
 * layout, so it is not reported. */
static void cache_save(const map_service *ms, const char *token, const veccache *vc, const float *xy)
{
    char path[1100], tmp[1200], head[MAP_HEADER];
    if (cache_path(ms, path, sizeof path) != 0)
        return;
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return;
    memset(head, 0, sizeof head);
    memcpy(head, MAP_MAGIC, 8);
    uint64_t n = vc->n;
    memcpy(head + 8, &n, 8);
    memcpy(head + 16, token, strnlen(token, MAP_HEADER - 17)); /* NUL-padded by the memset */
    int ok = fwrite(head, 1, MAP_HEADER, f) == MAP_HEADER;
    for (size_t i = 0; ok && i < vc->n; i++) {
        unsigned char rec[16];
        memcpy(rec, &vc->rows[i].sample_id, 8);
        memcpy(rec + 8, &xy[2 * i], 8);
        ok = fwrite(rec, 1, sizeof rec, f) == sizeof rec;
    }
    ok = (fflush(f) == 0) & ok;
    ok = (fsync(fileno(f)) == 0) & ok;
    ok = (fclose(f) == 0) & ok;
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
}

/* ---- the thread ---- */

/* Progress of a layout; cancels it when the server stops or the store moves (checked every
 * MAP_CHECK_EVERY_S, not at each call: a remote store's check is a round trip). */
static int on_progress(double done, void *ctx)
{
    map_service *ms = ctx;
    pthread_mutex_lock(&ms->mu);
    ms->status.progress = done;
    int stop = ms->stopping;
    pthread_mutex_unlock(&ms->mu);
    if (stop)
        return 1;
    double now = monotime_now();
    if (now - ms->last_check >= MAP_CHECK_EVERY_S) {
        ms->last_check = now;
        char token[STORE_FINGERPRINT_LEN + 64], err[SV_ERR_LEN];
        store_meta meta;
        if (store_token(ms->st, token, &meta, err) == 0 && strcmp(token, ms->computing_token) != 0)
            return 1;
    }
    return 0;
}

static void set_failed(map_service *ms, const char *why)
{
    pthread_mutex_lock(&ms->mu);
    ms->status.state = ms->current ? "ready" : "failed";
    snprintf(ms->status.error, sizeof ms->status.error, "%s", why);
    pthread_mutex_unlock(&ms->mu);
}

/* One pass: lays out the store unless the current map is of token already. */
static void refresh(map_service *ms)
{
    char token[STORE_FINGERPRINT_LEN + 64], err[SV_ERR_LEN];
    store_meta meta;
    if (store_token(ms->st, token, &meta, err) != 0) {
        set_failed(ms, err);
        return;
    }
    pthread_mutex_lock(&ms->mu);
    int same = ms->current && strcmp(token, ms->current_token) == 0;
    pthread_mutex_unlock(&ms->mu);
    if (same)
        return;
    if (meta.rows <= 0 || meta.dims <= 0) {
        set_failed(ms, "the store holds no embeddings yet: run 'samplevec embed --all'");
        return;
    }
    int rc;
    veccache *vc = veccache_for_store(ms->st, &meta, ms->cache_file, NULL, &rc, err);
    if (!vc) {
        set_failed(ms, err);
        return;
    }
    pthread_mutex_lock(&ms->mu);
    ms->status.state = ms->current ? "ready" : "computing";
    ms->status.stale = ms->current != NULL;
    ms->status.progress = 0;
    ms->status.points = vc->n;
    ms->status.error[0] = '\0';
    pthread_mutex_unlock(&ms->mu);
    float *xy = malloc(2 * (vc->n ? vc->n : 1) * sizeof *xy);
    double t0 = monotime_now();
    if (!xy) {
        set_failed(ms, "out of memory for the map");
        veccache_free(vc);
        return;
    }
    snprintf(ms->computing_token, sizeof ms->computing_token, "%s", token);
    ms->last_check = t0;
    int loaded = cache_load(ms, token, vc, xy) == 0;
    if (!loaded) {
        vibemap_params p;
        vibemap_params_init(&p);
        rc = vibemap_layout(vc->vectors, vc->n, vc->dims, &p, xy, on_progress, ms, err);
        if (rc == SV_EXIT_INTERRUPTED) { /* stopping, or the store moved: the next pass starts over */
            free(xy);
            veccache_free(vc);
            return;
        }
        if (rc) {
            set_failed(ms, err);
            free(xy);
            veccache_free(vc);
            return;
        }
        cache_save(ms, token, vc, xy);
    }
    map_json *m = build_json(vc, xy);
    double took = monotime_now() - t0;
    free(xy);
    veccache_free(vc);
    if (!m) {
        set_failed(ms, "out of memory for the map");
        return;
    }
    pthread_mutex_lock(&ms->mu);
    map_json *old = ms->current;
    ms->current = m;
    snprintf(ms->current_token, sizeof ms->current_token, "%s", token);
    ms->status.state = "ready";
    ms->status.stale = 0;
    ms->status.progress = 1;
    ms->status.points = m->points;
    ms->status.version++;
    if (!loaded)
        ms->status.seconds = took;
    pthread_mutex_unlock(&ms->mu);
    map_json_release(old);
    if (!loaded)
        msg_info("vibe map of %zu samples laid out in %.1f s", m->points, took);
}

static void *map_main(void *arg)
{
    map_service *ms = arg;
    /* Below the searches: a layout is background work (Linux: nice is per thread). */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
    pthread_mutex_lock(&ms->mu);
    while (!ms->stopping) {
        pthread_mutex_unlock(&ms->mu);
        refresh(ms);
        pthread_mutex_lock(&ms->mu);
        if (ms->stopping)
            break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t)MAP_CHECK_EVERY_S;
        pthread_cond_timedwait(&ms->wake, &ms->mu, &until);
    }
    pthread_mutex_unlock(&ms->mu);
    return NULL;
}

map_service *map_service_start(const char *location, int cache_file, char err[SV_ERR_LEN])
{
    map_service *ms = calloc(1, sizeof *ms);
    if (!ms) {
        sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    snprintf(ms->location, sizeof ms->location, "%s", location);
    ms->cache_file = cache_file;
    pthread_mutex_init(&ms->mu, NULL);
    pthread_cond_init(&ms->wake, NULL);
    ms->status.state = "computing";
    int rc;
    if (!(ms->st = store_open(location, 1, &rc, err)))
        goto fail;
    if (pthread_create(&ms->thread, NULL, map_main, ms) != 0) {
        sv_fail(err, SV_EXIT_DATA, "cannot start the map thread");
        goto fail;
    }
    return ms;
fail:
    store_close(ms->st);
    pthread_cond_destroy(&ms->wake);
    pthread_mutex_destroy(&ms->mu);
    free(ms);
    return NULL;
}

void map_service_stop(map_service *ms)
{
    if (!ms)
        return;
    pthread_mutex_lock(&ms->mu);
    ms->stopping = 1;
    pthread_cond_signal(&ms->wake);
    pthread_mutex_unlock(&ms->mu);
    pthread_join(ms->thread, NULL);
    map_json_release(ms->current);
    store_close(ms->st);
    pthread_cond_destroy(&ms->wake);
    pthread_mutex_destroy(&ms->mu);
    free(ms);
}
