// `model: {hmnas: ...}`: an HM-NAS genotype built as its search network with the architecture
// fixed: only what the genotype keeps computes and trains, and the spec refuses what it cannot
// build.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "automl/dl/darts_network.h"
#include "automl/dl/model.h"
#include "automl/error.h"
#include "automl/nas/masked_cell.h"
#include "testing/error_of.h"

namespace automl::dl {
namespace {

using ::automl::testing::ErrorOf;
using ::testing::HasSubstr;

// Two nodes: node 0 keeps its edge from c_prev with two operations; node 1 keeps three edges,
// one of them from node 0.
nas::MaskedCell TwoNodeCell() {
  nas::MaskedCell cell;
  cell.nodes.resize(2);
  cell.nodes[0].edges = {{1, 0.6, {{"skip_connect", 0.5}, {"sep_conv_3x3", 0.3}}}};
  cell.nodes[1].edges = {{0, 0.7, {{"max_pool_3x3", 0.2}}},
                         {1, 0.4, {{"dil_conv_3x3", 0.2}}},
                         {2, 0.9, {{"avg_pool_3x3", 0.1}, {"sep_conv_5x5", 0.4}}}};
  return cell;
}

Json Spec() {
  nas::MaskedGenotype g{TwoNodeCell(), TwoNodeCell()};
  return {{"hmnas", {{"genotype", nas::ToJson(g)}, {"filters", 4}, {"layers", 3}}}};
}

TEST(HmnasFamilyTest, ComputesAndTrainsOnlyWhatTheGenotypeKeeps) {
  torch::manual_seed(0);
  const ModelSpec spec = ModelSpec::FromJson(Spec());
  Net net(spec, std::vector<int64_t>{1, 8, 8}, 10);
  const torch::Tensor x = torch::randn({3, 1, 8, 8});
  const torch::Tensor out = net->forward(x);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{3, 10}));
  out.sum().backward();

  // Edge 0 of cell 0 (node 0 from c_prev_prev) is not kept; edge 1 (from c_prev) keeps
  // skip_connect and sep_conv_3x3 only.
  auto params_of = [&](const std::string& prefix) {
    std::vector<torch::Tensor> found;
    for (const auto& p : net->named_parameters()) {
      if (p.key().find(prefix) != std::string::npos) found.push_back(p.value());
    }
    return found;
  };
  const auto dropped_edge = params_of("cell0.edge0.op_sep_conv_3x3");
  const auto dropped_op = params_of("cell0.edge1.op_sep_conv_5x5");
  const auto kept_op = params_of("cell0.edge1.op_sep_conv_3x3");
  ASSERT_FALSE(dropped_edge.empty());
  ASSERT_FALSE(dropped_op.empty());
  ASSERT_FALSE(kept_op.empty());
  for (const auto& p : dropped_edge) EXPECT_FALSE(p.grad().defined());
  for (const auto& p : dropped_op) EXPECT_FALSE(p.grad().defined());
  EXPECT_GT(kept_op.front().grad().abs().max().item<double>(), 0);
  for (const auto& p : params_of("alpha_")) EXPECT_FALSE(p.requires_grad());

  // The summary counts the kept operations' parameters only.
  int64_t all = 0;
  for (const auto& p : net->parameters()) all += p.numel();
  EXPECT_GT(net->summary().params, 0);
  EXPECT_LT(net->summary().params, all);
  EXPECT_EQ(Summarize(spec, {1, 8, 8}, 10).params, net->summary().params);
}

TEST(HmnasFamilyTest, ReadsTheGenotypeCanonicallyAndRefusesWhatItCannotBuild) {
  const ModelSpec spec = ModelSpec::FromJson(Spec());
  EXPECT_EQ(ModelSpec::FromJson(spec.ToJson()).ToJson(), spec.ToJson());
  EXPECT_THAT(ErrorOf([] {
                ModelSpec::FromJson({{"hmnas", {{"filters", 4}}}});
              }),
              HasSubstr("model: hmnas: genotype: missing"));
  EXPECT_THAT(ErrorOf([] {
                ModelSpec::FromJson({{"hmnas", {{"genotype", "/nonexistent.json"}}}});
              }),
              HasSubstr("no such file"));
  Json layers = Spec();
  layers["hmnas"]["layers"] = 2;
  EXPECT_THAT(ErrorOf([&] { ModelSpec::FromJson(layers); }), HasSubstr("layers"));
  Json bad = Spec();
  bad["hmnas"]["genotype"]["normal"]["nodes"][0][0]["from"] = "n3";
  EXPECT_THAT(ErrorOf([&] { ModelSpec::FromJson(bad); }), HasSubstr("model: hmnas: genotype"));
}

}  // namespace
}  // namespace automl::dl
