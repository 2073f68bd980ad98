#!/usr/bin/env bash
# Compares the speed of two revisions of simdpool on this CPU: builds each
# as a shared library and times both in one process, interleaved (see
# tools/ab_compare.cc), on the benchmark shapes. Ratios B/A below 1 mean B
# is faster. On a shared machine, prefer this to comparing two bench runs.
#
# usage: tools/ab.sh REV_A REV_B [CASE_SUBSTRING]
#   REV_A, REV_B: git revisions, or "." for the working tree.
#   SIMDPOOL_TARGET=AVX2 etc. applies to both.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n 2,9p "$0"; exit 2; }

root=build/ab
# Builds revision $1 into $root/$2/libsimdpool.so.
build_revision() {
  local rev=$1 dir=$root/$2 src
  if [ "$rev" = . ]; then
    src=$PWD
  else
    src=$dir/src
    rm -rf "$src" && mkdir -p "$src"
    git archive "$rev" | tar -x -C "$src"
  fi
  cmake -S "$src" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DSIMDPOOL_BUILD_TESTS=OFF -DSIMDPOOL_BUILD_BENCHMARKS=OFF -DSIMDPOOL_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build "$dir/build" -j "$(nproc)" --target simdpool >/dev/null
  g++ -shared -o "$dir/libsimdpool.so" -Wl,--whole-archive "$dir/build/libsimdpool.a" \
    -Wl,--no-whole-archive -lhwy
}

build_revision "$1" a
build_revision "$2" b
g++ -O2 -std=c++17 -Iinclude -Ibench tools/ab_compare.cc -ldl -o "$root/ab_compare"
echo "A = $1, B = $2"
"$root/ab_compare" "$root/a/libsimdpool.so" "$root/b/libsimdpool.so" "${3:-}"
