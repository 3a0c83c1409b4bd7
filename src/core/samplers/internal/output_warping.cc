#include "core/samplers/internal/output_warping.h"

#include <cmath>
#include <limits>

namespace automl::internal {
namespace {

using Eigen::VectorXd;

constexpr double kMinExponent = -2.0;
constexpr double kMaxExponent = 2.0;
constexpr int kGoldenSectionSteps = 60;  // the bracket shrinks to 4 * 0.618^60, about 1e-12
// Below this many values the exponent is too poorly determined to be worth fitting.
constexpr Eigen::Index kMinValuesToWarp = 4;

// The sum of sign(y) log(1 + |y|): the log-Jacobian of the transformation is (lambda - 1) times
// it, so it is computed once per fit rather than once per exponent tried.
double SignedLogSum(const VectorXd& y) {
  double sum = 0;
  for (double v : y) sum += std::copysign(std::log1p(std::fabs(v)), v);
  return sum;
}

// The profile log-likelihood of |lambda|, up to a constant: the Gaussian log-likelihood of the
// transformed values at their own mean and variance plus the log-Jacobian of the transformation.
double ProfileLogLikelihood(const VectorXd& y, double signed_log_sum, double lambda) {
  const auto n = static_cast<double>(y.size());
  VectorXd t(y.size());
  for (Eigen::Index i = 0; i < y.size(); ++i) t[i] = YeoJohnson(y[i], lambda);
  const double variance = (t.array() - t.mean()).square().mean();
  if (!(variance > 0) || !std::isfinite(variance)) {
    return -std::numeric_limits<double>::infinity();
  }
  return -0.5 * n * std::log(variance) + (lambda - 1) * signed_log_sum;
}

}  // namespace

VectorXd Standardize(const VectorXd& y) {
  const double mean = y.mean();
  const double sd = std::sqrt((y.array() - mean).square().mean());
  return (y.array() - mean) / (sd > 0 && std::isfinite(sd) ? sd : 1.0);
}

double YeoJohnson(double y, double lambda) {
  constexpr double kEpsilon = 1e-12;
  if (y >= 0) {
    if (std::fabs(lambda) < kEpsilon) return std::log1p(y);
    return std::expm1(lambda * std::log1p(y)) / lambda;
  }
  if (std::fabs(lambda - 2) < kEpsilon) return -std::log1p(-y);
  return -std::expm1((2 - lambda) * std::log1p(-y)) / (2 - lambda);
}

double FitYeoJohnsonExponent(const VectorXd& y) {
  // Golden-section search for the maximum; the profile likelihood is unimodal in practice, and a
  // local maximum is still a sound transformation (any exponent keeps the order of values).
  const double ratio = (std::sqrt(5.0) - 1) / 2;
  const double signed_log_sum = SignedLogSum(y);
  const auto likelihood = [&](double lambda) {
    return ProfileLogLikelihood(y, signed_log_sum, lambda);
  };
  double a = kMinExponent;
  double b = kMaxExponent;
  double c = b - ratio * (b - a);
  double d = a + ratio * (b - a);
  double fc = likelihood(c);
  double fd = likelihood(d);
  for (int step = 0; step < kGoldenSectionSteps; ++step) {
    if (fc >= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = likelihood(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = likelihood(d);
    }
  }
  return (a + b) / 2;
}

VectorXd WarpOutputs(const VectorXd& y) {
  VectorXd standardized = Standardize(y);
  if (y.size() < kMinValuesToWarp) return standardized;
  const double lambda = FitYeoJohnsonExponent(standardized);
  VectorXd warped(y.size());
  for (Eigen::Index i = 0; i < y.size(); ++i) warped[i] = YeoJohnson(standardized[i], lambda);
  return Standardize(warped);
}

}  // namespace automl::internal
