// The chain supernet: a path runs the very modules of its stand-alone network.
#include "automl/dl/supernet.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "automl/config_file.h"
#include "automl/error.h"
#include "automl/random.h"

namespace automl::dl {
namespace {

using ::testing::HasSubstr;

nas::ChainSpaceOptions SmallSpace() {
  return nas::ChainSpaceOptions::FromJson(ParseYaml(R"(
type: chain
stem: 4
stages: [{layers: 2, width: 8, stride: 1}, {layers: 2, width: 12, stride: 2}]
)",
                                                    "space"));
}

std::vector<int64_t> RandomPath(const ChainSupernet& net, Rng& rng) {
  std::vector<int64_t> path;
  for (const auto& choices : net->layer_choices())
    path.push_back(int64_t(rng.Below(choices.size())));
  return path;
}

TEST(ChainSupernetTest, APathAndItsStandAloneNetworkGiveTheSameOutputWithTheSameWeights) {
  torch::manual_seed(0);
  ChainSupernet supernet(SmallSpace(), Json::object(), std::vector<int64_t>{1, 10, 10}, 10);
  Rng rng(1);
  // Move the shared batchnorm statistics away from their initial values, as training does.
  {
    torch::NoGradGuard no_grad;
    supernet->train();
    for (int i = 0; i < 5; ++i)
      supernet->forward(torch::randn({8, 1, 10, 10}), RandomPath(supernet, rng));
  }
  supernet->eval();
  const torch::Tensor x = torch::randn({4, 1, 10, 10});
  for (int trial = 0; trial < 8; ++trial) {
    const std::vector<int64_t> path = RandomPath(supernet, rng);
    Net alone = supernet->ExtractNet(path);
    alone->eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor a = supernet->forward(x, path);
    const torch::Tensor b = alone->forward(x);
    EXPECT_TRUE(torch::equal(a, b))
        << "path " << trial << ": max difference " << (a - b).abs().max().item<double>();
    EXPECT_EQ(supernet->PathParams(path), alone->summary().params);
    EXPECT_EQ(supernet->PathFlops(path), alone->summary().flops);
    int64_t counted = 0;
    for (const torch::Tensor& p : supernet->PathParameters(path)) counted += p.numel();
    EXPECT_EQ(counted, CountParameters(*alone));
  }
}

TEST(ChainSupernetTest, EveryChoiceHoldsItsOwnWeights) {
  ChainSupernet supernet(SmallSpace(), Json::object(), std::vector<int64_t>{1, 10, 10}, 10);
  // Layer 1 offers all seven default choices; skip holds none.
  std::vector<int64_t> a(4, 0), b(4, 0);
  b[1] = 1;
  const auto pa = supernet->PathParameters(a), pb = supernet->PathParameters(b);
  ASSERT_EQ(pa.size(), pb.size());
  bool shared_all = true;
  for (size_t i = 0; i < pa.size(); ++i) shared_all = shared_all && pa[i].is_same(pb[i]);
  EXPECT_FALSE(shared_all);
  EXPECT_TRUE(pa.front().is_same(pb.front())) << "the stem is shared";
}

TEST(ChainSupernetTest, DilationsOfOneBlockShareItsWeightsAndEachRunsAsItsStandAloneNetwork) {
  torch::manual_seed(3);
  const nas::ChainSpaceOptions space = nas::ChainSpaceOptions::FromJson(ParseYaml(R"(
type: chain
stem: 4
choices: [mb3_k3, mb3_k3_d2, mb3_k3_d3, skip]
stages: [{layers: 2, width: 8, stride: 1}, {layers: 2, width: 12, stride: 2}]
)",
                                                                                  "space"));
  ChainSupernet supernet(space, Json::object(), std::vector<int64_t>{1, 12, 12}, 10);
  const std::vector<int64_t> d1 = {0, 0, 0, 0}, d2 = {1, 1, 1, 1}, d3 = {2, 2, 2, 2};
  const auto p1 = supernet->PathParameters(d1), p3 = supernet->PathParameters(d3);
  ASSERT_EQ(p1.size(), p3.size());
  for (size_t i = 0; i < p1.size(); ++i) EXPECT_TRUE(p1[i].is_same(p3[i])) << "parameter " << i;
  // One set of weights per block, not three.
  const ChainSupernet single(nas::ChainSpaceOptions::FromJson(ParseYaml(R"(
type: chain
stem: 4
choices: [mb3_k3, skip]
stages: [{layers: 2, width: 8, stride: 1}, {layers: 2, width: 12, stride: 2}]
)",
                                                                        "space")),
                             Json::object(), std::vector<int64_t>{1, 12, 12}, 10);
  EXPECT_EQ(CountParameters(*supernet), CountParameters(*single));
  supernet->eval();
  const torch::Tensor x = torch::randn({3, 1, 12, 12});
  torch::NoGradGuard no_grad;
  const torch::Tensor y1 = supernet->forward(x, d1);
  // Each dilation, in any order, gives its stand-alone network's output: switching dilations
  // leaves nothing behind.
  for (const auto& path : {d3, d2, std::vector<int64_t>{2, 0, 1, 3}, d1}) {
    Net alone = supernet->ExtractNet(path);
    alone->eval();
    const torch::Tensor a = supernet->forward(x, path);
    EXPECT_TRUE(torch::equal(a, alone->forward(x)));
  }
  EXPECT_TRUE(torch::equal(supernet->forward(x, d1), y1));
  EXPECT_FALSE(torch::equal(supernet->forward(x, d3), y1)) << "the dilation changes the output";
}

TEST(ChainSupernetTest, RecalibrationSetsTheStatisticsOfThePathFromTrainingBatches) {
  ChainSupernet supernet(SmallSpace(), Json::object(), std::vector<int64_t>{1, 10, 10}, 10);
  const std::vector<int64_t> path(4, 0);
  const torch::Tensor x = torch::randn({16, 1, 10, 10}) * 3 + 1;
  bool given = false;
  supernet->RecalibrateBatchNorm(path, [&](torch::Tensor* batch) {
    if (given) return false;
    *batch = x;
    given = true;
    return true;
  });
  EXPECT_FALSE(supernet->is_training());
  // The stem's batchnorm now holds the mean of the stem convolution's output over that batch.
  auto stem = supernet->stem();
  torch::nn::Conv2dImpl* conv = nullptr;
  torch::Tensor running;
  for (const auto& m : stem->modules(false)) {
    if (auto* c = m->as<torch::nn::Conv2d>()) conv = c;
    if (auto* bn = m->as<torch::nn::BatchNorm2d>()) running = bn->running_mean;
  }
  ASSERT_NE(conv, nullptr);
  torch::NoGradGuard no_grad;
  const torch::Tensor expected = conv->forward(x).mean({0, 2, 3});
  ASSERT_TRUE(running.defined());
  EXPECT_TRUE(torch::allclose(running, expected, 1e-4, 1e-5));
}

TEST(ChainSupernetTest, RefusesPathsOutsideTheSpace) {
  ChainSupernet supernet(SmallSpace(), Json::object(), std::vector<int64_t>{1, 10, 10}, 10);
  try {
    supernet->forward(torch::zeros({1, 1, 10, 10}), {0, 0, 0});
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("a path needs 4 choices"));
  }
  try {
    supernet->forward(torch::zeros({1, 1, 10, 10}), {0, 7, 0, 0});
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("layer 1 has choices 0..6, not 7"));
  }
}

}  // namespace
}  // namespace automl::dl
