// Supernet training with each path sampler, on a small slice of Fashion-MNIST.
#include "automl/dl/supernet_trainer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "automl/config_file.h"
#include "automl/error.h"
#include "testing/temp_dir.h"

namespace automl::dl {
namespace {

using ::testing::HasSubstr;

constexpr const char* kRecipe = R"(
task: fashion-mnist
data: {fraction: 0.03, resolution: 8, validation_size: 500}
model: {chain: {arch: {stem: 4, stages: [{width: 4, stride: 1, ops: [mb1_k3, mb1_k3]}, {width: 8, stride: 2, ops: [mb1_k3, mb1_k3]}]}}}
optimizer: {name: sgd, lr: 0.2, momentum: 0.9, weight_decay: 0.0001}
schedule: cosine
batch_size: 64
threads: 1
seed: 5
)";

nas::ChainSpaceOptions Space() {
  return nas::ChainSpaceOptions::FromJson(ParseYaml(R"(
type: chain
choices: [mb1_k3, mb3_k3, mb3_k5, skip]
stem: 4
stages: [{layers: 2, width: 4, stride: 1}, {layers: 2, width: 8, stride: 2}]
)",
                                                    "space"));
}

TrainConfig Recipe() { return TrainConfig::FromJson(ParseYaml(kRecipe, "recipe"), "recipe"); }

const DataSplits& Data() {
  static const std::unique_ptr<DataSplits> data = [] {
    const TrainConfig c = Recipe();
    return std::make_unique<DataSplits>(LoadData(c.task, c.data));
  }();
  return *data;
}

SupernetOptions Options(const std::string& yaml) {
  return SupernetOptions::FromJson(ParseYaml(yaml, "supernet"));
}

std::vector<torch::Tensor> Weights(SupernetTrainer& t) {
  std::vector<torch::Tensor> out;
  for (const torch::Tensor& p : t.supernet()->parameters()) out.push_back(p.detach().clone());
  return out;
}

TEST(SupernetTrainerTest, UniformTrainingLearnsAndAPathBeatsChance) {
  SupernetTrainer trainer(Recipe(), Space(), Options("{sampler: uniform, epochs: 3}"), Data());
  const std::vector<torch::Tensor> before = Weights(trainer);
  trainer.Train();
  ASSERT_EQ(trainer.history().size(), 3u);
  EXPECT_LT(trainer.history()[2].train_loss, trainer.history()[0].train_loss);
  EXPECT_EQ(trainer.history()[0].paths_scored, 0);
  const std::vector<torch::Tensor> after = Weights(trainer);
  int64_t changed = 0;
  for (size_t i = 0; i < before.size(); ++i) changed += !torch::equal(before[i], after[i]);
  EXPECT_GT(changed, 0);
  const Evaluation e = trainer.EvaluatePath({0, 0, 0, 0}, Data().validation);
  EXPECT_EQ(e.examples, 500);
  EXPECT_GT(e.accuracy, 0.2) << "better than chance (0.1) after three epochs";
}

TEST(SupernetTrainerTest, GreedyFillsItsPoolAndReportsTurnover) {
  SupernetTrainer trainer(
      Recipe(), Space(),
      Options("{sampler: greedy, epochs: 2, score_examples: 100, greedy: {num_sampled: 4, "
              "num_kept: 2, pool_size: 10}}"),
      Data());
  trainer.Train();
  ASSERT_EQ(trainer.history().size(), 2u);
  for (const SupernetEpoch& e : trainer.history()) {
    ASSERT_TRUE(e.pool_turnover.has_value());
    EXPECT_GT(e.paths_scored, 0);
    EXPECT_GT(e.score_seconds, 0);
  }
  EXPECT_GT(*trainer.history()[0].pool_turnover, 0);
  const auto pool = trainer.CandidatePaths();
  EXPECT_EQ(pool.size(), 10u);
  // 4 proposals scored for every 2 paths trained; the epoch's last pair may be cut short.
  const int64_t steps = (Data().train.size() + 63) / 64;
  EXPECT_EQ(trainer.history()[0].paths_scored, 4 * ((steps + 1) / 2));
}

TEST(SupernetTrainerTest, PcnasGrowsItsPoolToWholePathsByTheEnd) {
  SupernetTrainer trainer(Recipe(), Space(),
                          Options("{sampler: pcnas, epochs: 2, warmup: 0.5, score_examples: 100, "
                                  "pcnas: {pool_size: 2, completions: 2}}"),
                          Data());
  trainer.Train();
  ASSERT_EQ(trainer.history().size(), 2u);
  EXPECT_EQ(trainer.history()[0].fixed_layers, 0) << "the first epoch is the warm-up";
  EXPECT_EQ(trainer.history()[1].fixed_layers, 4);
  const auto pool = trainer.CandidatePaths();
  ASSERT_EQ(pool.size(), 2u);
  EXPECT_EQ(pool[0].size(), 4u);
  EXPECT_NE(pool[0], pool[1]);
}

TEST(SupernetTrainerTest, AContinuedRunEqualsOneThatNeverStopped) {
  const testing::TempDir dir;
  const std::string file = (dir.path() / "supernet.pt").string();
  const SupernetOptions options = Options(
      "{sampler: greedy, epochs: 2, score_examples: 50, greedy: {num_sampled: 3, "
      "num_kept: 1}}");
  SupernetTrainer straight(Recipe(), Space(), options, Data());
  straight.Train();
  {
    SupernetTrainer first(Recipe(), Space(), options, Data());
    first.Train([&](const SupernetEpoch&) {
      first.Save(file);
      return false;  // stop after one epoch
    });
    EXPECT_EQ(first.epochs_done(), 1);
  }
  SupernetTrainer second(Recipe(), Space(), options, Data());
  second.Load(file);
  second.Train();
  const auto a = Weights(straight), b = Weights(second);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "tensor " << i;
  EXPECT_EQ(straight.CandidatePaths(), second.CandidatePaths());

  SupernetTrainer other(Recipe(), Space(), Options("{sampler: uniform, epochs: 2}"), Data());
  try {
    other.Load(file);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("another space, sampler or recipe"));
  }
}

TEST(SupernetTrainerTest, OptionsAreCheckedNamingTheKey) {
  auto refuse = [](const std::string& yaml, const std::string& what) {
    try {
      Options(yaml);
      ADD_FAILURE() << yaml;
    } catch (const InvalidArgument& e) {
      EXPECT_THAT(e.what(), HasSubstr(what)) << yaml;
    }
  };
  refuse("{sampler: fair}", "sampler must be one of uniform, greedy, pcnas");
  refuse("{sampler: uniform, greedy: {num_kept: 2}}", "options for greedy given");
  refuse("{sampler: greedy, greedy: {num_kept: 20}}", "num_kept");
  refuse("{epochs: 0}", "epochs must be an integer of at least 1");
  refuse("{warmup: 1.0}", "warmup must be a fraction");
  refuse("{colour: red}", "colour");
}

}  // namespace
}  // namespace automl::dl
