#include "automl/dl/batch_sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <set>
#include <vector>

#include "automl/error.h"

namespace automl::dl {
namespace {

std::vector<int64_t> ToVector(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

// The batches of one epoch.
std::vector<std::vector<int64_t>> Epoch(BatchSampler& sampler, int64_t epoch) {
  sampler.Start(epoch);
  std::vector<std::vector<int64_t>> batches;
  torch::Tensor indices;
  while (sampler.Next(&indices)) {
    EXPECT_EQ(indices.dtype(), torch::kInt64);
    EXPECT_EQ(indices.dim(), 1);
    batches.push_back(ToVector(indices));
  }
  return batches;
}

std::vector<int64_t> Flatten(const std::vector<std::vector<int64_t>>& batches) {
  std::vector<int64_t> all;
  for (const auto& batch : batches) all.insert(all.end(), batch.begin(), batch.end());
  return all;
}

TEST(BatchSamplerTest, EveryIndexOncePerEpoch) {
  BatchSampler sampler(1000, 64, /*shuffle=*/true, /*seed=*/3);
  EXPECT_EQ(sampler.batches_per_epoch(), 16);
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    const auto batches = Epoch(sampler, epoch);
    ASSERT_EQ(batches.size(), 16u);
    for (size_t b = 0; b < 15; ++b) EXPECT_EQ(batches[b].size(), 64u);
    EXPECT_EQ(batches[15].size(), 1000u - 15 * 64);
    std::vector<int64_t> all = Flatten(batches);
    std::sort(all.begin(), all.end());
    std::vector<int64_t> expected(1000);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(all, expected) << "epoch " << epoch;
  }
}

TEST(BatchSamplerTest, DeterministicPerSeedAndEpoch) {
  BatchSampler a(500, 32, true, 7);
  BatchSampler b(500, 32, true, 7);
  const auto a0 = Flatten(Epoch(a, 0));
  const auto a1 = Flatten(Epoch(a, 1));
  // LibTorch's global generator plays no part.
  torch::manual_seed(99);
  EXPECT_EQ(Flatten(Epoch(b, 1)), a1);
  EXPECT_EQ(Flatten(Epoch(b, 0)), a0);
  EXPECT_NE(a0, a1);
  // Starting an epoch again repeats it.
  EXPECT_EQ(Flatten(Epoch(a, 0)), a0);
  BatchSampler c(500, 32, true, 8);
  EXPECT_NE(Flatten(Epoch(c, 0)), a0);
  // Shuffled, not in order.
  std::vector<int64_t> in_order(500);
  std::iota(in_order.begin(), in_order.end(), 0);
  EXPECT_NE(a0, in_order);
}

TEST(BatchSamplerTest, ReadyForEpochZeroWithoutStart) {
  BatchSampler a(100, 30, true, 1);
  BatchSampler b(100, 30, true, 1);
  std::vector<int64_t> without_start;
  torch::Tensor indices;
  while (a.Next(&indices)) {
    const auto v = ToVector(indices);
    without_start.insert(without_start.end(), v.begin(), v.end());
  }
  EXPECT_EQ(without_start, Flatten(Epoch(b, 0)));
  EXPECT_FALSE(a.Next(&indices));
}

TEST(BatchSamplerTest, DropLast) {
  BatchSampler sampler(1000, 64, true, 3, /*drop_last=*/true);
  EXPECT_EQ(sampler.batches_per_epoch(), 15);
  const auto batches = Epoch(sampler, 0);
  ASSERT_EQ(batches.size(), 15u);
  for (const auto& batch : batches) EXPECT_EQ(batch.size(), 64u);
  const auto all = Flatten(batches);
  EXPECT_EQ(std::set<int64_t>(all.begin(), all.end()).size(), 960u);
  // The same permutation as without drop_last, cut short.
  BatchSampler full(1000, 64, true, 3);
  auto full_order = Flatten(Epoch(full, 0));
  full_order.resize(960);
  EXPECT_EQ(all, full_order);
  // An exact multiple drops nothing.
  BatchSampler exact(128, 64, true, 3, true);
  EXPECT_EQ(exact.batches_per_epoch(), 2);
  EXPECT_EQ(Epoch(exact, 0).size(), 2u);
}

TEST(BatchSamplerTest, InOrderWithoutShuffle) {
  BatchSampler sampler(10, 4, /*shuffle=*/false, 123);
  EXPECT_EQ(sampler.batches_per_epoch(), 3);
  const auto batches = Epoch(sampler, 5);
  EXPECT_EQ(batches, (std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}}));
}

TEST(BatchSamplerTest, EmptyAndSmallDatasets) {
  BatchSampler empty(0, 8, true, 0);
  EXPECT_EQ(empty.batches_per_epoch(), 0);
  EXPECT_TRUE(Epoch(empty, 0).empty());
  BatchSampler small(3, 8, true, 0, /*drop_last=*/true);
  EXPECT_EQ(small.batches_per_epoch(), 0);
  EXPECT_TRUE(Epoch(small, 0).empty());
  BatchSampler kept(3, 8, true, 0);
  EXPECT_EQ(kept.batches_per_epoch(), 1);
  EXPECT_EQ(Epoch(kept, 0).size(), 1u);
}

TEST(BatchSamplerTest, RefusesBadArguments) {
  EXPECT_THROW(BatchSampler(10, 0, true, 0), InvalidArgument);
  EXPECT_THROW(BatchSampler(-1, 4, true, 0), InvalidArgument);
  BatchSampler sampler(10, 4, true, 0);
  EXPECT_THROW(sampler.Start(-1), InvalidArgument);
}

TEST(RandomPermutationTest, IsAPermutationFixedBySeed) {
  const torch::Tensor p = RandomPermutation(1000, 5);
  EXPECT_TRUE(torch::equal(std::get<0>(p.sort()), torch::arange(1000, torch::kInt64)));
  EXPECT_TRUE(torch::equal(RandomPermutation(1000, 5), p));
  EXPECT_FALSE(torch::equal(RandomPermutation(1000, 6), p));
  // The same on every platform: computed independently by a Python transcription of
  // automl::Rng (SplitMix64 seeding, xoshiro256++, Lemire's bounded draws) running
  // "for i in range(n - 1, 0, -1): j = rng.below(i + 1); swap(o[i], o[j])". Data splits depend
  // on it.
  EXPECT_EQ(ToVector(RandomPermutation(10, 42)),
            (std::vector<int64_t>{5, 3, 1, 0, 9, 6, 4, 7, 2, 8}));
  EXPECT_EQ(RandomPermutation(0, 1).numel(), 0);
  EXPECT_EQ(ToVector(RandomPermutation(1, 1)), (std::vector<int64_t>{0}));
}

}  // namespace
}  // namespace automl::dl
