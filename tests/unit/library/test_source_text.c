/* source_text: golden texts in the sample manager's exact format. */
#include "check.h"
#include "fixture.h"
#include "library.h"
#include "source_text.h"

static void golden(const library_sample *s, const char *want)
{
    char *got = source_text_build(s);
    CHECK_STR_EQ(got, want);
    free(got);
}

/* The first sample (or sample `id`) of a library, through the real reader. */
static int read_one(const char *path, int64_t id, library_sample *out)
{
    char err[SV_ERR_LEN] = "";
    library *lib = library_open(path, err);
    int got = 0;
    if (!lib) {
        fprintf(stderr, "open %s: %s\n", path, err);
        return 0;
    }
    library_cursor *cur = library_cursor_new(lib, NULL, &(int64_t){id - 1}, err);
    if (cur)
        got = library_cursor_next(cur, out, err) == 1 && out->id == id;
    if (!got)
        fprintf(stderr, "read sample %lld of %s: %s\n", (long long)id, path, err);
    library_cursor_free(cur);
    library_close(lib);
    return got;
}

int main(void)
{
    fixture_init();
    char *tex[] = {"dusty", "warm", "vinyl crackle"};
    char *tags[] = {"drums", "loop"};
    library_sample full = {
        .id = 7, .title = "Dusty Rhodes Loop", .genre = "jazz", .musical_key = "F#m",
        .bpm = 92.0, .has_bpm = 1, .tags = tags, .n_tags = 2, .has_vibe = 1,
        .mood_primary = "melancholic", .mood_secondary = "warm", .energy_level = 0.456,
        .has_energy = 1, .texture_tags = tex, .n_texture_tags = 3,
        .description = "## Vibe\n- dusty jazzy chords",
    };
    golden(&full, "Title: Dusty Rhodes Loop\nGenre: jazz\nBPM: 92\nKey: F#m\n"
                  "Mood: melancholic, warm\nEnergy: 0.46\nTags: dusty, warm, vinyl crackle\n"
                  "Description: ## Vibe\n- dusty jazzy chords\nSample Tags: drums, loop");

    /* BPM like Python's f"{bpm:.0f}": ties to even on the exact binary value. */
    library_sample b = {.title = "t", .has_bpm = 1};
    const struct { double bpm; const char *want; } bpms[] = {
        {92.5, "Title: t\nBPM: 92"},   {93.5, "Title: t\nBPM: 94"},  {92.49, "Title: t\nBPM: 92"},
        {92.51, "Title: t\nBPM: 93"},  {174.0, "Title: t\nBPM: 174"}, {0.5, "Title: t\nBPM: 0"},
        {0.0, "Title: t"}, /* the application's `if sample.bpm:` drops 0 */
    };
    for (size_t i = 0; i < sizeof bpms / sizeof *bpms; i++) {
        b.bpm = bpms[i].bpm;
        golden(&b, bpms[i].want);
    }
    b.has_bpm = 0;
    b.bpm = 120;
    golden(&b, "Title: t"); /* has_bpm = 0 means NULL whatever bpm holds */

    /* Energy: two decimals, 0 kept (the application tests `is not None`). */
    library_sample e = {.title = "t", .has_vibe = 1, .mood_primary = "calm", .has_energy = 1};
    e.energy_level = 0.0;
    golden(&e, "Title: t\nMood: calm\nEnergy: 0.00");
    e.energy_level = 1.0;
    golden(&e, "Title: t\nMood: calm\nEnergy: 1.00");
    e.energy_level = 0.125; /* exact binary tie → even */
    golden(&e, "Title: t\nMood: calm\nEnergy: 0.12");

    /* Missing fields: NULL, empty and whitespace-only all drop their line. */
    char *blank_tags[] = {"", "  ", "kick"};
    char *only_blank[] = {" ", ""};
    library_sample m = {
        .title = "Only Title", .genre = "", .musical_key = "  \t", .has_vibe = 1,
        .mood_primary = "", .mood_secondary = "dark", .texture_tags = only_blank,
        .n_texture_tags = 2, .description = "\n", .tags = blank_tags, .n_tags = 3,
    };
    golden(&m, "Title: Only Title\nMood: dark\nSample Tags: kick");
    m.mood_secondary = NULL;
    m.tags = NULL;
    m.n_tags = 0;
    golden(&m, "Title: Only Title");
    library_sample none = {0};
    golden(&none, "");
    library_sample no_title = {.genre = "funk"};
    golden(&no_title, "Genre: funk");

    /* No vibe row: vibe fields are ignored even if set, as the application only reads them
     * from a VibeAnalysis. */
    library_sample nv = full;
    nv.has_vibe = 0;
    golden(&nv, "Title: Dusty Rhodes Loop\nGenre: jazz\nBPM: 92\nKey: F#m\nSample Tags: drums, loop");

    /* Through the reader: a full row, a row without vibe analysis, malformed JSON. */
    const char *db = fixture_db("st.db", FIXTURE_SCHEMA
        "INSERT INTO samples (id, user_id, title, file_path, bpm, musical_key, genre, tags) VALUES"
        " (1, 1, 'Café Noir Keys', 'a.wav', 87.5, 'Bbm', 'lo-fi', '[\"keys\", \"chill\"]'),"
        " (2, 1, 'No Vibe Break', 'b.wav', NULL, 'A minor', 'boom bap', NULL),"
        " (3, 1, 'Broken JSON', 'c.wav', 140, 'C# major', 'trap', '[\"808\", 5, \"hats\"]');"
        "INSERT INTO vibe_analyses (id, sample_id, mood_primary, mood_secondary, energy_level,"
        " texture_tags, characteristics) VALUES"
        " (1, 1, 'nostalgic', NULL, 0.3, '[\"warm vinyl crackle\", \"tape hiss\"]',"
        "  '{\"raw_analysis\": \"## Vibe Analysis\\n\\n- **Mood:** nostalgic, \\\"late night\\\" \\u00e9\"}'),"
        " (3, 3, 'aggressive', 'dark', 0.9, 'not json at all', '{\"raw_analysis\": \"cut off');");
    library_sample s;
    if (read_one(db, 1, &s)) {
        golden(&s, "Title: Café Noir Keys\nGenre: lo-fi\nBPM: 88\nKey: Bbm\nMood: nostalgic\n"
                   "Energy: 0.30\nTags: warm vinyl crackle, tape hiss\n"
                   "Description: ## Vibe Analysis\n\n- **Mood:** nostalgic, \"late night\" é\n"
                   "Sample Tags: keys, chill");
        CHECK(s.malformed_fields == 0);
        library_sample_clear(&s);
    } else
        CHECK(0);
    if (read_one(db, 2, &s)) {
        golden(&s, "Title: No Vibe Break\nGenre: boom bap\nKey: A minor");
        library_sample_clear(&s);
    } else
        CHECK(0);
    if (read_one(db, 3, &s)) {
        /* texture_tags and characteristics unreadable, one tag not a string: what is readable
         * stays, the three bad fields are counted. */
        golden(&s, "Title: Broken JSON\nGenre: trap\nBPM: 140\nKey: C# major\nMood: aggressive, dark\n"
                   "Energy: 0.90\nSample Tags: 808, hats");
        CHECK(s.malformed_fields == 3);
        library_sample_clear(&s);
    } else
        CHECK(0);

    /* The real application's early database (no vibe_analyses table): sample 1. */
    if (read_one(fixture_real_library(), 1, &s)) {
        golden(&s, "Title: Sample 1 - energetic\nGenre: jazz\nBPM: 92\nKey: Dm\n"
                   "Sample Tags: energetic, bass");
        library_sample_clear(&s);
    } else
        CHECK(0);
    /* The file in ../shared itself: test_shared_real_library (a visible skip on a clone). */
    fixture_done();
    return check_summary();
}
