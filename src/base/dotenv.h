/* dotenv: settings from the environment, then from a .env file in the working directory
 * (the sample manager's backend keeps its keys there). The environment wins. */
#ifndef SAMPLEVEC_DOTENV_H
#define SAMPLEVEC_DOTENV_H

/* Value of `name`, or NULL. The string is borrowed: from the environment, or from a cache of
 * ./.env read once per process (KEY=VALUE lines, optional "export ", optional single or
 * double quotes, # comments). Never logs values. */
const char *dotenv_get(const char *name);

#endif
