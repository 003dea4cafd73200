/* library_stream: how fast the library reader streams samples and builds their source texts.
 * Built and run by bench/library_stream.sh against the core library; prints one line:
 *   <samples> <seconds> <source-text bytes> <malformed>
 * usage: library_stream LIBRARY.db [--no-text] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "library.h"
#include "source_text.h"

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int text = !(argc > 2 && strcmp(argv[2], "--no-text") == 0);
    char err[SV_ERR_LEN];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    library *lib = library_open(argv[1], err);
    library_cursor *cur = lib ? library_cursor_new(lib, NULL, NULL, err) : NULL;
    if (!cur) {
        fprintf(stderr, "%s\n", err);
        library_close(lib);
        return 3;
    }
    library_sample s;
    long long n = 0, bytes = 0, malformed = 0;
    int r;
    while ((r = library_cursor_next(cur, &s, err)) == 1) {
        if (text) {
            char *t = source_text_build(&s);
            bytes += t ? (long long)strlen(t) : 0;
            free(t);
        }
        malformed += s.malformed_fields;
        library_sample_clear(&s);
        n++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    library_cursor_free(cur);
    library_close(lib);
    if (r != 0) {
        fprintf(stderr, "%s\n", err);
        return 3;
    }
    printf("%lld %.3f %lld %lld\n", n,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, bytes,
           malformed);
    return 0;
}
