#!/usr/bin/env bash
# Bad model files and bad usage of the gguf commands: clear messages, the right exit codes,
# never a crash. The corrupt files are cut or patched copies of the tiny fixture.
. "$(dirname "$0")/lib.sh"
fx=$BUILD_DIR/gguf-fixtures
"$SRC_DIR/tools/gguf_fixtures.sh" "$fx" || { fail "fixtures"; finish; }
tiny=$fx/tiny.gguf

expect_exit 2 "$SAMPLEVEC" embed-text hello --provider gguf
expect_grep err.txt 'needs a model file: pass --model PATH.gguf \(or the name of a model Ollama has pulled: samplevec models lists them\), or set SAMPLEVEC_MODEL'
expect_exit 3 "$SAMPLEVEC" embed-text hello --provider gguf --model "$WORK/nope.gguf"
expect_grep err.txt "cannot open model file '.*nope.gguf': No such file"
expect_exit 2 "$SAMPLEVEC" tokenize --model "$tiny"
expect_grep err.txt 'exactly one TEXT'
expect_exit 2 "$SAMPLEVEC" embed-text
expect_grep err.txt 'at least one TEXT'

# Truncated: header only, and cut in the middle of the tensor data.
head -c 100 "$tiny" > cut1.gguf
expect_exit 3 "$SAMPLEVEC" embed-text hi --provider gguf --model cut1.gguf
expect_grep err.txt "cut1.gguf.*(truncated|runs past the end)"
head -c 300000 "$tiny" > cut2.gguf
expect_exit 3 "$SAMPLEVEC" embed-text hi --provider gguf --model cut2.gguf
expect_grep err.txt "tensor '.*' \(F32, [0-9]+ bytes at data offset [0-9]+\) runs past the end of the file"
printf 'GGML\3\0\0\0' > magic.gguf; head -c 64 /dev/zero >> magic.gguf
expect_exit 3 "$SAMPLEVEC" tokenize x --model magic.gguf
expect_grep err.txt 'not a GGUF file'

# Patched metadata: another architecture, a quantization this reader lacks.
python3 - "$tiny" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
open("llama.gguf", "wb").write(b.replace(b"general.architecture\x08\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00bert",
                                                      b"general.architecture\x08\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00gpt2", 1))
# blk.0.ffn_up.weight: type F32 (0) -> Q8_1 (9); its byte size shrinks so the file still parses
name = b"blk.0.ffn_up.weight"
i = b.index(name) + len(name) + 4 + 16
q = bytearray(b); q[i:i + 4] = (9).to_bytes(4, "little")
open("q81.gguf", "wb").write(bytes(q))
PY
expect_exit 3 "$SAMPLEVEC" embed-text hi --provider gguf --model llama.gguf
expect_grep err.txt "architecture 'gpt2' is not supported"
expect_exit 3 "$SAMPLEVEC" embed-text hi --provider gguf --model q81.gguf
expect_grep err.txt "tensor 'blk.0.ffn_up.weight' has type Q8_1 \(9\): supported types are F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K and Q6_K"

# embed-text works for the other providers too (lexical needs no key or network).
expect_exit 0 "$SAMPLEVEC" embed-text "warm pad" "dusty kick" --provider lexical --json
expect_grep out.txt '"provider":"lexical".*"results":\[\{"text":"warm pad"'
expect_exit 2 "$SAMPLEVEC" embed-text hi --provider nope
expect_grep err.txt "unknown provider 'nope'"
finish
