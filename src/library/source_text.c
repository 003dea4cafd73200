/* source_text: the embedding source text, line for line the sample manager's
 * create_embedding_source_text() (backend/scripts/generate_embeddings.py), so vectors made by
 * samplevec and by the application from the same row are made from the same text.
 *
 * Where this follows the application exactly:
 *   - BPM is printed like Python's f"{bpm:.0f}": correctly rounded, ties to even (92.5 → "92",
 *     93.5 → "94"). glibc's "%.0f" rounds the exact binary value with ties to even in the
 *     default rounding mode, so it is the same function; the golden test pins both ties.
 *     Like the application's `if sample.bpm:`, a BPM of 0 is omitted.
 *   - Energy is f"{energy:.2f}" → "%.2f" (same rounding); 0.0 is kept ("is not None").
 *   - Mood, Energy, Tags and Description come only from a vibe_analyses row (has_vibe).
 * Where it deliberately differs (the application would print junk, we omit instead):
 *   - A value that is empty or only whitespace counts as missing and its line is omitted
 *     (the application prints "Genre: " for an empty string that survived its checks).
 *   - Blank elements of the tag lists are skipped; a list with none left omits its line.
 */
#include "source_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* Starts a "Label: " line, with the "\n" separator before every line but the first. */
static void add_label(strbuf *b, const char *label)
{
    if (b->len)
        strbuf_add(b, "\n", 1);
    strbuf_add_str(b, label);
    strbuf_add(b, ": ", 2);
}

/* Missing = NULL, empty, or nothing but ASCII whitespace. */
static int blank(const char *s)
{
    if (!s)
        return 1;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f' && *s != '\v')
            return 0;
    return 1;
}

static void line(strbuf *b, const char *label, const char *value)
{
    if (blank(value))
        return;
    add_label(b, label);
    strbuf_add_str(b, value);
}

static void list_line(strbuf *b, const char *label, char *const *items, size_t n)
{
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (blank(items[i]))
            continue;
        if (first)
            add_label(b, label);
        else
            strbuf_add(b, ", ", 2);
        strbuf_add_str(b, items[i]);
        first = 0;
    }
}

char *source_text_build(const library_sample *s)
{
    strbuf b = {0};
    char num[64];
    strbuf_reserve(&b, 512 + (s->description ? strlen(s->description) : 0));

    line(&b, "Title", s->title);
    line(&b, "Genre", s->genre);
    if (s->has_bpm && s->bpm != 0.0) {
        snprintf(num, sizeof num, "%.0f", s->bpm);
        line(&b, "BPM", num);
    }
    line(&b, "Key", s->musical_key);
    if (s->has_vibe) {
        int p = !blank(s->mood_primary), q = !blank(s->mood_secondary);
        if (p || q) {
            add_label(&b, "Mood");
            if (p)
                strbuf_add_str(&b, s->mood_primary);
            if (p && q)
                strbuf_add(&b, ", ", 2);
            if (q)
                strbuf_add_str(&b, s->mood_secondary);
        }
        if (s->has_energy) {
            snprintf(num, sizeof num, "%.2f", s->energy_level);
            line(&b, "Energy", num);
        }
        list_line(&b, "Tags", s->texture_tags, s->n_texture_tags);
        line(&b, "Description", s->description);
    }
    list_line(&b, "Sample Tags", s->tags, s->n_tags);

    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s; /* allocated by the reservation above: a sample with nothing is "", caller-freed */
}
