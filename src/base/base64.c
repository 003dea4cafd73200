#include "base64.h"

/* 0..63 for alphabet bytes, 64 for '=', 255 for anything else. */
static const unsigned char *table(void)
{
    static unsigned char t[256];
    static int ready;
    if (!ready) {
        const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 256; i++)
            t[i] = 255;
        for (int i = 0; i < 64; i++)
            t[(unsigned char)abc[i]] = (unsigned char)i;
        t['='] = 64;
        ready = 1; /* idempotent writes: a race only repeats the same stores */
    }
    return t;
}

long base64_decode(const char *in, size_t len, unsigned char *out)
{
    const unsigned char *t = table();
    size_t pad = 0;
    while (pad < 2 && len > pad && in[len - 1 - pad] == '=')
        pad++;
    size_t body = len - pad; /* alphabet characters only */
    if ((body % 4) == 1 || (pad && (body + pad) % 4 != 0))
        return -1;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < body; i++) {
        unsigned char v = t[(unsigned char)in[i]];
        if (v >= 64)
            return -1;
        acc = (acc << 6) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) /* non-canonical trailing bits: a corrupted payload, not padding */
        return -1;
    return (long)o;
}

void base64_encode(const unsigned char *in, size_t len, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        *out++ = abc[v >> 18];
        *out++ = abc[(v >> 12) & 63];
        *out++ = abc[(v >> 6) & 63];
        *out++ = abc[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0);
        *out++ = abc[v >> 18];
        *out++ = abc[(v >> 12) & 63];
        *out++ = i + 1 < len ? abc[(v >> 6) & 63] : '=';
        *out++ = '=';
    }
    *out = '\0';
}
