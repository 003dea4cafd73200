#!/usr/bin/env bash
# --store app under kill -9 at arbitrary instants, then --resume: the app's sample_embeddings
# equals an uninterrupted run's, ids (assigned by SQLite) included, and the checkpoint never
# runs ahead of the table; the library's other tables never change.
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
rows() { sqlite3 "$1" "SELECT id, sample_id, vibe_vector, embedding_source FROM sample_embeddings ORDER BY id" | sha256sum | cut -d' ' -f1; }
others() { sqlite3 "$1" "SELECT * FROM samples ORDER BY id; SELECT * FROM vibe_analyses ORDER BY id; SELECT * FROM users" | sha256sum; }

expect_exit 0 sv demo-library ref.db --count 8000 --seed 5
cp ref.db run.db
expect_exit 0 sv embed --all --library ref.db --store app --batch-size 50 --no-backup
want=$(rows ref.db)
others_before=$(others run.db)

kills=0
for delay in 0.3 0.2 0.2 0.15; do
  "$SAMPLEVEC" embed --all --resume --library run.db --store app --batch-size 50 --no-backup >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  progress=run.db.samplevec.progress.json
  if ! grep -qE '"finished":[[:space:]]*true' "$progress" 2>/dev/null; then kills=$((kills + 1)); fi
  if [ -f "$progress" ]; then
    last=$(sed -n 's/.*"last_processed_id":[[:space:]]*\([0-9]*\).*/\1/p' "$progress")
    expect_eq "$(sqlite3 run.db "SELECT count(*) FROM sample_embeddings WHERE sample_id <= $last")" \
      "$(sqlite3 run.db "SELECT count(*) FROM samples WHERE id <= $last")" "checkpoint never ahead of the table"
  fi
done
[ "$kills" -ge 2 ] && pass || fail "no run was killed mid-way (machine too fast for the delays?)"
expect_exit 0 sv embed --all --resume --library run.db --store app --batch-size 50 --no-backup
expect_eq "$(rows run.db)" "$want" "resumed table equals the uninterrupted one, ids included"
expect_eq "$(sqlite3 run.db 'PRAGMA integrity_check')" ok "the app's database is sound"
expect_eq "$(others run.db)" "$others_before" "the app's other tables never changed"
finish
