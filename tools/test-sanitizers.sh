#!/usr/bin/env bash
# Builds the tests with AddressSanitizer and UndefinedBehaviorSanitizer and
# runs them on every SIMD target this CPU supports, plus the reference: any
# read or write outside a buffer, leak or undefined behaviour fails the run.
# -O0, because the instrumented kernels compile in about 2 minutes there
# against an hour at -O2 (two cores); the tests then take about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
build=${SIMDPOOL_SANITIZE_BUILD_DIR:-build/sanitize}
sanitizers="-fsanitize=address,undefined"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0 -DCMAKE_C_FLAGS_DEBUG=-O0 \
  -DCMAKE_CXX_FLAGS="$sanitizers -fno-sanitize-recover=undefined" -DCMAKE_C_FLAGS="$sanitizers" \
  -DCMAKE_EXE_LINKER_FLAGS="$sanitizers" -DSIMDPOOL_BUILD_BENCHMARKS=OFF
cmake --build "$build" -j "$(nproc)"
(cd "$build" && ctest --output-on-failure -j "$(nproc)")
# Which targets the suite compiled, found on this CPU and exercised.
bash tools/report-targets.sh "$build"
