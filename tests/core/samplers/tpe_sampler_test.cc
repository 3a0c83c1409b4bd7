#include "automl/samplers/tpe_sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/registry.h"
#include "automl/storages/in_memory_storage.h"
#include "automl/study.h"
#include "testing/sampler_conformance.h"

namespace automl {
namespace {

struct TpeFactory {
  static constexpr char kName[] = "tpe";
  static std::unique_ptr<Sampler> Make(const SearchSpace& space, uint64_t seed) {
    return std::make_unique<TpeSampler>(space, std::vector<Direction>{Direction::kMinimize}, seed);
  }
};

// Independent (univariate) TPE passes the same contract.
struct UnivariateTpeFactory {
  static constexpr char kName[] = "tpe";
  static std::unique_ptr<Sampler> Make(const SearchSpace& space, uint64_t seed) {
    TpeSamplerOptions options;
    options.multivariate = false;
    options.group = false;
    return std::make_unique<TpeSampler>(space, std::vector<Direction>{Direction::kMinimize}, seed,
                                        options);
  }
};

}  // namespace

namespace testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Tpe, SamplerConformanceTest, TpeFactory, SamplerFactoryName);
INSTANTIATE_TYPED_TEST_SUITE_P(UnivariateTpe, SamplerConformanceTest, UnivariateTpeFactory,
                               SamplerFactoryName);
}  // namespace testing

namespace {

using ::automl::testing::ParamsAreValid;

Study TpeStudy(const SearchSpace& space, uint64_t seed, TpeSamplerOptions options = {},
               Direction direction = Direction::kMinimize,
               const std::shared_ptr<Storage>& storage = nullptr) {
  StudyOptions study;
  study.name = "tpe";
  study.space = space;
  study.seed = seed;
  study.directions = {direction};
  return Study::CreateOrLoad(storage ? storage : std::make_shared<InMemoryStorage>(), study,
                             std::make_unique<TpeSampler>(space, study.directions, seed, options));
}

const TpeSampler& Tpe(const Study& study) {
  return dynamic_cast<const TpeSampler&>(study.sampler());
}

double Branin(double x, double y) {
  const double pi = 3.14159265358979323846;
  const double b = 5.1 / (4 * pi * pi);
  const double c = 5 / pi;
  const double t = 1 / (8 * pi);
  return std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - t) * std::cos(x) + 10;
}

SearchSpace BraninSpace() {
  return SearchSpace({ParamSpec::Float("x", -5, 10), ParamSpec::Float("y", 0, 15)});
}

// Enqueues |params| and completes the trial with |value|.
void AddTrial(Study& study, const ParamMap& params, double value) {
  study.Enqueue(params);
  Trial trial = study.Ask();
  study.Tell(trial, value);
}

// ---- Optimization -------------------------------------------------------------------------------

// Branin's minimum is 0.397887. In sixty trials (ten of them random) TPE gets within 0.6 of it
// on each of seeds 1-5: the worst of them reaches 0.74 (multivariate) and 0.85 (independent),
// while random search with 60 trials stops above 1.0 on four of these five seeds (2.18 at worst).
TEST(TpeSamplerTest, FindsBraninsMinimumIn60Trials) {
  for (bool multivariate : {true, false}) {
    for (uint64_t seed : {1, 2, 3, 4, 5}) {
      SCOPED_TRACE(::testing::Message()
                   << (multivariate ? "multivariate" : "univariate") << ", seed " << seed);
      TpeSamplerOptions options;
      options.multivariate = multivariate;
      options.group = multivariate;
      Study study = TpeStudy(BraninSpace(), seed, options);
      for (int i = 0; i < 60; ++i) {
        Trial trial = study.Ask();
        study.Tell(trial, Branin(trial.Float("x"), trial.Float("y")));
      }
      EXPECT_LT(study.BestTrial()->value(), 0.397887 + 0.6);
    }
  }
}

TEST(TpeSamplerTest, MaximizesWhenTheStudyMaximizes) {
  Study study = TpeStudy(SearchSpace({ParamSpec::Float("x", 0, 1)}), 5, {}, Direction::kMaximize);
  for (int i = 0; i < 60; ++i) {
    Trial trial = study.Ask();
    const double x = trial.Float("x");
    study.Tell(trial, -(x - 0.7) * (x - 0.7));
  }
  EXPECT_NEAR(study.BestTrial()->params.at("x").AsDouble(), 0.7, 0.02);
  // After the startup the model concentrates near the maximum, not the minimum.
  int near = 0;
  for (const FrozenTrial& t : study.Trials()) {
    if (t.number >= 30) near += std::fabs(t.params.at("x").AsDouble() - 0.7) < 0.2;
  }
  EXPECT_GT(near, 20);
}

// Mixed kinds after the startup: every value valid, and the model moves an int, a log float, a
// categorical and an ordinal towards their optimum.
TEST(TpeSamplerTest, OptimizesMixedParameterKinds) {
  const SearchSpace space({
      ParamSpec::Int("n", 1, 20),
      ParamSpec::Float("lr", 1e-5, 1.0).Log(),
      ParamSpec::Categorical("act", {"relu", "tanh", "gelu", "silu"}),
      ParamSpec::Ordinal("width", {8, 16, 32, 64, 128}),
      ParamSpec::Int("batch", 1, 256).Log(),
      ParamSpec::Float("drop", 0.0, 0.5).Step(0.05),
  });
  Study study = TpeStudy(space, 11);
  for (int i = 0; i < 80; ++i) {
    Trial trial = study.Ask();
    ASSERT_TRUE(ParamsAreValid(space, trial.params()));
    const double value =
        std::fabs(trial.Int("n") - 13) + std::fabs(std::log10(trial.Float("lr")) + 3) +
        (trial.String("act") == "gelu" ? 0 : 2) +
        std::fabs(std::log2(static_cast<double>(trial.Param("width").AsInt())) - 5) +
        std::fabs(std::log2(static_cast<double>(trial.Int("batch"))) - 4) +
        std::fabs(trial.Float("drop") - 0.2) * 4;
    study.Tell(trial, value);
  }
  EXPECT_LT(study.BestTrial()->value(), 3.0);
  std::set<std::string> acts;
  int gelu_late = 0;
  for (const FrozenTrial& t : study.Trials()) {
    if (t.number >= 50) gelu_late += t.params.at("act").AsString() == "gelu";
  }
  EXPECT_GT(gelu_late, 15) << "the categorical's best choice is not favoured";
}

// ---- The below/above split ---------------------------------------------------------------------

TEST(TpeSamplerTest, BelowGroupSizeFollowsGamma) {
  Study study = TpeStudy(SearchSpace({ParamSpec::Float("x", 0, 1)}), 1);
  const TpeSampler& tpe = Tpe(study);
  for (int n = 0; n <= 300; ++n) {
    // Optuna's default_gamma: min(ceil(0.1 n), 25), floating point included (0.1 * 30 > 3).
    const int64_t expected = std::min<int64_t>(static_cast<int64_t>(std::ceil(0.1 * n)), 25);
    EXPECT_EQ(tpe.NumBelow(n), expected) << n;
  }
  EXPECT_EQ(tpe.NumBelow(10), 1);
  EXPECT_EQ(tpe.NumBelow(30), 3);
  EXPECT_EQ(tpe.NumBelow(31), 4);
  EXPECT_EQ(tpe.NumBelow(1000), 25);

  // The split itself: trial i has value (i * 37) % 101, so the best are known.
  for (int i = 0; i < 101; ++i) AddTrial(study, {{"x", i / 101.0}}, (i * 37) % 101);
  const TpeSampler::Split split = tpe.SplitTrials(study);
  ASSERT_EQ(split.below.size(), 11u);  // ceil(10.1)
  EXPECT_EQ(split.above.size(), 90u);
  for (int64_t number : split.below) EXPECT_LT((number * 37) % 101, 11) << number;
  EXPECT_TRUE(std::is_sorted(split.below.begin(), split.below.end()));
  EXPECT_TRUE(std::is_sorted(split.above.begin(), split.above.end()));

  TpeSamplerOptions options;
  options.gamma = 0.25;
  options.gamma_max = 7;
  Study other = TpeStudy(SearchSpace({ParamSpec::Float("x", 0, 1)}), 1, options);
  EXPECT_EQ(Tpe(other).NumBelow(12), 3);
  EXPECT_EQ(Tpe(other).NumBelow(100), 7);
}

// PRUNED trials rank after COMPLETE ones, those that got further first, then by their last
// intermediate value; FAILED trials are left out; in a maximizing study larger is better.
TEST(TpeSamplerTest, PrunedTrialsRankAsInOptuna) {
  TpeSamplerOptions options;
  options.gamma = 0.5;  // half the 10 ranked trials below
  Study study =
      TpeStudy(SearchSpace({ParamSpec::Float("x", 0, 1)}), 1, options, Direction::kMaximize);
  const auto prune = [&](const std::vector<std::pair<int64_t, double>>& reports) {
    Trial trial = study.Ask();
    for (const auto& [step, value] : reports) trial.Report(step, value);
    study.Tell(trial, TrialState::kPruned);
  };
  const auto complete = [&](double value) {
    Trial trial = study.Ask();
    study.Tell(trial, value);
  };
  complete(1.0);                 // 0
  prune({{0, 50.0}, {1, 9.0}});  // 1: step 1, 9
  complete(3.0);                 // 2
  prune({{0, 100.0}});           // 3: step 0, 100
  prune({});                     // 4: nothing reported: last
  prune({{0, 5.0}, {1, 8.0}});   // 5: step 1, 8
  {
    Trial failed = study.Ask();  // 6: FAILED, no value
    study.Tell(failed, TrialState::kFailed);
  }
  complete(2.0);                          // 7
  prune({{0, 1.0}, {1, 2.0}, {2, 0.5}});  // 8: step 2, 0.5
  complete(-4.0);                         // 9
  prune({{0, 200.0}});                    // 10: step 0, 200
  // Ranking, best first: complete 2 (3.0), 7 (2.0), 0 (1.0), 9 (-4.0); pruned at step 2: 8;
  // at step 1: 1 (9), 5 (8); at step 0: 10 (200), 3 (100); without reports: 4.
  // gamma 0.5 of the 10 COMPLETE + PRUNED trials: 5 below.
  const TpeSampler::Split split = Tpe(study).SplitTrials(study);
  EXPECT_EQ(split.below, (std::vector<int64_t>{0, 2, 7, 8, 9}));
  EXPECT_EQ(split.above, (std::vector<int64_t>{1, 3, 4, 5, 10}));
}

TEST(TpeSamplerTest, ConstantLiarCountsRunningTrialsAsWorst) {
  TpeSamplerOptions options;
  options.constant_liar = true;
  options.gamma = 1.0;
  options.gamma_max = 100;
  Study study = TpeStudy(SearchSpace({ParamSpec::Float("x", 0, 1)}), 1, options);
  for (int i = 0; i < 3; ++i) AddTrial(study, {{"x", 0.1 * i}}, i);
  Trial running = study.Ask();  // 3, never told
  TpeSampler::Split split = Tpe(study).SplitTrials(study);
  // Every finished trial fits below (gamma 1); the running one is above all the same.
  EXPECT_EQ(split.below, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(split.above, (std::vector<int64_t>{3}));

  Study plain = TpeStudy(SearchSpace({ParamSpec::Float("x", 0, 1)}), 1);
  for (int i = 0; i < 3; ++i) AddTrial(plain, {{"x", 0.1 * i}}, i);
  Trial plain_running = plain.Ask();
  split = Tpe(plain).SplitTrials(plain);
  EXPECT_EQ(split.below.size() + split.above.size(), 3u) << "without the liar, RUNNING is ignored";
}

// ---- Conditional spaces ------------------------------------------------------------------------

std::set<std::set<std::string>> AsSets(const std::vector<std::vector<std::string>>& groups) {
  std::set<std::set<std::string>> sets;
  for (const auto& g : groups) sets.emplace(g.begin(), g.end());
  return sets;
}

// Trials of every branch of the conformance suite's conditional space.
void AddConditionalTrials(Study& study) {
  AddTrial(study,
           {{"opt", "sgd"},
            {"lr", 0.1},
            {"momentum", 0.9},
            {"sched", "step"},
            {"step_size", 2},
            {"warmup", 1}},
           1.0);
  AddTrial(study,
           {{"opt", "sgd"}, {"lr", 0.01}, {"momentum", 0.8}, {"sched", "cosine"}, {"warmup", 0}},
           2.0);
  AddTrial(study, {{"opt", "sgd"}, {"lr", 0.2}, {"momentum", 0.7}, {"sched", "none"}}, 3.0);
  AddTrial(study, {{"opt", "adam"}, {"lr", 0.001}, {"beta", 0.9}}, 4.0);
}

TEST(TpeSamplerTest, GroupsAreParametersActiveInTheSameTrials) {
  const SearchSpace space = testing::ConditionalSpace();
  Study study = TpeStudy(space, 1);
  // Before any trial, one group of everything (sampled from the prior).
  EXPECT_EQ(AsSets(Tpe(study).Groups(study)),
            (std::set<std::set<std::string>>{
                {"opt", "lr", "momentum", "beta", "sched", "step_size", "warmup"}}));
  AddConditionalTrials(study);
  EXPECT_EQ(AsSets(Tpe(study).Groups(study)),
            (std::set<std::set<std::string>>{
                {"opt", "lr"}, {"momentum", "sched"}, {"beta"}, {"step_size"}, {"warmup"}}));
  // FAILED and RUNNING trials do not shape the groups.
  Trial failed = study.Ask();
  study.Tell(failed, TrialState::kFailed);
  Trial running = study.Ask();
  EXPECT_EQ(Tpe(study).Groups(study).size(), 5u);

  // Without group decomposition: what every trial had, jointly; the rest one by one.
  TpeSamplerOptions options;
  options.group = false;
  Study intersection = TpeStudy(space, 1, options);
  AddConditionalTrials(intersection);
  EXPECT_EQ(AsSets(Tpe(intersection).Groups(intersection)),
            (std::set<std::set<std::string>>{
                {"opt", "lr"}, {"momentum"}, {"sched"}, {"beta"}, {"step_size"}, {"warmup"}}));
  // Independent TPE: every parameter alone.
  options.multivariate = false;
  Study independent = TpeStudy(space, 1, options);
  AddConditionalTrials(independent);
  EXPECT_EQ(Tpe(independent).Groups(independent).size(), 7u);
}

// Fixed parameters are no group's business; they keep their value.
TEST(TpeSamplerTest, FixedParametersBelongToNoGroup) {
  const SearchSpace space({ParamSpec::Float("x", 0, 1), ParamSpec::Fixed("epochs", 10),
                           ParamSpec::Categorical("one", {"only"})});
  Study study = TpeStudy(space, 2);
  for (int i = 0; i < 15; ++i) {
    Trial trial = study.Ask();
    EXPECT_EQ(trial.Param("epochs"), ParamValue(10));
    EXPECT_EQ(trial.Param("one"), ParamValue("only"));
    study.Tell(trial, trial.Float("x"));
  }
  EXPECT_EQ(Tpe(study).Groups(study), (std::vector<std::vector<std::string>>{{"x"}}));
}

// A conditional problem whose best branch needs its own parameters tuned: TPE learns the branch
// and the branch's parameter from the trials in which it was active.
TEST(TpeSamplerTest, LearnsConditionalParametersFromTheirBranch) {
  const SearchSpace space({
      ParamSpec::Categorical("opt", {"sgd", "adam"}),
      ParamSpec::Float("momentum", 0.0, 1.0).When("opt", {"sgd"}),
      ParamSpec::Float("beta", 0.0, 1.0).When("opt", {"adam"}),
  });
  for (uint64_t seed : {1, 2, 3}) {
    Study study = TpeStudy(space, seed);
    for (int i = 0; i < 60; ++i) {
      Trial trial = study.Ask();
      ASSERT_TRUE(ParamsAreValid(space, trial.params()));
      const double value = trial.String("opt") == "sgd"
                               ? std::fabs(trial.Float("momentum") - 0.9)
                               : 0.5 + std::fabs(trial.Float("beta") - 0.1);
      study.Tell(trial, value);
    }
    const FrozenTrial best = *study.BestTrial();
    EXPECT_EQ(best.params.at("opt"), ParamValue("sgd")) << "seed " << seed;
    EXPECT_LT(best.value(), 0.03) << "seed " << seed;
  }
}

// ---- Duplicates ---------------------------------------------------------------------------------

TEST(TpeSamplerTest, NoDuplicatesInADiscreteSpaceUntilItIsExhausted) {
  const SearchSpace grid(
      {ParamSpec::Int("a", 1, 3), ParamSpec::Categorical("b", {"w", "x", "y", "z"})});
  for (uint64_t seed : {1, 2, 3}) {
    for (bool multivariate : {true, false}) {
      SCOPED_TRACE(::testing::Message() << "seed " << seed << (multivariate ? "" : ", univariate"));
      TpeSamplerOptions options;
      options.multivariate = multivariate;
      options.group = multivariate;
      options.n_startup_trials = 4;
      Study study = TpeStudy(grid, seed, options);
      std::set<ParamMap> seen;
      for (int i = 0; i < 12; ++i) {
        Trial trial = study.Ask();
        EXPECT_TRUE(seen.insert(trial.params()).second) << "trial " << i << " repeats";
        study.Tell(trial, trial.Int("a") + (trial.String("b") == "x" ? 0.0 : 1.0));
      }
      // Exhausted: repeats are allowed now, and asking goes on.
      for (int i = 0; i < 3; ++i) {
        Trial trial = study.Ask();
        EXPECT_TRUE(ParamsAreValid(grid, trial.params()));
        study.Tell(trial, 1.0);
      }
    }
  }
}

// RUNNING and FAILED trials count as tried, and so do conditional branches.
TEST(TpeSamplerTest, NoDuplicatesAmongRunningFailedAndConditionalTrials) {
  const SearchSpace space({
      ParamSpec::Categorical("opt", {"a", "b"}),
      ParamSpec::Int("x", 1, 3).When("opt", {"a"}),
      ParamSpec::Ordinal("y", {1, 2}).When("opt", {"b"}),
      ParamSpec::Fixed("z", 0),
  });
  TpeSamplerOptions options;
  options.n_startup_trials = 2;
  Study study = TpeStudy(space, 4, options);
  std::set<ParamMap> seen;
  std::vector<Trial> running;
  for (int i = 0; i < 5; ++i) {  // 3 points under a, 2 under b
    Trial trial = study.Ask();
    EXPECT_TRUE(seen.insert(trial.params()).second) << "trial " << i << " repeats";
    if (i == 1) {
      study.Tell(trial, TrialState::kFailed);
    } else if (i % 2 == 0) {
      study.Tell(trial, static_cast<double>(i));
    } else {
      running.push_back(std::move(trial));
    }
  }
  EXPECT_EQ(seen.size(), 5u);
}

// An enqueued partial trial is completed to a point not tried yet.
TEST(TpeSamplerTest, EnqueuedPartialTrialsAreCompletedToNewPoints) {
  const SearchSpace grid({ParamSpec::Int("a", 1, 3), ParamSpec::Int("b", 1, 3)});
  Study study = TpeStudy(grid, 9);
  for (int b = 1; b <= 2; ++b) AddTrial(study, {{"a", 2}, {"b", b}}, 0.0);
  study.Enqueue({{"a", 2}});
  Trial trial = study.Ask();
  EXPECT_EQ(trial.Param("a"), ParamValue(2));
  EXPECT_EQ(trial.Param("b"), ParamValue(3));
}

// ---- Purity and options ------------------------------------------------------------------------

// A sampler that has seen the study grow (its memo warm) and a fresh one agree on every next
// trial, also with trials that finish out of order.
TEST(TpeSamplerTest, WarmAndColdSamplersSuggestTheSame) {
  const SearchSpace space = testing::MixedSpace();
  auto storage = std::make_shared<InMemoryStorage>();
  Study warm = TpeStudy(space, 3, {}, Direction::kMinimize, storage);
  std::vector<Trial> open;
  for (int i = 0; i < 40; ++i) {
    open.push_back(warm.Ask());
    // Finish in a scrambled order, leaving some running.
    if (i % 3 == 2) {
      for (int j : {1, 0}) {
        Trial& t = open[open.size() - 1 - static_cast<size_t>(j)];
        warm.Tell(t, testing::Score(t.params()));
      }
    }
    Study cold = TpeStudy(space, 3, {}, Direction::kMinimize, storage);
    FrozenTrial next;
    next.number = i + 1;
    next.state = TrialState::kRunning;
    EXPECT_EQ(warm.sampler().SampleRelative(warm, next, {}),
              cold.sampler().SampleRelative(cold, next, {}))
        << "after trial " << i;
  }
}

TEST(TpeSamplerTest, RegistryReadsAndValidatesItsOptions) {
  const Components components = BuiltinComponents();
  SamplerContext context;
  context.space = BraninSpace();
  context.seed = 4;
  context.directions = {Direction::kMinimize};

  const std::unique_ptr<Sampler> plain = components.samplers.Create("tpe", context);
  const auto* tpe = dynamic_cast<const TpeSampler*>(plain.get());
  ASSERT_NE(tpe, nullptr);
  EXPECT_EQ(tpe->options().n_startup_trials, 10);
  EXPECT_EQ(tpe->options().n_ei_candidates, 24);
  EXPECT_TRUE(tpe->options().multivariate);
  EXPECT_TRUE(tpe->options().group);
  EXPECT_FALSE(tpe->options().constant_liar);
  EXPECT_EQ(tpe->options().kernel_score, TpeKernelScore::kMass);
  EXPECT_EQ(tpe->options().bandwidth, TpeBandwidth::kNormalReference);
  EXPECT_EQ(tpe->options().magic_clip_exponent, 1.25);
  EXPECT_EQ(tpe->options().min_bandwidth_factor, 0.01);

  const Json spec = Json{{"name", "tpe"},
                         {"n_startup_trials", 5},
                         {"n_ei_candidates", 48},
                         {"gamma", 0.2},
                         {"gamma_max", 10},
                         {"prior_weight", 2.0},
                         {"consider_prior", false},
                         {"consider_magic_clip", false},
                         {"consider_endpoints", true},
                         {"weights", "uniform"},
                         {"multivariate", false},
                         {"constant_liar", true},
                         {"kernel_score", "height"},
                         {"bandwidth", "neighbor"},
                         {"magic_clip_exponent", 2.0},
                         {"min_bandwidth_factor", 0.05}};
  const std::unique_ptr<Sampler> custom = components.samplers.Create(spec, context);
  const TpeSamplerOptions& o = dynamic_cast<const TpeSampler&>(*custom).options();
  EXPECT_EQ(o.n_startup_trials, 5);
  EXPECT_EQ(o.n_ei_candidates, 48);
  EXPECT_EQ(o.gamma, 0.2);
  EXPECT_EQ(o.gamma_max, 10);
  EXPECT_EQ(o.prior_weight, 2.0);
  EXPECT_FALSE(o.consider_prior);
  EXPECT_FALSE(o.consider_magic_clip);
  EXPECT_TRUE(o.consider_endpoints);
  EXPECT_EQ(o.weights, TpeWeights::kUniform);
  EXPECT_FALSE(o.multivariate);
  EXPECT_FALSE(o.group) << "group follows multivariate unless given";
  EXPECT_TRUE(o.constant_liar);
  EXPECT_EQ(o.kernel_score, TpeKernelScore::kHeight);
  EXPECT_EQ(o.bandwidth, TpeBandwidth::kNeighbor);
  EXPECT_EQ(o.magic_clip_exponent, 2.0);
  EXPECT_EQ(o.min_bandwidth_factor, 0.05);

  const std::pair<Json, std::string> bad[] = {
      {Json{{"name", "tpe"}, {"gamma", 0}}, "'gamma'"},
      {Json{{"name", "tpe"}, {"gamma", 1.5}}, "'gamma'"},
      {Json{{"name", "tpe"}, {"gamma_max", 0}}, "'gamma_max'"},
      {Json{{"name", "tpe"}, {"n_ei_candidates", 0}}, "'n_ei_candidates'"},
      {Json{{"name", "tpe"}, {"n_startup_trials", -1}}, "'n_startup_trials'"},
      {Json{{"name", "tpe"}, {"prior_weight", 0}}, "'prior_weight'"},
      {Json{{"name", "tpe"}, {"weights", "linear"}}, "'weights'"},
      {Json{{"name", "tpe"}, {"kernel_score", "area"}}, "'kernel_score'"},
      {Json{{"name", "tpe"}, {"bandwidth", "silverman"}}, "'bandwidth'"},
      {Json{{"name", "tpe"}, {"magic_clip_exponent", 0}}, "'magic_clip_exponent'"},
      {Json{{"name", "tpe"}, {"min_bandwidth_factor", 0}}, "'min_bandwidth_factor'"},
      {Json{{"name", "tpe"}, {"min_bandwidth_factor", 1.5}}, "'min_bandwidth_factor'"},
      {Json{{"name", "tpe"}, {"multivariate", false}, {"group", true}}, "'group'"},
      {Json{{"name", "tpe"}, {"multivariate", "yes"}}, "'multivariate'"},
      {Json{{"name", "tpe"}, {"gama", 0.2}}, "'gama'"},
  };
  for (const auto& [json, option] : bad) {
    try {
      components.samplers.Create(json, context);
      ADD_FAILURE() << json.dump() << " was accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(option), std::string::npos) << e.what();
    }
  }
}

TEST(TpeSamplerTest, RefusesSeveralObjectives) {
  try {
    const TpeSampler sampler(BraninSpace(), {Direction::kMinimize, Direction::kMaximize}, 1);
    ADD_FAILURE() << "a multi-objective study was accepted by " << sampler.name();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("sampler 'tpe'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("single objective"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace automl
