#!/usr/bin/env bash
# Prints which targets the test suite compiled, found on this CPU and
# exercised, from the log of the last ctest run in build directory $1 (every
# test's output is there; running the suite again to print them would double
# the time of a sanitizer run).
set -euo pipefail
log="$1/Testing/Temporary/LastTest.log"
grep -m1 '^simdpool targets compiled:' "$log"
grep -m1 '^simdpool targets supported:' "$log"
exercised=$(grep -h '^simdpool targets exercised:' "$log" | cut -d: -f2 | tr ' ' '\n' |
  grep -v -e '^$' -e '^(none)$' | sort -u | paste -sd' ')
echo "simdpool targets exercised: ${exercised:-(none)}"
