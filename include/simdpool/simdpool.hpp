// simdpool C++ API: a header-only layer over the C API (simdpool.h), which
// holds the stable ABI. No Highway types appear here.
#ifndef SIMDPOOL_SIMDPOOL_HPP_
#define SIMDPOOL_SIMDPOOL_HPP_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "simdpool/simdpool.h"

namespace simdpool {

enum class Op { kMax = SIMDPOOL_OP_MAX, kAvg = SIMDPOOL_OP_AVG };
enum class Layout { kNCHW = SIMDPOOL_LAYOUT_NCHW, kNHWC = SIMDPOOL_LAYOUT_NHWC };

// Result of a call: ok(), or a code with a message naming the parameter,
// its value and the rule.
class Status {
 public:
  Status() = default;
  Status(simdpool_status code, std::string message) : code_(code), message_(std::move(message)) {}
  bool ok() const { return code_ == SIMDPOOL_OK; }
  simdpool_status code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  simdpool_status code_ = SIMDPOOL_OK;
  std::string message_;
};

// A 2-D pooling problem with PyTorch's defaults (stride = kernel, no
// padding, dilation 1, floor mode, count_include_pad). Setters chain:
//   auto p = simdpool::Problem2D(Op::kMax, Layout::kNHWC, 1, 64, 112, 112)
//                .Kernel(3, 3).Stride(2, 2).Pad(1, 1);
class Problem2D {
 public:
  Problem2D(Op op, Layout layout, int64_t n, int64_t c, int64_t h, int64_t w) {
    simdpool_problem_init(&p_);
    p_.op = static_cast<int32_t>(op);
    p_.layout = static_cast<int32_t>(layout);
    p_.batch = n;
    p_.channels = c;
    p_.input[0] = h;
    p_.input[1] = w;
  }
  Problem2D& Kernel(int64_t kh, int64_t kw) { return Set(p_.kernel, kh, kw); }
  Problem2D& Stride(int64_t sh, int64_t sw) { return Set(p_.stride, sh, sw); }
  Problem2D& Dilation(int64_t dh, int64_t dw) { return Set(p_.dilation, dh, dw); }
  // Symmetric padding (PyTorch's `padding`).
  Problem2D& Pad(int64_t ph, int64_t pw) { return Set(p_.pad_begin, ph, pw).Set(p_.pad_end, ph, pw); }
  // Asymmetric padding (ONNX pads = [h_begin, w_begin, h_end, w_end]).
  Problem2D& Pad(int64_t h_begin, int64_t w_begin, int64_t h_end, int64_t w_end) {
    return Set(p_.pad_begin, h_begin, w_begin).Set(p_.pad_end, h_end, w_end);
  }
  Problem2D& CeilMode(bool on = true) { p_.ceil_mode = on; return *this; }
  Problem2D& CountIncludePad(bool on) { p_.count_include_pad = on; return *this; }
  Problem2D& DivisorOverride(int64_t divisor) { p_.divisor_override = divisor; return *this; }
  Problem2D& PadLimit(simdpool_pad_limit limit) { p_.pad_limit = limit; return *this; }
  // Max: the type of the indices Run writes (int64, PyTorch's, by default).
  Problem2D& IndexType(simdpool_index_type type) { p_.index_type = type; return *this; }

  const simdpool_problem& c_problem() const { return p_; }
  simdpool_problem& c_problem() { return p_; }

  std::string ToString() const {
    std::string s(simdpool_problem_to_string(&p_, nullptr, 0), '\0');
    simdpool_problem_to_string(&p_, &s[0], s.size() + 1);
    return s;
  }

 private:
  Problem2D& Set(int64_t* field, int64_t a, int64_t b) {
    field[0] = a;
    field[1] = b;
    return *this;
  }
  simdpool_problem p_;
};

inline Status MakeStatus(simdpool_status code) {
  return code == SIMDPOOL_OK ? Status() : Status(code, simdpool_last_error());
}

// Validates and returns the output shape (memory order of the layout).
inline Status OutputShape(const Problem2D& problem, simdpool_shape* shape) {
  return MakeStatus(simdpool_validate(&problem.c_problem(), shape));
}

// Runs the problem, values only.
inline Status Run(const Problem2D& problem, const float* src, float* dst) {
  return MakeStatus(simdpool_run(&problem.c_problem(), src, dst, nullptr));
}
inline Status Run(const Problem2D& problem, const float* src, float* dst, std::nullptr_t) {
  return Run(problem, src, dst);
}

namespace internal {
// An indices buffer must have the problem's IndexType().
inline Status CheckIndexType(int32_t problem_type, const void* indices, simdpool_index_type buffer_type,
                             const char* buffer_name) {
  if (indices != nullptr && problem_type != buffer_type) {
    return Status(SIMDPOOL_INVALID_ARGUMENT, std::string("indices: ") + buffer_name + " buffer, but index_type=" +
                                                 std::to_string(problem_type) +
                                                 "; the problem's IndexType() must match");
  }
  return Status();
}
}  // namespace internal

// Runs max pooling with indices (null skips them) of the problem's
// IndexType(): an int64_t buffer for SIMDPOOL_INDEX_INT64 (the default), an
// int32_t buffer for SIMDPOOL_INDEX_INT32. A mismatch is an error.
inline Status Run(const Problem2D& problem, const float* src, float* dst, int64_t* indices) {
  Status s = internal::CheckIndexType(problem.c_problem().index_type, indices, SIMDPOOL_INDEX_INT64, "an int64_t");
  return s.ok() ? MakeStatus(simdpool_run(&problem.c_problem(), src, dst, indices)) : s;
}
inline Status Run(const Problem2D& problem, const float* src, float* dst, int32_t* indices) {
  Status s = internal::CheckIndexType(problem.c_problem().index_type, indices, SIMDPOOL_INDEX_INT32, "an int32_t");
  return s.ok() ? MakeStatus(simdpool_run(&problem.c_problem(), src, dst, indices)) : s;
}

// A problem validated and planned once, to run many times (simdpool_plan):
// its Run is the free Run above without the planning. Move-only; an empty
// Plan (default-constructed, moved from, or from a failed Create) fails to
// run.
class Plan {
 public:
  Plan() = default;

  // Validates and plans `problem` into *plan; on failure *plan is empty.
  static Status Create(const Problem2D& problem, Plan* plan) {
    if (plan == nullptr) return Status(SIMDPOOL_INVALID_ARGUMENT, "plan=nullptr: a place for the plan is required");
    simdpool_plan* made = nullptr;
    const Status status = MakeStatus(simdpool_plan_create(&problem.c_problem(), &made));
    plan->plan_.reset(made);
    plan->index_type_ = problem.c_problem().index_type;
    return status;
  }

  Status Run(const float* src, float* dst) const {
    return MakeStatus(simdpool_plan_run(plan_.get(), src, dst, nullptr));
  }
  Status Run(const float* src, float* dst, std::nullptr_t) const { return Run(src, dst); }
  Status Run(const float* src, float* dst, int64_t* indices) const {
    Status s = internal::CheckIndexType(index_type_, indices, SIMDPOOL_INDEX_INT64, "an int64_t");
    return s.ok() ? MakeStatus(simdpool_plan_run(plan_.get(), src, dst, indices)) : s;
  }
  Status Run(const float* src, float* dst, int32_t* indices) const {
    Status s = internal::CheckIndexType(index_type_, indices, SIMDPOOL_INDEX_INT32, "an int32_t");
    return s.ok() ? MakeStatus(simdpool_plan_run(plan_.get(), src, dst, indices)) : s;
  }

 private:
  struct Destroy {
    void operator()(simdpool_plan* plan) const { simdpool_plan_destroy(plan); }
  };
  std::unique_ptr<simdpool_plan, Destroy> plan_;
  int32_t index_type_ = SIMDPOOL_INDEX_INT64;
};

inline std::vector<std::string> Targets(simdpool_target_list which) {
  std::vector<const char*> names(simdpool_targets(which, nullptr, 0));
  simdpool_targets(which, names.data(), names.size());
  return std::vector<std::string>(names.begin(), names.end());
}
inline std::vector<std::string> CompiledTargets() { return Targets(SIMDPOOL_TARGETS_COMPILED); }
inline std::vector<std::string> SupportedTargets() { return Targets(SIMDPOOL_TARGETS_SUPPORTED); }
inline std::string ActiveTarget() { return simdpool_active_target(); }
// Forces a target ("AVX2", "reference", ...); "" restores automatic choice.
inline Status ForceTarget(const std::string& name) {
  return MakeStatus(simdpool_force_target(name.c_str()));
}

}  // namespace simdpool

#endif  // SIMDPOOL_SIMDPOOL_HPP_
