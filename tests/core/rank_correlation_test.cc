#include "automl/rank_correlation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "automl/error.h"

namespace automl {
namespace {

constexpr double kTol = 1e-12;

TEST(AverageRanksTest, TiesShareTheMeanOfTheirRanks) {
  // 12, 2, 1, 12, 2: 1 is rank 1, the two 2s share ranks 2 and 3, the two 12s ranks 4 and 5.
  EXPECT_EQ(AverageRanks({12, 2, 1, 12, 2}), (std::vector<double>{4.5, 2.5, 1, 4.5, 2.5}));
  EXPECT_EQ(AverageRanks({3, 1, 2}), (std::vector<double>{3, 1, 2}));
  EXPECT_EQ(AverageRanks({7, 7, 7, 7}), (std::vector<double>{2.5, 2.5, 2.5, 2.5}));
  EXPECT_TRUE(AverageRanks({}).empty());
}

TEST(RankCorrelationTest, NoTies) {
  // Adjacent pairs swapped: d = +-1 everywhere, rho = 1 - 6 * 6 / (6 * (36 - 1)) = 1 - 36/210.
  // Kendall: 3 of the 15 pairs discordant, tau = (12 - 3) / 15 = 0.6.
  const std::vector<double> x = {1, 2, 3, 4, 5, 6};
  const std::vector<double> y = {2, 1, 4, 3, 6, 5};
  EXPECT_NEAR(SpearmanRho(x, y), 1.0 - 36.0 / 210.0, kTol);
  EXPECT_NEAR(KendallTau(x, y), 0.6, kTol);
  // Symmetric in its arguments.
  EXPECT_NEAR(SpearmanRho(y, x), SpearmanRho(x, y), kTol);
  EXPECT_NEAR(KendallTau(y, x), KendallTau(x, y), kTol);
}

TEST(RankCorrelationTest, TiesInOneSample) {
  // scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.8207826816681233 (its docs'
  // example): ranks of y are 1, 2, 3.5, 5, 3.5; deviations from 3 give sum dx*dy = 8,
  // sum dx^2 = 10, sum dy^2 = 9.5, rho = 8 / sqrt(95).
  const std::vector<double> x = {1, 2, 3, 4, 5};
  const std::vector<double> y = {5, 6, 7, 8, 7};
  EXPECT_NEAR(SpearmanRho(x, y), 8.0 / std::sqrt(95.0), kTol);
  EXPECT_NEAR(SpearmanRho(x, y), 0.8207826816681233, kTol);
  // Kendall's tau-b: of the 10 pairs 8 concordant, 1 discordant (8 > 7), 1 tied in y (7, 7):
  // tau = (8 - 1) / sqrt(10 * 9) = 0.7378647873726218.
  EXPECT_NEAR(KendallTau(x, y), 7.0 / std::sqrt(90.0), kTol);
}

TEST(RankCorrelationTest, TiesInBothSamples) {
  // scipy.stats.kendalltau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]) = -0.47140452079103173 (its
  // docs' example): 2 concordant, 6 discordant, 2 pairs tied in x, 1 in y (one pair in both):
  // tau = -4 / sqrt((10 - 2) * (10 - 1)).
  const std::vector<double> x = {12, 2, 1, 12, 2};
  const std::vector<double> y = {1, 4, 7, 1, 0};
  EXPECT_NEAR(KendallTau(x, y), -4.0 / std::sqrt(72.0), kTol);
  EXPECT_NEAR(KendallTau(x, y), -0.47140452079103173, kTol);
  // Spearman: ranks 4.5 2.5 1 4.5 2.5 and 2.5 4 5 2.5 1; sum dx*dy = -5, sum dx^2 = 9,
  // sum dy^2 = 9.5: rho = -5 / sqrt(85.5) = -0.5407380704358752.
  EXPECT_NEAR(SpearmanRho(x, y), -5.0 / std::sqrt(85.5), kTol);
}

TEST(RankCorrelationTest, PerfectAndInverseOrders) {
  const std::vector<double> x = {0.1, 0.5, 0.2, 0.9, 0.7};
  const std::vector<double> same = {1, 5, 2, 9, 7};          // same order, other scale
  const std::vector<double> inverse = {-1, -5, -2, -9, -7};  // reversed
  EXPECT_DOUBLE_EQ(SpearmanRho(x, same), 1.0);
  EXPECT_DOUBLE_EQ(KendallTau(x, same), 1.0);
  EXPECT_DOUBLE_EQ(SpearmanRho(x, inverse), -1.0);
  EXPECT_DOUBLE_EQ(KendallTau(x, inverse), -1.0);
  // Monotone transforms keep the ranking: ties included, a sample against itself is 1.
  const std::vector<double> tied = {3, 1, 3, 2, 1};
  EXPECT_DOUBLE_EQ(SpearmanRho(tied, tied), 1.0);
  EXPECT_DOUBLE_EQ(KendallTau(tied, tied), 1.0);
  // A perfect correlation has the degenerate interval [1, 1].
  const CorrelationInterval ci = SpearmanInterval(1.0, 5);
  EXPECT_DOUBLE_EQ(ci.lower, 1.0);
  EXPECT_DOUBLE_EQ(ci.upper, 1.0);
  const CorrelationInterval inv = SpearmanInterval(-1.0, 5);
  EXPECT_DOUBLE_EQ(inv.lower, -1.0);
  EXPECT_DOUBLE_EQ(inv.upper, -1.0);
}

TEST(RankCorrelationTest, AConstantSampleHasNoCorrelation) {
  const std::vector<double> x = {1, 2, 3, 4};
  const std::vector<double> constant = {0.5, 0.5, 0.5, 0.5};
  EXPECT_TRUE(std::isnan(SpearmanRho(x, constant)));
  EXPECT_TRUE(std::isnan(KendallTau(constant, x)));
  const RankCorrelation c = CompareRankings(x, constant);
  EXPECT_EQ(c.n, 4);
  EXPECT_TRUE(std::isnan(c.spearman));
  EXPECT_TRUE(std::isnan(c.spearman_lower));
  EXPECT_TRUE(std::isnan(c.spearman_upper));
  EXPECT_TRUE(std::isnan(c.kendall));
}

TEST(RankCorrelationTest, FisherIntervalWithFiellerHartleyPearsonError) {
  // rho = 1 - 36/210 with n = 6: z = atanh(rho) = 1.18356..., se = sqrt(1.06 / 3) = 0.59442...;
  // at 95%, q = 1.959963984540054 and tanh(z -+ q * se) = 0.018520869850864274,
  // 0.9819233367693575 (computed with Python's math.atanh and math.tanh).
  const double rho = 1.0 - 36.0 / 210.0;
  const CorrelationInterval ci = SpearmanInterval(rho, 6);
  EXPECT_NEAR(ci.lower, 0.018520869850864274, 1e-9);
  EXPECT_NEAR(ci.upper, 0.9819233367693575, 1e-9);
  // At 90%, q = 1.6448536269514722: 0.20297208964842572, 0.9738162828026097.
  const CorrelationInterval ci90 = SpearmanInterval(rho, 6, 0.90);
  EXPECT_NEAR(ci90.lower, 0.20297208964842572, 1e-9);
  EXPECT_NEAR(ci90.upper, 0.9738162828026097, 1e-9);
  // Symmetric in z: rho = 0 gives a symmetric interval that narrows as n grows.
  const CorrelationInterval zero = SpearmanInterval(0.0, 30);
  EXPECT_NEAR(zero.lower, -zero.upper, kTol);
  EXPECT_LT(SpearmanInterval(0.0, 300).upper, zero.upper);
  // CompareRankings gives the same.
  const RankCorrelation c = CompareRankings({1, 2, 3, 4, 5, 6}, {2, 1, 4, 3, 6, 5});
  EXPECT_EQ(c.n, 6);
  EXPECT_DOUBLE_EQ(c.level, 0.95);
  EXPECT_NEAR(c.spearman, rho, kTol);
  EXPECT_NEAR(c.spearman_lower, ci.lower, kTol);
  EXPECT_NEAR(c.spearman_upper, ci.upper, kTol);
  EXPECT_NEAR(c.kendall, 0.6, kTol);
}

TEST(RankCorrelationTest, RefusesTooFewPairsMismatchedSizesAndBadInput) {
  EXPECT_THROW(SpearmanRho({1, 2, 3}, {1, 2, 3}), InvalidArgument);
  EXPECT_THROW(KendallTau({1, 2, 3}, {1, 2, 3}), InvalidArgument);
  EXPECT_THROW(SpearmanRho({1, 2, 3, 4}, {1, 2, 3, 4, 5}), InvalidArgument);
  EXPECT_THROW(KendallTau({1, 2, 3, 4, 5}, {1, 2, 3, 4}), InvalidArgument);
  EXPECT_THROW(CompareRankings({1, 2, 3, 4}, {1, 2, 3}), InvalidArgument);
  EXPECT_THROW(SpearmanInterval(0.5, 3), InvalidArgument);
  EXPECT_THROW(SpearmanInterval(0.5, 10, 1.0), InvalidArgument);
  EXPECT_THROW(SpearmanInterval(0.5, 10, 0.0), InvalidArgument);
  EXPECT_THROW(SpearmanInterval(1.5, 10), InvalidArgument);
  EXPECT_THROW(SpearmanRho({1, 2, NAN, 4}, {1, 2, 3, 4}), InvalidArgument);
  EXPECT_THROW(KendallTau({1, 2, 3, 4}, {1, INFINITY, 3, 4}), InvalidArgument);
  // Exactly four pairs is enough.
  EXPECT_NO_THROW(CompareRankings({1, 2, 3, 4}, {1, 3, 2, 4}));
}

}  // namespace
}  // namespace automl
