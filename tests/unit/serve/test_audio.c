/* audio.h: content types, path resolution (nothing outside what the library names), ranges. */
#include <stdint.h>

#include "audio.h"
#include "check.h"

static void test_types(void)
{
    CHECK_STR_EQ(audio_content_type("a/b/kick.wav"), "audio/wav");
    CHECK_STR_EQ(audio_content_type("KICK.WAV"), "audio/wav");
    CHECK_STR_EQ(audio_content_type("x.aif"), "audio/aiff");
    CHECK_STR_EQ(audio_content_type("x.aiff"), "audio/aiff");
    CHECK_STR_EQ(audio_content_type("x.mp3"), "audio/mpeg");
    CHECK_STR_EQ(audio_content_type("x.flac"), "audio/flac");
    CHECK_STR_EQ(audio_content_type("x.ogg"), "audio/ogg");
    CHECK(audio_content_type("notes.txt") == NULL);
    CHECK(audio_content_type("/etc/passwd") == NULL);
    CHECK(audio_content_type("dir.wav/file") == NULL); /* the extension of the last component */
    CHECK(audio_content_type("wav") == NULL);
}

static void test_resolve(void)
{
    char out[64];
    CHECK(audio_resolve("/abs/kick.wav", "/root", out, sizeof out) == 0);
    CHECK_STR_EQ(out, "/abs/kick.wav");
    CHECK(audio_resolve("uploads/1/kick.wav", "/lib", out, sizeof out) == 0);
    CHECK_STR_EQ(out, "/lib/uploads/1/kick.wav");
    CHECK(audio_resolve("kick.wav", NULL, out, sizeof out) == 0);
    CHECK_STR_EQ(out, "./kick.wav");
    CHECK(audio_resolve("../secret.wav", "/lib", out, sizeof out) == -1);
    CHECK(audio_resolve("a/../../secret.wav", "/lib", out, sizeof out) == -1);
    CHECK(audio_resolve("a/..", "/lib", out, sizeof out) == -1);
    CHECK(audio_resolve("a..b/x..wav", "/lib", out, sizeof out) == 0); /* not a component */
    CHECK(audio_resolve("", "/lib", out, sizeof out) == -1);
    CHECK(audio_resolve(NULL, "/lib", out, sizeof out) == -1);
    char tiny[8];
    CHECK(audio_resolve("uploads/long.wav", "/lib", tiny, sizeof tiny) == -1);
}

static void test_ranges(void)
{
    uint64_t first = 99, len = 99;
    CHECK(audio_parse_range(NULL, 1000, &first, &len) == AUDIO_RANGE_NONE);
    CHECK(audio_parse_range("bytes=0-", 1000, &first, &len) == AUDIO_RANGE_PARTIAL);
    CHECK(first == 0 && len == 1000);
    CHECK(audio_parse_range("bytes=10-19", 1000, &first, &len) == AUDIO_RANGE_PARTIAL);
    CHECK(first == 10 && len == 10);
    CHECK(audio_parse_range("bytes=990-5000", 1000, &first, &len) == AUDIO_RANGE_PARTIAL);
    CHECK(first == 990 && len == 10);
    CHECK(audio_parse_range("bytes=-100", 1000, &first, &len) == AUDIO_RANGE_PARTIAL);
    CHECK(first == 900 && len == 100);
    CHECK(audio_parse_range("bytes=-5000", 1000, &first, &len) == AUDIO_RANGE_PARTIAL);
    CHECK(first == 0 && len == 1000);
    CHECK(audio_parse_range("bytes=999-999", 1000, &first, &len) == AUDIO_RANGE_PARTIAL);
    CHECK(first == 999 && len == 1);
    CHECK(audio_parse_range("bytes=1000-", 1000, &first, &len) == AUDIO_RANGE_UNSATISFIABLE);
    CHECK(audio_parse_range("bytes=-0", 1000, &first, &len) == AUDIO_RANGE_UNSATISFIABLE);
    CHECK(audio_parse_range("bytes=0-", 0, &first, &len) == AUDIO_RANGE_UNSATISFIABLE);
    /* ignored: the whole file */
    CHECK(audio_parse_range("bytes=0-1,5-6", 1000, &first, &len) == AUDIO_RANGE_NONE);
    CHECK(audio_parse_range("bytes=5-2", 1000, &first, &len) == AUDIO_RANGE_NONE);
    CHECK(audio_parse_range("items=0-1", 1000, &first, &len) == AUDIO_RANGE_NONE);
    CHECK(audio_parse_range("bytes=a-b", 1000, &first, &len) == AUDIO_RANGE_NONE);
    CHECK(audio_parse_range("bytes=-", 1000, &first, &len) == AUDIO_RANGE_NONE);
    CHECK(audio_parse_range("bytes=99999999999999999999999-", 1000, &first, &len) == AUDIO_RANGE_NONE);
}

int main(void)
{
    test_types();
    test_resolve();
    test_ranges();
    return check_summary();
}
