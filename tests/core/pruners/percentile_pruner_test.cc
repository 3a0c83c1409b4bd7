#include "automl/pruners/percentile_pruner.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "automl/registry.h"
#include "testing/pruner_testing.h"

namespace automl {
namespace {

using ::automl::testing::CompleteCurve;
using ::automl::testing::ExpectEachRefused;
using ::automl::testing::Hyperbolic;
using ::automl::testing::PrunerStudy;
using ::automl::testing::RunCurve;

TEST(PercentileTest, InterpolatesLinearlyAsNumpy) {
  // numpy.percentile([1, 2, 3, 4], q) for q = 0, 25, 50, 90, 100.
  EXPECT_DOUBLE_EQ(Percentile({4, 1, 3, 2}, 0), 1.0);
  EXPECT_DOUBLE_EQ(Percentile({4, 1, 3, 2}, 25), 1.75);
  EXPECT_DOUBLE_EQ(Percentile({4, 1, 3, 2}, 50), 2.5);
  EXPECT_DOUBLE_EQ(Percentile({4, 1, 3, 2}, 90), 3.7);
  EXPECT_DOUBLE_EQ(Percentile({4, 1, 3, 2}, 100), 4.0);
  EXPECT_DOUBLE_EQ(Percentile({7}, 33), 7.0);
  EXPECT_THROW(Percentile({}, 50), InvalidArgument);
}

// Ten COMPLETE references with a = 0..9 (values a + 1 / (step + 1)); a new trial with curve a.
int64_t PrunedStep(double percentile, double a, Direction direction) {
  PercentilePrunerOptions options;
  options.percentile = percentile;
  Study study = PrunerStudy(
      std::make_unique<PercentilePruner>(options, std::vector<Direction>{direction}), direction);
  const double sign = direction == Direction::kMinimize ? 1.0 : -1.0;
  for (int i = 0; i < 10; ++i) {
    CompleteCurve(
        study, [&](int64_t s) { return sign * Hyperbolic(i)(s); }, 10);
  }
  return RunCurve(
      study, [&](int64_t s) { return sign * Hyperbolic(a)(s); }, 10);
}

TEST(PercentilePrunerTest, KeepsOnlyTheTopPercentile) {
  for (Direction direction : {Direction::kMinimize, Direction::kMaximize}) {
    // The 25th percentile of 0..9 is 2.25 (the 25% best when maximizing the negated curves).
    EXPECT_EQ(PrunedStep(25, 2, direction), -1);
    EXPECT_EQ(PrunedStep(25, 3, direction), 0);
    // The median (4.5) keeps 3 and 4; the 75th percentile (6.75) keeps 6.
    EXPECT_EQ(PrunedStep(50, 4, direction), -1);
    EXPECT_EQ(PrunedStep(50, 5, direction), 0);
    EXPECT_EQ(PrunedStep(75, 6, direction), -1);
    EXPECT_EQ(PrunedStep(75, 7, direction), 0);
    // 0 keeps only what beats or ties the best; 100 keeps everything up to the worst.
    EXPECT_EQ(PrunedStep(0, 0, direction), -1);
    EXPECT_EQ(PrunedStep(0, 0.5, direction), 0);
    EXPECT_EQ(PrunedStep(100, 9, direction), -1);
    EXPECT_EQ(PrunedStep(100, 9.5, direction), 0);
  }
}

TEST(PercentilePrunerTest, MedianIsPercentileFifty) {
  // The same decisions as `median`, through the registry.
  const Components components = BuiltinComponents();
  PrunerContext context;
  context.directions = {Direction::kMinimize};
  for (const char* name : {"median", "percentile"}) {
    Json spec = {{"name", name}, {"n_startup_trials", 3}};
    if (std::string(name) == "percentile") spec["percentile"] = 50;
    Study study = PrunerStudy(components.pruners.Create(spec, context));
    for (int a : {0, 2, 4}) CompleteCurve(study, Hyperbolic(a), 5);
    EXPECT_EQ(RunCurve(study, Hyperbolic(2), 5), -1) << name;
    EXPECT_EQ(RunCurve(study, Hyperbolic(2.5), 5), 0) << name;
  }
}

TEST(PercentilePrunerTest, RegistryReadsItsOptionsAndRefusesBadOnes) {
  const Components components = BuiltinComponents();
  PrunerContext context;
  context.directions = {Direction::kMaximize};
  const Json spec = {{"name", "percentile"}, {"percentile", 10.5}, {"n_warmup_steps", 2}};
  const auto pruner = components.pruners.Create(spec, context);
  EXPECT_EQ(pruner->name(), "percentile");
  const auto& p = dynamic_cast<const PercentilePruner&>(*pruner);
  EXPECT_EQ(p.options().percentile, 10.5);
  EXPECT_EQ(p.options().n_warmup_steps, 2);
  EXPECT_EQ(p.options().n_startup_trials, 5);  // the default

  const std::vector<std::pair<Json, std::string>> bad = {
      {{{"name", "percentile"}, {"percentile", 101}}, "'percentile'"},
      {{{"name", "percentile"}, {"percentile", -1}}, "'percentile'"},
      {{{"name", "percentile"}, {"percentile", "high"}}, "'percentile'"},
      {{{"name", "percentile"}, {"interval_steps", 0}}, "'interval_steps'"},
      {{{"name", "percentile"}, {"quantile", 0.5}}, "'quantile'"},
  };
  ExpectEachRefused(components, context, bad);
  PercentilePrunerOptions options;
  options.percentile = 150;
  EXPECT_THROW(PercentilePruner(options, {Direction::kMinimize}), InvalidArgument);
}

}  // namespace
}  // namespace automl
