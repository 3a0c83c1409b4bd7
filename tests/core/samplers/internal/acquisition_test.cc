#include "core/samplers/internal/acquisition.h"

#include <gtest/gtest.h>

#include <cmath>

namespace automl::internal {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }
double NormalPdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI); }

// Where EI = phi(z) + z Phi(z) is far above underflow, log h is its log.
TEST(AcquisitionTest, LogHMatchesTheLogOfExpectedImprovement) {
  for (double z = -12.0; z <= 8.0; z += 0.25) {
    const double h = NormalPdf(z) + z * NormalCdf(z);
    // Direct evaluation loses relative precision to cancellation as z falls; the tolerance
    // follows its error, not log h's.
    const double tolerance = z > -3 ? 1e-12 : 1e-6;
    EXPECT_NEAR(LogH(z), std::log(h), tolerance) << "z = " << z;
  }
}

TEST(AcquisitionTest, LogHStaysFiniteAndDecreasingFarBelow) {
  double previous = LogH(-1.0);
  for (double z : {-2.0, -10.0, -29.9, -30.1, -40.0, -100.0, -1e3, -1e5, -1e8, -1e12, -1e150}) {
    const double value = LogH(z);
    ASSERT_TRUE(std::isfinite(value)) << "z = " << z;
    EXPECT_LT(value, previous) << "z = " << z;
    previous = value;
  }
  // The asymptotic form: log h(z) ~ log phi(z) - 2 log |z|.
  const double z = -1e4;
  EXPECT_NEAR(LogH(z), -0.5 * z * z - 0.5 * std::log(2 * M_PI) - 2 * std::log(-z), 1e-6);
  // Continuity where the evaluation switches between formulas.
  for (double edge : {-1.0, -30.0}) {
    EXPECT_NEAR(LogH(edge - 1e-9), LogH(edge + 1e-9), 1e-7) << edge;
  }
}

TEST(AcquisitionTest, LogNormalCdfIsAccurateEverywhere) {
  for (double z = -35.0; z <= 8.0; z += 0.5) {
    const double cdf = NormalCdf(z);
    if (cdf < 1e-300) continue;  // the reference underflows
    EXPECT_NEAR(LogNormalCdf(z), std::log(cdf), 1e-9 * std::max(1.0, std::fabs(std::log(cdf))))
        << z;
  }
  // Mills' ratio: Phi(z) = phi(z) / |z| (1 - 1 / z^2 + O(z^-4)).
  EXPECT_NEAR(LogNormalCdf(-1e3),
              -0.5e6 - 0.5 * std::log(2 * M_PI) - std::log(1e3) + std::log1p(-1e-6), 1e-9);
  EXPECT_NEAR(LogNormalCdf(10.0), -7.619853024160527e-24, 1e-30);
}

TEST(AcquisitionTest, LogHDerivativeMatchesFiniteDifferences) {
  for (double z : {-200.0, -35.0, -25.0, -5.0, -1.5, -0.5, 0.0, 2.0, 6.0}) {
    const double step = 1e-6 * std::max(1.0, std::fabs(z));
    const double numeric = (LogH(z + step) - LogH(z - step)) / (2 * step);
    EXPECT_NEAR(LogHDerivative(z), numeric, 1e-5 * std::max(1.0, std::fabs(numeric))) << z;
  }
}

GaussianProcess SmallGp() {
  GpInputs inputs;
  inputs.x = (MatrixXd(5, 2) << 0.1, 0.2, 0.4, 0.9, 0.7, 0.3, 0.9, 0.8, 0.5, 0.5).finished();
  inputs.categorical = {false, false};
  GpHyperparameters h;
  h.inverse_squared_lengthscales = (VectorXd(2) << 4.0, 9.0).finished();
  h.signal_variance = 1.0;
  h.noise_variance = 1e-4;
  return GaussianProcess(inputs, (VectorXd(5) << 0.3, -1.0, 0.8, 1.2, -0.2).finished(), h);
}

TEST(AcquisitionTest, ValuesMatchTheirFormulas) {
  const GaussianProcess gp = SmallGp();
  const MatrixXd points = (MatrixXd(3, 2) << 0.3, 0.6, 0.0, 1.0, 0.45, 0.85).finished();
  VectorXd mean, variance;
  gp.Predict(points, &mean, &variance);
  const double tau = -1.0;
  const VectorXd ei = AcquisitionFunction(gp, AcquisitionKind::kLogEi, tau, 0).Evaluate(points);
  const VectorXd pi = AcquisitionFunction(gp, AcquisitionKind::kLogPi, tau, 0).Evaluate(points);
  const VectorXd ucb = AcquisitionFunction(gp, AcquisitionKind::kUcb, tau, 4.0).Evaluate(points);
  for (int i = 0; i < 3; ++i) {
    const double sd = std::sqrt(variance[i]);
    const double z = (tau - mean[i]) / sd;
    EXPECT_NEAR(ei[i], std::log(sd * (NormalPdf(z) + z * NormalCdf(z))), 1e-9) << i;
    EXPECT_NEAR(pi[i], std::log(NormalCdf(z)), 1e-9) << i;
    EXPECT_NEAR(ucb[i], -mean[i] + 2.0 * sd, 1e-12) << i;
  }
}

TEST(AcquisitionTest, GradientsMatchFiniteDifferences) {
  const GaussianProcess gp = SmallGp();
  for (AcquisitionKind kind :
       {AcquisitionKind::kLogEi, AcquisitionKind::kLogPi, AcquisitionKind::kUcb}) {
    // A threshold far below the data puts log EI deep in its asymptotic range too.
    for (double tau : {-1.0, -30.0}) {
      const AcquisitionFunction acquisition(gp, kind, tau, 2.0);
      for (const VectorXd& point : {VectorXd((VectorXd(2) << 0.3, 0.6).finished()),
                                    VectorXd((VectorXd(2) << 0.85, 0.15).finished())}) {
        VectorXd gradient;
        const double value = acquisition.EvaluateWithGradient(point, &gradient);
        EXPECT_NEAR(value, acquisition.Evaluate(point.transpose())[0], 1e-10);
        for (int d = 0; d < 2; ++d) {
          const double step = 1e-6;
          VectorXd plus = point, minus = point;
          plus[d] += step;
          minus[d] -= step;
          const double numeric = (acquisition.Evaluate(plus.transpose())[0] -
                                  acquisition.Evaluate(minus.transpose())[0]) /
                                 (2 * step);
          EXPECT_NEAR(gradient[d], numeric, 1e-5 * std::max(1.0, std::fabs(numeric)))
              << "kind " << static_cast<int>(kind) << ", tau " << tau << ", d " << d;
        }
      }
    }
  }
}

}  // namespace
}  // namespace automl::internal
