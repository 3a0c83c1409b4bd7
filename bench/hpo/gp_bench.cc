// The GP sampler on standard test functions: simple regret after a budget of trials over several
// seeds (median and worst), against random search, and the CPU time per ask at given trial
// counts.
//
//   automl_gp_bench regret [--trials 100] [--seeds 5] [--functions branin,hartmann6] [--sampler gp]
//   automl_gp_bench timing [--dims 6] [--trials 300]
//
// Functions (minimized; regret = best value found - known minimum): branin, hartmann6,
// rosenbrock5, levy10, ackley10, styblinski10, mixed (ints and categoricals), noisy_hartmann6
// (Gaussian noise of sd 0.1 on each evaluation; regret of the noise-free value of the best trial).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "automl/random.h"
#include "automl/registry.h"
#include "automl/samplers/gp_sampler.h"
#include "automl/samplers/random_sampler.h"
#include "automl/study.h"

namespace {

// CPU seconds of this process: what an ask costs, whatever else the machine runs.
double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

using automl::ParamMap;
using automl::ParamSpec;
using automl::SearchSpace;

struct Problem {
  std::string name;
  SearchSpace space;
  std::function<double(const ParamMap&)> f;  // noise-free value
  double minimum;
  double noise_sd = 0;
};

double X(const ParamMap& p, const std::string& name) { return p.at(name).AsDouble(); }

std::vector<ParamSpec> Box(int dims, double low, double high) {
  std::vector<ParamSpec> params;
  for (int d = 0; d < dims; ++d)
    params.push_back(ParamSpec::Float("x" + std::to_string(d), low, high));
  return params;
}

std::vector<double> Vector(const ParamMap& p, int dims) {
  std::vector<double> x;
  for (int d = 0; d < dims; ++d) x.push_back(X(p, "x" + std::to_string(d)));
  return x;
}

double Hartmann6(const std::vector<double>& x) {
  static const double a[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                 {0.05, 10, 17, 0.1, 8, 14},
                                 {3, 3.5, 1.7, 10, 17, 8},
                                 {17, 8, 0.05, 10, 0.1, 14}};
  static const double p[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                 {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                 {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                 {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (int j = 0; j < 6; ++j) inner += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]);
    sum += alpha[i] * std::exp(-inner);
  }
  return -sum;
}

std::vector<Problem> Problems() {
  std::vector<Problem> problems;
  problems.push_back(
      {"branin", SearchSpace({ParamSpec::Float("x0", -5, 10), ParamSpec::Float("x1", 0, 15)}),
       [](const ParamMap& p) {
         const double x = X(p, "x0"), y = X(p, "x1");
         const double b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, t = 1 / (8 * M_PI);
         return std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - t) * std::cos(x) + 10;
       },
       0.397887357729738});
  problems.push_back({"hartmann6", SearchSpace(Box(6, 0, 1)),
                      [](const ParamMap& p) { return Hartmann6(Vector(p, 6)); },
                      -3.322368011391339});
  problems.push_back({"rosenbrock5", SearchSpace(Box(5, -5, 10)),
                      [](const ParamMap& p) {
                        const std::vector<double> x = Vector(p, 5);
                        double s = 0;
                        for (int i = 0; i + 1 < 5; ++i) {
                          s += 100 * std::pow(x[i + 1] - x[i] * x[i], 2) + std::pow(1 - x[i], 2);
                        }
                        return s;
                      },
                      0.0});
  problems.push_back(
      {"levy10", SearchSpace(Box(10, -10, 10)),
       [](const ParamMap& p) {
         const std::vector<double> x = Vector(p, 10);
         std::vector<double> w;
         for (double v : x) w.push_back(1 + (v - 1) / 4);
         double s = std::pow(std::sin(M_PI * w[0]), 2);
         for (size_t i = 0; i + 1 < w.size(); ++i) {
           s += std::pow(w[i] - 1, 2) * (1 + 10 * std::pow(std::sin(M_PI * w[i] + 1), 2));
         }
         s += std::pow(w.back() - 1, 2) * (1 + std::pow(std::sin(2 * M_PI * w.back()), 2));
         return s;
       },
       0.0});
  problems.push_back({"ackley10", SearchSpace(Box(10, -32.768, 32.768)),
                      [](const ParamMap& p) {
                        const std::vector<double> x = Vector(p, 10);
                        double s1 = 0, s2 = 0;
                        for (double v : x) {
                          s1 += v * v;
                          s2 += std::cos(2 * M_PI * v);
                        }
                        return -20 * std::exp(-0.2 * std::sqrt(s1 / 10)) - std::exp(s2 / 10) + 20 +
                               M_E;
                      },
                      0.0});
  problems.push_back({"styblinski10", SearchSpace(Box(10, -5, 5)),
                      [](const ParamMap& p) {
                        double s = 0;
                        for (double v : Vector(p, 10))
                          s += 0.5 * (v * v * v * v - 16 * v * v + 5 * v);
                        return s;
                      },
                      -39.16616570377142 * 10});
  // Mixed: 3 continuous, 2 ints, 2 categoricals; minimum 0 at x=(0.3,..), n=7, m=2, c=b, d=x.
  problems.push_back(
      {"mixed",
       SearchSpace({ParamSpec::Float("x0", 0, 1), ParamSpec::Float("x1", 0, 1),
                    ParamSpec::Float("lr", 1e-4, 1).Log(), ParamSpec::Int("n", 1, 20),
                    ParamSpec::Int("m", -5, 5), ParamSpec::Categorical("c", {"a", "b", "c"}),
                    ParamSpec::Categorical("d", {"x", "y", "z", "w"})}),
       [](const ParamMap& p) {
         const double x0 = X(p, "x0"), x1 = X(p, "x1"), lr = std::log10(X(p, "lr"));
         const double n = X(p, "n"), m = X(p, "m");
         const std::string c = p.at("c").AsString(), d = p.at("d").AsString();
         double v = 4 * std::pow(x0 - 0.3, 2) + 3 * std::pow(x1 - 0.7, 2) +
                    0.5 * std::pow(lr + 2.5, 2) + 0.05 * std::pow(n - 7, 2) +
                    0.1 * std::pow(m - 2, 2);
         v += c == "b" ? 0 : (c == "a" ? 0.5 : 1.0);
         v += d == "x" ? 0 : 0.3 + 0.2 * (x0 > 0.5);
         return v;
       },
       0.0});
  Problem noisy = problems[1];
  noisy.name = "noisy_hartmann6";
  noisy.noise_sd = 0.1;
  problems.push_back(noisy);
  return problems;
}

std::unique_ptr<automl::Sampler> MakeSampler(const std::string& spec, const SearchSpace& space,
                                             uint64_t seed) {
  automl::SamplerContext context;
  context.space = space;
  context.seed = seed;
  return automl::BuiltinComponents().samplers.Create(automl::Json::parse(spec), context);
}

struct RunResult {
  double regret;
  double ask_seconds;
};

RunResult Run(const Problem& problem, const std::string& sampler, uint64_t seed, int trials) {
  automl::StudyOptions options;
  options.name = problem.name;
  options.space = problem.space;
  options.seed = seed;
  automl::Study study = automl::Study::CreateOrLoad(automl::OpenStorage("memory"), options,
                                                    MakeSampler(sampler, problem.space, seed));
  automl::Rng noise(automl::DeriveSeed(seed, 99, 7));
  double best_observed = INFINITY, best_true = INFINITY;
  double ask_seconds = 0;
  for (int i = 0; i < trials; ++i) {
    const double start = CpuSeconds();
    automl::Trial trial = study.Ask();
    ask_seconds += CpuSeconds() - start;
    const double value = problem.f(trial.params());
    const double observed = value + problem.noise_sd * noise.Normal();
    if (observed < best_observed) {
      best_observed = observed;
      best_true = value;
    }
    study.Tell(trial, observed);
  }
  return {best_true - problem.minimum, ask_seconds / trials};
}

std::string Flag(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return fallback;
}

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) parts.push_back(part);
  return parts;
}

int Regret(int argc, char** argv) {
  const int trials = std::stoi(Flag(argc, argv, "trials", "100"));
  const int seeds = std::stoi(Flag(argc, argv, "seeds", "5"));
  const std::string sampler = Flag(argc, argv, "sampler", "\"gp\"");
  const std::vector<std::string> wanted = Split(Flag(argc, argv, "functions", "branin,hartmann6"));
  for (const Problem& problem : Problems()) {
    if (std::find(wanted.begin(), wanted.end(), problem.name) == wanted.end()) continue;
    std::vector<double> regrets;
    double seconds = 0;
    for (int s = 0; s < seeds; ++s) {
      const RunResult r = Run(problem, sampler, static_cast<uint64_t>(s + 1), trials);
      regrets.push_back(r.regret);
      seconds += r.ask_seconds;
      std::printf("  %s seed %d: regret %.3g (%.1f ms CPU/ask)\n", problem.name.c_str(), s + 1,
                  r.regret, 1e3 * r.ask_seconds);
      std::fflush(stdout);
    }
    std::sort(regrets.begin(), regrets.end());
    const double median =
        regrets.size() % 2 ? regrets[regrets.size() / 2]
                           : 0.5 * (regrets[regrets.size() / 2 - 1] + regrets[regrets.size() / 2]);
    std::printf("%-16s %s, %d trials, %d seeds: median regret %.3g, worst %.3g, %.1f ms CPU/ask\n",
                problem.name.c_str(), sampler.c_str(), trials, seeds, median, regrets.back(),
                1e3 * seconds / seeds);
    std::fflush(stdout);
  }
  return 0;
}

// Per-ask CPU time on a Hartmann-like |dims|-dimensional function (Hartmann6 of the first six
// coordinates), every 25 trials: the mean, median and largest of the last 25 asks.
int Timing(int argc, char** argv) {
  const int dims = std::stoi(Flag(argc, argv, "dims", "6"));
  const int trials = std::stoi(Flag(argc, argv, "trials", "300"));
  const std::string sampler = Flag(argc, argv, "sampler", "\"gp\"");
  const SearchSpace space(Box(dims, 0, 1));
  automl::StudyOptions options;
  options.name = "timing";
  options.space = space;
  automl::Study study = automl::Study::CreateOrLoad(automl::OpenStorage("memory"), options,
                                                    MakeSampler(sampler, space, 1));
  std::vector<double> window;
  for (int i = 1; i <= trials; ++i) {
    const double start = CpuSeconds();
    automl::Trial trial = study.Ask();
    window.push_back(CpuSeconds() - start);
    std::vector<double> x = Vector(trial.params(), dims);
    x.resize(6, 0.5);
    study.Tell(trial, Hartmann6(x));
    if (window.size() == 25) {
      double sum = 0;
      for (double s : window) sum += s;
      std::sort(window.begin(), window.end());
      std::printf("trials %4d: ms CPU/ask over the last 25: mean %.1f, median %.1f, max %.1f\n", i,
                  1e3 * sum / 25, 1e3 * window[12], 1e3 * window.back());
      std::fflush(stdout);
      window.clear();
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "regret") return Regret(argc, argv);
  if (command == "timing") return Timing(argc, argv);
  std::fprintf(stderr, "usage: automl_gp_bench regret|timing [--flags]\n");
  return 2;
}
