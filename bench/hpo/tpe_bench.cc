// automl_tpe_bench: the TPE sampler's optimization quality and per-ask cost, to compare with
// Optuna 3.1's TPESampler (bench/hpo/optuna_tpe_bench.py runs the same functions there;
// bench/hpo/run_tpe_bench.sh runs both and prints a table).
//
//   automl_tpe_bench regret FUNCTION TRIALS FIRST_SEED LAST_SEED [option=value ...]
//       One JSON line per seed: the best value found in TRIALS trials and its regret (for the
//       noisy function, the noiseless value of the trial with the best observed value).
//       FUNCTION: branin, hartmann6, rosenbrock5, levy10, ackley10, styblinski_tang10, mixed,
//       noisy_hartmann6. Options are the sampler's (multivariate=false, n_startup_trials=20, ...).
//   automl_tpe_bench timing [option=value ...]
//       Time per ask on a 6-D space (six floats in [0, 1], Hartmann6 as the objective) when the
//       study holds 100 and 1,000 trials: the sampler's SampleRelative alone and the whole
//       Study::Ask() (in memory), each the median over 50 asks of this thread's CPU time.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/json.h"
#include "automl/random.h"
#include "automl/samplers/tpe_sampler.h"
#include "automl/storages/in_memory_storage.h"
#include "automl/study.h"
#include "tpe_functions.h"

namespace automl::bench {
namespace {

TestFunction MakeFunction(const std::string& name) {
  TestFunction f;
  f.name = name;
  const auto box = [&](int n, double low, double high, double minimum,
                       double (*g)(const std::vector<double>&)) {
    f.space = Box(n, low, high);
    f.minimum = minimum;
    f.truth = [n, g](const ParamMap& p) { return g(Floats(p, "x", n)); };
  };
  if (name == "branin") {
    f.space = SearchSpace({ParamSpec::Float("x0", -5, 10), ParamSpec::Float("x1", 0, 15)});
    f.minimum = 0.397887357729738;
    f.truth = [](const ParamMap& p) { return Branin(Floats(p, "x", 2)); };
  } else if (name == "hartmann6" || name == "noisy_hartmann6") {
    box(6, 0, 1, -3.32236801141551, Hartmann6);
    if (name == "noisy_hartmann6") f.noise_sd = 0.1;
  } else if (name == "rosenbrock5") {
    box(5, -5, 10, 0, Rosenbrock);
  } else if (name == "levy10") {
    box(10, -10, 10, 0, Levy);
  } else if (name == "ackley10") {
    box(10, -32.768, 32.768, 0, Ackley);
  } else if (name == "styblinski_tang10") {
    box(10, -5, 5, -39.16616570377142 * 10, StyblinskiTang);
  } else if (name == "mixed") {
    f.space = MixedSpace();
    f.minimum = 0;
    f.truth = Mixed;
  } else {
    throw std::invalid_argument("unknown function '" + name + "'");
  }
  return f;
}

// "key=value" arguments as a sampler config.
Json SamplerSpec(const std::vector<std::string>& args) {
  Json spec = Json{{"name", "tpe"}};
  for (const std::string& arg : args) {
    const size_t eq = arg.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("expected option=value: " + arg);
    const std::string key = arg.substr(0, eq);
    const std::string text = arg.substr(eq + 1);
    Json value = Json::parse(text, nullptr, false);
    spec[key] = value.is_discarded() ? Json(text) : value;
  }
  return spec;
}

Study NewStudy(const SearchSpace& space, uint64_t seed, const Json& spec) {
  StudyOptions options;
  options.name = "bench";
  options.space = space;
  options.seed = seed;
  const TpeSamplerOptions tpe =
      TpeSamplerOptions::FromComponentOptions(ComponentOptions("sampler", spec));
  return Study::CreateOrLoad(std::make_shared<InMemoryStorage>(), options,
                             std::make_unique<TpeSampler>(space, options.directions, seed, tpe));
}

int Regret(const std::string& function, int trials, uint64_t first, uint64_t last,
           const Json& spec) {
  const TestFunction f = MakeFunction(function);
  for (uint64_t seed = first; seed <= last; ++seed) {
    Study study = NewStudy(f.space, seed, spec);
    const auto start = std::chrono::steady_clock::now();
    double best_seen = 1e300;
    double best_truth = 0;
    ParamMap best_params;
    for (int i = 0; i < trials; ++i) {
      Trial trial = study.Ask();
      const double truth = f.truth(trial.params());
      double seen = truth;
      if (f.noise_sd > 0) {
        Rng noise(DeriveSeed(seed, static_cast<uint64_t>(trial.number()), HashName("noise")));
        seen += f.noise_sd * noise.Normal();
      }
      if (seen < best_seen) {
        best_seen = seen;
        best_truth = truth;
        best_params = trial.params();
      }
      study.Tell(trial, seen);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    Json line = {{"impl", "automl"},   {"function", function}, {"trials", trials},
                 {"seed", seed},       {"best", best_truth},   {"regret", best_truth - f.minimum},
                 {"seconds", seconds}, {"options", spec}};
    line["params"] = ParamsToJson(best_params);
    std::cout << line.dump() << std::endl;
  }
  return 0;
}

// This thread's CPU time in microseconds: unlike wall time, not inflated by other processes on a
// busy machine.
double ThreadMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) * 1e-3;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Timing(const Json& spec) {
  const TestFunction f = MakeFunction("hartmann6");
  for (int size : {100, 1000}) {
    Study study = NewStudy(f.space, 1, spec);
    for (int i = 0; i < size; ++i) {
      Trial trial = study.Ask();
      study.Tell(trial, f.truth(trial.params()));
    }
    std::vector<double> sample_us;
    std::vector<double> ask_us;
    for (int i = 0; i < 50; ++i) {
      FrozenTrial next;
      next.number = study.Counts().total();
      next.state = TrialState::kRunning;
      const double t0 = ThreadMicros();
      const ParamMap sampled = study.sampler().SampleRelative(study, next, {});
      const double t1 = ThreadMicros();
      Trial trial = study.Ask();
      const double t2 = ThreadMicros();
      sample_us.push_back(t1 - t0);
      ask_us.push_back(t2 - t1);
      if (sampled != trial.params()) std::cerr << "warning: ask differs from the sampler's call\n";
      study.Tell(trial, f.truth(trial.params()));
    }
    Json line = {{"impl", "automl"},
                 {"trials_before", size},
                 {"sample_relative_us", Median(sample_us)},
                 {"ask_us", Median(ask_us)},
                 {"options", spec}};
    std::cout << line.dump() << std::endl;
  }
  return 0;
}

}  // namespace
}  // namespace automl::bench

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() >= 5 && args[0] == "regret") {
      return automl::bench::Regret(args[1], std::stoi(args[2]), std::stoull(args[3]),
                                   std::stoull(args[4]),
                                   automl::bench::SamplerSpec({args.begin() + 5, args.end()}));
    }
    if (!args.empty() && args[0] == "timing") {
      return automl::bench::Timing(automl::bench::SamplerSpec({args.begin() + 1, args.end()}));
    }
  } catch (const std::exception& e) {
    std::cerr << "automl_tpe_bench: " << e.what() << "\n";
    return 2;
  }
  std::cerr << "usage: automl_tpe_bench regret FUNCTION TRIALS FIRST_SEED LAST_SEED "
               "[option=value ...]\n       automl_tpe_bench timing [option=value ...]\n";
  return 2;
}
