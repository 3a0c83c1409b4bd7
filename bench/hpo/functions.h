// The test functions of the HPO benchmark suite (bench/hpo/hpo_bench.cc). bench/hpo/functions.py
// defines the same functions, domains, minima and noise for Optuna; bench/hpo/run.sh checks that
// both give the same values before it runs anything.
//
// All are minimised and have a known global minimum. The standard functions, their domains and
// minima follow S. Surjanovic & D. Bingham, "Virtual Library of Simulation Experiments: Test
// Functions and Datasets" (https://www.sfu.ca/~ssurjano/optimization.html); the minima are given
// to full double precision, refined by Newton's method where the library rounds them:
//
//   branin             2-D, x0 in [-5, 10], x1 in [0, 15]; minimum 5 / (4 pi) at (pi, 2.275)
//                      and two other points
//   hartmann6          6-D, [0, 1]^6; minimum -3.322368011415515 at (0.201690, 0.150011,
//                      0.476874, 0.275332, 0.311652, 0.657301)
//   rosenbrock5        5-D, [-5, 10]^5; minimum 0 at (1, ..., 1)
//   levy10             10-D, [-10, 10]^10; minimum 0 at (1, ..., 1)
//   ackley10           10-D, [-32.768, 32.768]^10 (a = 20, b = 0.2, c = 2 pi); minimum 0 at 0
//   styblinski_tang10  10-D, [-5, 5]^10; minimum -39.16616570377141 * 10 at x_i = -2.903534...
//   mixed              our own (bench/hpo/README.md): 2 floats, a log float, a stepped integer,
//                      an integer and a categorical of five choices; minimum 0
//   noisy_hartmann6    hartmann6 plus Gaussian noise of sd 0.1, drawn from (seed, trial number)
//                      by Noise() below, so that a run is reproducible and the same in Python
#ifndef AUTOML_BENCH_HPO_FUNCTIONS_H_
#define AUTOML_BENCH_HPO_FUNCTIONS_H_

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "automl/param_value.h"
#include "automl/search_space.h"

namespace automl::bench {

constexpr double kPi = 3.14159265358979323846;

struct TestFunction {
  std::string name;
  SearchSpace space;
  // The global minimum of the noise-free value; regret = noise-free value - minimum.
  double minimum = 0;
  // A point where the minimum is reached (bench/hpo/run.sh checks the value there).
  ParamMap argmin;
  // The noise-free value.
  std::function<double(const ParamMap&)> value;
  // The standard deviation of the Gaussian noise added to what the sampler sees (0: none).
  double noise_sd = 0;
};

// ---- The standard functions, on vectors ---------------------------------------------------------

inline double Branin(const std::vector<double>& x) {
  const double b = 5.1 / (4 * kPi * kPi);
  const double c = 5 / kPi;
  const double t = 1 / (8 * kPi);
  const double u = x[1] - b * x[0] * x[0] + c * x[0] - 6;
  return u * u + 10 * (1 - t) * std::cos(x[0]) + 10;
}

inline double Hartmann6(const std::vector<double>& x) {
  static const double kAlpha[4] = {1.0, 1.2, 3.0, 3.2};
  static const double kA[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                  {0.05, 10, 17, 0.1, 8, 14},
                                  {3, 3.5, 1.7, 10, 17, 8},
                                  {17, 8, 0.05, 10, 0.1, 14}};
  static const double kP[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                  {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                  {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                  {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (size_t j = 0; j < 6; ++j) {
      const double d = x[j] - kP[i][j];
      inner += kA[i][j] * d * d;
    }
    sum += kAlpha[i] * std::exp(-inner);
  }
  return -sum;
}

inline double Rosenbrock(const std::vector<double>& x) {
  double sum = 0;
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    const double a = x[i + 1] - x[i] * x[i];
    const double b = 1 - x[i];
    sum += 100 * a * a + b * b;
  }
  return sum;
}

inline double Levy(const std::vector<double>& x) {
  const size_t d = x.size();
  std::vector<double> w(d);
  for (size_t i = 0; i < d; ++i) w[i] = 1 + (x[i] - 1) / 4;
  const double s0 = std::sin(kPi * w[0]);
  double sum = s0 * s0;
  for (size_t i = 0; i + 1 < d; ++i) {
    const double s = std::sin(kPi * w[i] + 1);
    sum += (w[i] - 1) * (w[i] - 1) * (1 + 10 * s * s);
  }
  const double s = std::sin(2 * kPi * w[d - 1]);
  return sum + (w[d - 1] - 1) * (w[d - 1] - 1) * (1 + s * s);
}

inline double Ackley(const std::vector<double>& x) {
  const double d = static_cast<double>(x.size());
  double squares = 0;
  double cosines = 0;
  for (double v : x) {
    squares += v * v;
    cosines += std::cos(2 * kPi * v);
  }
  return -20 * std::exp(-0.2 * std::sqrt(squares / d)) - std::exp(cosines / d) + 20 + std::exp(1.0);
}

inline double StyblinskiTang(const std::vector<double>& x) {
  double sum = 0;
  for (double v : x) sum += v * v * v * v - 16 * v * v + 5 * v;
  return sum / 2;
}

// ---- The mixed function (bench/hpo/README.md) ---------------------------------------------------

// The categorical c moves the optimum of x and adds an offset: choice "c" is the best one, but
// the others are not uniformly worse, so a sampler has to learn x per choice.
inline const std::map<std::string, std::pair<double, double>>& MixedChoices() {
  // choice -> (optimal x, offset)
  static const std::map<std::string, std::pair<double, double>> kChoices = {
      {"a", {-2.0, 1.0}}, {"b", {1.0, 0.5}},   {"c", {0.5, 0.0}},
      {"d", {3.0, 2.0}},  {"e", {-1.0, 0.25}},
  };
  return kChoices;
}

inline double Mixed(const ParamMap& p) {
  const auto& [best_x, offset] = MixedChoices().at(p.at("c").AsString());
  const double dx = p.at("x").AsDouble() - best_x;
  const double dy = p.at("y").AsDouble() + 1;
  const double dlr = std::log10(p.at("lr").AsDouble()) + 3;
  const double du = (static_cast<double>(p.at("units").AsInt()) - 128) / 64;
  const double dl = static_cast<double>(p.at("layers").AsInt()) - 3;
  return dx * dx + dy * dy + dlr * dlr / 4 + du * du + std::fabs(dl) / 2 + offset;
}

inline SearchSpace MixedSpace() {
  return SearchSpace({
      ParamSpec::Float("x", -5, 5),
      ParamSpec::Float("y", -5, 5),
      ParamSpec::Float("lr", 1e-5, 1).Log(),
      ParamSpec::Int("units", 8, 512).Step(8),
      ParamSpec::Int("layers", 1, 8),
      ParamSpec::Categorical("c", {"a", "b", "c", "d", "e"}),
  });
}

// ---- Noise --------------------------------------------------------------------------------------

// SplitMix64's output function (Steele, Lea & Flood 2014), written out here (not taken from
// automl/random.h) so that bench/hpo/functions.py can repeat it bit for bit.
inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// A standard normal draw for trial |trial| of the run with seed |seed|: Box-Muller on two
// uniforms hashed from (seed, trial). The same for every sampler, so that samplers are compared
// on the same noise.
inline double Noise(uint64_t seed, uint64_t trial) {
  const uint64_t h = SplitMix64(SplitMix64(seed) ^ trial);
  const double u1 = (static_cast<double>(SplitMix64(h + 1) >> 11) + 0.5) * 0x1.0p-53;  // (0, 1)
  const double u2 = static_cast<double>(SplitMix64(h + 2) >> 11) * 0x1.0p-53;          // [0, 1)
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * kPi * u2);
}

// ---- The table ----------------------------------------------------------------------------------

inline std::vector<double> Vector(const ParamMap& p, size_t n) {
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = p.at("x" + std::to_string(i)).AsDouble();
  return x;
}

// A function of the vector x0..x{n-1}, each in [low, high], with its minimum at x_i = at_i.
inline TestFunction BoxFunction(const std::string& name, std::vector<std::pair<double, double>> box,
                                std::vector<double> at, double minimum,
                                double (*f)(const std::vector<double>&)) {
  TestFunction t;
  t.name = name;
  std::vector<ParamSpec> params;
  for (size_t i = 0; i < box.size(); ++i) {
    params.push_back(ParamSpec::Float("x" + std::to_string(i), box[i].first, box[i].second));
    t.argmin.emplace("x" + std::to_string(i), at[i]);
  }
  t.space = SearchSpace(std::move(params));
  t.minimum = minimum;
  const size_t n = box.size();
  t.value = [f, n](const ParamMap& p) { return f(Vector(p, n)); };
  return t;
}

inline TestFunction Cube(const std::string& name, size_t n, double low, double high, double at,
                         double minimum, double (*f)(const std::vector<double>&)) {
  return BoxFunction(name, std::vector<std::pair<double, double>>(n, {low, high}),
                     std::vector<double>(n, at), minimum, f);
}

inline const std::vector<std::string>& FunctionNames() {
  static const std::vector<std::string> kNames = {"branin", "hartmann6",      "rosenbrock5",
                                                  "levy10", "ackley10",       "styblinski_tang10",
                                                  "mixed",  "noisy_hartmann6"};
  return kNames;
}

// The function |name| (one of FunctionNames()); InvalidArgument-like std::invalid_argument else.
inline TestFunction MakeFunction(const std::string& name) {
  if (name == "branin") {
    return BoxFunction(name, {{-5, 10}, {0, 15}}, {kPi, 2.275}, 5 / (4 * kPi), Branin);
  }
  if (name == "hartmann6" || name == "noisy_hartmann6") {
    TestFunction t = BoxFunction(name, std::vector<std::pair<double, double>>(6, {0, 1}),
                                 {0.20168951100670543, 0.15001069182345797, 0.476873974221897,
                                  0.2753324304940561, 0.31165161660011326, 0.6573005340656204},
                                 -3.322368011415515, Hartmann6);
    if (name == "noisy_hartmann6") t.noise_sd = 0.1;
    return t;
  }
  if (name == "rosenbrock5") return Cube(name, 5, -5, 10, 1, 0, Rosenbrock);
  if (name == "levy10") return Cube(name, 10, -10, 10, 1, 0, Levy);
  if (name == "ackley10") return Cube(name, 10, -32.768, 32.768, 0, 0, Ackley);
  if (name == "styblinski_tang10") {
    return Cube(name, 10, -5, 5, -2.903534027771177, -39.16616570377141 * 10, StyblinskiTang);
  }
  if (name == "mixed") {
    TestFunction t;
    t.name = name;
    t.space = MixedSpace();
    t.minimum = 0;
    t.argmin = {
        {"x", 0.5}, {"y", -1.0}, {"lr", 1e-3}, {"units", int64_t{128}}, {"layers", int64_t{3}},
        {"c", "c"}};
    t.value = Mixed;
    return t;
  }
  std::string known;
  for (const std::string& n : FunctionNames()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown function '" + name + "' (known: " + known + ")");
}

}  // namespace automl::bench

#endif  // AUTOML_BENCH_HPO_FUNCTIONS_H_
