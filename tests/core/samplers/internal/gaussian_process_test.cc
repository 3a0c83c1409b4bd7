#include "core/samplers/internal/gaussian_process.h"

#include <gtest/gtest.h>

#include <Eigen/LU>
#include <cmath>

#include "automl/random.h"

namespace automl::internal {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// |n| random points in [0, 1]^numeric x {0, 1, 2}^categorical.
GpInputs RandomInputs(int n, int numeric, int categorical, uint64_t seed) {
  Rng rng(seed);
  GpInputs inputs;
  inputs.x.resize(n, numeric + categorical);
  for (int i = 0; i < n; ++i) {
    for (int d = 0; d < numeric; ++d) inputs.x(i, d) = rng.Uniform();
    for (int d = 0; d < categorical; ++d)
      inputs.x(i, numeric + d) = static_cast<double>(rng.Below(3));
  }
  inputs.categorical.assign(static_cast<size_t>(numeric), false);
  inputs.categorical.resize(static_cast<size_t>(numeric + categorical), true);
  return inputs;
}

VectorXd Objective(const GpInputs& inputs) {
  VectorXd y(inputs.x.rows());
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    double v = 0;
    for (Eigen::Index d = 0; d < inputs.x.cols(); ++d) {
      v += inputs.categorical[static_cast<size_t>(d)] ? 0.3 * inputs.x(i, d)
                                                      : std::sin(3.0 * inputs.x(i, d) + d);
    }
    y[i] = v;
  }
  return y;
}

GpHyperparameters SomeHyperparameters(int dims) {
  GpHyperparameters h;
  h.inverse_squared_lengthscales = VectorXd::LinSpaced(dims, 0.5, 4.0);
  h.signal_variance = 1.3;
  h.noise_variance = 0.02;
  return h;
}

TEST(GaussianProcessTest, Matern52MatchesItsDefinitionAndDerivative) {
  EXPECT_DOUBLE_EQ(Matern52(0.0), 1.0);
  for (double r : {0.1, 0.5, 1.0, 3.0}) {
    const double expected =
        (1 + std::sqrt(5.0) * r + 5.0 / 3.0 * r * r) * std::exp(-std::sqrt(5.0) * r);
    EXPECT_NEAR(Matern52(r * r), expected, 1e-15);
    const double h = 1e-6;
    const double numeric = (Matern52(r * r + h) - Matern52(r * r - h)) / (2 * h);
    EXPECT_NEAR(Matern52DerivativeR2(r * r), numeric, 1e-8);
  }
}

// The analytic gradient of the log marginal likelihood (R&W 5.9) against central differences,
// for numeric and categorical columns, every hyperparameter.
TEST(GaussianProcessTest, LogMarginalLikelihoodGradientMatchesFiniteDifferences) {
  const GpInputs inputs = RandomInputs(25, 3, 2, 1);
  const VectorXd y = Objective(inputs);
  const GpHyperparameters h = SomeHyperparameters(5);
  VectorXd gradient;
  const double lml = LogMarginalLikelihood(inputs, y, h, &gradient);
  ASSERT_TRUE(std::isfinite(lml));
  const VectorXd theta = h.ToLog();
  ASSERT_EQ(gradient.size(), theta.size());
  for (Eigen::Index k = 0; k < theta.size(); ++k) {
    const double step = 1e-5;
    VectorXd plus = theta, minus = theta;
    plus[k] += step;
    minus[k] -= step;
    const double numeric =
        (LogMarginalLikelihood(inputs, y, GpHyperparameters::FromLog(plus), nullptr) -
         LogMarginalLikelihood(inputs, y, GpHyperparameters::FromLog(minus), nullptr)) /
        (2 * step);
    EXPECT_NEAR(gradient[k], numeric, 1e-6 * std::max(1.0, std::fabs(numeric)))
        << "parameter " << k;
  }
}

TEST(GaussianProcessTest, LogHyperpriorGradientMatchesFiniteDifferences) {
  const GpHyperparameters h = SomeHyperparameters(4);
  VectorXd gradient;
  LogHyperprior(h, &gradient);
  const VectorXd theta = h.ToLog();
  for (Eigen::Index k = 0; k < theta.size(); ++k) {
    const double step = 1e-6;
    VectorXd plus = theta, minus = theta;
    plus[k] += step;
    minus[k] -= step;
    const double numeric = (LogHyperprior(GpHyperparameters::FromLog(plus), nullptr) -
                            LogHyperprior(GpHyperparameters::FromLog(minus), nullptr)) /
                           (2 * step);
    EXPECT_NEAR(gradient[k], numeric, 1e-7) << "parameter " << k;
  }
}

TEST(GaussianProcessTest, LogMarginalLikelihoodMatchesTheDirectFormula) {
  const GpInputs inputs = RandomInputs(6, 2, 0, 2);
  const VectorXd y = Objective(inputs);
  const GpHyperparameters h = SomeHyperparameters(2);
  MatrixXd k(6, 6);
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 6; ++j) {
      const VectorXd d = inputs.x.row(i) - inputs.x.row(j);
      const double r2 = d.cwiseProduct(d).dot(h.inverse_squared_lengthscales);
      k(i, j) = h.signal_variance * Matern52(r2) + (i == j ? h.noise_variance : 0.0);
    }
  }
  const double expected =
      -0.5 * y.dot(k.inverse() * y) - 0.5 * std::log(k.determinant()) - 3.0 * std::log(2 * M_PI);
  EXPECT_NEAR(LogMarginalLikelihood(inputs, y, h, nullptr), expected, 1e-9);
}

// With the noise at its floor, the posterior mean goes through noise-free data and the variance
// vanishes there; far from the data it returns to the prior.
TEST(GaussianProcessTest, PosteriorInterpolatesNoiseFreeData) {
  const GpInputs inputs = RandomInputs(15, 2, 1, 3);
  const VectorXd y = Objective(inputs);
  GpHyperparameters h = SomeHyperparameters(3);
  h.noise_variance = 1e-10;
  const GaussianProcess gp(inputs, y, h);
  VectorXd mean, variance;
  gp.Predict(inputs.x, &mean, &variance);
  EXPECT_LT((mean - y).lpNorm<Eigen::Infinity>(), 1e-6);
  EXPECT_LT(variance.maxCoeff(), 1e-6);
  EXPECT_LT((gp.MeanAtInputs() - y).lpNorm<Eigen::Infinity>(), 1e-6);

  GpHyperparameters short_scales = h;
  short_scales.inverse_squared_lengthscales.setConstant(1e4);
  const GaussianProcess local(inputs, y, short_scales);
  const MatrixXd far = (MatrixXd(1, 3) << 5.0, 5.0, 7.0).finished();
  local.Predict(far, &mean, &variance);
  EXPECT_NEAR(mean[0], 0.0, 1e-9);
  EXPECT_NEAR(variance[0], h.signal_variance, 1e-9);
}

TEST(GaussianProcessTest, PredictionGradientsMatchFiniteDifferences) {
  const GpInputs inputs = RandomInputs(20, 3, 1, 4);
  const GaussianProcess gp(inputs, Objective(inputs), SomeHyperparameters(4));
  const VectorXd point = (VectorXd(4) << 0.3, 0.6, 0.1, 2.0).finished();
  double mean = 0, variance = 0;
  VectorXd dmean, dvariance;
  gp.PredictWithGradient(point, &mean, &variance, &dmean, &dvariance);
  VectorXd batch_mean, batch_variance;
  gp.Predict(point.transpose(), &batch_mean, &batch_variance);
  EXPECT_NEAR(mean, batch_mean[0], 1e-12);
  EXPECT_NEAR(variance, batch_variance[0], 1e-12);
  for (Eigen::Index d = 0; d < 3; ++d) {
    const double step = 1e-6;
    VectorXd plus = point, minus = point;
    plus[d] += step;
    minus[d] -= step;
    VectorXd m_plus, v_plus, m_minus, v_minus;
    gp.Predict(plus.transpose(), &m_plus, &v_plus);
    gp.Predict(minus.transpose(), &m_minus, &v_minus);
    EXPECT_NEAR(dmean[d], (m_plus[0] - m_minus[0]) / (2 * step), 1e-6) << d;
    EXPECT_NEAR(dvariance[d], (v_plus[0] - v_minus[0]) / (2 * step), 1e-6) << d;
  }
  EXPECT_EQ(dmean[3], 0.0);  // categorical
  EXPECT_EQ(dvariance[3], 0.0);
}

// Fantasies extend the factor by blocks: the same posterior as a GP built on the extended data,
// the mean unchanged everywhere, the variance at the fantasized points down to the noise.
TEST(GaussianProcessTest, FantasiesMatchAFullRefitAndKeepTheMean) {
  const GpInputs inputs = RandomInputs(12, 2, 0, 5);
  const VectorXd y = Objective(inputs);
  const GpHyperparameters h = SomeHyperparameters(2);
  const GaussianProcess gp(inputs, y, h);
  const MatrixXd pending = (MatrixXd(2, 2) << 0.5, 0.5, 0.9, 0.1).finished();
  const GaussianProcess believer = gp.WithFantasies(pending);
  EXPECT_EQ(believer.size(), 14);

  VectorXd pending_mean, pending_variance;
  gp.Predict(pending, &pending_mean, &pending_variance);
  GpInputs extended = inputs;
  extended.x.conservativeResize(14, 2);
  extended.x.bottomRows(2) = pending;
  VectorXd extended_y(14);
  extended_y << y, pending_mean;
  const GaussianProcess refit(extended, extended_y, h);

  const GpInputs probes = RandomInputs(30, 2, 0, 6);
  VectorXd m1, v1, m2, v2, m0, v0;
  believer.Predict(probes.x, &m1, &v1);
  refit.Predict(probes.x, &m2, &v2);
  gp.Predict(probes.x, &m0, &v0);
  EXPECT_LT((m1 - m2).lpNorm<Eigen::Infinity>(), 1e-9);
  EXPECT_LT((v1 - v2).lpNorm<Eigen::Infinity>(), 1e-9);
  EXPECT_LT((m1 - m0).lpNorm<Eigen::Infinity>(), 1e-9);
  EXPECT_TRUE((v1.array() <= v0.array() + 1e-12).all());
  VectorXd m3, v3;
  believer.Predict(pending, &m3, &v3);
  EXPECT_LT(v3.maxCoeff(), 2 * h.noise_variance);
}

// The fit finds the length scales the data call for: a function of x0 only gets a short length
// scale on x0 and a long one on the irrelevant x1; noise-free data get little noise.
TEST(GaussianProcessTest, FitPrefersRelevantDimensions) {
  Rng rng(7);
  GpInputs inputs;
  inputs.x.resize(40, 2);
  inputs.categorical = {false, false};
  VectorXd y(40);
  for (int i = 0; i < 40; ++i) {
    inputs.x(i, 0) = rng.Uniform();
    inputs.x(i, 1) = rng.Uniform();
    y[i] = std::sin(6 * inputs.x(i, 0));
  }
  y = (y.array() - y.mean()) / std::sqrt((y.array() - y.mean()).square().mean());
  GpHyperparameters start;
  start.inverse_squared_lengthscales = VectorXd::Ones(2);
  const GpHyperparameters h = FitHyperparameters(inputs, y, {start}, GpFitOptions{});
  EXPECT_GT(h.inverse_squared_lengthscales[0], 30 * h.inverse_squared_lengthscales[1]);
  EXPECT_LT(h.noise_variance, 1e-3);
  // The fit is at least as good as its start.
  VectorXd unused;
  EXPECT_GE(LogMarginalLikelihood(inputs, y, h, nullptr) + LogHyperprior(h, nullptr),
            LogMarginalLikelihood(inputs, y, start, nullptr) + LogHyperprior(start, nullptr));
}

TEST(GaussianProcessTest, FixedNoiseStaysAtTheFloor) {
  const GpInputs inputs = RandomInputs(20, 2, 0, 8);
  VectorXd y = Objective(inputs);
  GpFitOptions options;
  options.noise_floor = 1e-5;
  options.fix_noise = true;
  GpHyperparameters start;
  start.inverse_squared_lengthscales = VectorXd::Ones(2);
  start.noise_variance = 0.5;
  EXPECT_NEAR(FitHyperparameters(inputs, y, {start}, options).noise_variance, 1e-5, 1e-12);
}

TEST(GaussianProcessTest, DuplicatePointsStayFactorizable) {
  GpInputs inputs;
  inputs.x = MatrixXd::Constant(5, 2, 0.5);
  inputs.categorical = {false, false};
  const VectorXd y = VectorXd::LinSpaced(5, -1, 1);
  GpHyperparameters h = SomeHyperparameters(2);
  h.noise_variance = 0;  // singular without jitter
  const GaussianProcess gp(inputs, y, h);
  EXPECT_GT(gp.noise_variance(), 0);
  VectorXd mean, variance;
  gp.Predict(inputs.x.topRows(1), &mean, &variance);
  EXPECT_NEAR(mean[0], 0.0, 1e-3);  // the average of the duplicates
  EXPECT_TRUE(std::isfinite(variance[0]));
}

}  // namespace
}  // namespace automl::internal
