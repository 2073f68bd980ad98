#include "pool_reference.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace simdpool {
namespace reference {
namespace {

// Where element (n, c, h, w) lives in a dense tensor of the given layout.
struct Layout {
  bool channels_last;
  int64_t channels, height, width;
  int64_t Offset(int64_t n, int64_t c, int64_t h, int64_t w) const {
    if (channels_last) return ((n * height + h) * width + w) * channels + c;
    return ((n * channels + c) * height + h) * width + w;
  }
};

// Max over the valid taps in scan order (rows, then columns). PyTorch's rule:
// a tap replaces the best so far iff it is greater or NaN, so ties keep the
// first element, +0/-0 keep the first sign and a NaN's index is the last NaN.
// The best starts at -inf with the first valid tap's index; a window without
// valid taps yields -inf and index -1.
void MaxWindow(const float* plane_src, const Layout& in, int64_t n, int64_t c, int64_t h0,
               int64_t w0, int64_t kh, int64_t kw, int64_t dh, int64_t dw, float* value,
               int64_t* index) {
  float best = -std::numeric_limits<float>::infinity();
  int64_t best_index = -1;
  for (int64_t i = 0; i < kh; ++i) {
    const int64_t h = h0 + i * dh;
    if (h < 0 || h >= in.height) continue;
    for (int64_t j = 0; j < kw; ++j) {
      const int64_t w = w0 + j * dw;
      if (w < 0 || w >= in.width) continue;
      const float v = plane_src[in.Offset(n, c, h, w)];
      if (best_index < 0) best_index = h * in.width + w;
      if (v > best || std::isnan(v)) {
        best = v;
        best_index = h * in.width + w;
      }
    }
  }
  *value = best;
  *index = best_index;
}

// Average: sum the taps inside the input in scan order starting from +0, then
// divide once by the PyTorch divisor (no reciprocal). An empty window is 0.
float AvgWindow(const float* src, const Layout& in, int64_t n, int64_t c, int64_t h0, int64_t w0,
                const simdpool_problem& p) {
  const int64_t kh = p.kernel[0], kw = p.kernel[1];
  float sum = 0.0f;
  int64_t valid = 0;
  for (int64_t h = h0; h < h0 + kh; ++h) {
    if (h < 0 || h >= in.height) continue;
    for (int64_t w = w0; w < w0 + kw; ++w) {
      if (w < 0 || w >= in.width) continue;
      sum += src[in.Offset(n, c, h, w)];
      ++valid;
    }
  }
  if (valid == 0) return 0.0f;
  int64_t divisor;
  if (p.divisor_override != 0) {
    divisor = p.divisor_override;
  } else if (p.count_include_pad) {
    // The window clipped to the declared padding (never the ceil overhang).
    const int64_t rows = std::min(h0 + kh, in.height + p.pad_end[0]) - h0;
    const int64_t cols = std::min(w0 + kw, in.width + p.pad_end[1]) - w0;
    divisor = rows * cols;
  } else {
    divisor = valid;
  }
  return sum / static_cast<float>(divisor);
}

// Writes index `value` (validated to fit the type) as output o's.
void StoreIndex(int32_t type, void* indices, int64_t o, int64_t value) {
  if (type == SIMDPOOL_INDEX_INT32) {
    static_cast<int32_t*>(indices)[o] = static_cast<int32_t>(value);
  } else {
    static_cast<int64_t*>(indices)[o] = value;
  }
}

}  // namespace

void Pool2D(const simdpool_problem& p, int64_t out_h, int64_t out_w, const float* src, float* dst,
            void* indices) {
  const bool channels_last = p.layout == SIMDPOOL_LAYOUT_NHWC;
  const Layout in{channels_last, p.channels, p.input[0], p.input[1]};
  const Layout out{channels_last, p.channels, out_h, out_w};
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t c = 0; c < p.channels; ++c) {
      for (int64_t oh = 0; oh < out_h; ++oh) {
        for (int64_t ow = 0; ow < out_w; ++ow) {
          const int64_t h0 = oh * p.stride[0] - p.pad_begin[0];
          const int64_t w0 = ow * p.stride[1] - p.pad_begin[1];
          const int64_t o = out.Offset(n, c, oh, ow);
          if (p.op == SIMDPOOL_OP_MAX) {
            int64_t index;
            MaxWindow(src, in, n, c, h0, w0, p.kernel[0], p.kernel[1], p.dilation[0],
                      p.dilation[1], &dst[o], &index);
            if (indices != nullptr) StoreIndex(p.index_type, indices, o, index);
          } else {
            dst[o] = AvgWindow(src, in, n, c, h0, w0, p);
          }
        }
      }
    }
  }
}

}  // namespace reference
}  // namespace simdpool
