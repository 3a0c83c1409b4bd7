#include "core/pruners/internal/learning_curve_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "automl/random.h"

namespace automl::internal {
namespace {

// A saturating accuracy-like curve, 0.9 - 0.8 x^-0.7, at x = 1..n with Gaussian noise.
double Truth(double x) { return 0.9 - 0.8 * std::pow(x, -0.7); }

struct Points {
  std::vector<double> x;
  std::vector<double> y;
};

Points NoisyCurve(int n, double noise, uint64_t seed) {
  Rng rng(seed);
  Points p;
  for (int i = 1; i <= n; ++i) {
    p.x.push_back(i);
    p.y.push_back(Truth(i) + noise * rng.Normal());
  }
  return p;
}

LearningCurveModelOptions Options(double x_max) {
  LearningCurveModelOptions options;
  options.x_max = x_max;
  options.plausible_min = 0;
  options.plausible_max = 1.5;
  options.mcmc_steps = 200;
  options.burn_in = 100;
  return options;
}

TEST(LearningCurveModelTest, PredictiveMeanOfANoisySaturatingCurveIsCloseToTheTruth) {
  const Points p = NoisyCurve(30, 0.01, 3);
  const std::optional<LearningCurveModel> model =
      LearningCurveModel::Fit(p.x, p.y, Options(100), 1);
  ASSERT_TRUE(model.has_value());
  EXPECT_EQ(model->families().size(), 11u);  // every family fits such a curve
  EXPECT_GE(model->walkers(), 2 * (36 + 1 + 11));
  // The families disagree on how far such a curve still rises (the truth is a pow3): the
  // posterior mean lies within a few hundredths, the predictive distribution covers the truth.
  // Its lower tail is heavier: the prior only asks for f_comb(1) < f_comb(x_max), and the vapor
  // pressure family can rise and fall again.
  EXPECT_NEAR(model->PredictiveMean(), Truth(100), 0.05);
  EXPECT_GT(model->ProbabilityAbove(Truth(100) - 0.2), 0.9);
  EXPECT_LT(model->ProbabilityAbove(Truth(100) + 0.2), 0.05);
  double previous = 1;
  for (int i = 0; i < 12; ++i) {
    const double y = 0.6 + 0.05 * i;
    const double p_above = model->ProbabilityAbove(y);
    EXPECT_LE(p_above, previous) << y;
    previous = p_above;
  }
}

// Fewer points leave more doubt: the predictive distribution at x_max is wider after 8 points
// than after 30.
TEST(LearningCurveModelTest, FewerPointsAreLessCertain) {
  const Points all = NoisyCurve(30, 0.01, 4);
  const Points few{{all.x.begin(), all.x.begin() + 8}, {all.y.begin(), all.y.begin() + 8}};
  const auto spread = [](const LearningCurveModel& m) {
    return m.ProbabilityAbove(Truth(100) - 0.1) - m.ProbabilityAbove(Truth(100) + 0.1);
  };
  const std::optional<LearningCurveModel> certain =
      LearningCurveModel::Fit(all.x, all.y, Options(100), 2);
  const std::optional<LearningCurveModel> doubtful =
      LearningCurveModel::Fit(few.x, few.y, Options(100), 2);
  ASSERT_TRUE(certain && doubtful);
  EXPECT_LT(spread(*doubtful), spread(*certain));
}

TEST(LearningCurveModelTest, TheSameSeedGivesTheSamePrediction) {
  const Points p = NoisyCurve(12, 0.02, 5);
  const std::optional<LearningCurveModel> a = LearningCurveModel::Fit(p.x, p.y, Options(50), 7);
  const std::optional<LearningCurveModel> b = LearningCurveModel::Fit(p.x, p.y, Options(50), 7);
  const std::optional<LearningCurveModel> c = LearningCurveModel::Fit(p.x, p.y, Options(50), 8);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->ProbabilityAbove(0.85), b->ProbabilityAbove(0.85));
  EXPECT_EQ(a->PredictiveMean(), b->PredictiveMean());
  EXPECT_NE(a->PredictiveMean(), c->PredictiveMean());
}

// The prior asks for increasing curves: a falling curve is not extrapolated as falling.
TEST(LearningCurveModelTest, NeverExtrapolatesAFall) {
  std::vector<double> xs, falling;
  const auto curve = [](double x) { return 0.2 + 0.6 * std::pow(x, -0.5); };
  for (int i = 1; i <= 15; ++i) {
    xs.push_back(i);
    falling.push_back(curve(i));
  }
  const std::optional<LearningCurveModel> model =
      LearningCurveModel::Fit(xs, falling, Options(40), 1);
  ASSERT_TRUE(model.has_value());  // a flat fit (Hill3 with eta near 0) is increasing enough
  EXPECT_GT(model->PredictiveMean(), curve(15) + 0.1);
}

// One point is fewer than any family has parameters.
TEST(LearningCurveModelTest, NoModelFromOnePoint) {
  EXPECT_FALSE(LearningCurveModel::Fit({1.0}, {0.3}, Options(40), 1).has_value());
}

}  // namespace
}  // namespace automl::internal
