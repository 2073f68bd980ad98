# Cross-compiles simdpool for aarch64 Linux with Debian's GCC cross compiler
# (g++-aarch64-linux-gnu) against the arm64 multiarch packages
# (libhwy-dev:arm64, libgtest-dev:arm64, libbenchmark-dev:arm64), and runs
# the aarch64 binaries (tests, try_run) through qemu user-mode emulation.
#
#   cmake -S . -B build-aarch64 \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
#
# No -march flag: Highway compiles NEON, SVE, SVE2, SVE_256 and SVE2_128 (and
# the scalar fallback) with per-function target attributes and picks one at
# run time. tools/test-aarch64.sh builds and tests under five qemu CPUs.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(SIMDPOOL_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${SIMDPOOL_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${SIMDPOOL_CROSS_TRIPLE}-g++)

# Multiarch: the arm64 libraries live in /usr/lib/aarch64-linux-gnu and their
# CMake package files in /usr/lib/aarch64-linux-gnu/cmake, the headers in
# /usr/include. CMAKE_LIBRARY_ARCHITECTURE makes find_package/find_library
# prefer those over the host's /usr/lib/x86_64-linux-gnu.
set(CMAKE_LIBRARY_ARCHITECTURE ${SIMDPOOL_CROSS_TRIPLE})
# Programs come from the host. Libraries, headers and packages are NOT
# restricted to the sysroot (mode ONLY): Debian's arm64 packages are installed
# under the host's / (multiarch), so find_package(hwy) would then fail.
set(CMAKE_FIND_ROOT_PATH /usr/${SIMDPOOL_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# ctest, add_test(COMMAND <target>) and try_run prefix aarch64 binaries with
# this; -L points qemu at the aarch64 dynamic loader and libc. The CPU model
# comes from QEMU_CPU (set per test in tests/CMakeLists.txt).
# Without qemu the build still works (e.g. to copy to an Arm machine); ctest
# then fails to find qemu-aarch64 instead of running anything natively.
find_program(SIMDPOOL_QEMU_AARCH64 qemu-aarch64)
if(NOT SIMDPOOL_QEMU_AARCH64)
  set(SIMDPOOL_QEMU_AARCH64 qemu-aarch64)
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR ${SIMDPOOL_QEMU_AARCH64} -L /usr/${SIMDPOOL_CROSS_TRIPLE})
