#!/usr/bin/env node
// fake_openai: an OpenAI-compatible embeddings server for samplevec's tests and benchmark.
// Node's http module only, no dependencies (npm tiktoken is used for exact usage counts when
// scripts/test-deps.sh has installed it under build/npm/tiktoken; otherwise ≈ bytes/4).
// Listens on loopback only.
//
// usage: node server.js [--port N (0 = free port)] [--port-file FILE] [--key KEY]
//          [--latency-ms N] [--faults PLAN] [--rates KIND:P,...] [--seed N]
//          [--bad-marker TEXT] [--reject-base64] [--float-only] [--retry-after S]
//          [--retry-after-ms MS] [--log FILE] [--models NAME:DIMS,...] [--dump-inputs FILE]
//   --log        one line per request: number, fault, body bytes, requests in flight on arrival
//   --models     extra self-hosted model names (no `dimensions` support), e.g. nomic-embed-text:768
//   --usage-estimate  bill ≈ bytes/4 instead of npm tiktoken: counting ~1M tokens costs this
//                 single-threaded server ~1 s of CPU that would serialize the benchmark's requests
//   --dump-inputs  appends every embedded input as a JSON string line (benchmarks reuse them)
//   PLAN   comma-separated fault kinds applied to requests 1, 2, 3... in arrival order
//          ("ok" for a normal answer); after the plan, --rates draws faults at random
//          (seeded xorshift, so a run is reproducible).
//   kinds  429 500 502 503   that status with OpenAI's error body (429 carries Retry-After)
//          drop              the socket is destroyed before any response (connection reset)
//          truncate          200 with half of the JSON body, then the connection closes
//          count             one embedding fewer than inputs
//          nan               the first embedding's first component is NaN (null in float mode)
//          dims              the first embedding is one component short
//          slow              the answer comes 10 × --latency-ms late
//          400param          400 naming the `dimensions` parameter (a setting, not an input)
//          200error          200 whose body is {"error":{"code":502,...}} (OpenRouter relaying an
//                            upstream failure)
// Control (for tests): GET /__stats → counters; POST /__control {"faults": PLAN, "rates": ...,
// "latency_ms": N} replaces the fault settings; counters go on.
//
// What each part imitates, field by field (OpenAI API reference, "Create embeddings", and the
// API's observed behaviour):
//   POST {base}/embeddings        the only route; anything else answers 404 "Invalid URL
//                                 (METHOD /path)" with type invalid_request_error, as the API does.
//   Authorization: Bearer KEY     with --key: missing → 401 "You didn't provide an API key...";
//                                 wrong → 401 "Incorrect API key provided: KEY...". The real API
//                                 echoes a masked key; this server echoes the WHOLE key it was
//                                 sent, the worst case, so tests prove samplevec never prints it.
//   body                          not JSON → 400 "We could not parse the JSON body of your
//                                 request..." (type invalid_request_error).
//   model                         required (400 "you must provide a model parameter"); unknown
//                                 → 404 code model_not_found "The model `X` does not exist or
//                                 you do not have access to it." Known: text-embedding-3-small
//                                 (1536), text-embedding-3-large (3072), text-embedding-ada-002
//                                 (1536), also with OpenRouter's "openai/" prefix.
//   input                         a string or an array of strings (token arrays are accepted
//                                 too); required; an empty string or empty array → 400
//                                 "'$.input' is invalid..."; more than 2048 items → 400; an item
//                                 over 8192 tokens → 400 "This model's maximum context length is
//                                 8192 tokens, however you requested N tokens..."; over 300,000
//                                 tokens in one request → 400 "Requested N tokens, max 300000
//                                 tokens per request". None of these name the offending index,
//                                 like the API, so the client has to bisect.
//   --bad-marker TEXT             an input containing TEXT → 400 "Invalid 'input[i]': ..." for
//                                 the whole request (the API's content/format rejections
//                                 fail the request, not the item).
//   encoding_format               "float" (default) or "base64" (little-endian float32 bytes);
//                                 anything else → 400 "'X' is not one of ['float', 'base64']".
//                                 --reject-base64 answers base64 with 400 (servers that only do
//                                 floats); --float-only ignores it and sends floats (Ollama-like).
//   dimensions                    text-embedding-3-* only (else 400 "This model does not support
//                                 specifying dimensions."); 1..native, else 400.
//   user                          accepted and ignored.
//   response                      {"object":"list","data":[{"object":"embedding","index":i,
//                                 "embedding":...}],"model":M,"usage":{"prompt_tokens":N,
//                                 "total_tokens":N}}; vectors are unit length and a pure
//                                 function of (model, dims, text), so reruns are identical.
//   headers                       x-request-id, openai-processing-ms, x-ratelimit-* ; 429s carry
//                                 retry-after (seconds) and, with --retry-after-ms, retry-after-ms.
//   errors                        {"error":{"message","type","param","code"}}.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const opt = {
  port: 0, portFile: null, key: null, latencyMs: 0, faults: [], rates: {}, seed: 1,
  badMarker: null, rejectBase64: false, floatOnly: false, retryAfter: '1', retryAfterMs: null, log: null,
  models: {}, dump: null,
};
for (let i = 0; i < args.length; i++) {
  const a = args[i], v = () => args[++i];
  switch (a) {
    case '--port': opt.port = Number(v()); break;
    case '--port-file': opt.portFile = v(); break;
    case '--key': opt.key = v(); break;
    case '--latency-ms': opt.latencyMs = Number(v()); break;
    case '--faults': opt.faults = parsePlan(v()); break;
    case '--rates': opt.rates = parseRates(v()); break;
    case '--seed': opt.seed = Number(v()) >>> 0 || 1; break;
    case '--bad-marker': opt.badMarker = v(); break;
    case '--reject-base64': opt.rejectBase64 = true; break;
    case '--float-only': opt.floatOnly = true; break;
    case '--retry-after': opt.retryAfter = v(); break;
    case '--retry-after-ms': opt.retryAfterMs = v(); break;
    case '--log': opt.log = v(); break;
    case '--models': for (const m of v().split(',')) { const [n, d] = m.split(':'); opt.models[n] = Number(d); } break;
    case '--dump-inputs': opt.dump = v(); break;
    case '--usage-estimate': opt.usageEstimate = true; break;
    default: console.error(`fake_openai: unknown option ${a}`); process.exit(2);
  }
}
function parsePlan(s) { return s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []; }
function parseRates(s) {
  const r = {};
  for (const kv of (s || '').split(',').filter(Boolean)) {
    const [k, p] = kv.split(':');
    r[k] = Number(p);
  }
  return r;
}

// Exact token counts with npm tiktoken when installed (the API counts with cl100k_base).
let enc = null;
if (!opt.usageEstimate) try {
  const { get_encoding } = require(path.resolve(__dirname, '../../build/npm/tiktoken/node_modules/tiktoken'));
  enc = get_encoding('cl100k_base');
} catch (e) { /* estimate instead */ }
const countTokens = (s) => (enc ? enc.encode_ordinary(s).length : Math.max(1, Math.ceil(Buffer.byteLength(s) / 4)));

const MODELS = { 'text-embedding-3-small': 1536, 'text-embedding-3-large': 3072, 'text-embedding-ada-002': 1536 };
Object.assign(MODELS, opt.models);
const stats = { requests: 0, embedded_inputs: 0, prompt_tokens: 0, faults: {}, status: {}, max_inputs: 0, max_in_flight: 0 };
let inFlight = 0;
let rng = opt.seed;
const random = () => { rng ^= rng << 13; rng >>>= 0; rng ^= rng >>> 17; rng ^= rng << 5; rng >>>= 0; return rng / 4294967296; };
const logLine = (s) => { if (opt.log) fs.appendFileSync(opt.log, s + '\n'); };

function vectorFor(model, dims, text) {
  let h = 2166136261;
  const feed = (s) => { for (const b of Buffer.from(s, 'utf8')) { h ^= b; h = Math.imul(h, 16777619) >>> 0; } };
  feed(model.replace(/^openai\//, '')); feed('\0'); feed(String(dims)); feed('\0'); feed(text);
  let x = h || 1;
  const v = new Float32Array(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    v[i] = x / 2147483648 - 1;
    norm += v[i] * v[i];
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dims; i++) v[i] /= norm;
  return v;
}

function send(res, status, obj, headers = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_${stats.requests}`, ...headers });
  res.end(body);
  stats.status[status] = (stats.status[status] || 0) + 1;
}
const apiError = (res, status, message, type, param = null, code = null, headers = {}) =>
  send(res, status, { error: { message, type, param, code } }, headers);

function nextFault() {
  if (opt.faults.length) return opt.faults.shift();
  let r = random();
  for (const [k, p] of Object.entries(opt.rates)) { if (r < p) return k; r -= p; }
  return 'ok';
}

function handleEmbeddings(req, res, raw) {
  if (opt.key !== null) {
    const auth = req.headers.authorization || '';
    if (!auth.startsWith('Bearer ') || auth.length <= 7)
      return apiError(res, 401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.", 'invalid_request_error');
    const sent = auth.slice(7);
    if (sent !== opt.key)
      return apiError(res, 401, `Incorrect API key provided: ${sent}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', null, 'invalid_api_key');
  }
  let body;
  try { body = JSON.parse(raw); } catch (e) {
    return apiError(res, 400, "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)", 'invalid_request_error');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return apiError(res, 400, "Invalid type for request body: expected an object.", 'invalid_request_error');
  const model = body.model;
  if (typeof model !== 'string' || !model) return apiError(res, 400, 'you must provide a model parameter', 'invalid_request_error');
  const bare = model.replace(/^openai\//, '');
  if (!(bare in MODELS)) return apiError(res, 404, `The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', null, 'model_not_found');
  let input = body.input;
  if (input === undefined) return apiError(res, 400, "'input' is a required property", 'invalid_request_error', 'input');
  if (typeof input === 'string') input = [input];
  if (!Array.isArray(input) || input.length === 0 || input.some((x) => (typeof x === 'string' ? x.length === 0 : !Array.isArray(x) || x.length === 0)))
    return apiError(res, 400, "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", 'invalid_request_error', 'input');
  if (input.length > 2048) return apiError(res, 400, `'$.input' is too long: ${input.length} items, maximum 2048.`, 'invalid_request_error', 'input');
  const fmt = body.encoding_format === undefined ? 'float' : body.encoding_format;
  if (fmt !== 'float' && fmt !== 'base64') return apiError(res, 400, `'${fmt}' is not one of ['float', 'base64'] - 'encoding_format'`, 'invalid_request_error', 'encoding_format');
  if (fmt === 'base64' && opt.rejectBase64) return apiError(res, 400, "encoding_format 'base64' is not supported by this server; use 'float'", 'invalid_request_error', 'encoding_format');
  const native = MODELS[bare];
  let dims = native;
  if (body.dimensions !== undefined) {
    if (!bare.startsWith('text-embedding-3')) return apiError(res, 400, 'This model does not support specifying dimensions.', 'invalid_request_error', 'dimensions');
    if (!Number.isInteger(body.dimensions) || body.dimensions < 1 || body.dimensions > native)
      return apiError(res, 400, `Invalid value for 'dimensions' = ${body.dimensions}. Must be between 1 and ${native}.`, 'invalid_request_error', 'dimensions');
    dims = body.dimensions;
  }
  let total = 0;
  const texts = input.map((x) => (typeof x === 'string' ? x : `tokens:${x.join(',')}`));
  for (let i = 0; i < input.length; i++) {
    const n = typeof input[i] === 'string' ? countTokens(input[i]) : input[i].length;
    if (n > 8192) return apiError(res, 400, `This model's maximum context length is 8192 tokens, however you requested ${n} tokens (${n} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.`, 'invalid_request_error');
    total += n;
  }
  if (total > 300000) return apiError(res, 400, `Requested ${total} tokens, max 300000 tokens per request`, 'invalid_request_error', 'input');
  if (opt.badMarker) {
    const bad = texts.findIndex((t) => t.includes(opt.badMarker));
    if (bad >= 0) return apiError(res, 400, `Invalid 'input[${bad}]': the input was rejected by the server.`, 'invalid_request_error', 'input');
  }
  return { model, texts, dims, fmt: opt.floatOnly ? 'float' : fmt, total };
}

function respond(req, res, raw, fault) {
  const ok = handleEmbeddings(req, res, raw);
  if (!ok) return;
  const { model, texts, dims, fmt, total } = ok;
  let data = texts.map((t, i) => ({ object: 'embedding', index: i, vec: vectorFor(model, dims, t) }));
  if (fault === 'count') data.pop();
  if (fault === 'dims' && data.length) data[0].vec = data[0].vec.subarray(0, dims - 1);
  if (fault === 'nan' && data.length) data[0].vec[0] = NaN;
  const out = {
    object: 'list',
    data: data.map((d) => ({
      object: 'embedding', index: d.index,
      embedding: fmt === 'base64' ? Buffer.from(d.vec.buffer, d.vec.byteOffset, d.vec.byteLength).toString('base64') : Array.from(d.vec),
    })),
    model: model.replace(/^openai\//, ''),
    usage: { prompt_tokens: total, total_tokens: total },
  };
  stats.embedded_inputs += data.length;
  if (opt.dump) fs.appendFileSync(opt.dump, texts.map((t) => JSON.stringify(t) + '\n').join(''));
  stats.prompt_tokens += total;
  stats.max_inputs = Math.max(stats.max_inputs, texts.length);
  const headers = {
    'openai-processing-ms': String(opt.latencyMs), 'x-ratelimit-limit-requests': '10000',
    'x-ratelimit-remaining-requests': '9999', 'x-ratelimit-limit-tokens': '10000000',
  };
  if (fault === 'truncate') {
    const body = JSON.stringify(out);
    res.writeHead(200, { 'content-type': 'application/json', ...headers }); // chunked: no length
    res.write(body.slice(0, Math.floor(body.length / 2)));
    res.end();
    stats.status['200-truncated'] = (stats.status['200-truncated'] || 0) + 1;
    return;
  }
  send(res, 200, out, headers);
}

const server = http.createServer((req, res) => {
  const url = req.url.split('?')[0];
  if (req.method === 'GET' && url === '/__stats') return send(res, 200, { ...stats, in_flight: inFlight });
  const chunks = [];
  let size = 0;
  req.on('data', (c) => { size += c.length; if (size <= 64 << 20) chunks.push(c); });
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    if (req.method === 'POST' && url === '/__control') {
      const c = JSON.parse(raw || '{}');
      if ('faults' in c) opt.faults = parsePlan(c.faults);
      if ('rates' in c) opt.rates = parseRates(c.rates);
      if ('latency_ms' in c) opt.latencyMs = Number(c.latency_ms);
      return send(res, 200, { ok: true });
    }
    if (!/\/embeddings$/.test(url) || req.method !== 'POST')
      return apiError(res, 404, `Invalid URL (${req.method} ${url})`, 'invalid_request_error');
    stats.requests++;
    inFlight++;
    stats.max_in_flight = Math.max(stats.max_in_flight, inFlight);
    const fault = nextFault();
    if (fault !== 'ok') stats.faults[fault] = (stats.faults[fault] || 0) + 1;
    logLine(`${stats.requests} ${fault} ${raw.length} ${inFlight}`);
    const delay = fault === 'slow' ? opt.latencyMs * 10 : opt.latencyMs;
    setTimeout(() => {
      inFlight--;
      switch (fault) {
        case 'drop': req.socket.destroy(); return;
        case '429': {
          const h = { 'retry-after': opt.retryAfter };
          if (opt.retryAfterMs !== null) h['retry-after-ms'] = opt.retryAfterMs;
          return apiError(res, 429, 'Rate limit reached for text-embedding-3-small in organization org-fake on requests per min (RPM): Limit 3000, Used 3000, Requested 1. Please try again in 20ms.', 'requests', null, 'rate_limit_exceeded', h);
        }
        case '500': return apiError(res, 500, 'The server had an error while processing your request. Sorry about that!', 'server_error');
        case '502': res.writeHead(502, { 'content-type': 'text/html' }); res.end('<html><body><h1>502 Bad Gateway</h1></body></html>'); stats.status[502] = (stats.status[502] || 0) + 1; return;
        case '503': return apiError(res, 503, 'The engine is currently overloaded, please try again later', 'server_error');
        case '200error': return send(res, 200, { error: { message: 'Upstream provider returned 502', code: 502 } });
        case '400param': return apiError(res, 400, "Invalid value for 'dimensions': this deployment does not support it.", 'invalid_request_error', 'dimensions');
        default: return respond(req, res, raw, fault);
      }
    }, delay);
  });
});
server.keepAliveTimeout = 30000;
server.listen(opt.port, '127.0.0.1', () => {
  const port = server.address().port;
  if (opt.portFile) fs.writeFileSync(opt.portFile + '.tmp', String(port)), fs.renameSync(opt.portFile + '.tmp', opt.portFile);
  console.log(`fake_openai listening on http://127.0.0.1:${port}/v1 (tokens: ${enc ? 'tiktoken' : 'estimate'})`);
});
const stop = () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 500).unref();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
