/* app_layout: the sample manager's own sample_embeddings table, as its SQLAlchemy model
 * SampleEmbedding declares it, and samplevec's side table beside it. Shared by the two stores
 * that write into the application's database (store_app_sqlite.c, store_app_pg.c).
 *
 * SQLite (the app's Docker default):
 *   sample_embeddings(id INTEGER PRIMARY KEY,                 -- assigned by SQLite
 *                     sample_id INTEGER NOT NULL → samples.id, UNIQUE (index)
 *                     vibe_vector JSON NOT NULL,               -- vecjson.h: [n1,n2,...]
 *                     embedding_source VARCHAR,                -- the source text embedded
 *                     created_at DATETIME DEFAULT CURRENT_TIMESTAMP)
 * PostgreSQL: the same columns with id SERIAL, vibe_vector FLOAT[] (double precision[]; each
 *   element the float32 value exactly), created_at TIMESTAMP WITH TIME ZONE DEFAULT now().
 * Indexes as SQLAlchemy creates them: ix_sample_embeddings_id, ix_sample_embeddings_sample_id
 *   (UNIQUE: the upsert's ON CONFLICT target).
 * samplevec_meta(key TEXT PRIMARY KEY, value TEXT): 'provider', 'model', 'dims', the claim;
 *   the application never reads it.
 *
 * Nothing else of the application's database is ever written: samples and vibe_analyses are
 * read (search filters), every other table is left alone.
 *
 * The claim: a table that holds rows but no samplevec claim was filled by the application
 * itself, whose EmbeddingService embeds with OpenRouter's openai/text-embedding-3-small; it is
 * presumed to hold that model (dims read from the first vector), so a run with the app's model
 * adopts those rows (unchanged source texts are skipped, nothing is paid twice) and a run with
 * another model is refused unless --reset, as for any store of another model.
 */
#ifndef SAMPLEVEC_APP_LAYOUT_H
#define SAMPLEVEC_APP_LAYOUT_H

#include "msg.h"
#include "store.h"

#define APP_PROVIDER "openrouter"
#define APP_MODEL "openai/text-embedding-3-small"

#define APP_SQLITE_DDL                                                                      \
    "CREATE TABLE sample_embeddings (\n\tid INTEGER NOT NULL, \n\tsample_id INTEGER NOT NULL, " \
    "\n\tvibe_vector JSON NOT NULL, \n\tembedding_source VARCHAR, \n\tcreated_at DATETIME "      \
    "DEFAULT CURRENT_TIMESTAMP, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(sample_id) REFERENCES "    \
    "samples (id)\n);\n"                                                                       \
    "CREATE INDEX ix_sample_embeddings_id ON sample_embeddings (id);\n"                         \
    "CREATE UNIQUE INDEX ix_sample_embeddings_sample_id ON sample_embeddings (sample_id);\n"

#define APP_PG_DDL                                                                          \
    "CREATE TABLE sample_embeddings (\n\tid SERIAL NOT NULL, \n\tsample_id INTEGER NOT NULL, "  \
    "\n\tvibe_vector FLOAT[] NOT NULL, \n\tembedding_source VARCHAR, \n\tcreated_at TIMESTAMP "  \
    "WITH TIME ZONE DEFAULT now(), \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(sample_id) REFERENCES " \
    "samples (id)\n);\n"                                                                       \
    "CREATE INDEX ix_sample_embeddings_id ON sample_embeddings (id);\n"                         \
    "CREATE UNIQUE INDEX ix_sample_embeddings_sample_id ON sample_embeddings (sample_id);\n"

#define APP_META_DDL "CREATE TABLE IF NOT EXISTS samplevec_meta (key TEXT PRIMARY KEY, value TEXT)"

/* 1 if model (a run's) is the model claimed, counting OpenAI's and OpenRouter's names of the
 * same model ("text-embedding-3-small" = "openai/text-embedding-3-small") as one. */
int app_layout_same_model(const char *claimed, const char *model);

/* Decides whether a run of provider/model/dims may write a store whose claim is m (presumed:
 * the claim is the application's, not samplevec's). 0 = yes; SV_EXIT_USAGE with err naming
 * both and the way out. `where` names the store in messages. */
int app_layout_check_claim(const char *where, const store_meta *m, int presumed,
                           const char *provider, const char *model, int dims, int reset,
                           char err[SV_ERR_LEN]);

#endif
