#include "problem.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>

namespace simdpool {
namespace internal {
namespace {

Error Invalid(const std::string& message) {
  return Error{SIMDPOOL_INVALID_ARGUMENT, message};
}

std::string Field(const char* name, int axis, int64_t value) {
  std::ostringstream s;
  s << name << "[" << axis << "]=" << value;
  return s.str();
}

// Floor division (rounds toward -inf), as PyTorch's output-size formula needs.
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool CheckedMul(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}
bool CheckedAdd(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}

// ceil(a / b) for a >= 0, b >= 1. Without a division for b == 1, which
// took most of the window tables' time in a call on a small problem.
int64_t CeilDiv(int64_t a, int64_t b) { return b == 1 ? a : (a + b - 1) / b; }

// Validates one axis and computes its output size.
Error PlanAxis(const simdpool_problem& p, int axis, Axis* a) {
  a->in = p.input[axis];
  a->kernel = p.kernel[axis];
  a->stride = p.stride[axis] == 0 ? p.kernel[axis] : p.stride[axis];
  a->dilation = p.dilation[axis];
  a->pad_begin = p.pad_begin[axis];
  a->pad_end = p.pad_end[axis];

  if (a->in < 1) return Invalid(Field("input", axis, a->in) + ": spatial size must be >= 1");
  if (a->kernel < 1) return Invalid(Field("kernel", axis, a->kernel) + ": kernel must be >= 1");
  if (p.stride[axis] < 0) {
    return Invalid(Field("stride", axis, p.stride[axis]) +
                   ": stride must be >= 1 (0 selects the default, stride = kernel)");
  }
  if (a->dilation < 1) return Invalid(Field("dilation", axis, a->dilation) + ": dilation must be >= 1");
  if (p.op == SIMDPOOL_OP_AVG && a->dilation != 1) {
    return Invalid(Field("dilation", axis, a->dilation) + ": average pooling requires dilation 1");
  }
  if (a->pad_begin < 0) return Invalid(Field("pad_begin", axis, a->pad_begin) + ": padding must be >= 0");
  if (a->pad_end < 0) return Invalid(Field("pad_end", axis, a->pad_end) + ": padding must be >= 0");

  // Effective (dilated) kernel extent E = dilation * (kernel - 1) + 1.
  int64_t extent;
  if (!CheckedMul(a->dilation, a->kernel - 1, &extent) || !CheckedAdd(extent, 1, &extent)) {
    return Invalid(Field("dilation", axis, a->dilation) + ": dilation * (kernel - 1) + 1 overflows int64");
  }
  if (p.pad_limit == SIMDPOOL_PAD_LIMIT_TORCH) {
    const int64_t limit = extent / 2;
    for (const auto& [name, pad] : {std::pair<const char*, int64_t>{"pad_begin", a->pad_begin},
                                    std::pair<const char*, int64_t>{"pad_end", a->pad_end}}) {
      if (pad > limit) {
        std::ostringstream s;
        s << Field(name, axis, pad) << ": padding must be <= dilated kernel / 2 = " << limit
          << " (kernel " << a->kernel << ", dilation " << a->dilation
          << "); set pad_limit = SIMDPOOL_PAD_LIMIT_NONE for ONNX/TensorFlow padding";
        return Invalid(s.str());
      }
    }
  }

  // O = floor((I + Pb + Pe - E + (ceil ? S - 1 : 0)) / S) + 1; in ceil mode,
  // windows starting at or after the end of the input are dropped.
  int64_t padded;
  if (!CheckedAdd(a->in, a->pad_begin, &padded) || !CheckedAdd(padded, a->pad_end, &padded) ||
      !CheckedAdd(padded, p.ceil_mode ? a->stride - 1 : 0, &padded)) {
    return Invalid(Field("input", axis, a->in) + ": input + padding overflows int64");
  }
  int64_t out = FloorDiv(padded - extent, a->stride) + 1;
  if (p.ceil_mode) {
    const int64_t starts_inside = (a->in + a->pad_begin + a->stride - 1) / a->stride;
    if (out > starts_inside) out = starts_inside;
  }
  if (out < 1) {
    std::ostringstream s;
    s << "output[" << axis << "]=" << out << ": output size must be >= 1 (input " << a->in
      << ", padding " << a->pad_begin << "+" << a->pad_end << ", dilated kernel " << extent
      << ", stride " << a->stride << (p.ceil_mode ? ", ceil mode" : ", floor mode") << ")";
    return Invalid(s.str());
  }
  a->out = out;
  return Error{};
}

// The window tables of a validated axis (see Axis).
void MakeAxisTables(Axis* a) {
  const int64_t out = a->out;
  a->start.resize(out);
  a->tap_begin.resize(out);
  a->tap_end.resize(out);
  a->counted.resize(out);
  a->full_begin = out;
  a->full_end = out;
  for (int64_t o = 0; o < out; ++o) {
    // |start| <= I + Pb + S: no overflow once the axis validated.
    const int64_t start = o * a->stride - a->pad_begin;
    int64_t begin = start >= 0 ? 0 : CeilDiv(-start, a->dilation);
    int64_t end = start >= a->in ? 0 : CeilDiv(a->in - start, a->dilation);
    if (begin > a->kernel) begin = a->kernel;
    if (end > a->kernel) end = a->kernel;
    if (end < begin) end = begin;
    a->start[o] = start;
    a->tap_begin[o] = begin;
    a->tap_end[o] = end;
    // count_include_pad counts cells of [start, start + K) clipped to the
    // declared end padding, never the ceil-mode overhang (dilation is 1 here).
    const int64_t clipped_end = std::min(start + a->kernel, a->in + a->pad_end);
    a->counted[o] = std::max<int64_t>(clipped_end - start, 0);
    if (begin == 0 && end == a->kernel) {
      if (a->full_begin == out) a->full_begin = o;
      a->full_end = o + 1;
    }
  }
  if (a->full_begin == out) a->full_end = out;
}

// Plan::avg_divisors. The divisor is a row factor times a column factor
// (or the override), so a row whose factor equals the previous row's is a
// copy of it (the per-call cost of small problems was mostly this table).
void MakeAvgDivisors(const simdpool_problem& p, Plan* plan) {
  const Axis& h = plan->h;
  const Axis& w = plan->w;
  // An axis' factor of output o; 0 if its window there holds no input.
  const auto factor = [&p](const Axis& a, int64_t o) -> int64_t {
    const int64_t valid = a.tap_end[o] - a.tap_begin[o];
    if (valid == 0) return 0;
    if (p.divisor_override != 0) return 1;
    return p.count_include_pad ? a.counted[o] : valid;
  };
  plan->avg_divisors.assign(static_cast<size_t>(plan->out_plane + Plan::kVectorSlack), 1.0f);
  float* const table = plan->avg_divisors.data();
  for (int64_t oh = 0; oh < h.out; ++oh) {
    float* row = table + oh * w.out;
    const int64_t row_factor = factor(h, oh);
    if (oh > 0 && row_factor == factor(h, oh - 1)) {
      std::copy(row - w.out, row, row);
      continue;
    }
    for (int64_t ow = 0; ow < w.out; ++ow) {
      const int64_t column_factor = factor(w, ow);
      const int64_t divisor = p.divisor_override != 0 ? p.divisor_override : row_factor * column_factor;
      // An empty window's sum is +0, and +0 / +inf is the reference's +0.
      row[ow] = row_factor == 0 || column_factor == 0 ? std::numeric_limits<float>::infinity()
                                                      : static_cast<float>(divisor);
    }
  }
}

}  // namespace

Error MakePlan(const simdpool_problem& p, Plan* plan) {
  if (p.op != SIMDPOOL_OP_MAX && p.op != SIMDPOOL_OP_AVG) {
    return Invalid("op=" + std::to_string(p.op) + ": operator must be SIMDPOOL_OP_MAX or SIMDPOOL_OP_AVG");
  }
  if (p.layout != SIMDPOOL_LAYOUT_NCHW && p.layout != SIMDPOOL_LAYOUT_NHWC) {
    return Invalid("layout=" + std::to_string(p.layout) +
                   ": layout must be SIMDPOOL_LAYOUT_NCHW or SIMDPOOL_LAYOUT_NHWC");
  }
  if (p.dtype != SIMDPOOL_DTYPE_F32) {
    return Invalid("dtype=" + std::to_string(p.dtype) + ": dtype must be SIMDPOOL_DTYPE_F32");
  }
  if (p.pad_limit != SIMDPOOL_PAD_LIMIT_TORCH && p.pad_limit != SIMDPOOL_PAD_LIMIT_NONE) {
    return Invalid("pad_limit=" + std::to_string(p.pad_limit) +
                   ": pad_limit must be SIMDPOOL_PAD_LIMIT_TORCH or SIMDPOOL_PAD_LIMIT_NONE");
  }
  if (p.index_type != SIMDPOOL_INDEX_INT64 && p.index_type != SIMDPOOL_INDEX_INT32) {
    return Invalid("index_type=" + std::to_string(p.index_type) +
                   ": index_type must be SIMDPOOL_INDEX_INT64 or SIMDPOOL_INDEX_INT32");
  }
  if (p.op != SIMDPOOL_OP_MAX && p.index_type != SIMDPOOL_INDEX_INT64) {
    return Invalid("index_type=" + std::to_string(p.index_type) +
                   ": only max pooling produces indices (leave the default SIMDPOOL_INDEX_INT64)");
  }
  for (int i = 0; i < 6; ++i) {
    if (p.reserved[i] != 0) return Invalid(Field("reserved", i, p.reserved[i]) + ": must be 0");
  }
  if (p.spatial_rank == 1 || p.spatial_rank == 3) {
    return Error{SIMDPOOL_UNSUPPORTED, "spatial_rank=" + std::to_string(p.spatial_rank) +
                                           ": only 2-D pooling is implemented in this release"};
  }
  if (p.spatial_rank != 2) {
    return Invalid("spatial_rank=" + std::to_string(p.spatial_rank) + ": spatial rank must be 1, 2 or 3");
  }
  if (p.batch < 0) return Invalid("batch=" + std::to_string(p.batch) + ": batch must be >= 0");
  if (p.channels < 1) return Invalid("channels=" + std::to_string(p.channels) + ": channels must be >= 1");
  if (p.ceil_mode != 0 && p.ceil_mode != 1) {
    return Invalid("ceil_mode=" + std::to_string(p.ceil_mode) + ": ceil_mode must be 0 or 1");
  }
  if (p.count_include_pad != 0 && p.count_include_pad != 1) {
    return Invalid("count_include_pad=" + std::to_string(p.count_include_pad) +
                   ": count_include_pad must be 0 or 1");
  }
  if (p.op != SIMDPOOL_OP_AVG && p.divisor_override != 0) {
    return Invalid("divisor_override=" + std::to_string(p.divisor_override) +
                   ": only average pooling takes a divisor override");
  }

  plan->problem = p;
  plan->batch = p.batch;
  plan->channels = p.channels;
  Axis* axes[2] = {&plan->h, &plan->w};
  for (int i = 0; i < 2; ++i) {
    Error e = PlanAxis(p, i, axes[i]);
    if (!e.ok()) return e;
    plan->problem.stride[i] = axes[i]->stride;
  }

  // An average's divisor reaches the window size (count_include_pad).
  int64_t window;
  if (p.op == SIMDPOOL_OP_AVG && !CheckedMul(plan->h.kernel, plan->w.kernel, &window)) {
    return Invalid(Field("kernel", 0, plan->h.kernel) + ", " + Field("kernel", 1, plan->w.kernel) +
                   ": average pooling's window size kernel[0] * kernel[1] overflows int64");
  }

  // Every element count and byte size must fit int64 / the address space.
  int64_t planes, in_elems, out_elems;
  if (!CheckedMul(plan->h.in, plan->w.in, &plan->in_plane) ||
      !CheckedMul(plan->h.out, plan->w.out, &plan->out_plane) ||
      !CheckedMul(p.batch, p.channels, &planes) || !CheckedMul(planes, plan->in_plane, &in_elems) ||
      !CheckedMul(planes, plan->out_plane, &out_elems) ||
      !CheckedMul(in_elems, int64_t{8}, &in_elems) || !CheckedMul(out_elems, int64_t{8}, &out_elems)) {
    return Invalid("batch=" + std::to_string(p.batch) + ", channels=" + std::to_string(p.channels) +
                   ": tensor byte size overflows int64");
  }
  const int64_t kInt32Max = std::numeric_limits<int32_t>::max();
  // The greatest index is in_plane - 1.
  if (p.index_type == SIMDPOOL_INDEX_INT32 && plan->in_plane - 1 > kInt32Max) {
    return Invalid("index_type=" + std::to_string(p.index_type) +
                   ": int32 indices need input planes of at most 2^31 elements, not " +
                   std::to_string(plan->h.in) + " x " + std::to_string(plan->w.in) + " (use SIMDPOOL_INDEX_INT64)");
  }
  // Kernel lanes hold plane offsets and window columns (which reach
  // pad_begin below 0 and a vector of strides past the end) as int32.
  int64_t column_reach = 0;
  plan->fits_int32 = plan->in_plane <= kInt32Max / 2 &&
                     CheckedMul(plan->w.stride, plan->w.out + Plan::kVectorSlack, &column_reach) &&
                     column_reach + plan->w.pad_begin + plan->w.in +
                             (plan->w.kernel - 1) * plan->w.dilation <= kInt32Max / 2;
  return Error{};
}

void MakeTables(Plan* plan) {
  const simdpool_problem& p = plan->problem;
  MakeAxisTables(&plan->h);
  MakeAxisTables(&plan->w);
  if (p.op == SIMDPOOL_OP_AVG) MakeAvgDivisors(p, plan);
  if (plan->fits_int32) {
    plan->w_first_column.assign(static_cast<size_t>(plan->w.out + Plan::kVectorSlack), -1);
    for (int64_t o = 0; o < plan->w.out; ++o) {
      if (plan->w.tap_begin[o] < plan->w.tap_end[o]) {
        plan->w_first_column[o] =
            static_cast<int32_t>(plan->w.start[o] + plan->w.tap_begin[o] * plan->w.dilation);
      }
    }
  }
}

simdpool_shape OutputShape(const Plan& plan) {
  simdpool_shape s{};
  s.rank = 4;
  const int64_t n = plan.batch, c = plan.channels, h = plan.h.out, w = plan.w.out;
  if (plan.problem.layout == SIMDPOOL_LAYOUT_NCHW) {
    s.dims[0] = n, s.dims[1] = c, s.dims[2] = h, s.dims[3] = w;
  } else {
    s.dims[0] = n, s.dims[1] = h, s.dims[2] = w, s.dims[3] = c;
  }
  s.elements = n * c * h * w;
  return s;
}

std::string ProblemToString(const simdpool_problem& p) {
  std::ostringstream s;
  const int rank = p.spatial_rank >= 1 && p.spatial_rank <= 3 ? p.spatial_rank : 2;
  const char* const names3[3] = {"d", "h", "w"};
  const char* const* names = names3 + (3 - rank);
  s << "mb" << p.batch << "ic" << p.channels << "_";
  for (int i = 0; i < rank; ++i) s << "i" << names[i] << p.input[i];
  s << "_";
  for (int i = 0; i < rank; ++i) s << "k" << names[i] << p.kernel[i];
  s << "_";
  for (int i = 0; i < rank; ++i) s << "s" << names[i] << (p.stride[i] == 0 ? p.kernel[i] : p.stride[i]);
  bool symmetric = true, any_pad = false, dilated = false;
  for (int i = 0; i < rank; ++i) {
    symmetric = symmetric && p.pad_begin[i] == p.pad_end[i];
    any_pad = any_pad || p.pad_begin[i] != 0 || p.pad_end[i] != 0;
    dilated = dilated || p.dilation[i] != 1;
  }
  if (any_pad && symmetric) {
    s << "_";
    for (int i = 0; i < rank; ++i) s << "p" << names[i] << p.pad_begin[i];
  } else if (any_pad) {
    s << "_";
    for (int i = 0; i < rank; ++i) s << "pb" << names[i] << p.pad_begin[i];
    s << "_";
    for (int i = 0; i < rank; ++i) s << "pe" << names[i] << p.pad_end[i];
  }
  if (dilated) {
    s << "_";
    for (int i = 0; i < rank; ++i) s << "d" << names[i] << p.dilation[i];
  }
  s << (p.op == SIMDPOOL_OP_MAX ? "_max" : p.op == SIMDPOOL_OP_AVG ? "_avg" : "_op?");
  if (p.ceil_mode) s << "_ceil";
  if (p.op == SIMDPOOL_OP_AVG && !p.count_include_pad) s << "_exclpad";
  if (p.divisor_override != 0) s << "_div" << p.divisor_override;
  if (p.pad_limit == SIMDPOOL_PAD_LIMIT_NONE) s << "_padany";
  if (p.index_type == SIMDPOOL_INDEX_INT32) s << "_idx32";
  s << (p.layout == SIMDPOOL_LAYOUT_NHWC ? "_nhwc" : "_nchw") << "_f32";
  return s.str();
}

}  // namespace internal
}  // namespace simdpool
