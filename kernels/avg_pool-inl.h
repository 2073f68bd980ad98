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

// ---------------------------------------------------------------- NHWC

// kBlocks (1..4) vectors of channels of one output pixel, from channel c.
// Several blocks keep independent add chains in flight.
template <int kBlocks, class D>
HWY_INLINE void AvgPixelNHWC(D d, const internal::Plan& plan, const float* HWY_RESTRICT image,
                             int64_t h0, int64_t hb, int64_t he, int64_t w0, int64_t wb,
                             int64_t we, hn::Vec<D> divisor, int64_t c, float* HWY_RESTRICT out) {
  const size_t N = hn::Lanes(d);
  const int64_t C = plan.channels, W = plan.w.in;
  auto sum0 = hn::Zero(d), sum1 = sum0, sum2 = sum0, sum3 = sum0;
  for (int64_t h = h0 + hb; h < h0 + he; ++h) {
    const float* row = image + (h * W + w0) * C + c;
    for (int64_t j = wb; j < we; ++j) {
      const float* p = row + j * C;
      sum0 = hn::Add(sum0, hn::LoadU(d, p));
      if (kBlocks > 1) sum1 = hn::Add(sum1, hn::LoadU(d, p + N));
      if (kBlocks > 2) sum2 = hn::Add(sum2, hn::LoadU(d, p + 2 * N));
      if (kBlocks > 3) sum3 = hn::Add(sum3, hn::LoadU(d, p + 3 * N));
    }
  }
  hn::StoreU(hn::Div(sum0, divisor), d, out + c);
  if (kBlocks > 1) hn::StoreU(hn::Div(sum1, divisor), d, out + c + N);
  if (kBlocks > 2) hn::StoreU(hn::Div(sum2, divisor), d, out + c + 2 * N);
  if (kBlocks > 3) hn::StoreU(hn::Div(sum3, divisor), d, out + c + 3 * N);
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
        const float fdivisor = plan.avg_divisors[oh * aw.out + ow];
        const int64_t hb = ah.tap_begin[oh], he = ah.tap_end[oh];
        const int64_t wb = aw.tap_begin[ow], we = aw.tap_end[ow];
        const int64_t h0 = ah.start[oh], w0 = aw.start[ow];
        if (C < N) {
          const auto div = hn::Set(d1, fdivisor);
          for (int64_t c = 0; c < C; ++c) AvgPixelNHWC<1>(d1, plan, image, h0, hb, he, w0, wb, we, div, c, out);
          continue;
        }
        const auto div = hn::Set(d, fdivisor);
        int64_t c = 0;
        for (; c + 4 * N <= C; c += 4 * N) AvgPixelNHWC<4>(d, plan, image, h0, hb, he, w0, wb, we, div, c, out);
        for (; c + N <= C; c += N) AvgPixelNHWC<1>(d, plan, image, h0, hb, he, w0, wb, we, div, c, out);
        // Tail: one more vector overlapping the previous one.
        if (c < C) AvgPixelNHWC<1>(d, plan, image, h0, hb, he, w0, wb, we, div, C - N, out);
      }
    }
  }
}

// ---------------------------------------------------------------- NCHW

// kVectors (1 or 2) vectors of outputs of row `oh` from column ow0: two keep
// independent add chains in flight. `rows[r]` is input row h0 + hb + r,
// readable at columns [-pad_begin, LastColumnTouched] (padding 0).
template <int kStride, int kKernel, int kVectors, class D>
HWY_INLINE void AvgRowVector(D d, const internal::Plan& plan, const float* const* rows,
                             int64_t num_rows, int64_t oh, int64_t ow0,
                             hn::Vec<hn::RebindToSigned<D>> gather_offsets, float* HWY_RESTRICT out) {
  const internal::Axis& aw = plan.w;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const int64_t stride = kStride != 0 ? kStride : aw.stride;
  const int64_t kernel = kKernel != 0 ? kKernel : aw.kernel;
  const int64_t col0 = ow0 * stride - aw.pad_begin;
  const int64_t col1 = col0 + N * stride;
  auto sum0 = hn::Zero(d), sum1 = sum0;
  for (int64_t r = 0; r < num_rows; ++r) {
    for (int64_t j = 0; j < kernel; ++j) {
      sum0 = hn::Add(sum0, LoadColumns<kStride>(d, rows[r] + col0 + j, gather_offsets));
      if (kVectors > 1) sum1 = hn::Add(sum1, LoadColumns<kStride>(d, rows[r] + col1 + j, gather_offsets));
    }
  }
  const float* divisors = plan.avg_divisors.data() + oh * aw.out + ow0;
  hn::StoreU(hn::Div(sum0, hn::LoadU(d, divisors)), d, out);
  if (kVectors > 1) hn::StoreU(hn::Div(sum1, hn::LoadU(d, divisors + N)), d, out + N);
}

template <int kStride, int kKernel>
void AvgPoolNCHW(const internal::Plan& plan, const float* HWY_RESTRICT src, float* HWY_RESTRICT dst,
                 RowSource& row_source) {
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
    row_source.NewPlane();
    for (int64_t oh = 0; oh < ah.out; ++oh) {
      float* out = dst + (p * ah.out + oh) * aw.out;
      const int64_t num_rows = ah.tap_end[oh] - ah.tap_begin[oh];
      if (num_rows == 0) {  // no input row: empty windows
        std::fill(out, out + aw.out, 0.0f);
        continue;
      }
      for (int64_t r = 0; r < num_rows; ++r) {
        const int64_t h = ah.start[oh] + ah.tap_begin[oh] + r;
        rows[r] = row_source.Row(plane, p, h);
      }
      if (aw.out < N) {  // the row is shorter than a vector: compute into a buffer
        AvgRowVector<kStride, kKernel, 1>(d, plan, rows.data(), num_rows, oh, 0, gather_offsets, tail);
        std::copy(tail, tail + aw.out, out);
        continue;
      }
      int64_t ow = 0;
      for (; ow + 2 * N <= aw.out; ow += 2 * N) {
        AvgRowVector<kStride, kKernel, 2>(d, plan, rows.data(), num_rows, oh, ow, gather_offsets, out + ow);
      }
      // The last one or two vectors; the last overlaps its predecessor.
      for (; ow < aw.out; ow += N) {
        ow = std::min(ow, aw.out - N);
        AvgRowVector<kStride, kKernel, 1>(d, plan, rows.data(), num_rows, oh, ow, gather_offsets, out + ow);
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
  RowSource rows(plan, hn::Lanes(d), plan.h.kernel, 0.0f);
  if (!rows.ok()) return false;
  const int64_t s = plan.w.stride, k = plan.w.kernel;
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
