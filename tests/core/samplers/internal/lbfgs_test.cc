#include "core/samplers/internal/lbfgs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace automl::internal {
namespace {

using Eigen::VectorXd;

const double kInf = std::numeric_limits<double>::infinity();

// Rosenbrock's valley in |n| dimensions, minimum 0 at (1, ..., 1).
double Rosenbrock(const VectorXd& x, VectorXd* g) {
  double f = 0;
  if (g) g->setZero(x.size());
  for (Eigen::Index i = 0; i + 1 < x.size(); ++i) {
    const double a = x[i + 1] - x[i] * x[i];
    const double b = 1 - x[i];
    f += 100 * a * a + b * b;
    if (g) {
      (*g)[i] += -400 * a * x[i] - 2 * b;
      (*g)[i + 1] += 200 * a;
    }
  }
  return f;
}

TEST(LbfgsTest, MinimizesRosenbrockWithoutBounds) {
  for (int n : {2, 5, 10}) {
    const VectorXd lower = VectorXd::Constant(n, -kInf);
    const VectorXd upper = VectorXd::Constant(n, kInf);
    LbfgsOptions options;
    options.max_iterations = 2000;
    options.max_evaluations = 5000;
    options.gradient_tolerance = 1e-9;
    options.relative_function_tolerance = 0;
    const LbfgsResult r =
        MinimizeBoxed(Rosenbrock, VectorXd::Constant(n, -1.2), lower, upper, options);
    EXPECT_TRUE(r.converged) << n;
    EXPECT_LT(r.value, 1e-12) << n;
    EXPECT_LT((r.x - VectorXd::Ones(n)).lpNorm<Eigen::Infinity>(), 1e-5) << n;
  }
}

// A quadratic whose unconstrained minimum (2, -3, 0.5) lies outside the box [0, 1]^3 in the first
// two coordinates: the solution sits on those bounds, the third coordinate is free.
TEST(LbfgsTest, StopsOnTheBoundsWhereTheMinimumIsOutside) {
  const VectorXd centre = (VectorXd(3) << 2.0, -3.0, 0.5).finished();
  const DifferentiableFunction f = [&](const VectorXd& x, VectorXd* g) {
    const VectorXd d = x - centre;
    if (g) *g = 2 * d;
    return d.squaredNorm();
  };
  const LbfgsResult r =
      MinimizeBoxed(f, VectorXd::Constant(3, 0.3), VectorXd::Zero(3), VectorXd::Ones(3));
  EXPECT_TRUE(r.converged);
  EXPECT_DOUBLE_EQ(r.x[0], 1.0);
  EXPECT_DOUBLE_EQ(r.x[1], 0.0);
  EXPECT_NEAR(r.x[2], 0.5, 1e-7);
}

TEST(LbfgsTest, KeepsFixedVariablesAndProjectsTheStart) {
  const DifferentiableFunction f = [](const VectorXd& x, VectorXd* g) {
    if (g) *g = 2 * x;
    return x.squaredNorm();
  };
  // x1 is fixed at 0.7 (lower == upper); x0 starts outside its box [0.2, 1].
  const VectorXd lower = (VectorXd(2) << 0.2, 0.7).finished();
  const VectorXd upper = (VectorXd(2) << 1.0, 0.7).finished();
  const LbfgsResult r = MinimizeBoxed(f, (VectorXd(2) << 5.0, 0.0).finished(), lower, upper);
  EXPECT_DOUBLE_EQ(r.x[0], 0.2);
  EXPECT_DOUBLE_EQ(r.x[1], 0.7);
}

// A function that is +infinity (or NaN) in part of the space: the line search backs off.
TEST(LbfgsTest, BacksAwayFromNonFiniteValues) {
  const DifferentiableFunction f = [](const VectorXd& x, VectorXd* g) {
    if (x[0] > 2.0) return std::numeric_limits<double>::quiet_NaN();
    if (g) *g = VectorXd::Constant(1, -1.0);
    return -x[0];  // decreasing towards the wall at 2
  };
  const LbfgsResult r = MinimizeBoxed(f, VectorXd::Zero(1), VectorXd::Constant(1, -kInf),
                                      VectorXd::Constant(1, kInf));
  EXPECT_TRUE(std::isfinite(r.value));
  EXPECT_LE(r.x[0], 2.0);
  EXPECT_GT(r.x[0], 1.0);
}

TEST(LbfgsTest, NeverReturnsWorseThanTheStart) {
  // A non-smooth function whose "gradient" points the wrong way.
  const DifferentiableFunction f = [](const VectorXd& x, VectorXd* g) {
    if (g) *g = -2 * x;
    return x.squaredNorm();
  };
  const VectorXd x0 = VectorXd::Constant(2, 0.5);
  const LbfgsResult r = MinimizeBoxed(f, x0, VectorXd::Constant(2, -1), VectorXd::Constant(2, 1));
  EXPECT_LE(r.value, x0.squaredNorm());
}

}  // namespace
}  // namespace automl::internal
