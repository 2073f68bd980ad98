// 2-D max pooling (values, optionally int64 indices), f32, NCHW and NHWC.
//
// Bit-exact with the reference: every lane is one output, its taps are
// visited in scan order and a tap replaces the best so far iff it is greater
// or NaN (compare + blend; hn::Max differs per target on NaN and +-0).
// NHWC vectorises across channels, NCHW across output columns of one row.

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

// ---------------------------------------------------------------- NHWC

// Lanes(d) channels of one output pixel, taps [hb, he) x [wb, we).
template <bool kIndices, bool kOneLane, class D>
HWY_INLINE void MaxPixelNHWC(D d, const internal::Plan& plan, const float* HWY_RESTRICT image,
                             int64_t h0, int64_t hb, int64_t he, int64_t w0, int64_t wb,
                             int64_t we, int64_t c, float* HWY_RESTRICT out,
                             int64_t* HWY_RESTRICT out_index) {
  const hn::RebindToSigned<D> di;
  const int64_t C = plan.channels, W = plan.w.in;
  const int64_t dh = plan.h.dilation, dw = plan.w.dilation;
  auto best = hn::Set(d, -kInfinity);
  auto best_index = hn::Set(di, -1);
  bool first = true;
  for (int64_t i = hb; i < he; ++i) {
    const int64_t h = h0 + i * dh;
    for (int64_t j = wb; j < we; ++j) {
      const int64_t offset = h * W + w0 + j * dw;
      const auto v = hn::LoadU(d, image + offset * C + c);
      const auto index = hn::Set(di, static_cast<int32_t>(offset));
      if (first) {
        // The first valid tap's index stands even if it does not win (-inf).
        best_index = index;
        first = false;
      }
      MaxUpdate(d, v, index, best, best_index);
    }
  }
  hn::StoreU(best, d, out + c);
  if (kIndices) StoreIndices<kOneLane>(di, best_index, out_index + c);
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
        if (C >= N) {
          int64_t c = 0;
          for (; c + N <= C; c += N) {
            MaxPixelNHWC<kIndices, false>(d, plan, image, h0, hb, he, w0, wb, we, c, out, out_index);
          }
          // Tail: one more vector overlapping the previous one.
          if (c < C) {
            MaxPixelNHWC<kIndices, false>(d, plan, image, h0, hb, he, w0, wb, we, C - N, out, out_index);
          }
        } else {
          for (int64_t c = 0; c < C; ++c) {
            MaxPixelNHWC<kIndices, true>(d1, plan, image, h0, hb, he, w0, wb, we, c, out, out_index);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- NCHW

// One output row of one plane: `rows[r]` is input row h0 + (hb + r) * dh,
// readable at columns [-pad_begin, LastColumnTouched] (padding = -inf).
template <int kStride, int kKernel, bool kIndices, class D>
HWY_INLINE void MaxRowVector(D d, const internal::Plan& plan, const float* const* rows,
                             const int32_t* row_offsets, int64_t num_rows, int64_t ow0,
                             hn::Vec<hn::RebindToSigned<D>> gather_offsets, float* HWY_RESTRICT out,
                             int64_t* HWY_RESTRICT out_index) {
  const hn::RebindToSigned<D> di;
  const internal::Axis& aw = plan.w;
  const int64_t stride = kStride != 0 ? kStride : aw.stride;
  const int64_t kernel = kKernel != 0 ? kKernel : aw.kernel;
  const int64_t dw = aw.dilation;
  const int64_t col0 = ow0 * stride - aw.pad_begin;
  // Column of tap 0 per lane; padding taps are -inf and never win.
  const auto columns = hn::Add(hn::Mul(hn::Iota(di, 0), hn::Set(di, static_cast<int32_t>(stride))),
                               hn::Set(di, static_cast<int32_t>(col0)));
  auto best = hn::Set(d, -kInfinity);
  auto best_index = hn::Set(di, -1);
  if (kIndices) {
    // Index of each lane's first valid tap (-1 for a window without one).
    const auto first = hn::LoadU(di, plan.w_first_column.data() + ow0);
    best_index = hn::IfThenElse(hn::Lt(first, hn::Zero(di)), first,
                                hn::Add(first, hn::Set(di, row_offsets[0])));
  }
  for (int64_t r = 0; r < num_rows; ++r) {
    const float* row = rows[r] + col0;
    for (int64_t j = 0; j < kernel; ++j) {
      const auto v = LoadColumns<kStride>(d, row + j * dw, gather_offsets);
      const auto index =
          kIndices ? hn::Add(columns, hn::Set(di, static_cast<int32_t>(row_offsets[r] + j * dw)))
                   : best_index;
      MaxUpdate(d, v, index, best, best_index);
    }
  }
  hn::StoreU(best, d, out);
  if (kIndices) StoreIndices<false>(di, best_index, out_index);
}

template <int kStride, int kKernel, bool kIndices>
void MaxPoolNCHW(const internal::Plan& plan, const float* HWY_RESTRICT src, float* HWY_RESTRICT dst,
                 int64_t* HWY_RESTRICT indices, PaddedRows* padded) {
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
    if (padded) padded->NewPlane();
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
        rows[r] = padded ? padded->Row(plane, h) : plane + h * aw.in;
        row_offsets[r] = static_cast<int32_t>(h * aw.in);
      }
      if (aw.out < N) {  // the row is shorter than a vector: compute into a buffer
        MaxRowVector<kStride, kKernel, kIndices>(d, plan, rows.data(), row_offsets.data(),
                                                 num_rows, 0, gather_offsets, tail, tail_index);
        std::copy(tail, tail + aw.out, out);
        if (kIndices) std::copy(tail_index, tail_index + aw.out, out_index);
        continue;
      }
      int64_t ow = 0;
      for (; ow + N <= aw.out; ow += N) {
        MaxRowVector<kStride, kKernel, kIndices>(d, plan, rows.data(), row_offsets.data(),
                                                 num_rows, ow, gather_offsets, out + ow,
                                                 kIndices ? out_index + ow : nullptr);
      }
      if (ow < aw.out) {  // last vector overlaps the previous one
        ow = aw.out - N;
        MaxRowVector<kStride, kKernel, kIndices>(d, plan, rows.data(), row_offsets.data(),
                                                 num_rows, ow, gather_offsets, out + ow,
                                                 kIndices ? out_index + ow : nullptr);
      }
    }
  }
}

template <bool kIndices>
void MaxPoolNCHWDispatch(const internal::Plan& plan, const float* src, float* dst,
                         int64_t* indices, PaddedRows* padded) {
  const int64_t s = plan.w.stride, k = plan.w.kernel;
  // The common ResNet/VGG/AlexNet/Inception shapes get fixed trip counts.
  if (s == 2 && k == 2) return MaxPoolNCHW<2, 2, kIndices>(plan, src, dst, indices, padded);
  if (s == 2 && k == 3) return MaxPoolNCHW<2, 3, kIndices>(plan, src, dst, indices, padded);
  if (s == 1 && k == 3) return MaxPoolNCHW<1, 3, kIndices>(plan, src, dst, indices, padded);
  if (s == 1) return MaxPoolNCHW<1, 0, kIndices>(plan, src, dst, indices, padded);
  if (s == 2) return MaxPoolNCHW<2, 0, kIndices>(plan, src, dst, indices, padded);
  return MaxPoolNCHW<0, 0, kIndices>(plan, src, dst, indices, padded);
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
  const size_t lanes = hn::Lanes(d);
  PaddedRows* padded = nullptr;
  std::unique_ptr<PaddedRows> storage;
  if (!RowsReadInPlace(plan.w, lanes)) {
    const int64_t ring = (plan.h.kernel - 1) * plan.h.dilation + 1;
    storage.reset(new PaddedRows(ring, plan.w.in, plan.w.pad_begin,
                                 LastColumnTouched(plan.w, lanes), -kInfinity));
    if (!storage->ok()) return false;
    padded = storage.get();
  }
  if (indices) {
    MaxPoolNCHWDispatch<true>(plan, src, dst, indices, padded);
  } else {
    MaxPoolNCHWDispatch<false>(plan, src, dst, indices, padded);
  }
  return true;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace kernels
}  // namespace simdpool
HWY_AFTER_NAMESPACE();

#endif  // toggle guard
