// Reports which target's code a dispatch runs, and the compiled target set.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "target_probe.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"
#include "kernels.h"

HWY_BEFORE_NAMESPACE();
namespace simdpool {
namespace kernels {
namespace HWY_NAMESPACE {

int64_t KernelTarget() { return HWY_TARGET; }

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace kernels
}  // namespace simdpool
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "dispatch.h"

namespace simdpool {
namespace kernels {

HWY_EXPORT(KernelTarget);

int64_t CompiledTargets() { return HWY_TARGETS; }

int64_t KernelTargetFor(int64_t target) { return SIMDPOOL_DISPATCH(KernelTarget, target)(); }

}  // namespace kernels
}  // namespace simdpool
#endif  // HWY_ONCE
