#!/usr/bin/env bash
# Models found where Ollama keeps them: a fake Ollama store (manifests + content-addressed
# blobs, the layout `ollama pull` writes) holding the tiny fixture under two names and a model
# of an architecture samplevec does not run. `models` lists what runs; `--model NAME` embeds,
# searches and tokenizes with the blob in-process; broken entries are clear errors.
. "$(dirname "$0")/lib.sh"
fx=$BUILD_DIR/gguf-fixtures
"$SRC_DIR/tools/gguf_fixtures.sh" "$fx" || { fail "fixtures"; finish; }

# blob FILE: copies FILE into the store's blobs/ under its digest and prints the digest.
store=$WORK/ollama
mkdir -p "$store/blobs"
blob() {
  local sha; sha=$(sha256sum "$1" | cut -d' ' -f1)
  cp "$1" "$store/blobs/sha256-$sha"
  echo "$sha"
}
# manifest HOST/NS/MODEL/TAG SHA SIZE: a manifest whose model layer is that blob.
manifest() {
  mkdir -p "$store/manifests/$(dirname "$1")"
  cat >"$store/manifests/$1" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
 "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:$(printf '0%.0s' {1..64})","size":2},
 "layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:$2","size":$3},
           {"mediaType":"application/vnd.ollama.image.license","digest":"sha256:$(printf '1%.0s' {1..64})","size":10}]}
EOF
}
tiny_sha=$(blob "$fx/tiny.gguf")
tiny_size=$(stat -c %s "$fx/tiny.gguf")
manifest registry.ollama.ai/library/tiny-embed/latest "$tiny_sha" "$tiny_size"
manifest registry.ollama.ai/someone/minilm/v2 "$tiny_sha" "$tiny_size"
# A chat model: a GGUF of architecture 'llama' (metadata only), which the gguf provider lacks.
python3 - llama.gguf <<'PY'
import struct, sys
def s(x): b = x.encode(); return struct.pack("<Q", len(b)) + b
kv = [("general.architecture", "llama"), ("tokenizer.ggml.model", "llama")]
out = b"GGUF" + struct.pack("<IQQ", 3, 0, len(kv))
for k, v in kv: out += s(k) + struct.pack("<I", 8) + s(v)
open(sys.argv[1], "wb").write(out)
PY
manifest registry.ollama.ai/library/chatty/7b "$(blob llama.gguf)" "$(stat -c %s llama.gguf)"
export OLLAMA_MODELS=$store

# models: the two names of the runnable model, sorted; the chat model only with --all.
expect_exit 0 "$SAMPLEVEC" models
expect_grep out.txt '^NAME +ARCH +DIMS +WEIGHTS +SIZE +PATH'
expect_eq "$(awk 'NR > 1 { print $1, $2, $3, $4 }' out.txt | tr '\n' ';')" \
  "someone/minilm:v2 bert 32 F32;tiny-embed:latest bert 32 F32;" "models lists the runnable models, sorted"
expect_grep out.txt "$store/blobs/sha256-$tiny_sha\$"
expect_exit 0 "$SAMPLEVEC" models --all --json
chk=$(python3 - <<'PY'
import json
d = json.load(open("out.txt"))
m = {x["name"]: x for x in d["models"]}
c = m["chatty:7b"]
print(sorted(m), c["supported"], c["architecture"], c["reason"])
PY
)
expect_eq "$chk" "['chatty:7b', 'someone/minilm:v2', 'tiny-embed:latest'] False llama architecture 'llama' is not supported (supported: 'bert', 'gemma-embedding', 'jina-bert-v2', 'nomic-bert', 'qwen3')" "models --all --json"

# --model NAME runs the blob: the same vectors as the file itself.
expect_exit 0 "$SAMPLEVEC" embed-text "dusty vinyl keys" --provider gguf --model tiny-embed --json
python3 -c 'import json; print(json.load(open("out.txt"))["results"][0]["embedding"])' >by_name.txt
expect_grep out.txt '"model":"tiny-embed:latest#[0-9a-f]{16}"'
expect_exit 0 "$SAMPLEVEC" embed-text "dusty vinyl keys" --provider gguf --model "$fx/tiny.gguf" --json
python3 -c 'import json; print(json.load(open("out.txt"))["results"][0]["embedding"])' >by_path.txt
cmp -s by_name.txt by_path.txt && pass || fail "the Ollama name and the file give different vectors"
expect_exit 0 "$SAMPLEVEC" tokenize "dusty vinyl" --model someone/minilm:v2
cp out.txt tok_name.txt
expect_exit 0 "$SAMPLEVEC" tokenize "dusty vinyl" --model "$fx/tiny.gguf"
expect_eq "$(cat tok_name.txt)" "$(cat out.txt)" "tokenize by Ollama name"

# embed --all with a name, then search with nothing but the store: the stored model id names
# the Ollama model, so the query is embedded with the same blob without SAMPLEVEC_MODEL.
expect_exit 0 "$SAMPLEVEC" demo-library lib.db --count 40 --seed 3
expect_exit 0 "$SAMPLEVEC" embed --all --library lib.db --store store.db --provider gguf --model tiny-embed --threads 2
expect_exit 0 "$SAMPLEVEC" status --library lib.db --store store.db
expect_grep out.txt 'model +tiny-embed:latest#[0-9a-f]{16}'
expect_exit 0 "$SAMPLEVEC" search "dusty kick" --library lib.db --store store.db -k 3 --json
expect_eq "$(python3 -c 'import json; print(len(json.load(open("out.txt"))["results"]))')" 3 "search through the Ollama model"
# HOME's ~/.ollama/models when OLLAMA_MODELS is unset.
mkdir -p home/.ollama && cp -r "$store" home/.ollama/models
OLLAMA_MODELS= HOME=$WORK/home expect_exit 0 "$SAMPLEVEC" models --json
expect_grep out.txt "\"store\":\"$WORK/home/.ollama/models\""
expect_grep out.txt '"name":"tiny-embed:latest"'

# Broken entries: a missing blob, a blob that is not GGUF, an incomplete download.
manifest registry.ollama.ai/library/gone/latest "$(printf 'a%.0s' {1..64})" 100
expect_exit 3 "$SAMPLEVEC" embed-text hi --provider gguf --model gone
expect_grep err.txt "manifests/registry.ollama.ai/library/gone/latest names blob .*/blobs/sha256-a{64}, which is missing: run \`ollama pull\`"
echo "not a model" >notgguf.txt
manifest registry.ollama.ai/library/text/latest "$(blob notgguf.txt)" "$(stat -c %s notgguf.txt)"
expect_exit 3 "$SAMPLEVEC" embed-text hi --provider gguf --model text:latest
expect_grep err.txt "Ollama blob .* \(from manifest .*/library/text/latest\) is not a GGUF file"
manifest registry.ollama.ai/library/short/latest "$tiny_sha" 999
expect_exit 3 "$SAMPLEVEC" tokenize hi --model short
expect_grep err.txt "has $tiny_size bytes, its manifest says 999: the download is incomplete"
echo '{"layers": "nope"}' >"$store/manifests/registry.ollama.ai/library/short/latest"
expect_exit 3 "$SAMPLEVEC" tokenize hi --model short
expect_grep err.txt 'is not a manifest \(no "layers" array\)'
# Not pulled: a bare name is a usage error naming the store; '..' never walks out of it.
expect_exit 2 "$SAMPLEVEC" embed-text hi --provider gguf --model nomic-embed-text
expect_grep err.txt "model 'nomic-embed-text' is neither a file nor a model in Ollama's store \($store\)"
expect_exit 3 "$SAMPLEVEC" tokenize hi --model ../../blobs/x.gguf
expect_grep err.txt "cannot open model file '../../blobs/x.gguf'"
# The broken entries are left out of the listing, which still works.
expect_exit 0 "$SAMPLEVEC" models
expect_eq "$(awk 'NR > 1 { print $1 }' out.txt | tr '\n' ' ')" "someone/minilm:v2 tiny-embed:latest " "broken entries are not listed"
OLLAMA_MODELS=$WORK/none expect_exit 0 "$SAMPLEVEC" models
expect_grep err.txt "no Ollama model store at $WORK/none"
finish
