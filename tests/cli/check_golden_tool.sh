#!/usr/bin/env bash
# tools/check_golden.py (the GGUF golden checker) fails when samplevec returns fewer vectors
# than the golden file has texts, or returns them out of order; it passes on a full, equal
# answer. A stand-in samplevec answers from the golden file itself (DROP_LAST / SWAP alter it).
. "$(dirname "$0")/lib.sh"
cat >golden.json <<'JSON'
{"results": [
 {"text": "dark kick", "input_ids": [101, 7, 102], "embedding": [0.6, 0.8]},
 {"text": "bright pad", "input_ids": [101, 9, 102], "embedding": [1.0, 0.0]},
 {"text": "dusty loop", "input_ids": [101, 11, 102], "embedding": [0.0, 1.0]}
]}
JSON
cat >fake_samplevec <<'PY'
#!/usr/bin/env python3
import json, os, sys
gold = json.load(open(os.environ["GOLDEN"]))["results"]
if sys.argv[1] == "tokenize":
    print(json.dumps({"ids": next(g["input_ids"] for g in gold if g["text"] == sys.argv[2])}))
else:
    res = [{"text": g["text"], "embedding": g["embedding"]} for g in gold]
    if os.environ.get("DROP_LAST"):
        res = res[:-1]
    if os.environ.get("SWAP"):
        res[1], res[2] = res[2], res[1]
    print(json.dumps({"results": res}))
PY
chmod +x fake_samplevec
export GOLDEN=$PWD/golden.json
check() { python3 "$SRC_DIR/tools/check_golden.py" ./fake_samplevec model.gguf golden.json; }
expect_exit 0 check
expect_grep out.txt "^6 passed, 0 failed$"
DROP_LAST=1 expect_exit 1 check
expect_grep err.txt "returned 2 vectors for 3 golden texts"
expect_grep err.txt "no vector for 'dusty loop'"
SWAP=1 expect_exit 1 check
expect_grep err.txt "vector order"
finish
