// The search network of differentiable architecture search: every edge of a cell a mixed
// operation whose weights come from learnable architecture parameters, and, for HM-NAS, masks on
// operations, edges and network weights.
//
// H. Liu, K. Simonyan, Y. Yang, "DARTS: Differentiable Architecture Search", ICLR 2019, section
// 2.1 and its reference code (github.com/quark0/darts, cnn/model_search.py).
// S. Yan, B. Fang, F. Zhang, Y. Zheng, X. Zeng, H. Xu, M. Zhang, "HM-NAS: Efficient Neural
// Architecture Search via Hierarchical Masking", ICCV Workshops 2019.
//
//   DartsNetwork net(DartsNetworkOptions(/*classes=*/10, {1, 14, 14}).filters(8).layers(5));
//   torch::Tensor logits = net->forward(x);      // softmax(alpha / T) on every edge
//   net->set_temperature(0.5);                   // sharper choices
//   net->set_gumbel(true);                       // Gumbel-softmax samples in training mode
//   nas::Genotype g = nas::DiscretizeGenotype(net->cell_alphas(false), net->cell_alphas(true),
//                                             net->options().primitives());
//
// Layout, as the reference code's Network: a 3x3 stem convolution to stem_multiplier * F channels
// + batchnorm; `layers` cells, reduction cells at layers / 3 and 2 * layers / 3 (F doubles there);
// global average pooling; a linear classifier. A cell reads s0 (c_prev_prev) and s1 (c_prev), each
// projected to F channels (ReLU, 1x1 conv, batchnorm; after a reduction cell s0 through the
// factorized reduction instead), has `nodes` intermediate nodes, node i the sum over its edges
// from s0, s1, node 0, ..., node i-1 (nas::DartsEdgeCount(nodes) edges in DARTS's order), and
// outputs the concatenation of all nodes. In a reduction cell the edges from s0 and s1 have
// stride 2.
//
// An edge is a mixed operation: sum_o w_o * o(x) over `primitives` (default nas::DartsPrimitives():
// none, max/avg pool 3x3, skip, sep conv 3x3/5x5, dil conv 3x3/5x5), where `none` is a zero of the
// output's shape and skip_connect the identity (stride 2: the factorized reduction). The other
// operations are those of the NASNet evaluation network (automl/dl/nasnet.h), built from the same
// pieces, so that a discretized cell trains the operations it was searched with. Deviation from
// the reference code: its search network's batchnorms have no affine parameters; here they have
// (the evaluation network's do).
//
// Operation weights w = softmax(alpha / T) per edge, T the temperature (1 in DARTS). With Gumbel
// sampling on and in training mode, w = softmax((alpha + g) / T) with g drawn from Gumbel(0, 1)
// for every forward pass (E. Jang, S. Gu, B. Poole, "Categorical Reparameterization with
// Gumbel-Softmax", ICLR 2017); in eval mode the plain softmax.
//
// HM-NAS (options.masks(true)) adds, per cell kind:
//   - an edge-level encoding beta (one per edge): the edge's output is scaled by sigmoid(beta), so
//     that edges into a node do not compete through one softmax and any number may stay;
//   - real-valued masks on operations (edges x primitives) and on edges, and one on every weight
//     of the mixed operations' convolutions. A mask m enters as the binary 1[m >= threshold]; its
//     gradient passes straight through to m (the thresholding of A. Mallya, D. Davis, S.
//     Lazebnik, "Piggyback", ECCV 2018, which HM-NAS builds its masks on). A convolution computes
//     with weight * binary mask.
// MaskMode kOff ignores the masks (HM-NAS's first phase, like DARTS), kLearn applies them with
// straight-through gradients, kFrozen applies them without gradients and skips every operation
// and edge they remove (the found sub-network, trained on with its weights).
#ifndef AUTOML_DL_DARTS_NETWORK_H_
#define AUTOML_DL_DARTS_NETWORK_H_

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "automl/nas/darts_genotype.h"
#include "automl/nas/masked_cell.h"

namespace automl::dl {

class DartsNetworkOptions {
 public:
  // |input_shape| is (C, H, W), without the batch dimension.
  DartsNetworkOptions(int64_t classes, std::vector<int64_t> input_shape);

  TORCH_ARG(int64_t, classes);
  TORCH_ARG(std::vector<int64_t>, input_shape);
  // F, the channels of every node in the first cells.
  TORCH_ARG(int64_t, filters) = 16;
  // Cells; reduction cells at layers / 3 and 2 * layers / 3.
  TORCH_ARG(int64_t, layers) = 8;
  // Intermediate nodes per cell.
  TORCH_ARG(int64_t, nodes) = 4;
  TORCH_ARG(int64_t, stem_multiplier) = 3;
  // The candidate operations of every edge.
  TORCH_ARG(std::vector<std::string>, primitives) = nas::DartsPrimitives();
  // HM-NAS's edge encoding and masks.
  TORCH_ARG(bool, masks) = false;
  // HM-NAS's thresholds: a mask value at or above it keeps what it masks.
  TORCH_ARG(double, op_threshold) = 0.125;
  TORCH_ARG(double, edge_threshold) = 0.5;
  TORCH_ARG(double, weight_threshold) = 5e-3;

 public:
  // Throws InvalidArgument naming the field ("darts: layers must be an integer in [3, 100], not
  // 2").
  void Validate() const;
};

enum class MaskMode { kOff, kLearn, kFrozen };

// The binary mask 1[m >= threshold] whose gradient is passed to m unchanged (straight-through).
torch::Tensor BinaryMask(const torch::Tensor& m, double threshold);

class MixedOpImpl : public torch::nn::Module {
 public:
  // |in| is the (C, H, W) shape of the input; stride 1 or 2.
  MixedOpImpl(const std::vector<std::string>& primitives, std::vector<int64_t> in, int64_t stride);

  // sum_o weights[o] * op_o(x) over the operations with keep[o] (all when |keep| is empty);
  // |weights| has one entry per primitive.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& weights,
                        const std::vector<bool>& keep = {});
  // Operation |o| alone.
  torch::Tensor forward_op(const torch::Tensor& x, size_t o);
  size_t size() const { return ops_.size(); }
  const std::string& primitive(size_t o) const { return primitives_[o]; }
  // The convolutions of operation |o| (for weight masks and parameter counts).
  std::vector<torch::nn::Conv2dImpl*> convolutions(size_t o);

 private:
  std::vector<std::string> primitives_;
  std::vector<int64_t> out_;  // the output's (C, H, W)
  int64_t stride_;
  std::vector<torch::nn::AnyModule> ops_;  // empty holders for none
};
TORCH_MODULE(MixedOp);

// What a cell's edges compute with, per edge (rows in DARTS's order).
struct EdgeWeights {
  torch::Tensor ops;    // (edges, primitives)
  torch::Tensor edges;  // (edges), or undefined: every edge weighs 1
  // Operations and edges to skip entirely (MaskMode kFrozen); empty: none.
  std::vector<std::vector<bool>> op_keep;
  std::vector<bool> edge_keep;
};

class DartsCellImpl : public torch::nn::Module {
 public:
  // |s0| and |s1| are the (C, H, W) shapes of c_prev_prev and c_prev.
  DartsCellImpl(const DartsNetworkOptions& options, std::vector<int64_t> s0,
                std::vector<int64_t> s1, int64_t filters, bool reduction);

  torch::Tensor forward(const torch::Tensor& s0, const torch::Tensor& s1, const EdgeWeights& w);
  bool reduction() const { return reduction_; }
  std::vector<int64_t> out_shape() const { return out_; }
  MixedOp& edge(size_t e) { return edges_[e]; }
  size_t edge_count() const { return edges_.size(); }

 private:
  int64_t nodes_;
  bool reduction_;
  std::vector<int64_t> out_;
  torch::nn::Sequential preprocess0_{nullptr}, preprocess1_{nullptr};
  std::vector<MixedOp> edges_;
};
TORCH_MODULE(DartsCell);

class DartsNetworkImpl : public torch::nn::Module {
 public:
  // Validates |options|; architecture parameters start at 1e-3 * N(0, 1) as in the reference
  // code, HM-NAS's masks at 1 (see InitializeMasks).
  explicit DartsNetworkImpl(DartsNetworkOptions options);

  torch::Tensor forward(const torch::Tensor& x);

  // The network's weights (no architecture parameters, no masks).
  std::vector<torch::Tensor> weight_parameters();
  // alpha_normal, alpha_reduce and, with masks, beta_normal, beta_reduce.
  std::vector<torch::Tensor> architecture_parameters();
  // HM-NAS: the operation and edge masks of both cell kinds; empty without masks.
  std::vector<torch::Tensor> structure_masks();
  // HM-NAS: the masks on convolution weights; empty without masks.
  std::vector<torch::Tensor> weight_masks();

  torch::Tensor& alpha(bool reduction) { return reduction ? alpha_reduce_ : alpha_normal_; }
  torch::Tensor& beta(bool reduction) { return reduction ? beta_reduce_ : beta_normal_; }
  torch::Tensor& op_mask(bool reduction) { return reduction ? op_mask_reduce_ : op_mask_normal_; }
  torch::Tensor& edge_mask(bool reduction) {
    return reduction ? edge_mask_reduce_ : edge_mask_normal_;
  }
  // The alphas of one cell kind, for nas::DiscretizeCell.
  nas::CellAlphas cell_alphas(bool reduction) const;
  // softmax(alpha / T) per edge (no Gumbel noise), (edges, primitives).
  torch::Tensor operation_weights(bool reduction) const;
  // sigmoid(beta) per edge (HM-NAS), (edges); ones without masks.
  torch::Tensor edge_weights(bool reduction) const;
  // The binary masks as they stand (HM-NAS): (edges, primitives) and (edges).
  std::vector<std::vector<bool>> kept_ops(bool reduction) const;
  std::vector<bool> kept_edges(bool reduction) const;

  // HM-NAS's second phase starts here: operation masks set to softmax(alpha / T), edge masks to
  // sigmoid(beta), so that what the first phase ranked above the thresholds is kept at first, and
  // weight masks to |weight_init| (above weight_threshold: every weight kept).
  void InitializeMasks(double weight_init);
  void set_mask_mode(MaskMode mode);
  MaskMode mask_mode() const { return mask_mode_; }

  // Fixes the architecture to |genotype| (an HM-NAS result, automl/nas/masked_cell.h): every
  // edge computes with the recorded operation and edge weights, and what the genotype does not
  // keep is skipped, as MaskMode kFrozen does; alphas no longer train. Its cells must have
  // options.nodes() nodes and operations among options.primitives(). This is the found
  // sub-network built anew, to be trained from scratch (`model: {hmnas: ...}`, automl/dl/model.h).
  // Throws InvalidArgument.
  void FixArchitecture(const nas::MaskedGenotype& genotype);
  bool fixed() const { return fixed_ops_[0].defined(); }

  void set_temperature(double temperature);
  double temperature() const { return temperature_; }
  void set_gumbel(bool gumbel) { gumbel_ = gumbel; }
  bool gumbel() const { return gumbel_; }

  // Parameters the network computes with: every weight, except the convolution weights of
  // operations and edges the masks remove and, in MaskMode kLearn or kFrozen, weights whose own
  // mask is off. Without masks, all of weight_parameters().
  int64_t effective_parameters();
  // The fraction of masked convolution weights kept (1 without masks).
  double kept_weight_fraction();

  const DartsNetworkOptions& options() const { return options_; }
  std::vector<DartsCell>& cells() { return cells_; }

 private:
  EdgeWeights WeightsOf(bool reduction);
  // Sets each masked convolution's weight to raw * binary mask (or back to raw).
  void ApplyWeightMasks();

  DartsNetworkOptions options_;
  torch::nn::Sequential stem_{nullptr};
  std::vector<DartsCell> cells_;
  torch::nn::Linear classifier_{nullptr};
  torch::Tensor alpha_normal_, alpha_reduce_, beta_normal_, beta_reduce_;
  torch::Tensor op_mask_normal_, op_mask_reduce_, edge_mask_normal_, edge_mask_reduce_;
  struct MaskedConv {
    torch::nn::Conv2dImpl* conv;
    torch::Tensor raw;   // the registered weight the optimizer updates
    torch::Tensor mask;  // same shape
    size_t cell, edge, op;
  };
  std::vector<MaskedConv> masked_convs_;
  torch::Tensor fixed_ops_[2], fixed_edges_[2];  // FixArchitecture's, by cell kind
  MaskMode mask_mode_ = MaskMode::kOff;
  double temperature_ = 1;
  bool gumbel_ = false;
};
TORCH_MODULE(DartsNetwork);

}  // namespace automl::dl

#endif  // AUTOML_DL_DARTS_NETWORK_H_
