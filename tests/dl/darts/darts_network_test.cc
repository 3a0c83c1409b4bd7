// The DARTS search network: a mixed operation with one-hot weights is the chosen operation, and
// HM-NAS's masks at zero remove exactly what they mask (operations, edges, weights), the same
// outputs whether masked by multiplication (learning) or by skipping (the frozen sub-network).
#include "automl/dl/darts_network.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/nas/darts_genotype.h"

namespace automl::dl {
namespace {

DartsNetworkOptions Tiny(bool masks) {
  return DartsNetworkOptions(3, {1, 8, 8}).filters(4).layers(3).nodes(2).masks(masks);
}

TEST(MixedOpTest, OneHotWeightsGiveTheChosenOperation) {
  torch::manual_seed(0);
  for (const int64_t stride : {1, 2}) {
    MixedOp op(nas::DartsPrimitives(), std::vector<int64_t>{4, 6, 6}, stride);
    op->eval();  // batchnorm from running statistics: the same for every call
    const torch::Tensor x = torch::randn({2, 4, 6, 6});
    for (size_t k = 0; k < op->size(); ++k) {
      torch::Tensor w = torch::zeros({static_cast<int64_t>(op->size())});
      w[static_cast<int64_t>(k)] = 1;
      const torch::Tensor mixed = op->forward(x, w);
      const torch::Tensor alone = op->forward_op(x, k);
      EXPECT_TRUE(torch::equal(mixed, alone)) << op->primitive(k) << " stride " << stride;
      EXPECT_EQ(mixed.sizes(),
                (std::vector<int64_t>{2, 4, stride == 1 ? 6 : 3, stride == 1 ? 6 : 3}));
    }
  }
}

TEST(MixedOpTest, IsTheWeightedSumOfItsOperationsAndKeepSkipsExactlyTheRest) {
  torch::manual_seed(1);
  MixedOp op(nas::DartsPrimitives(), std::vector<int64_t>{4, 5, 5}, 1);
  op->eval();
  const torch::Tensor x = torch::randn({3, 4, 5, 5});
  const torch::Tensor w = torch::softmax(torch::randn({8}), 0);
  torch::Tensor expected = torch::zeros({3, 4, 5, 5});
  torch::Tensor kept_only = torch::zeros({3, 4, 5, 5});
  const std::vector<bool> keep = {true, false, true, false, true, false, false, true};
  for (size_t k = 0; k < op->size(); ++k) {
    const torch::Tensor term = w[static_cast<int64_t>(k)] * op->forward_op(x, k);
    expected += term;
    if (keep[k]) kept_only += term;
  }
  EXPECT_TRUE(torch::allclose(op->forward(x, w), expected, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(op->forward(x, w, keep), kept_only, 1e-5, 1e-6));
}

TEST(DartsNetworkTest, HasTheReferenceLayoutAndSeparatesItsParameters) {
  torch::manual_seed(0);
  DartsNetwork net(Tiny(false));
  // Cells 0 normal, 1 and 2 reduction (layers / 3 = 1, 2 * layers / 3 = 2).
  ASSERT_EQ(net->cells().size(), 3u);
  EXPECT_FALSE(net->cells()[0]->reduction());
  EXPECT_TRUE(net->cells()[1]->reduction());
  EXPECT_TRUE(net->cells()[2]->reduction());
  EXPECT_EQ(net->cells()[0]->edge_count(), 5u);  // 2 + 3 for two nodes
  EXPECT_EQ(net->cells()[2]->out_shape(), (std::vector<int64_t>{32, 2, 2}));
  EXPECT_EQ(net->forward(torch::randn({2, 1, 8, 8})).sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(net->architecture_parameters().size(), 2u);
  EXPECT_EQ(net->alpha(false).sizes(), (std::vector<int64_t>{5, 8}));
  EXPECT_EQ(net->weight_parameters().size() + 2, net->parameters().size());
  EXPECT_TRUE(net->structure_masks().empty());
  EXPECT_EQ(net->effective_parameters(), [&] {
    int64_t n = 0;
    for (const auto& p : net->weight_parameters()) n += p.numel();
    return n;
  }());
}

TEST(DartsNetworkTest, TemperatureSharpensAndGumbelSamplesOnlyInTraining) {
  torch::manual_seed(0);
  DartsNetwork net(Tiny(false));
  {
    torch::NoGradGuard no_grad;
    net->alpha(false).copy_(torch::randn({5, 8}));
  }
  const torch::Tensor warm = net->operation_weights(false);
  net->set_temperature(0.1);
  const torch::Tensor cold = net->operation_weights(false);
  EXPECT_GT(cold.max().item<double>(), warm.max().item<double>());
  EXPECT_TRUE(torch::allclose(cold, torch::softmax(net->alpha(false) / 0.1, -1)));
  EXPECT_THROW(net->set_temperature(0), InvalidArgument);

  net->set_gumbel(true);
  const torch::Tensor x = torch::randn({2, 1, 8, 8});
  net->eval();
  EXPECT_TRUE(torch::equal(net->forward(x), net->forward(x)));
  net->train();
  EXPECT_FALSE(torch::equal(net->forward(x), net->forward(x)));
}

TEST(DartsNetworkTest, RefusesInvalidOptions) {
  EXPECT_THROW(DartsNetwork(Tiny(false).layers(2)), InvalidArgument);
  EXPECT_THROW(DartsNetwork(Tiny(false).primitives({"none"})), InvalidArgument);
  EXPECT_THROW(DartsNetwork(Tiny(false).primitives({"skip_connect", "skip_connect"})),
               InvalidArgument);
  EXPECT_THROW(DartsNetwork(Tiny(false).primitives({"conv_9x9"})), InvalidArgument);
  DartsNetwork plain(Tiny(false));
  EXPECT_THROW(plain->set_mask_mode(MaskMode::kLearn), InvalidArgument);
}

// A network whose masks keep everything, in eval mode so that every forward pass is comparable.
DartsNetwork MaskedNetwork() {
  torch::manual_seed(3);
  DartsNetwork net(Tiny(true));
  net->InitializeMasks(1e-2);
  {
    torch::NoGradGuard no_grad;
    for (const bool r : {false, true}) {
      net->op_mask(r).fill_(1);
      net->edge_mask(r).fill_(1);
    }
  }
  net->eval();
  return net;
}

// The gradient of |of| from the sum of the network's output on |x|.
torch::Tensor GradOf(DartsNetwork& net, const torch::Tensor& x, const torch::Tensor& of) {
  for (auto& p : net->parameters()) p.mutable_grad() = torch::Tensor();
  net->forward(x).sum().backward();
  return of.grad().defined() ? of.grad().clone() : torch::zeros_like(of);
}

// The parameters of operation |o| on edge |e| of cell |c|.
std::vector<torch::Tensor> OpParameters(DartsNetwork& net, size_t c, size_t e, size_t o) {
  MixedOp& op = net->cells()[c]->edge(e);
  std::vector<torch::Tensor> params;
  for (const auto& child : op->named_children()) {
    if (child.key() == "op_" + op->primitive(o)) params = child.value()->parameters();
  }
  return params;
}

TEST(HmnasMaskTest, AnOperationMaskAtZeroRemovesExactlyThatOperation) {
  DartsNetwork net = MaskedNetwork();
  const torch::Tensor x = torch::randn({2, 1, 8, 8});
  net->set_mask_mode(MaskMode::kLearn);
  const torch::Tensor all = net->forward(x).detach();
  const size_t sep3 = 4;  // sep_conv_3x3 on edge 1 of the normal cell 0
  {
    torch::NoGradGuard no_grad;
    net->op_mask(false)[1][sep3] = 0;
  }
  const torch::Tensor masked = net->forward(x).detach();
  EXPECT_FALSE(torch::allclose(all, masked));
  // Its weights no longer get any gradient; a kept operation's do.
  const std::vector<torch::Tensor> removed = OpParameters(net, 0, 1, sep3);
  ASSERT_FALSE(removed.empty());
  for (const auto& p : removed) EXPECT_EQ(GradOf(net, x, p).abs().max().item<double>(), 0);
  EXPECT_GT(GradOf(net, x, OpParameters(net, 0, 2, sep3).front()).abs().max().item<double>(), 0);
  // The frozen sub-network, which skips the operation, computes the same.
  net->set_mask_mode(MaskMode::kFrozen);
  EXPECT_TRUE(torch::allclose(net->forward(x), masked, 1e-5, 1e-6));
  EXPECT_FALSE(net->kept_ops(false)[1][sep3]);
  EXPECT_LT(net->effective_parameters(), [&] {
    int64_t n = 0;
    for (const auto& p : net->weight_parameters()) n += p.numel();
    return n;
  }());
}

TEST(HmnasMaskTest, AnEdgeMaskAtZeroRemovesExactlyThatEdge) {
  DartsNetwork net = MaskedNetwork();
  const torch::Tensor x = torch::randn({2, 1, 8, 8});
  net->set_mask_mode(MaskMode::kLearn);
  const torch::Tensor all = net->forward(x).detach();
  {
    torch::NoGradGuard no_grad;
    net->edge_mask(true)[3] = 0;  // node 1's edge from s1 in the reduction cells
  }
  const torch::Tensor masked = net->forward(x).detach();
  EXPECT_FALSE(torch::allclose(all, masked));
  for (size_t o = 0; o < 8; ++o) {
    for (const auto& p : OpParameters(net, 1, 3, o)) {
      EXPECT_EQ(GradOf(net, x, p).abs().max().item<double>(), 0) << o;
    }
  }
  // Same as the edge's operation weights all zero: nothing else changed.
  net->set_mask_mode(MaskMode::kFrozen);
  EXPECT_TRUE(torch::allclose(net->forward(x), masked, 1e-5, 1e-6));
  EXPECT_FALSE(net->kept_edges(true)[3]);
  EXPECT_TRUE(net->kept_edges(false)[3]);
}

TEST(HmnasMaskTest, AWeightMaskAtZeroRemovesExactlyThoseWeights) {
  DartsNetwork net = MaskedNetwork();
  const torch::Tensor x = torch::randn({2, 1, 8, 8});
  net->set_mask_mode(MaskMode::kLearn);
  // The first masked convolution: the first cell's first edge, its first convolutional op.
  torch::Tensor mask = net->weight_masks().front();
  torch::Tensor raw;
  for (size_t o = 0; o < 8 && !raw.defined(); ++o) {
    for (const auto& p : OpParameters(net, 0, 0, o)) {
      if (p.sizes() == mask.sizes()) {
        raw = p;
        break;
      }
    }
  }
  ASSERT_TRUE(raw.defined());
  {
    torch::NoGradGuard no_grad;
    mask.view(-1).slice(0, 0, mask.numel() / 2).fill_(0);
  }
  const torch::Tensor masked = net->forward(x).detach();
  // The masked half of the weights: zero gradient, and changing them changes nothing.
  const torch::Tensor grad = GradOf(net, x, raw).view(-1);
  EXPECT_EQ(grad.slice(0, 0, mask.numel() / 2).abs().max().item<double>(), 0);
  EXPECT_GT(grad.slice(0, mask.numel() / 2).abs().max().item<double>(), 0);
  {
    torch::NoGradGuard no_grad;
    raw.view(-1).slice(0, 0, mask.numel() / 2).add_(1.0);
  }
  EXPECT_TRUE(torch::equal(net->forward(x), masked));
  net->set_mask_mode(MaskMode::kFrozen);
  EXPECT_TRUE(torch::equal(net->forward(x), masked));
  EXPECT_LT(net->kept_weight_fraction(), 1.0);
}

TEST(HmnasMaskTest, BinaryMaskPassesGradientsStraightThrough) {
  const torch::Tensor m = torch::tensor({0.001, 0.2, 0.5}).requires_grad_(true);
  const torch::Tensor b = BinaryMask(m, 0.1);
  EXPECT_TRUE(torch::equal(b.detach(), torch::tensor({0.0, 1.0, 1.0})));
  (b * torch::tensor({1.0, 2.0, 3.0})).sum().backward();
  EXPECT_TRUE(torch::equal(m.grad(), torch::tensor({1.0, 2.0, 3.0})));
}

TEST(DartsNetworkTest, DiscretizesItsOwnAlphas) {
  DartsNetwork net(Tiny(false));
  {
    torch::NoGradGuard no_grad;
    // Node 0: edges s0 (sep_conv_3x3 strong), s1 (max_pool weak); node 1: s0 none-only apart
    // from a weak avg pool, s1 dil_conv_3x3, node 0 skip_connect (strongest).
    net->alpha(false).zero_();
    net->alpha(false)[0][4] = 3;
    net->alpha(false)[1][1] = 1;
    net->alpha(false)[2][0] = 5;
    net->alpha(false)[2][2] = 0.5;
    net->alpha(false)[3][6] = 2;
    net->alpha(false)[4][3] = 4;
  }
  const nas::Cell cell = nas::DiscretizeCell(net->cell_alphas(false), nas::DartsPrimitives());
  ASSERT_EQ(cell.blocks.size(), 2u);
  EXPECT_EQ(cell.blocks[0].ops[0], "sep_conv_3x3");
  EXPECT_EQ(cell.blocks[0].inputs[0], nas::kCPrevPrev);
  EXPECT_EQ(cell.blocks[0].ops[1], "max_pool_3x3");
  EXPECT_EQ(cell.blocks[1].ops[0], "identity");
  EXPECT_EQ(cell.blocks[1].inputs[0], nas::BlockInput(0));
  EXPECT_EQ(cell.blocks[1].ops[1], "dil_conv_3x3");
  EXPECT_EQ(cell.blocks[1].inputs[1], nas::kCPrev);
}

}  // namespace
}  // namespace automl::dl
