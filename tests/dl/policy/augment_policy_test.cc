// AutoAugment policies: their JSON form, OHL's space of sub-policies, and the transform that
// applies a policy to normalized images on their pixels.
#include "automl/dl/augment_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

#include "automl/error.h"

namespace automl::dl {
namespace {

using ::testing::HasSubstr;

AugmentPolicy Policy(const Json& json) { return AugmentPolicy::FromJson(json); }

Json OneSubPolicy(const std::string& first, double p1, const std::string& second, double p2) {
  return {{"type", "augment-policy"},
          {"sub_policies",
           {{{"steps",
              {{{"op", first}, {"probability", p1}, {"magnitude", 1}},
               {{"op", second}, {"probability", p2}, {"magnitude", 1}}}}}}}};
}

TEST(AugmentPolicyTest, ReadsAndWritesItsJson) {
  const AugmentPolicy policy = Policy(OneSubPolicy("rotate", 0.5, "invert", 1));
  ASSERT_EQ(policy.sub_policies.size(), 1u);
  EXPECT_EQ(policy.weights, std::vector<double>{1.0});
  EXPECT_EQ(policy.sub_policies[0].first.op, AugmentOp::kRotate);
  EXPECT_EQ(policy.sub_policies[0].second.op, AugmentOp::kInvert);
  EXPECT_EQ(policy.sub_policies[0].ToString(), "rotate(p=0.5, m=1) + invert(p=1)");
  const AugmentPolicy back = Policy(policy.ToJson());
  EXPECT_EQ(back.sub_policies, policy.sub_policies);
  EXPECT_EQ(back.weights, policy.weights);
}

std::string ErrorOf(const Json& json) {
  try {
    AugmentPolicy::FromJson(json);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(AugmentPolicyTest, RefusesBadPoliciesInOneLine) {
  EXPECT_THAT(ErrorOf(OneSubPolicy("spin", 0.5, "invert", 1)), HasSubstr("unknown operation"));
  EXPECT_THAT(ErrorOf(OneSubPolicy("rotate", 1.5, "invert", 1)),
              HasSubstr("probability must lie in [0, 1]"));
  EXPECT_THAT(ErrorOf(Json{{"type", "augment-policy"}, {"sub_policies", Json::array()}}),
              HasSubstr("at least one sub-policy"));
  EXPECT_THAT(ErrorOf(Json{{"sub_policies", Json::array()}}), HasSubstr("type: augment-policy"));
}

TEST(AugmentPolicyTest, TheSpaceIsEveryOrderedPairOfElements) {
  const PolicySpaceOptions space;
  // 11 ops with a magnitude at 3 magnitudes, 4 without one once: 37 elements (OHL's space has
  // 36), 1369 sub-policies.
  EXPECT_EQ(space.Elements().size(), 37u);
  EXPECT_EQ(space.SubPolicies().size(), 37u * 37u);
  const PolicySpaceOptions small = PolicySpaceOptions::FromJson(
      Json{{"ops", {"rotate", "flip"}}, {"magnitudes", {0.5}}, {"probabilities", {0.2, 0.8}}});
  EXPECT_EQ(small.Elements().size(), 4u);
  EXPECT_EQ(small.SubPolicies().size(), 16u);
  EXPECT_THROW(PolicySpaceOptions::FromJson(Json{{"magnitudes", {0}}}), InvalidArgument);
}

TEST(AugmentPolicyTest, ATransformWorksOnPixelsAndKeepsTheStandardization) {
  torch::manual_seed(0);
  const torch::Tensor pixels = torch::rand({16, 1, 8, 8});
  const double mean = 0.3, stddev = 0.2;
  const torch::Tensor batch = (pixels - mean) / stddev;
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(5);

  // Steps that never fire leave every image as it was.
  const PolicyTransform idle(Policy(OneSubPolicy("rotate", 0, "invert", 0)), {mean}, {stddev});
  EXPECT_TRUE(torch::allclose(idle.Apply(batch, generator), batch, 0, 1e-5));

  // Invert always: the pixels are inverted, then standardized again.
  const PolicyTransform invert(Policy(OneSubPolicy("invert", 1, "rotate", 0)), {mean}, {stddev});
  EXPECT_TRUE(
      torch::allclose(invert.Apply(batch, generator), (1 - pixels - mean) / stddev, 0, 1e-5));

  // Two sub-policies: each image gets one of them.
  Json two = OneSubPolicy("invert", 1, "rotate", 0);
  two["sub_policies"].push_back(OneSubPolicy("flip", 0, "rotate", 0)["sub_policies"][0]);
  const torch::Tensor out = PolicyTransform(Policy(two), {mean}, {stddev}).Apply(batch, generator);
  int64_t inverted = 0, kept = 0;
  for (int64_t i = 0; i < 16; ++i) {
    if (torch::allclose(out[i], (1 - pixels[i] - mean) / stddev, 0, 1e-5)) ++inverted;
    if (torch::allclose(out[i], batch[i], 0, 1e-5)) ++kept;
  }
  EXPECT_EQ(inverted + kept, 16);
  EXPECT_GT(inverted, 0);
  EXPECT_GT(kept, 0);

  EXPECT_THROW(PolicyTransform(Policy(two), {}, {}), InvalidArgument);
}

TEST(AugmentPolicyTest, TrainingConfigsReadAPolicyAndWriteItInline) {
  const AugmentOptions options = AugmentOptions::FromJson(
      Json{{"crop", 2}, {"policy", OneSubPolicy("equalize", 1, "flip", 1)}});
  ASSERT_TRUE(options.policy);
  EXPECT_TRUE(options.enabled());
  EXPECT_EQ(options.Build({0.5}, {0.25}).size(), 2u);
  const AugmentOptions back = AugmentOptions::FromJson(options.ToJson());
  ASSERT_TRUE(back.policy);
  EXPECT_EQ(back.policy->sub_policies, options.policy->sub_policies);
  EXPECT_THROW(options.Build(), InvalidArgument) << "a policy needs the standardization";
  EXPECT_FALSE(AugmentOptions::FromJson(Json{{"crop", 2}}).ToJson().contains("policy"));
}

}  // namespace
}  // namespace automl::dl
