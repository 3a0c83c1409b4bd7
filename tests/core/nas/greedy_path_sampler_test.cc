#include "automl/nas/greedy_path_sampler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
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

// Options under which Select keeps every path it is given (up to four): the tests below drive
// the pool directly.
GreedyPathSamplerOptions KeepAll(int64_t pool_size) {
  GreedyPathSamplerOptions options;
  options.num_sampled = 4;
  options.num_kept = 4;
  options.pool_size = pool_size;
  return options;
}

std::vector<ScoredPath> PoolOf(const GreedyPathSampler& sampler) { return sampler.Pool(); }

TEST(GreedyPathSamplerTest, SelectKeepsExactlyTheKLowestLossPaths) {
  const std::vector<int64_t> choices = {6, 6, 6, 6};
  GreedyPathSampler sampler(choices);  // m = 10, k = 5
  Rng rng(1);
  for (int round = 0; round < 200; ++round) {
    const std::vector<Path> proposed = sampler.Propose(rng, round, 200);
    ASSERT_EQ(proposed.size(), 10u);
    std::vector<double> losses;
    for (size_t i = 0; i < proposed.size(); ++i) losses.push_back(rng.Uniform(0, 5));
    std::vector<size_t> order(proposed.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return losses[a] < losses[b]; });
    std::vector<Path> expected;
    for (size_t r = 0; r < 5; ++r) expected.push_back(proposed[order[r]]);
    ASSERT_EQ(sampler.Select(proposed, losses), expected) << "round " << round;
  }
}

TEST(GreedyPathSamplerTest, SelectBreaksTiesByProposalOrderAndRanksNonFiniteLast) {
  GreedyPathSamplerOptions options;
  options.num_sampled = 6;
  options.num_kept = 3;
  GreedyPathSampler sampler({9}, options);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THAT(sampler.Select({{0}, {1}, {2}, {3}, {4}, {5}}, {nan, 2, 1, 2, -inf, 2}),
              ElementsAre(Path{2}, Path{1}, Path{3}));
  // Non-finite losses never enter the pool, even when they must be selected.
  EXPECT_THAT(sampler.Select({{6}, {7}}, {nan, inf}), ElementsAre(Path{6}, Path{7}));
  EXPECT_EQ(PoolOf(sampler), (std::vector<ScoredPath>{{{2}, 1}, {{1}, 2}, {{3}, 2}}));

  EXPECT_THAT(ErrorOf([&] { sampler.Select({{0}, {1}}, {1}); }), HasSubstr("1 losses for 2 paths"));
  EXPECT_THAT(ErrorOf([&] { sampler.Select({}, {}); }), HasSubstr("no paths given"));
  EXPECT_THAT(ErrorOf([&] { sampler.Select({{9}}, {1}); }),
              HasSubstr("Select: path 0: [9]: layer 0 has choices 0..8, not 9"));
}

TEST(GreedyPathSamplerTest, EpsilonRisesLinearlyFromZeroToEpsilonMax) {
  GreedyPathSampler sampler({2});
  EXPECT_DOUBLE_EQ(sampler.Epsilon(0, 100), 0.0);
  EXPECT_DOUBLE_EQ(sampler.Epsilon(50, 100), 0.4);
  EXPECT_DOUBLE_EQ(sampler.Epsilon(100, 100), 0.8);
  EXPECT_THAT(ErrorOf([&] { sampler.Epsilon(101, 100); }),
              HasSubstr("need total_steps >= 1 and 0 <= step <= total_steps"));
  EXPECT_THAT(ErrorOf([&] { sampler.Epsilon(0, 0); }), HasSubstr("step 0 of 0"));
}

TEST(GreedyPathSamplerTest, PoolDrawsFollowTheScheduleAndComeFromThePool) {
  // 10^20 paths: a uniform draw never lands in a 50-path pool by chance, so membership tells
  // pool draws apart.
  const std::vector<int64_t> choices(20, 10);
  GreedyPathSamplerOptions options;
  options.pool_size = 50;
  GreedyPathSampler sampler(choices, options);
  Rng rng(7);
  constexpr int64_t kTotal = 1000;
  EXPECT_TRUE(sampler.Propose(rng, 0, kTotal).size() == 10);  // empty pool: all uniform
  EXPECT_EQ(sampler.pool_draws(), 0);
  while (static_cast<int64_t>(sampler.Pool().size()) < options.pool_size) {
    std::vector<Path> proposed;
    proposed.reserve(10);
    for (int i = 0; i < 10; ++i) proposed.push_back(UniformPath(choices, rng));
    sampler.Select(proposed, std::vector<double>(10, 1.0));
  }
  std::set<Path> pool;
  for (const auto& entry : sampler.Pool()) pool.insert(entry.first);

  const auto pool_fraction = [&](int64_t step) {
    const int64_t draws_before = sampler.pool_draws();
    int64_t in_pool = 0;
    int64_t total = 0;
    for (int round = 0; round < 2000; ++round) {
      for (const Path& path : sampler.Propose(rng, step, kTotal)) {
        in_pool += pool.count(path) > 0 ? 1 : 0;
        ++total;
      }
    }
    // Every pool draw is a pool path and every pool path proposed was a pool draw.
    EXPECT_EQ(in_pool, sampler.pool_draws() - draws_before) << "step " << step;
    return static_cast<double>(in_pool) / static_cast<double>(total);
  };
  EXPECT_EQ(pool_fraction(0), 0.0);
  EXPECT_NEAR(pool_fraction(kTotal / 2), 0.4, 0.015);  // 20,000 draws: sd about 0.0035
  EXPECT_NEAR(pool_fraction(kTotal), 0.8, 0.015);
  EXPECT_EQ(sampler.proposals(), 10 + 3 * 20000);
}

TEST(GreedyPathSamplerTest, PoolKeepsTheLowestDistinctPathsAndUpdatesReevaluatedOnes) {
  GreedyPathSampler sampler({20}, KeepAll(3));
  const auto offer = [&](const std::vector<Path>& paths, const std::vector<double>& losses) {
    sampler.Select(paths, losses);
    return PoolOf(sampler);
  };
  using Pool = std::vector<ScoredPath>;
  EXPECT_EQ(offer({{0}, {1}, {2}}, {5, 3, 4}), (Pool{{{1}, 3}, {{2}, 4}, {{0}, 5}}));
  EXPECT_EQ(offer({{3}}, {6}), (Pool{{{1}, 3}, {{2}, 4}, {{0}, 5}}));      // full, not better
  EXPECT_EQ(offer({{4}}, {1}), (Pool{{{4}, 1}, {{1}, 3}, {{2}, 4}}));      // evicts the worst
  EXPECT_EQ(offer({{1}}, {0.5}), (Pool{{{1}, 0.5}, {{4}, 1}, {{2}, 4}}));  // updated, better
  EXPECT_EQ(offer({{4}}, {10}), (Pool{{{1}, 0.5}, {{2}, 4}, {{4}, 10}}));  // updated, worse
  EXPECT_EQ(offer({{5}}, {4}), (Pool{{{1}, 0.5}, {{2}, 4}, {{5}, 4}}));    // after its equal
  EXPECT_EQ(offer({{6}}, {4}), (Pool{{{1}, 0.5}, {{2}, 4}, {{5}, 4}}));    // ties keep incumbents
  EXPECT_EQ(offer({{7}, {7}}, {2, 3}), (Pool{{{1}, 0.5}, {{7}, 3}, {{2}, 4}}));  // last loss wins
}

TEST(GreedyPathSamplerTest, PoolInvariantsUnderRandomTraining) {
  const std::vector<int64_t> choices = {3, 3, 3};  // 27 paths, a pool of 8
  GreedyPathSamplerOptions options;
  options.pool_size = 8;
  GreedyPathSampler sampler(choices, options);
  Rng rng(21);
  std::map<Path, double> last_kept_loss;
  for (int64_t t = 0; t < 300; ++t) {
    const std::vector<Path> proposed = sampler.Propose(rng, t, 300);
    std::vector<double> losses;
    losses.reserve(proposed.size());
    for (const Path& p : proposed) losses.push_back(static_cast<double>(p[0]) + rng.Uniform());
    const std::vector<Path> kept = sampler.Select(proposed, losses);
    // Record the loss each kept path was offered with (the last one for repeats).
    std::vector<size_t> order(proposed.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return losses[a] < losses[b]; });
    for (size_t r = 0; r < kept.size(); ++r) last_kept_loss[proposed[order[r]]] = losses[order[r]];

    const auto& pool = sampler.Pool();
    ASSERT_LE(pool.size(), 8u);
    std::set<Path> distinct;
    for (size_t i = 0; i < pool.size(); ++i) {
      ASSERT_TRUE(distinct.insert(pool[i].first).second);
      ASSERT_EQ(pool[i].second, last_kept_loss.at(pool[i].first));
      if (i > 0) {
        ASSERT_LE(pool[i - 1].second, pool[i].second);
      }
    }
  }
  EXPECT_EQ(sampler.Pool().size(), 8u);
}

TEST(GreedyPathSamplerTest, TurnoverCountsPathsNewToThePoolPerEpoch) {
  GreedyPathSampler sampler({20}, KeepAll(4));
  sampler.Select({{0}, {1}, {2}}, {1, 2, 3});  // A, B, C
  EXPECT_DOUBLE_EQ(sampler.EndEpoch(), 0.75);
  EXPECT_FALSE(sampler.ShouldStop());
  sampler.Select({{0}, {3}}, {0.5, 4});  // A updated (not new), D new
  EXPECT_DOUBLE_EQ(sampler.EndEpoch(), 0.25);
  sampler.Select({{4}, {5}}, {0.1, 0.2});  // E, F evict D and C
  EXPECT_DOUBLE_EQ(sampler.EndEpoch(), 0.5);
  sampler.Select({{6}}, {0.3});              // H enters (evicts B) ...
  sampler.Select({{7}, {8}}, {0.01, 0.02});  // ... and leaves again with A
  EXPECT_THAT(PoolOf(sampler), ElementsAre(ScoredPath{{7}, 0.01}, ScoredPath{{8}, 0.02},
                                           ScoredPath{{4}, 0.1}, ScoredPath{{5}, 0.2}));
  EXPECT_DOUBLE_EQ(sampler.EndEpoch(), 0.5);  // I and J only: H came and went
  EXPECT_FALSE(sampler.ShouldStop());
  sampler.Select({{0}}, {9});  // not good enough to enter
  EXPECT_DOUBLE_EQ(sampler.EndEpoch(), 0.0);
  EXPECT_TRUE(sampler.ShouldStop());
  EXPECT_THAT(sampler.TurnoverHistory(), ElementsAre(0.75, 0.25, 0.5, 0.5, 0.0));
}

TEST(GreedyPathSamplerTest, OptionsJsonAndValidation) {
  EXPECT_EQ(GreedyPathSamplerOptions().ToJson().dump(),
            R"({"num_sampled":10,"num_kept":5,"pool_size":1000,"epsilon_max":0.8,)"
            R"("stop_turnover":0.08})");
  const GreedyPathSamplerOptions read = GreedyPathSamplerOptions::FromJson(
      Json::parse(R"({"num_sampled": 20, "num_kept": 2, "epsilon_max": 0.5})"));
  EXPECT_EQ(read.num_sampled, 20);
  EXPECT_EQ(read.num_kept, 2);
  EXPECT_EQ(read.pool_size, 1000);
  EXPECT_EQ(read.epsilon_max, 0.5);
  EXPECT_EQ(GreedyPathSamplerOptions::FromJson(read.ToJson()).ToJson(), read.ToJson());
  EXPECT_THAT(
      ErrorOf([] { GreedyPathSamplerOptions::FromJson(Json::parse(R"({"m": 3, "k": 1})")); }),
      HasSubstr("greedy-path-sampler: unknown keys 'm', 'k'"));
  EXPECT_THAT(
      ErrorOf([] { GreedyPathSamplerOptions::FromJson(Json::parse(R"({"num_kept": 11})")); }),
      HasSubstr("greedy-path-sampler: num_kept: must lie in 1..num_sampled (10), not 11"));
  EXPECT_THAT(
      ErrorOf([] { GreedyPathSamplerOptions::FromJson(Json::parse(R"({"epsilon_max": 1.5})")); }),
      HasSubstr("greedy-path-sampler: epsilon_max: must lie in [0, 1], not 1.5"));
  EXPECT_THAT(
      ErrorOf([] { GreedyPathSamplerOptions::FromJson(Json::parse(R"({"pool_size": "big"})")); }),
      HasSubstr("greedy-path-sampler: pool_size: must be an integer, not \"big\""));
  GreedyPathSamplerOptions nan_epsilon;
  nan_epsilon.epsilon_max = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(ErrorOf([&] { nan_epsilon.Validate(); }),
              HasSubstr("greedy-path-sampler: epsilon_max: must lie in [0, 1], not nan"));
  EXPECT_THAT(ErrorOf([] { GreedyPathSamplerOptions::FromJson(Json::parse("[]")); }),
              HasSubstr("greedy-path-sampler: must be a mapping"));
}

// Runs |steps| GreedyNAS steps with a loss that depends on the path plus noise; an epoch every 7.
void Train(GreedyPathSampler& sampler, Rng& rng, int64_t from, int64_t steps, int64_t total,
           std::vector<std::vector<Path>>* trace) {
  for (int64_t t = from; t < from + steps; ++t) {
    const std::vector<Path> proposed = sampler.Propose(rng, t, total);
    std::vector<double> losses;
    losses.reserve(proposed.size());
    for (const Path& p : proposed) {
      losses.push_back(static_cast<double>(p[0] + 2 * p[1]) + 0.5 * rng.Uniform());
    }
    trace->push_back(proposed);
    trace->push_back(sampler.Select(proposed, losses));
    if (t % 7 == 6) sampler.EndEpoch();
  }
}

TEST(GreedyPathSamplerTest, StateResumesExactly) {
  const std::vector<int64_t> choices = {4, 4, 4, 4};
  GreedyPathSamplerOptions options;
  options.pool_size = 12;
  GreedyPathSampler first(choices, options);
  Rng rng(99);
  std::vector<std::vector<Path>> ignored;
  Train(first, rng, 0, 40, 80, &ignored);
  const Json state = first.State();
  Rng resumed_rng = rng;

  GreedyPathSampler second(choices, options);
  second.LoadState(Json::parse(state.dump()));  // through text, as a checkpoint file would
  EXPECT_EQ(second.State(), state);
  std::vector<std::vector<Path>> a, b;
  Train(first, rng, 40, 40, 80, &a);
  Train(second, resumed_rng, 40, 40, 80, &b);
  EXPECT_EQ(a, b);
  EXPECT_EQ(first.State(), second.State());
  EXPECT_GT(second.pool_draws(), 0);
  EXPECT_EQ(second.TurnoverHistory().size(), 11u);

  GreedyPathSamplerOptions small = options;
  small.pool_size = 3;
  GreedyPathSampler tiny(choices, small);
  EXPECT_THAT(ErrorOf([&] { tiny.LoadState(state); }), HasSubstr("more than pool_size 3"));
  Json unsorted = state;
  std::swap(unsorted["pool"][0], unsorted["pool"][5]);
  EXPECT_THAT(ErrorOf([&] { second.LoadState(unsorted); }), HasSubstr("ascending loss"));
  Json unknown = state;
  unknown["extra"] = 1;
  EXPECT_THAT(ErrorOf([&] { second.LoadState(unknown); }), HasSubstr("unknown key 'extra'"));
}

}  // namespace
}  // namespace automl::nas
