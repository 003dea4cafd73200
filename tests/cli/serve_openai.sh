#!/usr/bin/env bash
# serve's OpenAI-style endpoints (POST /v1/embeddings, GET /v1/models) through the official
# OpenAI SDK for Node (npm openai, tests/openai/client.mjs): the vectors equal `samplevec
# embed-text` of the same texts, bit for bit, in float and in base64; `dimensions` keeps the
# first N values at unit length; usage counts the model's tokens; errors come back as the SDK's
# APIError with OpenAI's status, code and param. Once with the store's model (lexical), once
# with --embed-model (a GGUF fixture). Skipped (exit 77) without node or npm openai.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
npm_dir="$SRC_DIR/build/npm" # where scripts/test-deps.sh installs it, for both builds
command -v node >/dev/null || { echo "SKIPPED: no node (scripts/test-deps.sh installs nodejs)"; exit 77; }
[ -f "$npm_dir/node_modules/openai/package.json" ] ||
  { echo "SKIPPED: no npm openai in $npm_dir (scripts/test-deps.sh installs it)"; exit 77; }

text="dark moody hip hop"
texts='["dusty jazz chords around 90 bpm","東京 rain on a window","🔥 808 glide","Ünïcödé café"]'

# check MODEL DIMS EMBED-TEXT-ARGS...: runs the SDK client against $url and compares
check() {
  local model=$1 dims=$2; shift 2
  sv embed-text "$text" --json "$@" >one.json 2>err.txt || { fail "embed-text: $(cat err.txt)"; return; }
  python3 -c 'import json,sys; print("\0".join(json.loads(sys.argv[1])))' "$texts" |
    xargs -0 "$SAMPLEVEC" embed-text --json "$@" >many.json 2>err.txt || { fail "embed-text many: $(cat err.txt)"; return; }
  if BASE_URL="$url/v1" NPM_DIR="$npm_dir" MODEL="$model" TEXT="$text" TEXTS="$texts" DIMS="$dims" \
     node "$SRC_DIR/tests/openai/client.mjs" >sdk.json 2>sdk.err; then pass; else fail "SDK client: $(cat sdk.err)"; return; fi
  python3 - "$model" "$dims" <<'PY' >cmp.txt 2>&1 && pass || { fail "SDK answers differ"; cat cmp.txt >&2; }
import json, math, struct, sys
model, dims = sys.argv[1], int(sys.argv[2])
sdk = json.load(open("sdk.json"))
one = json.load(open("one.json"))
many = json.load(open("many.json"))
f32 = lambda v: [struct.unpack("<f", struct.pack("<f", x))[0] for x in v]
ref = one["results"][0]["embedding"]
def need(cond, what):
    if not cond:
        print("FAIL:", what); sys.exit(1)
need(sdk["models"] == [{"id": one["model"], "object": "model", "owned_by": "samplevec"}], f"models list {sdk['models']}")
need(sdk["retrieved"] == one["model"], "models.retrieve")
need(sdk["one"]["model"] == one["model"] and sdk["one"]["object"] == "list" and sdk["one"]["index"] == 0, "response fields")
need(f32(sdk["one"]["embedding"]) == f32(ref), "float vector = embed-text's, bit for bit")
need(len(ref) == one["dims"], "dims")
need(sdk["one"]["usage"] == {"prompt_tokens": one["results"][0]["tokens"], "total_tokens": one["results"][0]["tokens"]}, f"usage {sdk['one']['usage']}")
need([d["index"] for d in sdk["many"]] == list(range(len(many["results"]))), "indexes in order")
for d, r in zip(sdk["many"], many["results"]):
    need(f32(d["embedding"]) == f32(r["embedding"]), f"vector of {r['text']!r}")
need(sdk["manyUsage"]["prompt_tokens"] == sum(r["tokens"] for r in many["results"]), "usage of many")
need(f32(sdk["base64"]) == f32(ref), "base64 decoded by the SDK = the float vector")
head = ref[:dims]
norm = math.sqrt(sum(x * x for x in head))
need(len(sdk["short"]) == dims, "dimensions: length")
need(all(abs(a - b / norm) <= 1e-6 for a, b in zip(sdk["short"], head)), "dimensions: first N at unit length")
e = sdk["errors"]
need(e["unknownModel"]["status"] == 404 and e["unknownModel"]["code"] == "model_not_found" and one["model"] in e["unknownModel"]["message"], f"unknown model {e['unknownModel']}")
need(e["tokenIds"]["status"] == 400 and e["tokenIds"]["param"] == "input" and "token-id" in e["tokenIds"]["message"], f"token ids {e['tokenIds']}")
need(e["emptyInput"]["status"] == 400 and e["emptyInput"]["param"] == "input", f"empty input {e['emptyInput']}")
need(e["badFormat"]["status"] == 400 and e["badFormat"]["param"] == "encoding_format", f"bad format {e['badFormat']}")
need(e["tooManyDims"]["status"] == 400 and e["tooManyDims"]["param"] == "dimensions", f"dimensions {e['tooManyDims']}")
need(e["unknownRetrieve"]["status"] == 404 and e["unknownRetrieve"]["code"] == "model_not_found", f"retrieve {e['unknownRetrieve']}")
print("ok")
PY
}

# 1. the store's own model (lexical)
expect_exit 0 sv demo-library lib.db --count 200 --seed 3
expect_exit 0 sv embed --all --library lib.db
start_serve serve.err --library lib.db
check lexical-v1 256 --provider lexical
# a malformed body and a wrong method, as raw HTTP
code=$(curl -s -o body.txt -w '%{http_code}' -H 'Content-Type: application/json' --data '{"input": ' "$url/v1/embeddings")
expect_eq "$code" 400 "malformed JSON"
expect_grep body.txt '"type":"invalid_request_error"'
code=$(curl -s -o body.txt -w '%{http_code}' "$url/v1/embeddings")
expect_eq "$code" 405 "GET /v1/embeddings"
kill -TERM "$serve_pid"; wait "$serve_pid"

# 2. --embed-model: a GGUF model of the user's, named by its file (the id's part before '#')
fx=$BUILD_DIR/gguf-fixtures
"$SRC_DIR/tools/gguf_fixtures.sh" "$fx" tiny >/dev/null 2>err.txt || { fail "fixtures: $(cat err.txt)"; finish; }
start_serve serve2.err --library lib.db --embed-model "$fx/tiny.gguf"
check tiny.gguf 16 --provider gguf --model "$fx/tiny.gguf"
kill -TERM "$serve_pid"; wait "$serve_pid"
expect_exit 3 sv serve --library lib.db --port 0 --embed-model nowhere.gguf
expect_grep err.txt "embed-model nowhere.gguf"
finish
