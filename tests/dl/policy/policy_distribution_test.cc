// REINFORCE on the policy distributions: each moves toward what is rewarded, sampling never
// changes it, a fixed seed gives the same draws, and a dumped state resumes exactly.
#include "automl/dl/policy_distribution.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "automl/error.h"

namespace automl::dl {
namespace {

// K copies each sample S choices; a copy earns the share of its choices that hit |target|.
void RewardChoice(CategoricalPolicy& policy, size_t target, int64_t rounds, uint64_t seed) {
  std::mt19937_64 generator(seed);
  for (int64_t r = 0; r < rounds; ++r) {
    std::vector<std::vector<size_t>> samples(4);
    std::vector<double> rewards;
    for (auto& s : samples) {
      for (int i = 0; i < 2; ++i) s.push_back(policy.Sample(generator));
      double hits = 0;
      for (const size_t c : s) hits += c == target ? 1 : 0;
      rewards.push_back(hits / 2);
    }
    policy.Update(samples, rewards);
  }
}

TEST(PolicyDistributionTest, TheCategoricalMovesTowardARewardedChoice) {
  CategoricalPolicy policy(20, 0.1);
  EXPECT_NEAR(policy.Entropy(), std::log(20.0), 1e-12);
  RewardChoice(policy, 7, 150, 1);
  const std::vector<double> p = policy.Probabilities();
  EXPECT_GT(p[7], 0.5);
  EXPECT_EQ(policy.Ranking().front(), 7u);
  EXPECT_LT(policy.Entropy(), std::log(20.0) - 1);
}

TEST(PolicyDistributionTest, EqualRewardsTeachNothing) {
  CategoricalPolicy policy(5);
  policy.Update({{0, 1}, {2, 2}}, {0.5, 0.5});
  for (const double l : policy.logits()) EXPECT_EQ(l, 0.0);
  GaussianPolicy gaussian({1, 2}, 0.2);
  gaussian.Update({{1.1, 2.0}, {0.9, 2.1}}, {0.3, 0.3});
  EXPECT_EQ(gaussian.mean(), (std::vector<double>{1, 2}));
}

TEST(PolicyDistributionTest, SamplingLeavesTheStateAndRepeatsForASeed) {
  CategoricalPolicy policy(10);
  RewardChoice(policy, 3, 5, 2);
  const Json before = policy.ToJson();
  std::mt19937_64 a(9), b(9);
  std::vector<size_t> first, second;
  for (int i = 0; i < 50; ++i) first.push_back(policy.Sample(a));
  for (int i = 0; i < 50; ++i) second.push_back(policy.Sample(b));
  EXPECT_EQ(first, second);
  EXPECT_EQ(policy.ToJson(), before);
}

TEST(PolicyDistributionTest, ADumpedStateResumesExactly) {
  CategoricalPolicy straight(12, 0.2);
  RewardChoice(straight, 5, 20, 4);
  CategoricalPolicy resumed = CategoricalPolicy::FromJson(straight.ToJson());
  RewardChoice(straight, 5, 10, 5);
  RewardChoice(resumed, 5, 10, 5);
  EXPECT_EQ(straight.logits(), resumed.logits());

  GaussianPolicy g({0, 0}, 0.3, 0.1);
  g.Update({{0.1, -0.2}, {-0.3, 0.4}}, {1, 0});
  GaussianPolicy h = GaussianPolicy::FromJson(g.ToJson());
  g.Update({{0.2, 0.2}, {0.0, -0.1}}, {0, 1});
  h.Update({{0.2, 0.2}, {0.0, -0.1}}, {0, 1});
  EXPECT_EQ(g.mean(), h.mean());
}

TEST(PolicyDistributionTest, TheGaussianMeanClimbsTowardTheBestReward) {
  const std::vector<double> target = {1.5, -0.5, 0.25};
  GaussianPolicy policy({0, 0, 0}, 0.2, 0.05);
  std::mt19937_64 generator(11);
  for (int round = 0; round < 300; ++round) {
    std::vector<std::vector<double>> samples;
    std::vector<double> rewards;
    for (int k = 0; k < 4; ++k) {
      samples.push_back(policy.Sample(generator));
      double d = 0;
      for (size_t i = 0; i < target.size(); ++i) {
        d += (samples.back()[i] - target[i]) * (samples.back()[i] - target[i]);
      }
      rewards.push_back(-d);
    }
    policy.Update(samples, rewards);
  }
  for (size_t i = 0; i < target.size(); ++i) EXPECT_NEAR(policy.mean()[i], target[i], 0.2) << i;
}

TEST(PolicyDistributionTest, RefusesMismatchedUpdates) {
  CategoricalPolicy policy(3);
  EXPECT_THROW(policy.Update({{0}}, {1, 2}), InvalidArgument);
  EXPECT_THROW(policy.Update({{0}, {5}}, {1, 2}), InvalidArgument);
  EXPECT_THROW(CategoricalPolicy(0), InvalidArgument);
  EXPECT_THROW(GaussianPolicy({1}, 0), InvalidArgument);
  GaussianPolicy g({1, 2}, 0.1);
  EXPECT_THROW(g.Update({{1}, {2}}, {0, 1}), InvalidArgument);
}

}  // namespace
}  // namespace automl::dl
