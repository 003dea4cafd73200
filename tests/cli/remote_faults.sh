#!/usr/bin/env bash
# The openai/openrouter providers end to end against tests/fake_openai on loopback:
# exact token counts (dry run) = the server's npm-tiktoken usage; every injected fault → each
# sample stored once or recorded failed with its reason; fatal key/URL errors; the key never
# appears in any output, log, progress file or store.
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/fake_openai/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }
json_field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$2"; }
rows() { sqlite3 "$1" "SELECT sample_id, hex(vibe_vector), embedding_source FROM sample_embeddings ORDER BY sample_id" | sha256sum | cut -d' ' -f1; }
KEY=sk-proj-CliTestKey0123456789abcdefXYZ
export OPENAI_API_KEY=$KEY
unset OPENAI_BASE_URL OPENROUTER_API_KEY SAMPLEVEC_TIKTOKEN

expect_exit 0 sv demo-library lib.db --count 600 --seed 11
remote() { sv embed --all --library lib.db --provider openai --base-url "$FAKE_URL" "$@"; }

# 1. clean run; the server bills with npm tiktoken, so the dry run's exact count must match.
fake_start --key "$KEY" || exit 1
expect_exit 0 remote --store ref.db --batch-size 50 --json
expect_eq "$(json_field successful out.txt)" 600 "clean run stores all"
expect_eq "$(json_field failed out.txt)" 0 "clean run fails none"
billed=$(json_field tokens out.txt)
expect_eq "$(fake_stats prompt_tokens)" "$billed" "reported tokens are the API's usage"
expect_eq "$(fake_stats max_inputs)" 50 "requests carry --batch-size inputs"
expect_eq "$(sqlite3 ref.db "SELECT count(*), count(DISTINCT sample_id), min(dims), max(length(vibe_vector)) FROM sample_embeddings WHERE model='text-embedding-3-small'")" "600|600|1536|6144" "600 rows of 1536 float32"
fake_stop
env -u OPENAI_API_KEY "$SAMPLEVEC" embed --all --library lib.db --store dry.db --provider openai --dry-run --json >out.txt 2>err.txt
expect_eq "$?" 0 "dry run needs no key or server"
expect_eq "$(json_field tokens out.txt)" "$billed" "dry-run token count equals npm tiktoken's (the server's usage)"
expect_eq "$(json_field tokens_estimated out.txt)" false "dry run counts exactly"
env -u OPENAI_API_KEY "$SAMPLEVEC" embed --all --library lib.db --store dry.db --provider openai --dry-run --json --vocab /nonexistent/cl100k.json >out.txt 2>err.txt
expect_eq "$?" 3 "--vocab naming a missing file is an error"
expect_grep err.txt "/nonexistent/cl100k.json"

# 2. transient faults at random (seeded): 429 (Retry-After), 500/502/503, dropped connections,
#    truncated JSON → all stored, vectors identical to the clean run.
fake_start --key "$KEY" --rates 429:0.08,500:0.05,502:0.05,503:0.05,drop:0.05,truncate:0.05 --seed 3 --retry-after-ms 30 || exit 1
expect_exit 0 remote --store faults.db --batch-size 20 --max-retries 8 --json
expect_eq "$(json_field failed out.txt)" 0 "transient faults: none failed"
expect_eq "$(rows faults.db)" "$(rows ref.db)" "transient faults: same store as the clean run"
# every kind of fault asked for was injected at least once (so each retry path ran)
faults=$(fake_stats faults)
for kind in 429 500 502 503 drop truncate; do
  n=$(printf '%s' "$faults" | python3 -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], 0))' "$kind")
  [ "$n" -ge 1 ] && pass || fail "the server injected no '$kind' fault: $faults"
done
fake_stop

# 3. bad answers and a rejected input: wrong count, NaN, short vector, and a 400 naming one
#    bad input (two samples carry the marker) → exactly five failed with reasons, rest stored.
cp lib.db lib2.db
sqlite3 lib2.db "UPDATE samples SET title = 'FORBIDDEN ' || title WHERE id IN (500, 580)"
fake_start --key "$KEY" --faults ok,count,ok,nan,dims --bad-marker FORBIDDEN || exit 1
expect_exit 1 sv embed --all --library lib2.db --store bad.db --provider openai --base-url "$FAKE_URL" --batch-size 20 --json
expect_eq "$(json_field failed out.txt)" 5 "five samples failed"
expect_eq "$(sqlite3 bad.db 'SELECT count(*) || "|" || count(DISTINCT sample_id) FROM sample_embeddings')" "595|595" "the rest stored once"
expect_eq "$(sqlite3 bad.db 'SELECT count(*) FROM sample_embeddings WHERE sample_id IN (500, 580)')" 0 "rejected samples not stored"
expect_grep bad.db.progress.json '"sample_id":[[:space:]]*500'
expect_grep bad.db.progress.json 'HTTP 400.*Invalid .input'
expect_grep bad.db.progress.json 'NaN'
expect_grep bad.db.progress.json '1535 dimensions'
expect_grep bad.db.progress.json 'embeddings for 20 inputs'
expect_grep out.txt '"failed_ids":\[[0-9,]*500,580\]'
# rerun: the three transient victims are embedded now; the two rejected ones fail again
expect_exit 1 sv embed --all --library lib2.db --store bad.db --provider openai --base-url "$FAKE_URL" --batch-size 20 --json
expect_eq "$(json_field successful out.txt)" 3 "rerun stores the three"
expect_eq "$(sqlite3 bad.db 'SELECT count(*) FROM sample_embeddings')" 598 "598 stored after the rerun"
fake_stop

# 4. a server that rejects base64 → floats for the rest of the run; same vectors.
fake_start --key "$KEY" --reject-base64 || exit 1
expect_exit 0 remote --store floats.db --json
expect_eq "$(rows floats.db)" "$(rows ref.db)" "float answers give the same vectors"
fake_stop

# 5. openrouter: its key variable and model id, through the same API; keys from ./.env.
fake_start --key "$KEY" || exit 1
printf 'OPENROUTER_API_KEY="%s"\n' "$KEY" >.env
env -u OPENAI_API_KEY "$SAMPLEVEC" embed --sample-ids 1-40 --library lib.db --store or.db --provider openrouter --base-url "$FAKE_URL" --json >out.txt 2>err.txt
expect_eq "$?" 0 "openrouter with the key from ./.env"
expect_eq "$(sqlite3 or.db "SELECT count(*) FROM sample_embeddings WHERE model='openai/text-embedding-3-small'")" 40 "openrouter model id stored"
rm .env

# 5b. a sample whose text is over the 8,191-token input limit is cut at a token boundary
#     (the server rejects anything over 8,192) and counted as truncated.
cp lib.db long.db
sqlite3 long.db "UPDATE samples SET title = replace(hex(zeroblob(12000)), '00', 'kick ') WHERE id = 3"
expect_exit 0 sv embed --sample-ids 1-5 --library long.db --store long.sv.db --provider openai --base-url "$FAKE_URL" --json
expect_eq "$(json_field truncated out.txt)" 1 "one text truncated"
expect_eq "$(json_field successful out.txt)" 5 "the long one stored too"
expect_exit 0 sv embed --sample-ids 1-5 --library long.db --store long.dry.db --provider openai --dry-run --json
expect_eq "$(json_field truncated out.txt)" 1 "the dry run counts the cut too"
expect_grep err.txt "Truncated: 1"

# 6. fatal errors stop the run with the checkpoint intact and say why, without the key.
OPENAI_API_KEY=sk-wrong-EchoedBackByTheServer42 "$SAMPLEVEC" embed --all --library lib.db --store wrong.db --provider openai --base-url "$FAKE_URL" --verbose >out.txt 2>err.txt
expect_eq "$?" 2 "wrong key: exit 2"
expect_grep err.txt "OPENAI_API_KEY"
expect_no_grep err.txt "EchoedBackByTheServer42"
expect_exit 2 sv embed --all --library lib.db --store m.db --provider openai --model text-embedding-3-smol --base-url "$FAKE_URL"
expect_grep err.txt "404.*text-embedding-3-smol"
env -u OPENAI_API_KEY "$SAMPLEVEC" embed --all --library lib.db --store k.db --provider openai >out.txt 2>err.txt
expect_eq "$?" 2 "no key for api.openai.com: exit 2"
expect_grep err.txt "OPENAI_API_KEY is not set"
fake_stop
expect_exit 3 sv embed --all --library lib.db --store gone.db --provider openai --base-url "http://user:UrlSecret99@127.0.0.1:$FAKE_PORT/v1" --max-retries 1
expect_grep err.txt "cannot reach"
expect_no_grep err.txt "UrlSecret99"

# 7. the key appears nowhere: stdout/stderr of every run above, stores, progress files, logs.
fake_start --key "$KEY" --faults 429,500 || exit 1
expect_exit 0 remote --store verbose.db --verbose --json
fake_stop
leaks=$(grep -rlaF -e "$KEY" -e "sk-wrong-EchoedBackByTheServer42" -e UrlSecret99 . | grep -v '^./\.env$' || true)
expect_eq "$leaks" "" "no file in the work dir contains a key"
finish
