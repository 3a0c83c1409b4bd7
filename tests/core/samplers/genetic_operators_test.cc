#include "automl/samplers/genetic_operators.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "automl/random.h"

namespace automl {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- SBX ---------------------------------------------------------------------------------------

TEST(SimulatedBinaryCrossoverTest, ChildrenStayInBoundsAndOrdered) {
  Rng rng(1);
  for (int i = 0; i < 20000; ++i) {
    const double x1 = rng.Uniform();
    const double x2 = rng.Uniform();
    const double eta = i % 2 ? 0.0 : 20.0;
    const SbxChildren c = SimulatedBinaryCrossover(x1, x2, 0.0, 1.0, eta, rng);
    ASSERT_GE(c.low, 0.0);
    ASSERT_LE(c.high, 1.0);
    ASSERT_LE(c.low, c.high);
  }
}

TEST(SimulatedBinaryCrossoverTest, EqualParentsAreReturnedWithoutADraw) {
  Rng rng(2);
  Rng untouched(2);
  const SbxChildren c = SimulatedBinaryCrossover(0.3, 0.3, 0.0, 1.0, 20, rng);
  EXPECT_EQ(c.low, 0.3);
  EXPECT_EQ(c.high, 0.3);
  EXPECT_EQ(rng.Next(), untouched.Next());
}

// Far from the bounds SBX is the paper's unbounded operator: the children lie symmetrically
// about the parents' mean, and the spread factor beta is below 1 (children between the parents,
// "contracting") with probability 1/2.
TEST(SimulatedBinaryCrossoverTest, UnboundedChildrenAreSymmetricAndContractHalfTheTime) {
  Rng rng(3);
  int contracting = 0;
  constexpr int kDraws = 20000;
  for (int i = 0; i < kDraws; ++i) {
    const SbxChildren c = SimulatedBinaryCrossover(-1.0, 1.0, -1e9, 1e9, 2.0, rng);
    ASSERT_NEAR(c.low + c.high, 0.0, 1e-6);
    contracting += c.high - c.low < 2.0;
  }
  EXPECT_NEAR(contracting / static_cast<double>(kDraws), 0.5, 0.02);
}

// A larger distribution index keeps children nearer their parents.
TEST(SimulatedBinaryCrossoverTest, LargerEtaKeepsChildrenNearerTheParents) {
  const auto mean_distance = [](double eta) {
    Rng rng(4);
    double total = 0;
    for (int i = 0; i < 5000; ++i) {
      const SbxChildren c = SimulatedBinaryCrossover(0.4, 0.6, 0.0, 1.0, eta, rng);
      total += std::fabs(c.low - 0.4) + std::fabs(c.high - 0.6);
    }
    return total / 5000;
  };
  EXPECT_GT(mean_distance(0.0), 2 * mean_distance(20.0));
  EXPECT_LT(mean_distance(20.0), 0.01);
}

// A parent on a bound: the truncated distribution never crosses it, so that child lies between
// the bound and the parents' mean.
TEST(SimulatedBinaryCrossoverTest, ParentOnABoundKeepsThatChildInside) {
  Rng rng(5);
  for (int i = 0; i < 5000; ++i) {
    const SbxChildren c = SimulatedBinaryCrossover(0.0, 0.5, 0.0, 1.0, 2.0, rng);
    ASSERT_GE(c.low, 0.0);
    ASSERT_LE(c.low, 0.25);
  }
}

// ---- Polynomial mutation -----------------------------------------------------------------------

TEST(PolynomialMutationTest, StaysInBounds) {
  Rng rng(6);
  for (int i = 0; i < 20000; ++i) {
    const double x = i % 3 == 0 ? 0.0 : (i % 3 == 1 ? 1.0 : rng.Uniform());
    const double y = PolynomialMutation(x, 0.0, 1.0, i % 2 ? 0.0 : 20.0, rng);
    ASSERT_GE(y, 0.0);
    ASSERT_LE(y, 1.0);
  }
}

// In the middle of the range the mutation is symmetric: half the mutants go up, half down, and
// a larger index keeps them closer.
TEST(PolynomialMutationTest, SymmetricInTheMiddleAndNarrowerForLargerEta) {
  const auto stats = [](double eta, int* up) {
    Rng rng(7);
    double distance = 0;
    *up = 0;
    for (int i = 0; i < 10000; ++i) {
      const double y = PolynomialMutation(5.0, 0.0, 10.0, eta, rng);
      *up += y > 5.0;
      distance += std::fabs(y - 5.0);
    }
    return distance / 10000;
  };
  int up_wide = 0;
  int up_narrow = 0;
  const double wide = stats(1.0, &up_wide);
  const double narrow = stats(20.0, &up_narrow);
  EXPECT_NEAR(up_wide, 5000, 200);
  EXPECT_NEAR(up_narrow, 5000, 200);
  EXPECT_GT(wide, 2 * narrow);
  // Away from the bounds |delta| / range = 1 - w^(1 / (eta + 1)) with w uniform in (0, 1),
  // whose mean is 1 / (eta + 2).
  EXPECT_NEAR(narrow, 10.0 / 22, 0.02);
}

TEST(PolynomialMutationTest, EmptyRangeKeepsTheValue) {
  Rng rng(8);
  EXPECT_EQ(PolynomialMutation(2.0, 2.0, 2.0, 20, rng), 2.0);
}

// ---- Tournaments -------------------------------------------------------------------------------

TEST(TournamentSelectTest, FullTournamentPicksTheBest) {
  Rng rng(9);
  const std::vector<size_t> candidates = {4, 7, 1, 9};
  const auto smaller = [](size_t a, size_t b) { return a < b; };
  for (int i = 0; i < 100; ++i) EXPECT_EQ(TournamentSelect(candidates, 4, smaller, rng), 1u);
  // Larger than the population: everyone takes part.
  EXPECT_EQ(TournamentSelect(candidates, 10, smaller, rng), 1u);
  EXPECT_EQ(TournamentSelect({5}, 2, smaller, rng), 5u);
}

// Binary tournaments draw two different members: the best of n wins with probability 2/n, the
// worst never.
TEST(TournamentSelectTest, BinaryTournamentDrawsTwoDistinctMembers) {
  Rng rng(10);
  const std::vector<size_t> candidates = {0, 1, 2, 3, 4};
  std::vector<int> wins(5, 0);
  constexpr int kRounds = 20000;
  for (int i = 0; i < kRounds; ++i) {
    ++wins[TournamentSelect(
        candidates, 2, [](size_t a, size_t b) { return a < b; }, rng)];
  }
  EXPECT_EQ(wins[4], 0);
  EXPECT_NEAR(wins[0], kRounds * 0.4, 300);
  // P(member k wins) = (number of worse members) / C(5, 2).
  EXPECT_NEAR(wins[3], kRounds * 0.1, 300);
}

// Equal contestants: the first drawn wins, so ties go either way.
TEST(TournamentSelectTest, TiesAreBrokenAtRandom) {
  Rng rng(11);
  std::vector<int> wins(2, 0);
  for (int i = 0; i < 2000; ++i) {
    ++wins[TournamentSelect(
        {0, 1}, 2, [](size_t, size_t) { return false; }, rng)];
  }
  EXPECT_NEAR(wins[0], 1000, 120);
}

// ---- Non-dominated sorting ---------------------------------------------------------------------

TEST(ParetoDominatesTest, NeedsNoWorseEverywhereAndBetterSomewhere) {
  EXPECT_TRUE(ParetoDominates({1, 2}, {1, 3}));
  EXPECT_TRUE(ParetoDominates({0, 0}, {1, 1}));
  EXPECT_FALSE(ParetoDominates({1, 2}, {1, 2}));
  EXPECT_FALSE(ParetoDominates({1, 3}, {2, 2}));
  EXPECT_FALSE(ParetoDominates({2, 2}, {1, 3}));
  EXPECT_TRUE(ParetoDominates({1}, {2}));
}

TEST(FastNonDominatedSortTest, HandMadeFronts) {
  const std::vector<std::vector<double>> points = {
      {1, 5},  // 0: front 0
      {2, 3},  // 1: front 0
      {4, 1},  // 2: front 0
      {3, 4},  // 3: dominated by 1 and 5 only: front 1
      {5, 5},  // 4: dominated by 3 (and others): front 2
      {2, 3},  // 5: a copy of 1, which does not dominate it: front 0
      {4, 2},  // 6: dominated by 2 only: front 1
  };
  const std::vector<std::vector<size_t>> expected = {{0, 1, 2, 5}, {3, 6}, {4}};
  EXPECT_EQ(FastNonDominatedSort(points), expected);
}

TEST(FastNonDominatedSortTest, OneObjectiveGivesLevelsOfEqualValue) {
  const std::vector<std::vector<double>> points = {{3}, {1}, {2}, {1}, {3}};
  const std::vector<std::vector<size_t>> expected = {{1, 3}, {2}, {0, 4}};
  EXPECT_EQ(FastNonDominatedSort(points), expected);
}

TEST(FastNonDominatedSortTest, ChainAndEmpty) {
  EXPECT_TRUE(FastNonDominatedSort({}).empty());
  const std::vector<std::vector<double>> chain = {{3, 3, 3}, {1, 1, 1}, {2, 2, 2}};
  const std::vector<std::vector<size_t>> expected = {{1}, {2}, {0}};
  EXPECT_EQ(FastNonDominatedSort(chain), expected);
}

// Every point's front is one more than the best front among the points dominating it.
TEST(FastNonDominatedSortTest, AgreesWithTheDefinitionOnRandomPoints) {
  Rng rng(12);
  std::vector<std::vector<double>> points;
  points.reserve(120);
  for (int i = 0; i < 120; ++i) {
    // Coarse values, so that ties and copies occur.
    points.push_back({std::floor(rng.Uniform() * 6), std::floor(rng.Uniform() * 6),
                      std::floor(rng.Uniform() * 3)});
  }
  const std::vector<std::vector<size_t>> fronts = FastNonDominatedSort(points);
  std::vector<int> rank(points.size(), -1);
  for (size_t k = 0; k < fronts.size(); ++k) {
    for (size_t i : fronts[k]) {
      ASSERT_EQ(rank[i], -1) << "point " << i << " in two fronts";
      rank[i] = static_cast<int>(k);
    }
  }
  for (size_t i = 0; i < points.size(); ++i) {
    ASSERT_GE(rank[i], 0) << "point " << i << " in no front";
    int expected = 0;
    for (size_t j = 0; j < points.size(); ++j) {
      if (ParetoDominates(points[j], points[i])) expected = std::max(expected, rank[j] + 1);
    }
    EXPECT_EQ(rank[i], expected) << "point " << i;
  }
}

// ---- Crowding distance -------------------------------------------------------------------------

TEST(CrowdingDistanceTest, HandMadeFront) {
  // Objective 0 spans 1..4, objective 1 spans 1..5.
  const std::vector<std::vector<double>> points = {{1, 5}, {2, 3}, {4, 1}, {3, 2}};
  const std::vector<double> d = CrowdingDistance(points, {0, 1, 2, 3});
  EXPECT_EQ(d[0], kInf);
  EXPECT_EQ(d[2], kInf);
  // Point 1 (2, 3): neighbours 1 and 3 along objective 0, 2 and 5 along objective 1.
  EXPECT_DOUBLE_EQ(d[1], (3.0 - 1.0) / 3.0 + (5.0 - 2.0) / 4.0);
  // Point 3 (3, 2): neighbours 2 and 4, then 1 and 3.
  EXPECT_DOUBLE_EQ(d[3], (4.0 - 2.0) / 3.0 + (3.0 - 1.0) / 4.0);
}

TEST(CrowdingDistanceTest, SubsetOfPointsInFrontOrder) {
  const std::vector<std::vector<double>> points = {{9, 9}, {0, 2}, {9, 9}, {1, 1}, {2, 0}};
  const std::vector<double> d = CrowdingDistance(points, {4, 3, 1});
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0], kInf);
  EXPECT_DOUBLE_EQ(d[1], 2.0);
  EXPECT_EQ(d[2], kInf);
}

TEST(CrowdingDistanceTest, SmallFrontsAreAllBoundary) {
  const std::vector<std::vector<double>> points = {{0, 1}, {1, 0}};
  EXPECT_EQ(CrowdingDistance(points, {0, 1}), (std::vector<double>{kInf, kInf}));
  EXPECT_TRUE(CrowdingDistance(points, {}).empty());
}

// An objective on which the whole front agrees contributes nothing (no division by zero).
TEST(CrowdingDistanceTest, ObjectiveWithoutSpreadContributesNothing) {
  const std::vector<std::vector<double>> points = {{0, 1}, {0, 2}, {0, 4}};
  const std::vector<double> d = CrowdingDistance(points, {0, 1, 2});
  EXPECT_EQ(d[0], kInf);
  EXPECT_DOUBLE_EQ(d[1], 1.0);
  EXPECT_EQ(d[2], kInf);
  // A front of copies: nothing to tell them apart.
  const std::vector<std::vector<double>> copies = {{1, 1}, {1, 1}, {1, 1}};
  EXPECT_EQ(CrowdingDistance(copies, {0, 1, 2}), (std::vector<double>(3, 0.0)));
}

// Ties: among equal values the member listed first counts as the smaller, so of two copies of
// an extreme point only one takes that objective's infinite distance.
TEST(CrowdingDistanceTest, TiesFollowFrontOrder) {
  const std::vector<std::vector<double>> points = {{0}, {0}, {1}, {2}, {2}};
  const std::vector<double> d = CrowdingDistance(points, {0, 1, 2, 3, 4});
  EXPECT_EQ(d[0], kInf);
  EXPECT_DOUBLE_EQ(d[1], 0.5);  // (1 - 0) / 2
  EXPECT_DOUBLE_EQ(d[2], 1.0);  // (2 - 0) / 2
  EXPECT_DOUBLE_EQ(d[3], 0.5);
  EXPECT_EQ(d[4], kInf);
}

// ---- Environmental selection -------------------------------------------------------------------

TEST(NsgaSelectionTest, WholeFrontsThenTheLeastCrowded) {
  const std::vector<std::vector<double>> points = {
      {0, 4},      // 0: front 0, boundary
      {4, 0},      // 1: front 0, boundary
      {1, 5},      // 2: front 1, boundary
      {2, 4.5},    // 3: front 1, crowded between 2 and 4
      {2.2, 4.4},  // 4: front 1, crowded between 3 and 5
      {5, 1},      // 5: front 1, boundary
      {6, 6},      // 6: front 2
  };
  const RankedSelection s = NsgaSelection(points, 4);
  EXPECT_EQ(s.survivors, (std::vector<size_t>{0, 1, 2, 5}));
  EXPECT_EQ(s.rank, (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(s.crowding, (std::vector<double>{kInf, kInf, kInf, kInf}));

  // One more place: the interior member of front 1 with the larger crowding distance.
  const RankedSelection five = NsgaSelection(points, 5);
  ASSERT_EQ(five.survivors.size(), 5u);
  const std::vector<double> d = CrowdingDistance(points, {2, 3, 4, 5});
  const size_t expected = d[1] > d[2] ? 3 : 4;
  EXPECT_EQ(five.survivors[4], expected);
  EXPECT_DOUBLE_EQ(five.crowding[4], std::max(d[1], d[2]));
}

TEST(NsgaSelectionTest, KeepsEverythingWhenThereIsRoom) {
  const std::vector<std::vector<double>> points = {{2, 2}, {1, 1}, {0, 3}};
  const RankedSelection s = NsgaSelection(points, 10);
  EXPECT_EQ(s.survivors, (std::vector<size_t>{1, 2, 0}));
  EXPECT_EQ(s.rank, (std::vector<int64_t>{0, 0, 1}));
}

// Equal crowding distances in the cut front: the earlier index survives.
TEST(NsgaSelectionTest, CutFrontTiesKeepTheEarlier) {
  const std::vector<std::vector<double>> points = {{1}, {1}, {1}, {0}};
  const RankedSelection s = NsgaSelection(points, 2);
  EXPECT_EQ(s.survivors, (std::vector<size_t>{3, 0}));
}

TEST(CrowdedBetterTest, RankFirstThenCrowding) {
  EXPECT_TRUE(CrowdedBetter(0, 0.1, 1, kInf));
  EXPECT_TRUE(CrowdedBetter(1, 2.0, 1, 1.0));
  EXPECT_FALSE(CrowdedBetter(1, 1.0, 1, 1.0));
  EXPECT_FALSE(CrowdedBetter(2, kInf, 1, 0.0));
}

}  // namespace
}  // namespace automl
