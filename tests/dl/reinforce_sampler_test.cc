#include "automl/dl/reinforce_sampler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "automl/dl/components.h"
#include "automl/error.h"
#include "automl/registry.h"
#include "automl/samplers/random_sampler.h"
#include "automl/storages/in_memory_storage.h"
#include "automl/study.h"
#include "dl/nas/controller.h"
#include "dl/nas/decision_steps.h"
#include "testing/sampler_conformance.h"
#include "testing/temp_dir.h"

// The conformance suite's spaces hold continuous floats, which this sampler refuses: its checks
// are made below on discrete spaces instead, and the suite is not instantiated here.
namespace automl::testing {
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SamplerConformanceTest);
}  // namespace automl::testing

namespace automl::dl {
namespace {

using ::automl::testing::ParamsAreValid;
using ::testing::HasSubstr;

// Runs |body| and returns the InvalidArgument it throws ("" when it throws none).
std::string RefusalOf(const std::function<void()>& body) {
  try {
    body();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

// Every test runs LibTorch on one thread: deterministic, and fair to other jobs on the machine.
class ReinforceSamplerTest : public ::testing::Test {
 protected:
  void SetUp() override { torch::set_num_threads(1); }

  static Study NewStudy(const SearchSpace& space, uint64_t seed,
                        const ReinforceSamplerOptions& options = {},
                        Direction direction = Direction::kMaximize,
                        std::shared_ptr<Storage> storage = nullptr) {
    StudyOptions study;
    study.name = "reinforce";
    study.space = space;
    study.seed = seed;
    study.directions = {direction};
    return Study::CreateOrLoad(
        storage ? std::move(storage) : std::make_shared<InMemoryStorage>(), study,
        std::make_unique<ReinforceSampler>(space, study.directions, seed, options));
  }

  static const ReinforceSampler& Sampler(const Study& study) {
    return dynamic_cast<const ReinforceSampler&>(study.sampler());
  }

  // Asks for |n| trials one after another, telling each objective(params); returns their params.
  static std::vector<ParamMap> Run(Study& study, int n,
                                   const std::function<double(const ParamMap&)>& objective) {
    std::vector<ParamMap> trials;
    for (int i = 0; i < n; ++i) {
      Trial trial = study.Ask();
      trials.push_back(trial.params());
      study.Tell(trial, objective(trial.params()));
    }
    return trials;
  }
};

// ---- Spaces ------------------------------------------------------------------------------------

// The toy problem: six decisions of four choices; the reward counts the decisions set to "a".
SearchSpace ToySpace() {
  std::vector<ParamSpec> params;
  params.reserve(6);
  for (int i = 0; i < 6; ++i) {
    params.push_back(ParamSpec::Categorical("d" + std::to_string(i), {"a", "b", "c", "d"}));
  }
  return SearchSpace(std::move(params));
}

double ToyReward(const ParamMap& params) {
  double reward = 0;
  for (const auto& [name, value] : params) reward += value == ParamValue("a");
  return reward;
}

// Every discrete kind of parameter: stepped floats, plain, stepped and log ints, a negative
// range, categoricals of strings, booleans and mixed types, an ordinal and a fixed value.
SearchSpace DiscreteSpace() {
  return SearchSpace({
      ParamSpec::Float("q", 0.0, 1.0).Step(0.25),
      ParamSpec::Float("drop", 0.1, 0.5).Step(0.1),
      ParamSpec::Int("layers", 1, 8),
      ParamSpec::Int("units", 16, 256).Step(16),
      ParamSpec::Int("batch", 1, 64).Log(),
      ParamSpec::Int("shift", -5, 5),
      ParamSpec::Categorical("act", {"relu", "tanh", "gelu"}),
      ParamSpec::Categorical("bias", {true, false}),
      ParamSpec::Categorical("mixed", {1, "two", 3.5}),
      ParamSpec::Ordinal("width", {1, 2, 4, 8}),
      ParamSpec::Fixed("epochs", 10),
  });
}

// The conformance suite's conditional space with every float given a step: a child listed
// before its parent, a two-level chain opt -> sched -> step_size, and two conditions at once.
SearchSpace ConditionalSpace() {
  return SearchSpace({
      ParamSpec::Float("momentum", 0.5, 0.9).Step(0.1).When("opt", {"sgd"}),
      ParamSpec::Categorical("opt", {"sgd", "adam"}),
      ParamSpec::Ordinal("lr", {0.001, 0.01, 0.1}),
      ParamSpec::Float("beta", 0.8, 0.99).Step(0.01).When("opt", {"adam"}),
      ParamSpec::Categorical("sched", {"none", "step", "cosine"}).When("opt", {"sgd"}),
      ParamSpec::Int("step_size", 1, 3).When("sched", {"step"}),
      ParamSpec::Int("warmup", 0, 1).When("opt", {"sgd"}).When("sched", {"step", "cosine"}),
  });
}

// ---- Learning ----------------------------------------------------------------------------------

struct ToyOutcome {
  double mean_last_30 = 0;   // mean reward of the last 30 of 150 trials
  double probability_a = 0;  // the controller's mean probability of "a" along the all-"a" path
};

ToyOutcome RunToy(Study& study) {
  std::vector<double> rewards;
  for (int i = 0; i < 150; ++i) {
    Trial trial = study.Ask();
    rewards.push_back(ToyReward(trial.params()));
    study.Tell(trial, rewards.back());
  }
  ToyOutcome outcome;
  for (size_t i = rewards.size() - 30; i < rewards.size(); ++i) outcome.mean_last_30 += rewards[i];
  outcome.mean_last_30 /= 30;
  return outcome;
}

double MeanProbabilityOfA(const ReinforceSampler& sampler, const Study& study) {
  ParamMap all_a;
  for (int i = 0; i < 6; ++i) all_a.emplace("d" + std::to_string(i), "a");
  const std::map<std::string, std::vector<double>> probabilities =
      sampler.DecisionProbabilities(study, all_a);
  EXPECT_EQ(probabilities.size(), 6u);
  double sum = 0;
  for (const auto& [name, p] : probabilities) sum += p.at(0);
  return sum / 6;
}

class ReinforceLearningTest : public ReinforceSamplerTest,
                              public ::testing::WithParamInterface<ReinforceUpdate> {};

// With the defaults, 150 trials (30 updates) move the controller from 1/4 to a clear preference
// for the rewarded choice, and the last 30 trials beat random search's on the same seeds.
// Measured on seeds 1-3 (mean probability of "a", smallest / mean reward of the last 30):
// reinforce 0.96, 0.95 / 3.78; ppo 0.95, 0.94 / 3.64; random search 1.43.
TEST_P(ReinforceLearningTest, MovesTowardTheRewardedChoice) {
  ReinforceSamplerOptions options;
  options.update = GetParam();
  double reinforce_reward = 0;
  double random_reward = 0;
  for (uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    Study study = NewStudy(ToySpace(), seed, options);
    const ToyOutcome outcome = RunToy(study);
    const double p = MeanProbabilityOfA(Sampler(study), study);
    EXPECT_GT(p, 0.5) << "the controller barely prefers the rewarded choice";
    reinforce_reward += outcome.mean_last_30;

    StudyOptions random;
    random.name = "random";
    random.space = ToySpace();
    random.seed = seed;
    random.directions = {Direction::kMaximize};
    Study baseline = Study::CreateOrLoad(std::make_shared<InMemoryStorage>(), random,
                                         std::make_unique<RandomSampler>(seed));
    random_reward += RunToy(baseline).mean_last_30;
  }
  EXPECT_GT(reinforce_reward / 3, random_reward / 3 + 1.0);
}

INSTANTIATE_TEST_SUITE_P(Updates, ReinforceLearningTest,
                         ::testing::Values(ReinforceUpdate::kReinforce, ReinforceUpdate::kPpo),
                         [](const ::testing::TestParamInfo<ReinforceUpdate>& param_info) {
                           return param_info.param == ReinforceUpdate::kPpo ? "Ppo" : "Reinforce";
                         });

// Minimizing negates the reward: the controller then avoids "a".
TEST_F(ReinforceSamplerTest, MinimizingAvoidsTheCostlyChoice) {
  Study study = NewStudy(ToySpace(), 4, {}, Direction::kMinimize);
  RunToy(study);
  EXPECT_LT(MeanProbabilityOfA(Sampler(study), study), 0.1);
}

// Advantages are scaled by the rewards' standard deviation and centred by the baseline, so that
// the objective's units do not matter: 1000 r - 5 learns what r learns.
TEST_F(ReinforceSamplerTest, ScaleAndShiftOfTheObjectiveDoNotMatter) {
  Study plain = NewStudy(ToySpace(), 6);
  Study scaled = NewStudy(ToySpace(), 6);
  const std::vector<ParamMap> expected = Run(plain, 60, ToyReward);
  EXPECT_EQ(Run(scaled, 60, [](const ParamMap& p) { return 1000 * ToyReward(p) - 5; }), expected);
  const std::map<std::string, std::vector<double>> a =
      Sampler(plain).DecisionProbabilities(plain, expected.back());
  const std::map<std::string, std::vector<double>> b =
      Sampler(scaled).DecisionProbabilities(scaled, expected.back());
  for (const auto& [name, p] : a) {
    for (size_t k = 0; k < p.size(); ++k) EXPECT_NEAR(p[k], b.at(name)[k], 1e-5) << name;
  }
}

// A batch is learned once batch_size trials carry a reward: COMPLETE ones, and PRUNED ones that
// reported a value; FAILED ones and PRUNED ones that reported nothing are not counted.
TEST_F(ReinforceSamplerTest, LearnsFromCompleteAndReportedPrunedTrialsOnly) {
  ReinforceSamplerOptions options;
  options.batch_size = 4;
  Study study = NewStudy(ToySpace(), 5, options);
  const auto finish = [&](int kind) {
    Trial trial = study.Ask();
    switch (kind) {
      case 0:
        study.Tell(trial, 1.0);
        break;
      case 1:
        trial.Report(0, 2.0);
        study.Tell(trial, TrialState::kPruned);
        break;
      case 2:
        study.Tell(trial, TrialState::kPruned);
        break;
      default:
        study.Tell(trial, TrialState::kFailed, "boom");
        break;
    }
  };
  for (int kind : {0, 3, 2, 1, 3, 0, 2}) finish(kind);  // three rewarded
  EXPECT_EQ(Sampler(study).LearnedBatches(study), 0);
  finish(1);  // the fourth
  EXPECT_EQ(Sampler(study).LearnedBatches(study), 1);
}

// ---- Purity ------------------------------------------------------------------------------------

TEST_F(ReinforceSamplerTest, SameSeedGivesSameSuggestionsAndOtherSeedsOthers) {
  for (const SearchSpace& space : {DiscreteSpace(), ConditionalSpace(), ToySpace()}) {
    for (ReinforceUpdate update : {ReinforceUpdate::kReinforce, ReinforceUpdate::kPpo}) {
      ReinforceSamplerOptions options;
      options.update = update;
      Study a = NewStudy(space, 7, options);
      Study b = NewStudy(space, 7, options);
      Study c = NewStudy(space, 8, options);
      const auto objective = [](const ParamMap& p) { return testing::Score(p); };
      const std::vector<ParamMap> first = Run(a, 40, objective);
      EXPECT_EQ(first, Run(b, 40, objective));
      const std::vector<ParamMap> other = Run(c, 40, objective);
      int same = 0;
      for (size_t i = 0; i < first.size(); ++i) same += first[i] == other[i];
      EXPECT_LT(same, 10);
    }
  }
}

// A sampler that followed the study trial by trial (its memo learned batch by batch) and a fresh
// one that replays everything at once suggest the same and hold the same controller.
TEST_F(ReinforceSamplerTest, WarmAndColdSamplersAgree) {
  for (ReinforceUpdate update : {ReinforceUpdate::kReinforce, ReinforceUpdate::kPpo}) {
    ReinforceSamplerOptions options;
    options.update = update;
    auto storage = std::make_shared<InMemoryStorage>();
    Study warm = NewStudy(ToySpace(), 9, options, Direction::kMaximize, storage);
    Run(warm, 37, ToyReward);  // 7 batches and 2 pending trials
    Study cold = NewStudy(ToySpace(), 9, options, Direction::kMaximize, storage);

    FrozenTrial next;
    next.number = 37;
    next.state = TrialState::kRunning;
    const std::vector<std::string> names = Sampler(warm).RelativeParams(warm, next);
    EXPECT_EQ(Sampler(warm).SampleRelative(warm, next, names),
              Sampler(cold).SampleRelative(cold, next, names));
    const ParamMap path = warm.Trials().back().params;
    EXPECT_EQ(Sampler(warm).DecisionProbabilities(warm, path),
              Sampler(cold).DecisionProbabilities(cold, path));
    EXPECT_EQ(Sampler(cold).LearnedBatches(cold), 7);
    // And both go on alike: each trial the warm study hands out is the cold sampler's choice.
    for (int i = 0; i < 8; ++i) {
      Trial trial = warm.Ask();
      FrozenTrial unsampled = trial.record();
      unsampled.params.clear();
      unsampled.has_params = false;
      EXPECT_EQ(trial.params(), Sampler(cold).SampleRelative(cold, unsampled, names));
      warm.Tell(trial, ToyReward(trial.params()));
    }
  }
}

// A study stopped and opened again, by a new Study object or through a file as by a new process,
// continues exactly as if it had never stopped.
TEST_F(ReinforceSamplerTest, ResumedStudyContinuesExactly) {
  const SearchSpace space = ConditionalSpace();
  const auto objective = [](const ParamMap& p) { return testing::Score(p); };
  Study whole = NewStudy(space, 11);
  const std::vector<ParamMap> expected = Run(whole, 30, objective);

  testing::TempDir dir;
  const std::string url = "sqlite:///" + dir.File("study.db") + "?synchronous=off";
  {
    Study first = NewStudy(space, 11, {}, Direction::kMaximize, OpenStorage(url));
    Run(first, 17, objective);
  }
  Study resumed = NewStudy(space, 11, {}, Direction::kMaximize, OpenStorage(url));
  Run(resumed, 13, objective);
  std::vector<ParamMap> stored;
  for (const FrozenTrial& t : resumed.Trials()) stored.push_back(t.params);
  EXPECT_EQ(stored, expected);
}

// The sampler runs LibTorch on one thread and gives back the caller's count; its results do not
// depend on that count.
TEST_F(ReinforceSamplerTest, RestoresTheThreadCountAndIgnoresIt) {
  Study one = NewStudy(ToySpace(), 12);
  const std::vector<ParamMap> expected = Run(one, 12, ToyReward);
  torch::set_num_threads(2);
  Study two = NewStudy(ToySpace(), 12);
  const std::vector<ParamMap> got = Run(two, 12, ToyReward);
  EXPECT_EQ(torch::get_num_threads(), 2);
  torch::set_num_threads(1);
  EXPECT_EQ(got, expected);
}

// ---- Spaces and options refused ----------------------------------------------------------------

// Continuous floats, parameters with more than 1,000 values and several objectives are refused,
// naming what is wrong.
TEST_F(ReinforceSamplerTest, RefusesSpacesAndStudiesItCannotSearch) {
  const SearchSpace continuous(
      {ParamSpec::Categorical("opt", {"sgd", "adam"}), ParamSpec::Float("lr", 1e-4, 1e-1).Log()});
  const std::string error =
      RefusalOf([&] { ReinforceSampler sampler(continuous, {Direction::kMinimize}, 1); });
  EXPECT_THAT(error, HasSubstr("parameter 'lr'"));
  EXPECT_THAT(error, HasSubstr("continuous"));
  EXPECT_THAT(error, HasSubstr("tpe"));

  const SearchSpace large({ParamSpec::Int("n", 0, 1000)});  // 1,001 values
  EXPECT_THAT(RefusalOf([&] { ReinforceSampler sampler(large, {Direction::kMinimize}, 1); }),
              HasSubstr("parameter 'n' has 1001 values"));
  // 1,000 values are accepted.
  ReinforceSampler sampler(SearchSpace({ParamSpec::Int("n", 1, 1000)}), {Direction::kMinimize}, 1);

  EXPECT_THAT(RefusalOf([] {
                ReinforceSampler two(ToySpace(), {Direction::kMinimize, Direction::kMaximize}, 1);
              }),
              HasSubstr("single objective"));
}

TEST_F(ReinforceSamplerTest, RefusesBadOptionsNamingThem) {
  Components components = BuiltinComponents();
  AddTorchComponents(components);
  const SamplerContext context{ToySpace(), {Direction::kMinimize}, 1};
  const auto refusal = [&](const Json& spec) {
    return RefusalOf([&] { components.samplers.Create(spec, context); });
  };
  const std::vector<std::pair<Json, std::string>> cases = {
      {Json{{"name", "reinforce"}, {"lr", 0}}, "option 'lr'"},
      {Json{{"name", "reinforce"}, {"lr", "fast"}}, "option 'lr'"},
      {Json{{"name", "reinforce"}, {"update", "a2c"}}, "option 'update'"},
      {Json{{"name", "reinforce"}, {"batch_size", 0}}, "option 'batch_size'"},
      {Json{{"name", "reinforce"}, {"baseline_decay", 1}}, "option 'baseline_decay'"},
      {Json{{"name", "reinforce"}, {"entropy_weight", -1}}, "option 'entropy_weight'"},
      {Json{{"name", "reinforce"}, {"hidden", 0}}, "option 'hidden'"},
      {Json{{"name", "reinforce"}, {"layers", 0}}, "option 'layers'"},
      {Json{{"name", "reinforce"}, {"temperature", 0}}, "option 'temperature'"},
      {Json{{"name", "reinforce"}, {"tanh_constant", -1}}, "option 'tanh_constant'"},
      {Json{{"name", "reinforce"}, {"update", "ppo"}, {"ppo_epochs", 0}}, "option 'ppo_epochs'"},
      {Json{{"name", "reinforce"}, {"update", "ppo"}, {"ppo_clip", 1}}, "option 'ppo_clip'"},
      {Json{{"name", "reinforce"}, {"ppo_clip", 0.1}}, "option 'ppo_clip' applies to update: ppo"},
      {Json{{"name", "reinforce"}, {"learning_rate", 0.1}}, "learning_rate"},
  };
  for (const auto& [spec, expected] : cases) {
    EXPECT_THAT(refusal(spec), HasSubstr(expected)) << spec.dump();
  }
  // And good ones are read.
  const auto sampler = components.samplers.Create(
      {{"name", "reinforce"}, {"update", "ppo"}, {"lr", 0.00035}, {"ppo_epochs", 2}}, context);
  const auto& reinforce = dynamic_cast<const ReinforceSampler&>(*sampler);
  EXPECT_EQ(reinforce.options().update, ReinforceUpdate::kPpo);
  EXPECT_EQ(reinforce.options().LearningRate(), 0.00035);
  EXPECT_EQ(reinforce.options().ppo_epochs, 2);
  // The learning rate's default is the update's.
  const auto default_lr = [&](const Json& spec) {
    const auto made = components.samplers.Create(spec, context);
    return dynamic_cast<const ReinforceSampler&>(*made).options().LearningRate();
  };
  EXPECT_EQ(default_lr("reinforce"), 0.005);
  EXPECT_EQ(default_lr({{"name", "reinforce"}, {"update", "ppo"}}), 0.002);
  // Validate() names the field too.
  ReinforceSamplerOptions options;
  options.hidden = -3;
  EXPECT_THAT(RefusalOf([&] { options.Validate(); }), HasSubstr("option 'hidden'"));
}

TEST_F(ReinforceSamplerTest, IsRegisteredOnceByAddTorchComponents) {
  Components components = BuiltinComponents();
  EXPECT_FALSE(components.samplers.Contains("reinforce"));
  AddTorchComponents(components);
  EXPECT_TRUE(components.samplers.Contains("reinforce"));
  EXPECT_THROW(AddTorchComponents(components), InvalidArgument);
}

// ---- The controller ----------------------------------------------------------------------------

// Learning scores paths in one masked batch; sampling walks one path step by step. Both must see
// the same policy: a step a path does not take leaves its state alone in the batch, exactly as
// the walk never runs it.
TEST(ReinforceControllerTest, BatchedScoresMatchStepByStepWalks) {
  torch::set_num_threads(1);
  for (int64_t layers : {1, 2}) {
    internal::ControllerOptions options;
    options.hidden = 8;
    options.layers = layers;
    const internal::Controller controller({2, 3, 4, 2}, options, 5);
    const int64_t skip = internal::kNoChoice;
    const std::vector<std::vector<int64_t>> paths = {
        {1, skip, 2, 0}, {0, 2, 3, 1}, {skip, skip, 1, skip}};
    const internal::Controller::Scores scores = controller.Score(paths);
    for (size_t i = 0; i < paths.size(); ++i) {
      internal::Controller::Walk walk = controller.Start();
      double log_prob = 0;
      double entropy = 0;
      for (size_t step = 0; step < paths[i].size(); ++step) {
        if (paths[i][step] == skip) continue;
        const std::vector<double> p = controller.Step(walk, step);
        log_prob += std::log(p[static_cast<size_t>(paths[i][step])]);
        for (double q : p) entropy -= q * std::log(q);
        controller.Choose(walk, step, paths[i][step]);
      }
      EXPECT_NEAR(scores.log_prob[static_cast<int64_t>(i)].item<double>(), log_prob, 1e-5) << i;
      EXPECT_NEAR(scores.entropy[static_cast<int64_t>(i)].item<double>(), entropy, 1e-5) << i;
    }
  }
}

// Weights come from the seed alone, never from LibTorch's global generator.
TEST(ReinforceControllerTest, WeightsAreAFunctionOfTheSeed) {
  const auto weights = [](uint64_t seed) {
    torch::manual_seed(seed * 31 + 1);  // must make no difference
    const internal::Controller controller({3, 4}, {}, seed);
    return torch::cat([&] {
      std::vector<torch::Tensor> flat;
      for (const torch::Tensor& t : controller.parameters()) flat.push_back(t.detach().flatten());
      return flat;
    }());
  };
  EXPECT_TRUE(torch::equal(weights(3), weights(3)));
  EXPECT_FALSE(torch::equal(weights(3), weights(4)));
  EXPECT_LE(weights(3).abs().max().item<double>(), 0.08);
}

// ---- Suggestions -------------------------------------------------------------------------------

// The conformance suite's spaces hold continuous floats, which this sampler refuses; these are
// its checks on discrete spaces.
TEST_F(ReinforceSamplerTest, ValuesLieInTheirDomainsAndVary) {
  const SearchSpace space = DiscreteSpace();
  Study study = NewStudy(space, 13);
  std::map<std::string, std::set<ParamValue>> seen;
  for (const ParamMap& params : Run(study, 60, testing::Score)) {
    ASSERT_TRUE(ParamsAreValid(space, params));
    for (const auto& [name, value] : params) seen[name].insert(value);
  }
  for (const ParamSpec& spec : space.params()) {
    if (spec.type() != ParamType::kFixed) {
      EXPECT_GE(seen[spec.name()].size(), 2u) << spec.name();
    }
  }
}

// Inactive parameters take no decision: suggestions hold exactly the active parameters, every
// branch is taken, and the controller's decisions along a path are exactly its active ones.
TEST_F(ReinforceSamplerTest, ConditionalParametersSkipInactiveDecisions) {
  const SearchSpace space = ConditionalSpace();
  Study study = NewStudy(space, 14);
  std::map<std::string, int> branches;
  for (const ParamMap& params : Run(study, 60, testing::Score)) {
    ASSERT_TRUE(ParamsAreValid(space, params));
    ++branches[params.at("opt").AsString()];
    if (params.count("sched")) ++branches["sched=" + params.at("sched").AsString()];
  }
  for (const char* branch : {"sgd", "adam", "sched=none", "sched=step", "sched=cosine"}) {
    EXPECT_GT(branches[branch], 0) << branch;
  }
  EXPECT_GT(Sampler(study).LearnedBatches(study), 0);

  const ParamMap adam = {{"opt", "adam"}, {"lr", 0.01}, {"beta", 0.9}};
  std::vector<std::string> decided;
  for (const auto& [name, p] : Sampler(study).DecisionProbabilities(study, adam)) {
    decided.push_back(name);
    EXPECT_EQ(p.size(), *space.Get(name).Cardinality());
  }
  EXPECT_EQ(decided, (std::vector<std::string>{"beta", "lr", "opt"}));
}

// Whatever the controller prefers, no configuration repeats until all have been tried.
TEST_F(ReinforceSamplerTest, NoDuplicatesUntilTheSpaceIsExhausted) {
  const SearchSpace space({ParamSpec::Categorical("a", {"x", "y", "z"}),
                           ParamSpec::Categorical("b", {true, false}),
                           ParamSpec::Ordinal("c", {1, 2})});
  ReinforceSamplerOptions eager;  // a controller that collapses quickly
  eager.lr = 0.5;
  eager.batch_size = 1;
  for (const ReinforceSamplerOptions& options : {ReinforceSamplerOptions{}, eager}) {
    Study study = NewStudy(space, 15, options);
    const std::vector<ParamMap> trials = Run(study, 14, testing::Score);
    const std::set<ParamMap> first12(trials.begin(), trials.begin() + 12);
    EXPECT_EQ(first12.size(), 12u);
    for (const ParamMap& params : trials) EXPECT_TRUE(ParamsAreValid(space, params));
  }
  // Running trials count as tried too.
  Study study = NewStudy(space, 16, eager);
  std::vector<Trial> running;
  std::set<ParamMap> seen;
  for (int i = 0; i < 12; ++i) {
    running.push_back(study.Ask());
    EXPECT_TRUE(seen.insert(running.back().params()).second) << i;
  }
}

// On a NASNet cell space every suggestion composes to a valid genotype, and no architecture
// repeats, even spelled differently.
TEST_F(ReinforceSamplerTest, SearchesANasnetCellSpace) {
  const SearchSpace space = SearchSpace::FromJson(
      Json::parse(R"({"arch": {"type": "nasnet-cell", "blocks": 2}, "width": [16, 32]})"));
  ASSERT_GT(space.size(), 10u);
  for (ReinforceUpdate update : {ReinforceUpdate::kReinforce, ReinforceUpdate::kPpo}) {
    ReinforceSamplerOptions options;
    options.update = update;
    Study study = NewStudy(space, 17, options);
    // Rewards separable convolutions, so that the controller has something to learn.
    const auto objective = [&](const ParamMap& params) {
      return static_cast<double>(
          space.StructuredValues(params).at("arch").dump().find("sep_conv") != std::string::npos);
    };
    std::set<std::string> architectures;
    for (const ParamMap& params : Run(study, 30, objective)) {
      ASSERT_TRUE(ParamsAreValid(space, params));
      const Json genotype = space.StructuredValues(params).at("arch");
      EXPECT_TRUE(genotype.contains("normal") && genotype.contains("reduction"));
      EXPECT_TRUE(architectures.insert(space.CanonicalParams(params).dump()).second);
    }
    EXPECT_EQ(Sampler(study).LearnedBatches(study), 6);
  }
}

TEST_F(ReinforceSamplerTest, KeepsAndCompletesEnqueuedParams) {
  const SearchSpace space = ConditionalSpace();
  Study study = NewStudy(space, 18);
  study.Enqueue({{"opt", "sgd"}, {"sched", "step"}});
  Trial sgd = study.Ask();
  EXPECT_TRUE(ParamsAreValid(space, sgd.params()));
  EXPECT_EQ(sgd.Param("opt"), ParamValue("sgd"));
  EXPECT_EQ(sgd.Param("sched"), ParamValue("step"));
  EXPECT_TRUE(sgd.Has("step_size") && sgd.Has("warmup") && sgd.Has("momentum"));
  study.Tell(sgd, 1.0);
  const ParamMap complete = {{"opt", "adam"}, {"lr", 0.1}, {"beta", space.Get("beta").ValueAt(15)}};
  study.Enqueue(complete);
  Trial full = study.Ask();
  EXPECT_EQ(full.params(), complete);
  study.Tell(full, 2.0);
  for (const ParamMap& params : Run(study, 8, testing::Score)) {
    EXPECT_TRUE(ParamsAreValid(space, params));
  }
}

TEST_F(ReinforceSamplerTest, WorksOnSmallAndEmptySpaces) {
  const std::vector<ParamSpec> singles = {
      ParamSpec::Float("x", -1.0, 1.0).Step(0.5), ParamSpec::Int("x", -3, 3),
      ParamSpec::Int("x", 1, 100).Log(),          ParamSpec::Categorical("x", {"a", "b", "c"}),
      ParamSpec::Ordinal("x", {0.5, 1.5}),        ParamSpec::Fixed("x", "only"),
  };
  for (const ParamSpec& spec : singles) {
    SCOPED_TRACE(spec.ToJson().dump());
    const SearchSpace space({spec});
    Study study = NewStudy(space, 19);
    std::set<ParamValue> seen;
    for (const ParamMap& params : Run(study, 12, testing::Score)) {
      ASSERT_TRUE(ParamsAreValid(space, params));
      seen.insert(params.at("x"));
    }
    const uint64_t values = *spec.Cardinality();
    EXPECT_EQ(seen.size(), std::min<uint64_t>(values, 12));
  }
  Study empty = NewStudy(SearchSpace(), 20);
  for (const ParamMap& params : Run(empty, 6, testing::Score)) EXPECT_TRUE(params.empty());
}

// Four threads share one study: every trial gets valid parameters. (Two threads may still draw
// the same configuration: one's parameters are stored only after its sampling ends.)
TEST_F(ReinforceSamplerTest, ConcurrentAskAndTell) {
  const SearchSpace space = ToySpace();
  Study study = NewStudy(space, 21);
  std::mutex mutex;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      try {
        for (int i = 0; i < 10; ++i) {
          Trial trial = study.Ask();
          study.Tell(trial, ToyReward(trial.params()));
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mutex);
        errors.emplace_back(e.what());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors, std::vector<std::string>{});
  ASSERT_EQ(study.Trials().size(), 40u);
  for (const FrozenTrial& trial : study.Trials()) {
    EXPECT_EQ(trial.state, TrialState::kComplete);
    EXPECT_TRUE(ParamsAreValid(space, trial.params));
  }
  EXPECT_EQ(Sampler(study).LearnedBatches(study), 8);
}

}  // namespace
}  // namespace automl::dl
