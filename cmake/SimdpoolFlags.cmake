# Compile flags shared by the library, tests and benchmarks.
#
# HWY_COMPILE_ALL_ATTAINABLE: every target this compiler can build (on x86:
# AVX3, AVX2, SSE4, SSSE3 and the scalar fallback), in every translation unit,
# so the library and its tests agree on the target set.
# -ffp-contract=off: GCC would otherwise fuse a*b+c differently per target.
function(simdpool_set_flags target)
  target_compile_definitions(${target} PRIVATE HWY_COMPILE_ALL_ATTAINABLE)
  target_compile_options(${target} PRIVATE -Wall -Wextra -ffp-contract=off)
  if(SIMDPOOL_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
