#include "automl/pruners/successive_halving_pruner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "automl/registry.h"
#include "automl/storages/in_memory_storage.h"
#include "testing/pruner_testing.h"

namespace automl {
namespace {

using ::automl::testing::Curve;
using ::automl::testing::ExpectEachRefused;
using ::automl::testing::Hyperbolic;
using ::automl::testing::PrunerStudy;
using ::automl::testing::RunCurve;

std::unique_ptr<Pruner> Sha(SuccessiveHalvingPrunerOptions options,
                            Direction direction = Direction::kMinimize) {
  return std::make_unique<SuccessiveHalvingPruner>(std::move(options),
                                                   std::vector<Direction>{direction});
}

SuccessiveHalvingPrunerOptions Ladder(int64_t min_resource, int64_t max_resource, int64_t eta,
                                      HalvingMode mode = HalvingMode::kAsync) {
  SuccessiveHalvingPrunerOptions o;
  o.min_resource = min_resource;
  o.max_resource = max_resource;
  o.reduction_factor = eta;
  o.mode = mode;
  return o;
}

TEST(SuccessiveHalvingTest, AshaKeepsTheTopOneOverEta) {
  const Direction kMin = Direction::kMinimize;
  EXPECT_TRUE(AshaKeeps(5, {}, 3, kMin)) << "the first trial at a rung is kept";
  EXPECT_FALSE(AshaKeeps(5, {1}, 3, kMin)) << "n = 2 < eta keeps one";
  EXPECT_TRUE(AshaKeeps(1, {5}, 3, kMin));
  EXPECT_TRUE(AshaKeeps(1, {2, 3}, 3, kMin));
  EXPECT_FALSE(AshaKeeps(2, {1, 3}, 3, kMin));
  // n = 6, eta = 3: the two best are kept.
  EXPECT_TRUE(AshaKeeps(2, {1, 3, 4, 5, 6}, 3, kMin));
  EXPECT_FALSE(AshaKeeps(3, {1, 2, 4, 5, 6}, 3, kMin));
  EXPECT_TRUE(AshaKeeps(1, {1, 1}, 3, kMin)) << "ties are kept";
  EXPECT_FALSE(AshaKeeps(3, {1, 2, 4, 5, 6}, 3, Direction::kMaximize)) << "3 is 4th best";
  EXPECT_TRUE(AshaKeeps(5, {1, 2, 3, 4, 6}, 3, Direction::kMaximize));
  EXPECT_FALSE(AshaKeeps(std::numeric_limits<double>::quiet_NaN(), {}, 3, kMin));
}

TEST(SuccessiveHalvingTest, GeometricAndExplicitRungs) {
  EXPECT_EQ(Ladder(1, 81, 3).DecisionRungs(), (std::vector<int64_t>{1, 3, 9, 27}));
  EXPECT_EQ(Ladder(1, 82, 3).DecisionRungs(), (std::vector<int64_t>{1, 3, 9, 27, 81}));
  EXPECT_EQ(Ladder(2, 50, 2).DecisionRungs(), (std::vector<int64_t>{2, 4, 8, 16, 32}));
  SuccessiveHalvingPrunerOptions o = Ladder(1, 81, 3);
  o.min_early_stopping_rate = 2;
  EXPECT_EQ(o.DecisionRungs(), (std::vector<int64_t>{9, 27}));
  o.rungs = {20, 40, 60};
  EXPECT_EQ(o.DecisionRungs(), (std::vector<int64_t>{20, 40, 60}));
}

// A study of trials that run one after another on curves a + 1 / (step + 1): before every
// decision, the values the other trials had at the rung are known, so the test checks ASHA's
// promise directly. Returns the step each a was pruned at (-1: complete).
std::map<double, int64_t> RunAsha(const std::vector<double>& as, SuccessiveHalvingPrunerOptions o,
                                  Direction direction = Direction::kMinimize) {
  const double sign = direction == Direction::kMinimize ? 1.0 : -1.0;
  const std::vector<int64_t> rungs = o.DecisionRungs();
  const int64_t eta = o.reduction_factor;
  const int64_t last = *o.max_resource;
  Study study = PrunerStudy(Sha(o, direction), direction);
  std::map<double, int64_t> outcome;
  std::map<int64_t, std::vector<double>> reached;  // rung -> a's that reached it
  for (double a : as) {
    const Curve curve = [&](int64_t s) { return sign * Hyperbolic(a)(s); };
    const int64_t step = RunCurve(study, curve, last);
    outcome[a] = step;
    for (int64_t rung : rungs) {
      if (step != -1 && step < rung) break;
      // In the top max(1, floor(n / eta)) of the n trials that reached the rung (itself too)?
      std::vector<double>& r = reached[rung];
      const auto better = std::count_if(r.begin(), r.end(), [&](double b) { return b < a; });
      const auto n = static_cast<int64_t>(r.size()) + 1;
      const bool top = better < std::max<int64_t>(1, n / eta);
      if (top) {
        EXPECT_FALSE(step == rung)
            << "a = " << a << " is in the top 1/eta at rung " << rung << " and was pruned";
      } else {
        EXPECT_EQ(step, rung) << "a = " << a << " is not in the top 1/eta at rung " << rung;
      }
      r.push_back(a);
      if (step == rung) break;
    }
    if (step != -1) {
      EXPECT_NE(std::find(rungs.begin(), rungs.end(), step), rungs.end())
          << "a = " << a << " pruned at step " << step << ", not a rung";
    }
  }
  return outcome;
}

const std::vector<double> kShuffled = {7, 3, 11, 0, 9, 14, 2, 5, 12, 1, 8, 13, 4, 10, 6};

TEST(SuccessiveHalvingTest, AshaKeepsTheBestAndPrunesTheWorst) {
  for (Direction direction : {Direction::kMinimize, Direction::kMaximize}) {
    const std::map<double, int64_t> outcome = RunAsha(kShuffled, Ladder(1, 27, 3), direction);
    EXPECT_EQ(outcome.at(0), -1) << "the best configuration was pruned";
    EXPECT_EQ(outcome.at(14), 1) << "the worst configuration was not pruned at the first rung";
    int64_t complete = 0;
    for (const auto& [a, step] : outcome) complete += step == -1;
    EXPECT_LE(complete, 6) << "successive halving should finish few of 15 trials";
  }
}

TEST(SuccessiveHalvingTest, RespectsMinResourceAndMaxResource) {
  // Rungs 4 and 12 below max_resource 20 (36 would be past it).
  const std::map<double, int64_t> outcome = RunAsha(kShuffled, Ladder(4, 20, 3));
  for (const auto& [a, step] : outcome) {
    EXPECT_TRUE(step == -1 || step == 4 || step == 12) << "a = " << a << " at " << step;
  }
  EXPECT_EQ(outcome.at(14), 4);

  // A trial is not judged at max_resource: no rung there. Rungs 1, 3 below 9.
  Study study = PrunerStudy(Sha(Ladder(1, 9, 3)));
  EXPECT_EQ(RunCurve(study, Hyperbolic(0), 9), -1);
  EXPECT_EQ(RunCurve(
                study, [](int64_t s) { return s < 4 ? Hyperbolic(0)(s) : 100.0; }, 9),
            -1)
      << "bad only after the last rung";
}

TEST(SuccessiveHalvingTest, ExplicitRungs) {
  SuccessiveHalvingPrunerOptions o;
  o.rungs = {2, 5};
  o.max_resource = 8;
  const std::map<double, int64_t> outcome = RunAsha(kShuffled, o);
  for (const auto& [a, step] : outcome) {
    EXPECT_TRUE(step == -1 || step == 2 || step == 5) << "a = " << a << " at " << step;
  }
  EXPECT_EQ(outcome.at(14), 2);
}

TEST(SuccessiveHalvingTest, AReportPastARungIsJudgedThere) {
  Study study = PrunerStudy(Sha(Ladder(3, 27, 3)));
  EXPECT_EQ(RunCurve(study, Hyperbolic(0), 27), -1);
  Trial trial = study.Ask();
  trial.Report(0, 50);
  EXPECT_FALSE(trial.ShouldPrune());
  trial.Report(4, 50);  // crosses rung 3: judged with its value at step 4
  EXPECT_TRUE(trial.ShouldPrune());
  trial.Report(5, 50);
  EXPECT_FALSE(trial.ShouldPrune()) << "rung 3 was decided at step 4; rung 9 is not reached";
}

TEST(SuccessiveHalvingTest, NanIsPruned) {
  Study study = PrunerStudy(Sha(Ladder(1, 9, 3)));
  EXPECT_EQ(RunCurve(
                study, [](int64_t) { return std::numeric_limits<double>::quiet_NaN(); }, 9),
            1);
}

TEST(SuccessiveHalvingTest, SyncDecidesByCohorts) {
  // One decision rung (step 1) with eta = 3: cohorts of 3 trials, one kept of each.
  SuccessiveHalvingPrunerOptions o;
  o.rungs = {1};
  o.max_resource = 5;
  o.mode = HalvingMode::kSync;
  Study sync = PrunerStudy(Sha(o));
  o.mode = HalvingMode::kAsync;
  Study async = PrunerStudy(Sha(o));
  // Cohort {1, 5, 4}: 1 runs on while undecided, 5 and 4 are certain losers; cohort {3}: 3 runs
  // on undecided. ASHA instead prunes 3 against 1.
  const std::vector<std::pair<double, int64_t>> expected_sync = {{1, -1}, {5, 1}, {4, 1}, {3, -1}};
  const std::vector<std::pair<double, int64_t>> expected_async = {{1, -1}, {5, 1}, {4, 1}, {3, 1}};
  for (size_t i = 0; i < expected_sync.size(); ++i) {
    const double a = expected_sync[i].first;
    EXPECT_EQ(RunCurve(sync, Hyperbolic(a), 5), expected_sync[i].second) << "sync, a = " << a;
    EXPECT_EQ(RunCurve(async, Hyperbolic(a), 5), expected_async[i].second) << "async, a = " << a;
  }
}

TEST(SuccessiveHalvingTest, SyncWaitsForFullCohortsWithoutBlocking) {
  // eta = 2, rungs 1 and 3: cohorts of 4 at rung 1 (2 kept), of 2 at rung 3 (1 kept). Four
  // trials run side by side, one step each in turn.
  SuccessiveHalvingPrunerOptions o;
  o.rungs = {1, 3};
  o.max_resource = 5;
  o.reduction_factor = 2;
  o.mode = HalvingMode::kSync;
  Study study = PrunerStudy(Sha(o));
  const std::vector<double> as = {4, 1, 3, 2};
  std::vector<Trial> trials;
  for (size_t i = 0; i < as.size(); ++i) trials.push_back(study.Ask());
  std::vector<int64_t> pruned_at(as.size(), -1);
  for (int64_t step = 0; step <= 5; ++step) {
    for (size_t i = 0; i < as.size(); ++i) {
      if (pruned_at[i] != -1) continue;
      trials[i].Report(step, Hyperbolic(as[i])(step));
      if (trials[i].ShouldPrune()) {
        pruned_at[i] = step;
        study.Tell(trials[i], TrialState::kPruned);
      }
    }
  }
  // Rung 1 fills when a = 2 arrives: 4 and 3 lose, but they learn it at their next report
  // (step 2), having run on meanwhile; at rung 3, 1 and 2 form a cohort and 2 loses.
  EXPECT_EQ(pruned_at, (std::vector<int64_t>{2, -1, 2, 3}));
}

TEST(SuccessiveHalvingTest, RegistryReadsItsOptionsAndRefusesBadOnes) {
  const Components components = BuiltinComponents();
  PrunerContext context;
  context.directions = {Direction::kMinimize};
  const Json spec = {{"name", "sha"},
                     {"min_resource", 2},
                     {"max_resource", 100},
                     {"reduction_factor", 4},
                     {"min_early_stopping_rate", 1},
                     {"mode", "sync"}};
  const auto pruner = components.pruners.Create(spec, context);
  EXPECT_EQ(pruner->name(), "sha");
  EXPECT_EQ(dynamic_cast<const SuccessiveHalvingPruner&>(*pruner).rungs(),
            (std::vector<int64_t>{8, 32}));
  const Json explicit_rungs = {{"name", "sha"}, {"rungs", {20, 40, 60}}};
  EXPECT_EQ(dynamic_cast<const SuccessiveHalvingPruner&>(
                *components.pruners.Create(explicit_rungs, context))
                .rungs(),
            (std::vector<int64_t>{20, 40, 60}));

  const std::vector<std::pair<Json, std::string>> bad = {
      {"sha", "'max_resource'"},  // required without rungs
      {{{"name", "sha"}, {"max_resource", "half"}}, "'max_resource'"},
      {{{"name", "sha"}, {"max_resource", 1}}, "'max_resource'"},  // no rung below it
      {{{"name", "sha"}, {"max_resource", 9}, {"reduction_factor", 1}}, "'reduction_factor'"},
      {{{"name", "sha"}, {"max_resource", 9}, {"min_resource", 0}}, "'min_resource'"},
      {{{"name", "sha"}, {"max_resource", 9}, {"min_early_stopping_rate", -1}},
       "'min_early_stopping_rate'"},
      {{{"name", "sha"}, {"max_resource", 9}, {"mode", "batch"}}, "'mode'"},
      {{{"name", "sha"}, {"rungs", {3, 2}}}, "'rungs'"},
      {{{"name", "sha"}, {"rungs", Json::array()}}, "'rungs'"},
      {{{"name", "sha"}, {"rungs", {1.5}}}, "'rungs'"},
      {{{"name", "sha"}, {"rungs", {1, 20}}, {"max_resource", 10}}, "'rungs'"},
      {{{"name", "sha"}, {"rungs", {1, 2}}, {"min_resource", 1}}, "'rungs'"},
      {{{"name", "sha"}, {"max_resource", 9}, {"eta", 3}}, "'eta'"},
  };
  ExpectEachRefused(components, context, bad);
  context.directions = {Direction::kMinimize, Direction::kMaximize};
  EXPECT_NE(components.pruners.Create(explicit_rungs, context), nullptr) << "several objectives";
}

TEST(SuccessiveHalvingTest, AutoMaxResourceIsTheLastStepOfTheFirstTrialToComplete) {
  SuccessiveHalvingPrunerOptions auto_options = Ladder(1, 9, 3);
  auto_options.max_resource.reset();
  auto_options.max_resource_auto = true;
  Study study = PrunerStudy(Sha(auto_options));
  // Before any trial completes nothing is pruned, however bad.
  EXPECT_EQ(RunCurve(study, Hyperbolic(0), 9), -1);  // completes at step 9: the ladder is 1, 3
  // From then on the decisions are those of max_resource 9.
  Study explicit_study = PrunerStudy(Sha(Ladder(1, 9, 3)));
  EXPECT_EQ(RunCurve(explicit_study, Hyperbolic(0), 9), -1);
  for (double a : kShuffled) {
    EXPECT_EQ(RunCurve(study, Hyperbolic(a), 9), RunCurve(explicit_study, Hyperbolic(a), 9)) << a;
  }
  // The first trial to complete set it; later ones do not move it.
  EXPECT_EQ(AutoMaxResource(study.Trials()), 9);
}

TEST(SuccessiveHalvingTest, AutoMaxResourceWaitsForACompleteTrial) {
  SuccessiveHalvingPrunerOptions o;
  o.max_resource_auto = true;
  Study study = PrunerStudy(Sha(o));
  EXPECT_FALSE(AutoMaxResource(study.Trials()).has_value());
  for (double a : {5.0, 9.0, 100.0}) {
    Trial t = study.Ask();
    for (int64_t step = 0; step <= 3; ++step) {
      t.Report(step, Hyperbolic(a)(step));
      EXPECT_FALSE(t.ShouldPrune()) << "no trial has completed";
    }
    study.Tell(t, TrialState::kPruned);  // stopped by hand: not COMPLETE
  }
  EXPECT_FALSE(AutoMaxResource(study.Trials()).has_value());
}

// Two objectives, both minimized: trial x reports (x + 1/(s+1) + d, 1 - x + 1/(s+1) + d), on the
// Pareto front of every step when d = 0 and dominated when d > 0.
std::vector<double> TwoObjectives(double x, double d, int64_t step) {
  const double decay = 1.0 / static_cast<double>(step + 1);
  return {x + decay + d, 1 - x + decay + d};
}

// Runs trial (x, d) through steps 0..last, asking the pruner after each report; the step at
// which it was pruned, or -1.
int64_t RunTwoObjectives(Study& study, double x, double d, int64_t last) {
  Trial trial = study.Ask();
  for (int64_t step = 0; step <= last; ++step) {
    trial.Report(step, TwoObjectives(x, d, step));
    if (trial.ShouldPrune()) {
      study.Tell(trial, TrialState::kPruned);
      return step;
    }
  }
  study.Tell(trial, TwoObjectives(x, d, last));
  return -1;
}

Study TwoObjectiveStudy(SuccessiveHalvingPrunerOptions options) {
  const std::vector<Direction> directions = {Direction::kMinimize, Direction::kMinimize};
  StudyOptions study;
  study.name = "pareto";
  study.directions = directions;
  return Study::CreateOrLoad(std::make_shared<InMemoryStorage>(), study, nullptr,
                             std::make_unique<SuccessiveHalvingPruner>(options, directions));
}

TEST(SuccessiveHalvingTest, SeveralObjectivesKeepTheParetoFrontAndPruneDominatedTrials) {
  Study study = TwoObjectiveStudy(Ladder(1, 9, 3));
  for (double x : {0.2, 0.4, 0.6, 0.8}) EXPECT_EQ(RunTwoObjectives(study, x, 0, 9), -1) << x;
  // n = 5 at rung 1 keeps one: the dominated trial has four ahead of it.
  EXPECT_EQ(RunTwoObjectives(study, 0.5, 0.5, 9), 1);
  // A new extreme of the front has infinite crowding distance: nothing is ahead of it (the other
  // extreme ties).
  EXPECT_EQ(RunTwoObjectives(study, 0.0, 0, 9), -1);
  // Dominated by a little (by x = 0.4), still behind the whole front.
  EXPECT_EQ(RunTwoObjectives(study, 0.4, 0.01, 9), 1);
}

TEST(SuccessiveHalvingTest, SeveralObjectivesInOneDirectionEachAreRankedAlike) {
  // The same curves with the second objective negated and maximized give the same decisions.
  const std::vector<Direction> directions = {Direction::kMinimize, Direction::kMaximize};
  StudyOptions options;
  options.name = "mixed";
  options.directions = directions;
  Study study =
      Study::CreateOrLoad(std::make_shared<InMemoryStorage>(), options, nullptr,
                          std::make_unique<SuccessiveHalvingPruner>(Ladder(1, 9, 3), directions));
  const auto run = [&](double x, double d) {
    Trial trial = study.Ask();
    std::vector<double> v;
    for (int64_t step = 0; step <= 9; ++step) {
      v = TwoObjectives(x, d, step);
      v[1] = -v[1];
      trial.Report(step, v);
      if (trial.ShouldPrune()) {
        study.Tell(trial, TrialState::kPruned);
        return step;
      }
    }
    study.Tell(trial, v);
    return int64_t{-1};
  };
  for (double x : {0.2, 0.4, 0.6, 0.8}) EXPECT_EQ(run(x, 0), -1) << x;
  EXPECT_EQ(run(0.5, 0.5), 1);
}

TEST(SuccessiveHalvingTest, SyncWithSeveralObjectivesPrunesOnlyWhatIsSurelyDominated) {
  // Rungs 1, 3 below 9: cohorts of 9 at rung 1 keep 3. A trial of an unfinished cohort is pruned
  // only once three members dominate it, which later members cannot undo.
  SuccessiveHalvingPrunerOptions o = Ladder(1, 9, 3, HalvingMode::kSync);
  Study study = TwoObjectiveStudy(o);
  EXPECT_EQ(RunTwoObjectives(study, 0.5, 0.2, 1), -1) << "nothing dominates it yet";
  for (double x : {0.3, 0.5, 0.7}) RunTwoObjectives(study, x, 0, 1);
  // At rung 1 (0.45, d = 0.25) reports (1.2, 1.3): all four earlier points dominate it, so it is
  // pruned although its cohort is not full.
  EXPECT_EQ(RunTwoObjectives(study, 0.45, 0.25, 9), 1);
  // (0.75, d = 0.05) reports (1.3, 0.8): only (0.7, 0) at (1.2, 0.8) dominates it: undecided,
  // it runs on.
  EXPECT_EQ(RunTwoObjectives(study, 0.75, 0.05, 1), -1);
}

}  // namespace
}  // namespace automl
