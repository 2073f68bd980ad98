// The streaming baseline of the benchmark: the least work any pooling kernel
// must do, reading its input once and writing its outputs once.
#ifndef SIMDPOOL_BENCH_STREAM_H_
#define SIMDPOOL_BENCH_STREAM_H_

#include <cstddef>
#include <cstdint>

namespace simdpool {
namespace bench {

// Reads `in_bytes` of `in` (a running max the compiler cannot drop) and
// writes `out_bytes` of `out`, with the best SIMD target of this CPU.
// Returns the max so callers can keep it alive.
float Stream(const float* in, size_t in_floats, float* out, size_t out_floats);

}  // namespace bench
}  // namespace simdpool

#endif  // SIMDPOOL_BENCH_STREAM_H_
