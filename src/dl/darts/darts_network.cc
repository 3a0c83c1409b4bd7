#include "automl/dl/darts_network.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "dl/nasnet_modules.h"
#include "dl/nasnet_plan.h"

namespace automl::dl {
namespace {

namespace nn = torch::nn;
using nasnet::Piece;
using nasnet::Pieces;

constexpr const char* kWhere = "darts";

void CheckRange(const std::string& field, int64_t value, int64_t low, int64_t high) {
  if (value < low || value > high) {
    throw InvalidArgument(std::string(kWhere) + ": " + field + " must be an integer in [" +
                          std::to_string(low) + ", " + std::to_string(high) + "], not " +
                          std::to_string(value));
  }
}

Piece OfKind(Piece::Kind kind, int64_t channels = 0) {
  Piece p;
  p.kind = kind;
  p.channels = channels;
  return p;
}

// ReLU, 1x1 conv, batchnorm: the reference code's ReLUConvBN(C_in, C, 1, 1, 0).
Pieces Projection(int64_t channels) {
  return {OfKind(Piece::Kind::kRelu), OfKind(Piece::Kind::kConv, channels),
          OfKind(Piece::Kind::kBatchNorm, channels)};
}

// The reference code's FactorizedReduce(C_prev_prev, C).
Pieces Reduction(int64_t channels) {
  return {OfKind(Piece::Kind::kRelu), OfKind(Piece::Kind::kFactorizedReduction, channels)};
}

nn::Sequential SequenceOf(const Pieces& pieces, const std::vector<int64_t>& in) {
  nn::Sequential s;
  s->push_back(nasnet::Sequence(pieces, in));
  return s;
}

std::vector<int64_t> Strided(const std::vector<int64_t>& shape, int64_t channels, int64_t stride) {
  return {channels, (shape[1] + stride - 1) / stride, (shape[2] + stride - 1) / stride};
}

torch::Tensor Zeros(const torch::Tensor& like, const std::vector<int64_t>& shape) {
  return torch::zeros({like.size(0), shape[0], shape[1], shape[2]}, like.options());
}

}  // namespace

// ---- Options ----

DartsNetworkOptions::DartsNetworkOptions(int64_t classes, std::vector<int64_t> input_shape)
    : classes_(classes), input_shape_(std::move(input_shape)) {}

void DartsNetworkOptions::Validate() const {
  CheckRange("classes", classes_, 2, 100000);
  if (input_shape_.size() != 3 ||
      std::any_of(input_shape_.begin(), input_shape_.end(), [](int64_t d) { return d < 1; })) {
    throw InvalidArgument(std::string(kWhere) + ": the input must be images (C, H, W)");
  }
  CheckRange("filters", filters_, 2, 1024);
  CheckRange("layers", layers_, 3, 100);
  CheckRange("nodes", nodes_, 1, nas::CellSpaceOptions::kMaxBlocks);
  CheckRange("stem_multiplier", stem_multiplier_, 1, 16);
  if (primitives_.empty()) {
    throw InvalidArgument(std::string(kWhere) + ": primitives must not be empty");
  }
  std::set<std::string> seen;
  bool other_than_none = false;
  for (size_t i = 0; i < primitives_.size(); ++i) {
    const std::string& p = primitives_[i];
    const std::string where = std::string(kWhere) + ": primitives[" + std::to_string(i) + "]: ";
    if (p != "none" && p != "skip_connect" && !nas::IsKnownCellOperation(p)) {
      throw InvalidArgument(where + "unknown operation '" + p + "'");
    }
    if (!seen.insert(p).second) throw InvalidArgument(where + "'" + p + "' is repeated");
    other_than_none = other_than_none || p != "none";
  }
  if (!other_than_none) {
    throw InvalidArgument(std::string(kWhere) + ": primitives need one other than none");
  }
  for (const auto& [name, value] : {std::pair<const char*, double>{"op_threshold", op_threshold_},
                                    {"edge_threshold", edge_threshold_},
                                    {"weight_threshold", weight_threshold_}}) {
    if (!std::isfinite(value)) {
      throw InvalidArgument(std::string(kWhere) + ": " + name + " must be finite");
    }
  }
}

torch::Tensor BinaryMask(const torch::Tensor& m, double threshold) {
  const torch::Tensor binary = m.ge(threshold).to(m.dtype());
  // Forward: exactly the binary value (m - m.detach() is exactly 0); backward: identity to m.
  return binary + (m - m.detach());
}

// ---- Mixed operation ----

MixedOpImpl::MixedOpImpl(const std::vector<std::string>& primitives, std::vector<int64_t> in,
                         int64_t stride)
    : primitives_(primitives), out_(Strided(in, in[0], stride)), stride_(stride) {
  for (const std::string& p : primitives_) {
    if (p == "none") {
      ops_.emplace_back();
      continue;
    }
    const Pieces pieces =
        nasnet::OperationPieces(p == "skip_connect" ? "identity" : p, in[0], stride);
    ops_.emplace_back(register_module("op_" + p, nasnet::Sequence(pieces, in)));
  }
}

torch::Tensor MixedOpImpl::forward_op(const torch::Tensor& x, size_t o) {
  if (ops_[o].is_empty()) return Zeros(x, out_);  // none
  return ops_[o].forward(x);
}

torch::Tensor MixedOpImpl::forward(const torch::Tensor& x, const torch::Tensor& weights,
                                   const std::vector<bool>& keep) {
  torch::Tensor sum;
  for (size_t o = 0; o < ops_.size(); ++o) {
    // `none` adds w * 0: nothing to the output, nothing to any gradient.
    if (ops_[o].is_empty() || (!keep.empty() && !keep[o])) continue;
    const torch::Tensor h = weights[static_cast<int64_t>(o)] * ops_[o].forward(x);
    sum = sum.defined() ? sum + h : h;
  }
  return sum.defined() ? sum : Zeros(x, out_);
}

std::vector<nn::Conv2dImpl*> MixedOpImpl::convolutions(size_t o) {
  std::vector<nn::Conv2dImpl*> convs;
  if (ops_[o].is_empty()) return convs;
  for (const auto& m : ops_[o].ptr()->modules(/*include_self=*/true)) {
    if (auto* conv = m->as<nn::Conv2dImpl>()) convs.push_back(conv);
  }
  return convs;
}

// ---- Cell ----

DartsCellImpl::DartsCellImpl(const DartsNetworkOptions& options, std::vector<int64_t> s0,
                             std::vector<int64_t> s1, int64_t filters, bool reduction)
    : nodes_(options.nodes()), reduction_(reduction) {
  // After a reduction cell, c_prev_prev is twice the size of c_prev.
  const bool reduce_s0 = s0[1] != s1[1] || s0[2] != s1[2];
  preprocess0_ = register_module(
      "preprocess0", SequenceOf(reduce_s0 ? Reduction(filters) : Projection(filters), s0));
  preprocess1_ = register_module("preprocess1", SequenceOf(Projection(filters), s1));
  const std::vector<int64_t> state = {filters, s1[1], s1[2]};
  for (int64_t i = 0; i < nodes_; ++i) {
    for (int64_t j = 0; j < 2 + i; ++j) {
      const int64_t stride = reduction && j < 2 ? 2 : 1;
      const std::vector<int64_t> in = j < 2 ? state : Strided(state, filters, reduction ? 2 : 1);
      edges_.push_back(register_module("edge" + std::to_string(edges_.size()),
                                       MixedOp(options.primitives(), in, stride)));
    }
  }
  out_ = Strided(state, filters * nodes_, reduction ? 2 : 1);
}

torch::Tensor DartsCellImpl::forward(const torch::Tensor& s0, const torch::Tensor& s1,
                                     const EdgeWeights& w) {
  std::vector<torch::Tensor> states = {preprocess0_->forward(s0), preprocess1_->forward(s1)};
  const std::vector<int64_t> node_shape = {out_[0] / nodes_, out_[1], out_[2]};
  size_t e = 0;
  for (int64_t i = 0; i < nodes_; ++i) {
    torch::Tensor sum;
    for (int64_t j = 0; j < 2 + i; ++j, ++e) {
      if (!w.edge_keep.empty() && !w.edge_keep[e]) continue;
      const std::vector<bool> no_skips;
      torch::Tensor h =
          edges_[e]->forward(states[static_cast<size_t>(j)], w.ops[static_cast<int64_t>(e)],
                             w.op_keep.empty() ? no_skips : w.op_keep[e]);
      if (w.edges.defined()) h = h * w.edges[static_cast<int64_t>(e)];
      sum = sum.defined() ? sum + h : h;
    }
    states.push_back(sum.defined() ? sum : Zeros(states[1], node_shape));
  }
  return torch::cat(std::vector<torch::Tensor>(states.begin() + 2, states.end()), 1);
}

// ---- Network ----

DartsNetworkImpl::DartsNetworkImpl(DartsNetworkOptions options) : options_(std::move(options)) {
  options_.Validate();
  const std::vector<int64_t>& in = options_.input_shape();
  const int64_t stem_channels = options_.stem_multiplier() * options_.filters();
  stem_ = register_module(
      "stem",
      nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in[0], stem_channels, 3).padding(1).bias(false)),
                     nn::BatchNorm2d(stem_channels)));
  std::vector<int64_t> s0 = {stem_channels, in[1], in[2]}, s1 = s0;
  int64_t filters = options_.filters();
  const int64_t layers = options_.layers();
  for (int64_t i = 0; i < layers; ++i) {
    const bool reduction = i == layers / 3 || i == 2 * layers / 3;
    if (reduction) filters *= 2;
    cells_.push_back(register_module("cell" + std::to_string(i),
                                     DartsCell(options_, s0, s1, filters, reduction)));
    s0 = s1;
    s1 = cells_.back()->out_shape();
  }
  classifier_ = register_module("classifier", nn::Linear(s1[0], options_.classes()));

  const int64_t edges = nas::DartsEdgeCount(static_cast<int>(options_.nodes()));
  const auto primitives = static_cast<int64_t>(options_.primitives().size());
  // Drawn after the weights, from the same global generator, as the reference code does.
  alpha_normal_ = register_parameter("alpha_normal", 1e-3 * torch::randn({edges, primitives}));
  alpha_reduce_ = register_parameter("alpha_reduce", 1e-3 * torch::randn({edges, primitives}));
  if (!options_.masks()) return;
  beta_normal_ = register_parameter("beta_normal", 1e-3 * torch::randn({edges}));
  beta_reduce_ = register_parameter("beta_reduce", 1e-3 * torch::randn({edges}));
  op_mask_normal_ = register_parameter("op_mask_normal", torch::ones({edges, primitives}));
  op_mask_reduce_ = register_parameter("op_mask_reduce", torch::ones({edges, primitives}));
  edge_mask_normal_ = register_parameter("edge_mask_normal", torch::ones({edges}));
  edge_mask_reduce_ = register_parameter("edge_mask_reduce", torch::ones({edges}));
  for (size_t c = 0; c < cells_.size(); ++c) {
    for (size_t e = 0; e < cells_[c]->edge_count(); ++e) {
      MixedOp& op = cells_[c]->edge(e);
      for (size_t o = 0; o < op->size(); ++o) {
        for (nn::Conv2dImpl* conv : op->convolutions(o)) {
          const std::string name = "weight_mask" + std::to_string(masked_convs_.size());
          torch::Tensor mask = register_parameter(name, torch::ones_like(conv->weight));
          masked_convs_.push_back({conv, conv->weight, mask, c, e, o});
        }
      }
    }
  }
}

std::vector<torch::Tensor> DartsNetworkImpl::architecture_parameters() {
  if (!options_.masks()) return {alpha_normal_, alpha_reduce_};
  return {alpha_normal_, alpha_reduce_, beta_normal_, beta_reduce_};
}

std::vector<torch::Tensor> DartsNetworkImpl::structure_masks() {
  if (!options_.masks()) return {};
  return {op_mask_normal_, op_mask_reduce_, edge_mask_normal_, edge_mask_reduce_};
}

std::vector<torch::Tensor> DartsNetworkImpl::weight_masks() {
  std::vector<torch::Tensor> masks;
  for (const MaskedConv& m : masked_convs_) masks.push_back(m.mask);
  return masks;
}

std::vector<torch::Tensor> DartsNetworkImpl::weight_parameters() {
  std::set<const void*> other;
  for (const auto& group : {architecture_parameters(), structure_masks(), weight_masks()}) {
    for (const torch::Tensor& t : group) other.insert(t.unsafeGetTensorImpl());
  }
  std::vector<torch::Tensor> weights;
  for (const torch::Tensor& p : parameters()) {
    if (other.count(p.unsafeGetTensorImpl()) == 0) weights.push_back(p);
  }
  return weights;
}

nas::CellAlphas DartsNetworkImpl::cell_alphas(bool reduction) const {
  nas::CellAlphas a;
  a.nodes = static_cast<int>(options_.nodes());
  const torch::Tensor t = (reduction ? alpha_reduce_ : alpha_normal_).detach().to(torch::kDouble);
  for (int64_t e = 0; e < t.size(0); ++e) {
    const torch::Tensor row = t[e].contiguous();
    a.edges.emplace_back(row.data_ptr<double>(), row.data_ptr<double>() + row.numel());
  }
  return a;
}

torch::Tensor DartsNetworkImpl::operation_weights(bool reduction) const {
  torch::NoGradGuard no_grad;
  return torch::softmax((reduction ? alpha_reduce_ : alpha_normal_) / temperature_, -1);
}

torch::Tensor DartsNetworkImpl::edge_weights(bool reduction) const {
  torch::NoGradGuard no_grad;
  if (!options_.masks()) return torch::ones({alpha_normal_.size(0)});
  return torch::sigmoid(reduction ? beta_reduce_ : beta_normal_);
}

std::vector<std::vector<bool>> DartsNetworkImpl::kept_ops(bool reduction) const {
  const torch::Tensor& a = reduction ? alpha_reduce_ : alpha_normal_;
  std::vector<std::vector<bool>> kept(static_cast<size_t>(a.size(0)),
                                      std::vector<bool>(static_cast<size_t>(a.size(1)), true));
  torch::Tensor binary;
  if (fixed()) {
    binary = fixed_ops_[reduction].gt(0);
  } else if (!options_.masks() || mask_mode_ == MaskMode::kOff) {
    return kept;
  } else {
    binary = (reduction ? op_mask_reduce_ : op_mask_normal_).detach().ge(options_.op_threshold());
  }
  for (int64_t e = 0; e < a.size(0); ++e) {
    for (int64_t o = 0; o < a.size(1); ++o) {
      kept[e][o] = binary[e][o].item<bool>();
    }
  }
  return kept;
}

std::vector<bool> DartsNetworkImpl::kept_edges(bool reduction) const {
  const auto edges = static_cast<size_t>(alpha_normal_.size(0));
  std::vector<bool> kept(edges, true);
  torch::Tensor binary;
  if (fixed()) {
    binary = fixed_edges_[reduction].ne(0);
  } else if (!options_.masks() || mask_mode_ == MaskMode::kOff) {
    return kept;
  } else {
    binary =
        (reduction ? edge_mask_reduce_ : edge_mask_normal_).detach().ge(options_.edge_threshold());
  }
  for (size_t e = 0; e < edges; ++e) kept[e] = binary[static_cast<int64_t>(e)].item<bool>();
  return kept;
}

void DartsNetworkImpl::InitializeMasks(double weight_init) {
  if (!options_.masks()) throw InvalidArgument("darts: the network has no masks (masks: false)");
  torch::NoGradGuard no_grad;
  for (const bool reduction : {false, true}) {
    op_mask(reduction).copy_(operation_weights(reduction));
    edge_mask(reduction).copy_(edge_weights(reduction));
  }
  for (MaskedConv& m : masked_convs_) m.mask.fill_(weight_init);
}

void DartsNetworkImpl::set_mask_mode(MaskMode mode) {
  if (mode != MaskMode::kOff && !options_.masks()) {
    throw InvalidArgument("darts: the network has no masks (masks: false)");
  }
  mask_mode_ = mode;
}

void DartsNetworkImpl::FixArchitecture(const nas::MaskedGenotype& genotype) {
  nas::Validate(genotype);
  const std::vector<std::string>& primitives = options_.primitives();
  const auto edges = static_cast<int64_t>(nas::DartsEdgeCount(static_cast<int>(options_.nodes())));
  for (const bool reduction : {false, true}) {
    const nas::MaskedCell& cell = reduction ? genotype.reduction : genotype.normal;
    const std::string where =
        std::string("hmnas: genotype: ") + (reduction ? "reduction" : "normal");
    if (static_cast<int64_t>(cell.nodes.size()) != options_.nodes()) {
      throw InvalidArgument(where + ": has " + std::to_string(cell.nodes.size()) +
                            " nodes, the network " + std::to_string(options_.nodes()));
    }
    torch::Tensor ops = torch::zeros({edges, static_cast<int64_t>(primitives.size())});
    torch::Tensor weights = torch::zeros({edges});
    int64_t first = 0;  // node i's first edge: node i reads s0, s1, node 0 .. node i-1
    for (size_t i = 0; i < cell.nodes.size(); ++i) {
      for (const nas::MaskedEdge& edge : cell.nodes[i].edges) {
        const int64_t e = first + edge.source;
        weights[e] = edge.weight;
        for (const nas::MaskedOp& op : edge.ops) {
          const std::string name = op.op == "identity" ? "skip_connect" : op.op;
          const auto it = std::find(primitives.begin(), primitives.end(), name);
          if (it == primitives.end()) {
            throw InvalidArgument(where + ": operation '" + op.op +
                                  "' is not among the primitives");
          }
          ops[e][it - primitives.begin()] = op.weight;
        }
      }
      first += 2 + static_cast<int64_t>(i);
    }
    // Buffers, so that they move with the network and are saved with it.
    const std::string kind = reduction ? "reduce" : "normal";
    fixed_ops_[reduction] = register_buffer("fixed_ops_" + kind, ops.to(alpha_normal_.device()));
    fixed_edges_[reduction] =
        register_buffer("fixed_edges_" + kind, weights.to(alpha_normal_.device()));
  }
  for (torch::Tensor& a : architecture_parameters()) a.requires_grad_(false);
}

void DartsNetworkImpl::set_temperature(double temperature) {
  if (!(temperature > 0) || !std::isfinite(temperature)) {
    throw InvalidArgument("darts: the temperature must be positive and finite, not " +
                          std::to_string(temperature));
  }
  temperature_ = temperature;
}

EdgeWeights DartsNetworkImpl::WeightsOf(bool reduction) {
  EdgeWeights w;
  if (fixed()) {
    w.ops = fixed_ops_[reduction];
    w.edges = fixed_edges_[reduction];
    w.op_keep = kept_ops(reduction);
    w.edge_keep = kept_edges(reduction);
    return w;
  }
  torch::Tensor logits = alpha(reduction);
  if (gumbel_ && is_training()) {
    // Gumbel(0, 1) noise, -log(-log(U)), with U kept away from 0 and 1.
    const torch::Tensor u = torch::rand_like(logits).clamp(1e-10, 1 - 1e-10);
    logits = logits - torch::log(-torch::log(u));
  }
  w.ops = torch::softmax(logits / temperature_, -1);
  if (!options_.masks()) return w;
  w.edges = torch::sigmoid(beta(reduction));
  if (mask_mode_ == MaskMode::kLearn) {
    w.ops = w.ops * BinaryMask(op_mask(reduction), options_.op_threshold());
    w.edges = w.edges * BinaryMask(edge_mask(reduction), options_.edge_threshold());
  } else if (mask_mode_ == MaskMode::kFrozen) {
    w.op_keep = kept_ops(reduction);
    w.edge_keep = kept_edges(reduction);
  }
  return w;
}

void DartsNetworkImpl::ApplyWeightMasks() {
  for (MaskedConv& m : masked_convs_) {
    switch (mask_mode_) {
      case MaskMode::kOff:
        m.conv->weight = m.raw;
        break;
      case MaskMode::kLearn:
        m.conv->weight = m.raw * BinaryMask(m.mask, options_.weight_threshold());
        break;
      case MaskMode::kFrozen:
        m.conv->weight = m.raw * m.mask.detach().ge(options_.weight_threshold()).to(m.raw.dtype());
        break;
    }
  }
}

torch::Tensor DartsNetworkImpl::forward(const torch::Tensor& x) {
  const EdgeWeights normal = WeightsOf(false), reduce = WeightsOf(true);
  ApplyWeightMasks();
  torch::Tensor s0 = stem_->forward(x), s1 = s0;
  for (DartsCell& cell : cells_) {
    torch::Tensor next = cell->forward(s0, s1, cell->reduction() ? reduce : normal);
    s0 = std::move(s1);
    s1 = std::move(next);
  }
  return classifier_->forward(torch::adaptive_avg_pool2d(s1, {1, 1}).flatten(1));
}

int64_t DartsNetworkImpl::effective_parameters() {
  int64_t count = 0;
  for (const torch::Tensor& p : weight_parameters()) count += p.numel();
  if (!fixed() && (!options_.masks() || mask_mode_ == MaskMode::kOff)) return count;
  std::vector<std::vector<std::vector<bool>>> op_keep(2);
  std::vector<std::vector<bool>> edge_keep(2);
  for (const bool r : {false, true}) {
    op_keep[r] = kept_ops(r);
    edge_keep[r] = kept_edges(r);
  }
  for (DartsCell& cell : cells_) {
    const bool r = cell->reduction();
    for (size_t e = 0; e < cell->edge_count(); ++e) {
      MixedOp& op = cell->edge(e);
      for (size_t o = 0; o < op->size(); ++o) {
        if (edge_keep[r][e] && op_keep[r][e][o]) continue;
        for (const auto& m : op->named_children()) {
          if (m.key() == "op_" + op->primitive(o)) {
            for (const torch::Tensor& p : m.value()->parameters()) count -= p.numel();
          }
        }
      }
    }
  }
  if (mask_mode_ == MaskMode::kOff) return count;  // fixed, without weight masks
  for (const MaskedConv& m : masked_convs_) {
    const bool r = cells_[m.cell]->reduction();
    if (!edge_keep[r][m.edge] || !op_keep[r][m.edge][m.op]) continue;  // already counted out
    count -= m.mask.detach().lt(options_.weight_threshold()).sum().item<int64_t>();
  }
  return count;
}

double DartsNetworkImpl::kept_weight_fraction() {
  if (masked_convs_.empty() || mask_mode_ == MaskMode::kOff) return 1;
  int64_t kept = 0, total = 0;
  for (const MaskedConv& m : masked_convs_) {
    kept += m.mask.detach().ge(options_.weight_threshold()).sum().item<int64_t>();
    total += m.mask.numel();
  }
  return static_cast<double>(kept) / static_cast<double>(total);
}

}  // namespace automl::dl
