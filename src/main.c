/* samplevec: parse the command word, run it, exit with its code. Nothing else. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "msg.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

/* Alphasorted. */
static const command commands[] = {
    {"demo-library", cmd_demo_library, "write a realistic demo sample library"},
    {"embed", cmd_embed, "embed samples into the store (dry run, resume, progress)"},
    {"embed-text", cmd_embed_text, "embed the given texts with a provider and print the vectors"},
    {"models", cmd_models, "list the embedding models Ollama has pulled that run in-process"},
    {"search", cmd_search, "find samples by a description of their vibe"},
    {"serve", cmd_serve, "answer search/similar over HTTP on loopback"},
    {"similar", cmd_similar, "find samples like a given sample"},
    {"status", cmd_status, "what is embedded, stale or missing"},
    {"tokenize", cmd_tokenize, "print a GGUF model's token ids for a text"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_help(void)
{
    printf("samplevec %s: make a music sample library searchable by vibe\n\n"
           "usage: samplevec COMMAND [OPTIONS]\n\ncommands:\n",
           SAMPLEVEC_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++)
        printf("  %-14s %s\n", commands[i].name, commands[i].summary);
    printf("\n'samplevec COMMAND --help' describes a command's options.\n"
           "exit codes: 0 ok, 1 some samples failed, 2 usage error, 3 library/store/progress\n"
           "file unreadable or wrong schema, 130 interrupted.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help();
        return SV_EXIT_USAGE;
    }
    const char *word = argv[1];
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0 || strcmp(word, "help") == 0) {
        print_help();
        return SV_EXIT_OK;
    }
    if (strcmp(word, "--version") == 0 || strcmp(word, "-V") == 0) {
        printf("samplevec %s\n", SAMPLEVEC_VERSION);
        return SV_EXIT_OK;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(word, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    return msg_usage(NULL, "unknown command '%s'", word);
}
