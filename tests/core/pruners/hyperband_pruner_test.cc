#include "automl/pruners/hyperband_pruner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "automl/registry.h"
#include "testing/pruner_testing.h"

namespace automl {
namespace {

using ::automl::testing::ExpectEachRefused;
using ::automl::testing::Hyperbolic;
using ::automl::testing::PrunerStudy;
using ::automl::testing::RunCurve;

using V = std::vector<int64_t>;

// Table 1 of Li et al. (JMLR 2018): R = 81, eta = 3. The numbers follow the paper's formulas,
// n = ceil((s_max + 1) / (s + 1) * eta^s), n_i = floor(n eta^-i), r_i = R eta^(i - s).
TEST(HyperbandBracketsTest, MatchesThePapersTable) {
  const std::vector<HyperbandBracket> b = HyperbandBrackets(1, 81, 3);
  ASSERT_EQ(b.size(), 5u);
  const std::vector<std::pair<V, V>> table = {
      {{81, 27, 9, 3, 1}, {1, 3, 9, 27, 81}},  // s = 4
      {{34, 11, 3, 1}, {3, 9, 27, 81}},        // s = 3
      {{15, 5, 1}, {9, 27, 81}},               // s = 2
      {{8, 2}, {27, 81}},                      // s = 1
      {{5}, {81}},                             // s = 0
  };
  for (size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(b[i].s, static_cast<int64_t>(4 - i));
    EXPECT_EQ(b[i].n, table[i].first) << "s = " << b[i].s;
    EXPECT_EQ(b[i].r, table[i].second) << "s = " << b[i].s;
  }
}

TEST(HyperbandBracketsTest, ScalesWithMinResourceAndEndsAtMaxResource) {
  // r_min = 2, R = 18, eta = 3: s_max = 2; rungs in steps, the last one R itself.
  std::vector<HyperbandBracket> b = HyperbandBrackets(2, 18, 3);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].n, (V{9, 3, 1}));
  EXPECT_EQ(b[0].r, (V{2, 6, 18}));
  EXPECT_EQ(b[1].n, (V{5, 1}));
  EXPECT_EQ(b[1].r, (V{6, 18}));
  EXPECT_EQ(b[2].n, (V{3}));
  EXPECT_EQ(b[2].r, (V{18}));
  // R / r_min = 100 is not a power of 3: s_max = 4, and the full run is 100.
  b = HyperbandBrackets(1, 100, 3);
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(b[0].r, (V{1, 3, 9, 27, 100}));
  EXPECT_EQ(b[4].r, (V{100}));
  // eta = 2, R = 8: s_max = 3.
  b = HyperbandBrackets(1, 8, 2);
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b[0].n, (V{8, 4, 2, 1}));
  EXPECT_EQ(b[1].n, (V{6, 3, 1}));  // ceil(4 / 3 * 4) = 6
  EXPECT_EQ(b[3].n, (V{4}));

  EXPECT_THROW(HyperbandBrackets(1, 2, 3), InvalidArgument);  // nothing to halve
  EXPECT_THROW(HyperbandBrackets(1, 81, 1), InvalidArgument);
  EXPECT_THROW(HyperbandBrackets(1, int64_t{1} << 62, 2), InvalidArgument);  // too many
}

HyperbandPrunerOptions Options(int64_t min_resource, int64_t max_resource, int64_t eta = 3) {
  HyperbandPrunerOptions o;
  o.min_resource = min_resource;
  o.max_resource = max_resource;
  o.reduction_factor = eta;
  return o;
}

TEST(HyperbandPrunerTest, BracketsGetTrialsInProportionToTheirBudgets) {
  const HyperbandPruner pruner(Options(1, 81));
  std::vector<int64_t> count(5, 0);
  const int64_t trials = 143 * 200;  // 143 = 81 + 34 + 15 + 8 + 5
  for (int64_t k = 0; k < trials; ++k) ++count[pruner.BracketIndex(7, k)];
  const std::vector<double> budget = {81, 34, 15, 8, 5};
  for (size_t i = 0; i < 5; ++i) {
    const double expected = budget[i] * 200;
    EXPECT_NEAR(static_cast<double>(count[i]), expected, 5 * std::sqrt(expected))
        << "bracket " << i;
  }
  // Deterministic in (seed, number), and the seed matters.
  int64_t moved = 0;
  for (int64_t k = 0; k < 100; ++k) {
    EXPECT_EQ(pruner.BracketIndex(7, k), pruner.BracketIndex(7, k));
    moved += pruner.BracketIndex(7, k) != pruner.BracketIndex(8, k);
  }
  EXPECT_GT(moved, 10);
}

// Trials one after another on curves a + 1 / (step + 1), with R = 9, eta = 3: brackets s = 2
// (rungs 1, 3), s = 1 (rung 3), s = 0 (no rung). Returns the step each trial was pruned at.
std::vector<int64_t> RunHyperband(const std::vector<double>& as, uint64_t seed,
                                  Direction direction = Direction::kMinimize) {
  const double sign = direction == Direction::kMinimize ? 1.0 : -1.0;
  Study study = PrunerStudy(
      std::make_unique<HyperbandPruner>(Options(1, 9), std::vector<Direction>{direction}),
      direction, seed);
  std::vector<int64_t> steps;
  for (double a : as) {
    steps.push_back(RunCurve(
        study, [&](int64_t s) { return sign * Hyperbolic(a)(s); }, 9));
  }
  return steps;
}

TEST(HyperbandPrunerTest, EachBracketHalvesItsOwnTrials) {
  const HyperbandPruner pruner(Options(1, 9));
  ASSERT_EQ(pruner.brackets().size(), 3u);
  std::vector<double> as;
  for (int i = 0; i < 40; ++i) as.push_back((17 * i) % 40);  // a permutation of 0..39
  for (Direction direction : {Direction::kMinimize, Direction::kMaximize}) {
    const uint64_t seed = 3;
    const std::vector<int64_t> steps = RunHyperband(as, seed, direction);
    std::map<size_t, double> best;   // bracket -> best a
    std::map<size_t, double> first;  // bracket -> a of its first trial
    int64_t pruned = 0;
    for (size_t k = 0; k < as.size(); ++k) {
      const size_t bracket = pruner.BracketIndex(seed, static_cast<int64_t>(k));
      if (!best.count(bracket) || as[k] < best[bracket]) best[bracket] = as[k];
      if (!first.count(bracket)) first[bracket] = as[k];
      pruned += steps[k] != -1;
      switch (bracket) {
        case 0:  // s = 2: rungs 1 and 3
          EXPECT_TRUE(steps[k] == -1 || steps[k] == 1 || steps[k] == 3) << k << ": " << steps[k];
          break;
        case 1:  // s = 1: rung 3
          EXPECT_TRUE(steps[k] == -1 || steps[k] == 3) << k << ": " << steps[k];
          break;
        default:  // s = 0: full runs
          EXPECT_EQ(steps[k], -1) << "trial " << k << " of the last bracket was pruned";
      }
    }
    EXPECT_EQ(best.size(), 3u) << "40 trials should reach every bracket";
    EXPECT_GE(pruned, 10);
    for (size_t k = 0; k < as.size(); ++k) {
      const size_t bracket = pruner.BracketIndex(seed, static_cast<int64_t>(k));
      // The best of each bracket and the first to reach its rungs run to the end: a bracket's
      // trials are judged only against each other.
      if (as[k] == best[bracket] || as[k] == first[bracket]) {
        EXPECT_EQ(steps[k], -1) << k;
      }
    }
  }
}

TEST(HyperbandPrunerTest, SyncModeFollowsThePapersBracketExactly) {
  // R = 9, eta = 3: bracket s = 2 starts n_0 = 9 trials at r = 1, keeps n_1 = 3 for r = 3 and
  // n_2 = 1 for r = 9. Nine trials of that bracket run side by side (a = 0 best, ..., 8 worst),
  // reporting step by step in turn. At rung 1 the first three are undecided while the cohort
  // fills; each later one has three better members and is pruned at once. At rung 3 the three
  // survivors form a cohort of n_1 = 3 that keeps one: a = 1 and a = 2 see a = 0 ahead.
  HyperbandPrunerOptions options = Options(1, 9);
  options.mode = HalvingMode::kSync;
  const uint64_t seed = 5;
  Study study = PrunerStudy(std::make_unique<HyperbandPruner>(options), Direction::kMinimize, seed);
  const HyperbandPruner pruner(options);
  ASSERT_EQ(pruner.brackets()[0].n, (V{9, 3, 1}));
  std::vector<Trial> trials;
  while (trials.size() < 9) {
    Trial t = study.Ask();
    if (pruner.BracketIndex(seed, t.number()) == 0) {
      trials.push_back(std::move(t));
    } else {
      study.Tell(t, 0.0);  // another bracket: done without reports
    }
  }
  std::vector<int64_t> pruned_at(9, -1);
  for (int64_t step = 0; step <= 9; ++step) {
    for (size_t a = 0; a < trials.size(); ++a) {
      if (pruned_at[a] != -1) continue;
      trials[a].Report(step, Hyperbolic(static_cast<double>(a))(step));
      if (step < 9 && trials[a].ShouldPrune()) {
        pruned_at[a] = step;
        study.Tell(trials[a], TrialState::kPruned);
      }
    }
  }
  EXPECT_EQ(pruned_at, (std::vector<int64_t>{-1, 3, 3, 1, 1, 1, 1, 1, 1}));
}

TEST(HyperbandPrunerTest, AutoMaxResourceDecidesAsTheExplicitOneOnceATrialCompletes) {
  HyperbandPrunerOptions auto_options = Options(1, 9);
  auto_options.max_resource = 0;
  auto_options.max_resource_auto = true;
  const uint64_t seed = 3;
  Study automatic =
      PrunerStudy(std::make_unique<HyperbandPruner>(auto_options), Direction::kMinimize, seed);
  Study explicit_study =
      PrunerStudy(std::make_unique<HyperbandPruner>(Options(1, 9)), Direction::kMinimize, seed);
  // Nothing is pruned before the first trial completes, at step 9.
  EXPECT_EQ(RunCurve(automatic, Hyperbolic(50), 9), -1);
  EXPECT_EQ(RunCurve(explicit_study, Hyperbolic(50), 9), -1);
  int64_t pruned = 0;
  for (int i = 0; i < 30; ++i) {
    const double a = (7 * i) % 30;
    const int64_t step = RunCurve(automatic, Hyperbolic(a), 9);
    EXPECT_EQ(step, RunCurve(explicit_study, Hyperbolic(a), 9)) << i;
    pruned += step != -1;
  }
  EXPECT_GT(pruned, 0);
  EXPECT_TRUE(HyperbandPruner(auto_options).brackets().empty());
}

TEST(HyperbandPrunerTest, RegistryReadsItsOptionsAndRefusesBadOnes) {
  const Components components = BuiltinComponents();
  PrunerContext context;
  context.directions = {Direction::kMinimize};
  const Json spec = {
      {"name", "hyperband"}, {"min_resource", 1}, {"max_resource", 81}, {"reduction_factor", 3}};
  const auto pruner = components.pruners.Create(spec, context);
  EXPECT_EQ(pruner->name(), "hyperband");
  EXPECT_EQ(dynamic_cast<const HyperbandPruner&>(*pruner).brackets().size(), 5u);

  const std::vector<std::pair<Json, std::string>> bad = {
      {"hyperband", "'max_resource'"},
      {{{"name", "hyperband"}, {"max_resource", "half"}}, "'max_resource'"},
      {{{"name", "hyperband"}, {"max_resource", 2}}, "'max_resource'"},
      {{{"name", "hyperband"}, {"max_resource", 81}, {"reduction_factor", 1}},
       "'reduction_factor'"},
      {{{"name", "hyperband"}, {"max_resource", 81}, {"min_resource", 0}}, "'min_resource'"},
      {{{"name", "hyperband"}, {"max_resource", 81}, {"rungs", {1, 3}}}, "'rungs'"},
      {{{"name", "hyperband"}, {"max_resource", 81}, {"mode", "batch"}}, "'mode'"},
  };
  ExpectEachRefused(components, context, bad);
  context.directions = {Direction::kMinimize, Direction::kMinimize};
  EXPECT_NE(components.pruners.Create(spec, context), nullptr) << "several objectives";
}

}  // namespace
}  // namespace automl
