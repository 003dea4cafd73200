// serve_load.mjs URL QUERIES_FILE CLIENTS REQUESTS: REQUESTS GET /search?q=... spread over
// CLIENTS concurrent keep-alive clients (each sends its next request when its last one is
// answered), cycling through the queries. Prints key=value lines: latency percentiles in ms
// (from sending a request to its last byte), requests per second, and any non-200.
import fs from 'node:fs';
import http from 'node:http';

const [url, file, clientsArg, requestsArg] = process.argv.slice(2);
const queries = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
const clients = Number(clientsArg), total = Number(requestsArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const lat = [];
let next = 0, bad = 0;

function get(path) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    http.get(`${url}${path}`, { agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    }).on('error', () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
  });
}

async function client() {
  for (;;) {
    const i = next++;
    if (i >= total) return;
    const r = await get(`/search?q=${encodeURIComponent(queries[i % queries.length])}`);
    if (r.status !== 200) bad++;
    lat.push(r.ms);
  }
}

const t0 = Date.now();
await Promise.all(Array.from({ length: clients }, client));
const wall = (Date.now() - t0) / 1000;
lat.sort((a, b) => a - b);
const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
console.log(`requests=${lat.length}\nclients=${clients}\np50_ms=${pct(0.5).toFixed(2)}\np95_ms=${pct(0.95).toFixed(2)}\np99_ms=${pct(0.99).toFixed(2)}\nrps=${(lat.length / wall).toFixed(1)}\nnon_200=${bad}`);
agent.destroy();
