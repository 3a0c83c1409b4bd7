#include "automl/pruners/rung_ranking.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace automl {
namespace {

TEST(RungRankingTest, OneObjectiveCountsStrictlyBetterValues) {
  const std::vector<std::vector<double>> points = {{3}, {1}, {2}, {1}, {5}};
  EXPECT_EQ(CountRankedAhead(points, 0), 3);  // 1, 2, 1
  EXPECT_EQ(CountRankedAhead(points, 1), 0);  // ties are not ahead
  EXPECT_EQ(CountRankedAhead(points, 4), 4);
  EXPECT_EQ(CountDominating(points, 0), 3);
}

TEST(RungRankingTest, SeveralObjectivesRankByFrontThenCrowding) {
  // Front 0: (0, 4), (1, 2), (2, 1), (4, 0); front 1: (2, 3), (3, 2); front 2: (4, 4).
  // In front 0 the ends have infinite crowding; (1, 2) has (2 - 0) / 4 + (4 - 1) / 4 = 1.25 and
  // (2, 1) has (4 - 1) / 4 + (2 - 0) / 4 = 1.25 too.
  const std::vector<std::vector<double>> points = {{0, 4}, {1, 2}, {2, 1}, {4, 0},
                                                   {2, 3}, {3, 2}, {4, 4}};
  EXPECT_EQ(CountRankedAhead(points, 0), 0);
  EXPECT_EQ(CountRankedAhead(points, 3), 0);
  EXPECT_EQ(CountRankedAhead(points, 1), 2);  // behind the two ends, tied with (2, 1)
  EXPECT_EQ(CountRankedAhead(points, 2), 2);
  EXPECT_EQ(CountRankedAhead(points, 4), 4);  // front 1 is behind all of front 0
  EXPECT_EQ(CountRankedAhead(points, 6), 6);
  EXPECT_EQ(CountDominating(points, 6), 6);
  EXPECT_EQ(CountDominating(points, 4), 2);  // (1, 2) and (2, 1)
  EXPECT_EQ(CountDominating(points, 1), 0);
}

TEST(RungRankingTest, RungPointTakesTheFirstReportAtOrPastTheRungInMinimizationForm) {
  FrozenTrial t;
  t.intermediate = {{1, {0.5, 0.9}}, {4, {0.3, 0.95}}};
  const std::vector<Direction> d = {Direction::kMinimize, Direction::kMaximize};
  EXPECT_EQ(*RungPoint(t, 1, d), (std::vector<double>{0.5, -0.9}));
  EXPECT_EQ(*RungPoint(t, 2, d), (std::vector<double>{0.3, -0.95}));
  EXPECT_FALSE(RungPoint(t, 5, d).has_value());
  t.intermediate = {{1, {0.5}}};  // one value for two objectives cannot be placed
  EXPECT_TRUE(HasNaN(*RungPoint(t, 1, d)));
}

}  // namespace
}  // namespace automl
