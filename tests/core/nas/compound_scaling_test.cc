// EfficientNet's compound scaling of chain architectures: the grid, the rounding of the released
// code, and scaled architectures.
#include "automl/nas/compound_scaling.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "automl/config_file.h"
#include "automl/error.h"
#include "testing/error_of.h"

namespace automl::nas {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using ::automl::testing::ErrorOf;

TEST(CompoundGrid, HoldsEveryGridPointWithinTheToleranceOfTwo) {
  CompoundGridOptions options;  // step 0.1 up to 2, target 2, tolerance 0.05
  const std::vector<CompoundCoefficients> grid = CompoundGrid(options);
  // Counted independently: 11^3 points, those within 0.05 of 2.
  int expected = 0;
  for (int a = 0; a <= 10; ++a)
    for (int b = 0; b <= 10; ++b)
      for (int g = 0; g <= 10; ++g) {
        const double f = (1 + a / 10.0) * std::pow(1 + b / 10.0, 2) * std::pow(1 + g / 10.0, 2);
        expected += std::abs(f - 2) <= 0.05 + 1e-12;
      }
  EXPECT_EQ(static_cast<int>(grid.size()), expected);
  EXPECT_GT(expected, 5);
  for (const CompoundCoefficients& c : grid) {
    EXPECT_NEAR(c.FlopsFactor(), 2, 0.05 + 1e-9);
    EXPECT_GE(c.alpha, 1);
    EXPECT_GE(c.beta, 1);
    EXPECT_GE(c.gamma, 1);
  }
  // Depth alone doubling is a point; the paper's B0 constants (factor 1.92) are not at 0.05.
  EXPECT_TRUE(std::any_of(grid.begin(), grid.end(), [](const CompoundCoefficients& c) {
    return std::abs(c.alpha - 2) < 1e-9 && c.beta == 1 && c.gamma == 1;
  }));
  options.step = 0.05;
  options.tolerance = 0.1;
  const auto fine = CompoundGrid(options);
  EXPECT_TRUE(std::any_of(fine.begin(), fine.end(), [](const CompoundCoefficients& c) {
    return std::abs(c.alpha - 1.2) < 1e-9 && std::abs(c.beta - 1.1) < 1e-9 &&
           std::abs(c.gamma - 1.15) < 1e-9;
  })) << "EfficientNet-B0's alpha 1.2, beta 1.1, gamma 1.15 within 0.1 of 2";
}

TEST(CompoundGrid, RefusesBadOptionsNamingTheField) {
  EXPECT_THAT(ErrorOf([] { CompoundGridOptions::FromJson(ParseYaml("{step: 0}", "g")); }),
              HasSubstr("scale: grid: step: must be in (0, 1]"));
  EXPECT_THAT(ErrorOf([] { CompoundGridOptions::FromJson(ParseYaml("{target: 1}", "g")); }),
              HasSubstr("scale: grid: target"));
  EXPECT_THAT(ErrorOf([] { CompoundGridOptions::FromJson(ParseYaml("{stpe: 0.1}", "g")); }),
              HasSubstr("stpe"));
  EXPECT_NO_THROW(
      CompoundGridOptions::FromJson(ParseYaml("{step: 0.1, epochs: 2}", "g"), {"epochs"}));
  EXPECT_THAT(ErrorOf([] {
                CompoundCoefficients::FromJson(ParseYaml("{alpha: 1.2, beta: 0.9, gamma: 1}", "c"));
              }),
              HasSubstr("scale: coefficients: beta: must be in [1, 4]"));
  EXPECT_THAT(
      ErrorOf([] { CompoundCoefficients::FromJson(ParseYaml("{alpha: 1.2, beta: 1.1}", "c")); }),
      HasSubstr("gamma"));
}

TEST(CompoundScaling, RoundsAsTheReleasedCodeDoes) {
  // round_filters with divisor 8: 32 * 1.1 = 35.2 -> 32; 40 * 1.4 = 56; 16 * 1.2 = 19.2 -> 16,
  // which loses more than 10%, so 24.
  EXPECT_EQ(RoundWidth(32, 1.1, 8), 32);
  EXPECT_EQ(RoundWidth(40, 1.4, 8), 56);
  EXPECT_EQ(RoundWidth(16, 1.2, 8), 24);
  EXPECT_EQ(RoundWidth(16, 1.3, 8), 24) << "20.8 -> 24 (nearest multiple, halves up)";
  EXPECT_EQ(RoundWidth(4, 1.0, 8), 8) << "at least the divisor";
  EXPECT_EQ(RoundWidth(100, 1.0, 64), 128) << "64 would lose more than 10%";
  EXPECT_EQ(RoundWidth(24, 1.21, 1), 29);
  // round_repeats: ceil.
  EXPECT_EQ(RoundDepth(2, 1.2), 3);
  EXPECT_EQ(RoundDepth(3, 1.0), 3);
  EXPECT_EQ(RoundDepth(5, 1.44), 8);
  EXPECT_EQ(ScaledResolution(28, 1.15), 32);
  EXPECT_EQ(ScaledResolution(14, std::pow(1.15, 2)), 19);
}

TEST(CompoundScaling, ScalesDepthAndWidthStretchingEachStagesOps) {
  const ChainArch base = ChainArchFromJson(ParseYaml(R"(
stem: 16
stages:
  - {width: 16, stride: 1, ops: [mb3_k3, skip]}
  - {width: 24, stride: 2, ops: [mb6_k5, mb3_k3_d2]}
  - {width: 32, stride: 2, ops: [mb6_k3, mb6_k7, skip]}
)",
                                                     "arch"));
  const ChainArch same = ScaleChainArch(base, {1, 1, 1}, 1);
  // phi = 0 changes nothing but dropping skips.
  EXPECT_THAT(same.ops, ElementsAre("mb3_k3", "mb6_k5", "mb3_k3_d2", "mb6_k3", "mb6_k7"));
  EXPECT_EQ(same.stages[0].layers, 1);
  const ChainArch big = ScaleChainArch(base, {2, 1.5, 1.3}, 8);
  EXPECT_EQ(big.stem, 24);
  ASSERT_EQ(big.stages.size(), 3u);
  EXPECT_EQ(big.stages[0], (ChainStage{2, 24, 1}));
  EXPECT_EQ(big.stages[1], (ChainStage{4, 40, 2})) << "24 * 1.5 = 36 -> 40";
  EXPECT_EQ(big.stages[2], (ChainStage{4, 48, 2}));
  EXPECT_THAT(big.ops, ElementsAre("mb3_k3", "mb3_k3", "mb6_k5", "mb6_k5", "mb3_k3_d2", "mb3_k3_d2",
                                   "mb6_k3", "mb6_k3", "mb6_k7", "mb6_k7"));
  // 1.2 times 1 block is 2, times 2 blocks is 3: the ops stretched in order.
  const ChainArch b1 = ScaleChainArch(base, {1.2, 1, 1}, 1);
  EXPECT_THAT(b1.ops, ElementsAre("mb3_k3", "mb3_k3", "mb6_k5", "mb6_k5", "mb3_k3_d2", "mb6_k3",
                                  "mb6_k3", "mb6_k7"));
  EXPECT_THAT(ErrorOf([&] { ScaleChainArch(base, {40, 1, 1}, 8); }), HasSubstr("would get 80"));
}

}  // namespace
}  // namespace automl::nas
