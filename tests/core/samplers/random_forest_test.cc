#include "core/samplers/random_forest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "automl/random.h"

namespace automl::internal {
namespace {

struct Data {
  std::vector<std::vector<double>> x;
  std::vector<double> y;
};

double Smooth(const std::vector<double>& x) { return std::sin(2 * M_PI * x[0]) + x[1]; }

Data Sample(int n, uint64_t seed) {
  Rng rng(seed);
  Data d;
  for (int i = 0; i < n; ++i) {
    d.x.push_back({rng.Uniform(), rng.Uniform()});
    d.y.push_back(Smooth(d.x.back()));
  }
  return d;
}

TEST(RandomForestTest, FitsASmoothFunction) {
  const Data train = Sample(300, 1);
  RandomForest forest({0, 0}, ForestOptions{});
  forest.Fit(train.x, train.y, 7);
  const Data test = Sample(200, 2);
  double squared = 0;
  double spread = 0;
  for (size_t i = 0; i < test.y.size(); ++i) {
    const double e = forest.Predict(test.x[i]).mean - test.y[i];
    squared += e * e;
    spread += test.y[i] * test.y[i];
  }
  const double rmse = std::sqrt(squared / static_cast<double>(test.y.size()));
  // y spans [-1, 2] (rms about 0.9); a constant would have an error near 0.8, 300 points give
  // the forest about 0.1.
  EXPECT_LT(rmse, 0.2) << "rms of y " << std::sqrt(spread / static_cast<double>(test.y.size()));
}

// Two clusters with different responses: between them the trees' thresholds differ, so they
// disagree there; inside a cluster they agree.
TEST(RandomForestTest, VarianceIsLargerAwayFromTheData) {
  Data d;
  Rng rng(3);
  for (int i = 0; i < 40; ++i) {
    const double x = rng.Uniform(0.0, 0.3);
    d.x.push_back({x});
    d.y.push_back(0.0);
    d.x.push_back({x + 0.7});
    d.y.push_back(1.0);
  }
  RandomForest forest({0}, ForestOptions{});
  forest.Fit(d.x, d.y, 11);
  const ForestPrediction inside = forest.Predict(std::vector<double>{0.15});
  const ForestPrediction between = forest.Predict(std::vector<double>{0.5});
  EXPECT_NEAR(inside.mean, 0.0, 1e-9);
  EXPECT_LT(inside.variance, 1e-9);
  EXPECT_GT(between.variance, 0.05);
  EXPECT_GT(between.mean, 0.1);
  EXPECT_LT(between.mean, 0.9);
}

// y depends on the category through {1, 3} versus {0, 2}: one split on a subset of categories
// separates them, which no threshold on the index and no one-versus-rest split can.
TEST(RandomForestTest, SplitsCategoriesIntoSubsets) {
  Data d;
  for (int i = 0; i < 40; ++i) {
    const int c = i % 4;
    d.x.push_back({static_cast<double>(c)});
    d.y.push_back(c % 2 == 1 ? 5.0 : 0.0);
  }
  ForestOptions options;
  options.num_trees = 1;
  options.max_depth = 1;
  options.bootstrap = false;
  RandomForest forest({4}, options);
  forest.Fit(d.x, d.y, 5);
  EXPECT_EQ(forest.num_leaves(), 2);
  for (int c = 0; c < 4; ++c) {
    const ForestPrediction p = forest.Predict(std::vector<double>{static_cast<double>(c)});
    EXPECT_NEAR(p.mean, c % 2 == 1 ? 5.0 : 0.0, 1e-9) << "category " << c;
    EXPECT_NEAR(p.variance, 0.0, 1e-9);
  }
}

// An inactive parameter encoded as -1 (outside [0, 1]) is split off like any value.
TEST(RandomForestTest, SplitsOnActivity) {
  Data d;
  Rng rng(4);
  for (int i = 0; i < 30; ++i) {
    d.x.push_back({rng.Uniform()});
    d.y.push_back(1.0);
    d.x.push_back({-1.0});
    d.y.push_back(3.0);
  }
  RandomForest forest({0}, ForestOptions{});
  forest.Fit(d.x, d.y, 9);
  EXPECT_NEAR(forest.Predict(std::vector<double>{-1.0}).mean, 3.0, 1e-9);
  EXPECT_NEAR(forest.Predict(std::vector<double>{0.4}).mean, 1.0, 1e-9);
}

TEST(RandomForestTest, LeavesKeepTheirMinimumSize) {
  const Data d = Sample(20, 6);
  ForestOptions options;
  options.num_trees = 1;
  options.bootstrap = false;
  options.min_samples_leaf = 5;
  RandomForest forest({0, 0}, options);
  forest.Fit(d.x, d.y, 1);
  EXPECT_LE(forest.num_leaves(), 4);
  EXPECT_GE(forest.num_leaves(), 2);
}

// The variance is the across-tree variance plus the mean within-leaf variance: a single
// unsplittable leaf reports its data's variance.
TEST(RandomForestTest, ALeafReportsItsDataVariance) {
  ForestOptions options;
  options.num_trees = 1;
  options.bootstrap = false;
  options.min_samples_split = 10;
  RandomForest forest({0}, options);
  forest.Fit({{0.1}, {0.2}, {0.3}, {0.4}}, {1, 2, 3, 4}, 1);
  const ForestPrediction p = forest.Predict(std::vector<double>{0.2});
  EXPECT_DOUBLE_EQ(p.mean, 2.5);
  EXPECT_DOUBLE_EQ(p.variance, 1.25);
}

TEST(RandomForestTest, SameSeedSameForestOtherSeedOtherForest) {
  const Data d = Sample(100, 8);
  RandomForest a({0, 0}, ForestOptions{});
  RandomForest b({0, 0}, ForestOptions{});
  RandomForest c({0, 0}, ForestOptions{});
  a.Fit(d.x, d.y, 42);
  b.Fit(d.x, d.y, 42);
  c.Fit(d.x, d.y, 43);
  const Data probe = Sample(50, 9);
  int differ = 0;
  for (const std::vector<double>& x : probe.x) {
    EXPECT_EQ(a.Predict(x).mean, b.Predict(x).mean);
    EXPECT_EQ(a.Predict(x).variance, b.Predict(x).variance);
    differ += a.Predict(x).mean != c.Predict(x).mean ? 1 : 0;
  }
  EXPECT_GT(differ, 25);
}

TEST(RandomForestTest, AnEmptyForestPredictsZero) {
  RandomForest forest({0}, ForestOptions{});
  forest.Fit({}, {}, 1);
  const ForestPrediction p = forest.Predict(std::vector<double>{0.5});
  EXPECT_EQ(p.mean, 0.0);
  EXPECT_EQ(p.variance, 0.0);
}

}  // namespace
}  // namespace automl::internal
