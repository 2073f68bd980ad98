// Compiles kernels/avg_pool-inl.h once per Highway target and exports it.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "avg_pool.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"
#include "kernels.h"
#include "avg_pool-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdpool {
namespace kernels {
namespace HWY_NAMESPACE {

bool AvgPool2DEntry(const internal::Plan& plan, const float* src, float* dst) {
  return AvgPool2D(plan, src, dst);
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace kernels
}  // namespace simdpool
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "dispatch.h"

namespace simdpool {
namespace kernels {

HWY_EXPORT(AvgPool2DEntry);

bool AvgPool2D(int64_t target, const internal::Plan& plan, const float* src, float* dst) {
  return SIMDPOOL_DISPATCH(AvgPool2DEntry, target)(plan, src, dst);
}

}  // namespace kernels
}  // namespace simdpool
#endif  // HWY_ONCE
