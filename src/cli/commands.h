/* Layer cli/ (docs/architecture.md): the commands and the terminal; builds on every layer.
 *
 * commands: one entry point per subcommand; each parses its own options and returns an exit
 * code (msg.h). main.c only dispatches. */
#ifndef SAMPLEVEC_COMMANDS_H
#define SAMPLEVEC_COMMANDS_H

int cmd_embed(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_demo_library(int argc, char **argv);
int cmd_embed_text(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_similar(int argc, char **argv);

#endif
