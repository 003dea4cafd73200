#!/usr/bin/env bash
# End to end with the in-process encoder: demo library → embed --provider gguf → status; the
# stored vectors are unit length and 32-dimensional; a second run skips everything.
. "$(dirname "$0")/lib.sh"
fx=$BUILD_DIR/gguf-fixtures
"$SRC_DIR/tools/gguf_fixtures.sh" "$fx" || { fail "fixtures"; finish; }
expect_exit 0 "$SAMPLEVEC" demo-library lib.db --count 60 --seed 5
expect_exit 0 "$SAMPLEVEC" embed --all --library lib.db --store store.db --provider gguf --model "$fx/tiny.gguf" --threads 2
expect_exit 0 "$SAMPLEVEC" status --library lib.db --store store.db
expect_grep out.txt 'embedded +60'
expect_grep out.txt 'model +tiny.gguf#[0-9a-f]{16}'
norms=$(python3 - <<'PY'
import sqlite3, struct, math
rows = sqlite3.connect("store.db").execute("select vibe_vector, dims from sample_embeddings").fetchall()
ok = all(d == 32 and len(b) == 128 and abs(math.sqrt(sum(x * x for x in struct.unpack("<32f", b))) - 1) < 1e-5 for b, d in rows)
print(len(rows), ok)
PY
)
expect_eq "$norms" "60 True" "60 unit-length 32-dim vectors stored"
SAMPLEVEC_MODEL=$fx/tiny.gguf expect_exit 0 "$SAMPLEVEC" embed --all --library lib.db --store store.db --provider gguf --json
expect_grep out.txt '"skipped": *60|"total_skipped": *60'

# search embeds the query with the store's model: SAMPLEVEC_MODEL or --model gives the file, and
# its id (name + content hash) must be the store's.
SAMPLEVEC_MODEL=$fx/tiny.gguf expect_exit 0 "$SAMPLEVEC" search "dusty kick" --library lib.db --store store.db -k 3 --json
n=$(python3 -c 'import json; print(len(json.load(open("out.txt"))))')
expect_eq "$n" 3 "three results"
cp out.txt env.json
expect_exit 0 "$SAMPLEVEC" search "dusty kick" --library lib.db --store store.db -k 3 --json --model "$fx/tiny.gguf"
cmp -s out.txt env.json && pass || fail "--model and SAMPLEVEC_MODEL give different results"
expect_exit 2 "$SAMPLEVEC" search "dusty kick" --library lib.db --store store.db
expect_grep err.txt "the store was embedded with model 'tiny.gguf#[0-9a-f]{16}': set SAMPLEVEC_MODEL to that .gguf file or pass --model \(no file 'tiny.gguf' here, no model 'tiny.gguf' in Ollama's store"
SAMPLEVEC_MODEL=$fx/tiny-f16.gguf expect_exit 2 "$SAMPLEVEC" search "dusty kick" --library lib.db --store store.db
expect_grep err.txt "embedded with model 'tiny.gguf#[0-9a-f]{16}' but '.*/tiny-f16.gguf' is 'tiny-f16.gguf#[0-9a-f]{16}': set SAMPLEVEC_MODEL to the model file the store was embedded with"
finish
