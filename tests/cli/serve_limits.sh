#!/usr/bin/env bash
# samplevec serve cannot be blocked: slow and silent clients hold only their own connection,
# and a request that runs past --request-timeout is closed even when its client keeps
# trickling bytes (an idle timeout would be reset by each byte).
. "$(dirname "$0")/lib.sh"
sv() { "$SAMPLEVEC" "$@"; }

expect_exit 0 sv demo-library lib.db --count 300 --seed 9
expect_exit 0 sv embed --all --library lib.db
start_serve serve.err --library lib.db --request-timeout 2

# 20 clients that connect and say nothing, and one that sends half a request head
for i in $(seq 3 22); do eval "exec $i<>/dev/tcp/127.0.0.1/$serve_port"; done
exec 23<>/dev/tcp/127.0.0.1/$serve_port
printf 'GET /health HTTP/1.1\r\nHost: x\r\n' >&23
# ...while everyone else is answered (--max-time only bounds a hang: the old server would
# have answered none of these before the silent clients' timeouts ran out one by one)
for q in dark warm dusty; do
  expect_eq "$(curl -s --max-time 20 -o body.txt -w '%{http_code}' "$url/search?q=$q")" 200 "search beside silent clients"
done
expect_eq "$(curl -s --max-time 20 -o body.txt -w '%{http_code}' "$url/health")" 200 "health beside silent clients"

# a client that sends one header line every 0.3 s, forever: the limit is per request, so
# the server closes it (read sees end of file) although it never stops sending
closed=0
for _ in $(seq 100); do # 30 s at most
  printf 'X-Slow: 1\r\n' >&23 2>/dev/null || { closed=1; break; }
  read -r -t 0.3 -u 23 _
  rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -le 128 ]; then closed=1; break; fi
done
expect_eq "$closed" 1 "a trickling request is closed at the request time limit"
expect_grep serve.err 'ran past the 2 s limit'
for i in $(seq 3 23); do eval "exec $i>&-"; done

# a request head over 16 KiB is refused, the server goes on
big=$(head -c 40000 /dev/zero | tr '\0' 'a')
code=$(curl -s --max-time 20 -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$url/health")
case "$code" in 413|414|431) pass ;; *) fail "oversized head: got $code, want 413/414/431" ;; esac
expect_eq "$(curl -s --max-time 20 -o /dev/null -w '%{http_code}' "$url/health")" 200 "still serving"

kill -TERM "$serve_pid"
wait "$serve_pid"
expect_eq "$?" 0 "SIGTERM stops it cleanly"
finish
