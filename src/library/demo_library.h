/* demo_library: writes a realistic sample-manager database in the application's schema. */
#ifndef SAMPLEVEC_DEMO_LIBRARY_H
#define SAMPLEVEC_DEMO_LIBRARY_H

#include <stdint.h>

#include "msg.h"

#define DEMO_LIBRARY_DEFAULT_COUNT 2437
#define DEMO_LIBRARY_DEFAULT_SEED 404   /* `samplevec demo-library` without --seed */
#define DEMO_LIBRARY_MAX_COUNT 100000000

/* Creates path (refusing to overwrite an existing file) with `count` samples generated from
 * `seed`; the same seed and count give the same rows. Returns 0 or an SV_EXIT_* code. */
int demo_library_write(const char *path, int64_t count, uint64_t seed, char err[SV_ERR_LEN]);

/* The same, and a short synthesized sound per sample (demo_audio.h) written to audio_dir as
 * NNNNNN.wav (created if missing; an existing file there is never replaced: SV_EXIT_USAGE).
 * samples.file_path names each file (relative to the library's directory when audio_dir is
 * inside it, else absolute), file_size and duration describe it. audio_dir NULL = no sound. */
int demo_library_write_audio(const char *path, int64_t count, uint64_t seed, const char *audio_dir,
                             char err[SV_ERR_LEN]);

#endif
