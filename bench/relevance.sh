#!/usr/bin/env bash
# Relevance of `samplevec search`, measured on a labelled library of its own (bench/relevance.py:
# other vocabulary and phrasing than the demo library, 10% of samples without a vibe analysis,
# CJK and Korean titles, BPMs and keys in the app's spellings) with judged queries of four kinds
# (attribute, title word, parameter, descriptive). Prints precision@10 and nDCG@10 per kind and
# mode, the share of unanalysed samples in the top 10 against their share among the relevant
# ones, and the goals of issue 11 for the default mode (exit 1 when one is missed).
#
# Every mode is run on a store of each lexical model of MODELS (default: lexical-v2, the default
# model of a new store, then lexical-v1), so the models are compared on the same library and
# queries in one run; a result row is named MODE@MODEL.
#
#   bench/relevance.sh                    # N=4000 SEED=11 MODELS="lexical-v2 lexical-v1"
#   N=20000 SEED=5 MODELS=lexical-v2 bench/relevance.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${SAMPLEVEC:-$here/build/samplevec}
N=${N:-4000}
SEED=${SEED:-11}
MODELS=${MODELS:-lexical-v2 lexical-v1}
work=${WORK:-$here/build/bench-relevance}
rm -rf "$work"
mkdir -p "$work"
cd "$work"
python3 "$here/bench/relevance.py" gen lib.db judged.json --count "$N" --seed "$SEED"
for model in $MODELS; do
  "$bin" embed --all --library lib.db --store "store-$model.db" --model "$model" >/dev/null 2>&1
done
# mode name → search options; the first is the default and is held to the goals
modes=("hybrid:" "hybrid-convex:--fusion convex" "vector:--mode vector" "keyword:--mode keyword")
names=()
python3 "$here/bench/relevance.py" queries judged.json > queries.tsv
for model in $MODELS; do
  for m in "${modes[@]}"; do
    name="${m%%:*}@$model" opts=${m#*:}
    names+=("$name")
    mkdir -p "results/$name"
    while IFS=$'\t' read -r i k q; do
      # shellcheck disable=SC2086
      "$bin" search "$q" --library lib.db --store "store-$model.db" --json -k "$k" $opts > "results/$name/$i.json" 2> err.txt || {
        # a keyword ranking can have nothing to say (exit 2 only for a query of no words): keep the run going
        printf '{"results": []}\n' > "results/$name/$i.json"; }
    done < queries.tsv
  done
done
echo "relevance: $(wc -l < queries.tsv) queries × ${#names[@]} mode@model runs, $N samples, seed $SEED (bench/relevance.sh; load: $(cut -d' ' -f1-3 /proc/loadavg))"
# goals: held for the first (the default mode on the first model), shown for vector mode too
first_model=${MODELS%% *}
python3 "$here/bench/relevance.py" eval judged.json results --goals "${names[0]},vector@$first_model" "${names[@]}"
