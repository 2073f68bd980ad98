// Validation, planning and naming of pooling problems (compiled once).
#ifndef SIMDPOOL_SRC_PROBLEM_H_
#define SIMDPOOL_SRC_PROBLEM_H_

#include <string>

#include "plan.h"
#include "simdpool/simdpool.h"

namespace simdpool {
namespace internal {

struct Error {
  simdpool_status status = SIMDPOOL_OK;
  std::string message;
  bool ok() const { return status == SIMDPOOL_OK; }
};

// Checks every rule of docs/semantics.md and fills `plan` but for its
// per-output tables (validation allocates nothing that grows with the
// shape). On failure `plan` is unspecified and the error names the
// parameter, its value and the rule.
Error MakePlan(const simdpool_problem& problem, Plan* plan);

// Fills the per-output tables of a plan MakePlan accepted.
void MakeTables(Plan* plan);

// Output shape in memory order of the problem's layout.
simdpool_shape OutputShape(const Plan& plan);

// benchdnn-style descriptor, e.g. "mb1ic64_ih112iw112_kh3kw3_sh2sw2_ph1pw1_max_nchw_f32".
std::string ProblemToString(const simdpool_problem& problem);

}  // namespace internal
}  // namespace simdpool

#endif  // SIMDPOOL_SRC_PROBLEM_H_
