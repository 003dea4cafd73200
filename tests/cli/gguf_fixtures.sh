#!/usr/bin/env bash
# The goldens hold llama.cpp's answers for exact files: tools/gguf_writer.py must still write,
# byte for byte, the fixtures they were made from (model_sha256 in each golden's meta). Checks
# the bert set the other tests build and the F32 fixture of each issue-13 architecture (the
# quantized ones take longer to encode and share the same code paths up to the block encoders).
. "$(dirname "$0")/lib.sh"
fx=$WORK/fixtures  # built afresh: the shared build/gguf-fixtures may predate a change to the writer
data=$SRC_DIR/tests/data/gguf
extra="xlmr-tiny xlmr-cls qwen3-tiny gemma-tiny gemma-nodense jina-tiny jina-split"
if "$SRC_DIR/tools/gguf_fixtures.sh" "$fx" 2>err.txt && "$SRC_DIR/tools/gguf_fixtures.sh" "$fx" $extra 2>>err.txt; then
  pass
else
  fail "fixtures: $(cat err.txt)"; finish
fi
for m in $("$SRC_DIR/tools/gguf_fixtures.sh" --names) $extra; do
  want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["meta"]["model_sha256"])' "$data/$m.json")
  got=$(sha256sum "$fx/$m.gguf" | cut -d' ' -f1)
  expect_eq "$got" "$want" "$m.gguf is the file tests/data/gguf/$m.json was made from"
done
# The writer is deterministic: a second build of one preset is byte-identical.
python3 "$SRC_DIR/tools/gguf_writer.py" qwen3-tiny -o again.gguf >/dev/null
cmp -s again.gguf "$fx/qwen3-tiny.gguf" && pass || fail "gguf_writer.py qwen3-tiny is not deterministic"
finish
