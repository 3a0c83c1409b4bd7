// The `model: {chain: ...}` family: architectures of a chain space as networks.
#include "dl/chain_family.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "automl/config_file.h"
#include "automl/dl/model.h"
#include "automl/error.h"

namespace automl::dl {
namespace {

using ::testing::HasSubstr;

Json Arch() {
  return ParseYaml(R"(
stem: 8
stages:
  - {width: 8, stride: 1, ops: [mb3_k3, skip]}
  - {width: 16, stride: 2, ops: [mb1_k5, mb6_k3]}
)",
                   "arch");
}

TEST(ChainFamilyTest, ExpandsToMobileNetV2BlocksWithResidualsWhereTheShapeStays) {
  const ModelSpec spec = ModelSpec::FromJson(Json{{"chain", {{"arch", Arch()}}}});
  const Json layers = spec.Layers(10);
  // stem, residual(mb3_k3), [skip: nothing], mb1_k5 inline (dw + project), residual(mb6_k3), head.
  ASSERT_EQ(layers.size(), 1u + 1u + 2u + 1u + 2u);
  EXPECT_EQ(layers[0].at("conv"), 8);
  EXPECT_EQ(layers[1].at("residual").size(), 3u);  // expand 24, dw, project 8
  EXPECT_EQ(layers[1].at("residual")[0].at("conv"), 24);
  EXPECT_EQ(layers[2].at("dwconv"), 5);  // expansion 1: no expansion conv
  EXPECT_EQ(layers[2].at("stride"), 2);
  EXPECT_EQ(layers[3].at("conv"), 16);
  EXPECT_FALSE(layers[3].contains("activation")) << "the projection is linear";
  EXPECT_EQ(layers[4].at("residual")[0].at("conv"), 96);
  EXPECT_EQ(layers[5].at("globalpool"), "avg");
  EXPECT_EQ(layers[6].at("linear"), 10);

  // Counted by Summarize as any layer list: the stem conv alone is 3*3*1*8 + batchnorm 16.
  const ModelSummary s = Summarize(spec, {1, 12, 12}, 10);
  EXPECT_EQ(s.layers[0].params, 3 * 3 * 8 + 16);
  Net net(spec, std::vector<int64_t>{1, 12, 12}, 10);
  EXPECT_EQ(CountParameters(*net), s.params);
  EXPECT_EQ(net->forward(torch::zeros({2, 1, 12, 12})).sizes(), torch::IntArrayRef({2, 10}));
}

TEST(ChainFamilyTest, ScalesTheStemAndEveryStageWidthForProxies) {
  const ModelSpec spec = ModelSpec::FromJson(Json{{"chain", {{"arch", Arch()}, {"head", 32}}}});
  const Json half = spec.ScaleChannels(0.5).ToJson().at("chain");
  EXPECT_EQ(half.at("arch").at("stem"), 4);
  EXPECT_EQ(half.at("arch").at("stages")[0].at("width"), 4);
  EXPECT_EQ(half.at("arch").at("stages")[1].at("width"), 8);
  EXPECT_EQ(half.at("head"), 16);
}

TEST(ChainFamilyTest, RefusesAMissingArchAndASkipThatWouldChangeTheShape) {
  try {
    ModelSpec::FromJson(Json{{"chain", Json::object()}});
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("model: chain: arch: missing"));
  }
  Json arch = Arch();
  arch["stages"][1]["ops"][0] = "skip";
  try {
    ModelSpec::FromJson(Json{{"chain", {{"arch", arch}}}});
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("model: chain: arch: stages[1].ops[0]"));
  }
  try {
    ModelSpec::FromJson(Json{{"chain", {{"arch", Arch()}, {"depth", 3}}}});
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown key 'depth'"));
  }
}

}  // namespace
}  // namespace automl::dl
