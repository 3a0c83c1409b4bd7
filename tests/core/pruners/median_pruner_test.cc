#include "automl/pruners/median_pruner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
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

std::unique_ptr<Pruner> Median(PercentilePrunerOptions options = {},
                               Direction direction = Direction::kMinimize) {
  return std::make_unique<MedianPruner>(options, std::vector<Direction>{direction});
}

double MedianOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Twenty configurations with curves a + 1 / (step + 1), a a permutation of 0..19. All curves
// share their shape, so the median rule decides at step 0 and for good: a trial is pruned iff its
// a exceeds the median of the a's of the trials COMPLETE before it. The best always completes.
void ExpectsMedianRule(Direction direction) {
  const double sign = direction == Direction::kMinimize ? 1.0 : -1.0;
  Study study = PrunerStudy(Median({}, direction), direction);
  std::vector<double> complete;
  int64_t pruned = 0;
  for (int i = 0; i < 20; ++i) {
    const double a = (7 * i) % 20;  // 0, 7, 14, 1, 8, 15, 2, ...
    const int64_t step = RunCurve(
        study, [&](int64_t s) { return sign * Hyperbolic(a)(s); }, 10);
    const bool expected = complete.size() >= 5 && a > MedianOf(complete);
    EXPECT_EQ(step == 0, expected) << "a = " << a << " after " << complete.size() << " complete";
    EXPECT_TRUE(step == -1 || step == 0) << "a = " << a << " pruned at step " << step;
    if (step == -1) complete.push_back(a);
    pruned += step == 0;
  }
  EXPECT_GE(pruned, 5);
  EXPECT_NE(std::find(complete.begin(), complete.end(), 0.0), complete.end())
      << "the best configuration was pruned";
  EXPECT_EQ(std::find(complete.begin(), complete.end(), 19.0), complete.end())
      << "the worst configuration (a = 19, after the startup trials) completed";
}

TEST(MedianPrunerTest, PrunesTrialsWorseThanTheMedianAndKeepsTheBest) {
  ExpectsMedianRule(Direction::kMinimize);
}

TEST(MedianPrunerTest, MaximizeTurnsTheComparisonAround) {
  ExpectsMedianRule(Direction::kMaximize);
}

TEST(MedianPrunerTest, NoPruningDuringStartupTrials) {
  PercentilePrunerOptions options;
  options.n_startup_trials = 3;
  Study study = PrunerStudy(Median(options));
  // Worse and worse: each would be pruned if startup did not protect it.
  EXPECT_EQ(RunCurve(study, Hyperbolic(1), 5), -1);
  EXPECT_EQ(RunCurve(study, Hyperbolic(2), 5), -1);
  EXPECT_EQ(RunCurve(study, Hyperbolic(3), 5), -1);
  EXPECT_EQ(RunCurve(study, Hyperbolic(4), 5), 0);
}

TEST(MedianPrunerTest, WarmupStepsDelayPruning) {
  PercentilePrunerOptions options;
  options.n_startup_trials = 1;
  options.n_warmup_steps = 3;
  Study study = PrunerStudy(Median(options));
  CompleteCurve(study, Hyperbolic(0), 10);
  EXPECT_EQ(RunCurve(study, Hyperbolic(5), 10), 3);
}

TEST(MedianPrunerTest, IntervalStepsSpaceTheChecks) {
  PercentilePrunerOptions options;
  options.n_startup_trials = 1;
  options.n_warmup_steps = 1;
  options.interval_steps = 4;
  Study study = PrunerStudy(Median(options));
  CompleteCurve(study, Hyperbolic(0), 20);
  // The reference's curve until step 5, then bad: the checks are at steps 1, 5, 9, ...; at 5 its
  // best so far equals the reference, at 9 its best so far (1 / 6) is worse than 1 / 10.
  const auto curve = [](int64_t s) { return s <= 5 ? Hyperbolic(0)(s) : 100.0; };
  EXPECT_EQ(RunCurve(study, curve, 20), 9);

  // A trial that reports every other step is checked at the first report after a check point.
  Trial trial = study.Ask();
  trial.Report(0, 50);
  EXPECT_FALSE(trial.ShouldPrune()) << "step 0 is in the warm-up";
  trial.Report(2, 50);
  EXPECT_TRUE(trial.ShouldPrune()) << "step 2 is the first report after check point 1";
  trial.Report(4, 50);
  EXPECT_FALSE(trial.ShouldPrune()) << "step 4 is not the first report after check point 1";
  trial.Report(6, 50);
  EXPECT_TRUE(trial.ShouldPrune()) << "step 6 is the first report after check point 5";
}

TEST(MedianPrunerTest, NMinTrialsNeedsEnoughValuesAtTheStep) {
  PercentilePrunerOptions options;
  options.n_startup_trials = 0;
  options.n_min_trials = 3;
  Study study = PrunerStudy(Median(options));
  CompleteCurve(study, Hyperbolic(0), 10);
  CompleteCurve(study, Hyperbolic(1), 10);
  EXPECT_EQ(RunCurve(study, Hyperbolic(9), 10), -1) << "two reference values only";
  // Now three COMPLETE trials reported at every step.
  EXPECT_EQ(RunCurve(study, Hyperbolic(10), 10), 0);
}

TEST(MedianPrunerTest, PrunedTrialsAreNotTheReference) {
  PercentilePrunerOptions options;
  options.n_startup_trials = 1;
  Study study = PrunerStudy(Median(options));
  CompleteCurve(study, Hyperbolic(0), 10);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(RunCurve(study, Hyperbolic(10), 10), 0);
  // Were the five PRUNED trials counted, the median at step 0 would be 11 and a = 5 would pass.
  EXPECT_EQ(RunCurve(study, Hyperbolic(5), 10), 0);
}

TEST(MedianPrunerTest, JudgesTheBestValueSoFar) {
  PercentilePrunerOptions options;
  options.n_startup_trials = 1;
  Study study = PrunerStudy(Median(options));
  CompleteCurve(
      study, [](int64_t) { return 1.0; }, 10);
  // Better than the reference at step 0, worse afterwards: its best (0.5) still beats 1.
  EXPECT_EQ(RunCurve(
                study, [](int64_t s) { return s == 0 ? 0.5 : 2.0; }, 10),
            -1);
  EXPECT_EQ(RunCurve(
                study, [](int64_t) { return 2.0; }, 10),
            0);
}

TEST(MedianPrunerTest, NanValues) {
  PercentilePrunerOptions options;
  options.n_startup_trials = 1;
  Study study = PrunerStudy(Median(options));
  CompleteCurve(study, Hyperbolic(1), 10);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(RunCurve(
                study, [&](int64_t) { return nan; }, 10),
            0)
      << "nothing but NaN";
  EXPECT_EQ(RunCurve(
                study, [&](int64_t s) { return s == 0 ? 0.0 : nan; }, 10),
            -1);
}

TEST(MedianPrunerTest, NoReportNoPruning) {
  Study study = PrunerStudy(Median());
  for (int i = 0; i < 6; ++i) CompleteCurve(study, Hyperbolic(0), 3);
  Trial trial = study.Ask();
  EXPECT_FALSE(trial.ShouldPrune());
}

TEST(MedianPrunerTest, RegistryReadsItsOptionsAndRefusesBadOnes) {
  const Components components = BuiltinComponents();
  PrunerContext context;
  context.directions = {Direction::kMinimize};
  EXPECT_EQ(components.pruners.Create("median", context)->name(), "median");

  const Json spec = {{"name", "median"},
                     {"n_startup_trials", 2},
                     {"n_warmup_steps", 3},
                     {"interval_steps", 4},
                     {"n_min_trials", 5}};
  const auto pruner = components.pruners.Create(spec, context);
  const auto& median = dynamic_cast<const MedianPruner&>(*pruner);
  EXPECT_EQ(median.options().percentile, 50.0);
  EXPECT_EQ(median.options().n_startup_trials, 2);
  EXPECT_EQ(median.options().n_warmup_steps, 3);
  EXPECT_EQ(median.options().interval_steps, 4);
  EXPECT_EQ(median.options().n_min_trials, 5);

  const std::vector<std::pair<Json, std::string>> bad = {
      {{{"name", "median"}, {"percentile", 30}}, "'percentile'"},  // not an option of median
      {{{"name", "median"}, {"n_startup_trials", -1}}, "'n_startup_trials'"},
      {{{"name", "median"}, {"n_warmup_steps", -1}}, "'n_warmup_steps'"},
      {{{"name", "median"}, {"interval_steps", 0}}, "'interval_steps'"},
      {{{"name", "median"}, {"n_min_trials", 0}}, "'n_min_trials'"},
      {{{"name", "median"}, {"n_min_trials", "two"}}, "'n_min_trials'"},
      {{{"name", "median"}, {"warmup", 1}}, "'warmup'"},
  };
  ExpectEachRefused(components, context, bad);
  context.directions = {Direction::kMinimize, Direction::kMinimize};
  EXPECT_THROW(components.pruners.Create("median", context), InvalidArgument);
}

}  // namespace
}  // namespace automl
