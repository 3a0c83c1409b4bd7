// AM-LFS's loss space: cross-entropy bit for bit at the identity, the margin loss it
// approximates, and configs refused with one line naming the key.
#include "automl/dl/loss_function.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <string>

#include "automl/error.h"
#include "testing/temp_dir.h"

namespace automl::dl {
namespace {

using ::testing::HasSubstr;

struct Batch {
  torch::Tensor logits, labels;
};

Batch RandomBatch(int64_t n = 64, int64_t classes = 10) {
  torch::manual_seed(3);
  return {torch::randn({n, classes}) * 3, torch::randint(0, classes, {n}, torch::kLong)};
}

TEST(LossFunctionTest, TheIdentityIsCrossEntropyExactly) {
  const Batch b = RandomBatch();
  const torch::Tensor expected = torch::nn::functional::cross_entropy(b.logits, b.labels);
  for (const int64_t m : {1, 3, 6, 10}) {
    const torch::Tensor loss = ClassificationLoss(LossOptions::Identity(m), b.logits, b.labels);
    EXPECT_TRUE(torch::equal(loss, expected))
        << m << " intervals: " << loss.item<double>() << " vs " << expected.item<double>();
  }
  // And its gradient.
  const torch::Tensor x = b.logits.clone().requires_grad_(true);
  ClassificationLoss(LossOptions::Identity(6), x, b.labels).backward();
  const torch::Tensor y = b.logits.clone().requires_grad_(true);
  torch::nn::functional::cross_entropy(y, b.labels).backward();
  EXPECT_TRUE(torch::allclose(x.grad(), y.grad(), 0, 1e-7));
}

TEST(LossFunctionTest, TauIsPiecewiseLinearOnEqualIntervals) {
  LossOptions loss;
  loss.a = {2, 0.5};
  loss.b = {0, 0.5};
  const torch::Tensor x = torch::tensor({0.0, 0.25, 0.49, 0.5, 0.75, 1.0}, torch::kDouble);
  const torch::Tensor tau = PiecewiseTau(loss, x);
  const std::vector<double> expected = {0, 0.5, 0.98, 0.75, 0.875, 1.0};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(tau[static_cast<int64_t>(i)].item<double>(), expected[i], 1e-12) << i;
  }
}

// An additive margin m on the label's logit: softmax of (z_y - m, z_j).
torch::Tensor MarginLoss(const Batch& b, double margin) {
  const torch::Tensor shifted =
      b.logits - margin * torch::one_hot(b.labels, b.logits.size(1)).to(b.logits.dtype());
  return torch::nn::functional::cross_entropy(shifted, b.labels);
}

TEST(LossFunctionTest, MarginLossesAreInTheSpace) {
  const LossOptions margin = MarginPiecewiseLoss(1.0, 6);
  // Through the margin's transform at every interval end.
  for (int64_t i = 0; i <= 6; ++i) {
    const double x = static_cast<double>(i) / 6;
    const double f = x / (x + (1 - x) * std::exp(1.0));
    EXPECT_NEAR(PiecewiseTau(margin, torch::tensor({x}, torch::kDouble)).item<double>(), f, 1e-12);
  }
  // The chords approximate the margin loss; with more intervals, closer.
  const Batch b = RandomBatch(256);
  const double exact = MarginLoss(b, 1.0).item<double>();
  const double coarse = std::abs(
      ClassificationLoss(MarginPiecewiseLoss(1.0, 4), b.logits, b.labels).item<double>() - exact);
  const double fine = std::abs(
      ClassificationLoss(MarginPiecewiseLoss(1.0, 64), b.logits, b.labels).item<double>() - exact);
  EXPECT_LT(fine, coarse);
  EXPECT_LT(fine, 0.01 * exact);
  // And it is not cross-entropy.
  EXPECT_GT(exact - torch::nn::functional::cross_entropy(b.logits, b.labels).item<double>(), 0.1);
}

TEST(LossFunctionTest, ReadsAndWritesItsForms) {
  EXPECT_TRUE(LossOptions::FromJson(nullptr).is_cross_entropy());
  EXPECT_TRUE(LossOptions::FromJson("cross_entropy").is_cross_entropy());
  const LossOptions m = MarginPiecewiseLoss(0.5, 3);
  const LossOptions back = LossOptions::FromJson(m.ToJson());
  EXPECT_EQ(back.a, m.a);
  EXPECT_EQ(back.b, m.b);
  EXPECT_EQ(LossOptions{}.ToJson(), Json("cross_entropy"));
  testing::TempDir dir;
  {
    std::ofstream file(dir.File("loss.json"));
    file << m.ToJson().dump();
  }
  EXPECT_EQ(LossOptions::FromJson(dir.File("loss.json")).a, m.a);
}

std::string ErrorOf(const Json& json) {
  try {
    LossOptions::FromJson(json);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(LossFunctionTest, RefusesBadConfigsInOneLine) {
  EXPECT_THAT(ErrorOf(Json{{"piecewise", {{"a", {1, 1}}, {"b", {0}}}}}),
              HasSubstr("as many intercepts b as slopes a"));
  EXPECT_THAT(ErrorOf(Json{{"piecewise", {{"a", {1}}}}}), HasSubstr("needs both a"));
  EXPECT_THAT(ErrorOf(Json{{"piecewise", {{"a", {1}}, {"b", {0}}, {"c", 1}}}}),
              HasSubstr("unknown key 'c'"));
  EXPECT_THAT(ErrorOf(Json{{"focal", 2}}), HasSubstr("loss: must be cross_entropy"));
  EXPECT_THAT(ErrorOf("/nonexistent/loss.json"), HasSubstr("/nonexistent/loss.json"));
  EXPECT_THROW(ClassificationLoss(LossOptions::Identity(2), torch::zeros({2, 3}),
                                  torch::zeros({2}, torch::kLong), 0.1),
               InvalidArgument);
}

}  // namespace
}  // namespace automl::dl
