#!/usr/bin/env bash
# make demo: a demo library with sounds, a dry-run estimate, the real embedding, status, vibe
# searches, and the command that opens the vibe browser on it (make browse).
# Rerunning reuses the library and store: the second embed skips everything already stored.
set -euo pipefail
bin=$1
dir=$2
mkdir -p "$dir"
lib="$dir/sp404_samples.db"
if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain" >&2; }

if [ ! -f "$lib" ]; then
  step "samplevec demo-library $lib --audio $dir/audio"
  rm -rf "$dir/audio" # sounds of an earlier, interrupted demo-library (it never overwrites one)
  "$bin" demo-library "$lib" --audio "$dir/audio"
fi
step "samplevec embed --all --dry-run --provider openrouter --model openai/text-embedding-3-small"
"$bin" embed --all --dry-run --library "$lib" --provider openrouter --model openai/text-embedding-3-small
step "samplevec embed --all   (lexical provider: offline, no key)"
"$bin" embed --all --library "$lib"
step "samplevec status"
"$bin" status --library "$lib"
step "samplevec search \"aggressive trap 808\" -k 5"
"$bin" search "aggressive trap 808" -k 5 --library "$lib"
step "samplevec search \"chill lo-fi rain\" --bpm 70-90 -k 5"
"$bin" search "chill lo-fi rain" --bpm 70-90 -k 5 --library "$lib"
step "samplevec search \"dusty jazz chords around 90 bpm in A minor\" -k 5   (BPM and key read from the words)"
"$bin" search "dusty jazz chords around 90 bpm in A minor" -k 5 --library "$lib"
step "samplevec search \"東京\" -k 5   (title words in any script, hybrid: keyword + vector)"
"$bin" search "東京" -k 5 --library "$lib"
step "samplevec similar 42 --key Am -k 5"
"$bin" similar 42 --key Am -k 5 --library "$lib"
step "the vibe browser"
cat >&2 <<MSG
Search, hear and map the demo library in a browser:

    make browse

(it runs: $bin serve --library $lib
 and opens http://127.0.0.1:8404/ ; Ctrl-C stops it)
MSG
