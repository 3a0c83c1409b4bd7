#include "automl/nas/uniform_path_sampler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "automl/error.h"
#include "testing/error_of.h"

namespace automl::nas {
namespace {

using ::testing::HasSubstr;

using ::automl::testing::ErrorOf;

TEST(UniformPathSamplerTest, EveryLayerIsUniform) {
  const std::vector<int64_t> choices = {3, 5, 2};
  UniformPathSampler sampler(choices);
  Rng rng(11);
  constexpr int kDraws = 30000;
  std::vector<std::vector<int>> counts = {std::vector<int>(3), std::vector<int>(5),
                                          std::vector<int>(2)};
  for (int i = 0; i < kDraws; ++i) {
    const Path path = sampler.Sample(rng);
    CheckPath(path, choices, "sample");
    for (size_t layer = 0; layer < 3; ++layer) ++counts[layer][static_cast<size_t>(path[layer])];
  }
  for (size_t layer = 0; layer < 3; ++layer) {
    const double expected = static_cast<double>(kDraws) / static_cast<double>(choices[layer]);
    for (int count : counts[layer]) EXPECT_NEAR(count, expected, expected * 0.05);
  }
  EXPECT_EQ(sampler.steps(), kDraws);
  EXPECT_EQ(sampler.fallbacks(), 0);
}

TEST(UniformPathSamplerTest, SameSeedSamePaths) {
  UniformPathSampler a({4, 4, 4}), b({4, 4, 4});
  Rng ra(5), rb(5);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(a.Sample(ra), b.Sample(rb));
}

TEST(UniformPathSamplerTest, ConstraintRejectsAndFallsBackOnlyWhenNothingIsAllowed) {
  // Allowed: the sum of choices at most 2 (15 of 125 paths).
  const auto small = [](const Path& p) { return p[0] + p[1] + p[2] <= 2; };
  UniformPathSampler sampler({5, 5, 5}, {}, small);
  Rng rng(2);
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(small(sampler.Sample(rng)));
  EXPECT_EQ(sampler.fallbacks(), 0);

  UniformPathSamplerOptions options;
  options.max_tries = 7;
  int calls = 0;
  UniformPathSampler none({5, 5, 5}, options, [&calls](const Path&) {
    ++calls;
    return false;
  });
  const Path path = none.Sample(rng);
  CheckPath(path, {5, 5, 5}, "fallback");
  EXPECT_EQ(calls, 7);
  EXPECT_EQ(none.fallbacks(), 1);
  EXPECT_EQ(none.steps(), 1);
}

TEST(UniformPathSamplerTest, OptionsJsonAndValidation) {
  EXPECT_EQ(UniformPathSamplerOptions().ToJson().dump(), R"({"max_tries":500})");
  EXPECT_EQ(UniformPathSamplerOptions::FromJson(Json::parse(R"({"max_tries": 9})")).max_tries, 9);
  EXPECT_THAT(ErrorOf([] { UniformPathSamplerOptions::FromJson(Json::parse(R"({"tries": 9})")); }),
              HasSubstr("uniform-path-sampler: unknown key 'tries' (known: max_tries)"));
  EXPECT_THAT(
      ErrorOf([] { UniformPathSamplerOptions::FromJson(Json::parse(R"({"max_tries": 0})")); }),
      HasSubstr("uniform-path-sampler: max_tries: must be >= 1, not 0"));
  EXPECT_THAT(ErrorOf([] { UniformPathSampler({}); }), HasSubstr("choices: must list"));
}

TEST(UniformPathSamplerTest, StateResumesExactly) {
  const auto allowed = [](const Path& p) { return p[0] != 0; };
  UniformPathSamplerOptions options;
  options.max_tries = 1;  // some fallbacks, so that the counter is exercised
  UniformPathSampler first({3, 3}, options, allowed);
  Rng rng(8);
  for (int i = 0; i < 20; ++i) first.Sample(rng);
  const Json state = first.State();
  Rng resumed_rng = rng;

  UniformPathSampler second({3, 3}, options, allowed);
  second.LoadState(Json::parse(state.dump()));
  EXPECT_EQ(second.State(), state);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(first.Sample(rng), second.Sample(resumed_rng));
  EXPECT_EQ(first.State(), second.State());
  EXPECT_GT(second.fallbacks(), 0);

  UniformPathSampler other({3, 4});
  EXPECT_THAT(ErrorOf([&] { other.LoadState(state); }),
              HasSubstr("choices: the state was saved for the space [3,3], not [3,4]"));
  Json bad = state;
  bad["fallbacks"] = 100;
  EXPECT_THAT(ErrorOf([&] { second.LoadState(bad); }), HasSubstr("0 <= fallbacks <= steps"));
}

}  // namespace
}  // namespace automl::nas
