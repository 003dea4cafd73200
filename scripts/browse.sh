#!/usr/bin/env bash
# make browse: `samplevec serve` on the demo library, and the page opened in a browser when
# there is a desktop (xdg-open); otherwise the address to open is printed. Ctrl-C stops it.
set -euo pipefail
bin=$1
dir=$2
lib="$dir/sp404_samples.db"
port=${PORT:-8404}
if [ ! -f "$lib" ]; then
  echo "samplevec: no demo library at $lib: run 'make demo' first" >&2
  exit 2
fi
page="http://127.0.0.1:$port/"
if { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; } && command -v xdg-open >/dev/null 2>&1; then
  # open once the server answers
  ( for _ in $(seq 100); do curl -sf -o /dev/null "${page}health" && exec xdg-open "$page"; sleep 0.1; done ) &
else
  echo "samplevec: open $page in a browser" >&2
fi
exec "$bin" serve --library "$lib" --port "$port"
