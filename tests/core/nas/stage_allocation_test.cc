// CR-NAS's reallocation over a chain space: stage-prefix paths, the allocations of a total, the
// supernet's depth sampler and the two-level search.
#include "automl/nas/stage_allocation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "automl/config_file.h"
#include "automl/error.h"
#include "testing/error_of.h"

namespace automl::nas {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Three stages of 3, 3 and 4 layers; stage 0 keeps the stem's width, so its first layer offers
// skip too. Blocks: mb6_k3 (plain), mb6_k3_d2, mb6_k3_d3.
ChainSpaceOptions Space() {
  return ChainSpaceOptions::FromJson(ParseYaml(R"(
type: chain
stem: 8
choices: [mb6_k3, mb6_k3_d2, mb6_k3_d3, skip]
stages: [{layers: 3, width: 8, stride: 1}, {layers: 3, width: 16, stride: 2},
         {layers: 4, width: 32, stride: 2}]
)",
                                               "space"));
}

using ::automl::testing::ErrorOf;

TEST(StageAllocation, AllocationPathsAreStagePrefixesWithTheirDepths) {
  const ChainSpaceOptions space = Space();
  const Path p = AllocationPath(space, {1, 3, 2});
  // Stage 0's layers offer [mb6_k3, d2, d3, skip]; the first layers of stages 1 and 2 no skip.
  EXPECT_THAT(p, ElementsAre(0, 3, 3, 0, 0, 0, 0, 0, 3, 3));
  EXPECT_TRUE(IsStagePrefixPath(p, space));
  EXPECT_THAT(DepthsOf(p, space), ElementsAre(1, 3, 2));
  const ChainArch arch = DecodePath(p, space);
  EXPECT_THAT(arch.ops, ElementsAre("mb6_k3", "skip", "skip", "mb6_k3", "mb6_k3", "mb6_k3",
                                    "mb6_k3", "mb6_k3", "skip", "skip"));
  // Blocks by index among each layer's blocks.
  const Path d = AllocationPath(space, {1, 1, 4}, {2, 0, 0, 1, 0, 0, 0, 1, 2, 1});
  EXPECT_THAT(DecodePath(d, space).ops,
              ElementsAre("mb6_k3_d3", "skip", "skip", "mb6_k3_d2", "skip", "skip", "mb6_k3",
                          "mb6_k3_d2", "mb6_k3_d3", "mb6_k3_d2"));
}

TEST(StageAllocation, OtherPathsAreNotStagePrefixes) {
  const ChainSpaceOptions space = Space();
  EXPECT_FALSE(IsStagePrefixPath({0, 3, 0, 0, 0, 0, 0, 0, 3, 3}, space)) << "a block after a skip";
  EXPECT_FALSE(IsStagePrefixPath({3, 0, 0, 0, 0, 0, 0, 0, 3, 3}, space)) << "an empty stage";
  EXPECT_FALSE(IsStagePrefixPath({0, 3, 3, 0, 0, 0, 0, 0, 3}, space)) << "too short";
  EXPECT_FALSE(IsStagePrefixPath({0, 3, 3, 0, 0, 0, 0, 0, 3, 4}, space)) << "out of range";
  EXPECT_THAT(ErrorOf([&] {
                DepthsOf({3, 0, 0, 0, 0, 0, 0, 0, 3, 3}, space);
              }),
              HasSubstr("not a stage-prefix path"));
  EXPECT_THAT(ErrorOf([&] {
                AllocationPath(space, {0, 3, 3});
              }),
              HasSubstr("stage 0: depth 0 is outside 1..3"));
  EXPECT_THAT(ErrorOf([&] {
                AllocationPath(space, {1, 4, 3});
              }),
              HasSubstr("stage 1: depth 4 is outside 1..3"));
}

TEST(StageAllocation, RefusesASpaceWithoutSkip) {
  const ChainSpaceOptions space =
      ChainSpaceOptions::FromJson(ParseYaml("{layers: 6, choices: [mb3_k3, mb3_k3_d2]}", "space"));
  EXPECT_THAT(ErrorOf([&] { StageDepthSampler sampler(space); }), HasSubstr("must include skip"));
}

TEST(StageAllocation, EnumeratesEveryAllocationOfATotalOnce) {
  const ChainSpaceOptions space = Space();
  // Depths 1..3, 1..3, 1..4 summing to 6: counted by hand below.
  const std::vector<StageDepths> six = EnumerateStageDepths(space, 6);
  int expected = 0;
  for (int a = 1; a <= 3; ++a)
    for (int b = 1; b <= 3; ++b)
      for (int c = 1; c <= 4; ++c) expected += a + b + c == 6;
  EXPECT_EQ(static_cast<int>(six.size()), expected);
  EXPECT_EQ(std::set<StageDepths>(six.begin(), six.end()).size(), six.size());
  EXPECT_EQ(six.front(), (StageDepths{1, 1, 4}));
  EXPECT_EQ(six.back(), (StageDepths{3, 2, 1}));
  EXPECT_THAT(EnumerateStageDepths(space, 3), ElementsAre(StageDepths{1, 1, 1}));
  EXPECT_THAT(EnumerateStageDepths(space, 10), ElementsAre(StageDepths{3, 3, 4}));
  EXPECT_TRUE(EnumerateStageDepths(space, 2).empty());
  EXPECT_TRUE(EnumerateStageDepths(space, 11).empty());
}

TEST(StageAllocation, TheSamplerCutsEveryStageToEveryDepthAndTriesEveryBlock) {
  const ChainSpaceOptions space = Space();
  const StageDepthSampler sampler(space);
  Rng rng(7);
  std::map<std::pair<size_t, int>, int> depth_counts;
  std::set<int64_t> first_layer_choices;
  const int n = 6000;
  for (int i = 0; i < n; ++i) {
    const Path p = sampler.Sample(rng);
    ASSERT_TRUE(IsStagePrefixPath(p, space));
    const StageDepths d = DepthsOf(p, space);
    for (size_t s = 0; s < d.size(); ++s) ++depth_counts[{s, d[s]}];
    first_layer_choices.insert(p[0]);
  }
  // Each depth uniform in 1..layers: within 15% of its share.
  for (const auto& [key, count] : depth_counts) {
    const double share = 1.0 / space.stages[key.first].layers;
    EXPECT_NEAR(count / double(n), share, 0.15 * share)
        << "stage " << key.first << " depth " << key.second;
  }
  EXPECT_EQ(depth_counts.size(), 3u + 3u + 4u);
  EXPECT_THAT(first_layer_choices, ElementsAre(0, 1, 2)) << "every dilation, never skip";
  // The caller's Rng is all its randomness.
  Rng a(3), b(3);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(sampler.Sample(a), sampler.Sample(b));
}

// A made-up accuracy: stage 2 is worth the most per block, and a dilation of 2 helps only at
// layer 6 (stage 2's first layer).
double ToyScore(const Path& p, const ChainSpaceOptions& space) {
  const StageDepths d = DepthsOf(p, space);
  double score = 1.0 * d[0] + 2.0 * d[1] + 3.0 * d[2];
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 1) score += i == 6 ? 0.5 : -0.1;
    if (p[i] == 2) score -= 0.2;
  }
  return score;
}

TEST(ReallocationSearch, FindsTheBestAllocationThenTheBestDilations) {
  const ChainSpaceOptions space = Space();
  const ReallocationSearch search(space, {});
  std::vector<Path> seen;
  const ReallocationResult r = search.Run(6, nullptr, [&](const std::vector<Path>& paths) {
    std::vector<double> scores;
    for (const Path& p : paths) {
      EXPECT_TRUE(IsStagePrefixPath(p, space));
      EXPECT_EQ(DepthsOf(p, space)[0] + DepthsOf(p, space)[1] + DepthsOf(p, space)[2], 6);
      seen.push_back(p);
      scores.push_back(ToyScore(p, space));
    }
    return scores;
  });
  EXPECT_EQ(r.allocations.size(), EnumerateStageDepths(space, 6).size());
  EXPECT_EQ(DepthsOf(r.best_allocation.first, space), (StageDepths{1, 1, 4}));
  EXPECT_EQ(r.best_allocation.first, AllocationPath(space, {1, 1, 4}));
  Path expected = AllocationPath(space, {1, 1, 4});
  expected[6] = 1;
  EXPECT_EQ(r.best.first, expected);
  EXPECT_DOUBLE_EQ(r.best.second, 1 + 2 + 12 + 0.5);
  // Stage level: every allocation; spatial level: two other blocks at each of 6 positions, in the
  // default one sweep.
  EXPECT_EQ(r.evaluations, static_cast<int64_t>(r.allocations.size()) + 2 * 6);
  EXPECT_EQ(static_cast<int64_t>(seen.size()), r.evaluations);
}

TEST(ReallocationSearch, NeverEvaluatesAnInfeasiblePath) {
  const ChainSpaceOptions space = Space();
  ReallocationSearchOptions options;
  options.sweeps = 2;
  const ReallocationSearch search(space, options);
  // At most 2 blocks in stage 2, and no dilation 3 anywhere.
  auto feasible = [&](const Path& p) {
    if (DepthsOf(p, space)[2] > 2) return false;
    for (int64_t c : p) {
      if (c == 2) return false;
    }
    return true;
  };
  const ReallocationResult r = search.Run(6, feasible, [&](const std::vector<Path>& paths) {
    std::vector<double> scores;
    for (const Path& p : paths) {
      EXPECT_TRUE(feasible(p)) << PathText(p);
      scores.push_back(ToyScore(p, space));
    }
    return scores;
  });
  EXPECT_TRUE(feasible(r.best.first));
  EXPECT_EQ(DepthsOf(r.best.first, space), (StageDepths{1, 3, 2}));
  EXPECT_THAT(ErrorOf([&] {
                search.Run(9, feasible, [](const std::vector<Path>& p) {
                  return std::vector<double>(p.size(), 0.0);
                });
              }),
              HasSubstr("no allocation of 9 blocks"));
}

TEST(ReallocationSearch, CapsTheAllocationsBySeededDraw) {
  const ChainSpaceOptions space = Space();
  ReallocationSearchOptions options = ReallocationSearchOptions::FromJson(
      ParseYaml("{max_allocations: 3, sweeps: 0, seed: 5}", "crnas"));
  const ReallocationSearch search(space, options);
  auto count = [](const std::vector<Path>& p) { return std::vector<double>(p.size(), 1.0); };
  const ReallocationResult a = search.Run(6, nullptr, count), b = search.Run(6, nullptr, count);
  EXPECT_EQ(a.allocations.size(), 3u);
  EXPECT_EQ(a.evaluations, 3);
  EXPECT_EQ(a.allocations, b.allocations);
  EXPECT_THAT(ErrorOf([] { ReallocationSearchOptions::FromJson(ParseYaml("{sweeps: -1}", "c")); }),
              HasSubstr("crnas: sweeps: must be >= 0"));
  EXPECT_THAT(ErrorOf([] { ReallocationSearchOptions::FromJson(ParseYaml("{sweep: 1}", "c")); }),
              HasSubstr("sweep"));
}

}  // namespace
}  // namespace automl::nas
