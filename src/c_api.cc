// The C API: thin wrappers that keep the last error message per thread.
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "pool.h"
#include "problem.h"
#include "simdpool/simdpool.h"
#include "targets.h"

namespace {

thread_local std::string g_last_error;

simdpool_status Report(const simdpool::internal::Error& e) {
  g_last_error = e.message;
  return e.status;
}

// No exception crosses the C boundary: allocation failures (including
// buffers larger than a std::vector can hold) become a status.
template <typename F>
simdpool_status Guarded(F&& body) {
  try {
    return Report(body());
  } catch (const std::bad_alloc&) {
    return Report({SIMDPOOL_OUT_OF_MEMORY, "out of memory"});
  } catch (const std::length_error&) {
    return Report({SIMDPOOL_OUT_OF_MEMORY, "out of memory: a working buffer exceeds the maximum size"});
  }
}

// The stable ABI: simdpool_problem's layout as first released.
static_assert(sizeof(simdpool_problem) == 248 && offsetof(simdpool_problem, batch) == 16 &&
                  offsetof(simdpool_problem, pad_limit) == 192 && offsetof(simdpool_problem, reserved) == 200,
              "simdpool_problem layout");

}  // namespace

struct simdpool_plan {
  simdpool::internal::Plan plan;
};

extern "C" {

void simdpool_problem_init(simdpool_problem* p) {
  if (p == nullptr) return;
  std::memset(p, 0, sizeof(*p));
  p->op = SIMDPOOL_OP_MAX;
  p->layout = SIMDPOOL_LAYOUT_NCHW;
  p->dtype = SIMDPOOL_DTYPE_F32;
  p->spatial_rank = 2;
  p->batch = 1;
  p->channels = 1;
  for (int i = 0; i < SIMDPOOL_MAX_SPATIAL_RANK; ++i) {
    p->input[i] = 1;
    p->kernel[i] = 1;
    p->dilation[i] = 1;
  }
  p->count_include_pad = 1;
  p->pad_limit = SIMDPOOL_PAD_LIMIT_TORCH;
}

simdpool_status simdpool_validate(const simdpool_problem* problem, simdpool_shape* output_shape) {
  return Guarded([&] { return simdpool::internal::Validate(problem, output_shape); });
}

simdpool_status simdpool_run(const simdpool_problem* problem, const void* src, void* dst,
                             void* indices) {
  return Guarded([&] { return simdpool::internal::Run(problem, src, dst, indices); });
}

simdpool_status simdpool_plan_create(const simdpool_problem* problem, simdpool_plan** plan) {
  if (plan == nullptr) {
    return Report({SIMDPOOL_INVALID_ARGUMENT, "plan=NULL: a place for the plan is required"});
  }
  *plan = nullptr;
  return Guarded([&] {
    auto made = std::make_unique<simdpool_plan>();
    simdpool::internal::Error e = simdpool::internal::CreatePlan(problem, &made->plan);
    if (e.ok()) *plan = made.release();
    return e;
  });
}

simdpool_status simdpool_plan_run(const simdpool_plan* plan, const void* src, void* dst, void* indices) {
  if (plan == nullptr) return Report({SIMDPOOL_INVALID_ARGUMENT, "plan=NULL: a plan is required"});
  return Guarded([&] { return simdpool::internal::RunPlan(plan->plan, src, dst, indices); });
}

void simdpool_plan_destroy(simdpool_plan* plan) { delete plan; }

const char* simdpool_last_error(void) { return g_last_error.c_str(); }

size_t simdpool_problem_to_string(const simdpool_problem* problem, char* buf, size_t capacity) {
  const std::string s =
      problem ? simdpool::internal::ProblemToString(*problem) : std::string("(null)");
  if (buf != nullptr && capacity > 0) {
    const size_t n = s.size() < capacity - 1 ? s.size() : capacity - 1;
    std::memcpy(buf, s.data(), n);
    buf[n] = '\0';
  }
  return s.size();
}

simdpool_status simdpool_force_target(const char* name) {
  std::string error;
  if (!simdpool::internal::ForceTarget(name, &error)) {
    return Report({SIMDPOOL_INVALID_ARGUMENT, error});
  }
  return Report({});
}

}  // extern "C"
