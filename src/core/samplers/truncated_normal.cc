#include "core/samplers/truncated_normal.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

namespace automl::internal {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kSqrtHalf = 0.70710678118654752440;
constexpr double kHalfLog2Pi = 0.91893853320467274178;
// log(0.075): below it (and above log(0.925)) AS241 uses its tail approximations.
constexpr double kLogTailSplit = -2.5902671654458267;

// log(exp(x) - exp(y)) for x >= y.
double LogDiff(double x, double y) { return x + std::log1p(-std::exp(y - x)); }

double LogAddExp(double x, double y) {
  const double m = std::max(x, y);
  if (m == -kInf) return -kInf;
  return m + std::log1p(std::exp(-std::fabs(x - y)));
}

// sum_i c[i] r^i by Horner's rule.
template <size_t N>
double Polynomial(const double (&c)[N], double r) {
  double sum = c[N - 1];
  for (size_t i = N - 1; i-- > 0;) sum = sum * r + c[i];
  return sum;
}

// AS241's coefficients, lowest order first (Wichura 1988; as in CPython's statistics module).
constexpr double kCentralNum[] = {3.3871328727963666080e+0, 1.3314166789178437745e+2,
                                  1.9715909503065514427e+3, 1.3731693765509461125e+4,
                                  4.5921953931549871457e+4, 6.7265770927008700853e+4,
                                  3.3430575583588128105e+4, 2.5090809287301226727e+3};
constexpr double kCentralDen[] = {1.0,
                                  4.2313330701600911252e+1,
                                  6.8718700749205790830e+2,
                                  5.3941960214247511077e+3,
                                  2.1213794301586595867e+4,
                                  3.9307895800092710610e+4,
                                  2.8729085735721942674e+4,
                                  5.2264952788528545610e+3};
constexpr double kNearNum[] = {1.42343711074968357734e+0, 4.63033784615654529590e+0,
                               5.76949722146069140550e+0, 3.64784832476320460504e+0,
                               1.27045825245236838258e+0, 2.41780725177450611770e-1,
                               2.27238449892691845833e-2, 7.74545014278341407640e-4};
constexpr double kNearDen[] = {1.0,
                               2.05319162663775882187e+0,
                               1.67638483018380384940e+0,
                               6.89767334985100004550e-1,
                               1.48103976427480074590e-1,
                               1.51986665636164571966e-2,
                               5.47593808499534494600e-4,
                               1.05075007164441684324e-9};
constexpr double kFarNum[] = {6.65790464350110377720e+0, 5.46378491116411436990e+0,
                              1.78482653991729133580e+0, 2.96560571828504891230e-1,
                              2.65321895265761230930e-2, 1.24266094738807843860e-3,
                              2.71155556874348757815e-5, 2.01033439929228813265e-7};
constexpr double kFarDen[] = {1.0,
                              5.99832206555887937690e-1,
                              1.36929880922735805310e-1,
                              1.48753612908506148525e-2,
                              7.86869131145613259100e-4,
                              1.84631831751005468180e-5,
                              1.42151175831644588870e-7,
                              2.04426310338993978564e-15};

// AS241 for |p - 0.5| <= 0.425, with q = p - 0.5.
double CentralPpnd(double q) {
  const double r = 0.180625 - q * q;
  return q * Polynomial(kCentralNum, r) / Polynomial(kCentralDen, r);
}

// AS241 in a tail: the magnitude of Phi^-1(p) for p < 0.075 given r = sqrt(-log p). Taking r
// rather than p lets callers pass log p directly, so that p may be far below the smallest double.
double TailPpnd(double r) {
  if (r <= 5.0) return Polynomial(kNearNum, r - 1.6) / Polynomial(kNearDen, r - 1.6);
  return Polynomial(kFarNum, r - 5.0) / Polynomial(kFarDen, r - 5.0);
}

}  // namespace

double Ndtr(double x) { return 0.5 * std::erfc(-x * kSqrtHalf); }

double LogNdtr(double x) {
  // Above 6, Phi(x) = 1 - Phi(-x) with Phi(-x) < 1e-9, so log Phi(x) = log1p(-Phi(-x)).
  if (x > 6) return std::log1p(-Ndtr(-x));
  if (x > -20) return std::log(Ndtr(x));
  // Below -20: log Phi(x) = -x^2/2 - log(-x) - log(2 pi)/2 + log(1 - 1/x^2 + 3/x^4 - ...), the
  // asymptotic series summed until it stops changing (as Optuna's _log_ndtr_single does).
  const double log_lhs = -0.5 * x * x - std::log(-x) - kHalfLog2Pi;
  const double inv_x2 = 1.0 / (x * x);
  double sum = 1.0;
  double last = 0.0;
  double term = 1.0;
  for (int i = 1; std::fabs(last - sum) > std::numeric_limits<double>::epsilon() && i < 100; ++i) {
    last = sum;
    term *= -(2.0 * i - 1.0) * inv_x2;
    sum += term;
  }
  return log_lhs + std::log(sum);
}

double LogGaussMass(double a, double b) {
  if (!(a < b)) return -kInf;
  // Work in the tail where the masses are small, so that differences keep their precision.
  if (b <= 0) return LogDiff(LogNdtr(b), LogNdtr(a));
  if (a > 0) return LogDiff(LogNdtr(-a), LogNdtr(-b));
  // The interval holds 0: the mass is at least min(Phi(b), 1 - Phi(a)) - 1/2, and 1 minus the
  // two tails avoids the cancellation of Phi(b) - Phi(a) when both are near 1/2 +- 1/2.
  return std::log1p(-Ndtr(a) - Ndtr(-b));
}

double Ndtri(double p) {
  if (!(p > 0)) return -kInf;
  if (!(p < 1)) return kInf;
  const double q = p - 0.5;
  if (std::fabs(q) <= 0.425) return CentralPpnd(q);
  const double r = std::sqrt(-std::log(q < 0 ? p : 1.0 - p));
  return q < 0 ? -TailPpnd(r) : TailPpnd(r);
}

double NdtriExp(double log_p) {
  if (log_p < kLogTailSplit) return -TailPpnd(std::sqrt(-log_p));
  const double p = std::exp(log_p);
  if (p <= 0.925) return CentralPpnd(p - 0.5);
  if (!(log_p < 0)) return kInf;
  // 1 - p from log p directly: forming 1 - exp(log_p) would lose the digits that matter.
  return TailPpnd(std::sqrt(-std::log(-std::expm1(log_p))));
}

double TruncatedNormalInverseCdf(double a, double b, double u) {
  // Mirror an interval right of 0 to the left, where the CDF's small values are representable.
  if (a > 0) return -TruncatedNormalInverseCdf(-b, -a, 1.0 - u);
  double x;
  if (b <= 0) {
    // Left of 0: Phi(x) = Phi(a) + u (Phi(b) - Phi(a)), all in log space.
    const double log_p = LogAddExp(LogNdtr(a), std::log(u) + LogGaussMass(a, b));
    x = NdtriExp(log_p);
  } else {
    // Around 0 the mass is large enough for plain arithmetic; invert from the nearer tail.
    const double mass = std::exp(LogGaussMass(a, b));
    const double p = Ndtr(a) + u * mass;
    x = p <= 0.5 ? Ndtri(p) : -Ndtri(Ndtr(-b) + (1.0 - u) * mass);
  }
  return std::clamp(x, a, b);
}

}  // namespace automl::internal
