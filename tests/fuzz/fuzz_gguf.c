/* libFuzzer target: the GGUF reader, then the tokenizer, the model loader and one short forward
 * pass on whatever parses (fuzz_gguf_path.h, which test_gguf's replay shares).
 * Built and run by tools/fuzz_gguf.sh (not part of the normal build). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_gguf_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A heap copy of exactly `size` bytes so ASan catches any read past the end. */
    unsigned char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    fuzz_gguf_exercise(copy, size);
    free(copy);
    return 0;
}
