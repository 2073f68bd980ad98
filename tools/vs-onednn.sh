#!/usr/bin/env bash
# Times simdpool against oneDNN's pooling (Debian libdnnl-dev 2.6.3) in one
# process, on the benchmark shapes, both layouts, one thread (see
# tools/vs_onednn.cc): builds simdpool in Release, compiles the tool against
# it and prints a markdown table of per-call times and ratios. The peers
# (oneDNN here) are not yet part of the benchmark proper (bench/).
#
# usage: tools/vs-onednn.sh [CASE_SUBSTRING]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh libdnnl-dev

build=build/release
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSIMDPOOL_BUILD_TESTS=OFF \
  -DSIMDPOOL_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target simdpool >/dev/null
# bench/stream.cc is the benchmark's streaming baseline; it takes the
# library's Highway flags so that it dispatches to the same targets.
g++ -O2 -std=c++17 -Wall -Wextra -DHWY_COMPILE_ALL_ATTAINABLE -ffp-contract=off \
  -Iinclude -Ibench -o "$build/vs_onednn" tools/vs_onednn.cc bench/stream.cc \
  "$build/libsimdpool.a" -lhwy -ldnnl
# One thread, like simdpool; oneDNN's CPU runtime is whatever Debian built.
OMP_NUM_THREADS=1 "$build/vs_onednn" "$@"
