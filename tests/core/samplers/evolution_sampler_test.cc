#include "automl/samplers/evolution_sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "automl/random.h"
#include "automl/registry.h"
#include "automl/samplers/random_sampler.h"
#include "automl/storage.h"
#include "automl/storages/in_memory_storage.h"
#include "automl/study.h"
#include "testing/sampler_conformance.h"
#include "testing/temp_dir.h"

namespace automl {
namespace {

EvolutionSamplerOptions Options(int64_t population, int64_t sample_size,
                                double mutation_scale = 0.1) {
  EvolutionSamplerOptions options;
  options.population = population;
  options.sample_size = sample_size;
  options.mutation_scale = mutation_scale;
  return options;
}

// The defaults, as a config without options gets them. With a population of 50 the suite's
// shorter tests stay in the random startup; the tests below cover the evolving phase.
struct EvolutionFactory {
  static constexpr char kName[] = "evolution";
  static std::unique_ptr<Sampler> Make(const SearchSpace& space, uint64_t seed) {
    return std::make_unique<EvolutionSampler>(space, seed);
  }
};

}  // namespace

namespace testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Evolution, SamplerConformanceTest, EvolutionFactory,
                               SamplerFactoryName);
}  // namespace testing

namespace {

using ::automl::testing::ParamsAreValid;
using Objective = std::function<double(const ParamMap&)>;

Study NewStudy(const SearchSpace& space, std::unique_ptr<Sampler> sampler, uint64_t seed,
               Direction direction = Direction::kMinimize) {
  StudyOptions options;
  options.name = "evolution";
  options.space = space;
  options.seed = seed;
  options.directions = {direction};
  return Study::CreateOrLoad(std::make_shared<InMemoryStorage>(), options, std::move(sampler));
}

Study EvolutionStudy(const SearchSpace& space, uint64_t seed, EvolutionSamplerOptions options,
                     Direction direction = Direction::kMinimize) {
  return NewStudy(space, std::make_unique<EvolutionSampler>(space, seed, options), seed, direction);
}

// Runs |n| trials of |objective|; returns their parameters.
std::vector<ParamMap> Evaluate(Study& study, int n, const Objective& objective) {
  std::vector<ParamMap> params;
  for (int i = 0; i < n; ++i) {
    Trial trial = study.Ask();
    params.push_back(trial.params());
    study.Tell(trial, objective(trial.params()));
  }
  return params;
}

// A value per parameter set that differs between sets (almost surely), so that tournaments are
// never decided by a tie.
double HashScore(const ParamMap& params) {
  return static_cast<double>(HashName(ParamsToJson(params).dump()) % 1000003) / 1000003.0;
}

// How |child| differs from |parent|.
struct Difference {
  std::vector<std::string> changed;  // in both, with different values
  std::vector<std::string> added;    // in the child only
  std::vector<std::string> removed;  // in the parent only
};

Difference Compare(const ParamMap& parent, const ParamMap& child) {
  Difference d;
  for (const auto& [name, value] : child) {
    const auto it = parent.find(name);
    if (it == parent.end()) {
      d.added.push_back(name);
    } else if (it->second != value) {
      d.changed.push_back(name);
    }
  }
  for (const auto& [name, value] : parent) {
    if (!child.count(name)) d.removed.push_back(name);
  }
  return d;
}

// Whether |name|'s activity depends, through its conditions, on |ancestor|.
bool DependsOn(const SearchSpace& space, const std::string& name, const std::string& ancestor) {
  for (const Condition& condition : space.Get(name).conditions()) {
    if (condition.parent == ancestor || DependsOn(space, condition.parent, ancestor)) return true;
  }
  return false;
}

// Whether |child| is |parent| with one decision changed: one value, plus the conditional
// parameters that this change activates or deactivates.
::testing::AssertionResult OneDecisionApart(const SearchSpace& space, const ParamMap& parent,
                                            const ParamMap& child) {
  const Difference d = Compare(parent, child);
  const std::string sets = ParamsToJson(parent).dump() + " -> " + ParamsToJson(child).dump();
  if (d.changed.size() != 1) {
    return ::testing::AssertionFailure() << d.changed.size() << " values changed: " << sets;
  }
  for (const std::vector<std::string>* names : {&d.added, &d.removed}) {
    for (const std::string& name : *names) {
      if (!DependsOn(space, name, d.changed.front())) {
        return ::testing::AssertionFailure() << "'" << name << "' appeared or vanished without '"
                                             << d.changed.front() << "' deciding it: " << sets;
      }
    }
  }
  return ::testing::AssertionSuccess();
}

// The trials (of |candidates|, by number) that |child| is one decision away from.
std::vector<int64_t> ParentsOf(const SearchSpace& space, const std::map<int64_t, ParamMap>& pool,
                               const ParamMap& child) {
  std::vector<int64_t> parents;
  for (const auto& [number, params] : pool) {
    if (OneDecisionApart(space, params, child)) parents.push_back(number);
  }
  return parents;
}

// The provisional record of the next fresh trial of |study|, as Study::Ask would sample it.
FrozenTrial NextTrial(const Study& study, int64_t sample_index) {
  FrozenTrial trial;
  trial.number = static_cast<int64_t>(study.Trials().size());
  trial.sample_index = sample_index;
  trial.state = TrialState::kRunning;
  return trial;
}

ParamMap Suggest(const Sampler& sampler, const Study& study, const FrozenTrial& trial) {
  return sampler.SampleRelative(study, trial, sampler.RelativeParams(study, trial));
}

// Every kind of parameter with conditions, a discrete parameter too large for uniform jumps
// (`big`) and a one-choice categorical (`single`) that no mutation can change.
SearchSpace MixedConditionalSpace() {
  return SearchSpace({
      ParamSpec::Float("x", -2.0, 3.0),
      ParamSpec::Float("lr", 1e-5, 1e-1).Log(),
      ParamSpec::Float("q", 0.0, 1.0).Step(0.25),
      ParamSpec::Int("layers", 1, 8),
      ParamSpec::Int("big", 0, 100000),
      ParamSpec::Int("batch", 1, 64).Log(),
      ParamSpec::Categorical("act", {"relu", "tanh", "gelu"}),
      ParamSpec::Categorical("bias", {true, false}),
      ParamSpec::Ordinal("width", {1, 2, 4, 8}),
      ParamSpec::Fixed("epochs", 10),
      ParamSpec::Categorical("single", {"only"}),
      ParamSpec::Categorical("opt", {"sgd", "adam"}),
      ParamSpec::Float("momentum", 0.5, 0.99).When("opt", {"sgd"}),
      ParamSpec::Categorical("sched", {"none", "step", "cosine"}).When("opt", {"sgd"}),
      ParamSpec::Int("step_size", 1, 3).When("sched", {"step"}),
      ParamSpec::Float("beta", 0.8, 0.999).When("opt", {"adam"}),
  });
}

// |n| categoricals of |choices| integer choices each, named c0, c1, ...
SearchSpace Categoricals(int n, int choices) {
  std::vector<ParamValue> values;
  values.reserve(static_cast<size_t>(choices));
  for (int k = 0; k < choices; ++k) values.emplace_back(k);
  std::vector<ParamSpec> params;
  params.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    params.push_back(ParamSpec::Categorical("c" + std::to_string(i), values));
  return SearchSpace(params);
}

// ---- Startup ------------------------------------------------------------------------------------

// How trial |i| of a test ends: PRUNED, FAILED or COMPLETE in turn.
void Finish(Study& study, Trial& trial, int i) {
  if (i % 4 == 1) {
    study.Tell(trial, TrialState::kPruned);
  } else if (i % 4 == 3) {
    study.Tell(trial, TrialState::kFailed, "boom");
  } else {
    study.Tell(trial, testing::Score(trial.params()));
  }
}

// Until `population` trials have completed, the trials are the `random` sampler's; PRUNED and
// FAILED trials do not count towards the population.
TEST(EvolutionSamplerTest, StartupTrialsAreTheRandomSamplers) {
  for (const SearchSpace& space : {testing::MixedSpace(), testing::ConditionalSpace()}) {
    Study evolution = EvolutionStudy(space, 3, Options(4, 2));
    Study random = NewStudy(space, std::make_unique<RandomSampler>(3), 3);
    std::map<int64_t, ParamMap> complete;
    // Trials 0, 2, 4 and 6 complete; 1 and 5 are pruned, 3 fails.
    for (int i = 0; i < 7; ++i) {
      Trial a = evolution.Ask();
      Trial b = random.Ask();
      EXPECT_EQ(a.params(), b.params()) << "trial " << i;
      if (i % 2 == 0) complete.emplace(a.number(), a.params());
      Finish(evolution, a, i);
      Finish(random, b, i);
    }
    const Trial child = evolution.Ask();
    EXPECT_NE(child.params(), random.Ask().params()) << "trial 7 is still random";
    EXPECT_EQ(ParentsOf(space, complete, child.params()).size(), 1u);
  }
}

// ---- Selection ----------------------------------------------------------------------------------

// Hand-made trials, each with every parameter at its own choice (so each child shows its parent:
// the one trial it is one decision away from), finished in an order unlike their numbers.
class AgingWindowTest : public ::testing::TestWithParam<Direction> {
 protected:
  static constexpr int kTrials = 9;

  // Trial i (0..8) has every parameter at choice i. Values to minimize, by number:
  //   0: -100  (finished first: out of the window of 4)
  //   5: -50   (finished second: out of the window, though its number is larger)
  //   3: 3, 1: 5, 4: 2, 2: 4  (finished in this order: the window)
  //   6: PRUNED, 7: FAILED  (finished last; no values, never parents)
  //   8: RUNNING
  Study MakeStudy(int64_t sample_size) {
    const Direction direction = GetParam();
    Study study = EvolutionStudy(space_, 5, Options(4, sample_size), direction);
    std::vector<Trial> trials;
    for (int i = 0; i < kTrials; ++i) {
      ParamMap params;
      for (const ParamSpec& spec : space_.params()) params.emplace(spec.name(), i);
      study.Enqueue(params);
      trials.push_back(study.Ask());
      pool_.emplace(trials.back().number(), trials.back().params());
    }
    const double sign = direction == Direction::kMinimize ? 1.0 : -1.0;
    for (const auto& [number, value] :
         std::vector<std::pair<int, double>>{{0, -100}, {5, -50}, {3, 3}, {1, 5}, {4, 2}, {2, 4}}) {
      study.Tell(trials[static_cast<size_t>(number)], sign * value);
    }
    study.Tell(trials[6], TrialState::kPruned);
    study.Tell(trials[7], TrialState::kFailed, "boom");
    return study;
  }

  // The parents of |n| new trials (asked, not told: the population stays as it is).
  std::multiset<int64_t> ParentsOfNewTrials(Study& study, int n) {
    std::multiset<int64_t> parents;
    for (int i = 0; i < n; ++i) {
      const Trial child = study.Ask();
      const std::vector<int64_t> found = ParentsOf(space_, pool_, child.params());
      EXPECT_EQ(found.size(), 1u) << ParamsToJson(child.params()).dump();
      if (found.size() == 1) parents.insert(found.front());
    }
    return parents;
  }

  const SearchSpace space_ = Categoricals(4, 12);
  std::map<int64_t, ParamMap> pool_;
};

// A tournament of the whole population always picks the best of the window, never a better trial
// that finished earlier, nor one that was pruned or failed.
TEST_P(AgingWindowTest, FullTournamentPicksTheBestOfTheWindow) {
  Study study = MakeStudy(4);
  const std::multiset<int64_t> parents = ParentsOfNewTrials(study, 30);
  EXPECT_EQ(parents.count(4), 30u);
}

// Smaller tournaments pick various members of the window, never its worst (it always meets a
// better one) and never a trial outside it.
TEST_P(AgingWindowTest, SmallTournamentsPickWithinTheWindow) {
  Study study = MakeStudy(2);
  const std::multiset<int64_t> parents = ParentsOfNewTrials(study, 40);
  EXPECT_EQ(parents.size(), 40u);
  for (int64_t parent : parents) {
    EXPECT_TRUE(parent == 4 || parent == 2 || parent == 3) << "parent " << parent;
  }
  // Win probabilities 1/2, 1/3 and 1/6: in 40 draws each one wins (all but surely).
  EXPECT_GT(parents.count(4), parents.count(3));
  EXPECT_GT(parents.count(2), 0u);
  EXPECT_GT(parents.count(3), 0u);
}

INSTANTIATE_TEST_SUITE_P(Directions, AgingWindowTest,
                         ::testing::Values(Direction::kMinimize, Direction::kMaximize),
                         [](const auto& p) { return std::string(DirectionName(p.param)); });

// ---- Mutation -----------------------------------------------------------------------------------

// With sample_size == population the parent is the best of the window, known here: every child
// is that parent with one decision changed, on every kind of parameter, conditions included.
TEST(EvolutionSamplerTest, ChildDiffersFromItsParentInOneDecision) {
  const SearchSpace space = MixedConditionalSpace();
  constexpr int kPopulation = 8;
  Study study = EvolutionStudy(space, 9, Options(kPopulation, kPopulation));
  std::vector<std::pair<double, ParamMap>> finished;  // in finish order
  std::map<std::string, int> mutated;
  std::map<std::string, std::vector<double>> unit_steps;  // |change| in the unit cube
  for (int i = 0; i < 300; ++i) {
    Trial trial = study.Ask();
    const ParamMap child = trial.params();
    ASSERT_TRUE(ParamsAreValid(space, child));
    if (i >= kPopulation) {
      const auto window = finished.end() - kPopulation;
      const ParamMap& parent = std::min_element(window, finished.end())->second;
      ASSERT_TRUE(OneDecisionApart(space, parent, child)) << "trial " << i;
      const std::string name = Compare(parent, child).changed.front();
      ++mutated[name];
      const ParamSpec& spec = space.Get(name);
      unit_steps[name].push_back(
          std::fabs(spec.ToUnit(child.at(name)) - spec.ToUnit(parent.at(name))));
    }
    const double value = HashScore(child);
    finished.emplace_back(value, child);
    study.Tell(trial, value);
  }
  for (const char* name : {"x", "lr", "q", "layers", "big", "batch", "act", "bias", "width", "opt",
                           "momentum", "sched", "step_size", "beta"}) {
    EXPECT_GT(mutated[name], 0) << "'" << name << "' was never mutated";
  }
  EXPECT_EQ(mutated.count("epochs") + mutated.count("single"), 0u)
      << "a one-value parameter changed";
  // Continuous (and very large discrete) parameters take Gaussian steps of sd 0.1 in the unit
  // cube: the median |N(0, 0.1)| is 0.067 (reflection at the bounds only shortens steps). A
  // uniform redraw would give a median near 0.29.
  for (const char* name : {"x", "lr", "big"}) {
    std::vector<double>& steps = unit_steps[name];
    ASSERT_GE(steps.size(), 5u) << name;
    std::nth_element(steps.begin(), steps.begin() + steps.size() / 2, steps.end());
    const double median = steps[steps.size() / 2];
    EXPECT_GT(median, 0.02) << name;
    EXPECT_LT(median, 0.14) << name;
  }
}

// mutation_scale sets the size of continuous steps.
TEST(EvolutionSamplerTest, MutationScaleSetsTheStepSize) {
  const SearchSpace space({ParamSpec::Float("x", 0.0, 1.0)});
  const auto median_step = [&](double scale) {
    Study study = EvolutionStudy(space, 2, Options(2, 2, scale));
    // Two parents near the centre, so that reflection hardly matters.
    for (double x : {0.5, 0.55}) {
      study.Enqueue({{"x", x}});
      Trial trial = study.Ask();
      study.Tell(trial, std::fabs(x - 0.5));
    }
    std::vector<double> steps;
    steps.reserve(41);
    for (int i = 0; i < 41; ++i) steps.push_back(std::fabs(study.Ask().Float("x") - 0.5));
    std::nth_element(steps.begin(), steps.begin() + 20, steps.end());
    return steps[20];
  };
  EXPECT_LT(median_step(0.01), 0.02);
  EXPECT_GT(median_step(0.3), 0.08);
}

// ---- Optimization -------------------------------------------------------------------------------

// 20 decisions of 4 choices (4^20 points), value = the number of wrong decisions. In 400 trials
// with the default options evolution gets all but at most two right on every seed (on seeds
// 1..10: 0 to 2); random search leaves seven or more wrong (7 to 10).
TEST(EvolutionSamplerTest, SolvesAnEasyCategoricalProblemFarBetterThanRandom) {
  const SearchSpace space = Categoricals(20, 4);
  const Objective wrong = [](const ParamMap& params) {
    int n = 0;
    for (int i = 0; i < 20; ++i) n += params.at("c" + std::to_string(i)).AsInt() != i % 4;
    return static_cast<double>(n);
  };
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    Study evolution = EvolutionStudy(space, seed, EvolutionSamplerOptions{});
    Evaluate(evolution, 400, wrong);
    Study random = NewStudy(space, std::make_unique<RandomSampler>(seed), seed);
    Evaluate(random, 400, wrong);
    EXPECT_LE(evolution.BestTrial()->value(), 2) << "seed " << seed;
    EXPECT_GE(random.BestTrial()->value(), 7) << "seed " << seed;
  }
}

// ---- Repeats ------------------------------------------------------------------------------------

// On a 3 x 4 grid the first 12 trials are all different, through startup and evolution; then
// repeats are all there is.
TEST(EvolutionSamplerTest, NoRepeatsInASmallDiscreteSpaceUntilItIsExhausted) {
  const SearchSpace space(
      {ParamSpec::Int("n", 1, 3), ParamSpec::Categorical("c", {"a", "b", "c", "d"})});
  const Objective objective = [](const ParamMap& p) {
    return static_cast<double>(p.at("n").AsInt()) + (p.at("c") == ParamValue("b") ? 0.0 : 1.0);
  };
  for (uint64_t seed : {1u, 2u, 3u}) {
    Study study = EvolutionStudy(space, seed, Options(3, 2));
    const std::vector<ParamMap> trials = Evaluate(study, 12, objective);
    EXPECT_EQ(std::set<ParamMap>(trials.begin(), trials.end()).size(), 12u) << "seed " << seed;
    for (const ParamMap& p : Evaluate(study, 4, objective)) EXPECT_TRUE(ParamsAreValid(space, p));
  }
}

// With conditions: 44 distinct points in 44 trials.
TEST(EvolutionSamplerTest, NoRepeatsInAConditionalDiscreteSpace) {
  const SearchSpace space({
      ParamSpec::Categorical("kind", {"a", "b"}),
      ParamSpec::Int("depth", 1, 6).When("kind", {"a"}),
      ParamSpec::Ordinal("width", {8, 16, 32, 64}),
      ParamSpec::Float("rate", 0.0, 1.0).Step(0.25).When("kind", {"b"}),
  });
  // a: 6 x 4 = 24 points, b: 4 x 5 = 20 points.
  Study study = EvolutionStudy(space, 7, Options(6, 3));
  const std::vector<ParamMap> trials = Evaluate(study, 44, testing::Score);
  EXPECT_EQ(std::set<ParamMap>(trials.begin(), trials.end()).size(), 44u);
}

// In an architecture space no architecture is tried twice, however its decisions spell it: one
// block per cell with two operations has 256 decision vectors but 100 architectures (the two
// branches of a block commute), and 100 trials try all 100.
TEST(EvolutionSamplerTest, NoArchitectureIsEvaluatedTwice) {
  const SearchSpace space = SearchSpace::FromJson(
      Json{{"arch",
            {{"type", "nasnet-cell"}, {"blocks", 1}, {"operations", {"identity", "conv_3x3"}}}}});
  ASSERT_EQ(space.size(), 8u);
  const Objective objective = [&space](const ParamMap& p) {
    return static_cast<double>(space.StructuredValues(p).at("arch").dump().size());
  };
  Study study = EvolutionStudy(space, 11, Options(10, 3));
  std::set<std::string> architectures;
  for (const ParamMap& p : Evaluate(study, 100, objective)) {
    architectures.insert(space.CanonicalParams(p).dump());
  }
  EXPECT_EQ(architectures.size(), 100u);
}

// Trials of every state with parameters are taken: with 10 of 12 points completed, pruned,
// failed, running or waiting, the sampler proposes one of the two others, in startup and in
// evolution alike.
TEST(EvolutionSamplerTest, TrialsOfEveryStateAreTaken) {
  const SearchSpace space(
      {ParamSpec::Int("n", 1, 3), ParamSpec::Categorical("c", {"a", "b", "c", "d"})});
  std::vector<ParamMap> points;
  for (int64_t n = 1; n <= 3; ++n) {
    for (const char* c : {"a", "b", "c", "d"}) points.push_back({{"n", n}, {"c", c}});
  }
  for (int64_t population : {3, 20}) {
    Study study = EvolutionStudy(space, 8, Options(population, 2));
    for (size_t i = 0; i < 9; ++i) {
      study.Enqueue(points[i]);
      Trial trial = study.Ask();
      if (i < 5) study.Tell(trial, static_cast<double>(i));        // COMPLETE
      if (i == 5) study.Tell(trial, TrialState::kPruned);          // PRUNED
      if (i == 6) study.Tell(trial, TrialState::kFailed, "boom");  // FAILED
    }                                                              // 7 and 8 stay RUNNING
    study.Enqueue(points[9]);                                      // WAITING
    std::set<ParamMap> proposed;
    for (int64_t k = 0; k < 20; ++k) {
      FrozenTrial next = NextTrial(study, k);
      next.number += k;
      proposed.insert(Suggest(study.sampler(), study, next));
    }
    EXPECT_EQ(proposed, (std::set<ParamMap>{points[10], points[11]}))
        << "population " << population;
  }
}

// ---- Purity and reproducibility -----------------------------------------------------------------

TEST(EvolutionSamplerTest, SameSeedSameSuggestionsBeyondStartup) {
  for (const SearchSpace& space : {testing::MixedSpace(), testing::ConditionalSpace()}) {
    const auto run = [&](uint64_t seed) {
      Study study = EvolutionStudy(space, seed, Options(8, 3));
      return Evaluate(study, 48, testing::Score);
    };
    const std::vector<ParamMap> first = run(11);
    EXPECT_EQ(first, run(11));
    const std::vector<ParamMap> other = run(12);
    for (size_t i = 0; i < first.size(); ++i) EXPECT_NE(first[i], other[i]) << "trial " << i;
  }
}

// The sampler keeps no state: a fresh one suggests what the one that ran the study suggests,
// asking twice gives the same, and Ask hands out exactly that.
TEST(EvolutionSamplerTest, FreshSamplerSuggestsWhatAWarmOneDoes) {
  const SearchSpace space = MixedConditionalSpace();
  Study study = EvolutionStudy(space, 4, Options(6, 3));
  Evaluate(study, 25, HashScore);
  const EvolutionSampler fresh(space, 4, Options(6, 3));
  for (int64_t k = 0; k < 5; ++k) {
    FrozenTrial next = NextTrial(study, 25 + k);
    next.number += k;
    const ParamMap warm = Suggest(study.sampler(), study, next);
    EXPECT_EQ(Suggest(fresh, study, next), warm);
    EXPECT_EQ(Suggest(study.sampler(), study, next), warm);
  }
  const ParamMap expected = Suggest(fresh, study, NextTrial(study, 25));
  EXPECT_EQ(study.Ask().params(), expected);
}

// A study resumed by a new process (a new storage handle and sampler) in the middle of its
// evolving phase continues exactly, from memory and from a file.
TEST(EvolutionSamplerTest, ResumesExactlyInTheEvolvingPhase) {
  const SearchSpace space = testing::ConditionalSpace();
  Study whole = EvolutionStudy(space, 6, Options(8, 3));
  const std::vector<ParamMap> expected = Evaluate(whole, 40, testing::Score);

  testing::TempDir dir;
  const std::string url = "sqlite:///" + dir.File("study.db") + "?synchronous=off";
  const std::vector<std::function<std::shared_ptr<Storage>()>> storages = {
      [memory = std::make_shared<InMemoryStorage>()] { return memory; },
      [&url] { return OpenStorage(url); }};
  for (const auto& open : storages) {
    const auto study = [&] {
      StudyOptions options;
      options.name = "evolution";
      options.space = space;
      options.seed = 6;
      return Study::CreateOrLoad(open(), options,
                                 std::make_unique<EvolutionSampler>(space, 6, Options(8, 3)));
    };
    std::vector<ParamMap> resumed;
    {
      Study first = study();
      resumed = Evaluate(first, 21, testing::Score);
    }
    Study second = study();
    const std::vector<ParamMap> rest = Evaluate(second, 19, testing::Score);
    resumed.insert(resumed.end(), rest.begin(), rest.end());
    EXPECT_EQ(resumed, expected);
  }
}

// A maximized objective is a minimized one negated: the same trials either way.
TEST(EvolutionSamplerTest, MaximizingMirrorsMinimizing) {
  const SearchSpace space = testing::MixedSpace();
  Study minimize = EvolutionStudy(space, 5, Options(10, 4));
  Study maximize = EvolutionStudy(space, 5, Options(10, 4), Direction::kMaximize);
  EXPECT_EQ(Evaluate(minimize, 45, testing::Score),
            Evaluate(maximize, 45, [](const ParamMap& p) { return -testing::Score(p); }));
}

// ---- Options ------------------------------------------------------------------------------------

TEST(EvolutionSamplerTest, RegistryReadsItsOptions) {
  const Components components = BuiltinComponents();
  SamplerContext context;
  context.space = testing::MixedSpace();
  context.directions = {Direction::kMinimize};

  const std::unique_ptr<Sampler> plain = components.samplers.Create("evolution", context);
  const auto& defaults = dynamic_cast<const EvolutionSampler&>(*plain);
  EXPECT_EQ(defaults.name(), "evolution");
  EXPECT_EQ(defaults.options().population, 50);
  EXPECT_EQ(defaults.options().sample_size, 10);
  EXPECT_EQ(defaults.options().mutation_scale, 0.1);

  const Json spec = {
      {"name", "evolution"}, {"population", 30}, {"sample_size", 7}, {"mutation_scale", 0.25}};
  const std::unique_ptr<Sampler> tuned = components.samplers.Create(spec, context);
  const auto& evolution = dynamic_cast<const EvolutionSampler&>(*tuned);
  EXPECT_EQ(evolution.options().population, 30);
  EXPECT_EQ(evolution.options().sample_size, 7);
  EXPECT_EQ(evolution.options().mutation_scale, 0.25);

  // A small population alone is valid: the tournament shrinks with it.
  const std::unique_ptr<Sampler> small =
      components.samplers.Create(Json{{"name", "evolution"}, {"population", 4}}, context);
  EXPECT_EQ(dynamic_cast<const EvolutionSampler&>(*small).options().sample_size, 4);
}

TEST(EvolutionSamplerTest, BadOptionsAreRefusedByName) {
  const Components components = BuiltinComponents();
  SamplerContext context;
  context.space = testing::MixedSpace();
  context.directions = {Direction::kMinimize};
  const std::vector<std::pair<std::string, Json>> bad = {
      {"population", 1},        {"population", 2.5},     {"population", "many"},
      {"sample_size", 0},       {"sample_size", 51},     {"mutation_scale", 0},
      {"mutation_scale", -0.1}, {"mutation_scale", 1.5}, {"tournament_size", 3},
  };
  for (const auto& [key, value] : bad) {
    try {
      components.samplers.Create(Json{{"name", "evolution"}, {key, value}}, context);
      ADD_FAILURE() << key << " = " << value.dump() << " was accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("'" + key + "'"), std::string::npos) << e.what();
    }
  }

  // The struct's own check, as a program that builds the sampler directly meets it.
  const std::vector<std::pair<std::string, EvolutionSamplerOptions>> invalid = {
      {"population", Options(1, 1)},          {"sample_size", Options(5, 0)},
      {"sample_size", Options(5, 6)},         {"mutation_scale", Options(5, 2, 0.0)},
      {"mutation_scale", Options(5, 2, 2.0)}, {"mutation_scale", Options(5, 2, std::nan(""))},
  };
  for (const auto& [key, options] : invalid) {
    try {
      const EvolutionSampler sampler(context.space, 0, options);
      ADD_FAILURE() << key << " was accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("'" + key + "'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("'evolution'"), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(Options(2, 2, 1.0).Validate());
}

TEST(EvolutionSamplerTest, RefusesSeveralObjectives) {
  const SearchSpace space = Categoricals(3, 3);
  const std::vector<Direction> two = {Direction::kMinimize, Direction::kMaximize};
  try {
    const EvolutionSampler sampler(space, 0, {}, two);
    ADD_FAILURE() << "two objectives were accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'evolution'"), std::string::npos) << e.what();
  }
  SamplerContext context;
  context.space = space;
  context.directions = two;
  EXPECT_THROW(BuiltinComponents().samplers.Create("evolution", context), InvalidArgument);

  // A sampler built without knowing the directions refuses when it meets the study.
  StudyOptions options;
  options.name = "two";
  options.space = space;
  options.directions = two;
  Study study =
      Study::CreateOrLoad(std::make_shared<InMemoryStorage>(), options,
                          std::make_unique<EvolutionSampler>(space, 0, EvolutionSamplerOptions{},
                                                             std::vector<Direction>{}));
  try {
    study.Ask();
    ADD_FAILURE() << "a study with two objectives was sampled";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'evolution'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace automl
