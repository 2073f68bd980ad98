// Interleaved A/B timing of two builds of simdpool, loaded as shared
// libraries into one process (see tools/ab.sh). Each round times A, then B,
// on the same buffers, so the noise of a shared machine hits both alike;
// per case it prints both medians and their ratio B/A.
//
// usage: ab_compare LIB_A LIB_B [CASE_SUBSTRING]
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "shapes.h"  // bench/: the shapes, aligned tensors

namespace {

namespace bench = simdpool::bench;
using simdpool::Layout;
using simdpool::Op;

// The C API functions this tool calls, from one library.
struct Library {
  void (*init)(simdpool_problem*);
  simdpool_status (*validate)(const simdpool_problem*, simdpool_shape*);
  simdpool_status (*run)(const simdpool_problem*, const void*, void*, void*);
};

bool Open(const char* path, Library* lib) {
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    std::fprintf(stderr, "%s\n", dlerror());
    return false;
  }
  lib->init = reinterpret_cast<decltype(lib->init)>(dlsym(handle, "simdpool_problem_init"));
  lib->validate = reinterpret_cast<decltype(lib->validate)>(dlsym(handle, "simdpool_validate"));
  lib->run = reinterpret_cast<decltype(lib->run)>(dlsym(handle, "simdpool_run"));
  if (!lib->init || !lib->validate || !lib->run) {
    std::fprintf(stderr, "%s: missing simdpool C API symbols\n", path);
    return false;
  }
  return true;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s LIB_A LIB_B [CASE_SUBSTRING]\n", argv[0]);
    return 2;
  }
  Library libs[2];
  if (!Open(argv[1], &libs[0]) || !Open(argv[2], &libs[1])) return 1;
  const std::string filter = argc > 3 ? argv[3] : "";
  std::printf("%-28s %12s %12s %7s\n", "case", "A median us", "B median us", "B/A");
  for (const bench::Shape& c : bench::kShapes) {
    for (const Layout layout : bench::kLayouts) {
      const std::string name = std::string(c.name) + "/" + bench::LayoutName(layout);
      if (name.find(filter) == std::string::npos) continue;
      simdpool_problem p;
      libs[0].init(&p);
      p.op = static_cast<int32_t>(c.op);
      p.layout = static_cast<int32_t>(layout);
      p.batch = c.n;
      p.channels = c.c;
      p.input[0] = c.h;
      p.input[1] = c.w;
      for (int i = 0; i < 2; ++i) {
        p.kernel[i] = c.kernel;
        p.stride[i] = c.stride;
        p.pad_begin[i] = p.pad_end[i] = c.pad;
      }
      if (c.op == Op::kAvg) p.count_include_pad = c.count_include_pad;
      if (c.indices == bench::Indices::kInt32) p.index_type = SIMDPOOL_INDEX_INT32;
      simdpool_shape shape;
      if (libs[0].validate(&p, &shape) != SIMDPOOL_OK || libs[1].validate(&p, &shape) != SIMDPOOL_OK) {
        std::printf("%-28s skipped: invalid for A or B (a revision before the case's options)\n", name.c_str());
        continue;
      }
      const int64_t inputs = c.n * c.c * c.h * c.w;
      auto src = bench::AllocateZeroed<float>(inputs);
      auto dst = bench::AllocateZeroed<float>(shape.elements);
      auto indices = bench::AllocateZeroed<int64_t>(shape.elements);
      if (!src || !dst || !indices) return 1;
      for (int64_t i = 0; i < inputs; ++i) src[i] = static_cast<float>(i * 7919 % 1000) / 100;
      // About 2 ms per library and round.
      const int64_t reps = std::max<int64_t>(1, 500000000 / 250 / std::max<int64_t>(inputs, 1));
      std::vector<double> times[2];
      for (int round = 0; round < 22; ++round) {
        for (int w = 0; w < 2; ++w) {
          const auto start = std::chrono::steady_clock::now();
          for (int64_t r = 0; r < reps; ++r) {
            if (libs[w].run(&p, src.get(), dst.get(), c.indices != bench::Indices::kNone ? indices.get() : nullptr) != SIMDPOOL_OK) {
              return 1;
            }
          }
          const std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
          if (round > 0) times[w].push_back(elapsed.count() / static_cast<double>(reps));  // round 0 warms up
        }
      }
      const double a = Median(times[0]), b = Median(times[1]);
      std::printf("%-28s %12.1f %12.1f %7.3f\n", name.c_str(), a, b, b / a);
    }
  }
  return 0;
}
