#!/usr/bin/env bash
# Benchmark: embedding the 2,437-sample demo library through the openai provider against
# tests/fake_openai at 300 ms per request, in one run:
#   seed      the seed's strategy: one request per sample, sequential (--batch-size 1
#             --concurrency 1), timed over the first $SEED_N samples
#   defaults  samplevec's defaults (100 inputs per request, 4 in flight)
#   faults    defaults while the server answers 5% of requests with 429 (Retry-After: 1)
#             and 5% with 500 (seeded, so every run draws the same faults)
#   packed    requests packed to the API's limits (--batch-size 2048: up to 2048 inputs and
#             300,000 tokens per request)
# and the token counter: the C cl100k_base BPE against npm tiktoken on the same texts (the
# texts the server received), with the totals compared.
# Each strategy's floor is the wait the server's latency alone imposes on the requests it
# received: ceil(requests / requests in flight) × latency. Below it no client can go; a run
# under its floor is reported loudly (exit 1). The demo library is remade when the binary
# changes (its output is what the token counts depend on).
#
#   bench/remote.sh            (after `make build` and scripts/test-deps.sh)
#   LATENCY_MS=300 SEED_N=60 bench/remote.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
bin=${SAMPLEVEC:-$here/build/samplevec}
LATENCY_MS=${LATENCY_MS:-300}
SEED_N=${SEED_N:-60}
work=${WORK:-$here/build/bench-remote}
mkdir -p "$work"
cd "$work"
export SRC_DIR=$here WORK=$work
. "$here/tests/fake_openai/lib.sh"
export OPENAI_API_KEY=sk-bench-not-a-real-key
unset OPENAI_BASE_URL
now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }

lib=$(bench_cached lib .db "$(bench_key "$bin")")
[ -f "$lib" ] || { rm -f "$lib.tmp" && "$bin" demo-library "$lib.tmp" >/dev/null 2>&1 && mv "$lib.tmp" "$lib"; }
total=$(sqlite3 "$lib" "SELECT count(*) FROM samples")

# run NAME SERVER-OPTIONS -- EMBED-OPTIONS : prints "seconds samples requests"
run() {
  local name=$1; shift
  local sopts=()
  while [ "$1" != "--" ]; do sopts+=("$1"); shift; done
  shift
  rm -f "$name.db"*
  # --usage-estimate: npm tiktoken would cost the single-threaded fake server ~1 s of CPU per
  # million tokens, serializing requests that a real API serves in parallel.
  fake_start --key "$OPENAI_API_KEY" --latency-ms "$LATENCY_MS" --usage-estimate "${sopts[@]}" >&2
  local t0 t1
  t0=$(now)
  "$bin" embed --library "$lib" --store "$name.db" --provider openai --base-url "$FAKE_URL" "$@" \
    --json >"$name.json" 2>"$name.err" || { echo "run $name failed:" >&2; cat "$name.err" >&2; exit 1; }
  t1=$(now)
  local requests
  requests=$(fake_stats requests)
  echo "$name: server faults $(fake_stats faults), requests $requests" >&2
  fake_stop
  echo "$(calc "$t1 - $t0") $(sqlite3 "$name.db" 'SELECT count(*) FROM sample_embeddings') $requests"
}

read -r seed_s seed_n seed_r < <(run seed -- --all --limit "$SEED_N" --batch-size 1 --concurrency 1)
read -r def_s def_n def_r < <(run defaults --dump-inputs "$work/texts.jsonl.tmp" -- --all)
mv texts.jsonl.tmp texts.jsonl
read -r flt_s flt_n flt_r < <(run faults --rates 429:0.05,500:0.05 --seed 7 -- --all)
read -r pk_s pk_n pk_r < <(run packed -- --all --batch-size 2048)
# latency_floor REQUESTS IN_FLIGHT : seconds the server's latency alone takes for them
latency_floor() { calc "int(($1 + $2 - 1) / $2) * $LATENCY_MS / 1000"; }

seed_rate=$(calc "$seed_n / $seed_s")
printf '\nembedding %d samples, server latency %d ms per request (%s)\n' "$total" "$LATENCY_MS" "$(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-10s %8s %8s %10s %12s %8s %14s\n' strategy samples requests seconds samples/s "vs seed" "latency floor"
row() { # NAME SAMPLES SECONDS REQUESTS IN_FLIGHT
  local floor
  floor=$(latency_floor "$4" "$5")
  printf '%-10s %8d %8d %10.2f %12.1f %7.0fx %8.2f s %.2fx\n' "$1" "$2" "$4" "$3" "$(calc "$2 / $3")" "$(calc "($2 / $3) / $seed_rate")" "$floor" "$(calc "$3 / $floor")"
  bench_floor_check "remote $1" "$3" "$floor" >&2
}
row seed "$seed_n" "$seed_s" "$seed_r" 1
row defaults "$def_n" "$def_s" "$def_r" 4
row faults "$flt_n" "$flt_s" "$flt_r" 4
row packed "$pk_n" "$pk_s" "$pk_r" 4
[ "$def_n" -eq "$total" ] && [ "$flt_n" -eq "$total" ] && [ "$pk_n" -eq "$total" ] || { echo "not every sample was stored" >&2; exit 1; }

# Token counter: C vs npm tiktoken on the texts the server received.
vocab="$here/build/vocab/cl100k_base.json"
tk="$here/build/npm/tiktoken/node_modules/tiktoken"
if [ -f "$vocab" ] && [ -d "$tk" ] && cmake --build "$here/build" --target tokcount >/dev/null; then
  cp "$here/build/bench/tokcount" .
  rounds=5
  read -r c_tokens c_s < <(./tokcount "$vocab" texts.jsonl "$rounds")
  read -r js_tokens js_s < <(node -e "
    const { get_encoding } = require('$tk');
    const texts = require('fs').readFileSync('texts.jsonl', 'utf8').trim().split('\n').map(JSON.parse);
    const enc = get_encoding('cl100k_base');
    let total = 0; const t0 = process.hrtime.bigint();
    for (let r = 0; r < $rounds; r++) { total = 0; for (const s of texts) total += enc.encode_ordinary(s).length; }
    console.log(total, Number(process.hrtime.bigint() - t0) / 1e9);")
  n_texts=$(wc -l <texts.jsonl)
  printf '\ntoken counting, %d texts x %d rounds (cl100k_base)\n' "$n_texts" "$rounds"
  printf '%-14s %10s %9s %14s\n' counter tokens seconds tokens/s
  printf '%-14s %10d %9.3f %14.0f\n' "samplevec C" "$c_tokens" "$c_s" "$(calc "$c_tokens * $rounds / $c_s")"
  printf '%-14s %10d %9.3f %14.0f\n' "npm tiktoken" "$js_tokens" "$js_s" "$(calc "$js_tokens * $rounds / $js_s")"
  printf 'C / npm speed: %.2fx; totals %s\n' "$(calc "$js_s / $c_s")" "$([ "$c_tokens" = "$js_tokens" ] && echo equal || echo DIFFER)"
  [ "$c_tokens" = "$js_tokens" ] || exit 1
else
  echo "SKIPPED: token counter comparison (run make build and scripts/test-deps.sh)"
fi
bench_exit
