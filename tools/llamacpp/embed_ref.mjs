#!/usr/bin/env node
// llama.cpp's own answer for a GGUF model and a list of texts: the token ids, the ids it
// evaluated, and the pooled vector. llama.cpp is node-llama-cpp 3.21.1's prebuilt CPU backend
// (bundled llama.cpp v0.4.0), installed by tools/llamacpp/setup.sh; never built, never
// downloaded here. Flash attention is off (on CPU "auto" turns it on and moves the vectors by
// ~1e-3: K and V go through F16).
//
//   node embed_ref.mjs MODEL.gguf TEXTS.json [--out OUT.json] [--digits 8] [--threads 2]
//   node embed_ref.mjs --check [DIR]        load smoke test
//
// DIR (default build/llamacpp beside this checkout, or $SAMPLEVEC_LLAMACPP) holds node_modules.
//
// Output {meta, results: [{text, token_ids, input_ids, truncated?, embedding}]}:
//   token_ids  llama_tokenize(text, add_special=false, parse_special=false), as model.tokenize
//   input_ids  what was evaluated: the ids llama.cpp's llama_tokenize(add_special=true) gives
//              (WPM: [CLS] ids [SEP]; SPM/BPE/UGM: BOS if add_bos, EOS if add_eos), passed to
//              the embedding context as ids. node-llama-cpp's own text path differs for UGM (it
//              never prepends BOS and always appends EOS); we check that it adds nothing here.
//              Longer than the model's context: cut to it keeping the leading and trailing
//              specials ("truncated": true; llama.cpp itself refuses such input).
//   embedding  llama_get_embeddings_seq() for the file's pooling type: NOT L2-normalised.
import {readFileSync, writeFileSync} from "node:fs";
import {createHash} from "node:crypto";
import {contextFor, inputIdsFor, loadLlama, parseArgs, specialsFor} from "./lib.mjs";

const {pos, opt} = parseArgs(process.argv.slice(2), ["check"]);
const threads = Number(opt.threads ?? 2);
const {llama, logs, version} = await loadLlama({dir: opt.check ? pos[0] : undefined, threads, tool: "embed_ref"});
if (opt.check) {
    console.log(`node-llama-cpp ${version} (${llama.buildType}), llama.cpp ${llama.llamaCppRelease.release}, gpu ${llama.gpu}`);
    if (version !== "3.21.1" || llama.buildType !== "prebuilt" || llama.gpu !== false) process.exit(1);
    process.exit(0);
}
if (pos.length !== 2) {
    process.stderr.write("usage: node embed_ref.mjs MODEL.gguf TEXTS.json [--out OUT.json] [--digits 8] [--threads 2]\n");
    process.exit(2);
}
const [modelPath, textsPath] = pos;
const digits = Number(opt.digits ?? 8);
const texts = JSON.parse(readFileSync(textsPath, "utf8"));
if (!Array.isArray(texts) || !texts.every((t) => typeof t === "string"))
    throw new Error(`${textsPath}: want a JSON array of strings`);

// llama.cpp's own words when it refuses a file are in its log, not in the exception
process.on("uncaughtException", (e) => {
    process.stderr.write(logs.slice(-12).map((l) => "llama.cpp: " + l + "\n").join("") + String(e.stack ?? e) + "\n");
    process.exit(1);
});
const model = await llama.loadModel({modelPath, gpuLayers: 0, defaultContextFlashAttention: false});
const md = model.fileInfo.metadata;
const arch = md.general.architecture;
const trainCtx = model.trainContextSize;
const ctxSize = contextFor(trainCtx);
const ctx = await model.createEmbeddingContext({contextSize: ctxSize, batchSize: ctxSize, threads});

const vt = model.vocabularyType;
const specials = specialsFor(model); // llama_tokenize(add_special=true)'s
const round = (x) => Number(x.toPrecision(digits));

const results = [];
for (const text of texts) {
    const {tokenIds, inputIds, truncated} = inputIdsFor(model, specials, text);
    if (ctx.calculateInputLength(inputIds) !== inputIds.length)
        throw new Error(`node-llama-cpp would add tokens to ${JSON.stringify(inputIds)} (${vt})`);
    const emb = await ctx.getEmbeddingFor(inputIds);
    const vec = Array.from(emb.vector);
    if (vec.length !== model.embeddingVectorSize || !vec.every(Number.isFinite))
        throw new Error(`bad vector for ${JSON.stringify(text.slice(0, 40))}: length ${vec.length}`);
    results.push({text, token_ids: tokenIds, input_ids: inputIds, ...(truncated ? {truncated} : {}),
        embedding: vec.map(round)});
}

// llama.cpp logs asynchronously: by now the context's "flash_attn = ..." line has arrived
await new Promise((r) => setTimeout(r, 100));
const fa = logs.map((l) => /flash_attn\s*=\s*(\w+)/.exec(l)?.[1]).filter(Boolean).at(-1) ?? "unknown";
if (fa !== "disabled") throw new Error(`flash attention is ${fa}, want disabled`);
const pooling = md[arch]?.pooling_type;
const out = {
    meta: {
        tool: "tools/llamacpp/embed_ref.mjs",
        node_llama_cpp: version,
        llama_cpp_release: llama.llamaCppRelease.release,
        build_type: llama.buildType,
        model_sha256: createHash("sha256").update(readFileSync(modelPath)).digest("hex"),
        architecture: arch,
        vocabulary_type: vt,
        n_embd: model.embeddingVectorSize,
        context_length: trainCtx,
        pooling: ({0: "none", 1: "mean", 2: "cls", 3: "last", 4: "rank"})[pooling] ?? (pooling == null ? "default" : String(pooling)),
        flash_attention: fa,
        digits,
        normalized: false
    },
    results
};
const json = JSON.stringify(out);
if (opt.out) writeFileSync(opt.out, json + "\n");
else process.stdout.write(json + "\n");
await ctx.dispose();
await model.dispose();
await llama.dispose();
