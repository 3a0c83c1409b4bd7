// automl_rf_bench: a quick quality and cost check of the `rf` sampler (not a test).
//
//   automl_rf_bench [trials=100] [seeds=10] [sampler spec as JSON...]
//
// For each sampler (default: rf and random) prints the median simple regret (best value found
// minus the known minimum) over the seeds on Branin (2-D) and Hartmann6 (6-D), and for rf the
// milliseconds one Ask() takes on Hartmann6 around 100 and 300 trials.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "automl/registry.h"
#include "automl/storages/in_memory_storage.h"
#include "automl/study.h"

namespace {

using automl::ParamMap;
using automl::ParamSpec;
using automl::SearchSpace;

struct Problem {
  std::string name;
  SearchSpace space;
  std::function<double(const ParamMap&)> f;
  double minimum;
};

double Branin(const ParamMap& p) {
  const double x = p.at("x").AsDouble();
  const double y = p.at("y").AsDouble();
  const double b = 5.1 / (4 * M_PI * M_PI);
  const double c = 5 / M_PI;
  const double t = 1 / (8 * M_PI);
  return std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - t) * std::cos(x) + 10;
}

// Hartmann 6-D on [0, 1]^6 (Dixon & Szegő 1978 constants).
double Hartmann6(const ParamMap& p) {
  static const double a[4] = {1.0, 1.2, 3.0, 3.2};
  static const double A[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                 {0.05, 10, 17, 0.1, 8, 14},
                                 {3, 3.5, 1.7, 10, 17, 8},
                                 {17, 8, 0.05, 10, 0.1, 14}};
  static const double P[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                 {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                 {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                 {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (int j = 0; j < 6; ++j) {
      const double x = p.at("x" + std::to_string(j)).AsDouble();
      inner += A[i][j] * (x - P[i][j]) * (x - P[i][j]);
    }
    sum += a[i] * std::exp(-inner);
  }
  return -sum;
}

std::vector<Problem> Problems() {
  std::vector<ParamSpec> six;
  for (int j = 0; j < 6; ++j) six.push_back(ParamSpec::Float("x" + std::to_string(j), 0, 1));
  return {
      {"branin", SearchSpace({ParamSpec::Float("x", -5, 10), ParamSpec::Float("y", 0, 15)}), Branin,
       0.397887357729739},
      {"hartmann6", SearchSpace(six), Hartmann6, -3.32236801141551},
  };
}

automl::Study NewStudy(const Problem& problem, const automl::Json& sampler, uint64_t seed) {
  automl::SamplerContext context;
  context.space = problem.space;
  context.seed = seed;
  context.directions = {automl::Direction::kMinimize};
  automl::StudyOptions options;
  options.name = problem.name;
  options.space = problem.space;
  options.seed = seed;
  return automl::Study::CreateOrLoad(std::make_shared<automl::InMemoryStorage>(), options,
                                     automl::BuiltinComponents().samplers.Create(sampler, context));
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Mean milliseconds of the asks that create trials first..last (1-based) of one rf run.
void AskCost(const automl::Json& sampler) {
  const Problem problem = Problems()[1];
  automl::Study study = NewStudy(problem, sampler, 1);
  double at100 = 0;
  double at300 = 0;
  for (int t = 1; t <= 300; ++t) {
    const auto start = std::chrono::steady_clock::now();
    automl::Trial trial = study.Ask();
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (t > 90 && t <= 100) at100 += ms / 10;
    if (t > 290) at300 += ms / 10;
    study.Tell(trial, problem.f(trial.params()));
  }
  std::printf("%s ask on hartmann6: %.2f ms at 100 trials, %.2f ms at 300 trials\n",
              sampler.dump().c_str(), at100, at300);
}

}  // namespace

int main(int argc, char** argv) {
  const int trials = argc > 1 ? std::atoi(argv[1]) : 100;
  const int seeds = argc > 2 ? std::atoi(argv[2]) : 10;
  std::vector<automl::Json> samplers;
  for (int i = 3; i < argc; ++i) samplers.push_back(automl::Json::parse(argv[i]));
  if (samplers.empty()) samplers = {"rf", "random"};
  for (const Problem& problem : Problems()) {
    for (const automl::Json& sampler : samplers) {
      std::vector<double> regrets;
      for (int seed = 1; seed <= seeds; ++seed) {
        automl::Study study = NewStudy(problem, sampler, static_cast<uint64_t>(seed));
        double best = INFINITY;
        for (int t = 0; t < trials; ++t) {
          automl::Trial trial = study.Ask();
          const double value = problem.f(trial.params());
          best = std::min(best, value);
          study.Tell(trial, value);
        }
        regrets.push_back(best - problem.minimum);
      }
      std::printf("%-10s %-40s median simple regret over %d seeds at %d trials: %.4g\n",
                  problem.name.c_str(), sampler.dump().c_str(), seeds, trials, Median(regrets));
    }
  }
  for (const automl::Json& sampler : samplers) {
    if (sampler.dump().find("\"rf\"") != std::string::npos) AskCost(sampler);
  }
  return 0;
}
