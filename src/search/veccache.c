#include "veccache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "hash.h"
#include "musical_key.h"

#include <xxhash.h>

#define VC_MAGIC "SVVCACH1"
#define VC_VERSION 3u /* 3: the body checksum */
#define VC_HEADER_LEN 4096u
#define VC_MAX_DIMS 65536
/* The row section holds int64 and double fields: it starts on a 64-byte boundary whatever
 * n × dims × 4 is (odd dims × odd n would otherwise leave it 4-byte aligned). */
#define VC_ALIGN(x) (((x) + 63u) & ~(uint64_t)63u)

typedef struct vc_header {
    char magic[8];
    uint32_t version, dims;
    uint32_t row_size, n_genres, n_moods, pad;
    uint64_t n, vectors_off, rows_off, genres_off, moods_off, strings_off, strings_len, file_len;
    uint64_t checksum;     /* XXH3-64 of every byte after the header page */
    char fingerprint[STORE_FINGERPRINT_LEN];
    char provider[32];
    char model[PROVIDER_MODEL_LEN];
} vc_header;

_Static_assert(sizeof(vc_header) <= VC_HEADER_LEN, "header fits its page");

const char *veccache_str(const veccache *vc, uint32_t off)
{
    if (off == VECCACHE_NONE || off >= vc->strings_len)
        return NULL;
    return vc->strings + off;
}

int64_t veccache_find(const veccache *vc, int64_t sample_id)
{
    size_t lo = 0, hi = vc->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vc->rows[mid].sample_id < sample_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < vc->n && vc->rows[lo].sample_id == sample_id) ? (int64_t)lo : -1;
}

/* ---- building ---- */

/* Open-addressing set of strings already in the blob: string → value (offset or dict index). */
typedef struct intern {
    uint32_t *keys;   /* blob offset + 1; 0 = empty slot */
    uint32_t *values;
    size_t cap, used;
} intern;

struct veccache_builder {
    char *path;      /* final path, NULL = unnamed temporary */
    char *tmp_path;  /* where it is written before the rename */
    FILE *f;
    int dims;
    int64_t last_id;
    veccache_row *rows;
    size_t n, rows_cap;
    char *blob;      /* strings */
    size_t blob_len, blob_cap;
    uint32_t *genres, *moods;
    size_t n_genres, genres_cap, n_moods, moods_cap;
    intern genre_set, mood_set, key_set;
    float *zeros;          /* dims zeros, stored instead of a non-finite vector */
    size_t non_finite;     /* rows stored as zeros */
    XXH3_state_t *xx;      /* the body checksum, fed as the body is written */
};

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / elem)
            return -1;
        nc *= 2;
    }
    void *q = realloc(*p, nc * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = nc;
    return 0;
}

/* Appends s (with its NUL) to the blob; VECCACHE_NONE on overflow. */
static uint32_t blob_add(veccache_builder *b, const char *s)
{
    size_t len = strlen(s) + 1;
    if (b->blob_len + len >= VECCACHE_NONE)
        return VECCACHE_NONE;
    if (grow((void **)&b->blob, &b->blob_cap, b->blob_len + len, 1) != 0)
        return VECCACHE_NONE;
    memcpy(b->blob + b->blob_len, s, len);
    uint32_t off = (uint32_t)b->blob_len;
    b->blob_len += len;
    return off;
}

/* Finds s in set, or adds it via make(b, off) → value. Returns the value, VECCACHE_NONE on
 * failure. */
static uint32_t intern_get(veccache_builder *b, intern *set, const char *s,
                           uint32_t (*make)(veccache_builder *, uint32_t))
{
    if (set->used * 2 >= set->cap) {
        size_t nc = set->cap ? set->cap * 2 : 64;
        uint32_t *nk = calloc(nc, sizeof *nk), *nv = calloc(nc, sizeof *nv);
        if (!nk || !nv) {
            free(nk);
            free(nv);
            return VECCACHE_NONE;
        }
        for (size_t i = 0; i < set->cap; i++) {
            if (!set->keys[i])
                continue;
            const char *k = b->blob + set->keys[i] - 1;
            size_t j = hash_fnv1a64(k, strlen(k)) & (nc - 1);
            while (nk[j])
                j = (j + 1) & (nc - 1);
            nk[j] = set->keys[i];
            nv[j] = set->values[i];
        }
        free(set->keys);
        free(set->values);
        set->keys = nk, set->values = nv, set->cap = nc;
    }
    size_t j = hash_fnv1a64(s, strlen(s)) & (set->cap - 1);
    while (set->keys[j]) {
        if (strcmp(b->blob + set->keys[j] - 1, s) == 0)
            return set->values[j];
        j = (j + 1) & (set->cap - 1);
    }
    uint32_t off = blob_add(b, s);
    if (off == VECCACHE_NONE)
        return VECCACHE_NONE;
    uint32_t v = make(b, off);
    if (v == VECCACHE_NONE)
        return VECCACHE_NONE;
    set->keys[j] = off + 1;
    set->values[j] = v;
    set->used++;
    return v;
}

static uint32_t make_offset(veccache_builder *b, uint32_t off) { (void)b; return off; }
static uint32_t make_genre(veccache_builder *b, uint32_t off)
{
    if (grow((void **)&b->genres, &b->genres_cap, b->n_genres + 1, sizeof *b->genres) != 0)
        return VECCACHE_NONE;
    b->genres[b->n_genres] = off;
    return (uint32_t)b->n_genres++;
}
static uint32_t make_mood(veccache_builder *b, uint32_t off)
{
    if (grow((void **)&b->moods, &b->moods_cap, b->n_moods + 1, sizeof *b->moods) != 0)
        return VECCACHE_NONE;
    b->moods[b->n_moods] = off;
    return (uint32_t)b->n_moods++;
}

/* Removes "<path>.tmp.<pid>" files whose writer is gone (killed mid-build): each can be as
 * large as the store's vectors. */
static void remove_orphans(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (slash && slash == path)
        snprintf(dir, sizeof dir, "/");
    DIR *d = opendir(dir);
    if (!d)
        return;
    size_t blen = strlen(base);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, base, blen) != 0 || strncmp(e->d_name + blen, ".tmp.", 5) != 0)
            continue;
        char *end;
        long pid = strtol(e->d_name + blen + 5, &end, 10);
        /* "<base>.tmp.<pid>.<n>" (fileio_temp_path), or "<base>.tmp.<pid>" of older builds */
        if ((*end && *end != '.') || pid <= 0 || pid == (long)getpid() ||
            !(kill((pid_t)pid, 0) != 0 && errno == ESRCH))
            continue;
        char victim[PATH_MAX + 256];
        snprintf(victim, sizeof victim, "%s/%s", dir, e->d_name);
        unlink(victim);
    }
    closedir(d);
}

veccache_builder *veccache_builder_new(const char *path, int dims, char err[SV_ERR_LEN])
{
    if (dims <= 0 || dims > VC_MAX_DIMS) {
        sv_fail(err, SV_EXIT_DATA, "vector cache: dims %d out of range 1..%d", dims, VC_MAX_DIMS);
        return NULL;
    }
    veccache_builder *b = calloc(1, sizeof *b);
    if (!b) {
        sv_fail(err, SV_EXIT_DATA, "out of memory");
        return NULL;
    }
    b->dims = dims;
    b->last_id = INT64_MIN;
    if (!(b->xx = XXH3_createState()) || XXH3_64bits_reset(b->xx) != XXH_OK) {
        sv_fail(err, SV_EXIT_DATA, "out of memory");
        goto fail;
    }
    if (path) {
        remove_orphans(path);
        size_t len = strlen(path) + 64; /* ".tmp.<pid>.<n>" */
        b->path = strdup(path);
        b->tmp_path = malloc(len);
        if (!b->path || !b->tmp_path) {
            sv_fail(err, SV_EXIT_DATA, "out of memory");
            goto fail;
        }
        fileio_temp_path(path, b->tmp_path, len);
        int fd = open(b->tmp_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || !(b->f = fdopen(fd, "w+b"))) {
            sv_fail(err, SV_EXIT_DATA, "cannot write vector cache %s: %s", b->tmp_path, strerror(errno));
            if (fd >= 0)
                close(fd);
            goto fail;
        }
    } else {
        /* In memory: where the store's directory (or /tmp) is read-only, search still works. */
        int fd = memfd_create("samplevec-vcache", MFD_CLOEXEC);
        if (fd >= 0 && !(b->f = fdopen(fd, "w+b")))
            close(fd);
        if (!b->f && !(b->f = tmpfile())) {
            sv_fail(err, SV_EXIT_DATA, "cannot create a vector cache in memory: %s", strerror(errno));
            goto fail;
        }
    }
    /* Whole rows go to the kernel in one write. */
    setvbuf(b->f, NULL, _IOFBF, 1 << 20);
    static const char zero[VC_HEADER_LEN];
    if (fwrite(zero, 1, sizeof zero, b->f) != sizeof zero || blob_add(b, "") == VECCACHE_NONE) {
        sv_fail(err, SV_EXIT_DATA, "cannot write vector cache: %s", strerror(errno));
        goto fail;
    }
    return b;
fail:
    veccache_builder_free(b);
    return NULL;
}

int veccache_builder_add(veccache_builder *b, const store_scan_row *row, char err[SV_ERR_LEN])
{
    if (b->n > 0 && row->sample_id <= b->last_id) /* any id may come first, INT64_MIN too */
        return sv_fail(err, SV_EXIT_DATA, "vector cache: sample %lld after %lld (scan out of order)",
                       (long long)row->sample_id, (long long)b->last_id);
    if (!row->vector)
        return sv_fail(err, SV_EXIT_DATA, "vector cache: sample %lld has no vector",
                       (long long)row->sample_id);
    if (grow((void **)&b->rows, &b->rows_cap, b->n + 1, sizeof *b->rows) != 0)
        return sv_fail(err, SV_EXIT_DATA, "out of memory");
    double sq = 0;
    for (int i = 0; i < b->dims; i++)
        sq += (double)row->vector[i] * row->vector[i];
    const float *v = row->vector;
    if (!isfinite(sq)) {
        /* NaN/Inf (another program wrote the store): kept as all-zero, similarity 0, so one
         * bad row cannot poison the ranking of the others. */
        if (!b->zeros && !(b->zeros = calloc((size_t)b->dims, sizeof(float))))
            return sv_fail(err, SV_EXIT_DATA, "out of memory");
        v = b->zeros;
        sq = 0;
        b->non_finite++;
    }
    if (fwrite(v, sizeof(float), (size_t)b->dims, b->f) != (size_t)b->dims)
        return sv_fail(err, SV_EXIT_DATA, "cannot write vector cache: %s", strerror(errno));
    XXH3_64bits_update(b->xx, v, (size_t)b->dims * sizeof(float));

    veccache_row *r = &b->rows[b->n];
    memset(r, 0, sizeof *r);
    r->sample_id = row->sample_id;
    r->inv_norm = sq > 0 ? 1.0 / sqrt(sq) : 0.0;
    r->bpm = row->has_bpm ? row->bpm : NAN;
    r->title = row->title ? blob_add(b, row->title) : VECCACHE_NONE;
    r->musical_key = row->musical_key ? intern_get(b, &b->key_set, row->musical_key, make_offset)
                                      : VECCACHE_NONE;
    r->key_code = musical_key_parse(row->musical_key);
    r->genre = row->genre ? intern_get(b, &b->genre_set, row->genre, make_genre) : VECCACHE_NONE;
    r->mood_primary = row->mood_primary ? intern_get(b, &b->mood_set, row->mood_primary, make_mood)
                                        : VECCACHE_NONE;
    r->mood_secondary = row->mood_secondary
                            ? intern_get(b, &b->mood_set, row->mood_secondary, make_mood)
                            : VECCACHE_NONE;
    if ((row->title && r->title == VECCACHE_NONE) || (row->musical_key && r->musical_key == VECCACHE_NONE) ||
        (row->genre && r->genre == VECCACHE_NONE) || (row->mood_primary && r->mood_primary == VECCACHE_NONE) ||
        (row->mood_secondary && r->mood_secondary == VECCACHE_NONE))
        return sv_fail(err, SV_EXIT_DATA, "vector cache: out of memory or over 4 GiB of strings");
    b->last_id = row->sample_id;
    b->n++;
    return 0;
}

void veccache_builder_free(veccache_builder *b)
{
    if (!b)
        return;
    if (b->f)
        fclose(b->f);
    if (b->tmp_path)
        unlink(b->tmp_path);
    free(b->path);
    free(b->tmp_path);
    free(b->rows);
    free(b->blob);
    free(b->genres);
    free(b->moods);
    free(b->zeros);
    XXH3_freeState(b->xx);
    intern *sets[] = {&b->genre_set, &b->mood_set, &b->key_set};
    for (size_t i = 0; i < 3; i++) {
        free(sets[i]->keys);
        free(sets[i]->values);
    }
    free(b);
}

/* ---- reading ---- */

static int fixed_str_eq(const char *field, size_t size, const char *want)
{
    if (!memchr(field, '\0', size))
        return 0;
    return strcmp(field, want ? want : "") == 0;
}

/* The files whose checksum this process has checked, by identity (device, inode, size,
 * modification time) and checksum: serve's searchers each map the same cache file, and hashing
 * 614 MB once per searcher made its start at 100,000 samples six times slower. A rewritten
 * cache is a new file (renamed over the old one: a new inode), so it is checked again. */
#define VC_VERIFIED_MAX 8
typedef struct vc_verified {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    uint64_t checksum;
} vc_verified;
static vc_verified verified[VC_VERIFIED_MAX];
static size_t n_verified, next_verified;
static pthread_mutex_t verified_mu = PTHREAD_MUTEX_INITIALIZER;

static int same_file(const vc_verified *v, const struct stat *st, uint64_t checksum)
{
    return v->dev == st->st_dev && v->ino == st->st_ino && v->size == st->st_size &&
           v->mtime.tv_sec == st->st_mtim.tv_sec && v->mtime.tv_nsec == st->st_mtim.tv_nsec && v->checksum == checksum;
}

/* 1 when the body matches checksum: hashed, unless this process hashed this file already. */
static int vc_checksum_ok(const struct stat *st, const unsigned char *body, size_t len, uint64_t checksum)
{
    pthread_mutex_lock(&verified_mu);
    for (size_t i = 0; i < n_verified; i++)
        if (same_file(&verified[i], st, checksum)) {
            pthread_mutex_unlock(&verified_mu);
            return 1;
        }
    pthread_mutex_unlock(&verified_mu);
    if (XXH3_64bits(body, len) != checksum)
        return 0;
    pthread_mutex_lock(&verified_mu);
    verified[next_verified] = (vc_verified){st->st_dev, st->st_ino, st->st_size, st->st_mtim, checksum};
    next_verified = (next_verified + 1) % VC_VERIFIED_MAX;
    if (n_verified < VC_VERIFIED_MAX)
        n_verified++;
    pthread_mutex_unlock(&verified_mu);
    return 1;
}

/* Checks every bound of the mapping (st: its file's) and fills vc's views. 0, or -1 with err. */
static int vc_validate(veccache *vc, const struct stat *st, int dims, const char *fingerprint, const char *provider,
                       const char *model, char err[SV_ERR_LEN])
{
    const unsigned char *base = vc->map;
    size_t len = vc->map_len;
    const vc_header *h = vc->map;
    if (len < VC_HEADER_LEN || memcmp(h->magic, VC_MAGIC, 8) != 0 || h->version != VC_VERSION)
        return sv_fail(err, -1, "not a vector cache of this version");
    if (h->row_size != sizeof(veccache_row) || h->file_len != len)
        return sv_fail(err, -1, "truncated or foreign layout");
    if ((int64_t)h->dims != dims || dims <= 0 || dims > VC_MAX_DIMS)
        return sv_fail(err, -1, "dims %u, store has %d", h->dims, dims);
    /* fingerprint NULL: the file was just written by this process; only bounds matter. */
    if (fingerprint && (!*fingerprint || !fixed_str_eq(h->fingerprint, sizeof h->fingerprint, fingerprint)))
        return sv_fail(err, -1, "the store changed since it was built");
    if (fingerprint && (!fixed_str_eq(h->provider, sizeof h->provider, provider) ||
                        !fixed_str_eq(h->model, sizeof h->model, model)))
        return sv_fail(err, -1, "built for another provider or model");
    uint64_t row_bytes = (uint64_t)dims * sizeof(float);
    if (h->vectors_off != VC_HEADER_LEN || h->n > (len - VC_HEADER_LEN) / row_bytes)
        return sv_fail(err, -1, "bad vector section");
    uint64_t end = VC_ALIGN(h->vectors_off + h->n * row_bytes);
    if (h->rows_off != end || end > len || h->n > (len - end) / sizeof(veccache_row))
        return sv_fail(err, -1, "bad row section");
    end += h->n * sizeof(veccache_row);
    if (h->genres_off != end || h->n_genres > (len - end) / 4)
        return sv_fail(err, -1, "bad genre section");
    end += (uint64_t)h->n_genres * 4;
    if (h->moods_off != end || h->n_moods > (len - end) / 4)
        return sv_fail(err, -1, "bad mood section");
    end += (uint64_t)h->n_moods * 4;
    if (h->strings_off != end || h->strings_len == 0 || h->strings_len != len - end ||
        h->strings_len >= VECCACHE_NONE || base[len - 1] != '\0')
        return sv_fail(err, -1, "bad string section");

    vc->dims = dims;
    vc->n = (size_t)h->n;
    vc->vectors = (const float *)(base + h->vectors_off);
    vc->rows = (const veccache_row *)(base + h->rows_off);
    vc->genres = (const uint32_t *)(base + h->genres_off);
    vc->moods = (const uint32_t *)(base + h->moods_off);
    vc->n_genres = h->n_genres;
    vc->n_moods = h->n_moods;
    vc->strings = (const char *)(base + h->strings_off);
    vc->strings_len = (size_t)h->strings_len;
    for (uint32_t i = 0; i < vc->n_genres; i++)
        if (vc->genres[i] >= vc->strings_len)
            return sv_fail(err, -1, "bad genre dictionary");
    for (uint32_t i = 0; i < vc->n_moods; i++)
        if (vc->moods[i] >= vc->strings_len)
            return sv_fail(err, -1, "bad mood dictionary");
    for (size_t i = 0; i < vc->n; i++) {
        const veccache_row *r = &vc->rows[i];
        if ((i > 0 && r->sample_id <= vc->rows[i - 1].sample_id) ||
            !(r->inv_norm >= 0 && isfinite(r->inv_norm)) ||
            (r->title != VECCACHE_NONE && r->title >= vc->strings_len) ||
            (r->musical_key != VECCACHE_NONE && r->musical_key >= vc->strings_len) ||
            (r->genre != VECCACHE_NONE && r->genre >= vc->n_genres) ||
            (r->mood_primary != VECCACHE_NONE && r->mood_primary >= vc->n_moods) ||
            (r->mood_secondary != VECCACHE_NONE && r->mood_secondary >= vc->n_moods) ||
            r->key_code < MUSICAL_KEY_NONE || r->key_code >= MUSICAL_KEY_COUNT)
            return sv_fail(err, -1, "bad row %zu", i);
    }
    /* Every byte a search reads is covered: a cache damaged on disk (or by hand) is rebuilt
     * rather than trusted. Skipped only for the file this process has just written. */
    if (fingerprint && !vc_checksum_ok(st, base + VC_HEADER_LEN, len - VC_HEADER_LEN, h->checksum))
        return sv_fail(err, -1, "damaged: its contents do not match their checksum");
    return 0;
}

/* Maps fd's whole file and validates it. */
static veccache *vc_map(int fd, int dims, const char *fingerprint, const char *provider,
                        const char *model, char err[SV_ERR_LEN])
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        sv_fail(err, -1, "%s", strerror(errno));
        return NULL;
    }
    if (st.st_size < (off_t)VC_HEADER_LEN) {
        sv_fail(err, -1, "truncated");
        return NULL;
    }
    veccache *vc = calloc(1, sizeof *vc);
    if (!vc) {
        sv_fail(err, -1, "out of memory");
        return NULL;
    }
    vc->map_len = (size_t)st.st_size;
    /* MAP_POPULATE: a query reads every page anyway; faulting them in one go is cheaper. */
    vc->map = mmap(NULL, vc->map_len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (vc->map == MAP_FAILED) {
        sv_fail(err, -1, "mmap: %s", strerror(errno));
        free(vc);
        return NULL;
    }
    if (vc_validate(vc, &st, dims, fingerprint, provider, model, err) != 0) {
        veccache_free(vc);
        return NULL;
    }
    return vc;
}

veccache *veccache_open(const char *path, int dims, const char *fingerprint, const char *provider,
                        const char *model, char err[SV_ERR_LEN])
{
    if (!fingerprint || !*fingerprint) {
        sv_fail(err, -1, "the store has no fingerprint");
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        sv_fail(err, -1, "%s: %s", path, strerror(errno));
        return NULL;
    }
    veccache *vc = vc_map(fd, dims, fingerprint, provider, model, err);
    close(fd); /* the mapping keeps the file */
    return vc;
}

/* Writes n items of the body and adds them to the checksum. */
static int write_body(veccache_builder *b, const void *p, size_t size, size_t n)
{
    if (n == 0)
        return 0;
    XXH3_64bits_update(b->xx, p, size * n);
    return fwrite(p, size, n, b->f) == n ? 0 : -1;
}

veccache *veccache_builder_finish(veccache_builder *b, const char *fingerprint, const char *provider,
                                  const char *model, char err[SV_ERR_LEN])
{
    veccache *vc = NULL;
    vc_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, VC_MAGIC, 8);
    h.version = VC_VERSION;
    h.dims = (uint32_t)b->dims;
    h.row_size = sizeof(veccache_row);
    h.n_genres = (uint32_t)b->n_genres;
    h.n_moods = (uint32_t)b->n_moods;
    h.n = b->n;
    h.vectors_off = VC_HEADER_LEN;
    uint64_t vectors_end = h.vectors_off + (uint64_t)b->n * (uint64_t)b->dims * sizeof(float);
    h.rows_off = VC_ALIGN(vectors_end);
    h.genres_off = h.rows_off + (uint64_t)b->n * sizeof(veccache_row);
    h.moods_off = h.genres_off + (uint64_t)b->n_genres * 4;
    h.strings_off = h.moods_off + (uint64_t)b->n_moods * 4;
    h.strings_len = b->blob_len;
    h.file_len = h.strings_off + h.strings_len;
    snprintf(h.fingerprint, sizeof h.fingerprint, "%s", fingerprint ? fingerprint : "");
    snprintf(h.provider, sizeof h.provider, "%s", provider ? provider : "");
    snprintf(h.model, sizeof h.model, "%s", model ? model : "");

    static const char pad[64];
    int body = write_body(b, pad, 1, (size_t)(h.rows_off - vectors_end)) == 0 &&
               write_body(b, b->rows, sizeof *b->rows, b->n) == 0 &&
               write_body(b, b->genres, sizeof *b->genres, b->n_genres) == 0 &&
               write_body(b, b->moods, sizeof *b->moods, b->n_moods) == 0 &&
               write_body(b, b->blob, 1, b->blob_len) == 0;
    h.checksum = XXH3_64bits_digest(b->xx);
    if (!body || fseek(b->f, 0, SEEK_SET) != 0 || fwrite(&h, sizeof h, 1, b->f) != 1 ||
        fflush(b->f) != 0) {
        sv_fail(err, SV_EXIT_DATA, "cannot write vector cache: %s", strerror(errno));
        goto done;
    }
    int fd = fileno(b->f);
    if (b->path) {
        /* Durable before visible: a crash never leaves a named cache with a torn body. */
        if (fdatasync(fd) != 0 || rename(b->tmp_path, b->path) != 0) {
            sv_fail(err, SV_EXIT_DATA, "cannot save vector cache %s: %s", b->path, strerror(errno));
            goto done;
        }
        free(b->tmp_path);
        b->tmp_path = NULL;
    }
    char why[SV_ERR_LEN];
    vc = vc_map(fd, b->dims, NULL, provider, model, why);
    if (!vc)
        sv_fail(err, SV_EXIT_DATA, "vector cache just written is unreadable: %s", why);
    else
        vc->non_finite = b->non_finite;
done:
    veccache_builder_free(b);
    return vc;
}

int veccache_fingerprint_is(const veccache *vc, const char *fp)
{
    const vc_header *h = vc->map;
    return fp && *fp && fixed_str_eq(h->fingerprint, sizeof h->fingerprint, fp);
}

void veccache_free(veccache *vc)
{
    if (!vc)
        return;
    if (vc->map && vc->map != MAP_FAILED)
        munmap(vc->map, vc->map_len);
    free(vc);
}

/* ---- a store's cache ---- */

int veccache_path(const store *s, char *out, size_t outsz)
{
    if (store_is_remote(s->location) || !s->location[0])
        return -1;
    int n = snprintf(out, outsz, "%s.vcache", s->location);
    return (n < 0 || (size_t)n >= outsz) ? -1 : 0;
}

typedef struct scan_ctx {
    veccache_builder *b;
    int rc;
    char *err;
} scan_ctx;

static int scan_add(const store_scan_row *row, void *ctx)
{
    scan_ctx *c = ctx;
    c->rc = veccache_builder_add(c->b, row, c->err);
    return c->rc;
}

veccache *veccache_for_store(store *s, const store_meta *meta, int use_file, int *rebuilt,
                             int *exit_code, char err[SV_ERR_LEN])
{
    char fp[STORE_FINGERPRINT_LEN], fp_after[STORE_FINGERPRINT_LEN], path[PATH_MAX + 16];
    char why[SV_ERR_LEN];
    if (rebuilt)
        *rebuilt = 0;
    int rc = store_fingerprint(s, fp, err);
    if (rc != 0) {
        *exit_code = rc;
        return NULL;
    }
    int named = use_file && fp[0] && veccache_path(s, path, sizeof path) == 0;
    if (named) {
        veccache *vc = veccache_open(path, meta->dims, fp, meta->provider, meta->model, why);
        if (vc)
            return vc;
        if (strstr(why, "damaged"))
            msg_warn("vector cache %s is %s: rebuilding it from the store", path, why);
    }

    veccache_builder *b = veccache_builder_new(named ? path : NULL, meta->dims, why);
    if (!b && named) /* e.g. a read-only directory: search anyway, from a private copy */
        b = veccache_builder_new(NULL, meta->dims, err);
    if (!b) {
        *exit_code = SV_EXIT_DATA;
        if (named)
            snprintf(err, SV_ERR_LEN, "%s", why);
        return NULL;
    }
    scan_ctx ctx = {b, 0, err};
    rc = store_scan(s, scan_add, &ctx, err);
    if (rc == 0)
        rc = ctx.rc;
    if (rc == 0)
        rc = store_fingerprint(s, fp_after, err);
    if (rc != 0) {
        veccache_builder_free(b);
        *exit_code = rc;
        return NULL;
    }
    /* The store moved during the scan: use this copy once, but stamp it so nobody reuses it. */
    const char *stamp = strcmp(fp, fp_after) == 0 ? fp : "";
    veccache *vc = veccache_builder_finish(b, stamp, meta->provider, meta->model, err);
    if (!vc) {
        *exit_code = SV_EXIT_DATA;
        return NULL;
    }
    if (rebuilt)
        *rebuilt = 1;
    if (vc->non_finite)
        msg_warn("store %s: %zu stored vectors hold NaN or Inf; they rank as similarity 0 "
                 "(re-embed them)", s->location, vc->non_finite);
    return vc;
}
