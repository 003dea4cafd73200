#!/usr/bin/env bash
# Runs a test suite (the rest of the command line) holding a machine-wide lock, so that two
# checkouts' suites on one machine run one after the other: the suites start loopback servers
# (tursodb, the fake OpenAI server), kill processes at chosen moments and wait on progress, and
# two of them at once on a 2-core machine only make both slower and flakier.
# SAMPLEVEC_TEST_LOCK names the lock file; set it empty to run without one.
set -euo pipefail
lock=${SAMPLEVEC_TEST_LOCK-/tmp/samplevec-make-test.lock}
[ -n "$lock" ] || exec "$@"
exec 9>>"$lock"
if ! flock -n 9; then
  echo "make test: another samplevec test suite runs on this machine; waiting for it to end" \
       "(SAMPLEVEC_TEST_LOCK= runs at once)" >&2
  flock 9
fi
exec "$@" # the lock (fd 9) is held until the suite ends
