// 2-D max pooling (values, optionally int64 or int32 indices), f32, NCHW and
// NHWC.
//
// Bit-exact with the reference: every lane is one output, a tap replaces the
// best so far iff it is greater or NaN (compare + blend; hn::Max differs per
// target on NaN and +-0, see MaxStep for where it is used anyway), and the
// selection equals the one of a scan-order visit. NHWC vectorises across
// channels and visits taps in scan order; NCHW vectorises across output
// columns of one row and folds each window row first, then the rows (see
// the NCHW section for why that is exact), or, for planes without NaN and
// -0, where any order is exact, the columns first (stride 2) or, for values,
// through a padded copy of the plane (stride 1).

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
// hold a NaN, and the caller recomputes those with kExact. On x86,
// hn::Max(v, best) is maxps, exactly `v > best ? v : best`: one instruction
// instead of two compares, an or and a blend, and with indices the compare
// only feeds the index blend.
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
  } else if constexpr (kMaxIsSelectionRule) {
    if constexpr (kIndices) {
      const auto take = hn::Gt(v, best);
      best_index = hn::IfThenElse(hn::RebindMask(hn::RebindToSigned<D>(), take), index, best_index);
    }
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

// The NaN check is made per output row: kFast computes the whole row and
// adds its taps to a probe; if the probe may be NaN the row is recomputed
// with kExact. Each input element needs adding once, so a tap is skipped
// when the previous column of the row already added it, or when its input
// row was checked clean by an earlier output row: for k3s2 that is 4 adds
// per output instead of 9 (adds and maxes compete for the same pipes; with
// the unrolled full windows, ResNet's k3s2 NHWC is 4-18 % faster).

// Which taps of an output row kFast adds to the probe.
struct ProbeTaps {
  const char* row;  // row[i - hb]: add the taps of window row i
  int64_t from_tap;  // ... those with j >= from_tap
};

// kBlocks (1..4) vectors of channels of one output pixel, from channel c,
// taps [hb, he) x [wb, we), at least one. Several blocks keep independent
// chains in flight; one chain alone is bound by its latency.
// kKH x kKW != 0: a full window of that size without dilation, whose taps
// (i, j) with i >= kSkipRows and j >= kSkipColumns are the ones to add to
// the probe; the constant trip counts unroll the loops and fold the probe
// choice, which the per-tap branch otherwise costs.
template <MaxMode kMode, bool kIndices, bool kOneLane, int kBlocks, int kKH, int kKW,
          int kSkipRows, int kSkipColumns, class D, class Index>
HWY_INLINE void MaxPixelNHWC(D d, const internal::Plan& plan, const float* HWY_RESTRICT image,
                             int64_t h0, int64_t hb, int64_t he, int64_t w0, int64_t wb,
                             int64_t we, int64_t c, const ProbeTaps& probe_taps,
                             hn::Vec<D>& probe, float* HWY_RESTRICT out,
                             Index* HWY_RESTRICT out_index) {
  const hn::RebindToSigned<D> di;
  const size_t N = hn::Lanes(d);
  const int64_t C = plan.channels, W = plan.w.in;
  constexpr bool kFixed = kKH != 0;
  const int64_t dh = kFixed ? 1 : plan.h.dilation, dw = kFixed ? 1 : plan.w.dilation;
  if constexpr (kFixed) hb = 0, he = kKH, wb = 0, we = kKW;
  constexpr bool kProbe = kMode == MaxMode::kFast;
  const auto probe_tap = [&](int64_t i, int64_t j) {
    return kFixed ? i >= kSkipRows && j >= kSkipColumns
                  : probe_taps.row[i - hb] != 0 && j >= probe_taps.from_tap;
  };
  // Tap (hb, wb) starts the fold: the rule applied to it from -inf gives it
  // back (and keeps its index, the first valid tap's).
  const int64_t offset0 = (h0 + hb * dh) * W + w0 + wb * dw;
  const float* p0 = image + offset0 * C + c;
  auto best0 = hn::LoadU(d, p0), best1 = best0, best2 = best0, best3 = best0;
  if (kBlocks > 1) best1 = hn::LoadU(d, p0 + N);
  if (kBlocks > 2) best2 = hn::LoadU(d, p0 + 2 * N);
  if (kBlocks > 3) best3 = hn::LoadU(d, p0 + 3 * N);
  auto index0 = hn::Set(di, static_cast<int32_t>(offset0)), index1 = index0, index2 = index0,
       index3 = index0;
  auto probe0 = hn::Zero(d), probe1 = probe0, probe2 = probe0, probe3 = probe0;
  if (kProbe && probe_tap(hb, wb)) probe0 = best0, probe1 = best1, probe2 = best2, probe3 = best3;
  auto unused_probe = probe0;  // MaxStep's own probe: the adds below replace it
  for (int64_t i = hb; i < he; ++i) {
    const int64_t h = h0 + i * dh;
    for (int64_t j = i == hb ? wb + 1 : wb; j < we; ++j) {
      const int64_t offset = h * W + w0 + j * dw;
      const float* p = image + offset * C + c;
      const auto index = hn::Set(di, static_cast<int32_t>(offset));
      const bool add = kProbe && probe_tap(i, j);
      const auto v0 = hn::LoadU(d, p);
      MaxStep<kMode, kIndices>(d, v0, index, best0, index0, unused_probe);
      if (add) probe0 = hn::Add(probe0, v0);
      if (kBlocks > 1) {
        const auto v1 = hn::LoadU(d, p + N);
        MaxStep<kMode, kIndices>(d, v1, index, best1, index1, unused_probe);
        if (add) probe1 = hn::Add(probe1, v1);
      }
      if (kBlocks > 2) {
        const auto v2 = hn::LoadU(d, p + 2 * N);
        MaxStep<kMode, kIndices>(d, v2, index, best2, index2, unused_probe);
        if (add) probe2 = hn::Add(probe2, v2);
      }
      if (kBlocks > 3) {
        const auto v3 = hn::LoadU(d, p + 3 * N);
        MaxStep<kMode, kIndices>(d, v3, index, best3, index3, unused_probe);
        if (add) probe3 = hn::Add(probe3, v3);
      }
    }
  }
  if (kProbe) probe = hn::Add(probe, hn::Add(hn::Add(probe0, probe1), hn::Add(probe2, probe3)));
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
}

// One output pixel, all channels (C >= Lanes(d); see MaxPixelNHWC for the
// template parameters).
template <MaxMode kMode, bool kIndices, bool kOneLane, int kKH, int kKW, int kSkipRows,
          int kSkipColumns, class D, class Index>
HWY_INLINE void MaxPixelAllChannels(D d, const internal::Plan& plan, const float* HWY_RESTRICT image,
                                    int64_t h0, int64_t hb, int64_t he, int64_t w0, int64_t wb,
                                    int64_t we, const ProbeTaps& taps, hn::Vec<D>& probe,
                                    float* HWY_RESTRICT pixel, Index* HWY_RESTRICT pixel_index) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const int64_t C = plan.channels;
  int64_t c = 0;
  for (; c + 4 * N <= C; c += 4 * N) {
    MaxPixelNHWC<kMode, kIndices, kOneLane, 4, kKH, kKW, kSkipRows, kSkipColumns>(
        d, plan, image, h0, hb, he, w0, wb, we, c, taps, probe, pixel, pixel_index);
  }
  if (c + 2 * N <= C) {
    MaxPixelNHWC<kMode, kIndices, kOneLane, 2, kKH, kKW, kSkipRows, kSkipColumns>(
        d, plan, image, h0, hb, he, w0, wb, we, c, taps, probe, pixel, pixel_index);
    c += 2 * N;
  }
  for (; c < C; c += N) {
    c = std::min(c, C - N);  // the last vector overlaps its predecessor
    MaxPixelNHWC<kMode, kIndices, kOneLane, 1, kKH, kKW, kSkipRows, kSkipColumns>(
        d, plan, image, h0, hb, he, w0, wb, we, c, taps, probe, pixel, pixel_index);
  }
}

// Values of two output pixels kSW columns apart whose full kKH x kKW windows
// (kSW < kKW, no dilation) start at (h0, w0) and (h0, w0 + kSW), kFast:
// the columns they share are loaded once (k3s2: 15 loads instead of 18),
// each pixel still folding its own taps in scan order. kBlocks (1 or 2;
// 4 took 1.2-1.4x the time on AVX3) vectors of channels from c. The probe
// adds each loaded tap of window rows i >= kSkipRows once, from the first
// pixel's column kSkipColumns on.
template <int kBlocks, int kKH, int kKW, int kSW, int kSkipRows, int kSkipColumns, class D>
HWY_INLINE void MaxPixelPairNHWC(D d, const internal::Plan& plan, const float* HWY_RESTRICT image, int64_t h0,
                                 int64_t w0, int64_t c, hn::Vec<D>& probe, float* HWY_RESTRICT out) {
  static_assert(kSW < kKW, "the pixels share columns");
  const hn::RebindToSigned<D> di;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const int64_t C = plan.channels, W = plan.w.in;
  hn::Vec<D> first[kBlocks], second[kBlocks], sum[kBlocks];
  auto unused_index = hn::Zero(di);
  auto unused_probe = hn::Zero(d);
  // first and second take their pixel's tap (0, 0) below; zero only keeps
  // GCC from warning that they may be used uninitialized.
  for (int b = 0; b < kBlocks; ++b) first[b] = second[b] = sum[b] = hn::Zero(d);
  const float* corner = image + (h0 * W + w0) * C + c;
  const int64_t row_step = W * C;
  for (int64_t i = 0; i < kKH; ++i) {
    for (int64_t j = 0; j < kKW + kSW; ++j) {
      const float* p = corner + i * row_step + j * C;
      for (int b = 0; b < kBlocks; ++b) {
        const auto v = hn::LoadU(d, p + b * N);
        // Tap (0, 0) starts a pixel's fold (see MaxPixelNHWC).
        if (j < kKW) {
          if (i == 0 && j == 0) {
            first[b] = v;
          } else {
            MaxStep<MaxMode::kFast, false>(d, v, unused_index, first[b], unused_index, unused_probe);
          }
        }
        if (j >= kSW) {
          if (i == 0 && j == kSW) {
            second[b] = v;
          } else {
            MaxStep<MaxMode::kFast, false>(d, v, unused_index, second[b], unused_index, unused_probe);
          }
        }
        if (i >= kSkipRows && j >= kSkipColumns) sum[b] = hn::Add(sum[b], v);
      }
    }
  }
  for (int b = 0; b < kBlocks; ++b) {
    probe = hn::Add(probe, sum[b]);
    hn::StoreU(first[b], d, out + c + b * N);
    hn::StoreU(second[b], d, out + C + c + b * N);
  }
}

// Pixel pairs only where 32 vector registers hold both pixels' maxima: on
// AVX3, alexnet and resnet NHWC took 0.93-0.96x the time; AVX2 the same,
// SSE4 1.12x.
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
constexpr bool kMaxPixelPairs = true;
#else
constexpr bool kMaxPixelPairs = false;
#endif

// MaxPixelPairNHWC over all channels (C >= Lanes(d)).
template <int kKH, int kKW, int kSW, int kSkipRows, int kSkipColumns, class D>
HWY_INLINE void MaxPixelPairAllChannels(D d, const internal::Plan& plan, const float* HWY_RESTRICT image,
                                        int64_t h0, int64_t w0, hn::Vec<D>& probe, float* HWY_RESTRICT pixel) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const int64_t C = plan.channels;
  int64_t c = 0;
  for (; c + 2 * N <= C; c += 2 * N) {
    MaxPixelPairNHWC<2, kKH, kKW, kSW, kSkipRows, kSkipColumns>(d, plan, image, h0, w0, c, probe, pixel);
  }
  for (; c < C; c += N) {
    c = std::min(c, C - N);  // the last vector overlaps its predecessor
    MaxPixelPairNHWC<1, kKH, kKW, kSW, kSkipRows, kSkipColumns>(d, plan, image, h0, w0, c, probe, pixel);
  }
}

// One output row, all columns and channels. kFast returns false if a probed
// tap may be NaN: its outputs may then be wrong and the caller recomputes
// the row with kExact. kKH x kKW, kSH x kSW != 0: the kernel and stride,
// without dilation, for which full windows take the unrolled pixel.
template <MaxMode kMode, bool kIndices, bool kOneLane, int kKH, int kKW, int kSH, int kSW, class D, class Index>
HWY_INLINE bool MaxOutputRowNHWC(D d, const internal::Plan& plan, const float* HWY_RESTRICT image,
                                 int64_t oh, const char* probe_rows, float* HWY_RESTRICT out,
                                 Index* HWY_RESTRICT out_index) {
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  const int64_t C = plan.channels;
  const int64_t hb = ah.tap_begin[oh], he = ah.tap_end[oh], h0 = ah.start[oh];
  // Rows and columns a full window shares with its predecessor.
  constexpr int kSharedRows = kKH > kSH ? kKH - kSH : 0;
  constexpr int kSharedColumns = kKW > kSW ? kKW - kSW : 0;
  const bool full_rows = kKH != 0 && hb == 0 && he == kKH;
  bool shared_rows_clean = kSharedRows > 0;
  for (int i = 0; i < kSharedRows; ++i) shared_rows_clean = shared_rows_clean && !probe_rows[i];
  auto probe = hn::Zero(d);
  for (int64_t ow = 0; ow < aw.out; ++ow) {
    float* pixel = out + ow * C;
    Index* pixel_index = kIndices ? out_index + ow * C : nullptr;
    const int64_t wb = aw.tap_begin[ow], we = aw.tap_end[ow], w0 = aw.start[ow];
    if (wb == we) {  // only padding: -inf, index -1
      std::fill(pixel, pixel + C, -kInfinity);
      if (kIndices) std::fill(pixel_index, pixel_index + C, Index{-1});
      continue;
    }
    // Without dilation, columns before the previous window's end were added.
    ProbeTaps taps{probe_rows, 0};
    if (aw.dilation == 1 && ow > 0 && aw.tap_begin[ow - 1] < aw.tap_end[ow - 1]) {
      taps.from_tap = std::max<int64_t>(0, aw.start[ow - 1] + aw.tap_end[ow - 1] - w0);
    }
    if constexpr (kKH != 0) {
      if (full_rows && wb == 0 && we == kKW) {
        const bool skip_columns = kSharedColumns > 0 && taps.from_tap >= kSharedColumns;
        if constexpr (kMaxPixelPairs && kMode == MaxMode::kFast && !kIndices && kSharedColumns > 0) {
          // Pixels ow and ow + 1 together, if both windows are full.
          if (skip_columns && ow + 1 < aw.out && aw.tap_begin[ow + 1] == 0 && aw.tap_end[ow + 1] == kKW) {
            if (shared_rows_clean) {
              MaxPixelPairAllChannels<kKH, kKW, kSW, kSharedRows, kSharedColumns>(d, plan, image, h0, w0, probe,
                                                                                 pixel);
            } else {
              MaxPixelPairAllChannels<kKH, kKW, kSW, 0, kSharedColumns>(d, plan, image, h0, w0, probe, pixel);
            }
            ++ow;
            continue;
          }
        }
        if (kMode == MaxMode::kFast && shared_rows_clean && skip_columns) {
          MaxPixelAllChannels<kMode, kIndices, kOneLane, kKH, kKW, kSharedRows, kSharedColumns>(
              d, plan, image, h0, hb, he, w0, wb, we, taps, probe, pixel, pixel_index);
        } else if (kMode == MaxMode::kFast && shared_rows_clean) {
          MaxPixelAllChannels<kMode, kIndices, kOneLane, kKH, kKW, kSharedRows, 0>(
              d, plan, image, h0, hb, he, w0, wb, we, taps, probe, pixel, pixel_index);
        } else if (kMode == MaxMode::kFast && skip_columns) {
          MaxPixelAllChannels<kMode, kIndices, kOneLane, kKH, kKW, 0, kSharedColumns>(
              d, plan, image, h0, hb, he, w0, wb, we, taps, probe, pixel, pixel_index);
        } else {
          MaxPixelAllChannels<kMode, kIndices, kOneLane, kKH, kKW, 0, 0>(
              d, plan, image, h0, hb, he, w0, wb, we, taps, probe, pixel, pixel_index);
        }
        continue;
      }
    }
    MaxPixelAllChannels<kMode, kIndices, kOneLane, 0, 0, 0, 0>(d, plan, image, h0, hb, he, w0, wb, we,
                                                               taps, probe, pixel, pixel_index);
  }
  return kMode == MaxMode::kExact || hn::AllFalse(d, hn::IsNaN(probe));
}

template <bool kIndices, bool kOneLane, int kKH, int kKW, int kSH, int kSW, class D, class Index>
void MaxPoolNHWCWith(D d, const internal::Plan& plan, const float* HWY_RESTRICT src,
                     float* HWY_RESTRICT dst, Index* HWY_RESTRICT indices) {
  const internal::Axis& ah = plan.h;
  const int64_t C = plan.channels;
  const int64_t row_elements = plan.w.out * C;
  // Input rows a kFast output row has added to its probe and found clean.
  std::vector<char> clean(static_cast<size_t>(ah.in));
  std::vector<char> probe_rows(static_cast<size_t>(ah.kernel));
  for (int64_t n = 0; n < plan.batch; ++n) {
    const float* image = src + n * plan.in_plane * C;
    std::fill(clean.begin(), clean.end(), 0);
    for (int64_t oh = 0; oh < ah.out; ++oh) {
      const int64_t o = (n * ah.out + oh) * row_elements;
      float* out = dst + o;
      Index* out_index = kIndices ? indices + o : nullptr;
      const int64_t hb = ah.tap_begin[oh], he = ah.tap_end[oh];
      if (hb == he) {  // only padding rows: -inf, index -1
        std::fill(out, out + row_elements, -kInfinity);
        if (kIndices) std::fill(out_index, out_index + row_elements, Index{-1});
        continue;
      }
      for (int64_t i = hb; i < he; ++i) probe_rows[i - hb] = !clean[TapInput(ah, oh, i)];
      if (MaxOutputRowNHWC<MaxMode::kFast, kIndices, kOneLane, kKH, kKW, kSH, kSW>(
              d, plan, image, oh, probe_rows.data(), out, out_index)) {
        for (int64_t i = hb; i < he; ++i) clean[TapInput(ah, oh, i)] = 1;
      } else {
        MaxOutputRowNHWC<MaxMode::kExact, kIndices, kOneLane, kKH, kKW, kSH, kSW>(
            d, plan, image, oh, probe_rows.data(), out, out_index);
      }
    }
  }
}

// ------------------------------------------------- NHWC, separable windows
//
// Windows larger than 3x3 whose rows overlap enough (a stride along H well
// below the kernel height, see SeparableNHWC: YOLO's SPP, 5x5 to 13x13 at
// stride 1) are folded separably, as in NCHW: each input row is folded
// once per output column, along W, into a ring of row results, and each
// output folds the row results of its window's rows, top to bottom. Both
// folds visit their taps in scan order with the selection rule, which
// keeps the scan order's first maximum and last NaN (see the NCHW
// section), so the result is the reference's: the exact rule where an
// input row may hold NaN, kFast's elsewhere. A window of kh x kw taps
// costs kw folds per row result and kh per output instead of kh * kw.

// Whether the separable kernel takes this problem: a kh x kw window at
// stride sh along H costs it about sh * kw folds per output for the row
// results and kh for the rows, against kh * kw taps in the direct kernel,
// whose taps are cheaper: on AVX3 the separable kernel took 0.57x the time
// at k4s1, 0.90x at k5s2 and 0.74x at k7s2, but 1.04x at k4s2 and 1.13x at
// k5s3, so it needs 1.5x fewer folds. Its ring of row results (values and
// indices, a row per input row one window spans) must fit 64 MiB; tall
// dilated windows over wide rows keep the direct kernel.
inline bool SeparableNHWC(const internal::Plan& plan) {
  const int64_t kh = plan.h.kernel, kw = plan.w.kernel;
  const int64_t row_bytes = plan.w.out * plan.channels * 8;
  return 3 * (plan.h.stride * kw + kh) < 2 * kh * kw && WindowSpan(plan.h) <= (int64_t{64} << 20) / row_bytes;
}

// Folds taps [0, count) in order (MaxStep), for kBlocks (1 or 4) vectors
// at a time: independent chains, which one alone would leave bound by the
// fold's latency. tap(t, b, v, index) loads vector b of tap t; store(b,
// best, index) takes the result of vector b.
template <MaxMode kMode, bool kIndices, int kBlocks, class D, class Tap, class Store>
HWY_INLINE void FoldTaps(D d, int64_t count, const Tap& tap, const Store& store) {
  const hn::RebindToSigned<D> di;
  auto best0 = hn::Zero(d), best1 = best0, best2 = best0, best3 = best0, v = best0;
  auto index0 = hn::Zero(di), index1 = index0, index2 = index0, index3 = index0, v_index = index0;
  auto unused_probe = hn::Zero(d);  // the caller probes the taps
  // Tap 0 starts the fold (the rule applied to it from -inf gives it back).
  tap(0, 0, best0, index0);
  if (kBlocks > 1) tap(0, 1, best1, index1), tap(0, 2, best2, index2), tap(0, 3, best3, index3);
  for (int64_t t = 1; t < count; ++t) {
    tap(t, 0, v, v_index);
    MaxStep<kMode, kIndices>(d, v, v_index, best0, index0, unused_probe);
    if (kBlocks > 1) {
      tap(t, 1, v, v_index);
      MaxStep<kMode, kIndices>(d, v, v_index, best1, index1, unused_probe);
      tap(t, 2, v, v_index);
      MaxStep<kMode, kIndices>(d, v, v_index, best2, index2, unused_probe);
      tap(t, 3, v, v_index);
      MaxStep<kMode, kIndices>(d, v, v_index, best3, index3, unused_probe);
    }
  }
  store(0, best0, index0);
  if (kBlocks > 1) store(1, best1, index1), store(2, best2, index2), store(3, best3, index3);
}

// Whether the n >= Lanes(d) floats from p hold no NaN: their sum (a false
// alarm where +inf meets -inf, or where the sum overflows).
template <class D>
HWY_INLINE bool FreeOfNaN(D d, const float* HWY_RESTRICT p, int64_t n) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  auto sum0 = hn::Zero(d), sum1 = sum0, sum2 = sum0, sum3 = sum0;
  int64_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    sum0 = hn::Add(sum0, hn::LoadU(d, p + i));
    sum1 = hn::Add(sum1, hn::LoadU(d, p + i + N));
    sum2 = hn::Add(sum2, hn::LoadU(d, p + i + 2 * N));
    sum3 = hn::Add(sum3, hn::LoadU(d, p + i + 3 * N));
  }
  for (; i < n; i += N) sum0 = hn::Add(sum0, hn::LoadU(d, p + std::min(i, n - N)));
  return hn::AllFalse(d, hn::IsNaN(hn::Add(hn::Add(sum0, sum1), hn::Add(sum2, sum3))));
}

// Calls fold over `elements` vector lanes from 0, four vectors at a time
// while they last: fold(kBlocks tag, e) folds the vectors from element e.
template <class D, class Fold>
HWY_INLINE void ForVectors(D d, int64_t elements, const Fold& fold) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  int64_t e = 0;
  for (; e + 4 * N <= elements; e += 4 * N) fold(std::integral_constant<int, 4>(), e);
  for (; e < elements; e += N) {
    e = std::min(e, elements - N);  // the last vector overlaps its predecessor
    fold(std::integral_constant<int, 1>(), e);
  }
}

// The row results of input row h of an image: per output column, its
// window row's valid taps folded in order (-inf and index -1 if none), and
// with kIndices their plane offsets h * W + w. kFast: the row has no NaN.
template <MaxMode kMode, bool kIndices, class D>
HWY_INLINE void MaxRowResultsNHWC(D d, const internal::Plan& plan, const float* HWY_RESTRICT image, int64_t h,
                                  float* HWY_RESTRICT row_max, int32_t* HWY_RESTRICT row_index) {
  const hn::RebindToSigned<D> di;
  const internal::Axis& aw = plan.w;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const int64_t C = plan.channels, dw = aw.dilation;
  for (int64_t ow = 0; ow < aw.out; ++ow) {
    const int64_t wb = aw.tap_begin[ow], we = aw.tap_end[ow];
    float* out = row_max + ow * C;
    int32_t* out_index = kIndices ? row_index + ow * C : nullptr;
    if (wb == we) {
      std::fill(out, out + C, -kInfinity);
      if (kIndices) std::fill(out_index, out_index + C, -1);
      continue;
    }
    const int64_t first = h * aw.in + aw.start[ow] + wb * dw;  // offset of the first valid tap
    ForVectors(d, C, [&](auto blocks, int64_t c) {
      const float* p = image + first * C + c;
      const auto tap = [&](int64_t t, int64_t b, hn::Vec<D>& v, hn::Vec<decltype(di)>& index) {
        v = hn::LoadU(d, p + t * dw * C + b * N);
        index = hn::Set(di, static_cast<int32_t>(first + t * dw));
      };
      const auto store = [&](int64_t b, hn::Vec<D> best, hn::Vec<decltype(di)> index) {
        hn::StoreU(best, d, out + c + b * N);
        if (kIndices) hn::StoreU(index, di, out_index + c + b * N);
      };
      FoldTaps<kMode, kIndices, decltype(blocks)::value>(d, we - wb, tap, store);
    });
  }
}

// The separable kernel. Returns false, having written nothing, if its ring
// of row results could not be allocated.
template <bool kIndices, bool kOneLane, class D, class Index>
bool MaxPoolNHWCSeparable(D d, const internal::Plan& plan, const float* HWY_RESTRICT src,
                          float* HWY_RESTRICT dst, Index* HWY_RESTRICT indices) {
  const hn::RebindToSigned<D> di;
  const internal::Axis& ah = plan.h;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const int64_t C = plan.channels;
  const int64_t row_elements = plan.w.out * C;
  const int64_t slots = WindowSpan(ah);
  const auto ring_size = static_cast<size_t>(slots * row_elements);
  auto ring = hwy::AllocateAligned<float>(ring_size);
  auto ring_index = hwy::AllocateAligned<int32_t>(kIndices ? ring_size : 1);  // 0 bytes would abort
  if (!ring || (kIndices && !ring_index)) return false;
  std::vector<int64_t> row_in_slot(static_cast<size_t>(slots));
  std::vector<char> slot_clean(static_cast<size_t>(slots));  // its input row has no NaN
  std::vector<const float*> rows(static_cast<size_t>(ah.kernel));
  std::vector<const int32_t*> rows_index(static_cast<size_t>(ah.kernel));
  for (int64_t n = 0; n < plan.batch; ++n) {
    const float* image = src + n * plan.in_plane * C;
    std::fill(row_in_slot.begin(), row_in_slot.end(), int64_t{-1});
    for (int64_t oh = 0; oh < ah.out; ++oh) {
      const int64_t o = (n * ah.out + oh) * row_elements;
      float* out = dst + o;
      Index* out_index = kIndices ? indices + o : nullptr;
      const int64_t hb = ah.tap_begin[oh], he = ah.tap_end[oh];
      if (hb == he) {  // only padding rows: -inf, index -1
        std::fill(out, out + row_elements, -kInfinity);
        if (kIndices) std::fill(out_index, out_index + row_elements, Index{-1});
        continue;
      }
      const int64_t count = he - hb;
      bool window_clean = true;
      for (int64_t i = 0; i < count; ++i) {
        const int64_t h = TapInput(ah, oh, hb + i);
        const auto slot = static_cast<size_t>(h % slots);
        float* row = ring.get() + static_cast<int64_t>(slot) * row_elements;
        int32_t* row_index = kIndices ? ring_index.get() + static_cast<int64_t>(slot) * row_elements : nullptr;
        if (row_in_slot[slot] != h) {
          // Rows without NaN fold with the simpler rule (see MaxStep).
          slot_clean[slot] = FreeOfNaN(d, image + h * plan.w.in * C, plan.w.in * C);
          if (slot_clean[slot]) {
            MaxRowResultsNHWC<MaxMode::kFast, kIndices>(d, plan, image, h, row, row_index);
          } else {
            MaxRowResultsNHWC<MaxMode::kExact, kIndices>(d, plan, image, h, row, row_index);
          }
          row_in_slot[slot] = h;
        }
        window_clean = window_clean && slot_clean[slot];
        rows[static_cast<size_t>(i)] = row;
        rows_index[static_cast<size_t>(i)] = row_index;
      }
      ForVectors(d, row_elements, [&](auto blocks, int64_t e) {
        const auto tap = [&](int64_t t, int64_t b, hn::Vec<D>& v, hn::Vec<decltype(di)>& index) {
          v = hn::LoadU(d, rows[static_cast<size_t>(t)] + e + b * N);
          if (kIndices) index = hn::LoadU(di, rows_index[static_cast<size_t>(t)] + e + b * N);
        };
        const auto store = [&](int64_t b, hn::Vec<D> best, hn::Vec<decltype(di)> index) {
          hn::StoreU(best, d, out + e + b * N);
          if (kIndices) StoreIndices<kOneLane>(di, index, out_index + e + b * N);
        };
        if (window_clean) {
          FoldTaps<MaxMode::kFast, kIndices, decltype(blocks)::value>(d, count, tap, store);
        } else {
          FoldTaps<MaxMode::kExact, kIndices, decltype(blocks)::value>(d, count, tap, store);
        }
      });
    }
  }
  return true;
}

// The NHWC kernel with vectors of tag D (at most `channels` lanes).
template <bool kIndices, class D, class Index>
void MaxPoolNHWCTag(D d, const internal::Plan& plan, const float* HWY_RESTRICT src,
                    float* HWY_RESTRICT dst, Index* HWY_RESTRICT indices) {
  constexpr bool kOneLane = hn::MaxLanes(d) == 1;
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  if (SeparableNHWC(plan) && MaxPoolNHWCSeparable<kIndices, kOneLane>(d, plan, src, dst, indices)) return;
  // ResNet/AlexNet/VGG/Inception kernels get unrolled full windows.
  if (ah.dilation == 1 && aw.dilation == 1 && ah.kernel == aw.kernel && ah.stride == aw.stride) {
    const int64_t k = aw.kernel, s = aw.stride;
    if (k == 3 && s == 2) return MaxPoolNHWCWith<kIndices, kOneLane, 3, 3, 2, 2>(d, plan, src, dst, indices);
    if (k == 3 && s == 1) return MaxPoolNHWCWith<kIndices, kOneLane, 3, 3, 1, 1>(d, plan, src, dst, indices);
    if (k == 2 && s == 2) return MaxPoolNHWCWith<kIndices, kOneLane, 2, 2, 2, 2>(d, plan, src, dst, indices);
  }
  MaxPoolNHWCWith<kIndices, kOneLane, 0, 0, 0, 0>(d, plan, src, dst, indices);
}

template <bool kIndices, class Index>
void MaxPoolNHWC(const internal::Plan& plan, const float* HWY_RESTRICT src, float* HWY_RESTRICT dst,
                 Index* HWY_RESTRICT indices) {
  WithChannelTag(plan.channels, [&](auto d) { MaxPoolNHWCTag<kIndices>(d, plan, src, dst, indices); });
}

// ---------------------------------------------------------------- NCHW
//
// Separable, horizontal first: an output's window is folded row by row
// (each row's taps in order, exact rule), then those row results are folded
// over the rows in order (exact rule, carrying indices). This visits the
// first maximum and the last NaN of the scan order, so it is exact; folding
// columns first is not (+-0 ties). A row result is computed once per input
// row and output column and kept in a ring for the later output rows that
// use the same input row (k3s2: row 2oh+1 serves oh and oh+1). Vectors run
// across output columns.

// One input row of a window as the vector loop sees it.
struct WindowRow {
  const float* input;  // column 0 of the row (see InPlaceRows)
  float* ring;         // its row results, by output column
  int32_t* ring_index;
  int32_t offset;      // h * W, for indices
  bool cached;         // ring holds this row's results already
  bool store;          // a later output row needs them: fill the ring
};

// The horizontal fold of one input row for the N output columns from ow0:
// taps j at columns ow * stride - pad_begin + j * dilation, in order, best
// starting at -inf with the index of the row's first valid tap. kMasked:
// taps outside [0, W) are -inf (in place, such loads read a neighbouring
// row). kPairs (stride 2, dilation 1): taps j and j + 1 are the even and odd
// lanes of one pair of loads.
template <MaxMode kMode, int kStride, int kKernel, bool kIndices, bool kMasked, class D>
HWY_INLINE void MaxRowH(D d, const internal::Plan& plan, const WindowRow& row, int64_t ow0,
                        hn::Vec<hn::RebindToSigned<D>> gather_offsets, hn::Vec<D>& best,
                        hn::Vec<hn::RebindToSigned<D>>& index, hn::Vec<D>& probe) {
  const hn::RebindToSigned<D> di;
  const internal::Axis& aw = plan.w;
  const int64_t stride = kStride != 0 ? kStride : aw.stride;
  const int64_t kernel = kKernel != 0 ? kKernel : aw.kernel;
  const int64_t dw = aw.dilation;
  const int64_t col0 = ow0 * stride - aw.pad_begin;
  const float* p = row.input + col0;
  // Column of tap 0 per lane.
  const auto columns = hn::Add(hn::Mul(hn::Iota(di, 0), hn::Set(di, static_cast<int32_t>(stride))),
                               hn::Set(di, static_cast<int32_t>(col0)));
  best = hn::Set(d, -kInfinity);
  if (kIndices && kMasked) {
    const auto first = hn::LoadU(di, plan.w_first_column.data() + ow0);
    index = hn::IfThenElse(hn::Lt(first, hn::Zero(di)), first, hn::Add(first, hn::Set(di, row.offset)));
  }
  for (int64_t j = 0; j < kernel; ++j) {
    const auto tap_columns = hn::Add(columns, hn::Set(di, static_cast<int32_t>(j * dw)));
    hn::Vec<D> v;
#if HWY_TARGET != HWY_SCALAR
    if constexpr (kStride == 2 && kKernel != 0) {
      const size_t N = hn::Lanes(d);
      const auto lo = hn::LoadU(d, p + j - (j & 1)), hi = hn::LoadU(d, p + j - (j & 1) + N);
      v = (j & 1) ? hn::ConcatOdd(d, hi, lo) : hn::ConcatEven(d, hi, lo);
    } else  // NOLINT(readability/braces)
#endif
    {
      v = LoadColumns<kStride>(d, p + j * dw, gather_offsets);
    }
    if (kMasked) {
      const auto inside = hn::And(hn::Gt(tap_columns, hn::Set(di, -1)),
                                  hn::Lt(tap_columns, hn::Set(di, static_cast<int32_t>(aw.in))));
      v = hn::IfThenElse(hn::RebindMask(d, inside), v, hn::Set(d, -kInfinity));
    }
    const auto tap_index = kIndices ? hn::Add(tap_columns, hn::Set(di, row.offset)) : index;
    if (!kMasked && j == 0) {
      // Tap 0 is valid in every lane: folding it into -inf gives itself
      // (and its index) under the exact rule; kFast probes it as usual.
      best = v;
      index = tap_index;
      if (kMode == MaxMode::kFast) probe = hn::Add(probe, v);
      continue;
    }
    MaxStep<kMode, kIndices>(d, v, tap_index, best, index, probe);
  }
}

// N outputs of one output row from column ow0, folding the row results of
// `rows[0, num_rows)`. kFast takes cached row results from the ring, and
// returns false, storing no output, if it saw a possible NaN; kExact
// recomputes every row result from the input. Both fill the ring for rows
// marked `store`; kExact overwrites what a failed kFast stored there.
// kRows != 0: num_rows == kRows and the rows' `cached` and `store` flags
// are the bits of kCached and kStore (the steady state of common shapes,
// without per-row branches).
template <MaxMode kMode, int kStride, int kKernel, bool kIndices, bool kMasked, int kRows,
          int kCached, int kStore, class D, class Index>
HWY_INLINE bool MaxOutputVector(D d, const internal::Plan& plan, const WindowRow* rows,
                                int64_t num_rows, int64_t ow0,
                                hn::Vec<hn::RebindToSigned<D>> gather_offsets,
                                float* HWY_RESTRICT out, Index* HWY_RESTRICT out_index) {
  const hn::RebindToSigned<D> di;
  auto best = hn::Zero(d), probe = hn::Zero(d), unused_probe = hn::Zero(d);
  auto index = hn::Zero(di);
  const int64_t n = kRows != 0 ? kRows : num_rows;
  for (int64_t r = 0; r < n; ++r) {
    const WindowRow& row = rows[r];
    const bool cached = kRows != 0 ? ((kCached >> r) & 1) != 0 : row.cached;
    const bool store = kRows != 0 ? ((kStore >> r) & 1) != 0 : row.store;
    hn::Vec<D> v;
    hn::Vec<decltype(di)> v_index = hn::Zero(di);
    if (kMode == MaxMode::kFast && cached) {
      v = hn::LoadU(d, row.ring + ow0);
      if (kIndices) v_index = hn::LoadU(di, row.ring_index + ow0);
      probe = hn::Add(probe, v);  // the ring may hold an exact NaN
    } else {
      MaxRowH<kMode, kStride, kKernel, kIndices, kMasked>(d, plan, row, ow0, gather_offsets, v,
                                                          v_index, probe);
      if (store) {
        hn::StoreU(v, d, row.ring + ow0);
        if (kIndices) hn::StoreU(v_index, di, row.ring_index + ow0);
      }
    }
    if (r == 0) {
      best = v;  // the fold of row 0 from -inf and its first valid index
      index = v_index;
    } else {
      MaxStep<kMode, kIndices>(d, v, v_index, best, index, unused_probe);
    }
  }
  // Pad taps are -inf: -inf + inf in the probe is a harmless false alarm.
  if (kMode == MaxMode::kFast && !hn::AllFalse(d, hn::IsNaN(probe))) return false;
  hn::StoreU(best, d, out);
  if (kIndices) StoreIndices<false>(di, index, out_index);
  return true;
}

// MaxOutputVector in the fastest exact way: kFast first, kExact where it saw
// a possible NaN.
template <int kStride, int kKernel, bool kIndices, bool kMasked, int kRows, int kCached,
          int kStore, class D, class Index>
HWY_INLINE void MaxOutputVectorBest(D d, const internal::Plan& plan, const WindowRow* rows,
                                    int64_t num_rows, int64_t ow0,
                                    hn::Vec<hn::RebindToSigned<D>> gather_offsets,
                                    float* HWY_RESTRICT out, Index* HWY_RESTRICT out_index) {
  if (!MaxOutputVector<MaxMode::kFast, kStride, kKernel, kIndices, kMasked, kRows, kCached, kStore>(
          d, plan, rows, num_rows, ow0, gather_offsets, out, out_index)) {
    MaxOutputVector<MaxMode::kExact, kStride, kKernel, kIndices, kMasked, kRows, kCached, kStore>(
        d, plan, rows, num_rows, ow0, gather_offsets, out, out_index);
  }
}

// One output row: its vectors across the columns (see MaxOutputVector for
// kRows, kCached and kStore).
template <int kStride, int kKernel, bool kIndices, int kRows, int kCached, int kStore, class D, class Index>
HWY_INLINE void MaxOutputRow(D d, const internal::Plan& plan, const WindowRow* rows,
                             int64_t num_rows, hn::Vec<hn::RebindToSigned<D>> gather_offsets,
                             float* HWY_RESTRICT out, Index* HWY_RESTRICT out_index) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const internal::Axis& aw = plan.w;
  // Vectors whose outputs (those < out) all have full windows need no masks.
  const auto masked = [&](int64_t ow0) {
    return ow0 < aw.full_begin || std::min(ow0 + N, aw.out) > aw.full_end;
  };
  if (aw.out < N) {  // the row is shorter than a vector: compute into a buffer
    HWY_ALIGN float tail[HWY_MAX_BYTES / sizeof(float)];
    HWY_ALIGN int64_t tail_index[HWY_MAX_BYTES / sizeof(float)];
    if (masked(0)) {
      MaxOutputVectorBest<kStride, kKernel, kIndices, true, kRows, kCached, kStore>(
          d, plan, rows, num_rows, 0, gather_offsets, tail, tail_index);
    } else {
      MaxOutputVectorBest<kStride, kKernel, kIndices, false, kRows, kCached, kStore>(
          d, plan, rows, num_rows, 0, gather_offsets, tail, tail_index);
    }
    std::copy(tail, tail + aw.out, out);
    if (kIndices) std::copy(tail_index, tail_index + aw.out, out_index);
    return;
  }
  // The last vector overlaps its predecessor.
  for (int64_t ow = 0; ow < aw.out; ow += N) {
    ow = std::min(ow, aw.out - N);
    Index* vector_index = kIndices ? out_index + ow : nullptr;
    if (masked(ow)) {
      MaxOutputVectorBest<kStride, kKernel, kIndices, true, kRows, kCached, kStore>(
          d, plan, rows, num_rows, ow, gather_offsets, out + ow, vector_index);
    } else {
      MaxOutputVectorBest<kStride, kKernel, kIndices, false, kRows, kCached, kStore>(
          d, plan, rows, num_rows, ow, gather_offsets, out + ow, vector_index);
    }
  }
}

// Which input rows each output row folds, their ring slots and roles. Every
// plane uses the ring the same way, so normally the schedule of all output
// rows is made once (entry oh * kernel + r); when that table would be large
// (tall kernels on tall inputs), each plane makes its rows' entries as it
// goes, in one output row's worth of space.
class NchwSchedule {
 public:
  NchwSchedule(const internal::Plan& plan, float* ring_values, int32_t* ring_index, int64_t pitch,
               int64_t ring)
      : plan_(plan),
        ring_values_(ring_values),
        ring_index_(ring_index),
        pitch_(pitch),
        ring_(ring),
        kernel_(plan.h.kernel),
        whole_(plan.h.out <= kMaxEntries / kernel_),
        last_use_(static_cast<size_t>(plan.h.in), -1),
        row_in_slot_(static_cast<size_t>(ring), -1),
        windows_(static_cast<size_t>(whole_ ? plan.h.out * kernel_ : kernel_)),
        patterns_(static_cast<size_t>(whole_ ? plan.h.out : 1)) {
    const internal::Axis& ah = plan.h;
    for (int64_t oh = 0; oh < ah.out; ++oh) {
      for (int64_t i = ah.tap_begin[oh]; i < ah.tap_end[oh]; ++i) last_use_[TapInput(ah, oh, i)] = oh;
    }
    if (whole_) {
      for (int64_t oh = 0; oh < ah.out; ++oh) MakeEntries(oh, oh);
    }
  }

  // Call at the start of every plane, then Window(oh) for oh = 0, 1, ... in order.
  void NewPlane() {
    if (!whole_) std::fill(row_in_slot_.begin(), row_in_slot_.end(), int64_t{-1});
  }

  // The window rows of output row oh (input pointers still to be set) and
  // its pattern: 1 the steady state of k3s2 (row 2oh-1 from the ring, 2oh+1
  // kept), 2 two rows used once (k2s2), 0 any other.
  WindowRow* Window(int64_t oh) {
    if (!whole_) MakeEntries(oh, 0);
    return windows_.data() + Entry(oh);
  }
  int Pattern(int64_t oh) const { return patterns_[static_cast<size_t>(whole_ ? oh : 0)]; }

 private:
  static constexpr int64_t kMaxEntries = int64_t{1} << 20;

  int64_t Entry(int64_t oh) const { return whole_ ? oh * kernel_ : 0; }

  // The entries of output row oh, at those of row `at`.
  void MakeEntries(int64_t oh, int64_t at) {
    const internal::Axis& ah = plan_.h;
    const bool indices = ring_index_ != nullptr;
    const int64_t hb = ah.tap_begin[oh], num_rows = ah.tap_end[oh] - hb;
    int cached = 0, store = 0;  // row roles as bits
    for (int64_t r = 0; r < num_rows; ++r) {
      const int64_t h = TapInput(ah, oh, hb + r);
      const int64_t slot = h % ring_;
      WindowRow& row = windows_[static_cast<size_t>(at * kernel_ + r)];
      row.ring = ring_values_ + slot * pitch_;
      row.ring_index = indices ? ring_index_ + slot * pitch_ : nullptr;
      row.offset = static_cast<int32_t>(h * plan_.w.in);
      row.cached = row_in_slot_[static_cast<size_t>(slot)] == h;
      row.store = !row.cached && last_use_[static_cast<size_t>(h)] > oh;
      if (row.store) row_in_slot_[static_cast<size_t>(slot)] = h;
      if (r < 8) cached |= row.cached << r, store |= row.store << r;
    }
    patterns_[static_cast<size_t>(at)] = num_rows == 3 && cached == 1 && store == 4   ? 1
                                         : num_rows == 2 && cached == 0 && store == 0 ? 2
                                                                                      : 0;
  }

  const internal::Plan& plan_;
  float* ring_values_;
  int32_t* ring_index_;
  int64_t pitch_, ring_, kernel_;
  bool whole_;
  std::vector<int64_t> last_use_;     // the last output row that reads each input row
  std::vector<int64_t> row_in_slot_;  // which input row's results each ring slot holds
  std::vector<WindowRow> windows_;
  std::vector<int> patterns_;
};

// ------------------------------------------------------- NCHW, columns first
//
// When a plane holds no NaN and no -0, equal floats are identical bits, so
// the maximum of a window does not depend on the order its taps are
// visited, and its index is the least plane index among the taps equal to
// it (the scan order's first). There the columns can be folded first: one
// vertical maximum per input column (aligned loads, no shuffles), then the
// stride-2 horizontal taps as the even and odd lanes of two such vectors,
// all in registers (through memory, reloading stored vectors at other
// offsets stalls store forwarding: 1.5x slower on Zen 4). Each input row is
// checked for NaN and -0 the first time it is loaded; a plane with either
// is computed again by the exact kernel.

// Stride 2, kernel 2 wide, no column padding and full windows (VGG): output
// (oh, ow) is the maximum of column maxima 2ow and 2ow + 1 of output row
// oh. With the plane's column maxima in one buffer, rows 2 * out_w apart,
// output f = oh * out_w + ow takes buffer elements 2f and 2f + 1: one pass
// over the plane pairs them with full vectors. For rows narrower than a
// vector (VGG's 28 x 28: 0.87x the time of 8-lane rows on AVX3); on wider
// ones the buffer's round trip costs more than it saves.
inline bool ColumnPairsApply(const internal::Plan& plan, int64_t lanes) {
  const internal::Axis& aw = plan.w;
  return aw.kernel == 2 && aw.stride == 2 && aw.dilation == 1 && aw.pad_begin == 0 && aw.full_begin == 0 &&
         aw.full_end == aw.out && aw.out < lanes && 2 * aw.out >= lanes && plan.h.out * aw.out >= lanes;
}

#if HWY_TARGET != HWY_SCALAR
// A probe for the values that make a plane's fold order matter, among
// those added: NaN and -0. A running sum turns NaN with a NaN (or with both
// infinities: a false alarm), and `bits` keeps the least int32 of the float
// bits, which -0 is. (Plain vectors, not a class: SVE vectors cannot be
// members.) StartProbe makes the probe of one vector, MergeProbe adds a
// partial probe, of other values, to a running one, and AddToProbe one
// vector.
template <class D>
HWY_INLINE void StartProbe(D d, hn::Vec<D> v, hn::Vec<D>& sum, hn::Vec<hn::RebindToSigned<D>>& bits) {
  sum = v;
  bits = hn::BitCast(hn::RebindToSigned<D>(), v);
  (void)d;
}

template <class D>
HWY_INLINE void MergeProbe(D d, hn::Vec<D> part_sum, hn::Vec<hn::RebindToSigned<D>> part_bits,
                           hn::Vec<D>& sum, hn::Vec<hn::RebindToSigned<D>>& bits) {
  sum = hn::Add(sum, part_sum);
  bits = hn::Min(bits, part_bits);
  (void)d;
}

template <class D>
HWY_INLINE void AddToProbe(D d, hn::Vec<D> v, hn::Vec<D>& sum, hn::Vec<hn::RebindToSigned<D>>& bits) {
  auto v_sum = sum;
  auto v_bits = bits;
  StartProbe(d, v, v_sum, v_bits);
  MergeProbe(d, v_sum, v_bits, sum, bits);
}

// True if no value added to the probe makes the fold order matter.
template <class D>
HWY_INLINE bool OrderFree(D d, hn::Vec<D> sum, hn::Vec<hn::RebindToSigned<D>> bits) {
  const hn::RebindToSigned<D> di;
  return hn::AllFalse(d, hn::IsNaN(sum)) &&
         hn::AllFalse(di, hn::Eq(bits, hn::Set(di, std::numeric_limits<int32_t>::min())));
}

// The input rows of one output row's window, the same in every plane:
// `count` rows from `first`, dilation apart; those from `first_new` on were
// not in an earlier output row's window, so they go into the probe.
struct WindowRows {
  int64_t first, count, first_new;
};

// WindowRows by output row.
inline std::vector<WindowRows> MakeWindowRows(const internal::Axis& ah) {
  std::vector<WindowRows> windows(static_cast<size_t>(ah.out));
  std::vector<char> probed(static_cast<size_t>(ah.in));  // by an earlier output row
  for (int64_t oh = 0; oh < ah.out; ++oh) {
    WindowRows& rows = windows[static_cast<size_t>(oh)];
    rows.count = ah.tap_end[oh] - ah.tap_begin[oh];
    rows.first = TapInput(ah, oh, ah.tap_begin[oh]);
    // Rows after the first unprobed one are probed (again, if they were).
    rows.first_new = 0;
    while (rows.first_new < rows.count && probed[static_cast<size_t>(rows.first + rows.first_new * ah.dilation)]) {
      ++rows.first_new;
    }
    for (int64_t r = 0; r < rows.count; ++r) probed[static_cast<size_t>(rows.first + r * ah.dilation)] = 1;
  }
  return windows;
}

// Output rows [begin, end): the first run of steady windows, `rows` rows
// each, the last rows - 2 of them new (k3s2 shares one with the window
// before, k2s2 none), each window `stride` rows below the one before. The
// windows before the run all hold rows, or the run is empty. Kernels step
// through such a run's rows with no lookup per output row.
struct SteadyRun {
  SteadyRun(const internal::Axis& ah, const std::vector<WindowRows>& windows, int64_t rows) {
    const auto steady = [&](int64_t oh) {
      const WindowRows& w = windows[static_cast<size_t>(oh)];
      return w.count == rows && w.first_new == rows - 2;
    };
    while (begin < ah.out && !steady(begin)) {
      if (windows[static_cast<size_t>(begin)].count == 0) return;
      ++begin;
    }
    end = begin;
    while (end < ah.out && steady(end) &&
           windows[static_cast<size_t>(end)].first ==
               windows[static_cast<size_t>(begin)].first + (end - begin) * ah.stride) {
      ++end;
    }
  }
  int64_t begin = 0, end = 0;
};

// The geometry of a stride-2 kernel kKernel (2 or 3) wide, dilation 1 across
// columns. The vector of outputs from ow has its last two taps in the even
// and odd lanes E, O of the column maxima from column Base(ow); for k3 the
// first tap is O one lane up, with the column maximum at Base(ow) - 1 (the
// previous vector's last O) in lane 0.
template <int kKernel>
struct ColumnsFirstGeometry {
  ColumnsFirstGeometry(const internal::Plan& plan, int64_t lanes)
      : width(plan.w.in),
        out(plan.w.out),
        pad(plan.w.pad_begin),
        full_end(out / lanes * lanes),
        windows(MakeWindowRows(plan.h)),
        steady(plan.h, windows, kKernel) {
    // Vectors from ow in [unmasked_begin, unmasked_end), ow a multiple of
    // the lanes, read only columns inside the row.
    int64_t unmasked_begin = 0;
    while (Base(unmasked_begin) < 0) unmasked_begin += lanes;
    int64_t unmasked_end = unmasked_begin;
    while (Base(unmasked_end) + 2 * lanes <= width) unmasked_end += lanes;
    head_end = std::min(unmasked_begin, full_end);
    body_end = std::max(head_end, std::min(unmasked_end, full_end));
    const int64_t last = out - lanes;  // the overlapping last vector's ow
    all_unmasked = out >= lanes && head_end == 0 && body_end == full_end &&
                   (full_end == out || (Base(last) >= 0 && Base(last) + 2 * lanes <= width)) &&
                   (kKernel == 2 || Base(0) >= 0);
  }
  int64_t Base(int64_t ow) const { return 2 * ow - pad + kKernel - 2; }

  int64_t width, out, pad;
  // Full vectors from ow < head_end are masked, then unmasked up to
  // body_end, masked again up to full_end; a last vector from out - lanes
  // overlaps its predecessor if full_end < out.
  int64_t full_end, head_end = 0, body_end = 0;
  // Every vector of a row, the overlapping last one too, reads only columns
  // inside the row; k3: the first vector's carry, column Base(0) - 1, is
  // inside the row or the padding column -1.
  bool all_unmasked = false;
  std::vector<WindowRows> windows;  // by output row
  SteadyRun steady;
};

// The window rows of one output row, in memory: `rows[0, num_rows)`, of
// which those from first_new on go into the probe. Row r is input row h,
// and h * W = first_offset + r * offset_step (for indices).
struct ColumnsFirstWindow {
  const float* const* rows;
  int64_t num_rows, first_new;
  int32_t first_offset, offset_step;
};

// The plane index (h * W + x) of lanes that are no tap: it loses every tie.
constexpr int32_t kNoTap = std::numeric_limits<int32_t>::max();

// Folds the values v of window row r into a column maximum started by row
// 0, and with indices into the offset (h * W) of its row: the first row of
// equal values keeps it.
template <bool kIndices, class D>
HWY_INLINE void FoldColumnRow(D d, const ColumnsFirstWindow& w, int64_t r, hn::Vec<D> v, hn::Vec<D>& best,
                              hn::Vec<hn::RebindToSigned<D>>& row_offset) {
  if (kIndices) {
    const hn::RebindToSigned<D> di;
    const auto offset = static_cast<int32_t>(w.first_offset + r * w.offset_step);
    row_offset = hn::IfThenElse(hn::RebindMask(di, hn::Gt(v, best)), hn::Set(di, offset), row_offset);
  }
  best = hn::Max(v, best);
  (void)d;
}

// The column maxima at [x, x + N) (kRows rows if not 0). kMasked: lanes
// outside the row are -inf (their loads read a neighbouring row or padding).
// kIndices: `index` receives the plane index of each maximum, the first
// row's of equal values (kNoTap outside the row).
// new_sum and new_bits receive the probe of the rows from first_new on
// alone (zero if none), merged into the running probe once per output
// vector: narrow rows then wait less on the running sum's add latency.
template <bool kIndices, int kRows, bool kMasked, class D>
HWY_INLINE hn::Vec<D> ColumnMax(D d, const ColumnsFirstWindow& w, int64_t x, int64_t width,
                                hn::Vec<D>& new_sum, hn::Vec<hn::RebindToSigned<D>>& new_bits,
                                hn::Vec<hn::RebindToSigned<D>>& index) {
  const hn::RebindToSigned<D> di;
  const auto columns = hn::Add(hn::Iota(di, 0), hn::Set(di, static_cast<int32_t>(x)));
  const auto inside = kMasked ? ColumnsInRow(d, columns, width) : hn::FirstN(d, 0);
  auto best = hn::Zero(d);
  auto row_offset = hn::Set(di, w.first_offset);
  new_sum = hn::Zero(d);
  new_bits = hn::Zero(di);
  // kRows != 0 only for steady windows (SteadyRun): a constant saves a
  // branch per row.
  HWY_DASSERT(kRows == 0 || w.first_new == kRows - 2);
  const int64_t first_new = kRows != 0 ? kRows - 2 : w.first_new;
  for (int64_t r = 0; r < (kRows != 0 ? kRows : w.num_rows); ++r) {
    auto v = hn::LoadU(d, w.rows[r] + x);
    if (kMasked) v = hn::IfThenElse(inside, v, hn::Set(d, -kInfinity));
    if (r == first_new) {  // starts the partial probe: one add fewer than from zero
      StartProbe(d, v, new_sum, new_bits);
    } else if (r > first_new) {
      AddToProbe(d, v, new_sum, new_bits);
    }
    if (r == 0) {
      best = v;
      continue;
    }
    FoldColumnRow<kIndices>(d, w, r, v, best, row_offset);
  }
  if (kIndices) {
    index = hn::Add(row_offset, columns);
    if (kMasked) index = hn::IfThenElse(hn::RebindMask(di, inside), index, hn::Set(di, kNoTap));
  }
  return best;
}

// A vector whose lanes are the column maximum at x (-inf outside the row),
// and `index` one whose lanes are its plane index (kNoTap outside). Vector
// maxima instead of scalar branches, which random data mispredicts.
template <bool kIndices, class D>
HWY_INLINE hn::Vec<D> ColumnMaxAt(D d, const ColumnsFirstWindow& w, int64_t x, int64_t width,
                                  hn::Vec<D>& sum, hn::Vec<hn::RebindToSigned<D>>& bits,
                                  hn::Vec<hn::RebindToSigned<D>>& index) {
  const hn::RebindToSigned<D> di;
  index = hn::Set(di, kNoTap);
  if (x < 0 || x >= width) return hn::Set(d, -kInfinity);
  auto best = hn::Set(d, w.rows[0][x]);
  auto row_offset = hn::Set(di, w.first_offset);
  if (w.first_new == 0) AddToProbe(d, best, sum, bits);
  for (int64_t r = 1; r < w.num_rows; ++r) {
    const auto v = hn::Set(d, w.rows[r][x]);
    if (r >= w.first_new) AddToProbe(d, v, sum, bits);
    FoldColumnRow<kIndices>(d, w, r, v, best, row_offset);
  }
  if (kIndices) index = hn::Add(row_offset, hn::Set(di, static_cast<int32_t>(x)));
  return best;
}

// Highway's lane-permutation indices for tag D.
template <class D>
using LaneIndices = decltype(hn::IndicesFromVec(D(), hn::Zero(hn::RebindToSigned<D>())));

// Lane i takes lane i - 1, lane 0 the last.
template <class D>
HWY_INLINE LaneIndices<D> LaneBelow(D d) {
  const hn::RebindToSigned<D> di;
  const auto iota = hn::Iota(di, 0);
  const auto below = hn::Sub(iota, hn::Set(di, 1));
  return hn::IndicesFromVec(
      d, hn::IfThenElse(hn::Eq(iota, hn::Zero(di)), hn::Set(di, static_cast<int32_t>(hn::Lanes(d) - 1)), below));
}

// TableLookupLanes of int32 lanes with the indices of float tag D.
template <class D>
HWY_INLINE hn::Vec<hn::RebindToSigned<D>> LookupIndexLanes(D d, hn::Vec<hn::RebindToSigned<D>> v,
                                                           LaneIndices<D> lanes) {
  return hn::BitCast(hn::RebindToSigned<D>(), hn::TableLookupLanes(hn::BitCast(d, v), lanes));
}

// The outputs from ow (and kIndices their plane indices in `index`). k3:
// `carry` is the column maximum at Base(ow) - 1 in lane 0 (its index in
// carry_index), and on return that of the vector from ow + N (the odd
// lanes one lane up). kMasked: unless the vector's columns are all inside
// the row.
template <bool kIndices, int kKernel, int kRows, bool kMasked, class D>
HWY_INLINE hn::Vec<D> ColumnsFirstVector(D d, const ColumnsFirstGeometry<kKernel>& g,
                                         const ColumnsFirstWindow& w, int64_t ow,
                                         LaneIndices<D> lane_below, hn::Vec<D>& carry,
                                         hn::Vec<hn::RebindToSigned<D>>& carry_index,
                                         hn::Vec<D>& sum, hn::Vec<hn::RebindToSigned<D>>& bits,
                                         hn::Vec<hn::RebindToSigned<D>>& index) {
  const hn::RebindToSigned<D> di;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const int64_t b = g.Base(ow);
  const bool masked = kMasked && (b < 0 || b + 2 * N > g.width);
  auto lo_sum = hn::Zero(d), hi_sum = lo_sum;
  auto lo_bits = hn::Zero(di), hi_bits = lo_bits;
  auto lo_index = hn::Zero(di), hi_index = lo_index;
  const auto lo = masked ? ColumnMax<kIndices, kRows, true>(d, w, b, g.width, lo_sum, lo_bits, lo_index)
                         : ColumnMax<kIndices, kRows, false>(d, w, b, g.width, lo_sum, lo_bits, lo_index);
  const auto hi = masked
                      ? ColumnMax<kIndices, kRows, true>(d, w, b + N, g.width, hi_sum, hi_bits, hi_index)
                      : ColumnMax<kIndices, kRows, false>(d, w, b + N, g.width, hi_sum, hi_bits, hi_index);
  MergeProbe(d, hi_sum, hi_bits, lo_sum, lo_bits);
  MergeProbe(d, lo_sum, lo_bits, sum, bits);
  const auto odd = hn::ConcatOdd(d, hi, lo);
  const auto odd_index = kIndices ? hn::ConcatOdd(di, hi_index, lo_index) : lo_index;
  const auto even = hn::ConcatEven(d, hi, lo);
  auto result = hn::Max(even, odd);
  // k3: the window's first column and its plane indices (k2 has none).
  auto first_tap = even;
  auto first_index = lo_index;
  if (kKernel == 3) {
    const auto odd_up = hn::TableLookupLanes(odd, lane_below);
    const auto first = hn::FirstN(d, 1);
    first_tap = hn::IfThenElse(first, carry, odd_up);
    result = hn::Max(first_tap, result);
    carry = odd_up;
    if (kIndices) {
      const auto odd_up_index = LookupIndexLanes(d, odd_index, lane_below);
      first_index = hn::IfThenElse(hn::RebindMask(di, first), carry_index, odd_up_index);
      carry_index = odd_up_index;
    }
  }
  if (kIndices) {
    // The least plane index, the scan order's first, among the taps equal
    // to the maximum.
    const auto even_index = hn::ConcatEven(di, hi_index, lo_index);
    index = hn::IfThenElse(hn::RebindMask(di, hn::Eq(even, result)), even_index, hn::Set(di, kNoTap));
    index = hn::IfThenElse(hn::RebindMask(di, hn::Eq(odd, result)), hn::Min(index, odd_index), index);
    if (kKernel == 3) {
      index = hn::IfThenElse(hn::RebindMask(di, hn::Eq(first_tap, result)), hn::Min(index, first_index), index);
    }
  }
  if (kIndices && masked) {  // windows without a column inside the row: index -1
    const auto no_tap = hn::Eq(index, hn::Set(di, kNoTap));
    index = hn::IfThenElse(no_tap, hn::Set(di, -1), index);
  }
  return result;
}

// One output row (kRows window rows if not 0), and kIndices its indices.
// lane_below: lane i takes lane i - 1, lane 0 the last.
template <bool kIndices, int kKernel, int kRows, class D, class Index>
HWY_INLINE void ColumnsFirstRow(D d, const ColumnsFirstGeometry<kKernel>& g, const ColumnsFirstWindow& w,
                                LaneIndices<D> lane_below, hn::Vec<D>& sum,
                                hn::Vec<hn::RebindToSigned<D>>& bits, float* HWY_RESTRICT out,
                                Index* HWY_RESTRICT out_index) {
  const hn::RebindToSigned<D> di;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  auto carry_index = hn::Zero(di), index = carry_index;
  auto carry = kKernel == 3 ? ColumnMaxAt<kIndices>(d, w, g.Base(0) - 1, g.width, sum, bits, carry_index) : hn::Zero(d);
  if (g.out < N) {  // narrower than a vector: through a buffer
    HWY_ALIGN float buffer[HWY_MAX_BYTES / sizeof(float)];
    HWY_ALIGN Index index_buffer[HWY_MAX_BYTES / sizeof(float)];
    hn::Store(ColumnsFirstVector<kIndices, kKernel, kRows, true>(d, g, w, 0, lane_below, carry, carry_index, sum,
                                                                 bits, index),
              d, buffer);
    std::copy(buffer, buffer + g.out, out);
    if (kIndices) {
      StoreIndices<false>(di, index, index_buffer);
      std::copy(index_buffer, index_buffer + g.out, out_index);
    }
    return;
  }
  const auto store = [&](hn::Vec<D> v, int64_t ow) {
    hn::StoreU(v, d, out + ow);
    if (kIndices) StoreIndices<false>(di, index, out_index + ow);
  };
  int64_t ow = 0;
  for (; ow < g.head_end; ow += N) {
    store(ColumnsFirstVector<kIndices, kKernel, kRows, true>(d, g, w, ow, lane_below, carry, carry_index, sum,
                                                             bits, index),
          ow);
  }
  for (; ow < g.body_end; ow += N) {
    store(ColumnsFirstVector<kIndices, kKernel, kRows, false>(d, g, w, ow, lane_below, carry, carry_index, sum,
                                                              bits, index),
          ow);
  }
  for (; ow < g.full_end; ow += N) {
    store(ColumnsFirstVector<kIndices, kKernel, kRows, true>(d, g, w, ow, lane_below, carry, carry_index, sum,
                                                             bits, index),
          ow);
  }
  if (g.full_end < g.out) {  // the last vector overlaps its predecessor
    ow = g.out - N;
    // Its carry, column Base(ow) - 1, is odd lane ow - full_end + N - 1 of
    // the previous vector: lane out - full_end of `carry`.
    if (kKernel == 3) {
      const auto lane = hn::IndicesFromVec(d, hn::Set(di, static_cast<int32_t>(g.out - g.full_end)));
      carry = hn::TableLookupLanes(carry, lane);
      if (kIndices) carry_index = LookupIndexLanes(d, carry_index, lane);
    }
    store(ColumnsFirstVector<kIndices, kKernel, kRows, true>(d, g, w, ow, lane_below, carry, carry_index, sum,
                                                             bits, index),
          ow);
  }
}

// The column maxima at p of the kKernel (2 or 3) rows of a window, `pitch`
// floats apart, all inside the rows. Rows from kProbeFrom on go into the
// probe.
template <int kKernel, int kProbeFrom, class D>
HWY_INLINE hn::Vec<D> UnmaskedColumnMax(D d, const float* HWY_RESTRICT p, int64_t pitch, hn::Vec<D>& sum,
                                        hn::Vec<hn::RebindToSigned<D>>& bits) {
  static_assert(kKernel == 2 || kKernel == 3, "a row pair or triple");
  static_assert(kProbeFrom == 0 || kProbeFrom == kKernel - 2, "probes the new rows or all");
  const hn::RebindToSigned<D> di;
  auto v0 = hn::LoadU(d, p);
  KeepInRegister(v0);
  auto v1 = hn::LoadU(d, p + pitch);
  KeepInRegister(v1);
  auto v2 = v1;
  if (kKernel == 3) {
    v2 = hn::LoadU(d, p + 2 * pitch);
    KeepInRegister(v2);
  }
  // The probed rows: kProbeFrom on, of v0, v1 and (kKernel 3) v2.
  auto part_sum = kProbeFrom == 0 ? v0 : v1;
  auto part_bits = hn::BitCast(di, part_sum);
  if (kProbeFrom == 0) {
    part_sum = hn::Add(part_sum, v1);
    part_bits = hn::Min(part_bits, hn::BitCast(di, v1));
  }
  if (kKernel == 3) {
    part_sum = hn::Add(part_sum, v2);
    part_bits = hn::Min(part_bits, hn::BitCast(di, v2));
  }
  MergeProbe(d, part_sum, part_bits, sum, bits);
  const auto best = hn::Max(v1, v0);
  return kKernel == 3 ? hn::Max(v2, best) : best;
}

// Output rows [out, out_end) of a plane without indices, each a window of
// kKernel rows `pitch` floats apart, whose vectors read only columns inside
// the rows (ColumnsFirstGeometry::all_unmasked); `first` is the first
// window's top row at column Base(0), the next window's `step` floats on.
// Rows from kProbeFrom on go into the probe. kCarry (k3): column Base(0) - 1
// is inside the row, else it is padding. Returns false if the rows may hold
// NaN or -0 (see MaxPlaneColumnsFirst). Computes what ColumnsFirstRow does,
// in a function of its own that keeps the geometry in registers: inlined
// in the plane's loop, GCC reloaded it after every output store (which may
// alias anything). With KeepInRegister, alexnet NCHW takes 0.70x the time
// of ColumnsFirstRow, ResNet's stem 0.86x.
template <int kKernel, int kProbeFrom, bool kCarry, class D>
HWY_NOINLINE bool UnmaskedRows(D d, const float* HWY_RESTRICT first, int64_t pitch, int64_t step,
                               int64_t full_end, int64_t out_w, float* HWY_RESTRICT out, const float* out_end) {
  const hn::RebindToSigned<D> di;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const auto lane_below = LaneBelow(d);
  const auto carry_lane = hn::IndicesFromVec(d, hn::Set(di, static_cast<int32_t>(out_w - full_end)));
  const auto first_lane = hn::FirstN(d, 1);
  auto sum = hn::Zero(d);
  auto bits = hn::Zero(di);
  for (; out != out_end; out += out_w, first += step) {
    auto carry = hn::Set(d, -kInfinity);
    if (kCarry) carry = UnmaskedColumnMax<kKernel, kProbeFrom>(d, first - 1, pitch, sum, bits);
    const auto vector_at = [&](int64_t ow) {
      const float* p = first + 2 * ow;
      const auto lo = UnmaskedColumnMax<kKernel, kProbeFrom>(d, p, pitch, sum, bits);
      const auto hi = UnmaskedColumnMax<kKernel, kProbeFrom>(d, p + N, pitch, sum, bits);
      const auto odd = hn::ConcatOdd(d, hi, lo);
      auto result = hn::Max(hn::ConcatEven(d, hi, lo), odd);
      if (kKernel == 3) {
        const auto odd_up = hn::TableLookupLanes(odd, lane_below);
        result = hn::Max(hn::IfThenElse(first_lane, carry, odd_up), result);
        carry = odd_up;
      }
      hn::StoreU(result, d, out + ow);
    };
    for (int64_t ow = 0; ow < full_end; ow += N) vector_at(ow);
    if (full_end < out_w) {  // the last vector overlaps its predecessor
      if (kKernel == 3) carry = hn::TableLookupLanes(carry, carry_lane);  // see ColumnsFirstRow
      vector_at(out_w - N);
    }
  }
  return OrderFree(d, sum, bits);
}

// UnmaskedRows for output rows [oh, oh + count) of plane p, whose windows
// hold kKernel rows each; kProbeFrom as there.
template <int kKernel, int kProbeFrom, class D>
bool UnmaskedRowsAt(D d, const internal::Plan& plan, const ColumnsFirstGeometry<kKernel>& g,
                    const float* HWY_RESTRICT src, float* HWY_RESTRICT dst, int64_t p, int64_t oh, int64_t count) {
  const float* first = src + p * plan.in_plane + g.windows[static_cast<size_t>(oh)].first * plan.w.in + g.Base(0);
  const int64_t pitch = plan.h.dilation * plan.w.in, step = plan.h.stride * plan.w.in;
  float* out = dst + (p * plan.h.out + oh) * g.out;
  const float* out_end = out + count * g.out;
  return kKernel == 3 && g.Base(0) >= 1
             ? UnmaskedRows<kKernel, kProbeFrom, true>(d, first, pitch, step, g.full_end, g.out, out, out_end)
             : UnmaskedRows<kKernel, kProbeFrom, false>(d, first, pitch, step, g.full_end, g.out, out, out_end);
}

// Points rows[0, count) at the window rows of plane p (kCount: count if
// not 0), from `copies` unless that is null (every row read in place).
// Returns the window of those rows.
template <int kCount>
HWY_INLINE ColumnsFirstWindow FindWindowRows(const internal::Plan& plan, const WindowRows& window,
                                             const float* src, int64_t p, InPlaceRows* copies,
                                             const float** rows) {
  const int64_t count = kCount != 0 ? kCount : window.count;
  const int64_t dh = plan.h.dilation;
  if (copies == nullptr) {
    const float* first = src + p * plan.in_plane + window.first * plan.w.in;
    for (int64_t r = 0; r < count; ++r) rows[r] = first + r * dh * plan.w.in;
  } else {
    for (int64_t r = 0; r < count; ++r) rows[r] = copies->Row(src, p, window.first + r * dh);
  }
  return ColumnsFirstWindow{rows, count, window.first_new, static_cast<int32_t>(window.first * plan.w.in),
                            static_cast<int32_t>(dh * plan.w.in)};
}

// Plane p columns first (kRows: the kernel height), and kIndices its
// indices. Returns false, its outputs to be recomputed, if its input may
// hold NaN or -0. `rows` has room for the kernel height.
template <bool kIndices, int kKernel, int kRows, class D, class Index>
bool MaxPlaneColumnsFirst(D d, const internal::Plan& plan, const ColumnsFirstGeometry<kKernel>& g,
                          const float* HWY_RESTRICT src, float* HWY_RESTRICT dst, Index* HWY_RESTRICT indices,
                          InPlaceRows& input_rows, const float** rows, int64_t p) {
  const hn::RebindToSigned<D> di;
  const internal::Axis& ah = plan.h;
  const bool prefetch = PrefetchInput(plan);
  const auto lane_below = LaneBelow(d);
  auto sum = hn::Zero(d);
  auto bits = hn::Zero(di);
  input_rows.NewPlane();
  InPlaceRows* copies = input_rows.PlaneInPlace(p) ? nullptr : &input_rows;
  float* out = dst + p * ah.out * g.out;
  Index* out_index = kIndices ? indices + p * ah.out * g.out : nullptr;
  const auto next_row = [&] {
    out += g.out;
    if (kIndices) out_index += g.out;
  };
  int64_t oh = 0;
  // In place, the steady windows' rows are stepped through with no lookup
  // per output row (alexnet NCHW: 0.85x the time, resnet 0.90-0.92x).
  if (kRows == kKernel && copies == nullptr && !prefetch && g.steady.begin < g.steady.end) {
    for (; oh < g.steady.begin; ++oh, next_row()) {  // windows with rows (see SteadyRun)
      const ColumnsFirstWindow w = FindWindowRows<0>(plan, g.windows[static_cast<size_t>(oh)], src, p, nullptr, rows);
      ColumnsFirstRow<kIndices, kKernel, 0>(d, g, w, lane_below, sum, bits, out, out_index);
    }
    const float* steady_rows[kRows];
    ColumnsFirstWindow w = FindWindowRows<kRows>(plan, g.windows[static_cast<size_t>(oh)], src, p, nullptr,
                                                 steady_rows);
    const int64_t step = ah.stride * plan.w.in;
    for (; oh < g.steady.end; ++oh, next_row()) {
      ColumnsFirstRow<kIndices, kKernel, kRows>(d, g, w, lane_below, sum, bits, out, out_index);
      for (int64_t r = 0; r < kRows; ++r) steady_rows[r] += step;
      w.first_offset += static_cast<int32_t>(step);
    }
  }
  for (; oh < ah.out; ++oh, next_row()) {
    const WindowRows& window = g.windows[static_cast<size_t>(oh)];
    if (window.count == 0) {  // no input row: -inf, index -1
      std::fill(out, out + g.out, -kInfinity);
      if (kIndices) std::fill(out_index, out_index + g.out, Index{-1});
      continue;
    }
    if (prefetch) PrefetchAhead(plan, src, p, oh);
    // Steady states: k3s2 shares one row with the previous output row,
    // k2s2 none.
    if (window.count == kRows && window.first_new == kRows - 2) {
      const ColumnsFirstWindow w = FindWindowRows<kRows>(plan, window, src, p, copies, rows);
      ColumnsFirstRow<kIndices, kKernel, kRows>(d, g, w, lane_below, sum, bits, out, out_index);
    } else {
      const ColumnsFirstWindow w = FindWindowRows<0>(plan, window, src, p, copies, rows);
      ColumnsFirstRow<kIndices, kKernel, 0>(d, g, w, lane_below, sum, bits, out, out_index);
    }
  }
  return OrderFree(d, sum, bits);
}

// Plane p columns first without indices, for a geometry whose vectors all
// read inside the rows (ColumnsFirstGeometry::all_unmasked), so that every
// row is read in place; windows of kKernel rows take UnmaskedRows. Returns
// false, as MaxPlaneColumnsFirst, if the plane may hold NaN or -0. `rows`
// has room for the kernel height.
template <int kKernel, class D>
bool MaxPlaneUnmasked(D d, const internal::Plan& plan, const ColumnsFirstGeometry<kKernel>& g,
                      const float* HWY_RESTRICT src, float* HWY_RESTRICT dst, const float** rows, int64_t p) {
  const hn::RebindToSigned<D> di;
  const auto lane_below = LaneBelow(d);
  auto sum = hn::Zero(d);  // the probe of rows that take ColumnsFirstRow
  auto bits = hn::Zero(di);
  bool order_free = true;
  for (int64_t oh = 0; oh < plan.h.out;) {
    const WindowRows& window = g.windows[static_cast<size_t>(oh)];
    float* out = dst + (p * plan.h.out + oh) * g.out;
    if (oh == g.steady.begin && g.steady.begin < g.steady.end) {  // only the new rows into the probe
      order_free &= UnmaskedRowsAt<kKernel, kKernel - 2>(d, plan, g, src, dst, p, oh, g.steady.end - oh);
      oh = g.steady.end;
      continue;
    }
    if (window.count == kKernel) {
      order_free &= UnmaskedRowsAt<kKernel, 0>(d, plan, g, src, dst, p, oh, 1);
    } else if (window.count == 0) {  // no input row: -inf
      std::fill(out, out + g.out, -kInfinity);
    } else {
      const ColumnsFirstWindow w = FindWindowRows<0>(plan, window, src, p, nullptr, rows);
      ColumnsFirstRow<false, kKernel, 0>(d, g, w, lane_below, sum, bits, out, static_cast<int64_t*>(nullptr));
    }
    ++oh;
  }
  return order_free && OrderFree(d, sum, bits);
}

// Stores the column maxima of window w at columns [0, width) (width at
// least a vector; kRows rows if not 0) to row_max, and probes its new rows.
template <int kRows, class D>
HWY_INLINE void StoreColumnMaxima(D d, const ColumnsFirstWindow& w, int64_t width, hn::Vec<D>& sum,
                                  hn::Vec<hn::RebindToSigned<D>>& bits, float* HWY_RESTRICT row_max) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  auto part_sum = sum;
  auto part_bits = bits;
  auto unused_index = part_bits;
  for (int64_t x = 0; x < width; x += N) {
    x = std::min(x, width - N);  // the last vector overlaps its predecessor
    hn::StoreU(ColumnMax<false, kRows, false>(d, w, x, width, part_sum, part_bits, unused_index), d,
               row_max + x);
    MergeProbe(d, part_sum, part_bits, sum, bits);
  }
}

// The column maxima of a plane whose windows are all one steady run of row
// pairs (SteadyRun) from `first_row` on, each row `width` wide, one or two
// vectors (ColumnPairsApply): the rows are stepped through, with no lookup
// per output row (vgg_deep NCHW: 0.8x the time of the general loop in
// MaxPlaneColumnPairs).
template <class D>
HWY_INLINE void StoreUniformColumnMaxima(D d, const internal::Plan& plan, const float* first_row, int64_t width,
                                         float* HWY_RESTRICT column_max, hn::Vec<D>& sum,
                                         hn::Vec<hn::RebindToSigned<D>>& bits) {
  const hn::RebindToSigned<D> di;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const int64_t step = plan.h.stride * plan.w.in, below = plan.h.dilation * plan.w.in;
  const float* row = first_row;
  for (int64_t oh = 0; oh < plan.h.out; ++oh, row += step) {
    const auto a0 = hn::LoadU(d, row), b0 = hn::LoadU(d, row + below);
    const auto a1 = hn::LoadU(d, row + width - N), b1 = hn::LoadU(d, row + below + width - N);
    hn::StoreU(hn::Max(b0, a0), d, column_max + oh * width);
    hn::StoreU(hn::Max(b1, a1), d, column_max + oh * width + width - N);
    const auto part_sum = hn::Add(hn::Add(a0, b0), hn::Add(a1, b1));
    const auto part_bits = hn::Min(hn::Min(hn::BitCast(di, a0), hn::BitCast(di, b0)),
                                       hn::Min(hn::BitCast(di, a1), hn::BitCast(di, b1)));
    MergeProbe(d, part_sum, part_bits, sum, bits);
  }
}

// Plane p by column pairs (kRows: the kernel height). `column_max` holds
// 2 * out_h * out_w floats and `rows` the kernel height; `uniform`: the
// windows are all one steady run of row pairs and the input is not
// prefetched. Returns false, its outputs to be recomputed, if its input may
// hold NaN or -0.
template <int kRows, class D>
bool MaxPlaneColumnPairs(D d, const internal::Plan& plan, const std::vector<WindowRows>& windows, bool uniform,
                         const float* HWY_RESTRICT src, float* HWY_RESTRICT dst,
                         float* HWY_RESTRICT column_max, const float** rows, int64_t p) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const internal::Axis& ah = plan.h;
  const int64_t width = 2 * plan.w.out;  // the columns the windows use
  const bool prefetch = PrefetchInput(plan);
  auto sum = hn::Zero(d);
  auto bits = hn::Zero(hn::RebindToSigned<D>());
  if (uniform) {
    const float* first_row = src + p * plan.in_plane + windows[0].first * plan.w.in;
    StoreUniformColumnMaxima(d, plan, first_row, width, column_max, sum, bits);
  } else {
    for (int64_t oh = 0; oh < ah.out; ++oh) {
      const WindowRows& window = windows[static_cast<size_t>(oh)];
      float* row_max = column_max + oh * width;
      if (window.count == 0) {  // no input row: -inf
        std::fill(row_max, row_max + width, -kInfinity);
        continue;
      }
      if (prefetch) PrefetchAhead(plan, src, p, oh);
      // Every load stays inside its row: rows are read in place.
      if (window.count == kRows && window.first_new == 0) {  // k2s2: rows used once
        StoreColumnMaxima<kRows>(d, FindWindowRows<kRows>(plan, window, src, p, nullptr, rows), width, sum,
                                 bits, row_max);
      } else {
        StoreColumnMaxima<0>(d, FindWindowRows<0>(plan, window, src, p, nullptr, rows), width, sum, bits,
                             row_max);
      }
    }
  }
  const int64_t outputs = ah.out * plan.w.out;
  float* out = dst + p * outputs;
  for (int64_t f = 0; f < outputs; f += N) {
    f = std::min(f, outputs - N);
    const auto lo = hn::LoadU(d, column_max + 2 * f), hi = hn::LoadU(d, column_max + 2 * f + N);
    hn::StoreU(hn::Max(hn::ConcatEven(d, hi, lo), hn::ConcatOdd(d, hi, lo)), d, out + f);
  }
  return OrderFree(d, sum, bits);
}
#endif  // HWY_TARGET != HWY_SCALAR

#if HWY_TARGET != HWY_SCALAR
// ------------------------------------------ NCHW values, stride-1 windows
//
// YOLO's SPP (5x5 to 13x13 at stride 1, "same" padding), GoogLeNet's 3x3 at
// stride 1. Where a plane holds no NaN and no -0, its windows' taps may be
// folded in any order (see "columns first"), so the plane is folded
// separably through buffers: its rows are copied between columns of -inf
// padding, each padded row is folded along W with plain loads, and the row
// results along H. That is kw + kh maxima per output instead of kh * kw
// masked taps and their probe. A plane with NaN or -0 (its copy probes it)
// is left to the exact kernel.

// The buffers of one call, reused by every plane: the padded input rows
// (padded column c is input column c - pad_begin) and the row results, at
// `columns` (out_w rounded up to whole vectors) per row.
class StrideOneBuffers {
 public:
  StrideOneBuffers(const internal::Plan& plan, int64_t lanes)
      : columns_(Columns(plan, lanes)),
        padded_pitch_(columns_ + plan.w.kernel - 1),
        padded_(hwy::AllocateAligned<float>(static_cast<size_t>(plan.h.in * padded_pitch_))),
        results_(hwy::AllocateAligned<float>(static_cast<size_t>(plan.h.in * columns_))) {
    if (ok()) std::fill(padded_.get(), padded_.get() + plan.h.in * padded_pitch_, -kInfinity);
  }
  // The floats both buffers take.
  static int64_t Floats(const internal::Plan& plan, int64_t lanes) {
    return plan.h.in * (2 * Columns(plan, lanes) + plan.w.kernel - 1);
  }
  bool ok() const { return padded_ && results_; }
  int64_t columns() const { return columns_; }
  int64_t padded_pitch() const { return padded_pitch_; }
  float* padded(int64_t h) { return padded_.get() + h * padded_pitch_; }
  float* results(int64_t h) { return results_.get() + h * columns_; }

 private:
  static int64_t Columns(const internal::Plan& plan, int64_t lanes) {
    return (plan.w.out + lanes - 1) / lanes * lanes;
  }

  int64_t columns_, padded_pitch_;
  hwy::AlignedFreeUniquePtr<float[]> padded_, results_;
};

// Whether the stride-1 kernel takes a problem of values: windows at least 3
// wide and 2 tall (GoogLeNet's 3x3 took 0.59-0.83x the time of the general
// kernel), and buffers within 16 MiB (taller planes keep the general kernel
// and its ring).
inline bool StrideOneWindowsApply(const internal::Plan& plan, int64_t lanes) {
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  if (ah.stride != 1 || aw.stride != 1 || ah.dilation != 1 || aw.dilation != 1) return false;
  if (aw.kernel < 3 || ah.kernel < 2) return false;
  return StrideOneBuffers::Floats(plan, lanes) <= (int64_t{16} << 20) / static_cast<int64_t>(sizeof(float));
}

// The maximum of the count >= 1 vectors at p, p + step, ... in four chains
// (one alone waits on its latency): any order is exact here.
template <class D>
HWY_INLINE hn::Vec<D> MaxOfVectors(D d, const float* HWY_RESTRICT p, int64_t step, int64_t count) {
  auto m0 = hn::LoadU(d, p);
  auto m1 = m0, m2 = m0, m3 = m0;
  int64_t i = 1;
  for (; i + 4 <= count; i += 4) {
    m0 = hn::Max(m0, hn::LoadU(d, p + i * step));
    m1 = hn::Max(m1, hn::LoadU(d, p + (i + 1) * step));
    m2 = hn::Max(m2, hn::LoadU(d, p + (i + 2) * step));
    m3 = hn::Max(m3, hn::LoadU(d, p + (i + 3) * step));
  }
  for (; i < count; ++i) m0 = hn::Max(m0, hn::LoadU(d, p + i * step));
  return hn::Max(hn::Max(m0, m1), hn::Max(m2, m3));
}

// Plane p of a problem StrideOneWindowsApply takes. Returns false, its
// outputs to be recomputed, if its input holds NaN or -0.
template <class D>
bool MaxPlaneStrideOne(D d, const internal::Plan& plan, const float* HWY_RESTRICT src, float* HWY_RESTRICT dst,
                       StrideOneBuffers& buffers, int64_t p) {
  const hn::RebindToSigned<D> di;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  // The input columns some window reads, copied to padded column pad_begin on.
  const int64_t copied = std::min(aw.in, buffers.padded_pitch() - aw.pad_begin);
  auto sum = hn::Zero(d);
  auto bits = hn::Zero(di);
  for (int64_t h = 0; h < ah.in && copied > 0; ++h) {
    const float* row = src + p * plan.in_plane + h * aw.in;
    float* padded = buffers.padded(h) + aw.pad_begin;
    if (copied < N) {
      std::copy(row, row + copied, padded);
      for (int64_t x = 0; x < copied; ++x) AddToProbe(d, hn::Set(d, row[x]), sum, bits);
      continue;
    }
    for (int64_t x = 0; x < copied; x += N) {
      x = std::min(x, copied - N);  // the last vector overlaps its predecessor
      const auto v = hn::LoadU(d, row + x);
      hn::StoreU(v, d, padded + x);
      AddToProbe(d, v, sum, bits);
    }
  }
  if (!OrderFree(d, sum, bits)) return false;
  // Row results of every input row, along W.
  for (int64_t h = 0; h < ah.in; ++h) {
    const float* padded = buffers.padded(h);
    float* results = buffers.results(h);
    for (int64_t ow = 0; ow < buffers.columns(); ow += N) {
      hn::Store(MaxOfVectors(d, padded + ow, 1, aw.kernel), d, results + ow);
    }
  }
  // Outputs, along H.
  float* out = dst + p * plan.out_plane;
  for (int64_t oh = 0; oh < ah.out; ++oh, out += aw.out) {
    const int64_t rows = ah.tap_end[oh] - ah.tap_begin[oh];
    if (rows == 0) {  // no input row: -inf
      std::fill(out, out + aw.out, -kInfinity);
      continue;
    }
    const float* first = buffers.results(TapInput(ah, oh, ah.tap_begin[oh]));
    const auto fold = [&](int64_t ow) { return MaxOfVectors(d, first + ow, buffers.columns(), rows); };
    if (aw.out < N) {  // narrower than a vector: through a buffer
      HWY_ALIGN float tail[HWY_MAX_BYTES / sizeof(float)];
      hn::Store(fold(0), d, tail);
      std::copy(tail, tail + aw.out, out);
      continue;
    }
    for (int64_t ow = 0; ow < aw.out; ow += N) {
      ow = std::min(ow, aw.out - N);  // the last vector overlaps its predecessor
      hn::StoreU(fold(ow), d, out + ow);
    }
  }
  return true;
}

// 3x3 windows at stride 1 (GoogLeNet's pooling branches): strips of output
// columns walk down the plane as in the 3x3 average kernel, each input row's
// three taps folded once into a row maximum (-inf outside the row and the
// plane) and each output the maximum of three row maxima, all in any order,
// exact where the plane holds no NaN and no -0 (checked first).
inline bool Strips3x3Apply(const internal::Plan& plan, int64_t lanes) {
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  return ah.kernel == 3 && aw.kernel == 3 && ah.stride == 1 && aw.stride == 1 && ah.dilation == 1 &&
         aw.dilation == 1 && aw.out >= lanes;
}

// Output columns [s, s + N) of every output row of plane p (see AvgStrip3x3
// for kMaskedTaps and kInPlace).
template <int kMaskedTaps, bool kInPlace, bool kUp, class D>
HWY_INLINE void MaxStrip3x3(D d, const internal::Plan& plan, const float* HWY_RESTRICT src, int64_t p, int64_t s,
                            InPlaceRows& rows, float* HWY_RESTRICT out) {
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  const int64_t pad = aw.pad_begin, W = aw.in, H = ah.in, out_w = aw.out, top = ah.pad_begin;
  hn::Mask<D> valid0, valid1, valid2;
  StripTapMasks(d, aw, s, valid0, valid1, valid2);
  const auto none = hn::Set(d, -kInfinity);
  const float* plane = src + p * plan.in_plane;
  // The maximum of input row h's taps for output columns [s, s + N).
  const auto row_max = [&](int64_t h) {
    if (h < 0 || h >= H) return none;
    hn::Vec<D> t0, t1, t2;
    LoadRowTaps3<kMaskedTaps>(d, kInPlace ? plane + h * W : rows.Row(src, p, h), s, pad, valid0, valid1, valid2,
                              none, t0, t1, t2);
    return hn::Max(hn::Max(t0, t1), t2);
  };
  out += s;
  // Output row oh takes the row maxima of input rows oh - top + {0, 1, 2}.
  if (kUp) {  // from the last output row up (StripsUp)
    auto b = row_max(ah.out - top), c = row_max(ah.out - top + 1);
    for (int64_t oh = ah.out - 1; oh >= 0; --oh) {
      const auto a = row_max(oh - top);
      hn::StoreU(hn::Max(hn::Max(a, b), c), d, out + oh * out_w);
      c = b;
      b = a;
    }
    return;
  }
  auto a = row_max(-top), b = row_max(1 - top);
  for (int64_t oh = 0; oh < ah.out; ++oh) {
    const auto c = row_max(oh - top + 2);
    hn::StoreU(hn::Max(hn::Max(a, b), c), d, out + oh * out_w);
    a = b;
    b = c;
  }
}

// Plane p by strips (Strips3x3Apply). Returns false, having written
// nothing, if its input holds NaN or -0.
template <bool kUp, class D>
bool MaxPlane3x3Stride1(D d, const internal::Plan& plan, const float* HWY_RESTRICT src, float* HWY_RESTRICT dst,
                        InPlaceRows& rows, int64_t p) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const internal::Axis& aw = plan.w;
  const float* plane = src + p * plan.in_plane;
  auto sum = hn::Zero(d);
  auto bits = hn::Zero(hn::RebindToSigned<D>());
  const int64_t n = plan.in_plane;
  if (n < N) {
    for (int64_t i = 0; i < n; ++i) AddToProbe(d, hn::Set(d, plane[i]), sum, bits);
  } else {
    for (int64_t i = 0; i < n; i += N) AddToProbe(d, hn::LoadU(d, plane + std::min(i, n - N)), sum, bits);
  }
  if (!OrderFree(d, sum, bits)) return false;
  rows.NewPlane();
  const bool in_place = rows.PlaneInPlace(p);
  float* out = dst + p * plan.out_plane;
  for (int64_t s = 0; s < aw.out; s += N) {
    s = std::min(s, aw.out - N);  // the last strip overlaps its predecessor
    WithStripMask(StripTapsOutside(aw, s, N), [&](auto masked_taps) {
      constexpr int kMaskedTaps = decltype(masked_taps)::value;
      if (in_place) {
        MaxStrip3x3<kMaskedTaps, true, kUp>(d, plan, src, p, s, rows, out);
      } else {
        MaxStrip3x3<kMaskedTaps, false, kUp>(d, plan, src, p, s, rows, out);
      }
    });
  }
  return true;
}
#endif  // HWY_TARGET != HWY_SCALAR

// Returns false if the ring could not be allocated. fast_plane(p) may
// compute plane p another way and return true; else the plane is computed
// here.
template <int kStride, int kKernel, bool kIndices, class D, class Index, class FastPlane>
bool MaxPoolNCHW(D d, const internal::Plan& plan, const float* HWY_RESTRICT src, float* HWY_RESTRICT dst,
                 Index* HWY_RESTRICT indices, InPlaceRows& input_rows, const FastPlane& fast_plane) {
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const internal::Axis& ah = plan.h;
  const internal::Axis& aw = plan.w;
  const auto gather_offsets = StrideOffsets(d, aw.stride);
  // Ring of row results: the rows one output row spans are distinct modulo
  // the dilated kernel height, and so are those kept for later output rows.
  const int64_t ring = WindowSpan(ah);
  const int64_t pitch = std::max(aw.out, N);
  // Made at the first plane computed here (fast_plane may take them all).
  hwy::AlignedFreeUniquePtr<float[]> ring_values;
  hwy::AlignedFreeUniquePtr<int32_t[]> ring_index;
  std::unique_ptr<NchwSchedule> schedule;
  const int64_t planes = plan.batch * plan.channels;
  const bool prefetch = PrefetchInput(plan);
  for (int64_t p = 0; p < planes; ++p) {
    if (fast_plane(p)) continue;
    if (!schedule) {
      ring_values = hwy::AllocateAligned<float>(static_cast<size_t>(ring * pitch));
      ring_index = hwy::AllocateAligned<int32_t>(static_cast<size_t>(kIndices ? ring * pitch : 1));
      if (!ring_values || !ring_index) return false;
      schedule.reset(new NchwSchedule(plan, ring_values.get(), kIndices ? ring_index.get() : nullptr, pitch, ring));
    }
    input_rows.NewPlane();
    schedule->NewPlane();
    for (int64_t oh = 0; oh < ah.out; ++oh) {
      const int64_t o = (p * ah.out + oh) * aw.out;
      float* out = dst + o;
      Index* out_index = kIndices ? indices + o : nullptr;
      const int64_t num_rows = ah.tap_end[oh] - ah.tap_begin[oh];
      if (num_rows == 0) {  // no input row: -inf, index -1
        std::fill(out, out + aw.out, -kInfinity);
        if (kIndices) std::fill(out_index, out_index + aw.out, Index{-1});
        continue;
      }
      WindowRow* window = schedule->Window(oh);
      for (int64_t r = 0; r < num_rows; ++r) {
        window[r].input = input_rows.Row(src, p, TapInput(ah, oh, ah.tap_begin[oh] + r));
      }
      if (prefetch) PrefetchAhead(plan, src, p, oh);
      const int pattern = schedule->Pattern(oh);
      if (pattern == 1) {
        MaxOutputRow<kStride, kKernel, kIndices, 3, 1, 4>(d, plan, window, num_rows, gather_offsets, out, out_index);
      } else if (pattern == 2) {
        MaxOutputRow<kStride, kKernel, kIndices, 2, 0, 0>(d, plan, window, num_rows, gather_offsets, out, out_index);
      } else {
        MaxOutputRow<kStride, kKernel, kIndices, 0, 0, 0>(d, plan, window, num_rows, gather_offsets, out, out_index);
      }
    }
  }
  return true;
}

#if HWY_TARGET != HWY_SCALAR
// Max of a stride-2 kernel kKernel wide (and kIndices the indices):
// columns first, each plane that may hold NaN or -0 by the exact kernel.
template <bool kIndices, int kKernel, class D, class Index>
bool MaxPoolNCHWColumnsFirst(D d, const internal::Plan& plan, const float* src, float* dst, Index* indices,
                             InPlaceRows& input_rows) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  std::vector<const float*> window_rows(static_cast<size_t>(plan.h.kernel));
  if (!kIndices && kKernel == 2 && ColumnPairsApply(plan, lanes)) {
    const std::vector<WindowRows> windows = MakeWindowRows(plan.h);
    // Prefetching inputs take the general loop, which prefetches.
    const SteadyRun steady(plan.h, windows, 2);
    const bool uniform = steady.begin == 0 && steady.end == plan.h.out && steady.end > 0 &&
                         !PrefetchInput(plan);
    auto column_max = hwy::AllocateAligned<float>(static_cast<size_t>(2 * plan.h.out * plan.w.out));
    if (!column_max) return false;
    return MaxPoolNCHW<2, kKernel, false>(d, plan, src, dst, static_cast<Index*>(nullptr), input_rows, [&](int64_t p) {
      return MaxPlaneColumnPairs<2>(d, plan, windows, uniform, src, dst, column_max.get(), window_rows.data(), p);
    });
  }
  const ColumnsFirstGeometry<kKernel> geometry(plan, lanes);
  if (!kIndices && geometry.all_unmasked && !PrefetchInput(plan)) {
    return MaxPoolNCHW<2, kKernel, false>(d, plan, src, dst, indices, input_rows, [&](int64_t p) {
      return MaxPlaneUnmasked<kKernel>(d, plan, geometry, src, dst, window_rows.data(), p);
    });
  }
  return MaxPoolNCHW<2, kKernel, kIndices>(d, plan, src, dst, indices, input_rows, [&](int64_t p) {
    return MaxPlaneColumnsFirst<kIndices, kKernel, kKernel>(d, plan, geometry, src, dst, indices, input_rows,
                                                            window_rows.data(), p);
  });
}
#endif

// The NCHW kernel with vectors of tag D. Returns false if the row buffers
// could not be allocated.
template <bool kIndices, class D, class Index>
bool MaxPoolNCHWWith(D d, const internal::Plan& plan, const float* src, float* dst, Index* indices) {
  const int64_t ring = WindowSpan(plan.h);  // rows one output row spans
  InPlaceRows rows(plan, hn::Lanes(d), ring, -kInfinity);
  if (!rows.ok()) return false;
  const int64_t s = plan.w.stride, k = plan.w.kernel, dw = plan.w.dilation;
  const auto exact_only = [](int64_t) { return false; };
#if HWY_TARGET != HWY_SCALAR
  if (!kIndices && Strips3x3Apply(plan, static_cast<int64_t>(hn::Lanes(d)))) {
    // Each step's 3 loads and 4 maxima: the stores of the last 16 steps
    // delay a load (measured on GoogLeNet's 28x28).
    if (StripsUp(plan, src, dst, 16)) {
      return MaxPoolNCHW<1, 3, false>(d, plan, src, dst, indices, rows, [&](int64_t p) {
        return MaxPlane3x3Stride1<true>(d, plan, src, dst, rows, p);
      });
    }
    return MaxPoolNCHW<1, 3, false>(d, plan, src, dst, indices, rows, [&](int64_t p) {
      return MaxPlane3x3Stride1<false>(d, plan, src, dst, rows, p);
    });
  }
  if (!kIndices && StrideOneWindowsApply(plan, static_cast<int64_t>(hn::Lanes(d)))) {
    StrideOneBuffers buffers(plan, static_cast<int64_t>(hn::Lanes(d)));
    if (buffers.ok()) {
      return MaxPoolNCHW<1, 0, false>(d, plan, src, dst, indices, rows, [&](int64_t p) {
        return MaxPlaneStrideOne(d, plan, src, dst, buffers, p);
      });
    }
  }
  // Stride-2 k2/k3 rows (ResNet, VGG, AlexNet): columns first.
  if (dw == 1 && s == 2 && k == 2) return MaxPoolNCHWColumnsFirst<kIndices, 2>(d, plan, src, dst, indices, rows);
  if (dw == 1 && s == 2 && k == 3) return MaxPoolNCHWColumnsFirst<kIndices, 3>(d, plan, src, dst, indices, rows);
#endif
  // The common ResNet/VGG/AlexNet/Inception shapes get fixed trip counts
  // (kernel specialisations assume dilation 1).
  if (dw == 1 && s == 2 && k == 2) return MaxPoolNCHW<2, 2, kIndices>(d, plan, src, dst, indices, rows, exact_only);
  if (dw == 1 && s == 2 && k == 3) return MaxPoolNCHW<2, 3, kIndices>(d, plan, src, dst, indices, rows, exact_only);
  if (dw == 1 && s == 1 && k == 3) return MaxPoolNCHW<1, 3, kIndices>(d, plan, src, dst, indices, rows, exact_only);
  if (s == 1) return MaxPoolNCHW<1, 0, kIndices>(d, plan, src, dst, indices, rows, exact_only);
  if (s == 2) return MaxPoolNCHW<2, 0, kIndices>(d, plan, src, dst, indices, rows, exact_only);
  return MaxPoolNCHW<0, 0, kIndices>(d, plan, src, dst, indices, rows, exact_only);
}

// The layouts' entry points, one per translation unit (max_pool_nchw.cc,
// max_pool_nhwc.cc). Index: int64_t or int32_t; indices null for values
// alone, which share one instantiation for both index types.
template <class Index>
void MaxPool2DNHWC(const internal::Plan& plan, const float* HWY_RESTRICT src, float* HWY_RESTRICT dst,
                   Index* HWY_RESTRICT indices) {
  if (indices) {
    MaxPoolNHWC<true>(plan, src, dst, indices);
  } else {
    MaxPoolNHWC<false>(plan, src, dst, static_cast<int64_t*>(nullptr));
  }
}

// Returns false if the row buffers could not be allocated.
template <class Index>
bool MaxPool2DNCHW(const internal::Plan& plan, const float* HWY_RESTRICT src, float* HWY_RESTRICT dst,
                   Index* HWY_RESTRICT indices) {
  // Column pairs use full vectors (WithRowTag picks 8 lanes for rows narrower).
  const int64_t full_lanes = static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>()));
  const bool column_pairs = indices == nullptr && ColumnPairsApply(plan, full_lanes);
  return WithRowTag(column_pairs ? full_lanes : plan.w.out, [&](auto d) {
    return indices ? MaxPoolNCHWWith<true>(d, plan, src, dst, indices)
                   : MaxPoolNCHWWith<false>(d, plan, src, dst, static_cast<int64_t*>(nullptr));
  });
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace kernels
}  // namespace simdpool
HWY_AFTER_NAMESPACE();

#endif  // toggle guard
