#!/usr/bin/env bash
# Builds simdpool with its tests and runs them on every SIMD target this CPU
# supports (each test name ends in its target, e.g. /AVX2), plus the reference.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
build=${SIMDPOOL_TEST_BUILD_DIR:-build/test}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSIMDPOOL_BUILD_BENCHMARKS=OFF \
  -DSIMDPOOL_WARNINGS_AS_ERRORS=ON
cmake --build "$build" -j "$(nproc)"
(cd "$build" && ctest --output-on-failure -j "$(nproc)")
# Which targets the suite compiled, found on this CPU and exercised.
bash tools/report-targets.sh "$build"
