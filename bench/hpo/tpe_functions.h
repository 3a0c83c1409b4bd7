// The test functions of the TPE benchmark (bench/hpo/tpe_bench.cc), with the same definitions as
// bench/hpo/optuna_tpe_bench.py: standard synthetic functions from the HPO literature (domains and
// minima as in S. Surjanovic & D. Bingham's Virtual Library of Simulation Experiments), a mixed
// int/categorical function and a noisy Hartmann6.
#ifndef AUTOML_BENCH_HPO_TPE_FUNCTIONS_H_
#define AUTOML_BENCH_HPO_TPE_FUNCTIONS_H_

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "automl/search_space.h"
#include "automl/trial.h"

namespace automl::bench {

struct TestFunction {
  std::string name;
  SearchSpace space;
  double minimum = 0;
  // The value the optimizer sees (noisy for noisy functions), from the trial and a noise draw.
  std::function<double(const Trial&)> value;
  // The noiseless value, by which regret is measured.
  std::function<double(const ParamMap&)> truth;
  double noise_sd = 0;
};

inline std::vector<double> Floats(const ParamMap& params, const std::string& prefix, int n) {
  std::vector<double> x(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    x[static_cast<size_t>(i)] = params.at(prefix + std::to_string(i)).AsDouble();
  }
  return x;
}

inline SearchSpace Box(int n, double low, double high) {
  std::vector<ParamSpec> params;
  params.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    params.push_back(ParamSpec::Float("x" + std::to_string(i), low, high));
  }
  return SearchSpace(std::move(params));
}

inline double Branin(const std::vector<double>& v) {
  const double pi = 3.14159265358979323846;
  const double b = 5.1 / (4 * pi * pi);
  const double c = 5 / pi;
  const double t = 1 / (8 * pi);
  const double x = v[0];
  const double y = v[1];
  return std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - t) * std::cos(x) + 10;
}

inline double Hartmann6(const std::vector<double>& x) {
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  static const double a[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                 {0.05, 10, 17, 0.1, 8, 14},
                                 {3, 3.5, 1.7, 10, 17, 8},
                                 {17, 8, 0.05, 10, 0.1, 14}};
  static const double p[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                 {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                 {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                 {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (int j = 0; j < 6; ++j) inner += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]);
    sum += alpha[i] * std::exp(-inner);
  }
  return -sum;
}

inline double Rosenbrock(const std::vector<double>& x) {
  double sum = 0;
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    sum += 100 * std::pow(x[i + 1] - x[i] * x[i], 2) + std::pow(1 - x[i], 2);
  }
  return sum;
}

inline double Levy(const std::vector<double>& x) {
  const double pi = 3.14159265358979323846;
  const size_t d = x.size();
  std::vector<double> w(d);
  for (size_t i = 0; i < d; ++i) w[i] = 1 + (x[i] - 1) / 4;
  double sum = std::pow(std::sin(pi * w[0]), 2);
  for (size_t i = 0; i + 1 < d; ++i) {
    sum += std::pow(w[i] - 1, 2) * (1 + 10 * std::pow(std::sin(pi * w[i] + 1), 2));
  }
  sum += std::pow(w[d - 1] - 1, 2) * (1 + std::pow(std::sin(2 * pi * w[d - 1]), 2));
  return sum;
}

inline double Ackley(const std::vector<double>& x) {
  const double pi = 3.14159265358979323846;
  const double d = static_cast<double>(x.size());
  double sq = 0;
  double cs = 0;
  for (double v : x) {
    sq += v * v;
    cs += std::cos(2 * pi * v);
  }
  return -20 * std::exp(-0.2 * std::sqrt(sq / d)) - std::exp(cs / d) + 20 + std::exp(1.0);
}

inline double StyblinskiTang(const std::vector<double>& x) {
  double sum = 0;
  for (double v : x) sum += v * v * v * v - 16 * v * v + 5 * v;
  return sum / 2;
}

// Two floats, a stepped int (step 2), an int and two categoricals (four choices and two);
// minimum 0 at x = (0.5, -1), n = (4, -2), c = ("c", "on").
inline double Mixed(const ParamMap& p) {
  const double x0 = p.at("x0").AsDouble();
  const double x1 = p.at("x1").AsDouble();
  const auto n0 = static_cast<double>(p.at("n0").AsInt());
  const auto n1 = static_cast<double>(p.at("n1").AsInt());
  const std::string c0 = p.at("c0").AsString();
  const std::string c1 = p.at("c1").AsString();
  double v = (x0 - 0.5) * (x0 - 0.5) + (x1 + 1) * (x1 + 1) + (n0 - 4) * (n0 - 4) / 10 +
             std::fabs(n1 + 2) / 2;
  v += c0 == "a" ? 2.0 : c0 == "b" ? 1.0 : c0 == "c" ? 0.0 : 3.0;
  v += c1 == "on" ? 0.0 : 1.5;
  return v;
}

inline SearchSpace MixedSpace() {
  return SearchSpace({
      ParamSpec::Float("x0", -5, 5),
      ParamSpec::Float("x1", -5, 5),
      ParamSpec::Int("n0", -10, 10).Step(2),
      ParamSpec::Int("n1", -10, 10),
      ParamSpec::Categorical("c0", {"a", "b", "c", "d"}),
      ParamSpec::Categorical("c1", {"on", "off"}),
  });
}

}  // namespace automl::bench

#endif  // AUTOML_BENCH_HPO_TPE_FUNCTIONS_H_
