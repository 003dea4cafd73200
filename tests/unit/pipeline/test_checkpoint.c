#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "checkpoint.h"

static char dir[] = "/tmp/sv_checkpoint_XXXXXX";

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_round_trip(void)
{
    char path[256], err[SV_ERR_LEN];
    snprintf(path, sizeof path, "%s/progress.json", dir);
    checkpoint cp;
    CHECK(checkpoint_load(path, &cp, err) == 1); /* no file yet */
    snprintf(cp.model, sizeof cp.model, "lexical-v1");
    snprintf(cp.provider, sizeof cp.provider, "lexical");
    cp.dims = 1536;
    cp.last_processed_id = 1234;
    cp.total_processed = 1200;
    cp.total_tokens = 389920;
    cp.total_cost_usd = 0.0077984;
    CHECK(checkpoint_add_failure(&cp, 7, "vector has NaN at index 3") == 0);
    CHECK(checkpoint_add_failure(&cp, 9, "quote \" and newline\n") == 0);
    CHECK(checkpoint_save(path, &cp, err) == 0);
    checkpoint back;
    CHECK(checkpoint_load(path, &back, err) == 0);
    CHECK(back.last_processed_id == 1234 && back.total_processed == 1200);
    CHECK(back.total_tokens == 389920 && back.dims == 1536);
    CHECK_NEAR(back.total_cost_usd, 0.0077984, 1e-12);
    CHECK_STR_EQ(back.model, "lexical-v1");
    CHECK(back.n_failures == 2 && back.failures[0].sample_id == 7);
    CHECK_STR_EQ(back.failures[1].error, "quote \" and newline\n");
    CHECK_STR_EQ(back.started_at, cp.started_at);
    const char *text = slurp(path);
    CHECK(strstr(text, "\"last_processed_id\"") && strstr(text, "\"failures\"") &&
          strstr(text, "\"updated_at\""));
    checkpoint_clear(&back);
    checkpoint_clear(&cp);
    /* no temp file is left behind */
    DIR *d = opendir(dir);
    struct dirent *e;
    int others = 0;
    while ((e = readdir(d)))
        others += e->d_name[0] != '.' && strcmp(e->d_name, "progress.json") != 0;
    closedir(d);
    CHECK(others == 0);
}

/* ids and counts are exact over the whole int64 range; the selection and limit round-trip */
static void test_int64_and_selection(void)
{
    char path[256], err[SV_ERR_LEN];
    snprintf(path, sizeof path, "%s/edges.json", dir);
    int64_t ids[] = {INT64_MIN, INT64_MAX, 9007199254740993, 9007199254740991, -9007199254740993};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        checkpoint cp;
        checkpoint_init(&cp);
        cp.last_processed_id = ids[i];
        cp.total_processed = INT64_MAX;
        cp.limit = 9007199254740993;
        CHECK(checkpoint_set_selection(&cp, "-9223372036854775808--5,7") == 0);
        CHECK(checkpoint_add_failure(&cp, ids[i], "x") == 0);
        CHECK(checkpoint_save(path, &cp, err) == 0);
        checkpoint back;
        CHECK(checkpoint_load(path, &back, err) == 0);
        CHECK(back.last_processed_id == ids[i] && back.total_processed == INT64_MAX);
        CHECK(back.limit == 9007199254740993 && back.n_failures == 1 &&
              back.failures[0].sample_id == ids[i]);
        CHECK_STR_EQ(back.selection, "-9223372036854775808--5,7");
        checkpoint_clear(&back);
        checkpoint_clear(&cp);
    }
    /* version 1 wrote doubles: whole ones up to 2^53 are read, the rest is corrupt */
    write_text(path, "{\"version\": 1, \"last_processed_id\": 1234.0, \"started_at\": \"x\"}");
    checkpoint cp;
    CHECK(checkpoint_load(path, &cp, err) == 0 && cp.last_processed_id == 1234 && !cp.selection);
    checkpoint_clear(&cp);
    write_text(path, "{\"version\": 1, \"last_processed_id\": 9.2233720368547758e+18, \"started_at\": \"x\"}");
    CHECK(checkpoint_load(path, &cp, err) == SV_EXIT_DATA && strstr(err, "last_processed_id"));
    checkpoint_clear(&cp);
    write_text(path, "{\"version\": 2, \"last_processed_id\": 12.5, \"started_at\": \"x\"}");
    CHECK(checkpoint_load(path, &cp, err) == SV_EXIT_DATA && strstr(err, "last_processed_id"));
    checkpoint_clear(&cp);
    /* only a progress file may be replaced: not a text file, not a device */
    CHECK(checkpoint_check_replaceable(path, err) == 0);
    write_text(path, "{\"last_processed_id\": 12, \"star");
    CHECK(checkpoint_check_replaceable(path, err) == 0); /* corrupt, but ours */
    write_text(path, "shopping list: milk, eggs\n");
    CHECK(checkpoint_check_replaceable(path, err) == SV_EXIT_DATA && strstr(err, "not a samplevec progress file"));
    write_text(path, "{\"name\": \"package.json\"}");
    CHECK(checkpoint_check_replaceable(path, err) == SV_EXIT_DATA);
    CHECK(checkpoint_check_replaceable("/dev/null", err) == SV_EXIT_DATA && strstr(err, "not a regular file"));
    CHECK(checkpoint_load("/dev/null", &cp, err) == SV_EXIT_DATA);
    checkpoint_clear(&cp);
    unlink(path);
    CHECK(checkpoint_check_replaceable(path, err) == 0);
}

static void test_corrupt_file_is_refused_and_kept(void)
{
    char path[256], err[SV_ERR_LEN];
    snprintf(path, sizeof path, "%s/corrupt.json", dir);
    const char *cases[] = {"{\"last_processed_id\": 12, \"started_at\": \"x\"",
                           "[1,2,3]",
                           "{\"last_processed_id\": \"twelve\", \"started_at\": \"x\"}",
                           "{\"last_processed_id\": 1, \"started_at\": \"x\", \"failures\": [{\"sample_id\": \"a\"}]}",
                           "{\"last_processed_id\": 1e300, \"started_at\": \"x\"}",
                           "{\"started_at\": \"x\"}",
                           ""};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_text(path, cases[i]);
        checkpoint cp;
        CHECK(checkpoint_load(path, &cp, err) == SV_EXIT_DATA);
        CHECK(strstr(err, path) != NULL);
        CHECK(strstr(err, "--reset") != NULL);
        CHECK_STR_EQ(slurp(path), cases[i]);
        checkpoint_clear(&cp);
    }
}

/* A reader never sees a half-written file, even while a writer replaces it in a loop. */
static void test_readers_see_whole_files(void)
{
    char path[256], err[SV_ERR_LEN];
    snprintf(path, sizeof path, "%s/busy.json", dir);
    checkpoint cp;
    checkpoint_init(&cp);
    for (int i = 0; i < 200; i++)
        checkpoint_add_failure(&cp, i, "a reason long enough to make the file span several blocks");
    CHECK(checkpoint_save(path, &cp, err) == 0);
    pid_t child = fork();
    if (child == 0) {
        for (int i = 0; i < 300; i++) {
            cp.last_processed_id = i;
            checkpoint_save(path, &cp, err);
        }
        _exit(0);
    }
    int bad = 0, reads = 0;
    for (;;) {
        checkpoint back;
        int rc = checkpoint_load(path, &back, err);
        bad += rc != 0 || back.n_failures != 200;
        reads++;
        checkpoint_clear(&back);
        int status;
        if (waitpid(child, &status, WNOHANG) == child)
            break;
    }
    CHECK(bad == 0);
    CHECK(reads > 0);
    checkpoint_clear(&cp);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    test_round_trip();
    test_int64_and_selection();
    test_corrupt_file_is_refused_and_kept();
    test_readers_see_whole_files();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_summary();
}
