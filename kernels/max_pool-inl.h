// 2-D max pooling (values, optionally int64 indices), f32, NCHW and NHWC.
//
// Bit-exact with the reference: every lane is one output, its taps are
// visited in scan order and a tap replaces the best so far iff it is greater
// or NaN (compare + blend; hn::Max differs per target on NaN and +-0, see
// MaxStep for where it is used anyway). NHWC vectorises across channels,
// NCHW across output columns of one row.

#if defined(SIMDPOOL_KERNELS_MAX_POOL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SIMDPOOL_KERNELS_MAX_POOL_INL_H_
#undef SIMDPOOL_KERNELS_MAX_POOL_INL_H_
#else
#define SIMDPOOL_KERNELS_MAX_POOL_INL_H_
#endif

#include "hwy/highway.h"
#include "pool_common-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdpool {
namespace kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class D>
HWY_INLINE void MaxUpdate(D d, hn::Vec<D> v, hn::Vec<hn::RebindToSigned<D>> index,
                          hn::Vec<D>& best, hn::Vec<hn::RebindToSigned<D>>& best_index) {
  const hn::RebindToSigned<D> di;
  const auto take = hn::Or(hn::Gt(v, best), hn::IsNaN(v));
  best = hn::IfThenElse(take, v, best);
  best_index = hn::IfThenElse(hn::RebindMask(di, take), index, best_index);
  (void)d;
}

// How a kernel folds a tap into its running maximum.
// kExact: the selection rule, take = v > best || isnan(v), for any window.
// kFast: take = v > best, which is the rule itself for windows without NaN;
// a running sum of the taps (another execution port) flags windows that may
// hold a NaN, and the caller recomputes those with kExact. For values alone
// on x86, hn::Max(v, best) is maxps, exactly `v > best ? v : best`: one
// instruction instead of two compares, an or and a blend.
enum class MaxMode { kExact, kFast };
#if HWY_ARCH_X86 && HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_EMU128
constexpr bool kMaxIsSelectionRule = true;
#else
constexpr bool kMaxIsSelectionRule = false;  // Max differs on NaN and +-0
#endif

template <MaxMode kMode, bool kIndices, class D>
HWY_INLINE void MaxStep(D d, hn::Vec<D> v, hn::Vec<hn::RebindToSigned<D>> index, hn::Vec<D>& best,
                        hn::Vec<hn::RebindToSigned<D>>& best_index, hn::Vec<D>& nan_probe) {
  if constexpr (kMode == MaxMode::kExact) {
    MaxUpdate(d, v, index, best, best_index);
  } else if constexpr (!kIndices && kMaxIsSelectionRule) {
    best = hn::Max(v, best);
    nan_probe = hn::Add(nan_probe, v);
  } else {
    const auto take = hn::Gt(v, best);
    best = hn::IfThenElse(take, v, best);
    if (kIndices) best_index = hn::IfThenElse(hn::RebindMask(hn::RebindToSigned<D>(), take), index, best_index);
    nan_probe = hn::Add(nan_probe, v);
  }
}

// ---------------------------------------------------------------- NHWC

// kBlocks (1..4) vectors of channels of one output pixel, from channel c,
// taps [hb, he) x [wb, we). Several blocks keep independent chains in flight;
// one chain alone is bound by its latency. Returns false, storing nothing,
// if kFast saw a possible NaN.
template <MaxMode kMode, bool kIndices, bool kOneLane, int kBlocks, class D>
HWY_INLINE bool MaxPixelNHWC(D d, const internal::Plan& plan, const float* HWY_RESTRICT image,
                             int64_t h0, int64_t hb, int64_t he, int64_t w0, int64_t wb,
                             int64_t we, int64_t c, float* HWY_RESTRICT out,
                             int64_t* HWY_RESTRICT out_index) {
  const hn::RebindToSigned<D> di;
  const size_t N = hn::Lanes(d);
  const int64_t C = plan.channels, W = plan.w.in;
  const int64_t dh = plan.h.dilation, dw = plan.w.dilation;
  auto best0 = hn::Set(d, -kInfinity), best1 = best0, best2 = best0, best3 = best0;
  auto index0 = hn::Set(di, -1), index1 = index0, index2 = index0, index3 = index0;
  auto probe0 = hn::Zero(d), probe1 = probe0, probe2 = probe0, probe3 = probe0;
  bool first = true;
  for (int64_t i = hb; i < he; ++i) {
    const int64_t h = h0 + i * dh;
    for (int64_t j = wb; j < we; ++j) {
      const int64_t offset = h * W + w0 + j * dw;
      const float* p = image + offset * C + c;
      const auto index = hn::Set(di, static_cast<int32_t>(offset));
      if (kIndices && first) {
        // The first valid tap's index stands even if it does not win (-inf).
        index0 = index1 = index2 = index3 = index;
        first = false;
      }
      MaxStep<kMode, kIndices>(d, hn::LoadU(d, p), index, best0, index0, probe0);
      if (kBlocks > 1) MaxStep<kMode, kIndices>(d, hn::LoadU(d, p + N), index, best1, index1, probe1);
      if (kBlocks > 2) MaxStep<kMode, kIndices>(d, hn::LoadU(d, p + 2 * N), index, best2, index2, probe2);
      if (kBlocks > 3) MaxStep<kMode, kIndices>(d, hn::LoadU(d, p + 3 * N), index, best3, index3, probe3);
    }
  }
  if (kMode == MaxMode::kFast) {
    const auto probe = hn::Add(hn::Add(probe0, probe1), hn::Add(probe2, probe3));
    if (!hn::AllFalse(d, hn::IsNaN(probe))) return false;
  }
  hn::StoreU(best0, d, out + c);
  if (kBlocks > 1) hn::StoreU(best1, d, out + c + N);
  if (kBlocks > 2) hn::StoreU(best2, d, out + c + 2 * N);
  if (kBlocks > 3) hn::StoreU(best3, d, out + c + 3 * N);
  if (kIndices) {
    StoreIndices<kOneLane>(di, index0, out_index + c);
    if (kBlocks > 1) StoreIndices<kOneLane>(di, index1, out_index + c + N);
    if (kBlocks > 2) StoreIndices<kOneLane>(di, index2, out_index + c + 2 * N);
    if (kBlocks > 3) StoreIndices<kOneLane>(di, index3, out_index + c + 3 * N);
  }
  return true;
}

// MaxPixelNHWC in the fastest exact way: kFast first, kExact where it saw
// a possible NaN.
template <bool kIndices, bool kOneLane, int kBlocks, class D>
HWY_INLINE void MaxPixelNHWCBest(D d, const internal::Plan& plan, const float* HWY_RESTRICT image,
                                 int64_t h0, int64_t hb, int64_t he, int64_t w0, int64_t wb,
                                 int64_t we, int64_t c, float* HWY_RESTRICT out,
                                 int64_t* HWY_RESTRICT out_index) {
  if (!MaxPixelNHWC<MaxMode::kFast, kIndices, kOneLane, kBlocks>(d, plan, image, h0, hb, he, w0, wb,
                                                                 we, c, out, out_index)) {
    MaxPixelNHWC<MaxMode::kExact, kIndices, kOneLane, kBlocks>(d, plan, image, h0, hb, he, w0, wb,
                                                               we, c, out, out_index);
  }
}

template <bool kIndices>
void MaxPoolNHWC(const internal::Plan& plan, const float* HWY_RESTRICT src, float* HWY_RESTRICT dst,
                 int64_t* HWY_RESTRICT indices) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  const int64_t C = plan.channels;
  for (int64_t n = 0; n < plan.batch; ++n) {
    const float* image = src + n * plan.in_plane * C;
    for (int64_t oh = 0; oh < ah.out; ++oh) {
      for (int64_t ow = 0; ow < aw.out; ++ow) {
        const int64_t o = ((n * ah.out + oh) * aw.out + ow) * C;
        float* out = dst + o;
        int64_t* out_index = kIndices ? indices + o : nullptr;
        const int64_t hb = ah.tap_begin[oh], he = ah.tap_end[oh];
        const int64_t wb = aw.tap_begin[ow], we = aw.tap_end[ow];
        const int64_t h0 = ah.start[oh], w0 = aw.start[ow];
        if (C < N) {
          for (int64_t c = 0; c < C; ++c) {
            MaxPixelNHWCBest<kIndices, true, 1>(d1, plan, image, h0, hb, he, w0, wb, we, c, out, out_index);
          }
          continue;
        }
        int64_t c = 0;
        for (; c + 4 * N <= C; c += 4 * N) {
          MaxPixelNHWCBest<kIndices, false, 4>(d, plan, image, h0, hb, he, w0, wb, we, c, out, out_index);
        }
        for (; c + N <= C; c += N) {
          MaxPixelNHWCBest<kIndices, false, 1>(d, plan, image, h0, hb, he, w0, wb, we, c, out, out_index);
        }
        // Tail: one more vector overlapping the previous one.
        if (c < C) {
          MaxPixelNHWCBest<kIndices, false, 1>(d, plan, image, h0, hb, he, w0, wb, we, C - N, out, out_index);
        }
      }
    }
  }
}

// ---------------------------------------------------------------- NCHW

// kVectors (1 or 2) vectors of outputs of one row from column ow0: two keep
// independent chains in flight. `rows[r]` is input row h0 + (hb + r) * dh,
// readable at columns [-pad_begin, LastColumnTouched] (padding = -inf, which
// never wins). Returns false, storing nothing, if kFast saw a possible NaN.
template <MaxMode kMode, int kStride, int kKernel, bool kIndices, int kVectors, class D>
HWY_INLINE bool MaxRowVector(D d, const internal::Plan& plan, const float* const* rows,
                             const int32_t* row_offsets, int64_t num_rows, int64_t ow0,
                             hn::Vec<hn::RebindToSigned<D>> gather_offsets, float* HWY_RESTRICT out,
                             int64_t* HWY_RESTRICT out_index) {
  const hn::RebindToSigned<D> di;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const internal::Axis& aw = plan.w;
  const int64_t stride = kStride != 0 ? kStride : aw.stride;
  const int64_t kernel = kKernel != 0 ? kKernel : aw.kernel;
  const int64_t dw = aw.dilation;
  const int64_t col0 = ow0 * stride - aw.pad_begin;
  const int64_t col1 = col0 + N * stride;  // first column of the second vector
  // Column of tap 0 per lane.
  const auto columns0 = hn::Add(hn::Mul(hn::Iota(di, 0), hn::Set(di, static_cast<int32_t>(stride))),
                                hn::Set(di, static_cast<int32_t>(col0)));
  const auto columns1 = hn::Add(columns0, hn::Set(di, static_cast<int32_t>(N * stride)));
  auto best0 = hn::Set(d, -kInfinity), best1 = best0;
  auto index0 = hn::Set(di, -1), index1 = index0;
  auto probe0 = hn::Zero(d), probe1 = probe0;
  if (kIndices) {
    // Index of each lane's first valid tap (-1 for a window without one).
    const auto row0 = hn::Set(di, row_offsets[0]);
    const auto first0 = hn::LoadU(di, plan.w_first_column.data() + ow0);
    index0 = hn::IfThenElse(hn::Lt(first0, hn::Zero(di)), first0, hn::Add(first0, row0));
    if (kVectors > 1) {
      const auto first1 = hn::LoadU(di, plan.w_first_column.data() + ow0 + N);
      index1 = hn::IfThenElse(hn::Lt(first1, hn::Zero(di)), first1, hn::Add(first1, row0));
    }
  }
  for (int64_t r = 0; r < num_rows; ++r) {
    for (int64_t j = 0; j < kernel; ++j) {
      const auto offset = hn::Set(di, static_cast<int32_t>(row_offsets[r] + j * dw));
      const float* tap = rows[r] + j * dw;
      MaxStep<kMode, kIndices>(d, LoadColumns<kStride>(d, tap + col0, gather_offsets),
                     kIndices ? hn::Add(columns0, offset) : index0, best0, index0, probe0);
      if (kVectors > 1) {
        MaxStep<kMode, kIndices>(d, LoadColumns<kStride>(d, tap + col1, gather_offsets),
                       kIndices ? hn::Add(columns1, offset) : index1, best1, index1, probe1);
      }
    }
  }
  // Pad taps are -inf: -inf + inf in the probe is a harmless false alarm.
  if (kMode == MaxMode::kFast && !hn::AllFalse(d, hn::IsNaN(hn::Add(probe0, probe1)))) return false;
  hn::StoreU(best0, d, out);
  if (kVectors > 1) hn::StoreU(best1, d, out + N);
  if (kIndices) {
    StoreIndices<false>(di, index0, out_index);
    if (kVectors > 1) StoreIndices<false>(di, index1, out_index + N);
  }
  return true;
}

// MaxRowVector in the fastest exact way (see MaxPixelNHWCBest).
template <int kStride, int kKernel, bool kIndices, int kVectors, class D>
HWY_INLINE void MaxRowVectorBest(D d, const internal::Plan& plan, const float* const* rows,
                                 const int32_t* row_offsets, int64_t num_rows, int64_t ow0,
                                 hn::Vec<hn::RebindToSigned<D>> gather_offsets,
                                 float* HWY_RESTRICT out, int64_t* HWY_RESTRICT out_index) {
  if (!MaxRowVector<MaxMode::kFast, kStride, kKernel, kIndices, kVectors>(
          d, plan, rows, row_offsets, num_rows, ow0, gather_offsets, out, out_index)) {
    MaxRowVector<MaxMode::kExact, kStride, kKernel, kIndices, kVectors>(
        d, plan, rows, row_offsets, num_rows, ow0, gather_offsets, out, out_index);
  }
}

template <int kStride, int kKernel, bool kIndices>
void MaxPoolNCHW(const internal::Plan& plan, const float* HWY_RESTRICT src, float* HWY_RESTRICT dst,
                 int64_t* HWY_RESTRICT indices, RowSource& row_source) {
  const hn::ScalableTag<float> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  const auto gather_offsets = StrideOffsets(d, aw.stride);
  std::vector<const float*> rows(static_cast<size_t>(ah.kernel));
  std::vector<int32_t> row_offsets(static_cast<size_t>(ah.kernel));
  HWY_ALIGN float tail[HWY_MAX_BYTES / sizeof(float)];
  HWY_ALIGN int64_t tail_index[HWY_MAX_BYTES / sizeof(float)];
  const int64_t planes = plan.batch * plan.channels;
  for (int64_t p = 0; p < planes; ++p) {
    const float* plane = src + p * plan.in_plane;
    row_source.NewPlane();
    for (int64_t oh = 0; oh < ah.out; ++oh) {
      const int64_t o = (p * ah.out + oh) * aw.out;
      float* out = dst + o;
      int64_t* out_index = kIndices ? indices + o : nullptr;
      const int64_t hb = ah.tap_begin[oh], he = ah.tap_end[oh];
      const int64_t num_rows = he - hb;
      if (num_rows == 0) {  // no input row: -inf, index -1
        std::fill(out, out + aw.out, -kInfinity);
        if (kIndices) std::fill(out_index, out_index + aw.out, int64_t{-1});
        continue;
      }
      for (int64_t r = 0; r < num_rows; ++r) {
        const int64_t h = ah.start[oh] + (hb + r) * ah.dilation;
        rows[r] = row_source.Row(plane, p, h);
        row_offsets[r] = static_cast<int32_t>(h * aw.in);
      }
      const int32_t* offsets = row_offsets.data();
      if (aw.out < N) {  // the row is shorter than a vector: compute into a buffer
        MaxRowVectorBest<kStride, kKernel, kIndices, 1>(d, plan, rows.data(), offsets, num_rows, 0,
                                                    gather_offsets, tail, tail_index);
        std::copy(tail, tail + aw.out, out);
        if (kIndices) std::copy(tail_index, tail_index + aw.out, out_index);
        continue;
      }
      int64_t ow = 0;
      for (; ow + 2 * N <= aw.out; ow += 2 * N) {
        MaxRowVectorBest<kStride, kKernel, kIndices, 2>(d, plan, rows.data(), offsets, num_rows, ow,
                                                    gather_offsets, out + ow,
                                                    kIndices ? out_index + ow : nullptr);
      }
      // The last one or two vectors; the last overlaps its predecessor.
      for (; ow < aw.out; ow += N) {
        ow = std::min(ow, aw.out - N);
        MaxRowVectorBest<kStride, kKernel, kIndices, 1>(d, plan, rows.data(), offsets, num_rows, ow,
                                                    gather_offsets, out + ow,
                                                    kIndices ? out_index + ow : nullptr);
      }
    }
  }
}

template <bool kIndices>
void MaxPoolNCHWDispatch(const internal::Plan& plan, const float* src, float* dst,
                         int64_t* indices, RowSource& rows) {
  const int64_t s = plan.w.stride, k = plan.w.kernel;
  // The common ResNet/VGG/AlexNet/Inception shapes get fixed trip counts.
  if (s == 2 && k == 2) return MaxPoolNCHW<2, 2, kIndices>(plan, src, dst, indices, rows);
  if (s == 2 && k == 3) return MaxPoolNCHW<2, 3, kIndices>(plan, src, dst, indices, rows);
  if (s == 1 && k == 3) return MaxPoolNCHW<1, 3, kIndices>(plan, src, dst, indices, rows);
  if (s == 1) return MaxPoolNCHW<1, 0, kIndices>(plan, src, dst, indices, rows);
  if (s == 2) return MaxPoolNCHW<2, 0, kIndices>(plan, src, dst, indices, rows);
  return MaxPoolNCHW<0, 0, kIndices>(plan, src, dst, indices, rows);
}

// Returns false if the row buffers could not be allocated.
inline bool MaxPool2D(const internal::Plan& plan, const float* HWY_RESTRICT src,
                      float* HWY_RESTRICT dst, int64_t* HWY_RESTRICT indices) {
  if (plan.problem.layout == SIMDPOOL_LAYOUT_NHWC) {
    if (indices) {
      MaxPoolNHWC<true>(plan, src, dst, indices);
    } else {
      MaxPoolNHWC<false>(plan, src, dst, indices);
    }
    return true;
  }
  const hn::ScalableTag<float> d;
  const int64_t ring = (plan.h.kernel - 1) * plan.h.dilation + 1;  // rows one output row spans
  RowSource rows(plan, hn::Lanes(d), ring, -kInfinity);
  if (!rows.ok()) return false;
  if (indices) {
    MaxPoolNCHWDispatch<true>(plan, src, dst, indices, rows);
  } else {
    MaxPoolNCHWDispatch<false>(plan, src, dst, indices, rows);
  }
  return true;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace kernels
}  // namespace simdpool
HWY_AFTER_NAMESPACE();

#endif  // toggle guard
