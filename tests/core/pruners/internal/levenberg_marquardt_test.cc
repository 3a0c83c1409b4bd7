#include "core/pruners/internal/levenberg_marquardt.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace automl::internal {
namespace {

// The Rosenbrock function as least squares, r = (10 (p1 - p0^2), 1 - p0): its minimum (1, 1)
// lies at the end of a curved valley that defeats plain gradient steps.
TEST(LevenbergMarquardtTest, FindsTheRosenbrockMinimum) {
  const auto residuals = [](const Eigen::VectorXd& p, Eigen::VectorXd* r) {
    (*r)[0] = 10 * (p[1] - p[0] * p[0]);
    (*r)[1] = 1 - p[0];
  };
  const LeastSquaresResult result = MinimizeSumOfSquares(residuals, Eigen::Vector2d(-1.2, 1.0), 2);
  EXPECT_TRUE(result.converged);
  EXPECT_NEAR(result.params[0], 1.0, 1e-6);
  EXPECT_NEAR(result.params[1], 1.0, 1e-6);
  EXPECT_LT(result.sum_of_squares, 1e-12);
}

// An exponential decay fitted to noisy-free data, from a start where some steps would leave the
// domain (a negative rate makes sqrt(rate) NaN): those steps are refused, the fit still ends at
// the truth.
TEST(LevenbergMarquardtTest, StaysInsideTheDomain) {
  std::vector<double> x, y;
  for (int i = 0; i < 10; ++i) {
    x.push_back(i);
    y.push_back(2.0 * std::exp(-0.3 * i));
  }
  const auto residuals = [&](const Eigen::VectorXd& p, Eigen::VectorXd* r) {
    for (size_t i = 0; i < x.size(); ++i) {
      (*r)[static_cast<Eigen::Index>(i)] =
          p[0] * std::exp(-std::sqrt(p[1]) * std::sqrt(p[1]) * x[i]) - y[i];
    }
  };
  const LeastSquaresResult result = MinimizeSumOfSquares(residuals, Eigen::Vector2d(1.0, 0.01), 10);
  EXPECT_NEAR(result.params[0], 2.0, 1e-6);
  EXPECT_NEAR(result.params[1], 0.3, 1e-6);
}

TEST(LevenbergMarquardtTest, AStartOutsideTheDomainIsReturnedAsIs) {
  const auto residuals = [](const Eigen::VectorXd& p, Eigen::VectorXd* r) {
    (*r)[0] = std::log(p[0]);
  };
  const LeastSquaresResult result =
      MinimizeSumOfSquares(residuals, Eigen::VectorXd::Constant(1, -1), 1);
  EXPECT_FALSE(std::isfinite(result.sum_of_squares));
  EXPECT_EQ(result.params[0], -1);
}

}  // namespace
}  // namespace automl::internal
