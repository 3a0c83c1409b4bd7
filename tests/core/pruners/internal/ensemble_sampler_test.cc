#include "core/pruners/internal/ensemble_sampler.h"

#include <gtest/gtest.h>

#include <Eigen/LU>
#include <cmath>
#include <limits>

#include "automl/random.h"

namespace automl::internal {
namespace {

// A strongly correlated, badly scaled Gaussian: the affine invariance of the stretch move makes
// it as easy as a standard one. The sample mean and covariance match.
TEST(EnsembleSamplerTest, SamplesACorrelatedGaussian) {
  Eigen::Vector2d mean(3.0, -1.0);
  Eigen::Matrix2d covariance;
  covariance << 100.0, 0.99 * 10 * 0.1, 0.99 * 10 * 0.1, 0.01;
  const Eigen::Matrix2d precision = covariance.inverse();
  const auto log_density = [&](const Eigen::VectorXd& x) {
    const Eigen::Vector2d d = x - mean;
    return -0.5 * d.dot(precision * d);
  };
  Rng rng(5);
  Eigen::MatrixXd start(2, 20);
  for (int k = 0; k < 20; ++k)
    start.col(k) = mean + 1e-3 * Eigen::Vector2d(rng.Normal(), rng.Normal());
  EnsembleSamplerOptions options;
  options.steps = 3000;
  options.burn_in = 500;
  const EnsembleSamples samples = SampleEnsemble(log_density, start, options, rng);
  ASSERT_EQ(samples.positions.cols(), 2500 * 20);
  const Eigen::Vector2d sample_mean = samples.positions.rowwise().mean();
  const Eigen::MatrixXd centred = samples.positions.colwise() - sample_mean;
  const Eigen::Matrix2d sample_covariance =
      centred * centred.transpose() / static_cast<double>(samples.positions.cols() - 1);
  EXPECT_NEAR(sample_mean[0], 3.0, 1.0);  // 0.1 standard deviation
  EXPECT_NEAR(sample_mean[1], -1.0, 0.01);
  EXPECT_NEAR(sample_covariance(0, 0), 100.0, 15.0);
  EXPECT_NEAR(sample_covariance(1, 1), 0.01, 0.0015);
  EXPECT_NEAR(sample_covariance(0, 1), 0.99, 0.15);
  EXPECT_GT(samples.acceptance_fraction, 0.2);
  EXPECT_LT(samples.acceptance_fraction, 0.9);
}

// Outside the support (-infinity) nothing is accepted: every sample stays in the half plane.
TEST(EnsembleSamplerTest, NeverLeavesTheSupport) {
  const auto log_density = [](const Eigen::VectorXd& x) {
    return x[0] > 0 ? -0.5 * x.squaredNorm() : -std::numeric_limits<double>::infinity();
  };
  Rng rng(1);
  Eigen::MatrixXd start = Eigen::MatrixXd::Constant(2, 8, 0.5);
  for (int k = 0; k < 8; ++k) start(1, k) += 0.1 * k;
  start.row(0) += Eigen::RowVectorXd::LinSpaced(8, 0.0, 0.7);
  EnsembleSamplerOptions options;
  options.steps = 200;
  options.burn_in = 0;
  const EnsembleSamples samples = SampleEnsemble(log_density, start, options, rng);
  EXPECT_GT(samples.positions.row(0).minCoeff(), 0.0);
  EXPECT_GT(samples.positions.row(0).maxCoeff(), 1.0);  // it moved
}

TEST(EnsembleSamplerTest, TheSameSeedGivesTheSameChain) {
  const auto log_density = [](const Eigen::VectorXd& x) { return -0.5 * x.squaredNorm(); };
  Eigen::MatrixXd start(3, 8);
  for (int k = 0; k < 8; ++k) start.col(k) = Eigen::Vector3d(k, k * k % 5, 7 - k) / 7.0;
  EnsembleSamplerOptions options;
  Rng a(9), b(9), c(10);
  const Eigen::MatrixXd first = SampleEnsemble(log_density, start, options, a).positions;
  EXPECT_EQ(first, SampleEnsemble(log_density, start, options, b).positions);
  EXPECT_NE(first, SampleEnsemble(log_density, start, options, c).positions);
}

}  // namespace
}  // namespace automl::internal
