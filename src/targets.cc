// Target registry: lists the compiled and supported targets, selects one
// (best supported, forced by simdpool_force_target or SIMDPOOL_TARGET).
#include "targets.h"

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <string>

#include "hwy/targets.h"
#include "kernels.h"
#include "simdpool/simdpool.h"

namespace simdpool {
namespace internal {
namespace {

const char kReferenceName[] = "reference";

// 0: automatic; otherwise the forced target (kReferenceTarget is encoded as
// kForcedReference so that 0 can mean automatic).
constexpr int64_t kForcedReference = -1;
std::atomic<int64_t> g_forced{0};
std::once_flag g_env_once;
std::string* g_env_error = nullptr;  // set once, under g_env_once
std::atomic<bool> g_env_error_active{false};

int64_t CompiledMask() { return kernels::CompiledTargets(); }
// hwy::SupportedTargets runs CPUID, which costs as much as a small pooling
// call; the CPU does not change while the process runs.
int64_t SupportedMask() {
  static const int64_t mask = hwy::SupportedTargets() & CompiledMask();
  return mask;
}

bool EqualsIgnoreCase(const char* a, const char* b) {
  for (; *a && *b; ++a, ++b) {
    if (std::tolower(static_cast<unsigned char>(*a)) != std::tolower(static_cast<unsigned char>(*b))) {
      return false;
    }
  }
  return *a == *b;
}

std::string TargetList(int64_t mask) {
  std::string list;
  for (int64_t bits = mask; bits != 0; bits &= bits - 1) {
    if (!list.empty()) list += ", ";
    list += hwy::TargetName(bits & -bits);
  }
  return list + (list.empty() ? "" : ", ") + kReferenceName;
}

// Parses a target name into the g_forced encoding; false with a message if
// the name is unknown, not compiled in, or not supported by this CPU.
bool ParseTarget(const char* name, int64_t* forced, std::string* error) {
  if (name == nullptr || *name == '\0' || EqualsIgnoreCase(name, "auto")) {
    *forced = 0;
    return true;
  }
  if (EqualsIgnoreCase(name, kReferenceName)) {
    *forced = kForcedReference;
    return true;
  }
  for (int64_t bits = CompiledMask(); bits != 0; bits &= bits - 1) {
    const int64_t target = bits & -bits;
    if (!EqualsIgnoreCase(name, hwy::TargetName(target))) continue;
    if ((SupportedMask() & target) == 0) {
      *error = std::string("target=") + name + ": this CPU does not support it; supported: " +
               TargetList(SupportedMask());
      return false;
    }
    *forced = target;
    return true;
  }
  *error = std::string("target=") + name + ": not a compiled target; compiled: " +
           TargetList(CompiledMask()) + " (or auto)";
  return false;
}

void ReadEnvironmentOnce() {
  std::call_once(g_env_once, [] {
    const char* value = std::getenv("SIMDPOOL_TARGET");
    if (value == nullptr) return;
    int64_t forced = 0;
    std::string error;
    if (ParseTarget(value, &forced, &error)) {
      g_forced.store(forced);
    } else {
      g_env_error = new std::string("SIMDPOOL_TARGET: " + error);
      g_env_error_active.store(true);
    }
  });
}

int64_t BestSupported() {
  const int64_t mask = SupportedMask();
  return mask & -mask;  // lowest bit = best target
}

}  // namespace

bool ActiveTarget(int64_t* target, std::string* error) {
  ReadEnvironmentOnce();
  if (g_env_error_active.load()) {
    *error = *g_env_error;
    return false;
  }
  const int64_t forced = g_forced.load();
  *target = forced == 0 ? BestSupported() : forced == kForcedReference ? kReferenceTarget : forced;
  return true;
}

}  // namespace internal
}  // namespace simdpool

using simdpool::internal::CompiledMask;
using simdpool::internal::SupportedMask;

extern "C" {

size_t simdpool_targets(simdpool_target_list which, const char** names, size_t capacity) {
  const int64_t mask = which == SIMDPOOL_TARGETS_SUPPORTED ? SupportedMask() : CompiledMask();
  size_t count = 0;
  for (int64_t bits = mask; bits != 0; bits &= bits - 1, ++count) {
    if (names != nullptr && count < capacity) names[count] = hwy::TargetName(bits & -bits);
  }
  if (names != nullptr && count < capacity) names[count] = simdpool::internal::kReferenceName;
  return count + 1;
}

const char* simdpool_active_target(void) {
  int64_t target = 0;
  std::string error;
  if (!simdpool::internal::ActiveTarget(&target, &error)) return "invalid (see SIMDPOOL_TARGET)";
  return target == simdpool::internal::kReferenceTarget ? simdpool::internal::kReferenceName
                                                        : hwy::TargetName(target);
}

}  // extern "C"

namespace simdpool {
namespace internal {

bool ForceTarget(const char* name, std::string* error) {
  ReadEnvironmentOnce();
  int64_t forced = 0;
  if (!ParseTarget(name, &forced, error)) return false;
  g_forced.store(forced);
  g_env_error_active.store(false);
  return true;
}

}  // namespace internal
}  // namespace simdpool
