#include "automl/nas/partial_model_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "automl/error.h"
#include "testing/error_of.h"

namespace automl::nas {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using ::automl::testing::ErrorOf;

std::vector<Path> PoolPaths(const PartialModelPool& pool) {
  std::vector<Path> paths;
  for (const auto& entry : pool.Pool()) paths.push_back(entry.first);
  return paths;
}

TEST(PartialModelPoolTest, DepthZeroCandidatesAreTheFirstLayersChoices) {
  PartialModelPool pool({3, 2, 4});
  EXPECT_EQ(pool.depth(), 0);
  EXPECT_FALSE(pool.done());
  EXPECT_TRUE(pool.Pool().empty());
  EXPECT_THAT(pool.Candidates(), ElementsAre(Path{0}, Path{1}, Path{2}));
}

TEST(PartialModelPoolTest, GrowKeepsTheBestPrefixesOneLayerAtATime) {
  PartialModelPoolOptions options;
  options.pool_size = 2;
  PartialModelPool pool({3, 2, 4}, options);  // maximize by default
  pool.Grow({0.5, 0.9, 0.7});
  EXPECT_EQ(pool.depth(), 1);
  EXPECT_EQ(pool.Pool(), (std::vector<ScoredPath>{{{1}, 0.9}, {{2}, 0.7}}));
  const std::vector<Path> candidates = pool.Candidates();
  EXPECT_EQ(candidates.size(), 2u * 2u);  // |pool| * n_1
  EXPECT_THAT(candidates, ElementsAre(Path{1, 0}, Path{1, 1}, Path{2, 0}, Path{2, 1}));
  pool.Grow({0.1, 0.3, 0.3, 0.2});  // a tie: the earlier candidate ranks first
  EXPECT_THAT(PoolPaths(pool), ElementsAre(Path{1, 1}, Path{2, 0}));
  EXPECT_EQ(pool.Candidates().size(), 2u * 4u);
  pool.Grow({0.0, 0.0, 0.0, 0.8, 0.9, 0.0, 0.0, 0.0});
  EXPECT_TRUE(pool.done());
  EXPECT_EQ(pool.depth(), 3);
  EXPECT_EQ(pool.Pool(), (std::vector<ScoredPath>{{{2, 0, 0}, 0.9}, {{1, 1, 3}, 0.8}}));
  EXPECT_TRUE(pool.Candidates().empty());
  EXPECT_THROW(pool.Grow({}), FailedPrecondition);

  PartialModelPoolOptions losses = options;
  losses.direction = Direction::kMinimize;
  PartialModelPool by_loss({3, 2, 4}, losses);
  by_loss.Grow({0.5, 0.9, 0.7});
  EXPECT_THAT(PoolPaths(by_loss), ElementsAre(Path{0}, Path{2}));
}

TEST(PartialModelPoolTest, GrowSkipsCandidatesWithoutAScoreAndChecksTheCount) {
  PartialModelPool pool({3, 3});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(ErrorOf([&] { pool.Grow({1, 2}); }), HasSubstr("2 scores for 3 candidates"));
  EXPECT_THAT(ErrorOf([&] { pool.Grow({nan, nan, nan}); }), HasSubstr("no candidate of layer 0"));
  EXPECT_EQ(pool.depth(), 0);
  pool.Grow({nan, 1, -std::numeric_limits<double>::infinity()});
  EXPECT_THAT(PoolPaths(pool), ElementsAre(Path{1}));  // pool_size 5, but one has a score
  EXPECT_EQ(pool.Candidates().size(), 3u);
}

TEST(PartialModelPoolTest, SampledPathsStartWithACandidate) {
  const std::vector<int64_t> choices = {4, 4, 4, 4, 4};
  PartialModelPoolOptions options;
  options.pool_size = 3;
  PartialModelPool pool(choices, options);
  Rng rng(5);
  int64_t grows = 0;
  while (!pool.done()) {
    const std::vector<Path> candidates = pool.Candidates();
    const std::set<Path> candidate_set(candidates.begin(), candidates.end());
    std::set<Path> prefixes_seen;
    for (int i = 0; i < 400; ++i) {
      const Path path = pool.SamplePath(rng);
      CheckPath(path, choices, "sample");
      const Path prefix(path.begin(), path.begin() + pool.depth() + 1);
      ASSERT_EQ(candidate_set.count(prefix), 1u) << PathText(path) << " at depth " << pool.depth();
      prefixes_seen.insert(prefix);
    }
    EXPECT_EQ(prefixes_seen, candidate_set);  // every candidate gets trained
    // Scripted scores: candidates ending in a high choice score higher.
    std::vector<double> scores;
    scores.reserve(candidates.size());
    for (const Path& c : candidates) scores.push_back(static_cast<double>(c.back() + c.front()));
    pool.Grow(scores);
    ++grows;
  }
  EXPECT_EQ(grows, 5);
  EXPECT_EQ(pool.Pool().front().first, (Path{3, 3, 3, 3, 3}));
  for (int i = 0; i < 50; ++i) {
    const Path path = pool.SamplePath(rng);
    EXPECT_TRUE(std::any_of(pool.Pool().begin(), pool.Pool().end(),
                            [&](const ScoredPath& e) { return e.first == path; }));
  }
}

TEST(PartialModelPoolTest, ScoresAreMeansOverCompletions) {
  PartialModelPoolOptions options;
  options.completions = 200;
  PartialModelPool pool({2, 3, 5}, options);
  Rng rng(12);
  int64_t calls = 0;
  // Metric: first choice plus the mean-2 last choice, so a candidate's potential is c + 2.
  const auto metric = [&calls](const Path& p) {
    ++calls;
    return static_cast<double>(p[0] + p[2]);
  };
  const std::vector<double> scores = pool.ScoreCandidates(rng, metric);
  EXPECT_EQ(calls, 2 * 200);
  ASSERT_EQ(scores.size(), 2u);
  EXPECT_NEAR(scores[0], 2.0, 0.35);  // sd of the mean: 0.1
  EXPECT_NEAR(scores[1], 3.0, 0.35);
  EXPECT_EQ(*pool.Complete({1, 2, 4}, rng), (Path{1, 2, 4}));
  EXPECT_THAT(ErrorOf([&] { pool.Complete({1, 3}, rng); }), HasSubstr("layer 1 has choices 0..2"));
}

TEST(PartialModelPoolTest, TheConstraintPrunesCandidatesAndCompletions) {
  // "Latency": the sum of choices at most 3; any path starting with 3 breaks it at layer 1.
  const auto fast = [](const Path& p) { return p[0] + p[1] + p[2] <= 3; };
  PartialModelPoolOptions options;
  options.pool_size = 2;
  options.max_tries = 200;  // [3, 0, 0] is 1 of 16 completions of [3]
  PartialModelPool pool({4, 4, 4}, options, fast);
  Rng rng(3);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(fast(pool.SamplePath(rng)));
    const std::optional<Path> completed = pool.Complete({1}, rng);
    ASSERT_TRUE(completed.has_value());
    ASSERT_TRUE(fast(*completed));
  }
  EXPECT_FALSE(pool.Complete({3, 1}, rng).has_value());
  const std::vector<double> scores =
      pool.ScoreCandidates(rng, [](const Path& p) { return static_cast<double>(p[0]); });
  ASSERT_EQ(scores.size(), 4u);
  EXPECT_EQ(scores[0], 0.0);
  EXPECT_EQ(scores[2], 2.0);
  EXPECT_EQ(scores[3], 3.0);  // [3, 0, 0] is allowed
  pool.Grow(scores);
  EXPECT_THAT(PoolPaths(pool), ElementsAre(Path{3}, Path{2}));
  // Candidates [3, c] with c >= 1 have no allowed completion: NaN, never kept.
  const std::vector<double> next =
      pool.ScoreCandidates(rng, [](const Path& p) { return static_cast<double>(p[0] + p[1]); });
  EXPECT_EQ(next[0], 3.0);
  for (size_t i = 1; i < 4; ++i) EXPECT_TRUE(std::isnan(next[i])) << i;
  pool.Grow(next);
  EXPECT_EQ(next[5], 3.0);  // [2, 1]: a tie, later
  EXPECT_THAT(PoolPaths(pool), ElementsAre(Path{3, 0}, Path{2, 1}));
}

TEST(PartialModelPoolTest, OptionsJsonAndValidation) {
  EXPECT_EQ(PartialModelPoolOptions().ToJson().dump(),
            R"({"pool_size":5,"completions":10,"direction":"maximize","max_tries":100})");
  const PartialModelPoolOptions read = PartialModelPoolOptions::FromJson(
      Json::parse(R"({"pool_size": 3, "direction": "minimize"})"));
  EXPECT_EQ(read.pool_size, 3);
  EXPECT_EQ(read.direction, Direction::kMinimize);
  EXPECT_EQ(read.completions, 10);
  EXPECT_EQ(PartialModelPoolOptions::FromJson(read.ToJson()).ToJson(), read.ToJson());
  EXPECT_THAT(
      ErrorOf([] { PartialModelPoolOptions::FromJson(Json::parse(R"({"layers_per_step": 2})")); }),
      HasSubstr("partial-model-pool: unknown key 'layers_per_step'"));
  EXPECT_THAT(
      ErrorOf([] { PartialModelPoolOptions::FromJson(Json::parse(R"({"direction": "up"})")); }),
      HasSubstr("partial-model-pool: direction: must be 'minimize' or 'maximize'"));
  EXPECT_THAT(
      ErrorOf([] { PartialModelPoolOptions::FromJson(Json::parse(R"({"completions": 0})")); }),
      HasSubstr("partial-model-pool: completions: must be >= 1, not 0"));
}

TEST(PartialModelPoolTest, StateResumesExactly) {
  const std::vector<int64_t> choices = {3, 3, 3, 3};
  PartialModelPoolOptions options;
  options.pool_size = 2;
  options.completions = 3;
  const auto metric = [](const Path& p) { return static_cast<double>(p[0] * 3 + p[1] - p[3]); };
  PartialModelPool first(choices, options);
  Rng rng(4);
  for (int g = 0; g < 2; ++g) first.Grow(first.ScoreCandidates(rng, metric));
  const Json state = first.State();
  Rng resumed_rng = rng;
  PartialModelPool second(choices, options);
  second.LoadState(Json::parse(state.dump()));
  EXPECT_EQ(second.State(), state);
  while (!first.done()) {
    for (int i = 0; i < 10; ++i) EXPECT_EQ(first.SamplePath(rng), second.SamplePath(resumed_rng));
    first.Grow(first.ScoreCandidates(rng, metric));
    second.Grow(second.ScoreCandidates(resumed_rng, metric));
    EXPECT_EQ(first.Pool(), second.Pool());
  }
  EXPECT_TRUE(second.done());

  Json deep = state;
  deep["depth"] = 3;
  EXPECT_THAT(ErrorOf([&] { second.LoadState(deep); }), HasSubstr("is not a prefix of length 3"));
  Json empty = state;
  empty["pool"] = Json::array();
  EXPECT_THAT(ErrorOf([&] { second.LoadState(empty); }), HasSubstr("need none at depth 0"));
}

}  // namespace
}  // namespace automl::nas
