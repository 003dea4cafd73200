#!/usr/bin/env bash
# An independent reference for `similar`: sqlite-vec's vec_distance_cosine over the same BLOBs
# (installed by scripts/test-deps.sh) ranks the same ids, filters applied first, ties by id.
# Without sqlite-vec this is a visible skip (SKIPPED), never a pass.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
# scripts/test-deps.sh installs it in the source tree's build/, whichever build runs this
vec0="$SRC_DIR/build/npm/node_modules/sqlite-vec-linux-x64/vec0.so"
[ -f "$vec0" ] || skip_all "sqlite-vec is not installed at $vec0 (scripts/test-deps.sh installs it)"
json_ids() { sqlite3 :memory: "SELECT group_concat(json_extract(value,'\$.sample_id')) FROM json_each(CAST(readfile('$1') AS TEXT))"; }

expect_exit 0 sv demo-library lib.db --seed 11
expect_exit 0 sv embed --all --library lib.db
for id in 5 100 2000; do
  expect_exit 0 sv similar $id --library lib.db --json -k 10 --bpm 80-100
  cp out.txt similar_$id.json
  got=$(json_ids similar_$id.json)
  want=$(sqlite3 -cmd ".load ${vec0%.so}" samplevec.db "SELECT group_concat(sample_id) FROM (SELECT sample_id FROM sample_embeddings WHERE sample_id != $id AND bpm BETWEEN 80 AND 100 ORDER BY vec_distance_cosine(vibe_vector, (SELECT vibe_vector FROM sample_embeddings WHERE sample_id = $id)), sample_id LIMIT 10)")
  [ -n "$want" ] && pass || fail "sqlite-vec returned nothing for sample $id"
  expect_eq "$got" "$want" "similar $id agrees with sqlite-vec"
done
finish
