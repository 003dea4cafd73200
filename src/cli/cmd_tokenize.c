/* samplevec tokenize: a GGUF model's input ids for a text, as llama.cpp's embedding context
 * evaluates them ([CLS] … [SEP], cut to the context length). Loads the vocabulary only. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliopt.h"
#include "commands.h"
#include "gguf.h"
#include "msg.h"
#include "provider.h"
#include "wordpiece.h"

static const char tokenize_help[] =
    "usage: samplevec tokenize TEXT [--model PATH.gguf|NAME] [--json]\n"
    "\n"
    "Prints the token ids a BERT GGUF model evaluates for TEXT: [CLS], the WordPiece tokens,\n"
    "[SEP], cut to the model's context length. --model is a .gguf path or a model Ollama has\n"
    "pulled (samplevec models); it defaults to $SAMPLEVEC_MODEL.\n"
    "  --json         {ids, token_ids, pieces, tokens, truncated, context_length}\n";

enum { OPT_HELP = 256, OPT_JSON, OPT_MODEL };
static const struct option tokenize_table[] = {
    {"help", no_argument, NULL, OPT_HELP},
    {"json", no_argument, NULL, OPT_JSON},
    {"model", required_argument, NULL, OPT_MODEL},
    {NULL, 0, NULL, 0},
};

/* The HF WordPiece form of a token: "▁word" → "word", "iece" → "##iece", control verbatim. */
static char *piece_text(const wordpiece *wp, const int32_t *types, size_t ntypes, int32_t id)
{
    gguf_str s = wordpiece_token(wp, id);
    int control = (size_t)id < ntypes && types[id] == 3;
    char *out = malloc((size_t)s.len + 3);
    if (!out)
        return NULL;
    if (control)
        snprintf(out, (size_t)s.len + 3, "%.*s", (int)s.len, s.ptr);
    else if (s.len >= 3 && memcmp(s.ptr, "\xe2\x96\x81", 3) == 0)
        snprintf(out, (size_t)s.len + 3, "%.*s", (int)s.len - 3, s.ptr + 3);
    else
        snprintf(out, (size_t)s.len + 3, "##%.*s", (int)s.len, s.ptr);
    return out;
}

int cmd_tokenize(int argc, char **argv)
{
    const char *model = getenv("SAMPLEVEC_MODEL");
    int json = 0, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", tokenize_table, NULL)) != -1) {
        switch (c) {
        case OPT_HELP: fputs(tokenize_help, stdout); return SV_EXIT_OK;
        case OPT_JSON: json = 1; break;
        case OPT_MODEL: model = optarg; break;
        default: return cliopt_bad_option("tokenize", c, argv);
        }
    }
    if (optind != argc - 1)
        return msg_usage("tokenize", "give exactly one TEXT (quote it), got %d", argc - optind);
    if (!model || !*model)
        return msg_usage("tokenize", "--model PATH.gguf is required (or set SAMPLEVEC_MODEL)");
    const char *text = argv[optind];

    char err[SV_ERR_LEN], inner[SV_ERR_LEN], path[PROVIDER_PATH_LEN], name[PROVIDER_MODEL_LEN];
    gguf_file *g = NULL;
    wordpiece *wp = NULL;
    int32_t *ids = NULL, *types = NULL;
    size_t n = 0, ntypes = 0;
    int truncated = 0, rc;
    uint32_t ctx = 512;
    if ((rc = provider_gguf_resolve(model, path, name, err)))
        goto cleanup;
    model = path;
    if ((rc = gguf_open(model, &g, err)))
        goto cleanup;
    if ((rc = wordpiece_from_gguf(g, &wp, inner))) {
        sv_fail(err, rc, "model file '%s': %s", model, inner);
        goto cleanup;
    }
    gguf_str arch = {"bert", 4};
    char key[96];
    if (gguf_get_str(g, "general.architecture", &arch) < 0 || arch.len > 40) {
        rc = sv_fail(err, SV_EXIT_DATA, "model file '%s': general.architecture is not a short string", model);
        goto cleanup;
    }
    snprintf(key, sizeof key, "%.*s.context_length", (int)arch.len, arch.ptr);
    if (gguf_get_u32(g, key, &ctx) < 0 || ctx < 2) {
        rc = sv_fail(err, SV_EXIT_DATA, "model file '%s': %s is not an integer >= 2", model, key);
        goto cleanup;
    }
    if (gguf_get_i32_array(g, "tokenizer.ggml.token_type", &types, &ntypes) < 0) {
        rc = sv_fail(err, SV_EXIT_DATA, "model file '%s': tokenizer.ggml.token_type is not an integer array", model);
        goto cleanup;
    }
    if (wordpiece_encode(wp, text, ctx, &ids, &n, &truncated)) {
        rc = sv_fail(err, SV_EXIT_FAILED, "out of memory");
        goto cleanup;
    }
    if (json) {
        cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "ids");
        cJSON *tk = cJSON_AddArrayToObject(o, "token_ids"), *pc = cJSON_AddArrayToObject(o, "pieces");
        for (size_t i = 0; i < n; i++) {
            cJSON_AddItemToArray(a, cJSON_CreateNumber(ids[i]));
            if (i > 0 && i + 1 < n)
                cJSON_AddItemToArray(tk, cJSON_CreateNumber(ids[i]));
            char *p = piece_text(wp, types, ntypes, ids[i]);
            cJSON_AddItemToArray(pc, cJSON_CreateString(p ? p : ""));
            free(p);
        }
        cJSON_AddNumberToObject(o, "tokens", (double)n);
        cJSON_AddBoolToObject(o, "truncated", truncated);
        cJSON_AddNumberToObject(o, "context_length", ctx);
        cliopt_print_json(o);
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%s%d", i ? " " : "", ids[i]);
        putchar('\n');
        if (truncated)
            msg_warn("text cut to the model's context length of %u tokens", ctx);
    }
cleanup:
    if (rc)
        msg_error("%s", err);
    free(ids);
    free(types);
    wordpiece_free(wp);
    gguf_free(g);
    return rc;
}
