// DARTS's bilevel search and HM-NAS's phases: the second-order architecture gradient is the
// first-order one at a zero virtual step and the derivative of the unrolled validation loss
// otherwise; runs record every epoch and resume exactly from a checkpoint.
#include "automl/dl/darts_search.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "automl/error.h"
#include "testing/error_of.h"
#include "testing/temp_dir.h"

namespace automl::dl {
namespace {

using ::automl::testing::ErrorOf;

Dataset Random(int64_t n, int64_t seed) {
  torch::manual_seed(static_cast<uint64_t>(seed));
  Dataset d;
  d.inputs = torch::randn({n, 1, 8, 8});
  d.labels = torch::randint(0, 3, {n}, torch::kLong);
  // Learnable: the class shifts the mean of the image.
  d.inputs += d.labels.to(torch::kFloat).view({n, 1, 1, 1});
  d.classes = 3;
  return d;
}

DataSplits SyntheticData() {
  DataSplits s;
  s.train = Random(64, 1);
  s.validation = Random(24, 2);
  s.test = Random(24, 3);
  s.description = "synthetic: 64 train, 24 validation, 24 test, 8x8";
  return s;
}

DartsNetworkOptions TinyNetwork() {
  return DartsNetworkOptions(3, {1, 8, 8})
      .filters(2)
      .layers(3)
      .nodes(2)
      .primitives({"none", "max_pool_3x3", "skip_connect", "sep_conv_3x3"});
}

double MaxDiff(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, (a[i] - b[i]).abs().max().item<double>());
  return d;
}

std::vector<torch::Tensor> Grads(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> g;
  for (const auto& p : params) g.push_back(p.grad().clone());
  return g;
}

struct Bilevel {
  Bilevel() {
    torch::manual_seed(5);
    net = DartsNetwork(TinyNetwork());
    net->to(torch::kDouble);
    {
      torch::NoGradGuard no_grad;
      for (auto& a : net->architecture_parameters()) a.copy_(torch::randn_like(a));
    }
    const Dataset train = Random(8, 11), val = Random(8, 12);
    tx = train.inputs.to(torch::kDouble);
    ty = train.labels;
    vx = val.inputs.to(torch::kDouble);
    vy = val.labels;
  }
  std::vector<torch::Tensor> Gradient(int order, double xi) {
    DartsArchitect architect(net, net->architecture_parameters(), net->weight_parameters(), nullptr,
                             0, 0);
    // The paper's displacement, 0.01, crosses ReLU and max-pool kinks of this tiny network;
    // a small one measures the Hessian-vector product itself (in double precision).
    architect.set_hessian_displacement(1e-5);
    architect.ComputeGradient(order, xi, tx, ty, vx, vy);
    return Grads(net->architecture_parameters());
  }
  DartsNetwork net{nullptr};
  torch::Tensor tx, ty, vx, vy;
};

TEST(DartsArchitectTest, SecondOrderIsFirstOrderInTheLimitOfAZeroVirtualStep) {
  Bilevel b;
  const std::vector<torch::Tensor> first = b.Gradient(1, 0);
  const std::vector<torch::Tensor> at_zero = b.Gradient(2, 0);
  EXPECT_LT(MaxDiff(first, at_zero), 1e-12);
  const double d1 = MaxDiff(first, b.Gradient(2, 1e-1));
  const double d2 = MaxDiff(first, b.Gradient(2, 1e-2));
  const double d3 = MaxDiff(first, b.Gradient(2, 1e-3));
  EXPECT_GT(d1, 0);
  EXPECT_LT(d2, d1);
  EXPECT_LT(d3, d2);
  // The difference is about first order in xi (kinks of ReLU and max pooling crossed by the
  // virtual step keep it from being exactly linear).
  EXPECT_LT(d3 / d2, 0.5);
  // The weights are where they were: the virtual step is undone.
  EXPECT_LT(MaxDiff(first, b.Gradient(1, 0)), 1e-12);
}

TEST(DartsArchitectTest, SecondOrderIsTheDerivativeOfTheUnrolledValidationLoss) {
  Bilevel b;
  const double xi = 0.05;
  const std::vector<torch::Tensor> analytic = b.Gradient(2, xi);
  std::vector<torch::Tensor> weights = b.net->weight_parameters();
  // f(alpha) = L_val(w - xi * dL_train(w, alpha)/dw, alpha), w fixed.
  const auto unrolled = [&] {
    namespace F = torch::nn::functional;
    std::vector<torch::Tensor> saved;
    for (const auto& w : weights) saved.push_back(w.detach().clone());
    const std::vector<torch::Tensor> g =
        torch::autograd::grad({F::cross_entropy(b.net->forward(b.tx), b.ty)}, weights, {}, false,
                              false, /*allow_unused=*/true);
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (g[i].defined()) weights[i].sub_(xi * g[i]);
    }
    const double value = F::cross_entropy(b.net->forward(b.vx), b.vy).item<double>();
    for (size_t i = 0; i < weights.size(); ++i) weights[i].copy_(saved[i]);
    return value;
  };
  torch::Tensor alpha = b.net->alpha(false);
  const double h = 1e-5;
  for (const auto& [e, o] : {std::pair<int64_t, int64_t>{0, 1}, {2, 3}, {4, 2}}) {
    double plus = 0, minus = 0;
    {
      torch::NoGradGuard no_grad;
      alpha[e][o] += h;
    }
    plus = unrolled();
    {
      torch::NoGradGuard no_grad;
      alpha[e][o] -= 2 * h;
    }
    minus = unrolled();
    {
      torch::NoGradGuard no_grad;
      alpha[e][o] += h;
    }
    const double numeric = (plus - minus) / (2 * h);
    const double got = analytic[0][e][o].item<double>();
    EXPECT_NEAR(got, numeric, 1e-4 + 1e-3 * std::abs(numeric)) << "edge " << e << " op " << o;
  }
}

DartsSearchOptions TinySearch(const std::string& method) {
  Json j = {{"filters", 2},
            {"layers", 3},
            {"nodes", 2},
            {"epochs", 2},
            {"batch_size", 16},
            {"primitives", {"none", "max_pool_3x3", "skip_connect", "sep_conv_3x3"}},
            {"temperature", {{"start", 1.0}, {"end", 0.5}}}};
  if (method == "hmnas") {
    j["epochs"] = 1;
    j["mask_epochs"] = 1;
    j["finetune_epochs"] = 1;
  }
  return DartsSearchOptions::FromJson(j, method);
}

std::vector<torch::Tensor> AllParameters(DartsSearch& s) {
  std::vector<torch::Tensor> out;
  for (const auto& p : s.network()->parameters()) out.push_back(p.detach().clone());
  return out;
}

TEST(DartsSearchTest, RecordsEveryEpochAndResumesExactlyFromACheckpoint) {
  for (const std::string method : {"darts", "hmnas"}) {
    const DataSplits data = SyntheticData();
    const DartsSearchOptions options = TinySearch(method);
    DartsSearch whole(options, data, 7);
    whole.Run();
    ASSERT_EQ(whole.history().size(), 3u - (method == "darts" ? 1u : 0u));
    EXPECT_EQ(whole.epochs_done(), options.total_epochs());

    testing::TempDir dir;
    const std::string file = dir.File("search.pt");
    {
      DartsSearch first(options, data, 7);
      first.Run([](const DartsEpoch&) { return false; });  // one epoch, then stop
      ASSERT_EQ(first.epochs_done(), 1);
      first.Save(file);
    }
    DartsSearch resumed(options, data, 7);
    resumed.Load(file);
    EXPECT_EQ(resumed.epochs_done(), 1);
    resumed.Run();
    EXPECT_EQ(MaxDiff(AllParameters(whole), AllParameters(resumed)), 0) << method;
    ASSERT_EQ(resumed.history().size(), whole.history().size());
    for (size_t i = 0; i < whole.history().size(); ++i) {
      EXPECT_EQ(resumed.history()[i].val_accuracy, whole.history()[i].val_accuracy);
      EXPECT_EQ(resumed.history()[i].architecture, whole.history()[i].architecture);
    }
    // A file of other options is refused.
    DartsSearchOptions other = options;
    other.arch_lr = 1e-2;
    DartsSearch different(other, data, 7);
    EXPECT_THAT(ErrorOf([&] { different.Load(file); }),
                ::testing::HasSubstr("other options, seed or data"));
  }
}

TEST(DartsSearchTest, HmnasRunsItsPhasesInOrderAndEndsWithTheMaskedSubNetwork) {
  const DataSplits data = SyntheticData();
  DartsSearch search(TinySearch("hmnas"), data, 3);
  search.Run();
  const auto& h = search.history();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].phase, DartsPhase::kSearch);
  EXPECT_EQ(h[1].phase, DartsPhase::kMask);
  EXPECT_EQ(h[2].phase, DartsPhase::kFinetune);
  EXPECT_EQ(search.network()->mask_mode(), MaskMode::kFrozen);
  EXPECT_FALSE(h[0].architecture.contains("masked_genotype"));
  EXPECT_TRUE(h[0].architecture.contains("edge_weights"));
  ASSERT_TRUE(h[2].architecture.contains("masked_genotype"));
  EXPECT_EQ(h[2].architecture.at("masked_genotype").at("type"), "masked-cell");
  int64_t all = 0;
  for (const auto& p : search.network()->weight_parameters()) all += p.numel();
  EXPECT_LE(h[2].params, all);
  EXPECT_EQ(h[2].params, search.network()->effective_parameters());
}

TEST(DartsSearchOptionsTest, ReadsTheKeysAndRefusesWhatItDoesNotKnow) {
  const DartsSearchOptions d = DartsSearchOptions::FromJson(Json::object(), "darts");
  EXPECT_EQ(d.optimizer.name, "sgd");
  EXPECT_DOUBLE_EQ(d.optimizer.lr, 0.025);
  EXPECT_DOUBLE_EQ(d.arch_lr, 3e-4);
  EXPECT_EQ(d.total_epochs(), 50);
  EXPECT_DOUBLE_EQ(d.op_threshold, 1.0 / 8);
  const DartsSearchOptions t = DartsSearchOptions::FromJson(
      {{"epochs", 5}, {"temperature", {{"start", 4}, {"end", 0.25}}}}, "darts");
  EXPECT_DOUBLE_EQ(t.Temperature(0), 4);
  EXPECT_DOUBLE_EQ(t.Temperature(2), 1);  // geometric: half-way is the geometric mean
  EXPECT_DOUBLE_EQ(t.Temperature(4), 0.25);
  EXPECT_EQ(DartsSearchOptions::FromJson({{"epochs", 3}}, "hmnas").total_epochs(), 3 + 2 + 4);
  EXPECT_THAT(ErrorOf([] {
                DartsSearchOptions::FromJson({{"order", 3}}, "darts");
              }),
              ::testing::HasSubstr("darts: order must be 1 or 2, not 3"));
  EXPECT_THAT(ErrorOf([] {
                DartsSearchOptions::FromJson({{"mask_epochs", 1}}, "darts");
              }),
              ::testing::HasSubstr("mask_epochs"));
  EXPECT_THAT(ErrorOf([] {
                DartsSearchOptions::FromJson({{"optimizer", {{"name", "adam"}}}}, "darts");
              }),
              ::testing::HasSubstr("optimizer must be sgd"));
  EXPECT_THAT(ErrorOf([] {
                DartsSearchOptions::FromJson({{"primitives", {"conv_9x9"}}}, "hmnas");
              }),
              ::testing::HasSubstr("unknown operation 'conv_9x9'"));
}

}  // namespace
}  // namespace automl::dl
