#include "pool.h"

#include <cstdint>
#include <string>

#include "kernels.h"
#include "reference/pool_reference.h"
#include "targets.h"

namespace simdpool {
namespace internal {
namespace {

Error Invalid(const std::string& message) { return Error{SIMDPOOL_INVALID_ARGUMENT, message}; }

// Byte ranges [a, a + a_bytes) and [b, b + b_bytes) overlap.
bool Overlap(const void* a, int64_t a_bytes, const void* b, int64_t b_bytes) {
  const auto pa = reinterpret_cast<uintptr_t>(a), pb = reinterpret_cast<uintptr_t>(b);
  return a_bytes > 0 && b_bytes > 0 && pa < pb + static_cast<uintptr_t>(b_bytes) &&
         pb < pa + static_cast<uintptr_t>(a_bytes);
}

}  // namespace

Error Validate(const simdpool_problem* problem, simdpool_shape* output_shape) {
  if (problem == nullptr) return Invalid("problem=NULL: a problem is required");
  Plan plan;
  Error e = MakePlan(*problem, &plan);
  if (e.ok() && output_shape != nullptr) *output_shape = OutputShape(plan);
  return e;
}

Error CreatePlan(const simdpool_problem* problem, Plan* plan) {
  if (problem == nullptr) return Invalid("problem=NULL: a problem is required");
  Error e = MakePlan(*problem, plan);
  if (!e.ok()) return e;
  // Planes too large for the kernels' int32 lanes always take the
  // reference, which needs no window tables.
  if (plan->fits_int32) MakeTables(plan);
  return Error{};
}

Error RunPlan(const Plan& plan, const void* src, void* dst, void* indices) {
  const simdpool_problem& problem = plan.problem;
  if (indices != nullptr && problem.op != SIMDPOOL_OP_MAX) {
    return Invalid("indices: only max pooling produces indices (pass NULL)");
  }
  const int64_t planes = plan.batch * plan.channels;
  const int64_t in_bytes = planes * plan.in_plane * static_cast<int64_t>(sizeof(float));
  const int64_t out_elements = planes * plan.out_plane;
  const int64_t out_bytes = out_elements * static_cast<int64_t>(sizeof(float));
  const int64_t index_size = problem.index_type == SIMDPOOL_INDEX_INT32 ? 4 : 8;
  const int64_t index_bytes = indices ? out_elements * index_size : 0;
  if (out_elements == 0) return Error{};  // batch 0: nothing to read or write
  if (src == nullptr) return Invalid("src=NULL: the input tensor is required");
  if (dst == nullptr) return Invalid("dst=NULL: the output tensor is required");
  if (Overlap(src, in_bytes, dst, out_bytes) || Overlap(src, in_bytes, indices, index_bytes) ||
      Overlap(dst, out_bytes, indices, index_bytes)) {
    return Invalid("src, dst and indices must not overlap");
  }
  int64_t target = kReferenceTarget;
  std::string error;
  if (!ActiveTarget(&target, &error)) return Invalid(error);

  const float* in = static_cast<const float*>(src);
  float* out = static_cast<float*>(dst);
  if (target == kReferenceTarget || !plan.fits_int32) {
    reference::Pool2D(problem, plan.h.out, plan.w.out, in, out, indices);
    return Error{};
  }
  const bool nhwc = problem.layout == SIMDPOOL_LAYOUT_NHWC;
  const bool ran = problem.op == SIMDPOOL_OP_AVG ? kernels::AvgPool2D(target, plan, in, out)
                   : nhwc                        ? kernels::MaxPool2DNHWC(target, plan, in, out, indices)
                                                 : kernels::MaxPool2DNCHW(target, plan, in, out, indices);
  if (!ran) return Error{SIMDPOOL_OUT_OF_MEMORY, "out of memory for the row buffers"};
  return Error{};
}

Error Run(const simdpool_problem* problem, const void* src, void* dst, void* indices) {
  Plan plan;
  Error e = CreatePlan(problem, &plan);
  return e.ok() ? RunPlan(plan, src, dst, indices) : e;
}

}  // namespace internal
}  // namespace simdpool
