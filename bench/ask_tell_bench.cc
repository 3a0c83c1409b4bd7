// automl_ask_tell_bench: the per-trial overhead of the ask/tell interface. One ask+tell is one
// Study::Ask() and one Study::Tell() with a cheap objective (the sum of the parameters), on a
// fixed five-parameter space with a RandomSampler seeded 0:
//
//   BM_AskTellMemory             a fresh in-memory study, 10,000 ask+tells
//   BM_AskTellSqlite             a fresh SQLite study (default durability: WAL,
//                                synchronous=FULL), 10,000 ask+tells
//   BM_AskTellSqliteFlatness/N   flatness on SQLite: 2,000 iterations, each one ask+tell in a
//                                study that already holds 1,000 trials and one in a study that
//                                already holds N (N = 10,000, 100,000), in alternating order, so
//                                that the disk's latency, which drifts a lot on a shared machine,
//                                weighs on both sizes alike. Counters: at_1000_us and at_size_us
//                                (wall time per ask+tell at each size), the same in CPU time
//                                (*_cpu_us), and ratio = at_size_us / at_1000_us.
//   BM_AskTellMemoryAt/N         2,000 ask+tells in an in-memory study holding N trials
//
// Iteration counts are fixed, so "10,000 trials" is literal; times are wall-clock (UseRealTime),
// since an SQLite commit spends its time waiting for fsync, not on the CPU.
//
// SQLite files go to a scratch directory under $AUTOML_BENCH_TMPDIR, else the system temporary
// directory ($TMPDIR or /tmp); it is removed at exit. The studies for the flatness runs are filled
// once per size with synchronous=off, closed, and copied for each repetition, which then opens the
// copies with the default URL (synchronous=full).
//
//   automl_ask_tell_bench --benchmark_repetitions=3 --benchmark_out=out.json
//                         --benchmark_out_format=json
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "automl/samplers/random_sampler.h"
#include "automl/search_space.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "automl/trial.h"
#include "automl/version.h"

namespace automl {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kTrials = 10000;
constexpr int64_t kFlatTrials = 2000;
constexpr int64_t kFlatBaseSize = 1000;
constexpr const char* kStudyName = "ask_tell_bench";

// float x in [-5, 10], float lr log [1e-5, 1e-1], int layers [1, 8], categorical opt {sgd, adam},
// float momentum [0.8, 0.99] when opt = sgd.
SearchSpace BenchSpace() {
  return SearchSpace({
      ParamSpec::Float("x", -5, 10),
      ParamSpec::Float("lr", 1e-5, 1e-1).Log(),
      ParamSpec::Int("layers", 1, 8),
      ParamSpec::Categorical("opt", {"sgd", "adam"}),
      ParamSpec::Float("momentum", 0.8, 0.99).When("opt", {"sgd"}),
  });
}

// The cheap objective: the sum of the parameters (opt counts 0 for sgd, 1 for adam).
double Objective(const Trial& trial) {
  double sum = trial.Float("x") + trial.Float("lr") + static_cast<double>(trial.Int("layers"));
  sum += trial.String("opt") == "sgd" ? 0.0 : 1.0;
  if (trial.Has("momentum")) sum += trial.Float("momentum");
  return sum;
}

Study OpenStudy(std::shared_ptr<Storage> storage) {
  StudyOptions options;
  options.name = kStudyName;
  options.space = BenchSpace();
  options.seed = 0;
  return Study::CreateOrLoad(std::move(storage), options, std::make_unique<RandomSampler>(0));
}

void AskTell(Study& study) {
  Trial trial = study.Ask();
  const double value = Objective(trial);
  benchmark::DoNotOptimize(study.Tell(trial, value));
}

// The scratch directory for SQLite files: created on first use, removed at exit.
class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("AUTOML_BENCH_TMPDIR");
    const fs::path dir = (base && *base) ? fs::path(base) : fs::temp_directory_path();
    const std::string pattern = (dir / "automl_bench_XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (mkdtemp(buffer.data()) == nullptr) {
      std::cerr << "automl_ask_tell_bench: cannot create a scratch directory from " << pattern
                << "\n";
      std::exit(1);
    }
    path_ = fs::path(buffer.data());
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

ScratchDir& Scratch() {
  static ScratchDir scratch;
  return scratch;
}

// "sqlite:////abs/path.db" plus options.
std::string SqliteUrl(const fs::path& file, const std::string& query = "") {
  return "sqlite:///" + fs::absolute(file).string() + query;
}

void RemoveDatabase(const fs::path& file) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    fs::remove(file.string() + suffix, ignored);
  }
}

void CopyDatabase(const fs::path& from, const fs::path& to) {
  RemoveDatabase(to);
  fs::copy_file(from, to);
  // Closing the last connection checkpoints the WAL into the file; copy a leftover log anyway.
  const fs::path wal = from.string() + "-wal";
  if (fs::exists(wal)) fs::copy_file(wal, to.string() + "-wal");
}

// A closed SQLite file holding a study with |size| finished trials, filled once per size with
// synchronous=off (fast, not durable) and reused by every repetition through a copy.
const fs::path& PrefilledSqlite(int64_t size) {
  static std::map<int64_t, fs::path> files;
  auto it = files.find(size);
  if (it != files.end()) return it->second;
  const fs::path file = Scratch().path() / ("prefilled_" + std::to_string(size) + ".db");
  RemoveDatabase(file);
  {
    Study study = OpenStudy(OpenStorage(SqliteUrl(file, "?synchronous=off")));
    for (int64_t i = 0; i < size; ++i) AskTell(study);
  }
  return files.emplace(size, file).first->second;
}

// ---- Benchmarks --------------------------------------------------------------------------------

void BM_AskTellMemory(benchmark::State& state) {
  Study study = OpenStudy(OpenStorage("memory"));
  for ([[maybe_unused]] auto _ : state) AskTell(study);
  state.SetItemsProcessed(state.iterations());
  state.counters["trials_before"] = 0;
}

void BM_AskTellSqlite(benchmark::State& state) {
  const fs::path file = Scratch().path() / "fresh.db";
  RemoveDatabase(file);
  {
    Study study = OpenStudy(OpenStorage(SqliteUrl(file)));
    for ([[maybe_unused]] auto _ : state) AskTell(study);
  }
  RemoveDatabase(file);
  state.SetItemsProcessed(state.iterations());
  state.counters["trials_before"] = 0;
}

// Wall and CPU time spent in one kind of step.
struct Stopwatch {
  std::chrono::steady_clock::duration wall{};
  double cpu_seconds = 0;

  template <typename F>
  void Time(F&& f) {
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t start_cpu = std::clock();
    f();
    cpu_seconds += static_cast<double>(std::clock() - start_cpu) / CLOCKS_PER_SEC;
    wall += std::chrono::steady_clock::now() - start;
  }
  double WallMicros(int64_t n) const {
    return std::chrono::duration<double, std::micro>(wall).count() / static_cast<double>(n);
  }
  double CpuMicros(int64_t n) const { return cpu_seconds * 1e6 / static_cast<double>(n); }
};

void BM_AskTellSqliteFlatness(benchmark::State& state) {
  const int64_t size = state.range(0);
  const fs::path base_file = Scratch().path() / "flat_base.db";
  const fs::path big_file = Scratch().path() / "flat_big.db";
  CopyDatabase(PrefilledSqlite(kFlatBaseSize), base_file);
  CopyDatabase(PrefilledSqlite(size), big_file);
  Stopwatch base_time;
  Stopwatch big_time;
  {
    // Default durability, as a user would open them.
    Study base = OpenStudy(OpenStorage(SqliteUrl(base_file)));
    Study big = OpenStudy(OpenStorage(SqliteUrl(big_file)));
    if (base.Counts().complete != kFlatBaseSize || big.Counts().complete != size) {
      state.SkipWithError("a pre-filled study does not hold the expected number of trials");
      return;
    }
    bool base_first = true;
    for ([[maybe_unused]] auto _ : state) {
      if (base_first) base_time.Time([&] { AskTell(base); });
      big_time.Time([&] { AskTell(big); });
      if (!base_first) base_time.Time([&] { AskTell(base); });
      base_first = !base_first;
    }
  }
  RemoveDatabase(base_file);
  RemoveDatabase(big_file);
  const int64_t n = state.iterations();
  state.SetItemsProcessed(2 * n);
  state.counters["trials_before"] = static_cast<double>(size);
  state.counters["at_1000_us"] = base_time.WallMicros(n);
  state.counters["at_size_us"] = big_time.WallMicros(n);
  state.counters["at_1000_cpu_us"] = base_time.CpuMicros(n);
  state.counters["at_size_cpu_us"] = big_time.CpuMicros(n);
  state.counters["ratio"] = big_time.WallMicros(n) / base_time.WallMicros(n);
}

void BM_AskTellMemoryAt(benchmark::State& state) {
  const int64_t size = state.range(0);
  Study study = OpenStudy(OpenStorage("memory"));
  for (int64_t i = 0; i < size; ++i) AskTell(study);
  for ([[maybe_unused]] auto _ : state) AskTell(study);
  state.SetItemsProcessed(state.iterations());
  state.counters["trials_before"] = static_cast<double>(size);
}

BENCHMARK(BM_AskTellMemory)->Iterations(kTrials)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AskTellSqlite)->Iterations(kTrials)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AskTellSqliteFlatness)
    ->Arg(10000)
    ->Arg(100000)
    ->Iterations(kFlatTrials)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AskTellMemoryAt)
    ->Arg(1000)
    ->Arg(100000)
    ->Iterations(kFlatTrials)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace automl

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("automl_version", AUTOML_VERSION);
  benchmark::AddCustomContext("sqlite_version", sqlite3_libversion());
  benchmark::AddCustomContext("scratch_dir", automl::Scratch().path().string());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
