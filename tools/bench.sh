#!/usr/bin/env bash
# Builds simdpool in Release and runs the benchmark on this CPU: every
# real-network shape, both layouts, every supported target, the scalar
# reference and a memcpy baseline, then a summary of ratios.
# Extra arguments go to Google Benchmark, e.g. --benchmark_filter=resnet.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
build=${SIMDPOOL_BENCH_BUILD_DIR:-build/release}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSIMDPOOL_BUILD_TESTS=OFF \
  -DSIMDPOOL_BUILD_EXAMPLES=OFF
cmake --build "$build" -j "$(nproc)" --target simdpool_bench
"$build/bench/simdpool_bench" "$@"
