// 2-D average pooling, f32, NCHW and NHWC.
//
// Bit-exact with the reference: every lane is one output; it sums its taps in
// scan order starting from +0 and divides once by float(divisor), where the
// divisor is PyTorch's (divisor_override, or the window clipped to the
// declared padding with count_include_pad, or the valid taps). Padding cells
// are read as +0, which never changes a sum that starts at +0.
// NHWC vectorises across channels, NCHW across output columns of one row.

#if defined(SIMDPOOL_KERNELS_AVG_POOL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SIMDPOOL_KERNELS_AVG_POOL_INL_H_
#undef SIMDPOOL_KERNELS_AVG_POOL_INL_H_
#else
#define SIMDPOOL_KERNELS_AVG_POOL_INL_H_
#endif

#include "hwy/highway.h"
#include "pool_common-inl.h"

HWY_BEFORE_NAMESPACE();
namespace simdpool {
namespace kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Divisor of output (oh, ow) as PyTorch computes it, or 0 for an empty window.
inline int64_t AvgDivisor(const internal::Plan& plan, int64_t oh, int64_t ow) {
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  const int64_t valid_h = ah.tap_end[oh] - ah.tap_begin[oh];
  const int64_t valid_w = aw.tap_end[ow] - aw.tap_begin[ow];
  if (valid_h == 0 || valid_w == 0) return 0;
  if (plan.problem.divisor_override != 0) return plan.problem.divisor_override;
  if (plan.problem.count_include_pad) return ah.counted[oh] * aw.counted[ow];
  return valid_h * valid_w;
}

// ---------------------------------------------------------------- NHWC

template <class D>
HWY_INLINE void AvgPixelNHWC(D d, const internal::Plan& plan, const float* HWY_RESTRICT image,
                             int64_t h0, int64_t hb, int64_t he, int64_t w0, int64_t wb,
                             int64_t we, hn::Vec<D> divisor, int64_t c, float* HWY_RESTRICT out) {
  const int64_t C = plan.channels, W = plan.w.in;
  auto sum = hn::Zero(d);
  for (int64_t h = h0 + hb; h < h0 + he; ++h) {
    const float* row = image + (h * W + w0) * C + c;
    for (int64_t j = wb; j < we; ++j) sum = hn::Add(sum, hn::LoadU(d, row + j * C));
  }
  hn::StoreU(hn::Div(sum, divisor), d, out + c);
}

inline void AvgPoolNHWC(const internal::Plan& plan, const float* HWY_RESTRICT src,
                        float* HWY_RESTRICT dst) {
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
        float* out = dst + ((n * ah.out + oh) * aw.out + ow) * C;
        const int64_t divisor = AvgDivisor(plan, oh, ow);
        if (divisor == 0) {  // empty window
          std::fill(out, out + C, 0.0f);
          continue;
        }
        const float fdivisor = static_cast<float>(divisor);
        const int64_t hb = ah.tap_begin[oh], he = ah.tap_end[oh];
        const int64_t wb = aw.tap_begin[ow], we = aw.tap_end[ow];
        const int64_t h0 = ah.start[oh], w0 = aw.start[ow];
        if (C >= N) {
          const auto div = hn::Set(d, fdivisor);
          int64_t c = 0;
          for (; c + N <= C; c += N) AvgPixelNHWC(d, plan, image, h0, hb, he, w0, wb, we, div, c, out);
          // Tail: one more vector overlapping the previous one.
          if (c < C) AvgPixelNHWC(d, plan, image, h0, hb, he, w0, wb, we, div, C - N, out);
        } else {
          const auto div = hn::Set(d1, fdivisor);
          for (int64_t c = 0; c < C; ++c) AvgPixelNHWC(d1, plan, image, h0, hb, he, w0, wb, we, div, c, out);
        }
      }
    }
  }
}

// ---------------------------------------------------------------- NCHW

// Lanes(d) outputs of row `oh` from column ow0. `rows[r]` is input row
// h0 + hb + r, readable at columns [-pad_begin, LastColumnTouched] (padding 0).
template <int kStride, int kKernel, class D>
HWY_INLINE void AvgRowVector(D d, const internal::Plan& plan, const float* const* rows,
                             int64_t num_rows, int64_t oh, int64_t ow0,
                             hn::Vec<hn::RebindToSigned<D>> gather_offsets, float* HWY_RESTRICT out) {
  const internal::Axis& aw = plan.w;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const int64_t stride = kStride != 0 ? kStride : aw.stride;
  const int64_t kernel = kKernel != 0 ? kKernel : aw.kernel;
  const int64_t col0 = ow0 * stride - aw.pad_begin;
  auto sum = hn::Zero(d);
  for (int64_t r = 0; r < num_rows; ++r) {
    const float* row = rows[r] + col0;
    for (int64_t j = 0; j < kernel; ++j) {
      sum = hn::Add(sum, LoadColumns<kStride>(d, row + j, gather_offsets));
    }
  }
  if (ow0 >= aw.full_begin && ow0 + N <= aw.full_end) {
    // Interior columns share one divisor.
    const float divisor = static_cast<float>(AvgDivisor(plan, oh, ow0));
    hn::StoreU(hn::Div(sum, hn::Set(d, divisor)), d, out);
    return;
  }
  // Border columns: per-lane divisors. An empty window sums only padding
  // (+0); dividing it by +inf gives the +0 the reference returns.
  HWY_ALIGN float divisors[HWY_MAX_BYTES / sizeof(float)];
  for (int64_t j = 0; j < N; ++j) {
    const int64_t ow = ow0 + j;
    const int64_t divisor = ow < aw.out ? AvgDivisor(plan, oh, ow) : 1;
    divisors[j] = divisor == 0 ? kInfinity : static_cast<float>(divisor);
  }
  hn::StoreU(hn::Div(sum, hn::Load(d, divisors)), d, out);
}

template <int kStride, int kKernel>
void AvgPoolNCHW(const internal::Plan& plan, const float* HWY_RESTRICT src, float* HWY_RESTRICT dst,
                 PaddedRows* padded) {
  const hn::ScalableTag<float> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  const auto gather_offsets = StrideOffsets(d, aw.stride);
  std::vector<const float*> rows(static_cast<size_t>(ah.kernel));
  HWY_ALIGN float tail[HWY_MAX_BYTES / sizeof(float)];
  const int64_t planes = plan.batch * plan.channels;
  for (int64_t p = 0; p < planes; ++p) {
    const float* plane = src + p * plan.in_plane;
    if (padded) padded->NewPlane();
    for (int64_t oh = 0; oh < ah.out; ++oh) {
      float* out = dst + (p * ah.out + oh) * aw.out;
      const int64_t num_rows = ah.tap_end[oh] - ah.tap_begin[oh];
      if (num_rows == 0) {  // no input row: empty windows
        std::fill(out, out + aw.out, 0.0f);
        continue;
      }
      for (int64_t r = 0; r < num_rows; ++r) {
        const int64_t h = ah.start[oh] + ah.tap_begin[oh] + r;
        rows[r] = padded ? padded->Row(plane, h) : plane + h * aw.in;
      }
      if (aw.out < N) {  // the row is shorter than a vector: compute into a buffer
        AvgRowVector<kStride, kKernel>(d, plan, rows.data(), num_rows, oh, 0, gather_offsets, tail);
        std::copy(tail, tail + aw.out, out);
        continue;
      }
      int64_t ow = 0;
      for (; ow + N <= aw.out; ow += N) {
        AvgRowVector<kStride, kKernel>(d, plan, rows.data(), num_rows, oh, ow, gather_offsets, out + ow);
      }
      if (ow < aw.out) {  // last vector overlaps the previous one
        ow = aw.out - N;
        AvgRowVector<kStride, kKernel>(d, plan, rows.data(), num_rows, oh, ow, gather_offsets, out + ow);
      }
    }
  }
}

// Returns false if the row buffers could not be allocated.
inline bool AvgPool2D(const internal::Plan& plan, const float* HWY_RESTRICT src,
                      float* HWY_RESTRICT dst) {
  if (plan.problem.layout == SIMDPOOL_LAYOUT_NHWC) {
    AvgPoolNHWC(plan, src, dst);
    return true;
  }
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  std::unique_ptr<PaddedRows> padded;
  if (!RowsReadInPlace(plan.w, lanes)) {
    padded.reset(new PaddedRows(plan.h.kernel, plan.w.in, plan.w.pad_begin,
                                LastColumnTouched(plan.w, lanes), 0.0f));
    if (!padded->ok()) return false;
  }
  const int64_t s = plan.w.stride, k = plan.w.kernel;
  PaddedRows* rows = padded.get();
  // The common DenseNet/Inception shapes get fixed trip counts.
  if (s == 2 && k == 2) {
    AvgPoolNCHW<2, 2>(plan, src, dst, rows);
  } else if (s == 1 && k == 3) {
    AvgPoolNCHW<1, 3>(plan, src, dst, rows);
  } else if (s == 1) {
    AvgPoolNCHW<1, 0>(plan, src, dst, rows);
  } else if (s == 2) {
    AvgPoolNCHW<2, 0>(plan, src, dst, rows);
  } else {
    AvgPoolNCHW<0, 0>(plan, src, dst, rows);
  }
  return true;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace kernels
}  // namespace simdpool
HWY_AFTER_NAMESPACE();

#endif  // toggle guard
