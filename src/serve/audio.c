#include "audio.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *audio_content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".wav", "audio/wav"}, {".aif", "audio/aiff"},  {".aiff", "audio/aiff"},
        {".mp3", "audio/mpeg"}, {".flac", "audio/flac"}, {".ogg", "audio/ogg"},
    };
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot)
        return NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcasecmp(dot, types[i].ext) == 0)
            return types[i].type;
    return NULL;
}

int audio_resolve(const char *file_path, const char *root, char *out, size_t outsz)
{
    if (!file_path || !*file_path)
        return -1;
    int n;
    if (file_path[0] == '/') {
        n = snprintf(out, outsz, "%s", file_path);
    } else {
        /* ".." as a whole component anywhere climbs out of the root. */
        for (const char *p = file_path; (p = strstr(p, "..")); p += 2) {
            int starts = p == file_path || p[-1] == '/';
            int ends = p[2] == '\0' || p[2] == '/';
            if (starts && ends)
                return -1;
        }
        n = snprintf(out, outsz, "%s/%s", root && *root ? root : ".", file_path);
    }
    return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/* A decimal number at *p (digits only), advancing *p. -1 when none or too big. */
static int read_u64(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (!isdigit((unsigned char)*s))
        return -1;
    for (; isdigit((unsigned char)*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *p = s;
    *out = v;
    return 0;
}

audio_range_kind audio_parse_range(const char *header, uint64_t size, uint64_t *first, uint64_t *len)
{
    if (!header)
        return AUDIO_RANGE_NONE;
    const char *p = header;
    while (*p == ' ')
        p++;
    if (strncasecmp(p, "bytes=", 6) != 0)
        return AUDIO_RANGE_NONE;
    p += 6;
    while (*p == ' ')
        p++;
    if (strchr(p, ','))
        return AUDIO_RANGE_NONE; /* several ranges: the whole file is a valid answer */
    uint64_t a = 0, b = 0;
    int has_first = read_u64(&p, &a) == 0;
    if (*p++ != '-')
        return AUDIO_RANGE_NONE;
    int has_last = read_u64(&p, &b) == 0;
    while (*p == ' ')
        p++;
    if (*p || (!has_first && !has_last))
        return AUDIO_RANGE_NONE;
    if (!has_first) { /* the last b bytes */
        if (b == 0)
            return AUDIO_RANGE_UNSATISFIABLE;
        *first = b >= size ? 0 : size - b;
        *len = size - *first;
        return size ? AUDIO_RANGE_PARTIAL : AUDIO_RANGE_UNSATISFIABLE;
    }
    if (has_last && b < a)
        return AUDIO_RANGE_NONE; /* invalid: ignored */
    if (a >= size)
        return AUDIO_RANGE_UNSATISFIABLE;
    uint64_t last = has_last && b < size - 1 ? b : size - 1;
    *first = a;
    *len = last - a + 1;
    return AUDIO_RANGE_PARTIAL;
}
