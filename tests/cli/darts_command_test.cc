// automl nas darts / hmnas on a tiny search network and a small slice of Fashion-MNIST: every
// epoch is a trial, the genotype is written and trains with `automl train`, a second run resumes
// from the checkpoint, and bad configs are refused with one line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
data: {fraction: 0.02, resolution: 8, validation_size: 200}
darts: {filters: 2, layers: 3, nodes: 2, epochs: 2, batch_size: 32}
hmnas: {filters: 2, layers: 3, nodes: 2, epochs: 1, mask_epochs: 1, finetune_epochs: 1,
        batch_size: 32}
threads: 1
models_dir: models
)";

constexpr const char* kTrain = R"(
task: fashion-mnist
data: {fraction: 0.02, resolution: 8, validation_size: 200}
model: {nasnet: {genotype: models/tiny.darts/genotype.json, cells: 1, filters: 4, stages: 3}}
epochs: 1
batch_size: 64
threads: 1
)";

class DartsCommandTest : public TorchCliTest {};

TEST_F(DartsCommandTest, RecordsEachEpochWritesATrainableGenotypeAndResumes) {
  WriteFile(dir_.File("c.yaml"), kConfig);
  const std::string storage = "sqlite:///" + dir_.File("s.db");
  const CliResult first = Cli({"nas", "darts", "c.yaml", "--storage", storage, "--json", "r.json"});
  ASSERT_EQ(first.code, 0) << first.err;
  const Json genotype = ReadJson(dir_.File("models/tiny.darts/genotype.json"));
  ASSERT_TRUE(genotype.is_object());
  EXPECT_EQ(Json::parse(first.out), genotype);
  EXPECT_EQ(genotype.at("normal").at("output"), "all");
  EXPECT_EQ(ReadJson(dir_.File("r.json")).at("genotype"), genotype);

  const std::vector<FrozenTrial> trials = Study::Load(OpenStorage(storage), "tiny.darts").Trials();
  ASSERT_EQ(trials.size(), 2u);
  for (size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].state, TrialState::kComplete);
    EXPECT_EQ(trials[i].params.at("epoch").AsInt(), static_cast<int64_t>(i));
    EXPECT_EQ(trials[i].value(), trials[i].user_attrs.at("val_accuracy").get<double>());
    EXPECT_EQ(trials[i].user_attrs.at("phase"), "search");
    EXPECT_TRUE(trials[i].user_attrs.at("architecture").at("alphas").contains("normal"));
  }
  EXPECT_EQ(trials[1].user_attrs.at("architecture").at("genotype"), genotype);

  // The genotype trains as any NASNet cell pair.
  WriteFile(dir_.File("t.yaml"), kTrain);
  const CliResult train = Cli({"train", "t.yaml"});
  EXPECT_EQ(train.code, 0) << train.err;

  // Again: nothing to train. Into another storage: the epochs come from the checkpoint.
  const CliResult again = Cli({"nas", "darts", "c.yaml", "--storage", storage});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_THAT(again.err, HasSubstr("resumed after epoch 2 of 2"));
  EXPECT_EQ(Study::Load(OpenStorage(storage), "tiny.darts").Trials().size(), 2u);
  const std::string other = "sqlite:///" + dir_.File("other.db");
  ASSERT_EQ(Cli({"nas", "darts", "c.yaml", "--storage", other}).code, 0);
  const std::vector<FrozenTrial> copied = Study::Load(OpenStorage(other), "tiny.darts").Trials();
  ASSERT_EQ(copied.size(), 2u);
  EXPECT_EQ(copied[1].user_attrs.at("architecture"), trials[1].user_attrs.at("architecture"));
}

TEST_F(DartsCommandTest, HmnasRecordsItsPhasesAndReportsTheFineTunedSubNetwork) {
  WriteFile(dir_.File("c.yaml"), kConfig);
  const std::string storage = "sqlite:///" + dir_.File("s.db");
  const CliResult run =
      Cli({"nas", "hmnas", "c.yaml", "--storage", storage, "--json", "h.json", "--seed", "3"});
  ASSERT_EQ(run.code, 0) << run.err;
  const Json result = ReadJson(dir_.File("h.json"));
  EXPECT_EQ(result.at("genotype").at("type"), "masked-cell");
  EXPECT_GT(result.at("test_accuracy").get<double>(), 0.0);
  EXPECT_TRUE(result.at("edge_weights").contains("normal"));
  const std::vector<FrozenTrial> trials = Study::Load(OpenStorage(storage), "tiny.hmnas").Trials();
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].user_attrs.at("phase"), "search");
  EXPECT_EQ(trials[1].user_attrs.at("phase"), "mask");
  EXPECT_EQ(trials[2].user_attrs.at("phase"), "finetune");
}

TEST_F(DartsCommandTest, RefusesBadConfigsWithOneLine) {
  WriteFile(dir_.File("bad.yaml"), "name: x\ndarts: {order: 3}\n");
  const CliResult bad = Cli({"nas", "darts", "bad.yaml"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("order must be 1 or 2, not 3"));
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1);
  WriteFile(dir_.File("none.yaml"), "name: x\ndarts: {}\n");
  const CliResult missing = Cli({"nas", "hmnas", "none.yaml"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_THAT(missing.err, HasSubstr("hmnas: missing"));
  WriteFile(dir_.File("key.yaml"), "name: x\nhmnas: {mask_epoch: 2}\n");
  EXPECT_THAT(Cli({"nas", "hmnas", "key.yaml"}).err, HasSubstr("mask_epoch"));
}

}  // namespace
}  // namespace automl::testing
