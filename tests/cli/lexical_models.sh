#!/usr/bin/env bash
# The lexical models (issue 11 §3): a new store gets lexical-v2; a store made with lexical-v1
# goes on with lexical-v1 (embed without --model adds to it with v1, search embeds its queries
# with v1); another lexical model on it is refused as any other model is, naming --reset.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
meta_model() { sqlite3 "$1" "SELECT value FROM samplevec_meta WHERE key='model'"; }

expect_exit 0 sv demo-library lib.db --count 120 --seed 5

# a new store: the default, lexical-v2
expect_exit 0 sv embed --all --library lib.db --store v2.db
expect_eq "$(meta_model v2.db)" lexical-v2 "a new store gets lexical-v2"
expect_eq "$(sqlite3 v2.db "SELECT group_concat(DISTINCT model) FROM sample_embeddings")" lexical-v2 "its rows"

# a store made with lexical-v1 ...
expect_exit 0 sv embed --all --library lib.db --store v1.db --model lexical-v1
expect_eq "$(meta_model v1.db)" lexical-v1 "--model lexical-v1 makes a v1 store"
# ... keeps being embedded with v1 when no --model is given (a changed sample, and a dry run)
sqlite3 lib.db "UPDATE samples SET title = title || ' (edit)' WHERE id = 7"
expect_exit 0 sv embed --all --library lib.db --store v1.db --dry-run --json
expect_grep out.txt '"model":"lexical-v1"'
expect_exit 0 sv embed --all --library lib.db --store v1.db --json
expect_grep out.txt '"successful":1[,}]'
expect_eq "$(meta_model v1.db)" lexical-v1 "the store's model is kept"
expect_eq "$(sqlite3 v1.db "SELECT count(*) FROM sample_embeddings WHERE model = 'lexical-v1'")" 120 "every row still v1"
# ... and another lexical model is a mismatch, as for any provider
expect_exit 2 sv embed --all --library lib.db --store v1.db --model lexical-v2
expect_grep err.txt "lexical-v1.*lexical-v2.*--reset"
expect_exit 2 sv embed --all --library lib.db --store v1.db --model lexical-v9
expect_grep err.txt "lexical-v2.*lexical-v1.*lexical-v9"

# search embeds the query with the store's model: the similarity it prints is the cosine of
# embed-text's vector for that model with the stored one
for m in v1 v2; do
  expect_exit 0 sv search "warm dusty rhodes" --library lib.db --store "$m.db" --mode vector --json -k 3
  cp out.txt "search-$m.json"
  expect_exit 0 sv embed-text "warm dusty rhodes" --model "lexical-$m" --json
  cp out.txt "query-$m.json"
  python3 - "$m.db" "search-$m.json" "query-$m.json" > check.txt <<'PY' || fail "$m: $(cat check.txt)"
import json, math, sqlite3, struct, sys
db, res, q = sys.argv[1:]
top = json.load(open(res))["results"][0]
query = json.load(open(q))["results"][0]["embedding"]
blob = sqlite3.connect(db).execute("SELECT vibe_vector FROM sample_embeddings WHERE sample_id=?",
                                   (top["sample_id"],)).fetchone()[0]
v = struct.unpack("<%df" % (len(blob) // 4), blob)
cos = sum(a * b for a, b in zip(query, v)) / math.sqrt(sum(a * a for a in query) * sum(b * b for b in v))
print(f"similarity {top['similarity']:.6f}, cosine with the model's query vector {cos:.6f}")
sys.exit(0 if abs(cos - top["similarity"]) < 1e-4 else 1)
PY
  pass
done
# the two models rank differently (else the store's model would not matter)
expect_eq "$(cmp -s search-v1.json search-v2.json && echo same || echo different)" different "v1 and v2 results"

# --reset makes the store again, with the default unless --model says otherwise
expect_exit 0 sv embed --all --library lib.db --store v1.db --reset
expect_eq "$(meta_model v1.db)" lexical-v2 "--reset without --model: the default"
finish
