#include "automl/nas/constrained_path_evolution.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "automl/error.h"
#include "testing/error_of.h"

namespace automl::nas {
namespace {

using ::testing::HasSubstr;

using ::automl::testing::ErrorOf;

int64_t Sum(const Path& p) {
  int64_t sum = 0;
  for (int64_t c : p) sum += c;
  return sum;
}

// A separable score with its optimum at |target|: minus the L1 distance to it.
double Closeness(const Path& p, const Path& target) {
  double distance = 0;
  for (size_t i = 0; i < p.size(); ++i)
    distance += static_cast<double>(std::llabs(p[i] - target[i]));
  return -distance;
}

std::vector<double> Scores(const std::vector<Path>& paths, const Path& target) {
  std::vector<double> scores;
  scores.reserve(paths.size());
  for (const Path& p : paths) scores.push_back(Closeness(p, target));
  return scores;
}

TEST(ConstrainedPathEvolutionTest, NeverEvaluatesNorReturnsADisallowedPath) {
  // About 3% of the paths have a sum <= 8: most draws are rejected, so generations come up short.
  const std::vector<int64_t> choices(10, 4);
  const auto light = [](const Path& p) { return Sum(p) <= 8; };
  int64_t evaluated = 0;
  ConstrainedPathEvolution search(choices, {}, light);
  Rng rng(17);
  const PathEvolutionResult result = search.Run(rng, [&](const std::vector<Path>& paths) {
    std::vector<double> scores;
    for (const Path& p : paths) {
      EXPECT_TRUE(light(p)) << PathText(p);
      scores.push_back(static_cast<double>(p[0] - p[9]));
      ++evaluated;
    }
    return scores;
  });
  EXPECT_EQ(static_cast<int64_t>(result.evaluated.size()), evaluated);
  EXPECT_GT(evaluated, 100);
  EXPECT_LT(evaluated, 20 * 50);  // short generations: rejection ran out of tries
  for (const auto& [path, score] : result.evaluated) ASSERT_TRUE(light(path));
  ASSERT_EQ(result.top.size(), 10u);
  for (const auto& [path, score] : result.top) EXPECT_TRUE(light(path));
  for (size_t i = 1; i < result.top.size(); ++i) {
    EXPECT_GE(result.top[i - 1].second, result.top[i].second);
  }
}

TEST(ConstrainedPathEvolutionTest, FindsTheOptimumOfASeparableScore) {
  const std::vector<int64_t> choices(12, 5);  // 244 million paths
  const Path target = {4, 0, 3, 1, 2, 4, 0, 0, 3, 2, 1, 4};
  // The constraint keeps the target (sum 24) but refuses much of the space.
  const auto budget = [](const Path& p) { return Sum(p) <= 24; };
  ConstrainedPathEvolution search(choices, {}, budget);
  Rng rng(2024);
  std::vector<Path> first = search.NextGeneration(rng);
  ASSERT_EQ(first.size(), 50u);
  const std::vector<double> first_scores = Scores(first, target);
  const double initial_best = *std::max_element(first_scores.begin(), first_scores.end());
  search.Tell(first_scores);
  const PathEvolutionResult result =
      search.Run(rng, [&](const std::vector<Path>& paths) { return Scores(paths, target); });
  EXPECT_EQ(search.generation(), 20);
  EXPECT_TRUE(search.done());
  EXPECT_LT(initial_best, -8);  // random paths are far from the target
  EXPECT_EQ(result.top.front().first, target)
      << "best " << PathText(result.top.front().first) << " scores " << result.top.front().second;
  for (const auto& [path, score] : result.evaluated) ASSERT_TRUE(budget(path));
}

TEST(ConstrainedPathEvolutionTest, NoPathIsEvaluatedTwiceAndASmallSpaceEndsTheSearch) {
  const std::vector<int64_t> choices = {3, 3, 3, 3};  // 81 paths
  ConstrainedPathEvolutionOptions options;
  options.population = 20;
  options.num_mutations = 10;
  options.num_crossovers = 10;
  std::vector<Path> all;
  ConstrainedPathEvolution search(choices, options);
  Rng rng(1);
  search.Run(rng, [&](const std::vector<Path>& paths) {
    all.insert(all.end(), paths.begin(), paths.end());
    return std::vector<double>(paths.size(), 1.0);  // flat: no parent is preferred
  });
  const std::set<Path> distinct(all.begin(), all.end());
  EXPECT_EQ(distinct.size(), all.size());
  EXPECT_EQ(all.size(), 81u);  // the random top-up finds the last paths
  EXPECT_TRUE(search.done());
  EXPECT_LT(search.generation(), 20);  // ended early: nothing new was left
  EXPECT_TRUE(search.NextGeneration(rng).empty());
}

TEST(ConstrainedPathEvolutionTest, SameSeedSameSearch) {
  const std::vector<int64_t> choices(8, 6);
  const Path target = {5, 4, 3, 2, 1, 0, 1, 2};
  const auto allowed = [](const Path& p) { return p[0] != p[1]; };
  const auto run = [&](uint64_t seed) {
    ConstrainedPathEvolutionOptions options;
    options.iterations = 6;
    ConstrainedPathEvolution search(choices, options, allowed);
    Rng rng(seed);
    return search.Run(rng, [&](const std::vector<Path>& paths) { return Scores(paths, target); })
        .evaluated;
  };
  EXPECT_EQ(run(9), run(9));
  EXPECT_NE(run(9), run(10));
}

TEST(ConstrainedPathEvolutionTest, SeedsComeFirstAndDisallowedOnesAreSkipped) {
  const std::vector<int64_t> choices = {4, 4, 4};
  const auto allowed = [](const Path& p) { return p[0] != 3; };
  ConstrainedPathEvolutionOptions options;
  options.population = 5;
  ConstrainedPathEvolution search(choices, options, allowed,
                                  {{0, 1, 2}, {3, 3, 3}, {0, 1, 2}, {2, 2, 2}});
  Rng rng(6);
  const std::vector<Path> first = search.NextGeneration(rng);
  ASSERT_EQ(first.size(), 5u);
  EXPECT_EQ(first[0], (Path{0, 1, 2}));
  EXPECT_EQ(first[1], (Path{2, 2, 2}));
  for (const Path& p : first) EXPECT_TRUE(allowed(p));
  EXPECT_EQ(std::set<Path>(first.begin(), first.end()).size(), 5u);

  EXPECT_THAT(ErrorOf([&] {
                ConstrainedPathEvolution(choices, options, allowed, {{0, 4, 0}});
              }),
              HasSubstr("path-evolution: seeds[0]: [0, 4, 0]: layer 1 has choices 0..3, not 4"));
}

TEST(ConstrainedPathEvolutionTest, NoAllowedPathIsAClearError) {
  ConstrainedPathEvolutionOptions options;
  options.population = 4;
  options.max_tries_factor = 3;
  ConstrainedPathEvolution search({5, 5}, options, [](const Path&) { return false; }, {{1, 1}});
  Rng rng(0);
  EXPECT_THAT(ErrorOf([&] { search.NextGeneration(rng); }),
              HasSubstr("path-evolution: no allowed path among 1 seeds and 12 uniform draws"));
}

TEST(ConstrainedPathEvolutionTest, StepwiseUseIsChecked) {
  ConstrainedPathEvolutionOptions options;
  options.population = 3;
  ConstrainedPathEvolution search({4, 4}, options);
  Rng rng(0);
  EXPECT_THROW(search.Tell({1, 2, 3}), FailedPrecondition);
  const std::vector<Path> paths = search.NextGeneration(rng);
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(search.Pending(), paths);
  EXPECT_THROW(search.NextGeneration(rng), FailedPrecondition);
  EXPECT_THAT(ErrorOf([&] { search.Tell({1, 2}); }), HasSubstr("2 scores for 3 paths"));
  EXPECT_THAT(ErrorOf([&] {
                search.Tell({1, std::numeric_limits<double>::quiet_NaN(), 3});
              }),
              HasSubstr("is nan; scores must be finite"));
  search.Tell({1, 3, 2});
  EXPECT_EQ(search.generation(), 1);
  EXPECT_TRUE(search.Pending().empty());
  const std::vector<ScoredPath> top = search.TopK();
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0], (ScoredPath{paths[1], 3}));
  EXPECT_EQ(top[1], (ScoredPath{paths[2], 2}));
}

TEST(ConstrainedPathEvolutionTest, OptionsJsonAndValidation) {
  EXPECT_EQ(ConstrainedPathEvolutionOptions().ToJson().dump(),
            R"({"population":50,"top_k":10,"iterations":20,"mutation_prob":0.1,)"
            R"("num_mutations":25,"num_crossovers":25,"fill_random":true,"max_tries_factor":10})");
  const auto read = ConstrainedPathEvolutionOptions::FromJson(
      Json::parse(R"({"population": 8, "fill_random": false, "mutation_prob": 0.25})"));
  EXPECT_EQ(read.population, 8);
  EXPECT_FALSE(read.fill_random);
  EXPECT_EQ(read.mutation_prob, 0.25);
  EXPECT_EQ(read.top_k, 10);
  EXPECT_EQ(ConstrainedPathEvolutionOptions::FromJson(read.ToJson()).ToJson(), read.ToJson());
  EXPECT_THAT(
      ErrorOf([] { ConstrainedPathEvolutionOptions::FromJson(Json::parse(R"({"epochs": 3})")); }),
      HasSubstr("path-evolution: unknown key 'epochs'"));
  EXPECT_THAT(
      ErrorOf([] { ConstrainedPathEvolutionOptions::FromJson(Json::parse(R"({"top_k": 0})")); }),
      HasSubstr("path-evolution: top_k: must be >= 1, not 0"));
  EXPECT_THAT(
      ErrorOf([] {
        ConstrainedPathEvolutionOptions::FromJson(Json::parse(R"({"mutation_prob": -0.1})"));
      }),
      HasSubstr("path-evolution: mutation_prob: must lie in [0, 1], not -0.1"));
  EXPECT_THAT(ErrorOf([] {
                ConstrainedPathEvolutionOptions::FromJson(Json::parse(
                    R"({"num_mutations": 0, "num_crossovers": 0, "fill_random": false})"));
              }),
              HasSubstr("at least one must produce candidates"));
}

TEST(ConstrainedPathEvolutionTest, StateResumesExactly) {
  const std::vector<int64_t> choices(6, 5);
  const Path target = {1, 2, 3, 4, 0, 1};
  const auto allowed = [](const Path& p) { return Sum(p) <= 15; };
  ConstrainedPathEvolutionOptions options;
  options.population = 12;
  options.num_mutations = 6;
  options.num_crossovers = 6;
  options.iterations = 10;
  ConstrainedPathEvolution first(choices, options, allowed);
  Rng rng(31);
  for (int g = 0; g < 4; ++g) first.Tell(Scores(first.NextGeneration(rng), target));
  first.NextGeneration(rng);  // saved while a generation is pending
  const Json state = first.State();
  Rng resumed_rng = rng;

  ConstrainedPathEvolution second(choices, options, allowed);
  second.LoadState(Json::parse(state.dump()));
  EXPECT_EQ(second.State(), state);
  const auto evaluate = [&](const std::vector<Path>& paths) { return Scores(paths, target); };
  const PathEvolutionResult a = first.Run(rng, evaluate);
  const PathEvolutionResult b = second.Run(resumed_rng, evaluate);
  EXPECT_EQ(a.evaluated, b.evaluated);
  EXPECT_EQ(a.top, b.top);
  EXPECT_EQ(second.generation(), 10);

  ConstrainedPathEvolution other({5, 5}, options);
  EXPECT_THAT(ErrorOf([&] { other.LoadState(state); }), HasSubstr("the state was saved for"));
  Json twice = state;
  twice["pending"].push_back(twice["evaluated"][0]["path"]);
  EXPECT_THAT(ErrorOf([&] { second.LoadState(twice); }), HasSubstr("was evaluated or is twice"));
}

}  // namespace
}  // namespace automl::nas
