/* openai_api: serve's OpenAI-compatible embeddings endpoints, so an OpenAI client (the sample
 * manager's own EmbeddingService, the official SDKs) can point its base URL at
 * http://HOST:PORT/v1 and embed offline with the store's model.
 *
 *   POST /v1/embeddings   {"input": "text" | ["text", ...], "model": ID,
 *                          "encoding_format": "float" | "base64", "dimensions": N, "user": ...}
 *     → 200 {"object": "list",
 *            "data": [{"object": "embedding", "index": i, "embedding": [floats] | "base64"}],
 *            "model": ID, "usage": {"prompt_tokens": N, "total_tokens": N}}
 *   GET /v1/models        → {"object": "list", "data": [MODEL]}
 *   GET /v1/models/ID     → MODEL = {"id": ID, "object": "model", "created": T, "owned_by": "samplevec"}
 *
 * As OpenAI's API does: input is 1..OPENAI_API_MAX_INPUTS non-empty strings (token-id arrays
 * are refused: samplevec embeds text); "model" must name the served model (its full id, or the
 * part before '#' of a GGUF id; absent = the served one); "base64" is the little-endian float32
 * bytes of each vector; "dimensions" keeps the first N values and scales them back to unit
 * length (meaningful for Matryoshka models: nomic v1.5, EmbeddingGemma, Qwen3); usage counts
 * the tokens the model evaluated. Errors are {"error": {"message", "type", "param", "code"}}:
 * 400 invalid_request_error, 404 model_not_found, 500 server_error. Texts are embedded as they
 * are (no query or document prefix: the client sends what it wants embedded) and, as in
 * `embed`, cut to the model's context when longer. The Authorization header is not checked:
 * serve listens on loopback unless told otherwise.
 */
#ifndef SAMPLEVEC_OPENAI_API_H
#define SAMPLEVEC_OPENAI_API_H

#include "httpd.h"
#include "msg.h"
#include "searcher_pool.h"

#define OPENAI_API_MAX_INPUTS 2048
#define OPENAI_API_MAX_BODY (32u << 20) /* request bytes */

typedef struct openai_api openai_api;

/* Embeds with the pool's searchers (the store's provider and model), or, when embed_model is
 * set (a .gguf path or an Ollama model name: `serve --embed-model`), with that model, opened
 * now with `threads` threads. NULL with *exit_code and err when that model cannot be opened.
 * pool and embed_model are borrowed for the api's lifetime. */
openai_api *openai_api_new(searcher_pool *pool, const char *embed_model, int threads, int *exit_code,
                           char err[SV_ERR_LEN]);
void openai_api_free(openai_api *o); /* NULL is a no-op */

/* The served model's id ("" until known: the store's model is read from the first searcher). */
void openai_api_model_id(openai_api *o, char *out, size_t cap);

void openai_api_embeddings(openai_api *o, const httpd_request *req, httpd_reply *reply);
void openai_api_models(openai_api *o, const httpd_request *req, httpd_reply *reply);

#endif
