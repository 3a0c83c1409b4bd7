// The online policy searches on a small slice of Fashion-MNIST: broadcasting makes all copies
// equal, OHL and AM-LFS record every round, and their distributions move.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>

#include "automl/config_file.h"
#include "automl/dl/amlfs_search.h"
#include "automl/dl/ohl_search.h"
#include "automl/dl/trainer_population.h"
#include "automl/error.h"

namespace automl::dl {
namespace {

constexpr const char* kSmall = R"(
task: fashion-mnist
data: {fraction: 0.02, resolution: 14, validation_size: 500}
model: {cnn: {depth: 1, width: 4, fc: 16}}
optimizer: {name: sgd, lr: 0.05, momentum: 0.9}
epochs: 2
batch_size: 64
threads: 1
seed: 1
)";

TrainConfig Config() { return TrainConfig::FromJson(ParseYaml(kSmall, "t"), "t"); }

const DataSplits& Data() {
  static const auto data = std::make_unique<DataSplits>(LoadData("fashion-mnist", Config().data));
  return *data;
}

bool SameParameters(Trainer& a, Trainer& b) {
  const auto x = a.net()->parameters(), y = b.net()->parameters();
  for (size_t i = 0; i < x.size(); ++i) {
    if (!torch::equal(x[i], y[i])) return false;
  }
  return true;
}

TEST(OnlineSearchTest, BroadcastingMakesAllCopiesEqual) {
  TrainerPopulation population(Config(), Data(), 3);
  EXPECT_TRUE(SameParameters(population.copy(0), population.copy(2)));
  // Different losses make the copies differ.
  const auto rewards = population.TrainRound(
      1,
      [](int64_t k, Trainer& copy) {
        // An intercept changes the gradient (a slope alone on every interval only scales p).
        LossOptions loss = LossOptions::Identity(4);
        loss.b.assign(4, 0.1 * static_cast<double>(k));
        copy.set_loss(loss);
      },
      nullptr);
  ASSERT_TRUE(rewards);
  EXPECT_EQ(rewards->size(), 3u);
  EXPECT_FALSE(SameParameters(population.copy(0), population.copy(1)));
  population.Broadcast(1);
  for (int64_t k = 0; k < 3; ++k) {
    EXPECT_TRUE(SameParameters(population.copy(k), population.copy(1))) << k;
    EXPECT_EQ(population.copy(k).epochs_done(), 1);
  }
  // Equal in everything a continuation needs (optimizer state included): trained alike from
  // here, they stay equal.
  const auto next = population.TrainRound(
      1, [](int64_t, Trainer& copy) { copy.set_loss(LossOptions{}); }, nullptr);
  ASSERT_TRUE(next);
  EXPECT_EQ((*next)[0], (*next)[2]);
  EXPECT_TRUE(SameParameters(population.copy(0), population.copy(2)));
  EXPECT_THROW(TrainerPopulation(Config(), Data(), 1), InvalidArgument);
}

TEST(OnlineSearchTest, OhlLearnsItsDistributionOverTrunks) {
  OhlOptions options = OhlOptions::FromJson(
      ParseYaml("{copies: 2, sub_policies: 2, top: 3, lr: 0.5, ops: [rotate, invert, flip], "
                "magnitudes: [0.5, 1]}",
                "ohl"));
  OhlSearch search(options, Config(), Data());
  // rotate at two magnitudes, invert, flip: 4 elements, 16 ordered pairs.
  EXPECT_EQ(search.space().size(), 16u);
  EXPECT_EQ(search.total_trunks(), 2);
  int calls = 0;
  EXPECT_TRUE(search.Run(
      [&](const OhlTrunk& t) {
        EXPECT_EQ(t.trunk, calls++);
        EXPECT_EQ(t.choices.size(), 2u);
        EXPECT_EQ(t.choices[0].size(), 2u);
        EXPECT_EQ(t.rewards.size(), 2u);
        EXPECT_EQ(t.top.sub_policies.size(), 3u);
        EXPECT_TRUE(t.ToJson(search.space()).contains("copies"));
        return true;
      },
      nullptr));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(search.final_model().epochs_done(), 2);
  // Unequal rewards (the copies trained with different policies) moved p_theta off uniform.
  bool unequal = false;
  for (const OhlTrunk& t : search.history()) unequal |= t.rewards[0] != t.rewards[1];
  EXPECT_TRUE(unequal) << "every trunk's copies earned the same reward";
  EXPECT_LT(search.distribution().Entropy(), std::log(16.0) - 1e-9);
  const AugmentPolicy learned = search.LearnedPolicy();
  EXPECT_EQ(learned.sub_policies.size(), 3u);
  EXPECT_THROW(OhlOptions::FromJson(Json{{"copies", 1}}), InvalidArgument);
  EXPECT_THROW(OhlOptions::FromJson(Json{{"trunks", 1}}), InvalidArgument);
}

TEST(OnlineSearchTest, AmLfsLearnsItsMeanLossOverRounds) {
  AmLfsOptions options = AmLfsOptions::FromJson(ParseYaml("{copies: 3, intervals: 4}", "amlfs"));
  AmLfsSearch search(options, Config(), Data());
  EXPECT_EQ(search.total_rounds(), 2);
  EXPECT_TRUE(search.Run([](const AmLfsRound& r) { return r.round < 5; }, nullptr));
  ASSERT_EQ(search.history().size(), 2u);
  const AmLfsRound& first = search.history().front();
  EXPECT_EQ(first.losses.size(), 3u);
  EXPECT_NE(first.losses[0].a, first.losses[1].a) << "each copy samples its own loss";
  EXPECT_EQ(search.LearnedLoss().intervals(), 4);
  EXPECT_NE(search.LearnedLoss().a, LossOptions::Identity(4).a) << "mu moved";
  EXPECT_THROW(AmLfsOptions::FromJson(Json{{"sigma", 0}}), InvalidArgument);
  // The identity theta is cross-entropy's.
  EXPECT_EQ(AmLfsSearch::ToTheta(LossOptions::Identity(2)), (std::vector<double>{1, 1, 0, 0}));
}

}  // namespace
}  // namespace automl::dl
