// Calls an HWY_EXPORT-ed function for an explicitly chosen target. Include
// only from the HWY_ONCE part of a kernel translation unit, after
// foreach_target.h, so HWY_TARGETS matches that unit's tables.
#ifndef SIMDPOOL_KERNELS_DISPATCH_H_
#define SIMDPOOL_KERNELS_DISPATCH_H_

#include <cstddef>
#include <cstdint>

#include "hwy/highway.h"

namespace simdpool {
namespace kernels {

// Index of `target` in a HWY_EXPORT table, computed the way
// hwy::ChosenTarget::GetIndex does but without Highway's process-global
// choice, so forcing a target here never changes other Highway users.
inline size_t DispatchIndex(int64_t target) {
#if HWY_IDE || ((HWY_TARGETS & (HWY_TARGETS - 1)) == 0)
  (void)target;
  return 0;
#else
  int64_t mask = HWY_CHOSEN_TARGET_SHIFT(target);
  if (target == HWY_SCALAR || target == HWY_EMU128) mask |= HWY_CHOSEN_TARGET_MASK_SCALAR;
  mask &= HWY_CHOSEN_TARGET_MASK_TARGETS;
  // Entry 0 is Highway's self-initialising trampoline; never use it.
  return mask == 0 ? 0 : hwy::Num0BitsBelowLS1Bit_Nonzero64(static_cast<uint64_t>(mask));
#endif
}

}  // namespace kernels
}  // namespace simdpool

#define SIMDPOOL_DISPATCH(FUNC, target) \
  (*HWY_DISPATCH_TABLE(FUNC)[::simdpool::kernels::DispatchIndex(target)])

#endif  // SIMDPOOL_KERNELS_DISPATCH_H_
