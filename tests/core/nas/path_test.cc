#include "automl/nas/path.h"

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

TEST(PathTest, ChoicesNeedALayerAndAChoicePerLayer) {
  EXPECT_THAT(ErrorOf([] { ValidateChoices({}, "x"); }), HasSubstr("x: choices: must list"));
  EXPECT_THAT(ErrorOf([] {
                ValidateChoices({3, 0, 2}, "x");
              }),
              HasSubstr("x: choices[1]: a layer must offer at least one choice, not 0"));
  EXPECT_NO_THROW(ValidateChoices({1, 4}, "x"));
}

TEST(PathTest, CheckPathNamesTheLayerAndTheRange) {
  const std::vector<int64_t> choices = {2, 3, 4};
  EXPECT_NO_THROW(CheckPath({1, 2, 3}, choices, "x"));
  EXPECT_THAT(ErrorOf([&] {
                CheckPath({1, 3, 0}, choices, "x");
              }),
              HasSubstr("x: [1, 3, 0]: layer 1 has choices 0..2, not 3"));
  EXPECT_THAT(ErrorOf([&] { CheckPath({1, -1, 0}, choices, "x"); }), HasSubstr("not -1"));
  EXPECT_THAT(ErrorOf([&] {
                CheckPath({1, 2}, choices, "x");
              }),
              HasSubstr("has 2 layers; the space has 3"));
  EXPECT_NO_THROW(CheckPath({1, 2}, choices, "x", /*whole=*/false));
  EXPECT_NO_THROW(CheckPath({}, choices, "x", /*whole=*/false));
  EXPECT_THAT(ErrorOf([&] {
                CheckPath({0, 0, 0, 0}, choices, "x", false);
              }),
              HasSubstr("has 4 layers"));
}

TEST(PathTest, CompletionKeepsThePrefixAndCoversEveryChoice) {
  const std::vector<int64_t> choices = {2, 3, 4};
  Rng rng(3);
  std::vector<std::vector<int>> seen(3, std::vector<int>(4, 0));
  for (int i = 0; i < 2000; ++i) {
    const Path path = CompleteUniformly({1}, choices, rng);
    ASSERT_EQ(path.size(), 3u);
    ASSERT_EQ(path[0], 1);
    CheckPath(path, choices, "test");
    ++seen[1][static_cast<size_t>(path[1])];
    ++seen[2][static_cast<size_t>(path[2])];
  }
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(seen[1][static_cast<size_t>(c)], 2000.0 / 3, 100);
  for (int c = 0; c < 4; ++c) EXPECT_NEAR(seen[2][static_cast<size_t>(c)], 2000.0 / 4, 100);
  EXPECT_EQ(CompleteUniformly({1, 0, 2}, choices, rng), (Path{1, 0, 2}));
  EXPECT_DOUBLE_EQ(PathCount(choices), 24);
}

TEST(PathTest, JsonRoundTripAndRefusals) {
  const std::vector<int64_t> choices = {2, 3};
  EXPECT_EQ(PathToJson({1, 2}).dump(), "[1,2]");
  EXPECT_EQ(PathFromJson(Json::parse("[1, 2]"), choices, "x"), (Path{1, 2}));
  EXPECT_THAT(ErrorOf([&] { PathFromJson(Json::parse("[1, 2.5]"), choices, "x"); }),
              HasSubstr("x[1]: must be an integer, not 2.5"));
  EXPECT_THAT(ErrorOf([&] { PathFromJson(Json::parse("{}"), choices, "x"); }),
              HasSubstr("x: a path must be a list"));
  EXPECT_THAT(ErrorOf([&] { PathFromJson(Json::parse("[1, 5]"), choices, "x"); }),
              HasSubstr("layer 1 has choices 0..2, not 5"));

  const std::vector<ScoredPath> scored = {{{1, 2}, 0.25}, {{0, 0}, -3.5}};
  const Json json = ScoredPathsToJson(scored);
  EXPECT_EQ(ScoredPathsFromJson(json, choices, "x"), scored);
  EXPECT_THAT(ErrorOf([&] {
                ScoredPathsFromJson(Json::parse(R"([{"path": [0, 0], "loss": 1}])"), choices, "x");
              }),
              HasSubstr("x[0]: unknown key 'loss'"));
  EXPECT_THAT(ErrorOf([&] {
                ScoredPathsFromJson(Json::parse(R"([{"path": [0, 0], "score": null}])"), choices,
                                    "x");
              }),
              HasSubstr("x[0].score: must be a number, not null"));
}

}  // namespace
}  // namespace automl::nas
