// Links the installed simdpool and runs one small max pooling.
#include <cstdint>
#include <cstdio>

#include "simdpool/simdpool.hpp"

int main() {
  // 1x1x2x2 input [[1, 2], [3, 4]]; one 2x2 window: max 4 at index 3.
  const float src[4] = {1, 2, 3, 4};
  float dst[1] = {0};
  int64_t index[1] = {-2};
  const auto problem =
      simdpool::Problem2D(simdpool::Op::kMax, simdpool::Layout::kNCHW, 1, 1, 2, 2).Kernel(2, 2);
  const simdpool::Status status = simdpool::Run(problem, src, dst, index);
  if (!status.ok()) {
    std::fprintf(stderr, "simdpool::Run failed: %s\n", status.message().c_str());
    return 1;
  }
  std::printf("%s on %s: max %g at index %lld\n", problem.ToString().c_str(),
              simdpool::ActiveTarget().c_str(), dst[0], static_cast<long long>(index[0]));
  return dst[0] == 4.0f && index[0] == 3 ? 0 : 1;
}
