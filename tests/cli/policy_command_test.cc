// automl policy augment / loss on a small slice of Fashion-MNIST: every round is a trial, the
// learned policy and the final model are written, `automl train` trains with what was learned,
// and bad configs are refused with one line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "automl/storage.h"
#include "automl/study.h"
#include "testing/cli.h"
#include "testing/temp_dir.h"
#include "testing/torch_cli_test.h"

namespace automl::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kConfig = R"(
name: tiny
task: fashion-mnist
data: {fraction: 0.02, resolution: 14, validation_size: 300, label_noise: 0.2}
model: {cnn: {depth: 1, width: 4, fc: 16}}
optimizer: {name: sgd, lr: 0.05, momentum: 0.9}
epochs: 2
batch_size: 64
threads: 1
augment: {crop: 1}
ohl: {copies: 2, sub_policies: 2, top: 2, ops: [rotate, invert, cutout], magnitudes: [0.5]}
amlfs: {copies: 2, intervals: 3}
models_dir: models
)";

constexpr const char* kTrain = R"(
task: fashion-mnist
data: {fraction: 0.02, resolution: 14, validation_size: 300}
model: {cnn: {depth: 1, width: 4, fc: 16}}
epochs: 1
batch_size: 64
threads: 1
augment: {policy: models/tiny.ohl/policy.json}
loss: models/tiny.amlfs/loss.json
)";

class PolicyCommandTest : public TorchCliTest {};

TEST_F(PolicyCommandTest, BothSearchesRecordTheirRoundsAndWriteWhatTrainReads) {
  WriteFile(dir_.File("c.yaml"), kConfig);
  const std::string storage = "sqlite:///" + dir_.File("s.db");
  const CliResult ohl =
      Cli({"policy", "augment", "c.yaml", "--storage", storage, "--json", "ohl.json"});
  ASSERT_EQ(ohl.code, 0) << ohl.err;
  const Json policy = ReadJson(dir_.File("models/tiny.ohl/policy.json"));
  EXPECT_EQ(policy.at("type"), "augment-policy");
  EXPECT_EQ(policy.at("sub_policies").size(), 2u);
  EXPECT_EQ(Json::parse(ohl.out), policy);
  const Json result = ReadJson(dir_.File("ohl.json"));
  EXPECT_GT(result.at("final_model").at("test_accuracy").get<double>(), 0.0);
  const std::vector<FrozenTrial> trunks = Study::Load(OpenStorage(storage), "tiny.ohl").Trials();
  ASSERT_EQ(trunks.size(), 2u);
  for (size_t i = 0; i < trunks.size(); ++i) {
    EXPECT_EQ(trunks[i].state, TrialState::kComplete);
    EXPECT_EQ(trunks[i].params.at("round").AsInt(), static_cast<int64_t>(i));
    EXPECT_EQ(trunks[i].user_attrs.at("copies").size(), 2u);
    EXPECT_TRUE(trunks[i].user_attrs.contains("entropy"));
  }
  // The same study again is refused, not resumed.
  const CliResult again = Cli({"policy", "augment", "c.yaml", "--storage", storage});
  EXPECT_EQ(again.code, 1);
  EXPECT_THAT(again.err, HasSubstr("already holds a run"));

  const CliResult loss = Cli({"policy", "loss", "c.yaml", "--storage", storage});
  ASSERT_EQ(loss.code, 0) << loss.err;
  const Json learned = ReadJson(dir_.File("models/tiny.amlfs/loss.json"));
  EXPECT_EQ(learned.at("piecewise").at("a").size(), 3u);
  EXPECT_EQ(Study::Load(OpenStorage(storage), "tiny.amlfs").Trials().size(), 2u);

  // Both train with `automl train`, and the final models evaluate.
  WriteFile(dir_.File("t.yaml"), kTrain);
  const CliResult train = Cli({"train", "t.yaml"});
  EXPECT_EQ(train.code, 0) << train.err;
  const CliResult evaluate = Cli({"model", "evaluate", "models/tiny.ohl/model.pt"});
  EXPECT_EQ(evaluate.code, 0) << evaluate.err;
}

TEST_F(PolicyCommandTest, RefusesBadConfigsWithOneLine) {
  WriteFile(dir_.File("bad.yaml"), std::string(kConfig) + "\n");
  WriteFile(dir_.File("bad.yaml"),
            "task: fashion-mnist\nmodel: {cnn: {depth: 1}}\nohl: {copies: 1}\n");
  const CliResult bad = Cli({"policy", "augment", "bad.yaml"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("copies must be an integer >= 2"));
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1);
  WriteFile(dir_.File("key.yaml"),
            "task: fashion-mnist\nmodel: {cnn: {depth: 1}}\namlfs: {m: 2}\n");
  EXPECT_THAT(Cli({"policy", "loss", "key.yaml"}).err, HasSubstr("unknown key 'm'"));
  WriteFile(dir_.File("smooth.yaml"),
            "task: fashion-mnist\nmodel: {cnn: {depth: 1}}\nlabel_smoothing: 0.1\n"
            "loss: {piecewise: {a: [1], b: [0]}}\n");
  const CliResult smooth = Cli({"train", "smooth.yaml"});
  EXPECT_EQ(smooth.code, 2);
  EXPECT_THAT(smooth.err, HasSubstr("cross-entropy only"));
}

}  // namespace
}  // namespace automl::testing
