/* The real application's early database as the project's shared folder holds it
 * (../shared/real-library/sp404_samples.db): 50 samples, no vibe_analyses table, read by the
 * real reader, and sample 1's source text. tests/data/real-library.sql is a dump of the same
 * file, checked by test_library and test_source_text on every clone; this test checks the file
 * itself, which a clone without ../shared lacks: then it is a visible skip. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "library.h"
#include "source_text.h"

int main(void)
{
    const char *path = TEST_SHARED_DIR "/real-library/sp404_samples.db";
    if (access(path, R_OK) != 0) {
        check_skip("%s is not present (a clone without ../shared); its dump "
                   "tests/data/real-library.sql is checked by test_library and test_source_text",
                   path);
        return check_summary();
    }
    char err[SV_ERR_LEN] = "";
    library *lib = library_open(path, err);
    CHECK(lib != NULL);
    if (!lib) {
        fprintf(stderr, "  %s\n", err);
        return check_summary();
    }
    CHECK(!library_has_vibe(lib));
    int64_t count = 0;
    CHECK(library_count(lib, NULL, &count, err) == 0 && count == 50);
    library_cursor *cur = library_cursor_new(lib, NULL, 0, err);
    library_sample s;
    int n = 0, clean = 1, in_order = 1;
    while (cur && library_cursor_next(cur, &s, err) == 1) {
        n++;
        clean &= s.has_vibe == 0 && s.malformed_fields == 0 && s.has_bpm && s.n_tags == 2 && s.title &&
                 s.genre && s.musical_key;
        in_order &= s.id == n;
        if (n == 1) {
            char *text = source_text_build(&s);
            CHECK_STR_EQ(text, "Title: Sample 1 - energetic\nGenre: jazz\nBPM: 92\nKey: Dm\n"
                               "Sample Tags: energetic, bass");
            free(text);
        }
        library_sample_clear(&s);
    }
    CHECK(n == 50 && clean && in_order);
    library_cursor_free(cur);
    library_close(lib);
    return check_summary();
}
