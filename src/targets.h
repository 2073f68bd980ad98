// Which code runs: a Highway target of the kernels, or the scalar reference.
#ifndef SIMDPOOL_SRC_TARGETS_H_
#define SIMDPOOL_SRC_TARGETS_H_

#include <cstdint>
#include <string>

namespace simdpool {
namespace internal {

// A Highway target bit, or kReferenceTarget for the scalar reference.
constexpr int64_t kReferenceTarget = 0;

// The target simdpool_run uses now. Returns false, with a message, when the
// SIMDPOOL_TARGET environment variable names an unusable target (until
// simdpool_force_target is called).
bool ActiveTarget(int64_t* target, std::string* error);

// Forces a target by name (see simdpool_force_target); false with a message
// if the name is unusable, changing nothing.
bool ForceTarget(const char* name, std::string* error);

}  // namespace internal
}  // namespace simdpool

#endif  // SIMDPOOL_SRC_TARGETS_H_
