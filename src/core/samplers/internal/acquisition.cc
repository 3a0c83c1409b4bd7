#include "core/samplers/internal/acquisition.h"

#include <algorithm>
#include <cmath>

namespace automl::internal {
namespace {

constexpr double kHalfLog2Pi = 0.9189385332046727;      // log(2 pi) / 2, c1 in Ament et al.
constexpr double kHalfLogPiOver2 = 0.2257913526447274;  // log(pi / 2) / 2, c2 in Ament et al.
constexpr double kSqrtHalf = 0.7071067811865476;
// Below this z the asymptotic series take over: erfc(-z / sqrt 2) nears the bottom of the double
// range there, while the series' terms fall below 1e-16 relative within a dozen terms.
constexpr double kAsymptoticZ = -30.0;
// Posterior variances are floored here (standardized units): a point on an observation has
// the noise variance, at least 1e-6, so this only guards log(0).
constexpr double kMinVariance = 1e-30;

double LogNormalDensity(double z) { return -0.5 * z * z - kHalfLog2Pi; }

// exp(x^2) erfc(x) for 0 <= x <= -kAsymptoticZ / sqrt 2. x^2's rounding error is put back as a
// factor, so that exp's argument is exact.
double ScaledErfc(double x) {
  const double x2 = x * x;
  const double x2_error = std::fma(x, x, -x2);
  return std::exp(x2) * std::erfc(x) * (1.0 + x2_error);
}

// sum_k (-1)^k c_k / z^(2k), with c_k = (2k - 1)!! (|odd| false) or (2k + 1)!! (|odd| true):
// the asymptotic series of Phi(z) |z| / phi(z) and of h(z) z^2 / phi(z) as z -> -infinity.
double AsymptoticSeries(double z, bool odd) {
  const double inv_z2 = 1.0 / (z * z);
  double term = 1.0;
  double sum = 1.0;
  for (int k = 1; k <= 30; ++k) {
    term *= -static_cast<double>(odd ? 2 * k + 1 : 2 * k - 1) * inv_z2;
    sum += term;
    if (std::fabs(term) < 1e-17) break;
  }
  return sum;
}

// log(1 - e^x) for x < 0 (M. Mächler, "Accurately computing log(1 - exp(-|a|))", 2012).
double Log1mExp(double x) {
  return x > -M_LN2 ? std::log(-std::expm1(x)) : std::log1p(-std::exp(x));
}

}  // namespace

double LogNormalCdf(double z) {
  if (z < kAsymptoticZ)
    return LogNormalDensity(z) - std::log(-z) + std::log(AsymptoticSeries(z, false));
  if (z < 0) return std::log(0.5 * std::erfc(-z * kSqrtHalf));
  return std::log1p(-0.5 * std::erfc(z * kSqrtHalf));
}

double LogH(double z) {
  if (z > -1.0) {
    const double cdf = 0.5 * std::erfc(-z * kSqrtHalf);
    return std::log(std::exp(LogNormalDensity(z)) + z * cdf);
  }
  if (z > kAsymptoticZ) {
    // Ament et al. (2023), eq. 9: h(z) = phi(z) (1 - |z| sqrt(pi / 2) erfcx(|z| / sqrt 2)).
    return LogNormalDensity(z) +
           Log1mExp(std::log(ScaledErfc(-z * kSqrtHalf) * -z) + kHalfLogPiOver2);
  }
  return LogNormalDensity(z) - 2.0 * std::log(-z) + std::log(AsymptoticSeries(z, true));
}

double LogHDerivative(double z) { return std::exp(LogNormalCdf(z) - LogH(z)); }

AcquisitionFunction::AcquisitionFunction(const GaussianProcess& gp, AcquisitionKind kind,
                                         double threshold, double beta)
    : gp_(gp), kind_(kind), threshold_(threshold), sqrt_beta_(std::sqrt(beta)) {}

double AcquisitionFunction::FromPosterior(double mean, double variance, double* dvalue_dmean,
                                          double* dvalue_dvariance) const {
  variance = std::max(variance, kMinVariance);
  const double sd = std::sqrt(variance);
  const double z = (threshold_ - mean) / sd;
  double value = 0;
  double dmean = 0;
  double dvariance = 0;
  switch (kind_) {
    case AcquisitionKind::kUcb:
      value = -mean + sqrt_beta_ * sd;
      dmean = -1.0;
      dvariance = sqrt_beta_ / (2.0 * sd);
      break;
    case AcquisitionKind::kLogEi: {
      value = std::log(sd) + LogH(z);
      if (dvalue_dmean) {
        const double slope = LogHDerivative(z);  // d log h / dz
        dmean = -slope / sd;
        dvariance = 0.5 / variance - slope * z / (2.0 * variance);
      }
      break;
    }
    case AcquisitionKind::kLogPi: {
      value = LogNormalCdf(z);
      if (dvalue_dmean) {
        const double slope = std::exp(LogNormalDensity(z) - value);  // d log Phi / dz
        dmean = -slope / sd;
        dvariance = -slope * z / (2.0 * variance);
      }
      break;
    }
  }
  if (dvalue_dmean) *dvalue_dmean = dmean;
  if (dvalue_dvariance) *dvalue_dvariance = dvariance;
  return value;
}

Eigen::VectorXd AcquisitionFunction::Evaluate(const Eigen::MatrixXd& points) const {
  Eigen::VectorXd mean;
  Eigen::VectorXd variance;
  gp_.Predict(points, &mean, &variance);
  Eigen::VectorXd values(points.rows());
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    values[i] = FromPosterior(mean[i], variance[i], nullptr, nullptr);
  }
  return values;
}

double AcquisitionFunction::EvaluateWithGradient(const Eigen::VectorXd& point,
                                                 Eigen::VectorXd* gradient) const {
  double mean = 0;
  double variance = 0;
  Eigen::VectorXd mean_gradient;
  Eigen::VectorXd variance_gradient;
  gp_.PredictWithGradient(point, &mean, &variance, &mean_gradient, &variance_gradient);
  double dmean = 0;
  double dvariance = 0;
  const double value = FromPosterior(mean, variance, &dmean, &dvariance);
  *gradient = dmean * mean_gradient + dvariance * variance_gradient;
  return value;
}

}  // namespace automl::internal
