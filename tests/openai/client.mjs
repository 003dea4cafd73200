// samplevec serve's /v1 endpoints through the official OpenAI SDK for Node (npm openai), as the
// sample manager's EmbeddingService or any OpenAI client would call them. Prints one JSON
// object with what the SDK returned, for tests/cli/serve_openai.sh to compare:
//   {models, one: {model, usage, embedding}, many: [embedding...], base64: [numbers],
//    short: [numbers], errors: {unknownModel, tokenIds, emptyInput, badFormat, tooManyDims}}
// Environment: BASE_URL (http://127.0.0.1:PORT/v1), NPM_DIR (where npm openai is installed),
// TEXT, TEXTS (a JSON array), DIMS (for the dimensions request), MODEL (the id to ask for).
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.join(process.env.NPM_DIR, 'package.json'));
const OpenAI = require('openai');
const client = new (OpenAI.default || OpenAI)({ baseURL: process.env.BASE_URL, apiKey: 'not-checked', maxRetries: 0 });

// A failing call's status, code and message, as the SDK's APIError exposes them.
async function failure(call) {
  try {
    await call();
    return { status: 200 };
  } catch (e) {
    return { status: e.status ?? null, code: e.code ?? null, param: e.param ?? null, message: e.message };
  }
}

const model = process.env.MODEL;
const out = {};
const list = await client.models.list();
out.models = list.data.map((m) => ({ id: m.id, object: m.object, owned_by: m.owned_by }));
out.retrieved = (await client.models.retrieve(model)).id;

const one = await client.embeddings.create({ model, input: process.env.TEXT, encoding_format: 'float' });
out.one = { model: one.model, object: one.object, usage: one.usage, index: one.data[0].index, embedding: one.data[0].embedding };

const texts = JSON.parse(process.env.TEXTS);
const many = await client.embeddings.create({ model, input: texts, encoding_format: 'float' });
out.many = many.data.map((d) => ({ index: d.index, embedding: d.embedding }));
out.manyUsage = many.usage;

// No encoding_format: the SDK asks for base64 itself and decodes it into numbers.
const b64 = await client.embeddings.create({ model, input: process.env.TEXT });
out.base64 = b64.data[0].embedding;

const dims = Number(process.env.DIMS);
const short = await client.embeddings.create({ model, input: process.env.TEXT, dimensions: dims, encoding_format: 'float' });
out.short = short.data[0].embedding;

out.errors = {
  unknownModel: await failure(() => client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' })),
  tokenIds: await failure(() => client.embeddings.create({ model, input: [[1, 2, 3]], encoding_format: 'float' })),
  emptyInput: await failure(() => client.embeddings.create({ model, input: [], encoding_format: 'float' })),
  badFormat: await failure(() => client.embeddings.create({ model, input: 'x', encoding_format: 'utf8' })),
  tooManyDims: await failure(() => client.embeddings.create({ model, input: 'x', dimensions: 1e6, encoding_format: 'float' })),
  unknownRetrieve: await failure(() => client.models.retrieve('no-such-model')),
};
console.log(JSON.stringify(out));
