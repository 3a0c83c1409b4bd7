// automl_pruning_bench: what a pruner saves, and what it costs in the best value found, on
// synthetic learning curves whose final values are known. bench/pruning/run_synthetic.sh runs it
// for each pruner and family; bench/pruning/report.py makes the tables.
//
//   automl_pruning_bench --pruner JSON [--sampler JSON] --label LABEL --family F --seeds A:B
//                        --trials N [--resource-budget B] [--max-resource R]
//                        [--storage URL] --out FILE.jsonl
//
// Each seed is a study (in memory unless --storage names one, e.g. sqlite:///x.db to measure what
// a pruner's reads cost there; random sampler unless --sampler names another, as `bohb`
// with `hyperband`; study seed = the seed) of at least N trials,
// and more until they have consumed B resource in all (default 0), over four
// parameters x0..x3 in [0, 1], minimizing an error-like value. Trial x reports its curve y(x, t)
// plus Gaussian noise (sd 0.01) at steps t = 1..R (the resource) and asks the pruner after each
// report; a trial that runs to R completes with its last noisy value. The random sampler makes
// the configurations of a seed the same for every pruner, so pruners are compared on the same
// draws. One JSON line per seed: label, pruner, family, seed, max_resource and per trial (in
// number order) its state, the resource it consumed (its last step) and its true final value
// y(x, R) without noise, the value a full training would reach.
//
// The final value f(x) = 0.05 + 0.9 q(x), q(x) in [0, 1] a weighted squared distance from an
// optimum, is the same in every family; the families differ in how curves approach it:
//   power        y = f + (1 - f) (t + 1)^-a,     a = 0.3 + x3: learning speed unrelated to f
//   exponential  y = f + (1 - f) exp(-t / tau),  tau = 1 + R/4 x3
//   crossing     y = f + 2 (t + 1)^-a,           a = 1 + 2 q(x): the better a configuration, the
//                                                 slower it learns, so curves cross and the first
//                                                 values mislead (at t = 1 a middling
//                                                 configuration looks better than the best)
//   plateau      y = f + 0.5 (1 - f) exp(-(t - t0) / (1 + R/8)) after t0 and f + 0.5 (1 - f)
//                before, with t0 = R/9 for half of the configurations (x3 > 0.5) and 0 for the
//                others, as with a warm-up or a late learning-rate drop
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/json.h"
#include "automl/random.h"
#include "automl/registry.h"
#include "automl/storage.h"
#include "automl/study.h"

namespace automl::bench {
namespace {

constexpr int kUsage = 2;
constexpr double kNoise = 0.01;

struct Config {
  double x[4];
};

// q(x) in [0, 1]: 0 at the optimum (0.3, 0.7, 0.5, any x3), 1 at the farthest corner.
double Quality(const Config& c) {
  const double w[3] = {1.0, 0.6, 0.3};
  const double opt[3] = {0.3, 0.7, 0.5};
  double q = 0, worst = 0;
  for (int i = 0; i < 3; ++i) {
    q += w[i] * (c.x[i] - opt[i]) * (c.x[i] - opt[i]);
    const double far = std::max(opt[i], 1 - opt[i]);
    worst += w[i] * far * far;
  }
  return q / worst;
}

double Final(const Config& c) { return 0.05 + 0.9 * Quality(c); }

using CurveFn = std::function<double(const Config&, int64_t t, int64_t max_resource)>;

std::map<std::string, CurveFn> Families() {
  std::map<std::string, CurveFn> f;
  f["power"] = [](const Config& c, int64_t t, int64_t) {
    const double fin = Final(c);
    return fin + (1 - fin) * std::pow(static_cast<double>(t + 1), -(0.3 + c.x[3]));
  };
  f["exponential"] = [](const Config& c, int64_t t, int64_t r) {
    const double fin = Final(c);
    const double tau = 1 + static_cast<double>(r) / 4 * c.x[3];
    return fin + (1 - fin) * std::exp(-static_cast<double>(t) / tau);
  };
  f["crossing"] = [](const Config& c, int64_t t, int64_t) {
    const double fin = Final(c);
    return fin + 2 * std::pow(static_cast<double>(t + 1), -(1 + 2 * Quality(c)));
  };
  f["plateau"] = [](const Config& c, int64_t t, int64_t r) {
    const double fin = Final(c);
    const int64_t stuck_until = c.x[3] > 0.5 ? std::max<int64_t>(1, r / 9) : 0;
    if (t <= stuck_until) return fin + 0.5 * (1 - fin);
    const double tau = 1 + static_cast<double>(r) / 8;
    return fin + 0.5 * (1 - fin) * std::exp(-static_cast<double>(t - stuck_until) / tau);
  };
  return f;
}

SearchSpace Space() {
  std::vector<ParamSpec> params;
  for (int i = 0; i < 4; ++i) params.push_back(ParamSpec::Float("x" + std::to_string(i), 0, 1));
  return SearchSpace(params);
}

Json RunSeed(const std::string& storage, const Json& sampler_spec, const Json& pruner_spec,
             const std::string& family, const CurveFn& curve, uint64_t seed, int64_t trials,
             int64_t resource_budget, int64_t max_resource) {
  const Components components = BuiltinComponents();
  const SearchSpace space = Space();
  const std::vector<Direction> directions = {Direction::kMinimize};
  StudyOptions options;
  options.name = "pruning-bench-" + std::to_string(seed);
  options.directions = directions;
  options.space = space;
  options.seed = seed;
  Study study =
      Study::CreateOrLoad(OpenStorage(storage), options,
                          components.samplers.Create(
                              sampler_spec, SamplerContext{space, directions, seed, pruner_spec}),
                          components.pruners.Create(pruner_spec, PrunerContext{directions, seed}));
  Json records = Json::array();
  int64_t consumed = 0;
  for (int64_t n = 0; n < trials || consumed < resource_budget; ++n) {
    Trial trial = study.Ask();
    Config c{};
    for (int i = 0; i < 4; ++i) c.x[i] = trial.Float("x" + std::to_string(i));
    std::mt19937_64 noise_rng(
        DeriveSeed(seed, static_cast<uint64_t>(trial.number()), 0x6e6f697365));
    std::normal_distribution<double> noise(0, kNoise);
    int64_t t = 1;
    double y = 0;
    bool pruned = false;
    for (; t <= max_resource; ++t) {
      y = curve(c, t, max_resource) + noise(noise_rng);
      trial.Report(t, y);
      if (t < max_resource && trial.ShouldPrune()) {
        pruned = true;
        break;
      }
    }
    if (pruned) {
      study.Tell(trial, TrialState::kPruned);
    } else {
      study.Tell(trial, y);
      t = max_resource;
    }
    consumed += t;
    records.push_back({{"state", pruned ? "PRUNED" : "COMPLETE"},
                       {"resource", t},
                       {"final", curve(c, max_resource, max_resource)}});
  }
  return {{"pruner", pruner_spec}, {"sampler", sampler_spec},      {"family", family},
          {"seed", seed},          {"max_resource", max_resource}, {"direction", "minimize"},
          {"trials", records}};
}

int Usage(const std::string& why) {
  std::cerr
      << "automl_pruning_bench: " << why
      << "\nusage: automl_pruning_bench --pruner JSON [--sampler JSON] --label LABEL "
         "--family F --seeds A:B "
         "--trials N [--resource-budget B] [--max-resource R] [--storage URL] --out FILE.jsonl\n";
  return kUsage;
}

int Main(int argc, char** argv) {
  std::map<std::string, std::string> args = {{"--max-resource", "27"},
                                             {"--resource-budget", "0"},
                                             {"--sampler", "\"random\""},
                                             {"--storage", "memory"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (argc % 2 == 0) return Usage("options come in pairs");
  for (const char* required : {"--pruner", "--label", "--family", "--seeds", "--trials", "--out"}) {
    if (!args.count(required)) return Usage(std::string("missing ") + required);
  }
  const std::map<std::string, CurveFn> families = Families();
  const auto family = families.find(args["--family"]);
  if (family == families.end()) return Usage("unknown family '" + args["--family"] + "'");
  const Json pruner_spec = Json::parse(args["--pruner"]);
  const Json sampler_spec = Json::parse(args["--sampler"]);
  const std::string seeds = args["--seeds"];
  const size_t colon = seeds.find(':');
  if (colon == std::string::npos) return Usage("--seeds must be A:B");
  const uint64_t first = std::stoull(seeds.substr(0, colon));
  const uint64_t last = std::stoull(seeds.substr(colon + 1));
  const int64_t trials = std::stoll(args["--trials"]);
  const int64_t max_resource = std::stoll(args["--max-resource"]);
  const int64_t resource_budget = std::stoll(args["--resource-budget"]);
  std::ofstream out(args["--out"]);
  if (!out) return Usage("cannot write " + args["--out"]);
  for (uint64_t seed = first; seed <= last; ++seed) {
    Json line = RunSeed(args["--storage"], sampler_spec, pruner_spec, family->first, family->second,
                        seed, trials, resource_budget, max_resource);
    line["label"] = args["--label"];
    out << line.dump() << "\n";
  }
  return out.good() ? 0 : 1;
}

}  // namespace
}  // namespace automl::bench

int main(int argc, char** argv) {
  try {
    return automl::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "automl_pruning_bench: " << e.what() << "\n";
    return 1;
  }
}
