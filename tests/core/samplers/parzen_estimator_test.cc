// The TPE sampler's Parzen estimator and the truncated normal it is built on
// (src/core/samplers/parzen_estimator.h, truncated_normal.h).
#include "core/samplers/parzen_estimator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <vector>

#include "automl/random.h"
#include "core/samplers/truncated_normal.h"

namespace automl::internal {
namespace {

// ---- The truncated normal ----------------------------------------------------------------------

TEST(TruncatedNormalTest, NdtrAndItsLogMatchKnownValues) {
  EXPECT_NEAR(Ndtr(0), 0.5, 1e-16);
  EXPECT_NEAR(Ndtr(1.96), 0.9750021048517795, 1e-15);
  EXPECT_NEAR(Ndtr(-3) / 0.0013498980316300946, 1.0, 1e-14);
  EXPECT_NEAR(LogNdtr(-3), std::log(0.0013498980316300946), 1e-13);
  // Far in the left tail: log Phi(-40) = -804.6084420137538 (mpmath).
  EXPECT_NEAR(LogNdtr(-40), -804.6084420137538, 1e-9);
  // The series (below -20) and the direct formula agree where both apply.
  EXPECT_NEAR(LogNdtr(-20), std::log(Ndtr(-20)), 1e-11);
  EXPECT_NEAR(LogNdtr(-20.000001), std::log(Ndtr(-20.000001)), 1e-9);
  // Far right: log Phi(10) = -Phi(-10) = -7.619853024160527e-24.
  EXPECT_NEAR(LogNdtr(10) / -7.619853024160527e-24, 1.0, 1e-12);
}

TEST(TruncatedNormalTest, NdtriInvertsNdtr) {
  for (double x : {-37.0, -20.0, -8.0, -3.0, -1.0, -0.3, 0.0, 0.2, 1.5, 4.0, 8.0}) {
    SCOPED_TRACE(x);
    // Above 0, Phi(x) rounds towards 1 and loses the digits Phi^-1 needs; NdtriExp keeps them.
    const double p = Ndtr(x);
    if (x <= 0) {
      EXPECT_NEAR(Ndtri(p), x, 1e-9 * std::max(1.0, std::fabs(x)));
    }
    EXPECT_NEAR(NdtriExp(LogNdtr(x)), x, 1e-8 * std::max(1.0, std::fabs(x)));
  }
  // Beyond the smallest double: log Phi(-100) is about -5005.5.
  EXPECT_NEAR(NdtriExp(LogNdtr(-100)), -100, 1e-3);
  EXPECT_EQ(Ndtri(0), -INFINITY);
  EXPECT_EQ(Ndtri(1), INFINITY);
}

TEST(TruncatedNormalTest, GaussMassIsAccurateInTheTails) {
  EXPECT_NEAR(std::exp(LogGaussMass(-1, 1)), 0.6826894921370859, 1e-15);
  EXPECT_NEAR(LogGaussMass(-41, -40), -804.6084420137538, 1e-6);
  EXPECT_NEAR(LogGaussMass(40, 41), -804.6084420137538, 1e-6);
  EXPECT_EQ(LogGaussMass(2, 2), -INFINITY);
  EXPECT_TRUE(std::isfinite(LogGaussMass(200, 200.5)));
}

TEST(TruncatedNormalTest, InverseCdfStaysInItsIntervalAndHasTheRightMedian) {
  const double intervals[][2] = {{-1, 2}, {-50, 0.1}, {0.5, 3}, {-3, -2}, {30, 31}, {-0.01, 0.01}};
  for (const auto& ab : intervals) {
    const double a = ab[0];
    const double b = ab[1];
    SCOPED_TRACE(::testing::Message() << "[" << a << ", " << b << "]");
    for (double u : {0.0, 1e-12, 0.1, 0.5, 0.9, 1 - 1e-12}) {
      const double x = TruncatedNormalInverseCdf(a, b, u);
      EXPECT_GE(x, a);
      EXPECT_LE(x, b);
    }
    // The median splits the mass in two.
    const double median = TruncatedNormalInverseCdf(a, b, 0.5);
    EXPECT_NEAR(std::exp(LogGaussMass(a, median) - LogGaussMass(a, b)), 0.5, 1e-6);
  }
}

// ---- The Parzen estimator ----------------------------------------------------------------------

ParzenOptions Options(bool multivariate, ParzenScore score = ParzenScore::kMass) {
  ParzenOptions o;
  o.multivariate = multivariate;
  o.score = score;
  return o;
}

const char* Name(ParzenScore score) { return score == ParzenScore::kMass ? "mass" : "height"; }

// Observations with repeats and values near both ends.
std::vector<double> SomeObservations(double low, double high) {
  const double r = high - low;
  return {low + 0.1 * r, low + 0.5 * r, low + 0.52 * r, low + 0.52 * r, low + 0.99 * r, low};
}

// The integral of exp(log_pdf) over [low, high] by the midpoint rule on |n| cells.
double Integrate1d(const ParzenEstimator& pe, double low, double high, int n) {
  std::vector<double> points(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) points[static_cast<size_t>(i)] = low + (i + 0.5) * (high - low) / n;
  double sum = 0;
  for (double lp : pe.LogPdf(points)) sum += std::exp(lp);
  return sum * (high - low) / n;
}

double SumOverCells(const ParzenEstimator& pe, int64_t n) {
  std::vector<double> points;
  for (int64_t j = 0; j < n; ++j) points.push_back(static_cast<double>(j));
  double sum = 0;
  for (double lp : pe.LogPdf(points)) sum += std::exp(lp);
  return sum;
}

TEST(ParzenEstimatorTest, ContinuousDensityIntegratesToOne) {
  for (auto [multivariate, score] : {std::pair{false, ParzenScore::kMass},
                                     {true, ParzenScore::kMass},
                                     {false, ParzenScore::kHeight},
                                     {true, ParzenScore::kHeight}}) {
    SCOPED_TRACE(::testing::Message()
                 << (multivariate ? "multivariate" : "univariate") << ", " << Name(score));
    // A float on [-2, 3], and a log-scale float on [1e-5, 1e-1] in its log coordinate.
    for (const auto& [low, high] : {std::pair{-2.0, 3.0}, {std::log(1e-5), std::log(1e-1)}}) {
      for (size_t n : {size_t{0}, size_t{1}, size_t{6}}) {
        std::vector<double> obs = SomeObservations(low, high);
        obs.resize(n);
        const ParzenEstimator pe({ParzenDim::Continuous(low, high)}, obs,
                                 Options(multivariate, score));
        EXPECT_NEAR(Integrate1d(pe, low, high, 200000), 1.0, 1e-6) << "n = " << n;
      }
    }
  }
}

TEST(ParzenEstimatorTest, DiscreteMassSumsToOne) {
  for (auto [multivariate, score] : {std::pair{false, ParzenScore::kMass},
                                     {true, ParzenScore::kMass},
                                     {false, ParzenScore::kHeight},
                                     {true, ParzenScore::kHeight}}) {
    SCOPED_TRACE(::testing::Message()
                 << (multivariate ? "multivariate" : "univariate") << ", " << Name(score));
    const ParzenDim grids[] = {ParzenDim::Grid(2), ParzenDim::Grid(11), ParzenDim::LogGrid(1, 64),
                               ParzenDim::LogGrid(5, 3), ParzenDim::Categorical(4)};
    for (const ParzenDim& dim : grids) {
      const std::vector<double> obs = {0, 1, 1, static_cast<double>(dim.n - 1)};
      const ParzenEstimator pe({dim}, obs, Options(multivariate, score));
      EXPECT_NEAR(SumOverCells(pe, dim.n), 1.0, 1e-12) << "n = " << dim.n;
      const ParzenEstimator prior_only({dim}, {}, Options(multivariate, score));
      EXPECT_NEAR(SumOverCells(prior_only, dim.n), 1.0, 1e-12) << "n = " << dim.n;
    }
  }
}

// A float, an int and a categorical together: the product kernels make a density over the
// product space, which sums over the discrete values and integrates over the float to 1.
TEST(ParzenEstimatorTest, JointDensityIntegratesToOne) {
  const std::vector<ParzenDim> dims = {ParzenDim::Continuous(0, 1), ParzenDim::Grid(5),
                                       ParzenDim::Categorical(3)};
  const std::vector<double> obs = {0.2, 0, 2, 0.25, 1, 2, 0.9, 4, 0, 0.5, 2, 1};
  constexpr int kCells = 20000;
  std::vector<double> points;
  for (int i = 0; i < kCells; ++i) {
    for (int j = 0; j < 5; ++j) {
      for (int c = 0; c < 3; ++c) {
        points.insert(points.end(),
                      {(i + 0.5) / kCells, static_cast<double>(j), static_cast<double>(c)});
      }
    }
  }
  for (ParzenScore score : {ParzenScore::kMass, ParzenScore::kHeight}) {
    const ParzenEstimator pe(dims, obs, Options(true, score));
    double sum = 0;
    for (double lp : pe.LogPdf(points)) sum += std::exp(lp);
    EXPECT_NEAR(sum / kCells, 1.0, 1e-6) << Name(score);
  }
}

// What Sample draws is what LogPdf scores: the frequencies of many draws match the masses, for
// a plain grid and for a log-scale int (whose cells are uneven).
TEST(ParzenEstimatorTest, SamplesFollowTheMass) {
  for (const ParzenDim& dim : {ParzenDim::Grid(6), ParzenDim::LogGrid(1, 20)}) {
    SCOPED_TRACE(dim.log_grid ? "log grid" : "grid");
    const std::vector<double> obs = {0, 3, 3, 5};
    const ParzenEstimator pe({dim}, obs, Options(false));
    Rng rng(7);
    constexpr size_t kDraws = 100000;
    std::vector<double> draws;
    pe.Sample(rng, kDraws, &draws);
    std::map<int64_t, double> frequency;
    for (double x : draws) {
      ASSERT_GE(x, 0);
      ASSERT_LT(x, static_cast<double>(dim.n));
      ASSERT_EQ(x, std::floor(x));
      frequency[static_cast<int64_t>(x)] += 1.0 / kDraws;
    }
    std::vector<double> cells;
    for (int64_t j = 0; j < dim.n; ++j) cells.push_back(static_cast<double>(j));
    const std::vector<double> log_mass = pe.LogPdf(cells);
    for (int64_t j = 0; j < dim.n; ++j) {
      const double p = std::exp(log_mass[static_cast<size_t>(j)]);
      // Five standard errors of a binomial proportion.
      EXPECT_NEAR(frequency[j], p, 5 * std::sqrt(p * (1 - p) / kDraws) + 1e-9) << "cell " << j;
    }
  }
}

TEST(ParzenEstimatorTest, ContinuousSamplesFollowTheDensity) {
  const ParzenEstimator pe({ParzenDim::Continuous(0, 10)}, {1, 2, 2.5, 9}, Options(false));
  Rng rng(3);
  constexpr size_t kDraws = 100000;
  std::vector<double> draws;
  pe.Sample(rng, kDraws, &draws);
  // The fraction below 5 against the integral of the density over [0, 5].
  double below = 0;
  for (double x : draws) {
    ASSERT_GE(x, 0);
    ASSERT_LE(x, 10);
    below += x < 5;
  }
  const double expected = Integrate1d(pe, 0, 5, 100000);
  EXPECT_NEAR(below / kDraws, expected, 5 * std::sqrt(expected * (1 - expected) / kDraws));
}

TEST(ParzenEstimatorTest, BandwidthsFollowOptuna) {
  // Univariate, observations 2, 5 and the prior's centre 5 on [0, 10]: sorted centres 2, 5, 5
  // with ends 0 and 10; gaps without the endpoints for the outermost ones; clipped to at least
  // 10 / min(100, 1 + 3) = 2.5. The prior is N(5, 10). Checked through the density at 2.
  const ParzenEstimator uni({ParzenDim::Continuous(0, 10)}, {2, 5}, Options(false));
  const auto truncnorm = [](double x, double mu, double s) {
    return std::exp(-0.5 * ((x - mu) / s) * ((x - mu) / s) - std::log(s) -
                    0.5 * std::log(2 * M_PI) - LogGaussMass((0 - mu) / s, (10 - mu) / s));
  };
  // Kernel sigmas: 2 -> gap to 5 = 3; 5 (observation) -> max(3, 0) = 3, prior -> 10.
  const double expected = (truncnorm(2, 2, 3) + truncnorm(2, 5, 3) + truncnorm(2, 5, 10)) / 3;
  EXPECT_NEAR(std::exp(uni.LogPdf({2})[0]), expected, 1e-12);

  // Multivariate: 0.2 n^(-1/(d+4)) times the range for every observation, here d = 1, n = 2.
  const ParzenEstimator multi({ParzenDim::Continuous(0, 10)}, {2, 5}, Options(true));
  const double s = std::max(0.2 * std::pow(2.0, -1.0 / 5) * 10, 10.0 / 4);
  const double expected_multi = (truncnorm(2, 2, s) + truncnorm(2, 5, s) + truncnorm(2, 5, 10)) / 3;
  EXPECT_NEAR(std::exp(multi.LogPdf({2})[0]), expected_multi, 1e-12);

  // Multivariate with neighbour bandwidths: each dimension's kernels as the univariate rule
  // makes them, so a one-dimensional joint estimator is the univariate one.
  ParzenOptions neighbor = Options(true);
  neighbor.bandwidth = ParzenBandwidth::kNeighbor;
  const ParzenEstimator joint({ParzenDim::Continuous(0, 10)}, {2, 5}, neighbor);
  EXPECT_NEAR(std::exp(joint.LogPdf({2})[0]), expected, 1e-12);
  // In two dimensions each dimension has its own gaps: (2, 1) and (5, 9) on [0, 10]^2 give
  // sigmas (3, 4) for both (the prior's centre 5 sits between them in each), above the clip 2.5.
  const ParzenEstimator joint2({ParzenDim::Continuous(0, 10), ParzenDim::Continuous(0, 10)},
                               {2, 1, 5, 9}, neighbor);
  const double expected2 =
      (truncnorm(2, 2, 3) * truncnorm(1, 1, 4) + truncnorm(2, 5, 3) * truncnorm(1, 9, 4) +
       truncnorm(2, 5, 10) * truncnorm(1, 5, 10)) /
      3;
  EXPECT_NEAR(std::exp(joint2.LogPdf({2, 1})[0]), expected2, 1e-12);
}

// The normal reference rule and the magic clip's exponent, checked through the density at 2 on
// [0, 20] (prior centre 10, width 20; the observations' kernels all share one width).
TEST(ParzenEstimatorTest, NormalReferenceBandwidthsAndTheClipExponent) {
  const auto truncnorm = [](double x, double mu, double s) {
    return std::exp(-0.5 * ((x - mu) / s) * ((x - mu) / s) - std::log(s) -
                    0.5 * std::log(2 * M_PI) - LogGaussMass((0 - mu) / s, (20 - mu) / s));
  };
  const auto density_at_2 = [&](const std::vector<double>& obs, double s) {
    double sum = truncnorm(2, 10, 20);
    for (double o : obs) sum += truncnorm(2, o, s);
    return sum / static_cast<double>(obs.size() + 1);
  };
  ParzenOptions options = Options(true);
  options.bandwidth = ParzenBandwidth::kNormalReference;
  options.magic_clip_exponent = 1.25;

  // Centres 1, 2, 4, 8 and the prior's 10: sd sqrt(60 / 4), IQR 8 - 2 = 6 (numpy's linear
  // quantiles), so 1.059 min(sd, 6 / 1.34) 5^(-1/5) = 2.97, above the clip 20 / 6^1.25 = 2.13.
  const double spread = 1.059 * std::min(std::sqrt(15.0), 6 / 1.34) * std::pow(5.0, -0.2);
  ASSERT_GT(spread, 20 / std::pow(6.0, 1.25));
  const ParzenEstimator spread_out({ParzenDim::Continuous(0, 20)}, {1, 2, 4, 8}, options);
  EXPECT_NEAR(std::exp(spread_out.LogPdf({2})[0]), density_at_2({1, 2, 4, 8}, spread), 1e-12);

  // Centres 3, 3, 3, 10: IQR 1.75 gives 1.05, below the clip 20 / 5^1.25 = 2.67, which wins.
  const ParzenEstimator converged({ParzenDim::Continuous(0, 20)}, {3, 3, 3}, options);
  EXPECT_NEAR(std::exp(converged.LogPdf({2})[0]),
              density_at_2({3, 3, 3}, 20 / std::pow(5.0, 1.25)), 1e-12);

  // Without the prior, coinciding centres have no spread, so the clip alone sets the width; a
  // steep exponent reaches min_bandwidth_factor: 4^4 > 1 / 0.01, so the floor is 0.01 * 20.
  options.consider_prior = false;
  options.magic_clip_exponent = 4;
  const auto observed_at_2 = [&](double s) { return truncnorm(2, 3, s); };
  const ParzenEstimator floored({ParzenDim::Continuous(0, 20)}, {3, 3, 3}, options);
  EXPECT_NEAR(std::exp(floored.LogPdf({2})[0]), observed_at_2(0.2), 1e-12);
  options.min_bandwidth_factor = 0.05;
  const ParzenEstimator floored_higher({ParzenDim::Continuous(0, 20)}, {3, 3, 3}, options);
  EXPECT_NEAR(std::exp(floored_higher.LogPdf({2})[0]), observed_at_2(1.0), 1e-12);
}

// With height scoring, log densities differ from Optuna 3.1's _ParzenEstimator.log_pdf only by a
// constant (our renormalization). Reference values from Optuna 3.1.0 (python3-optuna):
//   _ParzenEstimator({"x": obs}, {"x": FloatDistribution(-5, 10)}, params).log_pdf(points)
// with params (consider_prior, 1.0, magic clip, no endpoints, default_weights, multivariate).
TEST(ParzenEstimatorTest, HeightScoringMatchesOptuna31UpToAConstant) {
  const std::vector<double> points = {-4.9, -3.0, 0.0, 1.5, 5.0, 9.95};
  const double optuna_univariate[] = {-1.5315716095, -1.3138917244, -1.0213948830,
                                      -0.9716148050, -1.2786336029, -1.1519300176};
  const double optuna_multivariate[] = {-1.7041003168, -1.4314901289, -1.1623238272,
                                        -1.1652264450, -1.5049671345, -1.2946447866};
  for (bool multivariate : {false, true}) {
    const ParzenEstimator pe({ParzenDim::Continuous(-5, 10)}, {1.0, -3.0, 7.5, 2.2, 9.9, 0.1},
                             Options(multivariate, ParzenScore::kHeight));
    const std::vector<double> ours = pe.LogPdf(points);
    const double* optuna = multivariate ? optuna_multivariate : optuna_univariate;
    for (size_t i = 1; i < points.size(); ++i) {
      EXPECT_NEAR(ours[i] - ours[0], optuna[i] - optuna[0], 1e-9) << points[i];
    }
  }
  // Two dimensions, multivariate: points (-4.9, 0.1), (1, 3), (5, 7.5).
  const ParzenEstimator joint({ParzenDim::Continuous(-5, 10), ParzenDim::Continuous(0, 15)},
                              {1.0, 3.0, -3.0, 14.0, 7.5, 0.5, 2.2, 7.7},
                              Options(true, ParzenScore::kHeight));
  const std::vector<double> ours = joint.LogPdf({-4.9, 0.1, 1.0, 3.0, 5.0, 7.5});
  EXPECT_NEAR(ours[1] - ours[0], -1.3903406704 - -1.7641331961, 1e-9);
  EXPECT_NEAR(ours[2] - ours[0], -1.4527567826 - -1.7641331961, 1e-9);
}

TEST(ParzenEstimatorTest, RampWeightsFollowOptunasDefaultWeights) {
  EXPECT_TRUE(ObservationWeights(ParzenWeights::kRamp, 0).empty());
  EXPECT_EQ(ObservationWeights(ParzenWeights::kRamp, 25), std::vector<double>(25, 1.0));
  const std::vector<double> w = ObservationWeights(ParzenWeights::kRamp, 30);
  // numpy.linspace(1/30, 1, 5) followed by 25 ones.
  ASSERT_EQ(w.size(), 30u);
  for (int i = 0; i < 5; ++i)
    EXPECT_NEAR(w[static_cast<size_t>(i)], 1.0 / 30 + i * (1 - 1.0 / 30) / 4, 1e-15);
  for (size_t i = 5; i < 30; ++i) EXPECT_EQ(w[i], 1.0);
  EXPECT_EQ(ObservationWeights(ParzenWeights::kRamp, 26)[0], 1.0 / 26);
  EXPECT_EQ(ObservationWeights(ParzenWeights::kUniform, 40), std::vector<double>(40, 1.0));
}

TEST(ParzenEstimatorTest, CategoricalKernelsFollowOptuna) {
  // Two observations of choice 1 among 3, prior weight 1: each row has 1/3 on every choice and
  // one more on choice 1, normalized; the prior row is uniform; weights 1/3 each.
  const ParzenEstimator pe({ParzenDim::Categorical(3)}, {1, 1}, Options(false));
  const std::vector<double> lp = pe.LogPdf({0, 1, 2});
  const double row_hit = (1.0 / 3 + 1) / 2;
  const double row_miss = (1.0 / 3) / 2;
  EXPECT_NEAR(std::exp(lp[0]), (2 * row_miss + 1.0 / 3) / 3, 1e-15);
  EXPECT_NEAR(std::exp(lp[1]), (2 * row_hit + 1.0 / 3) / 3, 1e-15);
  EXPECT_NEAR(std::exp(lp[2]), std::exp(lp[0]), 1e-15);
}

}  // namespace
}  // namespace automl::internal
