#include "automl/pruners/curve_pruner.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "automl/random.h"
#include "automl/registry.h"
#include "testing/pruner_testing.h"

namespace automl {
namespace {

using ::automl::testing::CompleteCurve;
using ::automl::testing::Curve;
using ::automl::testing::ExpectEachRefused;
using ::automl::testing::PrunerStudy;
using ::automl::testing::RunCurve;

constexpr int64_t kLastStep = 29;  // 30 epochs

// An accuracy-like curve c - a / sqrt(x) at x = step + 1, with a little noise that depends on
// (noise_seed, step) only, as a loss (3 + 4 (1 - accuracy), on another scale) when minimizing.
Curve Accuracy(double c, double a, Direction direction, uint64_t noise_seed) {
  return [=](int64_t step) {
    Rng rng(DeriveSeed(noise_seed, static_cast<uint64_t>(step)));
    const double accuracy = c - a / std::sqrt(static_cast<double>(step + 1)) + 0.003 * rng.Normal();
    return direction == Direction::kMaximize ? accuracy : 3 + 4 * (1 - accuracy);
  };
}

// The COMPLETE reference: learns fast and saturates, ending at about 0.79.
Curve Reference(Direction d) { return Accuracy(0.85, 0.35, d, 1); }
// Learns slowly and ends best (0.82 at the last step): below the reference until step 18, so a
// rule that compares values at the same step would stop it.
Curve SlowButBest(Direction d) { return Accuracy(0.95, 0.7, d, 2); }
// Clearly worse at every step, ending at about 0.53.
Curve ClearlyWorse(Direction d) { return Accuracy(0.6, 0.4, d, 3); }

// Small MCMC: the decisions below are not close calls.
CurvePrunerOptions TestOptions() {
  CurvePrunerOptions options;
  options.max_resource = kLastStep;
  options.mcmc_steps = 120;
  options.burn_in = 60;
  return options;
}

Study CurveStudy(const CurvePrunerOptions& options, Direction direction, uint64_t seed = 0) {
  return PrunerStudy(
      std::make_unique<CurvePruner>(options, std::vector<Direction>{direction}, seed), direction,
      seed);
}

TEST(CurvePrunerTest, KeepsTheTrulyBestAndPrunesAClearlyWorseOneEarly) {
  for (const Direction direction : {Direction::kMaximize, Direction::kMinimize}) {
    const CurvePrunerOptions options = TestOptions();
    Study study = CurveStudy(options, direction);
    CompleteCurve(study, Reference(direction), kLastStep);
    // Pruned at the first decision, the end of the warm-up.
    EXPECT_EQ(RunCurve(study, ClearlyWorse(direction), kLastStep), options.n_warmup_steps)
        << DirectionName(direction);
    EXPECT_EQ(RunCurve(study, SlowButBest(direction), kLastStep), -1) << DirectionName(direction);
  }
}

TEST(CurvePrunerTest, NeverPrunesBeforeTheWarmUpNorWithoutACompleteTrial) {
  CurvePrunerOptions options = TestOptions();
  options.n_warmup_steps = 15;
  {
    Study study = CurveStudy(options, Direction::kMaximize);
    EXPECT_EQ(RunCurve(study, ClearlyWorse(Direction::kMaximize), kLastStep), -1);
    CompleteCurve(study, Reference(Direction::kMaximize), kLastStep);
    EXPECT_EQ(RunCurve(study, ClearlyWorse(Direction::kMaximize), kLastStep), 15);
  }
  options.n_startup_trials = 2;
  Study study = CurveStudy(options, Direction::kMaximize);
  CompleteCurve(study, Reference(Direction::kMaximize), kLastStep);
  EXPECT_EQ(RunCurve(study, ClearlyWorse(Direction::kMaximize), kLastStep), -1);
}

TEST(CurvePrunerTest, JudgesOnlyAtCheckPointsBeforeTheLastStep) {
  CurvePrunerOptions options = TestOptions();
  options.n_warmup_steps = 10;
  options.interval_steps = 4;
  Study study = CurveStudy(options, Direction::kMaximize);
  CompleteCurve(study, Reference(Direction::kMaximize), kLastStep);
  const CurvePruner pruner(options, {Direction::kMaximize});
  Trial trial = study.Ask();
  const Curve worse = ClearlyWorse(Direction::kMaximize);
  for (int64_t step = 0; step <= kLastStep; ++step) {
    trial.Report(step, worse(step));
    const bool check_point = step >= 10 && step < kLastStep && (step - 10) % 4 == 0;
    EXPECT_EQ(pruner.ImprovementProbability(study, trial.record()).has_value(), check_point)
        << step;
  }
}

TEST(CurvePrunerTest, AlreadyBetterThanTheBestIsNotJudged) {
  Study study = CurveStudy(TestOptions(), Direction::kMaximize);
  CompleteCurve(study, ClearlyWorse(Direction::kMaximize), kLastStep);
  const CurvePruner pruner(TestOptions(), {Direction::kMaximize});
  Trial trial = study.Ask();
  const Curve reference = Reference(Direction::kMaximize);
  for (int64_t step = 0; step <= 12; ++step) trial.Report(step, reference(step));
  EXPECT_FALSE(pruner.ImprovementProbability(study, trial.record()).has_value());
}

TEST(CurvePrunerTest, TheSameHistoryAndSeedGiveTheSameDecision) {
  // A trial that is a close call: it ends near the reference.
  const auto probability = [](uint64_t seed) {
    Study study = CurveStudy(TestOptions(), Direction::kMaximize, seed);
    CompleteCurve(study, Reference(Direction::kMaximize), kLastStep);
    const CurvePruner pruner(TestOptions(), {Direction::kMaximize}, seed);
    Trial trial = study.Ask();
    const Curve close = Accuracy(0.84, 0.5, Direction::kMaximize, 4);
    for (int64_t step = 0; step <= 12; ++step) trial.Report(step, close(step));
    return pruner.ImprovementProbability(study, trial.record());
  };
  const std::optional<double> first = probability(11);
  ASSERT_TRUE(first.has_value());
  EXPECT_GT(*first, 0.0);
  EXPECT_LT(*first, 1.0);
  EXPECT_EQ(probability(11), first);
  EXPECT_NE(probability(12), first);  // another study seed, another chain
}

TEST(CurvePrunerTest, ANanValuePrunesAtOnce) {
  Study study = CurveStudy(TestOptions(), Direction::kMinimize);
  Trial trial = study.Ask();
  trial.Report(0, 1.0);
  EXPECT_FALSE(trial.ShouldPrune());
  trial.Report(1, std::numeric_limits<double>::quiet_NaN());
  EXPECT_TRUE(trial.ShouldPrune());
}

TEST(CurvePrunerTest, RegistryReadsItsOptionsAndRefusesBadOnes) {
  const Components components = BuiltinComponents();
  PrunerContext context;
  context.directions = {Direction::kMaximize};
  const Json spec = {{"name", "curve"}, {"max_resource", 50}, {"threshold", 0.1},
                     {"walkers", 64},   {"mcmc_steps", 400},  {"burn_in", 300}};
  const auto pruner = components.pruners.Create(spec, context);
  EXPECT_EQ(pruner->name(), "curve");
  const auto& p = dynamic_cast<const CurvePruner&>(*pruner);
  EXPECT_EQ(p.options().max_resource, 50);
  EXPECT_EQ(p.options().threshold, 0.1);
  EXPECT_EQ(p.options().walkers, 64);
  EXPECT_EQ(p.options().mcmc_steps, 400);
  EXPECT_EQ(p.options().burn_in, 300);
  EXPECT_EQ(p.options().n_warmup_steps, 10);  // the defaults
  EXPECT_EQ(p.options().interval_steps, 1);
  EXPECT_EQ(p.options().n_startup_trials, 1);

  const auto with = [](const std::string& key, const Json& value) {
    Json json = {{"name", "curve"}, {"max_resource", 30}};
    json[key] = value;
    return json;
  };
  const std::vector<std::pair<Json, std::string>> bad = {
      {"curve", "'max_resource'"},
      {{{"name", "curve"}}, "'max_resource'"},
      {with("max_resource", 0), "'max_resource'"},
      {with("max_resource", "auto"), "'max_resource'"},
      {with("threshold", 0), "'threshold'"},
      {with("threshold", 1), "'threshold'"},
      {with("threshold", -0.5), "'threshold'"},
      {with("n_warmup_steps", -1), "'n_warmup_steps'"},
      {with("n_warmup_steps", 30), "'n_warmup_steps'"},
      {with("interval_steps", 0), "'interval_steps'"},
      {with("n_startup_trials", 0), "'n_startup_trials'"},
      {with("walkers", 1), "'walkers'"},
      {with("mcmc_steps", 1), "'mcmc_steps'"},
      {with("burn_in", 250), "'burn_in'"},
      {with("burn_in", -1), "'burn_in'"},
      {with("families", 3), "'families'"},
  };
  ExpectEachRefused(components, context, bad);
  CurvePrunerOptions options = TestOptions();
  options.max_resource.reset();
  EXPECT_THROW(CurvePruner(options, {Direction::kMinimize}), InvalidArgument);
}

TEST(CurvePrunerTest, SeveralObjectivesAreRefused) {
  EXPECT_THROW(CurvePruner(TestOptions(), {Direction::kMinimize, Direction::kMaximize}),
               InvalidArgument);
  const Components components = BuiltinComponents();
  PrunerContext context;
  context.directions = {Direction::kMinimize, Direction::kMinimize};
  ExpectEachRefused(components, context,
                    {{{{"name", "curve"}, {"max_resource", 30}}, "single objective"}});
}

}  // namespace
}  // namespace automl
