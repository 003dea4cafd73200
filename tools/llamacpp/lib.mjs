// What embed_ref.mjs and bench_ref.mjs share: their command line, and llama.cpp loaded from
// node-llama-cpp 3.21.1's prebuilt CPU backend in build/llamacpp (or $SAMPLEVEC_LLAMACPP),
// installed by setup.sh: never built, never downloaded, no GPU.
import {existsSync, readFileSync} from "node:fs";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";

// read by node-llama-cpp when it is imported
process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = "true";
process.env.NODE_LLAMA_CPP_GPU = "false";

// ["a", "--k", "v", "--flag"] with flags ["flag"] -> {pos: ["a"], opt: {k: "v", flag: true}}
export function parseArgs(argv, flags = []) {
    const pos = [], opt = {};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (!a.startsWith("--")) pos.push(a);
        else if (flags.includes(a.slice(2))) opt[a.slice(2)] = true;
        else opt[a.slice(2)] = argv[++i];
    }
    return {pos, opt};
}

// -> {nlc, llama, logs (llama.cpp's log lines, as they arrive), version}; exits 3 when missing
export async function loadLlama({dir, threads = 2, tool = "llamacpp"} = {}) {
    const here = dirname(fileURLToPath(import.meta.url));
    const root = resolve(dir ?? process.env.SAMPLEVEC_LLAMACPP ?? join(here, "..", "..", "build", "llamacpp"));
    const pkg = join(root, "node_modules", "node-llama-cpp");
    if (!existsSync(join(pkg, "dist", "index.js"))) {
        process.stderr.write(`${tool}: node-llama-cpp is not installed in ${root}: run tools/llamacpp/setup.sh\n`);
        process.exit(3);
    }
    const nlc = await import(pathToFileURL(join(pkg, "dist", "index.js")).href);
    const version = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).version;
    const logs = [];
    const llama = await nlc.getLlama({
        gpu: false, build: "never", skipDownload: true, usePrebuiltBinaries: true, maxThreads: threads,
        logLevel: nlc.LlamaLogLevel.info,
        logger(level, message) { logs.push(String(message).trimEnd()); }
    });
    return {nlc, llama, logs, version};
}

// llama.cpp rounds the context up to a multiple of 256; an encoder's input must be one ubatch
export const contextFor = (trainCtx) => Math.ceil((trainCtx + 1) / 256) * 256;

// What llama_tokenize(add_special=true) puts around a text's ids (llama-vocab.cpp
// llama_vocab::impl::tokenize): WPM [CLS] .. [SEP]; SPM/BPE/UGM BOS if add_bos, EOS if add_eos.
// node-llama-cpp's own text path differs for UGM (it never prepends BOS and always appends EOS),
// so embed_ref.mjs and bench_ref.mjs pass these ids rather than the text.
export function specialsFor(model) {
    const tok = model.tokens, vt = model.vocabularyType, md = model.fileInfo.metadata;
    const head = vt === "wpm" ? [tok.bos] : tok.shouldPrependBosToken ? [tok.bos] : [];
    const tail = vt === "wpm" ? [tok.sep] : tok.shouldAppendEosToken || (vt === "ugm" && md.tokenizer.ggml.add_eos_token !== false) ? [tok.eos] : [];
    return {head, tail};
}

// The ids llama.cpp evaluates for text: specialsFor's around the text's own ids, the body cut to
// the model's context (llama.cpp itself refuses longer input) -> {tokenIds, inputIds, truncated}
export function inputIdsFor(model, {head, tail}, text) {
    const tokenIds = Array.from(model.tokenize(text, false));
    const trainCtx = model.trainContextSize;
    let body = tokenIds, truncated = false;
    if (head.length + body.length + tail.length > trainCtx) {
        body = body.slice(0, trainCtx - head.length - tail.length);
        truncated = true;
    }
    return {tokenIds, inputIds: [...head, ...body, ...tail], truncated};
}
