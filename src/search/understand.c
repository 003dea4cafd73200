#include "understand.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keyword.h"
#include "musical_key.h"

#define MAX_WORDS 256
#define WORD_LEN 96

typedef struct qword {
    size_t start, end;     /* in the text */
    char orig[WORD_LEN];   /* as written, trailing , ; . ! ? removed */
    char low[WORD_LEN];    /* ASCII lower case of orig */
    int used;              /* part of a BPM or key phrase */
} qword;

static size_t split_words(const char *text, qword *w)
{
    size_t n = 0;
    const char *p = text;
    while (*p && n < MAX_WORDS) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        qword *q = &w[n++];
        memset(q, 0, sizeof *q);
        q->start = (size_t)(s - text);
        q->end = (size_t)(p - text);
        size_t len = q->end - q->start;
        while (len > 0 && strchr(",;.!?", s[len - 1]))
            len--;
        if (len >= WORD_LEN)
            len = WORD_LEN - 1;
        memcpy(q->orig, s, len);
        q->orig[len] = '\0';
        for (size_t i = 0; i <= len; i++)
            q->low[i] = (char)tolower((unsigned char)q->orig[i]);
    }
    return n;
}

/* ---- BPM ---- */

/* A BPM number at s: 1..999, returns the characters read (0 = none). */
static size_t read_bpm_number(const char *s, double *v)
{
    if (!isdigit((unsigned char)*s))
        return 0;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || !(x > 0 && x < 1000) || end == s)
        return 0;
    *v = x;
    return (size_t)(end - s);
}

static int is_dash(const char *s, size_t *len)
{
    if (*s == '-') {
        *len = 1;
        return 1;
    }
    if (strncmp(s, "\xe2\x80\x93", 3) == 0 || strncmp(s, "\xe2\x80\x94", 3) == 0) { /* – — */
        *len = 3;
        return 1;
    }
    return 0;
}

/* Reads "NUM", "NUM-NUM" at s; returns 1 with *rest at what follows. */
static int read_bpm_value(const char *s, double *lo, double *hi, int *range, const char **rest)
{
    size_t n = read_bpm_number(s, lo), d;
    if (!n)
        return 0;
    s += n;
    *range = 0;
    *hi = *lo;
    if (is_dash(s, &d)) {
        size_t m = read_bpm_number(s + d, hi);
        if (!m)
            return 0;
        s += d + m;
        *range = 1;
    }
    *rest = s;
    return 1;
}

static const char *const QUALIFIERS[] = {"around", "about", "approx", "approximately", "roughly", "near", "at", "~", NULL};

static int is_qualifier(const char *w)
{
    for (const char *const *q = QUALIFIERS; *q; q++)
        if (strcmp(w, *q) == 0)
            return 1;
    return 0;
}

/* A BPM phrase starting at word i: its word count (0 = none) and range. */
static size_t bpm_at(qword *w, size_t n, size_t i, double *lo, double *hi, int *range)
{
    const char *s = w[i].low, *rest;
    if (*s == '~')
        s++;
    if (!read_bpm_value(s, lo, hi, range, &rest))
        return 0;
    if (strcmp(rest, "bpm") == 0)
        return 1; /* 90bpm, 85-95bpm */
    if (*rest)
        return 0;
    if (i + 1 < n && strcmp(w[i + 1].low, "bpm") == 0)
        return 2; /* 90 bpm, 85-95 bpm */
    size_t d;
    if (!*range && i + 2 < n && (strcmp(w[i + 1].low, "to") == 0 || (is_dash(w[i + 1].low, &d) && !w[i + 1].low[d]))) {
        double hi2;
        if (read_bpm_number(w[i + 2].low, &hi2) && hi2 >= *lo) {
            const char *tail = w[i + 2].low + read_bpm_number(w[i + 2].low, &hi2);
            if (strcmp(tail, "bpm") == 0 || (!*tail && i + 3 < n && strcmp(w[i + 3].low, "bpm") == 0)) {
                *hi = hi2;
                *range = 1;
                return *tail ? 3 : 4; /* 85 to 95bpm / 85 to 95 bpm */
            }
        }
    }
    return 0;
}

static void phrase_of(const char *text, const qword *w, size_t from, size_t count, char *out, size_t cap)
{
    size_t a = w[from].start, b = w[from + count - 1].end;
    snprintf(out, cap, "%.*s", (int)(b - a), text + a);
}

static void find_bpm(const char *text, qword *w, size_t n, double tolerance, understood *u)
{
    for (size_t i = 0; i < n; i++) {
        double lo, hi;
        int range;
        size_t count = bpm_at(w, n, i, &lo, &hi, &range);
        if (!count || lo > hi)
            continue;
        size_t from = i;
        if (i > 0 && !w[i - 1].used && is_qualifier(w[i - 1].low))
            from = i - 1;
        u->has_bpm = 1;
        u->bpm_min = range ? lo : lo - tolerance;
        u->bpm_max = range ? hi : hi + tolerance;
        if (u->bpm_min < 0)
            u->bpm_min = 0;
        phrase_of(text, w, from, i + count - from, u->bpm_from, sizeof u->bpm_from);
        for (size_t j = from; j < i + count; j++)
            w[j].used = 1;
        return;
    }
}

/* ---- keys ---- */

static int is_tonic(char c) { return c >= 'A' && c <= 'G'; }

/* Length of an accidental at s ('#', 'b', '♯', '♭'), 0 if none. */
static size_t accidental(const char *s)
{
    if (*s == '#' || *s == 'b')
        return 1;
    if (strncmp(s, "\xe2\x99\xaf", 3) == 0 || strncmp(s, "\xe2\x99\xad", 3) == 0)
        return 3;
    return 0;
}

/* A word that is a key by itself: "Am", "F#m", "Bbm", "F#", "Bb", "8A". */
static int standalone_key(const char *o)
{
    if (is_tonic(o[0])) {
        size_t a = accidental(o + 1);
        const char *r = o + 1 + a;
        if ((strcmp(r, "m") == 0) || (a && !*r))
            return musical_key_parse(o);
        return MUSICAL_KEY_NONE;
    }
    char *end;
    long num = strtol(o, &end, 10);
    if (end != o && num >= 1 && num <= 12 && (strcmp(end, "A") == 0 || strcmp(end, "B") == 0))
        return musical_key_parse(o);
    return MUSICAL_KEY_NONE;
}

static int is_mode_word(const char *low)
{
    return strcmp(low, "minor") == 0 || strcmp(low, "major") == 0 || strcmp(low, "min") == 0 ||
           strcmp(low, "maj") == 0;
}

static void join_orig(const qword *w, size_t from, size_t count, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t j = from; j < from + count; j++) {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", j > from ? " " : "", w[j].orig);
    }
}

static void take_key(const char *text, qword *w, size_t from, size_t count, int code, understood *u)
{
    u->has_key = 1;
    u->key = code;
    phrase_of(text, w, from, count, u->key_from, sizeof u->key_from);
    for (size_t j = from; j < from + count; j++)
        w[j].used = 1;
}

static void find_key(const char *text, qword *w, size_t n, understood *u)
{
    char buf[3 * WORD_LEN + 4];
    for (size_t i = 0; i < n; i++) {
        if (w[i].used)
            continue;
        if (strcmp(w[i].low, "in") == 0) {
            for (size_t j = 3; j >= 1; j--) {
                if (i + j >= n || w[i + j].used)
                    continue;
                /* a lone lower-case letter is an article or a word, not a key: "in a dark mood" */
                if (j == 1 && strlen(w[i + 1].orig) == 1 && islower((unsigned char)w[i + 1].orig[0]))
                    continue;
                join_orig(w, i + 1, j, buf, sizeof buf);
                int code = musical_key_parse(buf);
                if (code != MUSICAL_KEY_NONE) {
                    take_key(text, w, i, j + 1, code, u);
                    return;
                }
            }
            continue;
        }
        if (i + 1 < n && !w[i + 1].used && is_tonic(w[i].orig[0]) &&
            !w[i].orig[1 + accidental(w[i].orig + 1)] && is_mode_word(w[i + 1].low)) {
            join_orig(w, i, 2, buf, sizeof buf);
            int code = musical_key_parse(buf);
            if (code != MUSICAL_KEY_NONE) {
                take_key(text, w, i, 2, code, u);
                return;
            }
        }
        int code = standalone_key(w[i].orig);
        if (code != MUSICAL_KEY_NONE) {
            take_key(text, w, i, 1, code, u);
            return;
        }
    }
}

/* ---- genre and mood words ---- */

typedef struct token_list {
    char **tok;
    size_t n, cap;
    int oom;
} token_list;

static int collect(void *ctx, const char *token, size_t len, size_t start, size_t end)
{
    (void)start;
    (void)end;
    token_list *t = ctx;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **p = realloc(t->tok, cap * sizeof *p);
        if (!p)
            return t->oom = -1;
        t->tok = p;
        t->cap = cap;
    }
    if (!(t->tok[t->n] = strndup(token, len)))
        return t->oom = -1;
    t->n++;
    return 0;
}

static void token_list_clear(token_list *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->tok[i]);
    free(t->tok);
    memset(t, 0, sizeof *t);
}

/* 1 if needle's tokens occur in a row in hay. */
static int contains_run(const token_list *hay, const token_list *needle)
{
    if (!needle->n || needle->n > hay->n)
        return 0;
    for (size_t i = 0; i + needle->n <= hay->n; i++) {
        size_t j = 0;
        while (j < needle->n && strcmp(hay->tok[i + j], needle->tok[j]) == 0)
            j++;
        if (j == needle->n)
            return 1;
    }
    return 0;
}

static int add_terms(const token_list *q, const char *const *values, size_t n, char out[][UNDERSTAND_TERM_LEN],
                     int *count)
{
    for (size_t v = 0; v < n && *count < UNDERSTAND_MAX_TERMS; v++) {
        if (!values[v] || !*values[v])
            continue;
        token_list t = {0};
        if (keyword_tokenize(values[v], strlen(values[v]), KEYWORD_QUERY, collect, &t) != 0 || t.oom) {
            token_list_clear(&t);
            return -1;
        }
        int hit = contains_run(q, &t);
        token_list_clear(&t);
        if (!hit)
            continue;
        int dup = 0;
        for (int k = 0; k < *count; k++)
            dup |= strcasecmp(out[k], values[v]) == 0;
        if (!dup)
            snprintf(out[(*count)++], UNDERSTAND_TERM_LEN, "%s", values[v]);
    }
    return 0;
}

int understand_query(const char *text, double tolerance, const understand_vocab *vocab, understood *out)
{
    memset(out, 0, sizeof *out);
    qword *w = calloc(MAX_WORDS, sizeof *w);
    if (!w)
        return -1;
    size_t n = split_words(text, w);
    find_bpm(text, w, n, tolerance, out);
    find_key(text, w, n, out);
    /* the words left, each as written, one space apart */
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (w[i].used)
            continue;
        size_t wl = w[i].end - w[i].start;
        if (len + (len > 0) + wl >= UNDERSTAND_TEXT_LEN)
            break;
        if (len)
            out->text[len++] = ' ';
        memcpy(out->text + len, text + w[i].start, wl);
        len += wl;
    }
    out->text[len] = '\0';
    free(w);
    if (!vocab)
        return 0;
    token_list q = {0};
    int rc = 0;
    if (keyword_tokenize(out->text, len, KEYWORD_QUERY, collect, &q) != 0 || q.oom ||
        add_terms(&q, vocab->genres, vocab->n_genres, out->genres, &out->n_genres) != 0 ||
        add_terms(&q, vocab->moods, vocab->n_moods, out->moods, &out->n_moods) != 0)
        rc = -1;
    token_list_clear(&q);
    return rc;
}
