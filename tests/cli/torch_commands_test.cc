// automl train, automl model export/evaluate, and automl run with in-process training.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/cli.h"
#include "testing/temp_dir.h"

namespace automl::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kTrain = R"(
task: fashion-mnist
data: {fraction: 0.02, resolution: 14}
model: {cnn: {depth: 1, width: 8, fc: 0, dropout: 0}}
optimizer: {name: adam, lr: 0.003}
epochs: 1
threads: 2
seed: 0
)";

class TorchCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const CliResult probe = RunCli({"train", "/nonexistent.yaml"});
    if (probe.err.find("without LibTorch") != std::string::npos) {
      GTEST_SKIP() << "this automl was built without LibTorch";
    }
  }
  CliResult Cli(std::vector<std::string> args) { return RunCli(args, dir_.path().string()); }
  TempDir dir_;
};

TEST_F(TorchCommandsTest, TrainPrintsOneJsonObjectAndWritesAModelThatEvaluatesTheSame) {
  WriteFile(dir_.File("t.yaml"), kTrain);
  const CliResult r = Cli({"train", "t.yaml", "--json", "--out", "m.pt"});
  ASSERT_EQ(r.code, 0) << r.err;
  const Json j = r.json();
  for (const char* key : {"val_accuracy", "test_accuracy", "images_per_sec", "params", "flops",
                          "seconds", "config"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_GT(j["val_accuracy"].get<double>(), 0.3);
  EXPECT_THAT(r.err, HasSubstr("epoch 1/1: train loss"));

  const CliResult e = Cli({"model", "evaluate", "m.pt", "--json"});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(e.json()["test_accuracy"], j["test_accuracy"]);
  EXPECT_EQ(e.json()["params"], j["params"]);
}

// `automl train` trains the full setting of a config with a proxy, and the proxy with --proxy.
TEST_F(TorchCommandsTest, TrainUsesTheFullSettingUnlessAskedForTheProxy) {
  WriteFile(dir_.File("p.yaml"),
            std::string(kTrain) + "proxy: {channels: 0.5, resolution: 0.5, epochs: 2}\n");
  const CliResult full = Cli({"train", "p.yaml", "--json"});
  ASSERT_EQ(full.code, 0) << full.err;
  EXPECT_THAT(full.err, HasSubstr("training the full setting"));
  EXPECT_EQ(full.json()["config"]["epochs"], 1);
  EXPECT_EQ(full.json()["config"]["model"]["cnn"]["width"], 8);
  EXPECT_FALSE(full.json()["config"].contains("proxy"));

  const CliResult proxy = Cli({"train", "p.yaml", "--json", "--proxy"});
  ASSERT_EQ(proxy.code, 0) << proxy.err;
  EXPECT_THAT(proxy.err, HasSubstr("epoch 2/2"));
  EXPECT_EQ(proxy.json()["config"]["epochs"], 2);
  EXPECT_EQ(proxy.json()["config"]["model"]["cnn"]["width"], 4);
  EXPECT_EQ(proxy.json()["config"]["data"]["resolution"], 7);
  EXPECT_LT(proxy.json()["params"].get<int64_t>(), full.json()["params"].get<int64_t>());

  WriteFile(dir_.File("t.yaml"), kTrain);
  const CliResult none = Cli({"train", "t.yaml", "--proxy"});
  EXPECT_EQ(none.code, 2);
  EXPECT_THAT(none.err, HasSubstr("--proxy needs a `proxy:` setting"));
}

TEST_F(TorchCommandsTest, BadConfigsAndMissingDataAreOneLineErrors) {
  WriteFile(dir_.File("bad.yaml"), std::string(kTrain) + "augment: {crop: -1}\n");
  CliResult r = Cli({"train", "bad.yaml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  WriteFile(dir_.File("model.yaml"),
            "task: fashion-mnist\nmodel: {layers: [{linear: 10}]}\nepochs: 1\n");
  r = Cli({"train", "model.yaml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("flatten"));
  WriteFile(dir_.File("t.yaml"), kTrain);
  r = Cli({"train", "t.yaml", "--data", "/nonexistent/fashion-mnist"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/fashion-mnist"));
  r = Cli({"model", "evaluate", "missing.pt"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("no such file"));
}

TEST_F(TorchCommandsTest, AStudyTrainsInProcessAndExportsItsBestModel) {
  WriteFile(dir_.File("s.yaml"), R"(
study: fm
direction: maximize
trials: 2
seed: 1
space:
  width: {type: ordinal, choices: [4, 8]}
  lr: {type: float, low: 1.0e-3, high: 1.0e-2, log: true}
objective:
  task: fashion-mnist
  data: {fraction: 0.02, resolution: 14}
  model: {cnn: {depth: 1, width: "{width}", fc: 0, dropout: 0}}
  optimizer: {name: adam, lr: "{lr}"}
  epochs: 1
  threads: 2
)");
  CliResult r = Cli({"run", "s.yaml", "--progress", "lines"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("trial 1 COMPLETE"));
  r = Cli({"model", "export", "fm", "--out", "best.pt"});
  ASSERT_EQ(r.code, 0) << r.err;
  const CliResult e = Cli({"model", "evaluate", "best.pt", "--json"});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_GT(e.json()["test_accuracy"].get<double>(), 0.3);
  const Json best = Cli({"best", "fm", "--json"}).json();
  EXPECT_GT(best["value"].get<double>(), 0.3);
}

}  // namespace
}  // namespace automl::testing
