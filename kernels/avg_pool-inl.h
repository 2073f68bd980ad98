// 2-D average pooling, f32, NCHW and NHWC.
//
// Bit-exact with the reference: every lane is one output; it sums its taps in
// scan order starting from +0 and divides once by float(divisor), where the
// divisor is PyTorch's (divisor_override, or the window clipped to the
// declared padding with count_include_pad, or the valid taps). Padding cells
// are read as +0, which never changes a sum that starts at +0.
// NHWC vectorises across channels. NCHW 3x3 windows with stride 1 walk
// strips of output columns down (or up) the plane (AvgPool3x3Stride1NCHW);
// other stride-1 problems with small planes copy each plane into a padded
// buffer and vectorise across its flat positions, so vectors span row ends
// (AvgPoolFlatNCHW); the rest vectorise across the output columns of one row.

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

// kBlocks (1..8) vectors of channels of one output pixel, from channel c.
// Several blocks keep independent add chains in flight. kKH x kKW != 0: a
// full window of that size, whose constant trip counts unroll the taps.
template <int kBlocks, int kKH, int kKW, class D>
HWY_INLINE void AvgPixelNHWC(D d, const internal::Plan& plan, const float* HWY_RESTRICT image,
                             int64_t h0, int64_t hb, int64_t he, int64_t w0, int64_t wb,
                             int64_t we, hn::Vec<D> divisor, int64_t c, float* HWY_RESTRICT out) {
  const size_t N = hn::Lanes(d);
  const int64_t C = plan.channels, W = plan.w.in;
  if constexpr (kKH != 0) hb = 0, he = kKH, wb = 0, we = kKW;
  auto sum0 = hn::Zero(d), sum1 = sum0, sum2 = sum0, sum3 = sum0;
  auto sum4 = sum0, sum5 = sum0, sum6 = sum0, sum7 = sum0;
  for (int64_t i = hb; i < he; ++i) {
    const float* row = image + ((h0 + i) * W + w0) * C + c;
    for (int64_t j = wb; j < we; ++j) {
      const float* p = row + j * C;
      sum0 = hn::Add(sum0, hn::LoadU(d, p));
      if (kBlocks > 1) sum1 = hn::Add(sum1, hn::LoadU(d, p + N));
      if (kBlocks > 2) sum2 = hn::Add(sum2, hn::LoadU(d, p + 2 * N));
      if (kBlocks > 3) sum3 = hn::Add(sum3, hn::LoadU(d, p + 3 * N));
      if (kBlocks > 4) sum4 = hn::Add(sum4, hn::LoadU(d, p + 4 * N));
      if (kBlocks > 5) sum5 = hn::Add(sum5, hn::LoadU(d, p + 5 * N));
      if (kBlocks > 6) sum6 = hn::Add(sum6, hn::LoadU(d, p + 6 * N));
      if (kBlocks > 7) sum7 = hn::Add(sum7, hn::LoadU(d, p + 7 * N));
    }
  }
  hn::StoreU(hn::Div(sum0, divisor), d, out + c);
  if (kBlocks > 1) hn::StoreU(hn::Div(sum1, divisor), d, out + c + N);
  if (kBlocks > 2) hn::StoreU(hn::Div(sum2, divisor), d, out + c + 2 * N);
  if (kBlocks > 3) hn::StoreU(hn::Div(sum3, divisor), d, out + c + 3 * N);
  if (kBlocks > 4) hn::StoreU(hn::Div(sum4, divisor), d, out + c + 4 * N);
  if (kBlocks > 5) hn::StoreU(hn::Div(sum5, divisor), d, out + c + 5 * N);
  if (kBlocks > 6) hn::StoreU(hn::Div(sum6, divisor), d, out + c + 6 * N);
  if (kBlocks > 7) hn::StoreU(hn::Div(sum7, divisor), d, out + c + 7 * N);
}

// One output pixel, all channels (see AvgPixelNHWC for kKH, kKW).
template <int kKH, int kKW, class D>
HWY_INLINE void AvgPixelAllChannels(D d, const internal::Plan& plan, const float* HWY_RESTRICT image,
                                    int64_t h0, int64_t hb, int64_t he, int64_t w0, int64_t wb,
                                    int64_t we, float divisor, float* HWY_RESTRICT out) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const int64_t C = plan.channels;
  const auto div = hn::Set(d, divisor);
  int64_t c = 0;
  for (; c + 8 * N <= C; c += 8 * N) {
    AvgPixelNHWC<8, kKH, kKW>(d, plan, image, h0, hb, he, w0, wb, we, div, c, out);
  }
  if (c + 4 * N <= C) {
    AvgPixelNHWC<4, kKH, kKW>(d, plan, image, h0, hb, he, w0, wb, we, div, c, out);
    c += 4 * N;
  }
  if (c + 2 * N <= C) {
    AvgPixelNHWC<2, kKH, kKW>(d, plan, image, h0, hb, he, w0, wb, we, div, c, out);
    c += 2 * N;
  }
  for (; c < C; c += N) {
    c = std::min(c, C - N);  // the last vector overlaps its predecessor
    AvgPixelNHWC<1, kKH, kKW>(d, plan, image, h0, hb, he, w0, wb, we, div, c, out);
  }
}

// Output pixels ow and ow + 1 of full kKH x kKW windows, one vector of
// channels from `p`, tap (0, 0) of pixel ow; pixel ow + 1's window starts
// `apart` floats further. Each tap is added to its pixel's sum in scan
// order. kAdjacent (stride 1 along the row, apart == C): the windows share
// kKW - 1 columns of taps, loaded once for both; two 3x3 windows take 12
// loads instead of 18 (Inception's NHWC 35x35x288 average: 86 -> 75 us on
// AVX3).
template <int kKH, int kKW, bool kAdjacent, class D>
HWY_INLINE void AvgPairVector(D d, const float* HWY_RESTRICT p, int64_t row_pitch, int64_t C, int64_t apart,
                              hn::Vec<D>& sum0, hn::Vec<D>& sum1) {
  sum0 = hn::Zero(d);
  sum1 = hn::Zero(d);
  for (int64_t i = 0; i < kKH; ++i) {
    const float* row = p + i * row_pitch;
    if constexpr (kAdjacent) {
      for (int64_t j = 0; j <= kKW; ++j) {
        const auto v = hn::LoadU(d, row + j * C);
        if (j < kKW) sum0 = hn::Add(sum0, v);
        if (j > 0) sum1 = hn::Add(sum1, v);
      }
    } else {
      for (int64_t j = 0; j < kKW; ++j) {
        sum0 = hn::Add(sum0, hn::LoadU(d, row + j * C));
        sum1 = hn::Add(sum1, hn::LoadU(d, row + apart + j * C));
      }
    }
  }
}

// Output pixels (oh, ow) and (oh, ow + 1), all channels; their windows are
// full and start at (h0, w0) and (h0, w0 + stride). Two pixels at a time
// halve the per-pixel work where few vectors hold all channels: DenseNet's
// 2x2 average at 56x56 took 0.66-0.74x the time of one pixel at a time with
// 16 channels, 0.84-0.90x with 32, 0.94-1.01x with 128 (memory-bound there),
// on an Intel Xeon, interleaved in one process.
template <int kKH, int kKW, bool kAdjacent, class D>
HWY_INLINE void AvgPixelPairAllChannels(D d, const internal::Plan& plan, const float* HWY_RESTRICT image,
                                        int64_t h0, int64_t w0, float divisor0, float divisor1,
                                        float* HWY_RESTRICT out) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const int64_t C = plan.channels, row_pitch = plan.w.in * C, apart = plan.w.stride * C;
  const auto div0 = hn::Set(d, divisor0), div1 = hn::Set(d, divisor1);
  const float* window = image + (h0 * plan.w.in + w0) * C;
  // Four vectors at a time: eight add chains in flight (sixteen registers
  // of sums would spill on 16-register targets).
  int64_t c = 0;
  for (; c + 4 * N <= C; c += 4 * N) {
    auto a0 = hn::Zero(d), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
    AvgPairVector<kKH, kKW, kAdjacent>(d, window + c, row_pitch, C, apart, a0, b0);
    AvgPairVector<kKH, kKW, kAdjacent>(d, window + c + N, row_pitch, C, apart, a1, b1);
    AvgPairVector<kKH, kKW, kAdjacent>(d, window + c + 2 * N, row_pitch, C, apart, a2, b2);
    AvgPairVector<kKH, kKW, kAdjacent>(d, window + c + 3 * N, row_pitch, C, apart, a3, b3);
    hn::StoreU(hn::Div(a0, div0), d, out + c);
    hn::StoreU(hn::Div(a1, div0), d, out + c + N);
    hn::StoreU(hn::Div(a2, div0), d, out + c + 2 * N);
    hn::StoreU(hn::Div(a3, div0), d, out + c + 3 * N);
    hn::StoreU(hn::Div(b0, div1), d, out + C + c);
    hn::StoreU(hn::Div(b1, div1), d, out + C + c + N);
    hn::StoreU(hn::Div(b2, div1), d, out + C + c + 2 * N);
    hn::StoreU(hn::Div(b3, div1), d, out + C + c + 3 * N);
  }
  for (; c < C; c += N) {
    c = std::min(c, C - N);  // the last vector overlaps its predecessor
    auto a = hn::Zero(d), b = a;
    AvgPairVector<kKH, kKW, kAdjacent>(d, window + c, row_pitch, C, apart, a, b);
    hn::StoreU(hn::Div(a, div0), d, out + c);
    hn::StoreU(hn::Div(b, div1), d, out + C + c);
  }
}

template <int kKH, int kKW, class D>
void AvgPoolNHWCWith(D d, const internal::Plan& plan, const float* HWY_RESTRICT src,
                     float* HWY_RESTRICT dst) {
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  const int64_t C = plan.channels;
  for (int64_t n = 0; n < plan.batch; ++n) {
    const float* image = src + n * plan.in_plane * C;
    for (int64_t oh = 0; oh < ah.out; ++oh) {
      const int64_t hb = ah.tap_begin[oh], he = ah.tap_end[oh], h0 = ah.start[oh];
      for (int64_t ow = 0; ow < aw.out; ++ow) {
        float* out = dst + ((n * ah.out + oh) * aw.out + ow) * C;
        const float divisor = plan.avg_divisors[oh * aw.out + ow];
        const int64_t wb = aw.tap_begin[ow], we = aw.tap_end[ow], w0 = aw.start[ow];
        if constexpr (kKH != 0) {
          const bool full_rows = hb == 0 && he == kKH;
          if (full_rows && ow >= aw.full_begin && ow + 2 <= aw.full_end) {
            const float next_divisor = plan.avg_divisors[oh * aw.out + ow + 1];
            if (aw.stride == 1) {
              AvgPixelPairAllChannels<kKH, kKW, true>(d, plan, image, h0, w0, divisor, next_divisor, out);
            } else {
              AvgPixelPairAllChannels<kKH, kKW, false>(d, plan, image, h0, w0, divisor, next_divisor, out);
            }
            ++ow;
            continue;
          }
          if (full_rows && wb == 0 && we == kKW) {
            AvgPixelAllChannels<kKH, kKW>(d, plan, image, h0, hb, he, w0, wb, we, divisor, out);
            continue;
          }
        }
        AvgPixelAllChannels<0, 0>(d, plan, image, h0, hb, he, w0, wb, we, divisor, out);
      }
    }
  }
}

// The NHWC kernel with vectors of tag D (at most `channels` lanes).
template <class D>
void AvgPoolNHWCTag(D d, const internal::Plan& plan, const float* HWY_RESTRICT src,
                    float* HWY_RESTRICT dst) {
  // ResNet/Inception/DenseNet kernels get unrolled full windows.
  const int64_t kh = plan.h.kernel, kw = plan.w.kernel;
  if (kh == 3 && kw == 3) return AvgPoolNHWCWith<3, 3>(d, plan, src, dst);
  if (kh == 2 && kw == 2) return AvgPoolNHWCWith<2, 2>(d, plan, src, dst);
  AvgPoolNHWCWith<0, 0>(d, plan, src, dst);
}

inline void AvgPoolNHWC(const internal::Plan& plan, const float* HWY_RESTRICT src,
                        float* HWY_RESTRICT dst) {
  WithChannelTag(plan.channels, [&](auto d) { AvgPoolNHWCTag(d, plan, src, dst); });
}

// ---------------------------------------------------------------- NCHW

// kVectors (1 or 2) vectors of outputs of row `oh` from columns ow0 and ow1
// (ow0 + N, or less for an overlapping last vector): two keep
// independent add chains in flight. `rows[r]` is input row h0 + hb + r,
// readable at columns [-pad_begin, LastColumnTouched] (padding 0). kRows:
// num_rows if not 0.
template <int kStride, int kKernel, int kVectors, int kRows, class D>
HWY_INLINE void AvgRowVector(D d, const internal::Plan& plan, const float* const* rows,
                             int64_t num_rows, int64_t oh, int64_t ow0, int64_t ow1,
                             hn::Vec<hn::RebindToSigned<D>> gather_offsets, float* HWY_RESTRICT out) {
  const internal::Axis& aw = plan.w;
  const int64_t stride = kStride != 0 ? kStride : aw.stride;
  const int64_t kernel = kKernel != 0 ? kKernel : aw.kernel;
  const int64_t col0 = ow0 * stride - aw.pad_begin;
  const int64_t col1 = ow1 * stride - aw.pad_begin;
  auto sum0 = hn::Zero(d), sum1 = sum0;
  for (int64_t r = 0; r < (kRows != 0 ? kRows : num_rows); ++r) {
    for (int64_t j = 0; j < kernel; ++j) {
#if HWY_TARGET != HWY_SCALAR
      if constexpr (kStride == 2 && kKernel != 0) {
        // Taps j and j + 1 (j even) are the even and odd lanes of one pair
        // of loads, which LoadColumns<2> would load twice.
        const size_t N = hn::Lanes(d);
        const float* p0 = rows[r] + col0 + j - (j & 1);
        const auto lo0 = hn::LoadU(d, p0), hi0 = hn::LoadU(d, p0 + N);
        sum0 = hn::Add(sum0, (j & 1) ? hn::ConcatOdd(d, hi0, lo0) : hn::ConcatEven(d, hi0, lo0));
        if (kVectors > 1) {
          const float* p1 = rows[r] + col1 + j - (j & 1);
          const auto lo1 = hn::LoadU(d, p1), hi1 = hn::LoadU(d, p1 + N);
          sum1 = hn::Add(sum1, (j & 1) ? hn::ConcatOdd(d, hi1, lo1) : hn::ConcatEven(d, hi1, lo1));
        }
        continue;
      }
#endif
      sum0 = hn::Add(sum0, LoadColumns<kStride>(d, rows[r] + col0 + j, gather_offsets));
      if (kVectors > 1) sum1 = hn::Add(sum1, LoadColumns<kStride>(d, rows[r] + col1 + j, gather_offsets));
    }
  }
  const float* divisors = plan.avg_divisors.data() + oh * aw.out;
  hn::StoreU(hn::Div(sum0, hn::LoadU(d, divisors + ow0)), d, out + ow0);
  if (kVectors > 1) hn::StoreU(hn::Div(sum1, hn::LoadU(d, divisors + ow1)), d, out + ow1);
}

// Output row oh (kRows: num_rows if not 0).
template <int kStride, int kKernel, int kRows, class D>
HWY_INLINE void AvgOutputRow(D d, const internal::Plan& plan, const float* const* rows, int64_t num_rows,
                             int64_t oh, hn::Vec<hn::RebindToSigned<D>> gather_offsets,
                             float* HWY_RESTRICT out) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const int64_t out_w = plan.w.out;
  if (out_w < N) {  // the row is shorter than a vector: compute into a buffer
    HWY_ALIGN float tail[HWY_MAX_BYTES / sizeof(float)];
    AvgRowVector<kStride, kKernel, 1, kRows>(d, plan, rows, num_rows, oh, 0, 0, gather_offsets, tail);
    std::copy(tail, tail + out_w, out);
    return;
  }
  int64_t ow = 0;
  for (; ow + 2 * N <= out_w; ow += 2 * N) {
    AvgRowVector<kStride, kKernel, 2, kRows>(d, plan, rows, num_rows, oh, ow, ow + N, gather_offsets, out);
  }
  // The last one or two vectors; the last overlaps its predecessor.
  if (ow + N < out_w) {
    AvgRowVector<kStride, kKernel, 2, kRows>(d, plan, rows, num_rows, oh, ow, out_w - N, gather_offsets, out);
  } else if (ow < out_w) {
    AvgRowVector<kStride, kKernel, 1, kRows>(d, plan, rows, num_rows, oh, out_w - N, 0, gather_offsets, out);
  }
}

// The output rows of plane p; kInPlace: its input rows read in place (see
// RowSource::PlaneInPlace).
template <int kStride, int kKernel, bool kInPlace, class D>
HWY_INLINE void AvgPlaneNCHW(D d, const internal::Plan& plan, const float* HWY_RESTRICT src, int64_t p,
                             RowSource& row_source, const float** rows,
                             hn::Vec<hn::RebindToSigned<D>> gather_offsets, float* HWY_RESTRICT dst) {
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  const float* plane = src + p * plan.in_plane;
  for (int64_t oh = 0; oh < ah.out; ++oh) {
    float* out = dst + (p * ah.out + oh) * aw.out;
    const int64_t num_rows = ah.tap_end[oh] - ah.tap_begin[oh];
    if (num_rows == 0) {  // no input row: empty windows
      std::fill(out, out + aw.out, 0.0f);
      continue;
    }
    const int64_t first = ah.start[oh] + ah.tap_begin[oh];
    // Full windows of kKernel rows get a constant trip count; in place,
    // their row pointers a local array, which (unlike `rows`) no vector
    // store may alias (DenseNet's 2x2: 0.88x the time).
    if (kInPlace && kKernel != 0 && num_rows == kKernel) {
      const float* window[kKernel != 0 ? kKernel : 1];
      for (int64_t r = 0; r < kKernel; ++r) window[r] = plane + (first + r) * aw.in;
      AvgOutputRow<kStride, kKernel, kKernel>(d, plan, window, num_rows, oh, gather_offsets, out);
      continue;
    }
    for (int64_t r = 0; r < num_rows; ++r) {
      const int64_t h = first + r;
      rows[r] = kInPlace ? plane + h * aw.in : row_source.Row(plane, p, h);
    }
    if (kKernel != 0 && num_rows == kKernel) {
      AvgOutputRow<kStride, kKernel, kKernel>(d, plan, rows, num_rows, oh, gather_offsets, out);
    } else {
      AvgOutputRow<kStride, kKernel, 0>(d, plan, rows, num_rows, oh, gather_offsets, out);
    }
  }
}

template <int kStride, int kKernel, class D>
void AvgPoolNCHW(D d, const internal::Plan& plan, const float* HWY_RESTRICT src,
                 float* HWY_RESTRICT dst, RowSource& row_source) {
  const auto gather_offsets = StrideOffsets(d, plan.w.stride);
  std::vector<const float*> rows(static_cast<size_t>(plan.h.kernel));
  const int64_t planes = plan.batch * plan.channels;
  for (int64_t p = 0; p < planes; ++p) {
    row_source.NewPlane();
    // Planes in place keep the row source, whose copies call out of line,
    // out of the row loop: asking it for every row made DenseNet's 2x2
    // average take 1.2x the time.
    if (row_source.PlaneInPlace(p)) {
      AvgPlaneNCHW<kStride, kKernel, true>(d, plan, src, p, row_source, rows.data(), gather_offsets, dst);
    } else {
      AvgPlaneNCHW<kStride, kKernel, false>(d, plan, src, p, row_source, rows.data(), gather_offsets, dst);
    }
  }
}

// Stride 1 on both axes, narrow planes: the plane is copied once into a
// buffer of width Wp = out_w + kw - 1 with its padding (+0) around it, where
// output (oh, ow) sums buf[(oh + i) * Wp + ow + j]. Outputs at consecutive
// flat positions q = oh * Wp + ow read consecutive addresses, so vectors run
// across row ends; the Wp - out_w positions per row that are not outputs are
// computed, divided by 1 and discarded when the rows are copied out.
struct FlatPlane {
  int64_t wp, hp;        // buffer width and height
  int64_t rows, cols;    // input rows and columns copied (the others are never read)
  int64_t positions;     // flat positions computed: vectors * lanes
  // Two of each, used by alternate planes (see AvgPoolFlatNCHW).
  hwy::AlignedFreeUniquePtr<float[]> input[2], output[2];
  hwy::AlignedFreeUniquePtr<float[]> divisors;
};

// Returns false if a buffer could not be allocated.
inline bool MakeFlatPlane(const internal::Plan& plan, int64_t lanes, FlatPlane* f) {
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  f->wp = aw.out + aw.kernel - 1;
  f->hp = ah.out + ah.kernel - 1;
  f->rows = std::max<int64_t>(0, std::min(ah.in, f->hp - ah.pad_begin));
  f->cols = std::max<int64_t>(0, std::min(aw.in, f->wp - aw.pad_begin));
  const int64_t last = (ah.out - 1) * f->wp + aw.out;  // one past the last output
  f->positions = (last + lanes - 1) / lanes * lanes;
  // The last vector starts before `last` and reads up to lanes - 1 past
  // its start plus (kh - 1) rows and kw - 1 columns: inside hp * wp + lanes.
  const size_t input_size = static_cast<size_t>(f->hp * f->wp + lanes);
  f->divisors = hwy::AllocateAligned<float>(static_cast<size_t>(f->positions));
  if (!f->divisors) return false;
  for (int b = 0; b < 2; ++b) {
    f->input[b] = hwy::AllocateAligned<float>(input_size);
    f->output[b] = hwy::AllocateAligned<float>(static_cast<size_t>(f->positions));
    if (!f->input[b] || !f->output[b]) return false;
    std::fill(f->input[b].get(), f->input[b].get() + input_size, 0.0f);  // padding stays +0
  }
  std::fill(f->divisors.get(), f->divisors.get() + f->positions, 1.0f);
  for (int64_t oh = 0; oh < ah.out; ++oh) {
    std::copy(plan.avg_divisors.data() + oh * aw.out, plan.avg_divisors.data() + (oh + 1) * aw.out,
              f->divisors.get() + oh * f->wp);
  }
  return true;
}

// kVectors (1..4) vectors of flat outputs from position q: independent add
// chains in flight.
template <int kKernel, int kVectors, class D>
HWY_INLINE void AvgFlatVectors(D d, const internal::Plan& plan, const FlatPlane& f,
                               const float* HWY_RESTRICT input, float* HWY_RESTRICT output,
                               int64_t q) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const int64_t kh = kKernel != 0 ? kKernel : plan.h.kernel;
  const int64_t kw = kKernel != 0 ? kKernel : plan.w.kernel;
  const float* HWY_RESTRICT in = input + q;
  auto sum0 = hn::Zero(d), sum1 = sum0, sum2 = sum0, sum3 = sum0;
  for (int64_t i = 0; i < kh; ++i) {
    for (int64_t j = 0; j < kw; ++j) {
      const float* p = in + i * f.wp + j;
      sum0 = hn::Add(sum0, hn::LoadU(d, p));
      if (kVectors > 1) sum1 = hn::Add(sum1, hn::LoadU(d, p + N));
      if (kVectors > 2) sum2 = hn::Add(sum2, hn::LoadU(d, p + 2 * N));
      if (kVectors > 3) sum3 = hn::Add(sum3, hn::LoadU(d, p + 3 * N));
    }
  }
  const float* div = f.divisors.get() + q;
  float* out = output + q;
  hn::Store(hn::Div(sum0, hn::Load(d, div)), d, out);
  if (kVectors > 1) hn::Store(hn::Div(sum1, hn::Load(d, div + N)), d, out + N);
  if (kVectors > 2) hn::Store(hn::Div(sum2, hn::Load(d, div + 2 * N)), d, out + 2 * N);
  if (kVectors > 3) hn::Store(hn::Div(sum3, hn::Load(d, div + 3 * N)), d, out + 3 * N);
}

// Copies n floats with vectors, the last overlapping its predecessor, so
// that nothing outside [from, from + n) and [to, to + n) is touched (short
// rows use a scalar loop). Inlined: a libc call per row cost a third of
// the flat kernel's time.
template <class D>
HWY_INLINE void CopyRow(D d, const float* HWY_RESTRICT from, int64_t n, float* HWY_RESTRICT to) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  if (n < N) {
    for (int64_t i = 0; i < n; ++i) to[i] = from[i];
    return;
  }
  int64_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(hn::LoadU(d, from + i), d, to + i);
  if (i < n) hn::StoreU(hn::LoadU(d, from + n - N), d, to + n - N);
}

// Plane p is computed while plane p + 1 is already copied in and plane
// p - 1 not yet copied out: a buffer read right after it was written with
// other offsets stalls on store forwarding, so each plane alternates
// between two buffers and the copies run a plane apart from the compute.
template <int kKernel>
void AvgPoolFlatNCHW(const internal::Plan& plan, const float* HWY_RESTRICT src,
                     float* HWY_RESTRICT dst, const FlatPlane& f) {
  const hn::ScalableTag<float> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  const int64_t planes = plan.batch * plan.channels;
  const auto copy_in = [&](int64_t p) {
    if (f.rows == 0 || f.cols == 0) return;  // windows in the padding only
    const float* plane = src + p * plan.in_plane;
    float* buffer = f.input[p & 1].get() + ah.pad_begin * f.wp + aw.pad_begin;
    for (int64_t h = 0; h < f.rows; ++h) CopyRow(d, plane + h * aw.in, f.cols, buffer + h * f.wp);
  };
  const auto copy_out = [&](int64_t p) {
    const float* output = f.output[p & 1].get();
    float* out = dst + p * plan.out_plane;
    for (int64_t oh = 0; oh < ah.out; ++oh) CopyRow(d, output + oh * f.wp, aw.out, out + oh * aw.out);
  };
  copy_in(0);
  for (int64_t p = 0; p < planes; ++p) {
    if (p + 1 < planes) copy_in(p + 1);
    const float* input = f.input[p & 1].get();
    float* output = f.output[p & 1].get();
    int64_t q = 0;
    for (; q + 4 * N <= f.positions; q += 4 * N) AvgFlatVectors<kKernel, 4>(d, plan, f, input, output, q);
    for (; q < f.positions; q += N) AvgFlatVectors<kKernel, 1>(d, plan, f, input, output, q);
    if (p > 0) copy_out(p - 1);
  }
  copy_out(planes - 1);
}

// Planes whose padded copy stays in L1 take the flat kernel.
constexpr int64_t kFlatPlaneMaxFloats = 8192;

inline bool UseFlatNCHW(const internal::Plan& plan) {
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  const int64_t hp = ah.out + ah.kernel - 1, wp = aw.out + aw.kernel - 1;
  // Each factor first: the product of huge ones could overflow.
  return ah.stride == 1 && aw.stride == 1 && hp <= kFlatPlaneMaxFloats && wp <= kFlatPlaneMaxFloats &&
         hp * wp <= kFlatPlaneMaxFloats;
}

// The per-row NCHW kernel with vectors of tag D. Returns false if the row
// buffers could not be allocated.
template <class D>
bool AvgPoolNCHWRows(D d, const internal::Plan& plan, const float* HWY_RESTRICT src,
                     float* HWY_RESTRICT dst) {
  RowSource rows(plan, hn::Lanes(d), plan.h.kernel, 0.0f);
  if (!rows.ok()) return false;
  const int64_t s = plan.w.stride, k = plan.w.kernel;
  // The common DenseNet/Inception shapes get fixed trip counts.
  if (s == 2 && k == 2) {
    AvgPoolNCHW<2, 2>(d, plan, src, dst, rows);
  } else if (s == 1 && k == 3) {
    AvgPoolNCHW<1, 3>(d, plan, src, dst, rows);
  } else if (s == 1) {
    AvgPoolNCHW<1, 0>(d, plan, src, dst, rows);
  } else if (s == 2) {
    AvgPoolNCHW<2, 0>(d, plan, src, dst, rows);
  } else {
    AvgPoolNCHW<0, 0>(d, plan, src, dst, rows);
  }
  return true;
}

// 3x3 windows, stride 1 on both axes: a strip of N output columns walks
// down the plane, so each input row's three tap vectors are loaded once and
// serve the three output rows whose windows hold that row, each output
// still adding its nine taps in scan order (rows outside the plane as +0,
// which never changes a sum that starts at +0). Loads read the rows in
// place; a tap column outside the row reads a neighbouring element, which
// the strip's column mask turns into +0 (InPlaceRows copies the rows where
// such a read would leave the tensor). 3 loads per output vector instead of
// 9, and no copy of the plane: Inception's 35x35x288 on AVX3 went from 190
// to 115-125 us, 112x112x64 from 475 to 255.

// Stores the average of the 3x3 window whose rows hold taps a*, b* and c*,
// summed in scan order from +0.
template <class D>
HWY_INLINE void StoreWindow3x3(D d, hn::Vec<D> a0, hn::Vec<D> a1, hn::Vec<D> a2, hn::Vec<D> b0, hn::Vec<D> b1,
                               hn::Vec<D> b2, hn::Vec<D> c0, hn::Vec<D> c1, hn::Vec<D> c2, hn::Vec<D> divisor,
                               float* HWY_RESTRICT out) {
  auto sum = hn::Add(hn::Add(hn::Add(hn::Zero(d), a0), a1), a2);
  sum = hn::Add(hn::Add(hn::Add(sum, b0), b1), b2);
  sum = hn::Add(hn::Add(hn::Add(sum, c0), c1), c2);
  hn::StoreU(hn::Div(sum, divisor), d, out);
}

// Output columns [s, s + N) of every output row of plane p, masking the
// taps in kMaskedTaps (LoadRowTaps3). kInPlace: the plane's rows are all
// read in place (InPlaceRows::PlaneInPlace), so their pointers come
// straight from the plane, with no call per row.
template <int kMaskedTaps, bool kInPlace, bool kUp, class D>
HWY_INLINE void AvgStrip3x3(D d, const internal::Plan& plan, const float* HWY_RESTRICT src, int64_t p, int64_t s,
                            InPlaceRows& rows, float* HWY_RESTRICT out) {
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  const int64_t pad = aw.pad_begin, W = aw.in, H = ah.in, out_w = aw.out, top = ah.pad_begin;
  // Tap j of lane ow reads column ow - pad + j.
  hn::Mask<D> valid0, valid1, valid2;
  StripTapMasks(d, aw, s, valid0, valid1, valid2);
  const float* plane = src + p * plan.in_plane;
  const auto row = [&](int64_t h) -> const float* {
    if (h < 0 || h >= H) return nullptr;
    return kInPlace ? plane + h * W : rows.Row(src, p, h);
  };
  const float* divisors = plan.avg_divisors.data() + s;
  out += s;
  const auto zero = hn::Zero(d);
  // The taps of input row r (nullptr: outside the plane, +0).
  const auto load = [&](const float* r, hn::Vec<D>& t0, hn::Vec<D>& t1, hn::Vec<D>& t2) {
    if (r == nullptr) {
      t0 = t1 = t2 = zero;
    } else {
      LoadRowTaps3<kMaskedTaps>(d, r, s, pad, valid0, valid1, valid2, zero, t0, t1, t2);
    }
  };
  // The divisors of output rows whose windows lie in the plane (those of the
  // three-row loops below), read once: they are the same for all such rows
  // (Plan::avg_divisors), which saves a load per output vector (Inception's
  // 35x35 on AVX3: 0.94x the time). oh: one such row, if there is any.
  const auto full_window_divisors = [&](int64_t oh) {
    return hn::LoadU(d, divisors + std::max<int64_t>(0, std::min(oh, ah.out - 1)) * out_w);
  };
  // Window rows 0, 1 and 2 of output row oh: taps a*, b* and c*.
  auto a0 = zero, a1 = a0, a2 = a0, b0 = a0, b1 = a0, b2 = a0, c0 = a0, c1 = a0, c2 = a0;
  if (kUp) {  // from the last output row up (StripsUp), mirroring the walk down below
    load(row(ah.out - top), a0, a1, a2);
    load(row(ah.out - top + 1), b0, b1, b2);
    const auto step_up = [&](int64_t oh) {
      c0 = b0, c1 = b1, c2 = b2, b0 = a0, b1 = a1, b2 = a2;
      load(row(oh - top), a0, a1, a2);
      StoreWindow3x3(d, a0, a1, a2, b0, b1, b2, c0, c1, c2, hn::LoadU(d, divisors + oh * out_w), out + oh * out_w);
    };
    int64_t oh = ah.out - 1;
    if (kInPlace) {
      for (; oh >= 0 && oh - top + 2 >= H; --oh) step_up(oh);  // windows reaching below the plane
      const auto fast_divisor = full_window_divisors(oh);
      for (; oh - top - 2 >= 0; oh -= 3) {
        const float* next = plane + (oh - top) * W;  // the new window row of oh
        LoadRowTaps3<kMaskedTaps>(d, next, s, pad, valid0, valid1, valid2, zero, c0, c1, c2);
        StoreWindow3x3(d, c0, c1, c2, a0, a1, a2, b0, b1, b2, fast_divisor, out + oh * out_w);
        LoadRowTaps3<kMaskedTaps>(d, next - W, s, pad, valid0, valid1, valid2, zero, b0, b1, b2);
        StoreWindow3x3(d, b0, b1, b2, c0, c1, c2, a0, a1, a2, fast_divisor, out + (oh - 1) * out_w);
        LoadRowTaps3<kMaskedTaps>(d, next - 2 * W, s, pad, valid0, valid1, valid2, zero, a0, a1, a2);
        StoreWindow3x3(d, a0, a1, a2, b0, b1, b2, c0, c1, c2, fast_divisor, out + (oh - 2) * out_w);
      }
    }
    for (; oh >= 0; --oh) step_up(oh);
    return;
  }
  load(row(-top), b0, b1, b2);
  load(row(1 - top), c0, c1, c2);
  const auto general_step = [&](int64_t oh) {
    a0 = b0, a1 = b1, a2 = b2, b0 = c0, b1 = c1, b2 = c2;
    load(row(oh - top + 2), c0, c1, c2);
    StoreWindow3x3(d, a0, a1, a2, b0, b1, b2, c0, c1, c2, hn::LoadU(d, divisors + oh * out_w), out + oh * out_w);
  };
  // Output rows from fast_begin whose windows lie in the plane go three at a
  // time with the taps rotating through the registers.
  int64_t oh = 0;
  if (kInPlace) {
    const int64_t fast_begin = std::min(top, ah.out);
    const int64_t fast_end = std::max(fast_begin, std::min(ah.out, H + top - 2));
    for (; oh < fast_begin; ++oh) general_step(oh);
    const auto fast_divisor = full_window_divisors(oh);
    for (; oh + 3 <= fast_end; oh += 3) {
      const float* next = plane + (oh - top + 2) * W;  // the new window row of oh
      LoadRowTaps3<kMaskedTaps>(d, next, s, pad, valid0, valid1, valid2, zero, a0, a1, a2);
      StoreWindow3x3(d, b0, b1, b2, c0, c1, c2, a0, a1, a2, fast_divisor, out + oh * out_w);
      LoadRowTaps3<kMaskedTaps>(d, next + W, s, pad, valid0, valid1, valid2, zero, b0, b1, b2);
      StoreWindow3x3(d, c0, c1, c2, a0, a1, a2, b0, b1, b2, fast_divisor, out + (oh + 1) * out_w);
      LoadRowTaps3<kMaskedTaps>(d, next + 2 * W, s, pad, valid0, valid1, valid2, zero, c0, c1, c2);
      StoreWindow3x3(d, a0, a1, a2, b0, b1, b2, c0, c1, c2, fast_divisor, out + (oh + 2) * out_w);
    }
  }
  for (; oh < ah.out; ++oh) general_step(oh);
}

// The strips of plane p.
template <bool kInPlace, bool kUp, class D>
HWY_INLINE void AvgPlane3x3(D d, const internal::Plan& plan, const float* HWY_RESTRICT src, int64_t p,
                            InPlaceRows& rows, float* HWY_RESTRICT out) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const internal::Axis& aw = plan.w;
  for (int64_t s = 0; s < aw.out; s += N) {
    s = std::min(s, aw.out - N);  // the last strip overlaps its predecessor
    WithStripMask(StripTapsOutside(aw, s, N), [&](auto masked_taps) {
      AvgStrip3x3<decltype(masked_taps)::value, kInPlace, kUp>(d, plan, src, p, s, rows, out);
    });
  }
}

// The planes, their strips walking up (kUp) or down the plane.
template <bool kUp, class D>
HWY_INLINE void AvgPlanes3x3Stride1(D d, const internal::Plan& plan, const float* HWY_RESTRICT src,
                                    float* HWY_RESTRICT dst, InPlaceRows& rows) {
  const int64_t planes = plan.batch * plan.channels;
  for (int64_t p = 0; p < planes; ++p) {
    rows.NewPlane();
    float* out = dst + p * plan.out_plane;
    if (rows.PlaneInPlace(p)) {
      AvgPlane3x3<true, kUp>(d, plan, src, p, rows, out);
    } else {
      AvgPlane3x3<false, kUp>(d, plan, src, p, rows, out);
    }
  }
}

template <class D>
bool AvgPool3x3Stride1NCHW(D d, const internal::Plan& plan, const float* HWY_RESTRICT src,
                           float* HWY_RESTRICT dst) {
  InPlaceRows rows(plan, hn::Lanes(d), /*ring=*/3, 0.0f);
  if (!rows.ok()) return false;
  // Each step's 10 adds and a division: the stores of the last 8 steps
  // delay a load (measured on Inception's 35x35).
  if (StripsUp(plan, src, dst, 8)) {
    AvgPlanes3x3Stride1<true>(d, plan, src, dst, rows);
  } else {
    AvgPlanes3x3Stride1<false>(d, plan, src, dst, rows);
  }
  return true;
}

// Calls f(d) with the widest vector tag whose strips cover out_w (the last
// strip overlaps its predecessor) unless 8-lane strips compute over a fifth
// fewer lanes, and returns true; false if out_w is narrower than every
// vector. On AVX3 here, widths 17-56: 16 lanes took 0.94x the time of 8 at
// 35 and 56 (48 and 64 lanes computed against 40 and 56), 1.07-1.09x at 17,
// 19, 20 and 24 (32 against 24), the same at 28.
template <class F>
HWY_INLINE bool WithStripTag(int64_t out_w, const F& f) {
  const hn::ScalableTag<float> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const auto computed = [out_w](int64_t lanes) { return (out_w + lanes - 1) / lanes * lanes; };
  if constexpr (hn::MaxLanes(d) > 4) {
    const hn::CappedTag<float, 8> d8;
    const hn::CappedTag<float, 4> d4;
    const int64_t n8 = static_cast<int64_t>(hn::Lanes(d8)), n4 = static_cast<int64_t>(hn::Lanes(d4));
    if (n8 < N && out_w >= n8 && (out_w < N || 5 * computed(N) > 6 * computed(n8))) return f(d8), true;
    if (n4 < n8 && out_w >= n4 && out_w < n8) return f(d4), true;
  }
  if (out_w < N) return false;
  return f(d), true;
}

// Returns false if the row buffers could not be allocated.
inline bool AvgPool2D(const internal::Plan& plan, const float* HWY_RESTRICT src,
                      float* HWY_RESTRICT dst) {
  if (plan.problem.layout == SIMDPOOL_LAYOUT_NHWC) {
    AvgPoolNHWC(plan, src, dst);
    return true;
  }
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  if (ah.kernel == 3 && aw.kernel == 3 && ah.stride == 1 && aw.stride == 1) {
    bool ok = true;
    if (WithStripTag(aw.out, [&](auto d) { ok = AvgPool3x3Stride1NCHW(d, plan, src, dst); })) return ok;
  }
  if (UseFlatNCHW(plan)) {
    FlatPlane flat;
    if (!MakeFlatPlane(plan, static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>())), &flat)) return false;
    if (plan.h.kernel == 3 && plan.w.kernel == 3) {
      AvgPoolFlatNCHW<3>(plan, src, dst, flat);
    } else {
      AvgPoolFlatNCHW<0>(plan, src, dst, flat);
    }
    return true;
  }
  return WithRowTag(plan.w.out, [&](auto d) { return AvgPoolNCHWRows(d, plan, src, dst); });
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace kernels
}  // namespace simdpool
HWY_AFTER_NAMESPACE();

#endif  // toggle guard
