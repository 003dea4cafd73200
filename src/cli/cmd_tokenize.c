/* samplevec tokenize: a GGUF model's input ids for a text, as llama.cpp's embedding context
 * evaluates them (with the model's specials, cut to the context length). Loads the vocabulary
 * only. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliopt.h"
#include "commands.h"
#include "gguf.h"
#include "msg.h"
#include "provider.h"
#include "tokenizer.h"

static const char tokenize_help[] =
    "usage: samplevec tokenize TEXT [--model PATH.gguf|NAME] [--json]\n"
    "\n"
    "Prints the token ids a GGUF model evaluates for TEXT: the tokens with the model's specials\n"
    "around them (WordPiece: [CLS] ... [SEP]; Unigram: <s> ... </s>), cut to the model's context\n"
    "length. --model is a .gguf path or a model Ollama has pulled (samplevec models); it\n"
    "defaults to $SAMPLEVEC_MODEL.\n"
    "  --json         {ids, token_ids, pieces, tokens, truncated, context_length}\n";

enum { OPT_HELP = 256, OPT_JSON, OPT_MODEL };
static const struct option tokenize_table[] = {
    {"help", no_argument, NULL, OPT_HELP},
    {"json", no_argument, NULL, OPT_JSON},
    {"model", required_argument, NULL, OPT_MODEL},
    {NULL, 0, NULL, 0},
};

int cmd_tokenize(int argc, char **argv)
{
    const char *model = getenv("SAMPLEVEC_MODEL");
    int json = 0, c, rc;
    cliopt_given given;
    cliopt_given_init(&given, "tokenize", tokenize_table);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", tokenize_table, NULL)) != -1) {
        if ((rc = cliopt_take(&given, c, argv)))
            return rc;
        switch (c) {
        case OPT_HELP: fputs(tokenize_help, stdout); return SV_EXIT_OK;
        case OPT_JSON: json = 1; break;
        case OPT_MODEL: model = optarg; break;
        default: return cliopt_bad_option("tokenize", tokenize_table, c, argv);
        }
    }
    if (optind != argc - 1)
        return msg_usage("tokenize", "give exactly one TEXT (quote it), got %d", argc - optind);
    if (!model || !*model)
        return msg_usage("tokenize", "--model PATH.gguf is required (or set SAMPLEVEC_MODEL)");
    const char *text = argv[optind];

    char err[SV_ERR_LEN], inner[SV_ERR_LEN], path[PROVIDER_PATH_LEN], name[PROVIDER_MODEL_LEN];
    gguf_file *g = NULL;
    tokenizer *tok = NULL;
    int32_t *ids = NULL;
    size_t n = 0, head = 0, tail = 0;
    int truncated = 0;
    uint32_t ctx = 512;
    if ((rc = provider_gguf_resolve(model, path, name, err)))
        goto cleanup;
    model = path;
    if ((rc = gguf_open(model, &g, err)))
        goto cleanup;
    if ((rc = tokenizer_from_gguf(g, &tok, inner))) {
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
    if (tokenizer_encode(tok, text, ctx, &ids, &n, &truncated)) {
        rc = sv_fail(err, SV_EXIT_FAILED, "out of memory");
        goto cleanup;
    }
    if (json) {
        cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "ids");
        cJSON *tk = cJSON_AddArrayToObject(o, "token_ids"), *pc = cJSON_AddArrayToObject(o, "pieces");
        tokenizer_specials(tok, &head, &tail);
        for (size_t i = 0; i < n; i++) {
            char piece[512];
            cJSON_AddItemToArray(a, cJSON_CreateNumber(ids[i]));
            if (i >= head && i + tail < n)
                cJSON_AddItemToArray(tk, cJSON_CreateNumber(ids[i]));
            tokenizer_piece(tok, ids[i], piece, sizeof piece);
            cJSON_AddItemToArray(pc, cJSON_CreateString(piece));
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
    tokenizer_free(tok);
    gguf_free(g);
    return rc;
}
