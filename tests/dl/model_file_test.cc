#include "automl/dl/model_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "automl/config_file.h"
#include "automl/error.h"
#include "testing/temp_dir.h"

namespace automl::dl {
namespace {

using ::testing::HasSubstr;

constexpr const char* kConfig = R"(
task: fashion-mnist
data: {fraction: 0.03}
model:
  layers:
    - {conv: 8, kernel: 3, batchnorm: true, activation: relu}
    - {maxpool: 2}
    - {flatten: true}
    - {dropout: 0.2}
    - {linear: 10}
optimizer: {name: adam, lr: 0.003}
epochs: 1
threads: 2
seed: 1
)";

TEST(ModelFileTest, ExportAndEvaluateGiveTheSameAccuracy) {
  testing::TempDir dir;
  const TrainConfig config = TrainConfig::FromJson(ParseYaml(kConfig, "t"), "t");
  const DataSplits data = LoadData(config.task, config.data);
  Trainer trainer(config, data);
  const TrainResult result = trainer.Train();
  const std::string path = dir.File("m.pt");
  SaveModelFile(path, config, trainer.net(), data, result.ToJson());

  ModelFile loaded = LoadModelFile(path);
  EXPECT_EQ(loaded.config.ToJson(), config.ToJson());
  EXPECT_EQ(loaded.metrics.at("test_accuracy"), result.test_accuracy);
  EXPECT_FALSE(loaded.net->is_training());
  const Evaluation again = Evaluate(loaded.net, data.test, 1000, torch::kCPU);
  EXPECT_EQ(again.accuracy, result.test_accuracy);
  EXPECT_NEAR(again.loss, result.test_loss, 1e-9);
  EXPECT_EQ(loaded.mean, data.mean);
  EXPECT_EQ(loaded.stddev, data.stddev);
  // Data prepared with other statistics (another fraction of the training set) are brought back
  // to the model's, and then give the same result.
  TrainConfig other = config;
  other.data.fraction = 0.5;
  DataSplits reloaded = LoadData(other.task, other.data);
  ASSERT_NE(reloaded.mean, data.mean);
  MatchPreprocessing(loaded, reloaded);
  EXPECT_NEAR(Evaluate(loaded.net, reloaded.test, 1000, torch::kCPU).accuracy, result.test_accuracy,
              1e-3);
  // Batch-norm statistics travel with the parameters.
  const auto original = trainer.net()->named_buffers();
  const auto restored = loaded.net->named_buffers();
  ASSERT_EQ(original.size(), restored.size());
  for (const auto& b : original) EXPECT_TRUE(torch::equal(b.value(), *restored.find(b.key())));
}

TEST(ModelFileTest, RefusesWhatIsNotAModelFile) {
  testing::TempDir dir;
  try {
    LoadModelFile(dir.File("missing.pt"));
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("no such file"));
  }
  std::ofstream(dir.File("text.pt")) << "hello";
  try {
    LoadModelFile(dir.File("text.pt"));
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("is not an automl model file"));
  }
  // A LibTorch archive of something else.
  torch::serialize::OutputArchive other;
  other.write("weights", torch::ones({2}));
  other.save_to(dir.File("other.pt"));
  EXPECT_THROW(LoadModelFile(dir.File("other.pt")), InvalidArgument);
}

}  // namespace
}  // namespace automl::dl
