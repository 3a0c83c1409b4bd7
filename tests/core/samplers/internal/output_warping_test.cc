#include "core/samplers/internal/output_warping.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace automl::internal {
namespace {

using Eigen::VectorXd;

// The inverse of YeoJohnson for values whose image lies in its range.
double InverseYeoJohnson(double t, double lambda) {
  if (t >= 0) return std::pow(lambda * t + 1, 1 / lambda) - 1;
  return 1 - std::pow(1 - (2 - lambda) * t, 1 / (2 - lambda));
}

// Standard normal quantiles of (i + 0.5) / n by bisection on erfc: an exactly Gaussian sample.
VectorXd GaussianQuantiles(int n) {
  VectorXd z(n);
  for (int i = 0; i < n; ++i) {
    const double p = (i + 0.5) / n;
    double lo = -10;
    double hi = 10;
    for (int k = 0; k < 200; ++k) {
      const double mid = (lo + hi) / 2;
      (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
    }
    z[i] = (lo + hi) / 2;
  }
  return z;
}

double Skewness(const VectorXd& x) {
  const VectorXd c = x.array() - x.mean();
  const double sd = std::sqrt(c.array().square().mean());
  return c.array().cube().mean() / (sd * sd * sd);
}

TEST(OutputWarpingTest, YeoJohnsonMatchesItsDefinition) {
  for (double y : {-3.0, -0.5, 0.0, 0.7, 4.0}) {
    EXPECT_NEAR(YeoJohnson(y, 1.0), y, 1e-12) << y;  // the identity
  }
  EXPECT_NEAR(YeoJohnson(2.0, 0.0), std::log(3.0), 1e-12);
  EXPECT_NEAR(YeoJohnson(-2.0, 2.0), -std::log(3.0), 1e-12);
  EXPECT_NEAR(YeoJohnson(3.0, 0.5), (std::sqrt(4.0) - 1) / 0.5, 1e-12);
  EXPECT_NEAR(YeoJohnson(-3.0, 0.5), -(std::pow(4.0, 1.5) - 1) / 1.5, 1e-12);
}

TEST(OutputWarpingTest, YeoJohnsonIsIncreasingForEveryExponent) {
  for (double lambda : {-2.0, -0.7, 0.0, 0.5, 1.0, 1.5, 2.0}) {
    double previous = -INFINITY;
    for (double y = -5; y <= 5; y += 0.25) {
      const double t = YeoJohnson(y, lambda);
      EXPECT_GT(t, previous) << "lambda " << lambda << " at " << y;
      previous = t;
    }
  }
}

// Values made by inverting the transformation on a Gaussian sample give back the exponent.
TEST(OutputWarpingTest, FitRecoversTheExponentOfTransformedGaussianData) {
  const VectorXd z = GaussianQuantiles(400);
  for (double lambda : {-0.5, 0.3, 1.0, 1.6}) {
    VectorXd y(z.size());
    for (Eigen::Index i = 0; i < z.size(); ++i) y[i] = InverseYeoJohnson(0.3 * z[i], lambda);
    EXPECT_NEAR(FitYeoJohnsonExponent(y), lambda, 0.05) << lambda;
  }
}

// A heavy right tail, as a few diverged runs give: the warped values are standardized, in the
// same order, and far less skewed.
TEST(OutputWarpingTest, WarpingKeepsTheOrderAndRemovesTheSkew) {
  const VectorXd z = GaussianQuantiles(100);
  VectorXd y = (1.5 * z).array().exp();
  std::reverse(y.data(), y.data() + y.size());  // the order must come from the values
  const VectorXd w = WarpOutputs(y);
  EXPECT_NEAR(w.mean(), 0.0, 1e-9);
  EXPECT_NEAR((w.array() - w.mean()).square().mean(), 1.0, 1e-9);
  for (Eigen::Index i = 1; i < y.size(); ++i) EXPECT_LT(w[i], w[i - 1]);
  EXPECT_GT(Skewness(y), 3.0);
  EXPECT_LT(std::fabs(Skewness(w)), Skewness(y) / 5);
}

TEST(OutputWarpingTest, ConstantAndTinyInputsStayFinite) {
  const VectorXd constant = VectorXd::Constant(10, 4.2);
  const VectorXd w = WarpOutputs(constant);
  for (double v : w) EXPECT_EQ(v, 0.0);
  const VectorXd two = (VectorXd(2) << 1.0, 3.0).finished();
  EXPECT_TRUE(WarpOutputs(two).isApprox((VectorXd(2) << -1.0, 1.0).finished()));
}

}  // namespace
}  // namespace automl::internal
