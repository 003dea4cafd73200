#!/usr/bin/env bash
# Installs the Debian packages samplevec builds against, when any is missing.
# As root it runs apt-get; otherwise it prints the exact command and stops.
set -euo pipefail

# pkg-config module -> Debian package
modules=(sqlite3:libsqlite3-dev libcurl:libcurl4-openssl-dev libcjson:libcjson-dev jansson:libjansson-dev libxxhash:libxxhash-dev
         libutf8proc:libutf8proc-dev libpcre2-8:libpcre2-dev openblas:libopenblas-dev
         libmicrohttpd:libmicrohttpd-dev libpq:libpq-dev)
# command -> Debian package (tools the build, demo and tests call)
commands=(cmake:cmake cc:gcc pkg-config:pkg-config sqlite3:sqlite3 /usr/bin/time:time curl:curl)

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
for m in "${modules[@]}"; do
  pkg-config --exists "${m%%:*}" 2>/dev/null || missing+=("${m##*:}")
done
for c in "${commands[@]}"; do
  command -v "${c%%:*}" >/dev/null 2>&1 || missing+=("${c##*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
cmd="apt-get install -y ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "samplevec: missing build dependencies: ${missing[*]}" >&2
  echo "samplevec: install them with: sudo apt-get update && sudo $cmd" >&2
  exit 1
fi
echo "samplevec: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
