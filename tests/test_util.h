// Helpers shared by the tests: targets, guarded buffers, reference runs.
#ifndef SIMDPOOL_TESTS_TEST_UTIL_H_
#define SIMDPOOL_TESTS_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "simdpool/simdpool.hpp"

namespace simdpool {
namespace test {

// The targets the per-target tests run on: every target this CPU supports,
// including "reference", or those listed in SIMDPOOL_TEST_TARGETS
// (comma-separated; emulated runs test only their own targets).
std::vector<std::string> TestTargets();

// Forces `target` for the life of the object and checks that it is active
// and that the kernels' dispatch really reaches that target's code.
class ScopedTarget {
 public:
  explicit ScopedTarget(const std::string& target);
  ~ScopedTarget() { ForceTarget(""); }
};

// Records which targets ran at least one test (printed at the end).
void NoteTargetExercised(const std::string& target);

// `count` scaled by SIMDPOOL_TEST_SCALE (a percentage, default 100; at least
// 1): emulated runs (qemu) use a prefix of the same random case sequence.
int ScaledCount(int count);

// A test parameterised by target; the suffix of the test name is the target.
class TargetTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    scoped_.reset(new ScopedTarget(GetParam()));
    NoteTargetExercised(GetParam());
  }
  void TearDown() override { scoped_.reset(); }

 private:
  std::unique_ptr<ScopedTarget> scoped_;
};

#define SIMDPOOL_INSTANTIATE_TARGET_TEST(Suite)                                           \
  INSTANTIATE_TEST_SUITE_P(Targets, Suite, ::testing::ValuesIn(::simdpool::test::TestTargets()), \
                           [](const ::testing::TestParamInfo<std::string>& info) { return info.param; })

// `count` elements of T next to an inaccessible page, so an over-read or
// over-write (kGuardAfter) or under-read / under-write (kGuardBefore) faults;
// the rest of the mapping is sentinel-filled and checked by Intact(). Element
// alignment only, as users' tensors may be.
enum class Guard { kAfter, kBefore };

template <typename T>
class GuardedBuffer {
 public:
  explicit GuardedBuffer(size_t count, Guard guard = Guard::kAfter) : count_(count) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t bytes = count * sizeof(T) + kSlackBytes;
    accessible_ = (bytes + page - 1) / page * page;
    size_ = accessible_ + page;
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(p, MAP_FAILED);
    unsigned char* map = static_cast<unsigned char*>(p);
    map_ = map;
    if (guard == Guard::kAfter) {
      EXPECT_EQ(mprotect(map + accessible_, page, PROT_NONE), 0);
      begin_ = map;
      data_ = reinterpret_cast<T*>(map + accessible_ - count * sizeof(T));
    } else {
      EXPECT_EQ(mprotect(map, page, PROT_NONE), 0);
      begin_ = map + page;
      data_ = reinterpret_cast<T*>(begin_);
    }
    std::memset(begin_, kSentinel, accessible_);
  }
  ~GuardedBuffer() { munmap(map_, size_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  T* data() { return data_; }
  size_t size() const { return count_; }
  T& operator[](size_t i) { return data_[i]; }
  // True if nothing outside [data(), data() + size()) was written.
  bool Intact() const {
    const unsigned char* first = reinterpret_cast<const unsigned char*>(data_);
    const unsigned char* last = first + count_ * sizeof(T);
    for (const unsigned char* p = begin_; p < begin_ + accessible_; ++p) {
      if ((p < first || p >= last) && *p != kSentinel) return false;
    }
    return true;
  }

 private:
  static constexpr unsigned char kSentinel = 0xA5;
  static constexpr size_t kSlackBytes = 256;
  size_t count_, accessible_ = 0, size_ = 0;
  unsigned char* map_ = nullptr;
  unsigned char* begin_ = nullptr;
  T* data_ = nullptr;
};

// Bit patterns, so NaN payloads and the sign of zero are compared too.
inline uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}

// Max selects elements, so every bit must match, NaN payloads included.
// An average's NaN payload comes from the adder (IEEE 754 leaves it open and
// compilers may swap operands), so any NaN equals any NaN there.
inline uint32_t ComparableBits(int32_t op, float f) {
  if (op == SIMDPOOL_OP_AVG && std::isnan(f)) return 0x7FC00000u;
  return Bits(f);
}

// Data with ties (small integers), NaN, +-inf and -0 sprinkled in. A NaN
// sends a kernel's window to its exact path, so `nan_odds` (one NaN or
// infinity kind in that many) also lets whole rows stay on the fast path,
// and tall windows see maxima other than +inf. Without `negative_zeros`,
// +0 takes the place of -0: NCHW max folds planes free of NaN and -0 in
// another order (MaxPlaneColumnsFirst).
std::vector<float> RandomData(size_t n, std::mt19937_64& rng, int nan_odds = 40, bool negative_zeros = true);

struct Outputs {
  std::vector<float> values;
  std::vector<int64_t> indices;
};

// Runs `problem` on the reference through the public API, with int64
// indices whatever the problem's index type.
Outputs RunReference(const Problem2D& problem, const std::vector<float>& input, bool with_indices);

// Runs `problem` through a plan (simdpool_plan; simdpool_run is a plan made
// for one run) on the current target on buffers against inaccessible pages
// on the `guard` side, with indices of the problem's index type widened to
// int64 in `actual`; fails if the run fails or writes outside its buffers.
void RunGuarded(const Problem2D& problem, const std::vector<float>& input, bool with_indices, Guard guard,
                Outputs* actual);

}  // namespace test
}  // namespace simdpool

#endif  // SIMDPOOL_TESTS_TEST_UTIL_H_
