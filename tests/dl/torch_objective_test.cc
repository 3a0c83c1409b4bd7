#include "automl/dl/torch_objective.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "automl/config_file.h"
#include "automl/error.h"
#include "automl/pruner.h"
#include "automl/study.h"
#include "testing/temp_dir.h"

namespace automl::dl {
namespace {

using ::testing::HasSubstr;

constexpr const char* kObjective = R"(
task: fashion-mnist
data: {fraction: 0.02, resolution: 14}
model: {cnn: {depth: 1, width: "{width}", fc: 0, dropout: 0}}
optimizer: {name: adam, lr: "{lr}"}
epochs: 2
threads: 2
metric: val_accuracy
)";

SearchSpace Space() {
  return SearchSpace(
      {ParamSpec::Ordinal("width", {4, 8}), ParamSpec::Float("lr", 1e-3, 1e-2).Log()});
}

// A study over Space() that maximizes, in memory.
Study NewStudy(const std::string& name) {
  StudyOptions options;
  options.name = name;
  options.space = Space();
  options.directions = {Direction::kMaximize};
  return Study::CreateOrLoad(OpenStorage("memory"), options);
}

TEST(TorchObjectiveTest, TrainsEachTrialReportsEpochsAndKeepsTheBestModel) {
  testing::TempDir dir;
  Json objective = ParseYaml(kObjective, "o");
  objective["models_dir"] = dir.File("models");
  TorchObjective training(objective, Space(), {Direction::kMaximize});
  Study study = NewStudy("fm");
  OptimizeOptions run;
  run.target_trials = 3;
  const OptimizeSummary s = study.Run([&](Trial& t) { return training.Run(t); }, run);
  ASSERT_EQ(s.complete, 3) << s.FullReport();
  bool some_model = false;
  for (const FrozenTrial& t : study.Trials()) {
    ASSERT_EQ(t.intermediate.size(), 2u);
    // The step is the resource spent: epochs completed.
    EXPECT_EQ(t.intermediate.begin()->first, 1);
    EXPECT_EQ(t.intermediate.rbegin()->first, 2);
    EXPECT_GT(t.value(), 0.3);
    const Json& training_record = t.system_attrs.at("training");
    EXPECT_EQ(training_record.at("val_accuracy"), t.value());
    EXPECT_TRUE(training_record.contains("test_accuracy"));  // recorded, never optimized
    EXPECT_EQ(t.system_attrs.at("training_config").at("seed"), t.seed);
    if (t.system_attrs.contains("model_file")) {
      some_model = true;
      EXPECT_TRUE(std::filesystem::exists(t.system_attrs.at("model_file").get<std::string>()));
    }
  }
  EXPECT_TRUE(some_model);
  EXPECT_TRUE(study.BestTrial()->system_attrs.contains("model_file"));
}

// With a proxy, each trial trains the cheaper setting (the pruner sees its epochs) and keeps both
// configs: the full one to retrain, the proxy it trained.
TEST(TorchObjectiveTest, AProxyTrainsTheCheaperSettingAndKeepsTheFullOne) {
  Json objective = ParseYaml(kObjective, "o");
  objective["keep_models"] = "none";
  objective["proxy"] = Json{{"channels", 0.5}, {"fraction", 0.5}, {"epochs", 1}};
  TorchObjective training(objective, Space(), {Direction::kMaximize});
  Study study = NewStudy("fm-proxy");
  OptimizeOptions run;
  run.target_trials = 2;
  const OptimizeSummary s = study.Run([&](Trial& t) { return training.Run(t); }, run);
  ASSERT_EQ(s.complete, 2) << s.FullReport();
  for (const FrozenTrial& t : study.Trials()) {
    EXPECT_EQ(t.intermediate.size(), 1u) << "the proxy trains one epoch, not the full two";
    const Json& full = t.system_attrs.at("training_config");
    const Json& proxy = t.system_attrs.at("proxy_config");
    EXPECT_EQ(full.at("epochs"), 2);
    EXPECT_TRUE(full.contains("proxy"));
    EXPECT_EQ(proxy.at("epochs"), 1);
    EXPECT_FALSE(proxy.contains("proxy"));
    EXPECT_DOUBLE_EQ(proxy.at("data").at("fraction").get<double>(), 0.01);
    const int64_t width = t.params.at("width").AsInt();
    EXPECT_EQ(full.at("model").at("cnn").at("width"), width);
    EXPECT_EQ(proxy.at("model").at("cnn").at("width"), width / 2);
  }
}

TEST(TorchObjectiveTest, AProxyThatCannotApplyFailsTheStudyAtOnce) {
  Json objective = ParseYaml(kObjective, "o");
  objective["task"] = "csv";
  objective["data"] = Json{{"path", "/nonexistent.csv"}};
  objective["proxy"] = Json{{"resolution", 0.5}};
  try {
    TorchObjective training(objective, Space(), {Direction::kMaximize});
    ADD_FAILURE() << "accepted a resolution proxy on a table";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("resolution applies to images"));
  }
}

// Prunes every trial once it has reported one epoch.
class AfterFirstEpochPruner : public Pruner {
 public:
  std::string name() const override { return "after-first-epoch"; }
  bool Prune(const Study& /*study*/, const FrozenTrial& trial) const override {
    return !trial.intermediate.empty();
  }
};

TEST(TorchObjectiveTest, APrunedTrialStopsAfterTheEpochItWasPrunedAt) {
  Json objective = ParseYaml(kObjective, "o");
  objective["keep_models"] = "none";
  TorchObjective training(objective, Space(), {Direction::kMaximize});
  StudyOptions options;
  options.name = "fm";
  options.space = Space();
  options.directions = {Direction::kMaximize};
  Study study = Study::CreateOrLoad(OpenStorage("memory"), options, nullptr,
                                    std::make_unique<AfterFirstEpochPruner>());
  OptimizeOptions run;
  run.target_trials = 1;
  const OptimizeSummary s = study.Run([&](Trial& t) { return training.Run(t); }, run);
  ASSERT_EQ(s.pruned, 1) << s.FullReport();
  const FrozenTrial t = study.Trials().front();
  EXPECT_EQ(t.state, TrialState::kPruned);
  EXPECT_EQ(t.reason, "pruned after epoch 1");
  ASSERT_EQ(t.intermediate.size(), 1u);
  EXPECT_EQ(t.intermediate.begin()->first, 1);
}

TEST(TorchObjectiveTest, RefusesMistakesBeforeAnyTrialRuns) {
  const Json objective = ParseYaml(kObjective, "o");
  EXPECT_THAT([&] { TorchObjective(objective, Space(), {Direction::kMinimize}); },
              ::testing::ThrowsMessage<InvalidArgument>(HasSubstr("set `direction: maximize`")));
  Json typo = objective;
  typo["epoch"] = 3;
  EXPECT_THAT([&] { TorchObjective(typo, Space(), {Direction::kMaximize}); },
              ::testing::ThrowsMessage<InvalidArgument>(HasSubstr("unknown key 'epoch'")));
  Json unknown = objective;
  unknown["optimizer"]["lr"] = "{rate}";
  EXPECT_THAT([&] { TorchObjective(unknown, Space(), {Direction::kMaximize}); },
              ::testing::ThrowsMessage<InvalidArgument>(HasSubstr("{rate}")));
  Json test_metric = objective;
  test_metric["metric"] = "test_accuracy";
  EXPECT_THROW(TorchObjective(test_metric, Space(), {Direction::kMaximize}), InvalidArgument);
  EXPECT_THROW(TorchObjective(objective, Space(), {Direction::kMaximize, Direction::kMinimize}),
               InvalidArgument);
}

// A network trained in two chunks as the econas sampler directs (level 1, then level 2
// continuing it from its checkpoint) ends exactly where one two-epoch trial does.
TEST(TorchObjectiveTest, AContinuedNetworkEndsWhereOneRunDoes) {
  testing::TempDir dir;
  Json objective = ParseYaml(kObjective, "o");
  objective["models_dir"] = dir.File("models");
  objective["keep_models"] = "none";
  objective["threads"] = 1;
  TorchObjective training(objective, Space(), {Direction::kMaximize});
  Study study = NewStudy("chunks");
  const ParamMap params = {{"width", ParamValue(int64_t{4})}, {"lr", ParamValue(0.005)}};

  const auto run = [&](const Json& directive) {
    study.Enqueue(params);
    Trial trial = study.Ask();
    if (!directive.is_null()) study.storage().SetTrialSystemAttr(trial.id(), "econas", directive);
    const TrialOutcome outcome = training.Run(trial);
    study.Tell(trial, outcome);
    return study.storage().GetTrial(trial.id());
  };
  const FrozenTrial first =
      run({{"level", 1}, {"levels", 2}, {"continues", nullptr}, {"iteration", 0}});
  ASSERT_EQ(first.state, TrialState::kComplete) << first.reason;
  EXPECT_EQ(first.intermediate.size(), 1u);
  ASSERT_TRUE(first.system_attrs.contains("checkpoint"));
  EXPECT_TRUE(std::filesystem::exists(first.system_attrs.at("checkpoint").get<std::string>()));

  const FrozenTrial second =
      run({{"level", 2}, {"levels", 2}, {"continues", first.number}, {"iteration", 0}});
  ASSERT_EQ(second.state, TrialState::kComplete) << second.reason;
  // Epochs count from the network's start; the last level keeps no checkpoint.
  ASSERT_EQ(second.intermediate.size(), 1u);
  EXPECT_EQ(second.intermediate.begin()->first, 2);
  EXPECT_FALSE(second.system_attrs.contains("checkpoint"));
  EXPECT_EQ(second.system_attrs.at("training_config").at("seed"), first.seed);

  // One run of both epochs with the first trial's seed.
  Json straight_objective = objective;
  straight_objective["seed"] = first.seed;
  TorchObjective straight(straight_objective, Space(), {Direction::kMaximize});
  study.Enqueue(params);
  Trial trial = study.Ask();
  const TrialOutcome outcome = straight.Run(trial);
  study.Tell(trial, outcome);
  const FrozenTrial whole = study.storage().GetTrial(trial.id());
  EXPECT_EQ(whole.value(), second.value());
  EXPECT_EQ(whole.intermediate.at(2), second.intermediate.at(2));
  EXPECT_EQ(whole.intermediate.at(1), first.intermediate.at(1));

  // A continuation whose parent left no checkpoint fails with the reason.
  const FrozenTrial orphan =
      run({{"level", 2}, {"levels", 2}, {"continues", second.number}, {"iteration", 0}});
  EXPECT_EQ(orphan.state, TrialState::kFailed);
  EXPECT_THAT(orphan.reason, HasSubstr("left no checkpoint"));
}

// max_params binds the network at the full setting: a proxy with fewer channels does not slip a
// larger network under the budget.
TEST(TorchObjectiveTest, MaxParamsFailsLargerNetworksBeforeTraining) {
  Json objective = ParseYaml(kObjective, "o");
  objective["keep_models"] = "none";
  objective["proxy"] = Json{{"channels", 0.5}, {"epochs", 1}};
  const auto run = [&](int64_t width, int64_t cap) {
    objective["max_params"] = cap;
    TorchObjective training(objective, Space(), {Direction::kMaximize});
    Study study = NewStudy("cap");
    study.Enqueue({{"width", ParamValue(width)}, {"lr", ParamValue(0.005)}});
    Trial trial = study.Ask();
    study.Tell(trial, training.Run(trial));
    return study.GetTrial(0);
  };
  const FrozenTrial small = run(4, 1000000);
  ASSERT_EQ(small.state, TrialState::kComplete) << small.reason;
  const int64_t params = small.system_attrs.at("full_params").get<int64_t>();
  EXPECT_GT(params, 0);
  EXPECT_GT(params, small.system_attrs.at("training").at("params").get<int64_t>())
      << "counted at the full setting, not the proxy's half width";

  const FrozenTrial over = run(4, params - 1);
  EXPECT_EQ(over.state, TrialState::kFailed);
  EXPECT_THAT(over.reason, HasSubstr("above max_params"));
  EXPECT_FALSE(over.system_attrs.contains("training")) << "nothing was trained";
  EXPECT_EQ(run(4, params).state, TrialState::kComplete);

  objective["max_params"] = 0;
  EXPECT_THROW(TorchObjective(objective, Space(), {Direction::kMaximize}), InvalidArgument);
}

}  // namespace
}  // namespace automl::dl
