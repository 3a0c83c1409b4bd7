#include "automl/dl/proxy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "automl/config_file.h"
#include "automl/dl/model.h"
#include "automl/dl/trainer.h"
#include "automl/error.h"

namespace automl::dl {
namespace {

using ::testing::HasSubstr;

TEST(ProxyOptionsTest, ReadsWritesAndRefusesBadValues) {
  const ProxyOptions o =
      ProxyOptions::FromJson(Json{{"channels", 0.25}, {"resolution", 0.5}, {"epochs", 20}});
  EXPECT_EQ(o.channels, 0.25);
  EXPECT_EQ(o.resolution, 0.5);
  EXPECT_FALSE(o.fraction.has_value());
  EXPECT_EQ(o.epochs, 20);
  EXPECT_EQ(ProxyOptions::FromJson(o.ToJson()).ToJson(), o.ToJson());

  const std::pair<Json, std::string> bad[] = {
      {Json::object(), "at least one"},
      {Json{{"channels", 0}}, "channels must lie in (0, 1]"},
      {Json{{"channels", 2}}, "channels must lie in (0, 1]"},
      {Json{{"fraction", "half"}}, "fraction must lie in (0, 1]"},
      {Json{{"resolution", -0.5}}, "resolution must lie in (0, 1]"},
      {Json{{"epochs", 0}}, "epochs must be an integer >= 1"},
      {Json{{"epochs", 2.5}}, "epochs must be an integer >= 1"},
      {Json{{"chanels", 0.5}}, "unknown key 'chanels'"},
  };
  for (const auto& [json, message] : bad) {
    try {
      ProxyOptions::FromJson(json);
      ADD_FAILURE() << json.dump() << " was accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_THAT(e.what(), HasSubstr(message)) << json.dump();
    }
  }
}

ModelSpec Spec(const std::string& yaml) { return ModelSpec::FromJson(ParseYaml(yaml, "model")); }

TEST(ProxyChannelsTest, FamiliesScaleTheirWidths) {
  EXPECT_EQ(Spec("{cnn: {depth: 2, width: 32}}").ScaleChannels(0.25),
            Spec("{cnn: {depth: 2, width: 8, fc: 32}}"));
  // Defaults are scaled too: cnn width 32 and fc 128; fc 0 stays 0.
  EXPECT_EQ(Spec("{cnn: {fc: 0}}").ScaleChannels(0.5), Spec("{cnn: {width: 16, fc: 0}}"));
  EXPECT_EQ(Spec("{resnet: {stages: 2}}").ScaleChannels(0.5),
            Spec("{resnet: {stages: 2, width: 8}}"));
  EXPECT_EQ(Spec("{mlp: {hidden: [256, 100]}}").ScaleChannels(0.25),
            Spec("{mlp: {hidden: [64, 25]}}"));
  EXPECT_EQ(Spec("{mlp: {depth: 2}}").ScaleChannels(0.5), Spec("{mlp: {depth: 2, width: 128}}"));
  // At least one channel.
  EXPECT_EQ(Spec("{cnn: {width: 2, fc: 0}}").ScaleChannels(0.1), Spec("{cnn: {width: 1, fc: 0}}"));
  EXPECT_THROW(Spec("{cnn: {}}").ScaleChannels(0), InvalidArgument);
}

TEST(ProxyChannelsTest, LayerListsScaleEveryWidthButTheHead) {
  const ModelSpec spec = Spec(R"({layers: [
      {conv: 32, kernel: 3, batchnorm: true, activation: relu},
      {residual: [{conv: 32, kernel: 3}, {sepconv: 32, kernel: 3}]},
      {dwconv: 3},
      globalpool,
      {linear: 64, activation: relu},
      {linear: 10}]})");
  const ModelSpec expected = Spec(R"({layers: [
      {conv: 8, kernel: 3, batchnorm: true, activation: relu},
      {residual: [{conv: 8, kernel: 3}, {sepconv: 8, kernel: 3}]},
      {dwconv: 3},
      globalpool,
      {linear: 16, activation: relu},
      {linear: 10}]})");
  EXPECT_EQ(spec.ScaleChannels(0.25), expected);
  // The scaled network still builds and has fewer parameters.
  const ModelSummary full = Summarize(spec, {1, 14, 14}, 10);
  const ModelSummary small = Summarize(spec.ScaleChannels(0.25), {1, 14, 14}, 10);
  EXPECT_LT(small.params * 4, full.params);
}

constexpr const char* kConfig = R"(
task: fashion-mnist
data: {fraction: 0.5}
model: {cnn: {depth: 1, width: 16}}
steps: 100
proxy: {channels: 0.5, resolution: 0.5, fraction: 0.2, epochs: 3}
)";

TEST(ProxyTrainConfigTest, AtProxyScalesModelDataAndBudget) {
  const TrainConfig full = TrainConfig::FromJson(ParseYaml(kConfig, "c"));
  ASSERT_TRUE(full.proxy.has_value());
  // The config round-trips with its proxy.
  EXPECT_EQ(TrainConfig::FromJson(full.ToJson()).ToJson(), full.ToJson());

  const TrainConfig proxy = full.AtProxy();
  EXPECT_FALSE(proxy.proxy.has_value());
  EXPECT_EQ(proxy.model, Spec("{cnn: {depth: 1, width: 8, fc: 64}}"));
  EXPECT_EQ(proxy.data.resolution, 14);  // half of Fashion-MNIST's own 28
  EXPECT_DOUBLE_EQ(proxy.data.fraction, 0.1);
  EXPECT_EQ(proxy.epochs, 3);
  EXPECT_FALSE(proxy.steps.has_value());
  // Everything else is the full setting's.
  EXPECT_EQ(proxy.data.validation_size, full.data.validation_size);
  EXPECT_EQ(proxy.batch_size, full.batch_size);

  // A given resolution is the one scaled, and never below 4.
  Json json = ParseYaml(kConfig, "c");
  json["data"]["resolution"] = 20;
  json["proxy"] = Json{{"resolution", 0.1}};
  EXPECT_EQ(TrainConfig::FromJson(json).AtProxy().data.resolution, 4);

  // Without a proxy the config is its own.
  json.erase("proxy");
  EXPECT_EQ(TrainConfig::FromJson(json).AtProxy().ToJson(), TrainConfig::FromJson(json).ToJson());
}

TEST(ProxyTrainConfigTest, ResolutionIsRefusedForTables) {
  const TrainConfig csv = TrainConfig::FromJson(ParseYaml(R"(
task: csv
data: {path: /nonexistent.csv}
model: {mlp: {}}
proxy: {resolution: 0.5}
)",
                                                          "c"));
  try {
    csv.AtProxy();
    ADD_FAILURE() << "a resolution proxy was applied to csv";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("resolution applies to images"));
  }
}

}  // namespace
}  // namespace automl::dl
