// automl_hpo_bench: the optimization quality and the cost per ask of a sampler of the registry on
// the test functions of bench/hpo/functions.h. bench/hpo/optuna_bench.py does the same for
// Optuna's samplers, with the same output; bench/hpo/run.sh runs both and bench/hpo/report.py
// makes the tables and plots.
//
//   automl_hpo_bench --sampler NAME [--sampler-options JSON] [--label LABEL] --function F
//                    --seeds A:B --trials N --out FILE.jsonl
//       Runs sampler NAME (with the options of the JSON object, as a config's
//       {"name": NAME, ...} would give them) on F, once per seed A..B (the study's seed), each an
//       in-memory study of N ask/tell trials, and writes one JSON line per seed to FILE:
//         sampler, impl, spec, function, seed, trials, minimum,
//         regret            best-so-far simple regret after each trial (N numbers, to 6
//                           significant digits): the noise-free value of the incumbent (the trial
//                           with the best value the sampler saw, the first one among ties) minus
//                           the global minimum
//         final_regret      the last of them, in full precision
//         ask_seconds_median, ask_seconds_total   wall time of Study::Ask() (sampling included)
//         ask_cpu_seconds_median, ask_cpu_seconds_total   the same in this process's CPU time
//         ask_cpu_seconds_last_decile_median   CPU time of the last tenth of the asks (the cost
//                           per ask at about N trials; bench/hpo/run_ask_cost.sh)
//         seconds           wall time of the whole run for this seed
//       A sampler that this build does not register: one line on stderr, exit status 1.
//   automl_hpo_bench --evaluate
//       Reads {"function", "params", "seed", "trial"} lines on stdin and prints
//       {"value": noise-free value, "noise": Noise(seed, trial)} for each, so that
//       bench/hpo/functions.py can check that it defines the same functions.
//   automl_hpo_bench --list
//       The names of the registered samplers, one a line.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/json.h"
#include "automl/registry.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "functions.h"

namespace automl::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kUnknownSampler = 1;
constexpr int kUsage = 2;

struct RunArgs {
  std::string sampler;
  Json options = Json::object();
  std::string label;
  std::string function;
  uint64_t first_seed = 0;
  uint64_t last_seed = 0;
  int64_t trials = 0;
  std::string out;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// CPU time of this process (all its threads), in seconds: on a shared machine, unlike wall time,
// not inflated by other processes waiting for the same cores.
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Sum(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return sum;
}

// |x| to 6 significant digits: the regret curves are stored this way to keep the result files
// small (bench/hpo/optuna_bench.py rounds alike).
double Round6(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", x);
  return std::strtod(text, nullptr);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The last tenth (at least one) of |values|.
std::vector<double> LastDecile(const std::vector<double>& values) {
  const size_t n = std::max<size_t>(1, values.size() / 10);
  return {values.end() - static_cast<std::ptrdiff_t>(std::min(n, values.size())), values.end()};
}

// One study of |args.trials| trials of |f| with seed |seed|, as one JSON line.
Json RunOnce(const Components& components, const RunArgs& args, const TestFunction& f,
             uint64_t seed) {
  Json spec = args.options;
  spec["name"] = args.sampler;
  StudyOptions options;
  options.name = "hpo_bench";
  options.space = f.space;
  options.seed = seed;
  const SamplerContext context{f.space, options.directions, seed, "none"};
  Study study = Study::CreateOrLoad(OpenStorage("memory"), options,
                                    components.samplers.Create(spec, context));

  std::vector<double> regret;
  std::vector<double> ask_seconds;
  std::vector<double> ask_cpu_seconds;
  double best_seen = std::numeric_limits<double>::infinity();
  double best_truth = 0;
  double final_regret = 0;
  const Clock::time_point start = Clock::now();
  for (int64_t i = 0; i < args.trials; ++i) {
    const Clock::time_point before = Clock::now();
    const double cpu_before = CpuSeconds();
    Trial trial = study.Ask();
    ask_cpu_seconds.push_back(CpuSeconds() - cpu_before);
    ask_seconds.push_back(Seconds(Clock::now() - before));
    const double truth = f.value(trial.params());
    const double seen = truth + f.noise_sd * Noise(seed, static_cast<uint64_t>(trial.number()));
    if (seen < best_seen) {
      best_seen = seen;
      best_truth = truth;
    }
    study.Tell(trial, seen);
    final_regret = best_truth - f.minimum;
    regret.push_back(Round6(best_truth - f.minimum));
  }
  return Json{{"sampler", args.label},
              {"impl", "automl"},
              {"spec", spec},
              {"function", f.name},
              {"seed", seed},
              {"trials", args.trials},
              {"minimum", f.minimum},
              {"regret", regret},
              {"final_regret", final_regret},
              {"ask_seconds_median", Median(ask_seconds)},
              {"ask_seconds_total", Sum(ask_seconds)},
              {"ask_cpu_seconds_median", Median(ask_cpu_seconds)},
              {"ask_cpu_seconds_total", Sum(ask_cpu_seconds)},
              {"ask_cpu_seconds_last_decile_median", Median(LastDecile(ask_cpu_seconds))},
              {"seconds", Seconds(Clock::now() - start)}};
}

int Run(const RunArgs& args) {
  const Components components = BuiltinComponents();
  if (!components.samplers.Contains(args.sampler)) {
    std::string known;
    for (const std::string& n : components.samplers.Names()) known += " " + n;
    std::cerr << "automl_hpo_bench: sampler '" << args.sampler
              << "' is not registered in this build (registered:" << known << ")\n";
    return kUnknownSampler;
  }
  const TestFunction f = MakeFunction(args.function);
  std::ofstream out(args.out);
  if (!out) throw std::runtime_error("cannot write " + args.out);
  for (uint64_t seed = args.first_seed; seed <= args.last_seed; ++seed) {
    out << RunOnce(components, args, f, seed).dump() << "\n" << std::flush;
  }
  if (!out) throw std::runtime_error("error writing " + args.out);
  return 0;
}

int Evaluate() {
  std::map<std::string, TestFunction> functions;
  for (const std::string& name : FunctionNames()) functions.emplace(name, MakeFunction(name));
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    const Json in = Json::parse(line);
    const TestFunction& f = functions.at(in.at("function").get<std::string>());
    const double value = f.value(ParamsFromJson(in.at("params")));
    const double noise = Noise(in.at("seed").get<uint64_t>(), in.at("trial").get<uint64_t>());
    std::cout << Json{{"value", value}, {"noise", noise}}.dump() << "\n";
  }
  return 0;
}

int List() {
  for (const std::string& name : BuiltinComponents().samplers.Names()) std::cout << name << "\n";
  return 0;
}

constexpr const char* kUsageText =
    "usage: automl_hpo_bench --sampler NAME [--sampler-options JSON] [--label LABEL]\n"
    "                        --function F --seeds A:B --trials N --out FILE.jsonl\n"
    "       automl_hpo_bench --evaluate    (JSON lines on stdin)\n"
    "       automl_hpo_bench --list\n";

RunArgs ParseRunArgs(const std::vector<std::string>& argv) {
  std::map<std::string, std::string> flags;
  for (size_t i = 0; i < argv.size(); i += 2) {
    if (argv[i].rfind("--", 0) != 0 || i + 1 >= argv.size()) {
      throw std::invalid_argument("expected --flag value pairs, got '" + argv[i] + "'");
    }
    flags[argv[i]] = argv[i + 1];
  }
  const auto need = [&](const std::string& flag) {
    const auto it = flags.find(flag);
    if (it == flags.end()) throw std::invalid_argument(flag + " is required");
    return it->second;
  };
  RunArgs args;
  args.sampler = need("--sampler");
  args.label = flags.count("--label") ? flags["--label"] : args.sampler;
  if (flags.count("--sampler-options")) {
    args.options = Json::parse(flags["--sampler-options"]);
    if (!args.options.is_object()) {
      throw std::invalid_argument("--sampler-options must be a JSON object");
    }
  }
  args.function = need("--function");
  const std::string seeds = need("--seeds");
  const size_t colon = seeds.find(':');
  if (colon == std::string::npos) throw std::invalid_argument("--seeds must be A:B");
  args.first_seed = std::stoull(seeds.substr(0, colon));
  args.last_seed = std::stoull(seeds.substr(colon + 1));
  if (args.last_seed < args.first_seed) throw std::invalid_argument("--seeds A:B needs A <= B");
  args.trials = std::stoll(need("--trials"));
  if (args.trials < 1) throw std::invalid_argument("--trials must be at least 1");
  args.out = need("--out");
  for (const auto& [flag, value] : flags) {
    static const char* kKnown[] = {"--sampler", "--sampler-options", "--label", "--function",
                                   "--seeds",   "--trials",          "--out"};
    if (std::find(std::begin(kKnown), std::end(kKnown), flag) == std::end(kKnown)) {
      throw std::invalid_argument("unknown flag " + flag);
    }
  }
  return args;
}

int Main(const std::vector<std::string>& argv) {
  if (argv.size() == 1 && argv[0] == "--evaluate") return Evaluate();
  if (argv.size() == 1 && argv[0] == "--list") return List();
  return Run(ParseRunArgs(argv));
}

}  // namespace
}  // namespace automl::bench

int main(int argc, char** argv) {
  try {
    return automl::bench::Main(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::invalid_argument& e) {
    std::cerr << "automl_hpo_bench: " << e.what() << "\n" << automl::bench::kUsageText;
    return automl::bench::kUsage;
  } catch (const std::exception& e) {
    std::cerr << "automl_hpo_bench: " << e.what() << "\n";
    return automl::bench::kUsage;
  }
}
