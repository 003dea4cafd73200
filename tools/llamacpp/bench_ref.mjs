#!/usr/bin/env node
// llama.cpp's embedding throughput on a list of texts, for bench/gguf.sh: the texts one by one
// through node-llama-cpp's embedding context (its public API has one sequence, so one
// llama_encode/llama_decode per text), a warm-up pass, then the median of RUNS timed passes.
// Each text goes in as the ids embed_ref.mjs evaluates for the goldens (lib.mjs inputIdsFor:
// the specials llama_tokenize adds, e.g. qwen3's trailing <|endoftext|> that last-token pooling
// reads, gemma's <bos> .. <eos>), tokenized before the clock starts; the context is the one
// embed_ref.mjs makes (the file's pooling type; for the decoders, qwen3 causal through its KV
// cache, gemma-embedding bidirectional), so both tools run the same graph.
//
//   node bench_ref.mjs MODEL.gguf TEXTS.json [--runs 3] [--threads 2] [--flash-attn off|auto]
// Prints {"texts", "tokens", "runs", "flash_attention", "seconds", "texts_per_s", "tokens_per_s"}.
// node-llama-cpp comes from build/llamacpp (or $SAMPLEVEC_LLAMACPP), see setup.sh.
import {readFileSync} from "node:fs";
import {contextFor, inputIdsFor, loadLlama, parseArgs, specialsFor} from "./lib.mjs";

const {pos, opt} = parseArgs(process.argv.slice(2));
if (pos.length !== 2) {
    process.stderr.write("usage: node bench_ref.mjs MODEL.gguf TEXTS.json [--runs 3] [--threads 2] [--flash-attn off|auto]\n");
    process.exit(2);
}
const threads = Number(opt.threads ?? 2);
const runs = Number(opt.runs ?? 3);
const fa = opt["flash-attn"] ?? "off";
if (fa !== "off" && fa !== "auto") throw new Error("--flash-attn must be off or auto");
const {llama, logs} = await loadLlama({threads, tool: "bench_ref"});
const texts = JSON.parse(readFileSync(pos[1], "utf8"));
const model = await llama.loadModel({modelPath: pos[0], gpuLayers: 0, defaultContextFlashAttention: fa === "auto" ? "auto" : false});
const ctxSize = contextFor(model.trainContextSize);
const ctx = await model.createEmbeddingContext({contextSize: ctxSize, batchSize: ctxSize, threads});
const specials = specialsFor(model);
const inputs = texts.map((t) => inputIdsFor(model, specials, t).inputIds);
let tokens = 0;
for (const ids of inputs) {
    if (ctx.calculateInputLength(ids) !== ids.length) throw new Error("node-llama-cpp would add tokens to the input ids");
    tokens += ids.length;
}

const pass = async () => {
    const t0 = process.hrtime.bigint();
    for (const ids of inputs) await ctx.getEmbeddingFor(ids);
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
