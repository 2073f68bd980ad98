// Pooling benchmarks on common CNN shapes: one benchmark per (shape, layout,
// target) for every target this CPU supports, including the scalar
// "reference", plus a streaming baseline per (shape, layout). After the runs a
// summary table compares the best SIMD target with the baseline and with the
// reference.
//
// Standard Google Benchmark flags keep working (--benchmark_filter,
// --benchmark_repetitions, --benchmark_min_time, --benchmark_format, ...).
// With repetitions, the summary quotes the median of each benchmark.

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "simdpool/simdpool.hpp"
#include "shapes.h"
#include "stream.h"

namespace simdpool {
namespace bench {
namespace {

// --benchmark_min_time unless the user sets one: long enough for stable
// numbers, short enough that the default run takes a few minutes.
constexpr double kDefaultMinTime = 1.0;
// The scalar reference only provides the denominator of a speedup, and one
// call of the batch-32 shape takes seconds, so one or two calls suffice.
constexpr double kReferenceMinTime = 0.05;
constexpr uint32_t kSeed = 20240611;
constexpr char kReference[] = "reference";
constexpr char kStream[] = "stream";

// ---------------------------------------------------------------- Cases

// One (shape, layout): the problem and the bytes one call reads and writes.
struct Case {
  std::string name;  // e.g. "resnet_stem_max/nchw"
  Problem2D problem;
  Indices indices;
  Status status;  // of OutputShape; benchmarks of an invalid case fail
  int64_t in_elements = 0;
  int64_t out_elements = 0;

  int64_t InBytes() const { return in_elements * static_cast<int64_t>(sizeof(float)); }
  int64_t OutBytes() const { return out_elements * static_cast<int64_t>(sizeof(float)); }
  int64_t IndexBytes() const { return out_elements * IndexSize(indices); }
  int64_t TotalBytes() const { return InBytes() + OutBytes() + IndexBytes(); }
};

std::vector<Case> MakeCases() {
  std::vector<Case> cases;
  for (const Shape& shape : kShapes) {
    for (Layout layout : kLayouts) {
      Case c{std::string(shape.name) + "/" + LayoutName(layout), MakeProblem(shape, layout),
             shape.indices, Status()};
      simdpool_shape out_shape;
      c.status = OutputShape(c.problem, &out_shape);
      if (c.status.ok()) {
        c.in_elements = shape.n * shape.c * shape.h * shape.w;
        c.out_elements = out_shape.elements;
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

// ---------------------------------------------------------------- Tensors

// The buffers of one case, shared by all its benchmarks so that every target
// reads the same input and the (up to 100 MB) input is filled only once.
struct Tensors {
  AlignedPtr<float> src, dst;
  AlignedPtr<int64_t> indices;  // null unless the case writes indices; int32 ones use half
};

std::unique_ptr<Tensors> MakeTensors(const Case& c) {
  auto t = std::make_unique<Tensors>();
  t->src = AllocateZeroed<float>(c.in_elements);
  t->dst = AllocateZeroed<float>(c.out_elements);
  if (c.indices != Indices::kNone) {
    t->indices = AllocateZeroed<int64_t>(c.out_elements);
    if (!t->indices) return nullptr;
  }
  if (!t->src || !t->dst) return nullptr;
  std::mt19937 rng(kSeed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::generate(t->src.get(), t->src.get() + c.in_elements, [&] { return dist(rng); });
  return t;
}

// Benchmarks run in registration order, grouped by case, so caching only the
// latest case's tensors bounds memory without refilling them per target.
// Returns null if out of memory.
Tensors* GetTensors(size_t case_index, const Case& c) {
  static size_t cached_index = SIZE_MAX;
  static std::unique_ptr<Tensors> cached;
  if (case_index != cached_index) {
    cached.reset();  // free the previous case first
    cached = MakeTensors(c);
    cached_index = cached ? case_index : SIZE_MAX;
  }
  return cached.get();
}

// ---------------------------------------------------------------- Benchmarks

// Both rates count the bytes of the pooling call (input + output + indices),
// also for the stream baseline, so its rates are directly comparable.
void SetCounters(benchmark::State& state, const Case& c) {
  const int64_t iterations = static_cast<int64_t>(state.iterations());
  state.SetBytesProcessed(iterations * c.TotalBytes());
  state.counters["outputs/s"] = benchmark::Counter(
      static_cast<double>(iterations * c.out_elements), benchmark::Counter::kIsRate);
}

void PoolBenchmark(benchmark::State& state, size_t case_index, const Case& c,
                   const std::string& target) {
  state.SetLabel(target + " " + c.problem.ToString());
  if (!c.status.ok()) {
    state.SkipWithError(c.status.message().c_str());
    return;
  }
  Status status = ForceTarget(target);
  if (status.ok() && ActiveTarget() != target) {
    status = Status(SIMDPOOL_UNSUPPORTED,
                    "active target is " + ActiveTarget() + " after forcing " + target);
  }
  Tensors* t = status.ok() ? GetTensors(case_index, c) : nullptr;
  if (status.ok() && t == nullptr) status = Status(SIMDPOOL_OUT_OF_MEMORY, "out of memory");
  Plan plan;
  if (status.ok()) status = Plan::Create(c.problem, &plan);
  if (status.ok()) {
    for (auto _ : state) {
      status = RunShape(plan, t->src.get(), t->dst.get(), c.indices, t->indices.get());
      if (!status.ok()) break;
    }
  }
  ForceTarget("");  // back to automatic selection; cannot fail
  if (!status.ok()) {
    state.SkipWithError(status.message().c_str());
    return;
  }
  SetCounters(state, c);
}

// Reads the input once and writes the output (and indices) once, with the
// best SIMD target: the least memory traffic any pooling kernel needs, so
// stream/best says how close a kernel gets to this machine's bandwidth.
void StreamBenchmark(benchmark::State& state, size_t case_index, const Case& c) {
  state.SetLabel(std::string("stream ") + c.problem.ToString());
  if (!c.status.ok()) {
    state.SkipWithError(c.status.message().c_str());
    return;
  }
  Tensors* t = GetTensors(case_index, c);
  if (t == nullptr) {
    state.SkipWithError("out of memory");
    return;
  }
  // Indices are written as floats of the same bytes.
  const size_t out_floats = static_cast<size_t>(c.out_elements);
  const size_t index_floats = static_cast<size_t>(c.IndexBytes()) / sizeof(float);
  float* indices = reinterpret_cast<float*>(t->indices.get());
  for (auto _ : state) {
    float max = Stream(t->src.get(), static_cast<size_t>(c.in_elements), t->dst.get(), out_floats);
    if (indices != nullptr) max += Stream(nullptr, 0, indices, index_floats);
    benchmark::DoNotOptimize(max);
    benchmark::ClobberMemory();
  }
  SetCounters(state, c);
}

// ---------------------------------------------------------------- Reporter

// Forwards everything to the reporter --benchmark_format selected and records
// the real time per call of every benchmark for the summary.
class SummaryReporter : public benchmark::BenchmarkReporter {
 public:
  explicit SummaryReporter(std::unique_ptr<benchmark::BenchmarkReporter> display)
      : display_(std::move(display)) {}

  bool ReportContext(const Context& context) override {
    return display_->ReportContext(context);
  }

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) Record(run);
    display_->ReportRuns(runs);
  }

  void Finalize() override { display_->Finalize(); }

  bool empty() const { return timings_.empty(); }
  int64_t repetitions() const { return repetitions_; }

  // Seconds per call of the benchmark registered as `name`: the median
  // aggregate if repetitions produced one, else the median of its runs.
  // kMissing if it did not run, kFailed if it was skipped with an error.
  static constexpr double kMissing = -1.0;
  static constexpr double kFailed = -2.0;
  double Seconds(const std::string& name) const {
    const auto it = timings_.find(name);
    if (it == timings_.end()) return kMissing;
    const Timing& timing = it->second;
    if (timing.median >= 0.0) return timing.median;
    if (timing.runs.empty()) return timing.failed ? kFailed : kMissing;
    std::vector<double> runs = timing.runs;
    const size_t mid = runs.size() / 2;
    std::nth_element(runs.begin(), runs.begin() + static_cast<std::ptrdiff_t>(mid), runs.end());
    return runs[mid];  // upper median for an even count; fine for a summary
  }

 private:
  struct Timing {
    std::vector<double> runs;  // one per repetition
    double median = -1.0;      // the "median" aggregate, if any
    bool failed = false;
  };

  void Record(const Run& run) {
    // function_name is the registered name, without suffixes such as
    // "/min_time:0.050" or aggregate names.
    Timing& timing = timings_[run.run_name.function_name];
    if (run.error_occurred) {
      timing.failed = true;
      return;
    }
    const double seconds =
        run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
    if (run.run_type == Run::RT_Aggregate) {
      if (run.aggregate_name == "median") timing.median = seconds;
    } else {
      timing.runs.push_back(seconds);
    }
    repetitions_ = std::max<int64_t>(repetitions_, run.repetitions);
  }

  std::unique_ptr<benchmark::BenchmarkReporter> display_;
  std::map<std::string, Timing> timings_;
  int64_t repetitions_ = 1;
};

// ---------------------------------------------------------------- Summary

std::string FormatTime(double seconds) {
  if (seconds == SummaryReporter::kFailed) return "error";
  if (seconds < 0.0) return "-";
  char buf[32];
  if (seconds < 1e-3) {
    std::snprintf(buf, sizeof(buf), "%.1f us", seconds * 1e6);
  } else if (seconds < 1.0) {
    std::snprintf(buf, sizeof(buf), "%.2f ms", seconds * 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%.3f s", seconds);
  }
  return buf;
}

// numerator / denominator of two times, or "-" if either is unavailable.
std::string FormatRatio(double numerator, double denominator, const char* format) {
  if (numerator <= 0.0 || denominator <= 0.0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), format, numerator / denominator);
  return buf;
}

// A table with left-aligned text in the first `left` columns and
// right-aligned numbers in the rest, each column as wide as its widest cell.
class Table {
 public:
  explicit Table(size_t left) : left_(left) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  void Print(std::FILE* out) const {
    std::vector<size_t> widths;
    for (const auto& row : rows_) {
      widths.resize(std::max(widths.size(), row.size()), 0);
      for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    for (const auto& row : rows_) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) {
        const std::string pad(widths[i] - row[i].size(), ' ');
        line += i < left_ ? row[i] + pad : pad + row[i];
        if (i + 1 < row.size()) line += "  ";
      }
      std::fprintf(out, "%s\n", line.c_str());
    }
  }

 private:
  size_t left_;
  std::vector<std::vector<std::string>> rows_;
};

void PrintSummary(const SummaryReporter& reporter, const std::vector<Case>& cases,
                  const std::vector<std::string>& targets, std::FILE* out) {
  Table best_table(2);
  best_table.AddRow({"shape/layout", "target", "best", "stream", "reference", "stream/best",
                     "ref/best"});
  Table all_table(1);
  std::vector<std::string> header = {"shape/layout"};
  header.insert(header.end(), targets.begin(), targets.end());
  header.push_back(kStream);
  all_table.AddRow(header);

  for (const Case& c : cases) {
    const double stream = reporter.Seconds(c.name + "/" + kStream);
    const double reference = reporter.Seconds(c.name + "/" + kReference);
    std::string best_target = "-";
    double best = SummaryReporter::kMissing;
    bool any = stream != SummaryReporter::kMissing;
    std::vector<std::string> all_row = {c.name};
    for (const std::string& target : targets) {
      const double seconds = reporter.Seconds(c.name + "/" + target);
      any |= seconds != SummaryReporter::kMissing;
      all_row.push_back(FormatTime(seconds));
      if (target != kReference && seconds > 0.0 && (best <= 0.0 || seconds < best)) {
        best = seconds;
        best_target = target;
      }
    }
    if (!any) continue;  // filtered out
    all_row.push_back(FormatTime(stream));
    all_table.AddRow(all_row);
    best_table.AddRow({c.name, best_target, FormatTime(best), FormatTime(stream),
                       FormatTime(reference), FormatRatio(stream, best, "%.2f"),
                       FormatRatio(reference, best, "%.1fx")});
  }

  std::fprintf(out, "\nsimdpool summary: real time per call, %s\n",
               reporter.repetitions() > 1
                   ? ("median of " + std::to_string(reporter.repetitions()) + " repetitions")
                         .c_str()
                   : "single run (use --benchmark_repetitions=N for medians)");
  std::fprintf(out,
               "  target    = fastest non-reference target; best = its time\n"
               "  stream/best = stream time / best time: the best target's speed relative to\n"
               "              reading its input once and writing its outputs once (1 = at\n"
               "              this machine's bandwidth)\n"
               "  ref/best  = reference time / best time: speedup over the scalar reference\n\n");
  best_table.Print(out);
  std::fprintf(out, "\nAll targets, real time per call:\n\n");
  all_table.Print(out);
  std::fflush(out);
}

// ---------------------------------------------------------------- Flags

// Value of --name=value the way Google Benchmark reads it (last occurrence on
// the command line, else the environment variable NAME in upper case), or
// null. We need some flags before benchmark::Initialize consumes them.
const char* FlagValue(int argc, char** argv, const std::string& name) {
  const std::string prefix = "--" + name;
  const char* value = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) != 0) continue;
    const char* rest = argv[i] + prefix.size();
    if (*rest == '=') value = rest + 1;
    if (*rest == '\0') value = "true";  // bare boolean flag
  }
  if (value != nullptr) return value;
  std::string env = name;
  for (char& ch : env) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return std::getenv(env.c_str());
}

std::string FlagOr(int argc, char** argv, const std::string& name, const char* fallback) {
  const char* value = FlagValue(argc, argv, name);
  return value != nullptr ? value : fallback;
}

bool IsTruthy(std::string value) {
  for (char& ch : value) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return !(value.empty() || value == "0" || value == "f" || value == "false" || value == "n" ||
           value == "no" || value == "off");
}

// Passing our own display reporter bypasses the one Google Benchmark would
// build from --benchmark_format/_color/_counters_tabular, so mirror it.
std::unique_ptr<benchmark::BenchmarkReporter> MakeDisplayReporter(int argc, char** argv) {
  const std::string format = FlagOr(argc, argv, "benchmark_format", "console");
  if (format == "json") return std::make_unique<benchmark::JSONReporter>();
  if (format == "csv") {
    BENCHMARK_DISABLE_DEPRECATED_WARNING
    return std::make_unique<benchmark::CSVReporter>();
    BENCHMARK_RESTORE_DEPRECATED_WARNING
  }
  using Console = benchmark::ConsoleReporter;
  int options = Console::OO_None;
  const std::string color = FlagOr(argc, argv, "benchmark_color", "auto");
  const char* term = std::getenv("TERM");
  const bool color_terminal =
      isatty(STDOUT_FILENO) && term != nullptr && std::strcmp(term, "dumb") != 0;
  if (color == "auto" ? color_terminal : IsTruthy(color)) options |= Console::OO_Color;
  if (IsTruthy(FlagOr(argc, argv, "benchmark_counters_tabular", "false"))) {
    options |= Console::OO_Tabular;
  }
  return std::make_unique<Console>(static_cast<Console::OutputOptions>(options));
}

}  // namespace
}  // namespace bench
}  // namespace simdpool

int main(int argc, char** argv) {
  namespace sb = simdpool::bench;
  const bool user_min_time = sb::FlagValue(argc, argv, "benchmark_min_time") != nullptr;
  sb::SummaryReporter reporter(sb::MakeDisplayReporter(argc, argv));

  // Our default min time goes first so that a --benchmark_min_time given by
  // the user, parsed later, still wins.
  std::string default_min_time =
      "--benchmark_min_time=" + std::to_string(sb::kDefaultMinTime);
  std::vector<char*> args(argv, argv + argc);
  if (!user_min_time) args.insert(args.begin() + 1, &default_min_time[0]);
  int args_count = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&args_count, args.data());
  if (benchmark::ReportUnrecognizedArguments(args_count, args.data())) return 1;

  // Outlive the benchmarks, which refer to them.
  const std::vector<sb::Case> cases = sb::MakeCases();
  const std::vector<std::string> targets = simdpool::SupportedTargets();
  for (size_t i = 0; i < cases.size(); ++i) {
    const sb::Case& c = cases[i];
    benchmark::RegisterBenchmark((c.name + "/" + sb::kStream).c_str(),
                                 [i, &c](benchmark::State& state) {
                                   sb::StreamBenchmark(state, i, c);
                                 })
        ->Unit(benchmark::kMicrosecond);
    for (const std::string& target : targets) {
      auto* b = benchmark::RegisterBenchmark(
          (c.name + "/" + target).c_str(), [i, &c, target](benchmark::State& state) {
            sb::PoolBenchmark(state, i, c, target);
          });
      b->Unit(benchmark::kMicrosecond);
      if (target == sb::kReference && !user_min_time) b->MinTime(sb::kReferenceMinTime);
    }
  }

  benchmark::RunSpecifiedBenchmarks(&reporter);
  if (!reporter.empty()) {
    // Keep machine-readable formats on stdout parseable.
    const bool console = sb::FlagOr(argc, argv, "benchmark_format", "console") == "console";
    sb::PrintSummary(reporter, cases, targets, console ? stdout : stderr);
  }
  benchmark::Shutdown();
  return 0;
}
