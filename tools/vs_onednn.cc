// Same-process timing of simdpool against oneDNN's pooling primitive (see
// tools/vs-onednn.sh) on the benchmark shapes, both layouts, f32, one thread.
// Both read the same 64-byte-aligned input; each round times simdpool, then
// oneDNN, then the stream baseline, so the noise of a shared machine hits all
// three alike. Prints per case oneDNN's implementation, then a markdown table.
//
// usage: vs_onednn [CASE_SUBSTRING]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"
#include "shapes.h"  // bench/: the shapes, aligned tensors
#include "stream.h"  // bench/: the benchmark's streaming baseline

namespace {

namespace bench = simdpool::bench;
using simdpool::Layout;
using simdpool::Op;

constexpr int kRounds = 3;
constexpr int kBatchesPerRound = 11;
constexpr double kBatchMicros = 2000;

double MicrosPerCall(const std::function<void()>& call, int64_t calls) {
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < calls; ++i) call();
  const std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
  return elapsed.count() / static_cast<double>(calls);
}

// Calls per batch for ~kBatchMicros, measured over at least a tenth of that.
int64_t CallsPerBatch(const std::function<void()>& call) {
  call();  // warm-up: page faults, first-call setup
  int64_t calls = 1;
  double micros = MicrosPerCall(call, calls);
  while (micros * static_cast<double>(calls) < kBatchMicros / 10) {
    calls *= 2;
    micros = MicrosPerCall(call, calls);
  }
  return std::max<int64_t>(1, std::llround(kBatchMicros / micros));
}

// The second-fastest batch: robust to one lucky batch, blind to slow ones.
double SecondFastestBatch(const std::function<void()>& call, int64_t calls) {
  std::vector<double> batches;
  for (int b = 0; b < kBatchesPerRound; ++b) batches.push_back(MicrosPerCall(call, calls));
  std::sort(batches.begin(), batches.end());
  return batches[1];
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Max must match bit for bit. Avg: oneDNN multiplies by a reciprocal, so
// allow 1e-5 relative to the inputs' scale (|x| <= 1), since a window's mean
// may cancel to nearly 0. Returns the number of mismatching outputs.
int64_t CountMismatches(Op op, const float* a, const float* b, int64_t n) {
  int64_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    const bool same = op == Op::kMax
                          ? std::memcmp(&a[i], &b[i], sizeof(float)) == 0
                          : std::fabs(a[i] - b[i]) <= 1e-5f * std::max(1.0f, std::fabs(b[i]));
    bad += same ? 0 : 1;
  }
  return bad;
}

// The CPU's model name, family and model from /proc/cpuinfo, so that a
// table says which machine it was measured on (ratios differ a lot between
// CPUs, and a virtual machine may name only the vendor).
std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, name = "unknown CPU", family, model;
  const auto value = [&line] {
    const size_t colon = line.find(':');
    return colon == std::string::npos || colon + 2 > line.size() ? std::string() : line.substr(colon + 2);
  };
  while (std::getline(cpuinfo, line) && !line.empty()) {  // the first processor's block
    if (line.rfind("model name", 0) == 0) name = value();
    if (line.rfind("cpu family", 0) == 0) family = value();
    if (line.rfind("model\t", 0) == 0) model = value();
  }
  return family.empty() ? name : name + " (family " + family + ", model " + model + ")";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string filter = argc > 1 ? argv[1] : "";
  const dnnl_version_t* version = dnnl_version();
  std::printf("%s; oneDNN %d.%d.%d, cpu runtime %u (1 = sequential, 2 = OpenMP)\n", CpuModel().c_str(),
              version->major, version->minor, version->patch, version->cpu_runtime);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream queue(engine);
  std::string table =
      "| case | layout | simdpool µs | oneDNN µs | simdpool/oneDNN | stream µs | stream/oneDNN |\n"
      "|---|---|---:|---:|---:|---:|---:|\n";
  volatile float stream_sink = 0;  // keeps the stream baseline's reads alive
  for (const bench::Shape& s : bench::kShapes) {
    for (const Layout layout : bench::kLayouts) {
      const std::string name = std::string(s.name) + "/" + bench::LayoutName(layout);
      if (name.find(filter) == std::string::npos) continue;

      // simdpool, as bench/bench_pool.cc builds it; automatic target.
      const simdpool::Problem2D problem = bench::MakeProblem(s, layout);
      simdpool_shape out;
      if (const simdpool::Status st = simdpool::OutputShape(problem, &out); !st.ok()) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(), st.message().c_str());
        return 1;
      }
      const bool nchw = layout == Layout::kNCHW;
      const int64_t out_h = out.dims[nchw ? 2 : 1], out_w = out.dims[nchw ? 3 : 2];
      const int64_t inputs = s.n * s.c * s.h * s.w, outputs = out.elements;
      auto src = bench::AllocateZeroed<float>(inputs);
      auto dst = bench::AllocateZeroed<float>(outputs);
      auto onednn_dst = bench::AllocateZeroed<float>(outputs);
      const bool with_indices = s.indices != bench::Indices::kNone;
      auto indices = bench::AllocateZeroed<int64_t>(with_indices ? outputs : 0);  // int32 ones use half
      if (!src || !dst || !onednn_dst || !indices) return 1;
      std::mt19937 rng(20240611);
      std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
      std::generate(src.get(), src.get() + inputs, [&] { return uniform(rng); });
      simdpool::Plan plan;
      if (const simdpool::Status st = simdpool::Plan::Create(problem, &plan); !st.ok()) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(), st.message().c_str());
        return 1;
      }
      const std::function<void()> run_simdpool = [&] {
        if (!bench::RunShape(plan, src.get(), dst.get(), s.indices, indices.get()).ok()) std::abort();
      };

      // oneDNN 2.6: pooling_v2 takes dilation, where 0 means none. Memory
      // dims are always logical (N, C, H, W); the tag gives the layout.
      const auto tag = nchw ? dnnl::memory::format_tag::nchw : dnnl::memory::format_tag::nhwc;
      const dnnl::memory::desc src_md({s.n, s.c, s.h, s.w}, dnnl::memory::data_type::f32, tag);
      const dnnl::memory::desc dst_md({s.n, s.c, out_h, out_w}, dnnl::memory::data_type::f32, tag);
      const auto algorithm = s.op == Op::kMax ? dnnl::algorithm::pooling_max
                             : s.count_include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                                   : dnnl::algorithm::pooling_avg_exclude_padding;
      // With indices, forward_training makes oneDNN write its workspace too:
      // the argmax as 1 byte per output (the tap within the window), not
      // the int64 or int32 plane offsets that simdpool writes, so it moves less data.
      const auto prop = with_indices ? dnnl::prop_kind::forward_training
                                  : dnnl::prop_kind::forward_inference;
      const dnnl::pooling_v2_forward::desc desc(
          prop, algorithm, src_md, dst_md, {s.stride, s.stride}, {s.kernel, s.kernel}, {0, 0},
          {s.pad, s.pad}, {s.pad, s.pad});
      const dnnl::pooling_v2_forward::primitive_desc pd(desc, engine);
      const dnnl::pooling_v2_forward pool(pd);
      std::unordered_map<int, dnnl::memory> args = {
          {DNNL_ARG_SRC, dnnl::memory(src_md, engine, src.get())},
          {DNNL_ARG_DST, dnnl::memory(dst_md, engine, onednn_dst.get())}};
      const size_t workspace_bytes = pd.workspace_desc().get_size();
      if (workspace_bytes > 0) args[DNNL_ARG_WORKSPACE] = dnnl::memory(pd.workspace_desc(), engine);
      const std::function<void()> run_onednn = [&] {
        pool.execute(queue, args);
        queue.wait();
      };

      // Stream baseline: what any kernel must move, at the best SIMD width
      // (bench/stream.cc): reads every input float once (a running max) and
      // writes simdpool's output, plus its indices as floats of the same
      // bytes. stream/oneDNN near 1 means oneDNN runs at memory speed.
      float* index_floats = with_indices ? reinterpret_cast<float*>(indices.get()) : nullptr;
      const size_t index_float_count = static_cast<size_t>(outputs * bench::IndexSize(s.indices)) / sizeof(float);
      const std::function<void()> run_stream = [&] {
        float max = bench::Stream(src.get(), static_cast<size_t>(inputs), dst.get(),
                                  static_cast<size_t>(outputs));
        if (index_floats != nullptr) max += bench::Stream(nullptr, 0, index_floats, index_float_count);
        stream_sink = max;
      };

      run_simdpool();
      run_onednn();
      std::printf("%s: simdpool %s; oneDNN %s, workspace %.2f bytes/output\n", name.c_str(),
                  simdpool::ActiveTarget().c_str(), pd.impl_info_str(),
                  static_cast<double>(workspace_bytes) / static_cast<double>(outputs));
      if (const int64_t bad = CountMismatches(s.op, dst.get(), onednn_dst.get(), outputs)) {
        std::printf("WARNING: %s: %lld of %lld outputs differ between simdpool and oneDNN\n",
                    name.c_str(), static_cast<long long>(bad), static_cast<long long>(outputs));
      }

      const std::function<void()>* runs[] = {&run_simdpool, &run_onednn, &run_stream};
      int64_t calls[3];
      std::vector<double> rounds[3];
      for (int i = 0; i < 3; ++i) calls[i] = CallsPerBatch(*runs[i]);
      for (int round = 0; round < kRounds; ++round) {
        for (int i = 0; i < 3; ++i) rounds[i].push_back(SecondFastestBatch(*runs[i], calls[i]));
      }
      const double simdpool_us = Median(rounds[0]), onednn_us = Median(rounds[1]),
                   stream_us = Median(rounds[2]);
      char row[256];
      std::snprintf(row, sizeof(row), "| %s | %s | %.1f | %.1f | %.2f | %.1f | %.2f |\n", s.name,
                    bench::LayoutName(layout), simdpool_us, onednn_us, simdpool_us / onednn_us,
                    stream_us, stream_us / onednn_us);
      table += row;
    }
  }
  std::printf("\n%s", table.c_str());
  return 0;
}
