#!/usr/bin/env bash
# Cross-builds simdpool's tests for aarch64 (Release, GCC cross compiler, no
# -march flag) and runs the whole suite under qemu user-mode emulation, once
# per emulated CPU, so every Arm target Highway compiles is tested against the
# reference:
#
#   qemu -cpu cortex-a72     NEON          (no SVE)
#   qemu -cpu a64fx          SVE           (512-bit)
#   qemu -cpu max            SVE2          (512-bit)
#   qemu -cpu max,sve256=on  SVE_256       (SVE2, 256-bit)
#   qemu -cpu max,sve128=on  SVE2_128      (SVE2, 128-bit)
#
# Each run tests the target above and checks that it is the automatic
# choice; the cortex-a72 run also tests SCALAR and the reference, and the
# 128- and 256-bit runs also the generic SVE and SVE2 code
# (tests/CMakeLists.txt, SIMDPOOL_QEMU_CPUS). Prints per CPU which targets
# ran; exits non-zero on any failure.
#
# Installs the cross packages first if any is missing (Debian; needs root or
# sudo): dpkg --add-architecture arm64, g++-aarch64-linux-gnu, qemu-user,
# libhwy-dev:arm64 (same version as libhwy-dev:amd64) and libgtest-dev:arm64.
#
# Environment:
#   SIMDPOOL_AARCH64_BUILD_DIR  build directory (default build/aarch64)
#   SIMDPOOL_JOBS               parallel build and test jobs (default nproc)
#   SIMDPOOL_TEST_SCALE         percent of the random sweep cases (default
#                               100; lower it on a slow machine)
set -euo pipefail
cd "$(dirname "$0")/.."

build=${SIMDPOOL_AARCH64_BUILD_DIR:-build/aarch64}
jobs=${SIMDPOOL_JOBS:-$(nproc)}
start=$SECONDS

# ------------------------------------------------------------ packages

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }

install_cross_packages() {
  local sudo="" missing=() p
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  for p in cmake make g++-aarch64-linux-gnu qemu-user libhwy-dev:arm64 libgtest-dev:arm64; do
    installed "$p" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "Adding the arm64 architecture to dpkg"
    $sudo dpkg --add-architecture arm64
  fi
  # libhwy is Multi-Arch: same, so both architectures must have one version:
  # take the amd64 one if it is installed (keeps the native build as it is).
  local hwy_amd64 i
  hwy_amd64=$(version libhwy-dev:amd64)
  for i in "${!missing[@]}"; do
    if [ "${missing[$i]}" = libhwy-dev:arm64 ] && [ -n "$hwy_amd64" ]; then
      missing[i]="libhwy-dev:arm64=$hwy_amd64"
    fi
  done
  echo "Installing: ${missing[*]}"
  $sudo apt-get update -qq
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends)
  [ -n "$sudo" ] && apt=("$sudo" "${apt[@]}")
  if ! "${apt[@]}" "${missing[@]}"; then
    # The pinned version may have left the archive: move both together.
    [ -n "$hwy_amd64" ] || exit 1
    echo "libhwy-dev $hwy_amd64 is not installable for arm64; upgrading both architectures"
    "${apt[@]}" "${missing[@]/libhwy-dev:arm64=*/libhwy-dev:arm64}" libhwy-dev:amd64
  fi
}

install_cross_packages
hwy_arm64=$(version libhwy-dev:arm64)
hwy_amd64=$(version libhwy-dev:amd64)
if [ -n "$hwy_amd64" ] && [ "$hwy_amd64" != "$hwy_arm64" ]; then
  echo "error: libhwy-dev:amd64 $hwy_amd64 differs from libhwy-dev:arm64 $hwy_arm64" >&2
  exit 1
fi
echo "Highway (libhwy-dev:arm64) $hwy_arm64, $(aarch64-linux-gnu-g++ --version | head -n1)," \
  "$(qemu-aarch64 --version | head -n1)"

# ------------------------------------------------------------ build

cmake --no-warn-unused-cli -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake \
  -DCMAKE_BUILD_TYPE=Release -DSIMDPOOL_BUILD_TESTS=ON -DSIMDPOOL_BUILD_BENCHMARKS=OFF \
  -DSIMDPOOL_BUILD_EXAMPLES=OFF -DSIMDPOOL_WARNINGS_AS_ERRORS=ON
cmake --build "$build" -j "$jobs"
build_time=$((SECONDS - start))

# ------------------------------------------------------------ test

# The verbose log keeps each test's output, lines prefixed "<test number>: ";
# the console gets ctest's one line per test, then the summary below.
log="$build/aarch64-tests.log"
set +e
(cd "$build" && ctest -j "$jobs" -V) 2>&1 | tee "$log" | grep --line-buffered -E '^ *[0-9]+/[0-9]+ Test +#'
ctest_status=${PIPESTATUS[0]}
set -e

# Per ctest entry: the CPU, the target chosen, the targets exercised, the
# gtest counts and the ctest result; the full output of a failed entry.
# Fails if an emulated run did not select its expected target, or if one of
# the five Arm targets was not selected by any run.
summary_status=0
awk '
  match($0, /^[0-9]+: /) {
    n = substr($0, 1, RLENGTH - 2); line = substr($0, RLENGTH + 1)
    out[n] = out[n] line "\n"
    if (line ~ /^ QEMU_CPU=/) cpu[n] = substr(line, 11)
    else if (line ~ /^ SIMDPOOL_EXPECT_BEST_TARGET=/) expect[n] = substr(line, 30)
    else if (sub(/^simdpool default target: +/, "", line)) { sub(/ .*/, "", line); chosen[n] = line }
    else if (sub(/^simdpool targets exercised: +/, "", line)) ran[n] = line
    else if (line ~ /^\[  PASSED  \] [0-9]+ tests?\./) { split(line, f, " "); passed[n] = f[4] }
    else if (line ~ /^\[  SKIPPED \] [0-9]+ tests?,/) { split(line, f, " "); skipped[n] = f[4] }
    else if (line ~ /^\[  FAILED  \] [0-9]+ tests?,/) { split(line, f, " "); failed[n] = f[4] }
    next
  }
  /^ *[0-9]+\/[0-9]+ Test +#[0-9]+: / && $NF == "sec" {
    n = $3; sub(/^#/, "", n); sub(/:$/, "", n)
    name[n] = $4; secs[n] = $(NF - 1)
    r = $0; sub(/^.* Test +#[0-9]+: [^ ]+ *\.*(\*\*\*)? */, "", r); sub(/ +[0-9.]+ sec$/, "", r)
    result[n] = r; order[++count] = n
  }
  END {
    bad = 0
    printf "\n%-18s %-14s %-9s %6s %7s %6s %8s  %-7s %s\n", "ctest entry", "QEMU_CPU", "target",
           "passed", "skipped", "failed", "time", "result", "targets exercised"
    for (i = 1; i <= count; ++i) {
      n = order[i]
      printf "%-18s %-14s %-9s %6d %7d %6d %7ss  %-7s %s\n", name[n], (n in cpu) ? cpu[n] : "(default)",
             chosen[n], passed[n], skipped[n], failed[n], secs[n], result[n], ran[n]
      if (n in expect) {
        seen[expect[n]] = 1
        if (chosen[n] != expect[n]) {
          printf "  error: %s selected %s, expected %s\n", name[n], chosen[n], expect[n]; bad = 1
        }
        if (index(" " ran[n] " ", " " expect[n] " ") == 0) {
          printf "  error: %s did not test %s\n", name[n], expect[n]; bad = 1
        }
      }
    }
    split("NEON SVE SVE2 SVE_256 SVE2_128", all, " ")
    for (t = 1; t <= 5; ++t) {
      if (!(all[t] in seen)) { printf "  error: no emulated run selected %s\n", all[t]; bad = 1 }
    }
    for (i = 1; i <= count; ++i) {
      n = order[i]
      if (result[n] != "Passed") printf "\n---- output of %s (%s) ----\n%s", name[n], result[n], out[n]
    }
    exit bad
  }' "$log" || summary_status=$?

echo "aarch64: build ${build_time}s, total $((SECONDS - start))s; full log: $log"
[ "$ctest_status" -eq 0 ] && [ "$summary_status" -eq 0 ]
