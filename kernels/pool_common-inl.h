// Per-target helpers shared by the pooling kernels: strided column loads,
// padded row buffers for channels-first rows, and int64 index stores.

// Normal include guard for the target-independent part.
#ifndef SIMDPOOL_KERNELS_POOL_COMMON_H_
#define SIMDPOOL_KERNELS_POOL_COMMON_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "hwy/aligned_allocator.h"
#include "hwy/cache_control.h"
#include "plan.h"

namespace simdpool {
namespace kernels {

constexpr float kInfinity = std::numeric_limits<float>::infinity();

// Channels-first rows padded on both sides, so that a whole output row is
// computed with full vectors and no bounds checks. Each input row is copied
// once per plane into a ring of `ring` slots (the dilated kernel height), so
// every row an output row needs is resident at the same time.
class PaddedRows {
 public:
  // `pad_left` columns before the row and enough after it for `last_column`
  // (the largest column, relative to the row start, any load may touch).
  PaddedRows(int64_t ring, int64_t width, int64_t pad_left, int64_t last_column, float pad_value)
      : ring_(ring),
        width_(width),
        pad_left_(pad_left),
        pitch_(pad_left + last_column + 1),
        pad_value_(pad_value),
        storage_(hwy::AllocateAligned<float>(static_cast<size_t>(ring * pitch_))),
        row_in_slot_(static_cast<size_t>(ring), -1) {}

  bool ok() const { return storage_ != nullptr; }

  void NewPlane() { std::fill(row_in_slot_.begin(), row_in_slot_.end(), int64_t{-1}); }

  // Pointer p with p[x] = input row `h` at column x for x in
  // [-pad_left, last_column], padding filled with the pad value.
  const float* Row(const float* plane, int64_t h) {
    const size_t slot = static_cast<size_t>(h % ring_);
    float* row = storage_.get() + static_cast<int64_t>(slot) * pitch_;
    if (row_in_slot_[slot] != h) {
      row_in_slot_[slot] = h;
      std::fill(row, row + pad_left_, pad_value_);
      std::memcpy(row + pad_left_, plane + h * width_, static_cast<size_t>(width_) * sizeof(float));
      std::fill(row + pad_left_ + width_, row + pitch_, pad_value_);
    }
    return row + pad_left_;
  }

 private:
  int64_t ring_, width_, pad_left_, pitch_;
  float pad_value_;
  hwy::AlignedFreeUniquePtr<float[]> storage_;
  std::vector<int64_t> row_in_slot_;
};

// Whether strips of a 3x3 stride-1 kernel walk up the plane rather than
// down. Walking down, the step for output row oh loads input row
// oh - pad_top + 2 after storing rows oh - 1, oh - 2, ...; where input and
// output rows have the same pitch, such a load and the store k steps before
// it lie a fixed distance apart, and where that distance is within a vector
// of a multiple of 4 KiB the load waits for the store (the CPU matches
// addresses by their low 12 bits first): Inception's 35x35 average took
// 1.1-1.2x the time, GoogLeNet's 28x28 max 1.1-1.2x, for about a third of
// the output's offsets against the input's. Walking up, the step loads row
// oh - pad_top after storing rows oh + 1, oh + 2, ..., so its distances
// differ. Stores up to `steps` steps back delay a load (how many depends on
// the kernel's speed); the walk with fewer such stores is taken.
inline bool StripsUp(const internal::Plan& plan, const float* src, const float* dst, int64_t steps) {
  if (plan.w.out != plan.w.in || plan.h.out != plan.h.in) return false;  // no fixed distance
  const int64_t pitch = plan.w.in * static_cast<int64_t>(sizeof(float));
  const int64_t top = plan.h.pad_begin;
  // Addresses modulo 4 KiB, in unsigned arithmetic (which wraps).
  const uint64_t apart = reinterpret_cast<uintptr_t>(src) - reinterpret_cast<uintptr_t>(dst);
  constexpr uint64_t kPage = 4096, kNear = 64 + 2 * sizeof(float);  // a vector and the taps' reach
  // Stores met by a load `rows` rows from the store of the step before it,
  // `per_step` rows further for each step back.
  const auto stores_met = [&](int64_t rows, int64_t per_step) {
    int64_t met = 0;
    for (int64_t k = 0; k <= steps; ++k) {
      const uint64_t r = (apart + static_cast<uint64_t>((rows + per_step * k) * pitch)) & (kPage - 1);
      met += (r < kNear || r > kPage - kNear) ? 1 : 0;
    }
    return met;
  };
  return stores_met(3 - top, 1) > stores_met(-top - 1, -1);
}

// Which taps of a 3x3 stride-1 strip of output columns [s, s + lanes) lie
// outside the row for some lane: bit j for tap j (column ow - pad_begin + j
// of lane ow). 0: the strip needs no mask.
inline int StripTapsOutside(const internal::Axis& w, int64_t s, int64_t lanes) {
  int taps = 0;
  for (int j = 0; j < 3; ++j) {
    if (s - w.pad_begin + j < 0 || s + lanes - 1 - w.pad_begin + j >= w.in) taps |= 1 << j;
  }
  return taps;
}

// Calls f(std::integral_constant<int, kMaskedTaps>) for the strip's taps
// outside the row (StripTapsOutside): a strip at one end of a row padded
// by one (Inception, GoogLeNet) masks one tap, the first or the last, and
// the other two cost no blend; other strips mask all three.
template <class F>
HWY_INLINE void WithStripMask(int taps_outside, const F& f) {
  switch (taps_outside) {
    case 0:
      return f(std::integral_constant<int, 0>());
    case 1:
      return f(std::integral_constant<int, 1>());
    case 4:
      return f(std::integral_constant<int, 4>());
    default:
      return f(std::integral_constant<int, 7>());
  }
}

// The input position of tap i of output o on axis a.
inline int64_t TapInput(const internal::Axis& a, int64_t o, int64_t i) {
  return a.start[o] + i * a.dilation;
}

// The input positions one window spans on axis a (the dilated kernel; it
// fits int64, validated). A ring of that many rows, slot h % span, holds
// the rows of any one window in distinct slots.
inline int64_t WindowSpan(const internal::Axis& a) { return (a.kernel - 1) * a.dilation + 1; }

// Inputs that cannot stay cached stream from memory; there the NCHW max
// kernels prefetch the input kPrefetchDistanceBytes ahead of the rows they
// pool (ResNet's batch-32 stem NCHW on Zen 5: 0.38-0.41x the time, VGG's
// 2x2 0.82-0.99x). On cache-resident inputs the extra instructions cost
// time, hence the threshold. NHWC, prefetched per output row or per pixel
// at 0-64 KiB: VGG's 2x2 1.3-1.4x slower, ResNet's batch 32 0.8-1.07x, so
// it does not prefetch.
constexpr int64_t kPrefetchAboveBytes = int64_t{8} << 20;
constexpr int64_t kPrefetchDistanceBytes = 8 << 10;

inline bool PrefetchInput(const internal::Plan& plan) {
  return plan.batch * plan.channels * plan.in_plane * static_cast<int64_t>(sizeof(float)) >
         kPrefetchAboveBytes;
}

// Prefetches the cache lines of n floats from p. Always inlined, and so is
// every caller: GCC 12's IPA mod/ref analysis takes a function whose only
// effect is a prefetch for one without effects and deletes its calls.
HWY_INLINE void PrefetchFloats(const float* p, int64_t n) {
  constexpr int64_t kLineFloats = 64 / sizeof(float);
  for (int64_t i = 0; i < n; i += kLineFloats) hwy::Prefetch(p + i);
  if (n > 0) hwy::Prefetch(p + n - 1);
}

// For output row oh of plane p (channels-first): prefetches the oh-th of
// plane.h.out equal parts of the plane, kPrefetchDistanceBytes further on.
// Over all rows and planes that covers the input once, evenly spread, with
// a lead that does not depend on the plane's shape.
HWY_INLINE void PrefetchAhead(const internal::Plan& plan, const float* src, int64_t p, int64_t oh) {
  constexpr int64_t kDistance = kPrefetchDistanceBytes / static_cast<int64_t>(sizeof(float));
  const int64_t total = plan.batch * plan.channels * plan.in_plane;
  const int64_t base = p * plan.in_plane + kDistance;
  const int64_t begin = base + oh * plan.in_plane / plan.h.out;
  const int64_t end = std::min(total, base + (oh + 1) * plan.in_plane / plan.h.out);
  if (begin < end) PrefetchFloats(src + begin, end - begin);
}

// The last column, relative to a row's start, that a channels-first row
// kernel with `lanes` lanes loads: the last (overlapping) vector's last tap,
// plus stride - 1 for the stride-2 loads that read pairs.
inline int64_t LastColumnTouched(const internal::Axis& w, size_t lanes) {
  const int64_t n = static_cast<int64_t>(lanes);
  const int64_t first_vector = w.out > n ? w.out - n : 0;
  return (first_vector + n - 1) * w.stride - w.pad_begin + (w.kernel - 1) * w.dilation +
         (w.stride - 1);
}

// Where a channels-first kernel reads input row h: in place when no output
// column needs padding, else from a padded copy. Loads past the end of a row
// in place read the next row into lanes whose results are discarded; only the
// tensor's last row has no next row, so it is read from a copy.
class RowSource {
 public:
  RowSource(const internal::Plan& plan, size_t lanes, int64_t ring, float pad_value)
      : width_(plan.w.in), last_row_(plan.h.in - 1), last_plane_(plan.batch * plan.channels - 1) {
    const internal::Axis& w = plan.w;
    const int64_t reach = LastColumnTouched(w, lanes);
    in_place_ = w.full_begin == 0 && w.full_end == w.out && reach < 2 * w.in;
    if (!in_place_ || reach >= w.in) padded_.reset(new PaddedRows(ring, w.in, w.pad_begin, reach, pad_value));
  }
  bool ok() const { return padded_ == nullptr || padded_->ok(); }
  void NewPlane() {
    if (padded_) padded_->NewPlane();
  }
  const float* Row(const float* plane, int64_t p, int64_t h) {
    if (in_place_ && (padded_ == nullptr || p != last_plane_ || h != last_row_)) return plane + h * width_;
    return padded_->Row(plane, h);
  }
  // Whether Row reads every row of plane p in place, at plane + h * width.
  bool PlaneInPlace(int64_t p) const { return in_place_ && (padded_ == nullptr || p != last_plane_); }

 private:
  int64_t width_, last_row_, last_plane_;
  bool in_place_ = false;
  std::unique_ptr<PaddedRows> padded_;
};

// Where a kernel that masks the lanes outside the row itself (the separable
// max kernel) reads input row h: in place, where every load of the row stays
// inside the tensor (lanes reaching into a neighbouring row are masked), else
// from a padded copy: only the first rows of the first plane and the last
// rows of the last plane need one.
class InPlaceRows {
 public:
  InPlaceRows(const internal::Plan& plan, size_t lanes, int64_t ring, float pad_value)
      : width_(plan.w.in),
        height_(plan.h.in),
        in_plane_(plan.in_plane),
        lowest_(-plan.w.pad_begin),
        highest_(LastColumnTouched(plan.w, lanes)),
        total_(plan.batch * plan.channels * plan.in_plane),
        padded_(ring, plan.w.in, plan.w.pad_begin, highest_, pad_value) {}
  bool ok() const { return padded_.ok(); }
  void NewPlane() { padded_.NewPlane(); }
  const float* Row(const float* src, int64_t p, int64_t h) {
    const int64_t begin = (p * height_ + h) * width_;
    if (begin + lowest_ >= 0 && begin + highest_ < total_) return src + begin;
    return padded_.Row(src + p * in_plane_, h);
  }
  // Whether Row reads every row of plane p in place.
  bool PlaneInPlace(int64_t p) const {
    return p * in_plane_ + lowest_ >= 0 && (p + 1) * in_plane_ - width_ + highest_ < total_;
  }

 private:
  int64_t width_, height_, in_plane_, lowest_, highest_, total_;
  PaddedRows padded_;
};

}  // namespace kernels
}  // namespace simdpool

#endif  // SIMDPOOL_KERNELS_POOL_COMMON_H_

// Per-target part, re-emitted for every target.
#if defined(SIMDPOOL_KERNELS_POOL_COMMON_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SIMDPOOL_KERNELS_POOL_COMMON_INL_H_
#undef SIMDPOOL_KERNELS_POOL_COMMON_INL_H_
#else
#define SIMDPOOL_KERNELS_POOL_COMMON_INL_H_
#endif

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace simdpool {
namespace kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Loads lanes j = 0..N-1 from p[j * stride]. kStride is 1, 2 or 0 (any
// stride, via gather). Stride 2 reads p[0 .. 2N-1], one element past the last
// lane: callers guarantee that element is readable.
template <int kStride, class D>
HWY_INLINE hn::Vec<D> LoadColumns(D d, const float* HWY_RESTRICT p,
                                  hn::Vec<hn::RebindToSigned<D>> gather_offsets) {
  if constexpr (kStride == 1) {
    return hn::LoadU(d, p);
#if HWY_TARGET != HWY_SCALAR
  } else if constexpr (kStride == 2) {
    return hn::ConcatEven(d, hn::LoadU(d, p + hn::Lanes(d)), hn::LoadU(d, p));
#endif
  } else {
    return hn::GatherIndex(d, p, gather_offsets);
  }
}

// Calls f(d) with the float vector tag an NHWC kernel uses for `channels`:
// the full vector, or with fewer channels than that the widest of 8, 4 or 1
// lanes that fits (the last vector of a pixel overlaps its predecessor).
template <class F>
HWY_INLINE void WithChannelTag(int64_t channels, const F& f) {
  const hn::ScalableTag<float> d;
  if (channels >= static_cast<int64_t>(hn::Lanes(d))) return f(d);
  if constexpr (hn::MaxLanes(d) > 4) {
    const hn::CappedTag<float, 8> d8;
    const hn::CappedTag<float, 4> d4;
    if (static_cast<int64_t>(hn::Lanes(d8)) <= channels) return f(d8);
    if (static_cast<int64_t>(hn::Lanes(d4)) <= channels) return f(d4);
  }
  f(hn::CappedTag<float, 1>());
}

// Returns f(d) with the float vector tag a channels-first row kernel uses:
// the full vector, or 8 lanes on wider targets when the output rows are
// narrower than a full vector (each row would otherwise go through a buffer
// or a padded copy).
template <class F>
HWY_INLINE auto WithRowTag(int64_t out_w, const F& f) {
  const hn::ScalableTag<float> d;
  if constexpr (hn::MaxLanes(d) > 8) {
    const hn::CappedTag<float, 8> d8;
    if (out_w < static_cast<int64_t>(hn::Lanes(d)) && hn::Lanes(d8) < hn::Lanes(d)) return f(d8);
  }
  return f(d);
}

// Stores the int32 index lanes of `v` as int64. kOneLane: d has one lane
// (the channel tail of small NHWC tensors), which has no half to promote.
template <bool kOneLane, class DI>
HWY_INLINE void StoreIndices(DI di, hn::Vec<DI> v, int64_t* HWY_RESTRICT out) {
#if HWY_TARGET == HWY_SCALAR
  (void)di;
  out[0] = hn::GetLane(v);
#else
  if constexpr (kOneLane) {
    (void)di;
    out[0] = hn::GetLane(v);
  } else {
    const hn::Half<DI> dh;
    const hn::Rebind<int64_t, hn::Half<DI>> d64;
    hn::StoreU(hn::PromoteTo(d64, hn::LowerHalf(dh, v)), d64, out);
    hn::StoreU(hn::PromoteTo(d64, hn::UpperHalf(dh, v)), d64, out + hn::Lanes(d64));
  }
#endif
}

// The int32 index lanes of `v` as they are.
template <bool kOneLane, class DI>
HWY_INLINE void StoreIndices(DI di, hn::Vec<DI> v, int32_t* HWY_RESTRICT out) {
  hn::StoreU(v, di, out);
}

// Keeps a loaded vector in a register: GCC 12 may fold the load into each
// instruction that uses it (a memory operand per use). In NCHW max's
// unmasked rows it loaded every tap three times, each load straddling two
// cache lines: alexnet NCHW took 1.6x the time. The empty asm emits nothing.
template <class V>
HWY_INLINE void KeepInRegister(V& v) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_SSSE3 && defined(__GNUC__)
  asm("" : "+v"(v.raw));
#else
  (void)v;
#endif
}

// Lanes whose column (in `columns`) lies in [0, width): the others of a
// load read a neighbouring row or padding.
template <class D>
HWY_INLINE hn::Mask<D> ColumnsInRow(D d, hn::Vec<hn::RebindToSigned<D>> columns, int64_t width) {
  const hn::RebindToSigned<D> di;
  return hn::RebindMask(d, hn::And(hn::Gt(columns, hn::Set(di, -1)),
                                   hn::Lt(columns, hn::Set(di, static_cast<int32_t>(width)))));
}

// The lanes of a 3x3 stride-1 strip of output columns from s whose taps 0,
// 1 and 2 (columns s - pad_begin + j) lie inside the row. Iota from a
// constant: from a variable, Highway 1.0.3 stores the lanes one by one and
// loads them as a vector, which stalls store forwarding (7% of Inception's
// time on AVX3).
template <class D>
HWY_INLINE void StripTapMasks(D d, const internal::Axis& w, int64_t s, hn::Mask<D>& valid0, hn::Mask<D>& valid1,
                              hn::Mask<D>& valid2) {
  const hn::RebindToSigned<D> di;
  const auto first = hn::Add(hn::Iota(di, 0), hn::Set(di, static_cast<int32_t>(s - w.pad_begin)));
  valid0 = ColumnsInRow(d, first, w.in);
  valid1 = ColumnsInRow(d, hn::Add(first, hn::Set(di, 1)), w.in);
  valid2 = ColumnsInRow(d, hn::Add(first, hn::Set(di, 2)), w.in);
}

// Loads the three taps of input row `row` for a 3x3 stride-1 strip of
// output columns [s, s + N), reading the row in place: tap j of lane ow is
// column s + ow - pad + j. The taps in kMaskedTaps (bit j: tap j) take
// `outside` in the lanes whose column lies outside the row (valid* false),
// where the load read a neighbouring row's element.
template <int kMaskedTaps, class D>
HWY_INLINE void LoadRowTaps3(D d, const float* HWY_RESTRICT row, int64_t s, int64_t pad, hn::Mask<D> valid0,
                             hn::Mask<D> valid1, hn::Mask<D> valid2, hn::Vec<D> outside, hn::Vec<D>& t0,
                             hn::Vec<D>& t1, hn::Vec<D>& t2) {
  const float* p = row + s - pad;
  t0 = hn::LoadU(d, p), t1 = hn::LoadU(d, p + 1), t2 = hn::LoadU(d, p + 2);
  if (kMaskedTaps & 1) t0 = hn::IfThenElse(valid0, t0, outside);
  if (kMaskedTaps & 2) t1 = hn::IfThenElse(valid1, t1, outside);
  if (kMaskedTaps & 4) t2 = hn::IfThenElse(valid2, t2, outside);
}

// Offsets j * stride for GatherIndex.
template <class D>
HWY_INLINE hn::Vec<hn::RebindToSigned<D>> StrideOffsets(D d, int64_t stride) {
  const hn::RebindToSigned<D> di;
  (void)d;
  return hn::Mul(hn::Iota(di, 0), hn::Set(di, static_cast<int32_t>(stride)));
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace kernels
}  // namespace simdpool
HWY_AFTER_NAMESPACE();

#endif  // toggle guard
