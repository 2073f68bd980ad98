// Compiled once per Highway target, like the kernels, so the baseline uses
// the same vector width as the code it is compared with.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "stream.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"
#include "stream.h"

HWY_BEFORE_NAMESPACE();
namespace simdpool {
namespace bench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

float StreamImpl(const float* HWY_RESTRICT in, size_t in_floats, float* HWY_RESTRICT out,
                 size_t out_floats) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  // Four accumulators so the loop is bound by loads, not by max latency.
  auto m0 = hn::Set(d, -1e30f), m1 = m0, m2 = m0, m3 = m0;
  size_t i = 0;
  for (; i + 4 * N <= in_floats; i += 4 * N) {
    m0 = hn::Max(m0, hn::LoadU(d, in + i));
    m1 = hn::Max(m1, hn::LoadU(d, in + i + N));
    m2 = hn::Max(m2, hn::LoadU(d, in + i + 2 * N));
    m3 = hn::Max(m3, hn::LoadU(d, in + i + 3 * N));
  }
  float result = hn::GetLane(hn::MaxOfLanes(d, hn::Max(hn::Max(m0, m1), hn::Max(m2, m3))));
  for (; i < in_floats; ++i) result = in[i] > result ? in[i] : result;
  const auto value = hn::Set(d, result);
  size_t o = 0;
  for (; o + N <= out_floats; o += N) hn::StoreU(value, d, out + o);
  for (; o < out_floats; ++o) out[o] = result;
  return result;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace bench
}  // namespace simdpool
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace simdpool {
namespace bench {

HWY_EXPORT(StreamImpl);

float Stream(const float* in, size_t in_floats, float* out, size_t out_floats) {
  return HWY_DYNAMIC_DISPATCH(StreamImpl)(in, in_floats, out, out_floats);
}

}  // namespace bench
}  // namespace simdpool
#endif  // HWY_ONCE
