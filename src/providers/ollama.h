/* ollama: finds GGUF models where Ollama keeps them, so `--model nomic-embed-text` runs the
 * file the user already pulled, in-process, without Ollama running.
 *
 * Ollama's local store (the root is $OLLAMA_MODELS, else ~/.ollama/models, else the Linux
 * service's /usr/share/ollama/.ollama/models; the first that has a manifests/ folder):
 *   manifests/HOST/NAMESPACE/MODEL/TAG   a JSON manifest (Docker distribution v2 style):
 *       {"schemaVersion": 2, "config": {...},
 *        "layers": [{"mediaType": "application/vnd.ollama.image.model",
 *                    "digest": "sha256:<64 hex>", "size": N}, ...]}
 *   blobs/sha256-<64 hex>                 a layer's bytes; the ...image.model layer is the GGUF
 * Names as `ollama pull` takes them: MODEL (= registry.ollama.ai/library/MODEL:latest),
 * MODEL:TAG, NAMESPACE/MODEL[:TAG], HOST/NAMESPACE/MODEL[:TAG].
 */
#ifndef SAMPLEVEC_OLLAMA_H
#define SAMPLEVEC_OLLAMA_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

#define OLLAMA_PATH_LEN 4096
#define OLLAMA_NAME_LEN 512

typedef struct ollama_model {
    char name[OLLAMA_NAME_LEN]; /* as Ollama lists it: "nomic-embed-text:latest", "user/m:tag" */
    char path[OLLAMA_PATH_LEN]; /* the model layer's blob */
    uint64_t size;              /* the layer's size as the manifest gives it */
} ollama_model;

/* The store's root (see above) into root. Returns 1 when one exists, 0 when none does (root
 * then holds the first candidate, for messages). */
int ollama_root(char root[OLLAMA_PATH_LEN]);

/* Resolves a model name to its GGUF blob. Returns 0 with *out filled; 1 when `name` is not
 * spelled like an Ollama name or no manifest has it (the caller treats it as a path); or
 * SV_EXIT_DATA when the manifest exists but is unreadable, has no model layer, or points at a
 * blob that is missing, of another size, or not a GGUF file (err says which and how to fix). */
int ollama_resolve(const char *name, ollama_model *out, char err[SV_ERR_LEN]);

/* Every manifest in the store with a model layer whose blob is present, sorted by name.
 * *out is malloc'd (caller frees); *n = 0 and 0 returned when there is no store. Returns 0,
 * or SV_EXIT_DATA when out of memory. */
int ollama_list(ollama_model **out, size_t *n, char err[SV_ERR_LEN]);

#endif
