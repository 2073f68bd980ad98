// Compiles the NHWC half of kernels/max_pool-inl.h once per Highway target and
// exports it. The layouts are separate translation units so that they
// compile in parallel: together they took most of the library's build time.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "max_pool_nhwc.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"
#include "kernels.h"
#include "max_pool-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdpool {
namespace kernels {
namespace HWY_NAMESPACE {

bool MaxPool2DNHWCEntry(const internal::Plan& plan, const float* src, float* dst, void* indices) {
  if (plan.problem.index_type == SIMDPOOL_INDEX_INT32) {
    MaxPool2DNHWC(plan, src, dst, static_cast<int32_t*>(indices));
  } else {
    MaxPool2DNHWC(plan, src, dst, static_cast<int64_t*>(indices));
  }
  return true;
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

HWY_EXPORT(MaxPool2DNHWCEntry);

bool MaxPool2DNHWC(int64_t target, const internal::Plan& plan, const float* src, float* dst, void* indices) {
  return SIMDPOOL_DISPATCH(MaxPool2DNHWCEntry, target)(plan, src, dst, indices);
}

}  // namespace kernels
}  // namespace simdpool
#endif  // HWY_ONCE
