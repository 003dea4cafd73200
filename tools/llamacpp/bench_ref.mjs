#!/usr/bin/env node
// llama.cpp's embedding throughput on a list of texts, for bench/gguf.sh: the texts one by one
// through node-llama-cpp's embedding context (its public API has one sequence, so one
// llama_encode per text), a warm-up pass, then the median of RUNS timed passes.
//
//   node bench_ref.mjs MODEL.gguf TEXTS.json [--runs 3] [--threads 2] [--flash-attn off|auto]
// Prints {"texts", "tokens", "runs", "flash_attention", "seconds", "texts_per_s", "tokens_per_s"}.
// node-llama-cpp comes from build/llamacpp (or $SAMPLEVEC_LLAMACPP), see setup.sh.
import {existsSync, readFileSync} from "node:fs";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = "true";
process.env.NODE_LLAMA_CPP_GPU = "false";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const opt = {};
const pos = [];
for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith("--")) opt[argv[i].slice(2)] = argv[++i];
    else pos.push(argv[i]);
}
if (pos.length !== 2) {
    process.stderr.write("usage: node bench_ref.mjs MODEL.gguf TEXTS.json [--runs 3] [--threads 2] [--flash-attn off|auto]\n");
    process.exit(2);
}
const dir = resolve(process.env.SAMPLEVEC_LLAMACPP ?? join(here, "..", "..", "build", "llamacpp"));
const entry = join(dir, "node_modules", "node-llama-cpp", "dist", "index.js");
if (!existsSync(entry)) {
    process.stderr.write(`bench_ref: node-llama-cpp is not installed in ${dir}: run tools/llamacpp/setup.sh\n`);
    process.exit(3);
}
const nlc = await import(pathToFileURL(entry).href);
const threads = Number(opt.threads ?? 2);
const runs = Number(opt.runs ?? 3);
const fa = opt["flash-attn"] ?? "off";
if (fa !== "off" && fa !== "auto") throw new Error("--flash-attn must be off or auto");
const logs = [];
const llama = await nlc.getLlama({
    gpu: false, build: "never", skipDownload: true, usePrebuiltBinaries: true, maxThreads: threads,
    logLevel: nlc.LlamaLogLevel.info, logger(level, message) { logs.push(String(message)); }
});
const texts = JSON.parse(readFileSync(pos[1], "utf8"));
const model = await llama.loadModel({modelPath: pos[0], gpuLayers: 0, defaultContextFlashAttention: fa === "auto" ? "auto" : false});
const ctxSize = Math.ceil((model.trainContextSize + 1) / 256) * 256;
const ctx = await model.createEmbeddingContext({contextSize: ctxSize, batchSize: ctxSize, threads});
let tokens = 0;
for (const t of texts) tokens += ctx.calculateInputLength(t);

const pass = async () => {
    const t0 = process.hrtime.bigint();
    for (const t of texts) await ctx.getEmbeddingFor(t);
    return Number(process.hrtime.bigint() - t0) / 1e9;
};
await pass(); // warm-up
const times = [];
for (let i = 0; i < runs; i++) times.push(await pass());
times.sort((a, b) => a - b);
const s = times[Math.floor(times.length / 2)];
const resolved = logs.map((l) => /Flash Attention (enabled|disabled)/i.exec(l)?.[1]).filter(Boolean).at(-1);
console.log(JSON.stringify({
    texts: texts.length, tokens, runs, flash_attention: fa === "auto" ? `auto (${resolved ?? "?"})` : "off",
    seconds: Number(s.toFixed(4)), texts_per_s: Number((texts.length / s).toFixed(2)), tokens_per_s: Number((tokens / s).toFixed(1))
}));
await ctx.dispose();
await model.dispose();
await llama.dispose();
