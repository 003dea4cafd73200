#!/usr/bin/env node
// llama.cpp's token ids for a list of texts from a model's vocabulary alone (vocab_only: no
// weights are read, so llama.cpp's own vocabulary files such as models/ggml-vocab-*.gguf in its
// source tree work too): llama_tokenize(text, add_special=false, parse_special=false).
//
//   node tokenize_ref.mjs MODEL.gguf TEXTS.json [--out OUT.json]
//
// Output {meta, results: [{text, token_ids}]}. For checking a tokenizer against real
// vocabularies during development (tools/check_vocab.sh compares); the tests use goldens.
import {readFileSync, writeFileSync} from "node:fs";
import {createHash} from "node:crypto";
import {loadLlama, parseArgs} from "./lib.mjs";

const {pos, opt} = parseArgs(process.argv.slice(2));
if (pos.length !== 2) {
    process.stderr.write("usage: node tokenize_ref.mjs MODEL.gguf TEXTS.json [--out OUT.json]\n");
    process.exit(2);
}
const [modelPath, textsPath] = pos;
const texts = JSON.parse(readFileSync(textsPath, "utf8"));
if (!Array.isArray(texts) || !texts.every((t) => typeof t === "string"))
    throw new Error(`${textsPath}: want a JSON array of strings`);
const {llama, version} = await loadLlama({tool: "tokenize_ref"});
const model = await llama.loadModel({modelPath, gpuLayers: 0, vocabOnly: true});
const results = texts.map((text) => ({text, token_ids: Array.from(model.tokenize(text, false))}));
const json = JSON.stringify({
    meta: {
        tool: "tools/llamacpp/tokenize_ref.mjs",
        node_llama_cpp: version,
        llama_cpp_release: llama.llamaCppRelease.release,
        model_sha256: createHash("sha256").update(readFileSync(modelPath)).digest("hex"),
        vocabulary_type: model.vocabularyType
    },
    results
});
if (opt.out) writeFileSync(opt.out, json + "\n");
else process.stdout.write(json + "\n");
await model.dispose();
await llama.dispose();
