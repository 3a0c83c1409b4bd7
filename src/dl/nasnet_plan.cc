#include "dl/nasnet_plan.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"

namespace automl::dl::nasnet {
namespace {

// The auxiliary head's widths, fixed by the paper whatever F is.
constexpr int64_t kAuxiliaryProjection = 128;
constexpr int64_t kAuxiliaryHidden = 768;
constexpr int64_t kAuxiliaryWindow = 5;
constexpr int64_t kAuxiliaryStride = 3;

// A network too large to count is refused, not misreported.
int64_t Mul(std::initializer_list<int64_t> factors, const std::string& where) {
  int64_t product = 1;
  for (const int64_t factor : factors) {
    if (__builtin_mul_overflow(product, factor, &product)) {
      throw InvalidArgument(where + ": too large to count (over 2^63 parameters or FLOPs)");
    }
  }
  return product;
}

// ---- Pieces. ----

Piece Relu() { return Piece{}; }

Piece Conv(int64_t channels, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride = {1, 1},
           int64_t dilation = 1) {
  Piece p;
  p.kind = Piece::Kind::kConv;
  p.channels = channels;
  p.kernel = kernel;
  p.stride = stride;
  p.dilation = dilation;
  return p;
}

Piece Conv(int64_t channels, int64_t kernel, int64_t stride = 1, int64_t dilation = 1) {
  return Conv(channels, {kernel, kernel}, {stride, stride}, dilation);
}

Piece Depthwise(int64_t channels, int64_t kernel, int64_t stride) {
  Piece p = Conv(channels, kernel, stride);
  p.depthwise = true;
  return p;
}

Piece BatchNorm(int64_t channels) {
  Piece p;
  p.kind = Piece::Kind::kBatchNorm;
  p.channels = channels;
  return p;
}

Piece Pool(Piece::Kind kind, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride) {
  Piece p;
  p.kind = kind;
  p.kernel = kernel;
  p.stride = stride;
  return p;
}

Piece Pool(Piece::Kind kind, int64_t kernel, int64_t stride) {
  return Pool(kind, {kernel, kernel}, {stride, stride});
}

Piece FactorizedReduction(int64_t channels) {
  Piece p;
  p.kind = Piece::Kind::kFactorizedReduction;
  p.channels = channels;
  return p;
}

Piece OfKind(Piece::Kind kind) {
  Piece p;
  p.kind = kind;
  return p;
}

Piece Linear(int64_t channels) {
  Piece p = OfKind(Piece::Kind::kLinear);
  p.channels = channels;
  return p;
}

// ReLU, 1x1 conv, batchnorm: how inputs and concatenated blocks are brought to F channels.
Pieces Projection(int64_t channels) { return {Relu(), Conv(channels, 1), BatchNorm(channels)}; }

// ReLU, depthwise kxk, pointwise 1x1, batchnorm: one half of a NASNet separable convolution.
void AddSeparable(Pieces& pieces, int64_t channels, int64_t kernel, int64_t stride) {
  pieces.push_back(Relu());
  pieces.push_back(Depthwise(channels, kernel, stride));
  pieces.push_back(Conv(channels, 1));
  pieces.push_back(BatchNorm(channels));
}

// ---- Shapes and counts. ----

std::string ShapeText(const Shape& shape) {
  std::string out;
  for (const int64_t d : shape) out += (out.empty() ? "" : "x") + std::to_string(d);
  return out;
}

// The output size along one axis of a window sliding over |size| (PyTorch's floor rule).
int64_t SlideOut(int64_t size, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation,
                 const Shape& in, const std::string& where) {
  const int64_t span = dilation * (kernel - 1) + 1;
  if (size + 2 * padding < span) {
    throw InvalidArgument(where + ": a window of " + std::to_string(span) + " is larger than its " +
                          ShapeText(in) + " input");
  }
  return (size + 2 * padding - span) / stride + 1;
}

// A conv or pool: the output shape, with |channels| channels.
Shape WindowOut(const Piece& p, const Shape& in, int64_t channels, const std::string& where) {
  const std::array<int64_t, 2> padding = Padding(p);
  return {channels, SlideOut(in[1], p.kernel[0], p.stride[0], padding[0], p.dilation, in, where),
          SlideOut(in[2], p.kernel[1], p.stride[1], padding[1], p.dilation, in, where)};
}

void RequireImage(const Shape& in, const std::string& where) {
  if (in.size() != 3) {
    throw InvalidArgument(where + ": needs an image (C, H, W), not " + ShapeText(in));
  }
}

// Adds one piece's output shape, parameters and multiply-adds to |cost|, whose shape is its input.
void Apply(const Piece& p, Cost& cost, const std::string& where) {
  using Kind = Piece::Kind;
  const Shape in = cost.out;
  int64_t params = 0, flops = 0;
  switch (p.kind) {
    case Kind::kRelu:
    case Kind::kDropout:
      break;
    case Kind::kConv: {
      RequireImage(in, where);
      const int64_t per_group = p.depthwise ? 1 : in[0];
      cost.out = WindowOut(p, in, p.depthwise ? in[0] : p.channels, where);
      params = Mul({cost.out[0], per_group, p.kernel[0], p.kernel[1]}, where);
      flops = Mul({params, cost.out[1], cost.out[2]}, where);
      break;
    }
    case Kind::kBatchNorm:
      params = Mul({2, in[0]}, where);
      break;
    case Kind::kAvgPool:
    case Kind::kMaxPool:
      RequireImage(in, where);
      cost.out = WindowOut(p, in, in[0], where);
      break;
    case Kind::kFactorizedReduction:
      RequireImage(in, where);
      cost.out = {p.channels, (in[1] + 1) / 2, (in[2] + 1) / 2};
      params = Add(Mul({in[0], p.channels}, where), Mul({2, p.channels}, where), where);
      flops = Mul({in[0], p.channels, cost.out[1], cost.out[2]}, where);
      break;
    case Kind::kGlobalAvgPool:
      RequireImage(in, where);
      cost.out = {in[0], 1, 1};
      break;
    case Kind::kFlatten:
      cost.out = {in.size() == 3 ? Mul({in[0], in[1], in[2]}, where) : in[0]};
      break;
    case Kind::kLinear:
      if (in.size() != 1) throw InvalidArgument(where + ": a linear layer needs features");
      cost.out = {p.channels};
      flops = Mul({in[0], p.channels}, where);
      params = Add(flops, p.channels, where);
      break;
  }
  cost.params = Add(cost.params, params, where);
  cost.flops = Add(cost.flops, flops, where);
}

// ---- The network. ----

// The spatial part (H, W) of an image shape.
Shape Spatial(const Shape& shape) { return {shape[1], shape[2]}; }

// Lays out one cell reading c_prev of shape |prev| and c_prev_prev of shape |prev_prev|.
CellPlan PlanCell(const nas::Cell& cell, bool reduction, int64_t filters, const Shape& prev,
                  const Shape& prev_prev, const std::string& where) {
  CellPlan c;
  c.reduction = reduction;
  c.filters = filters;
  c.prev = prev;
  c.prev_prev = prev_prev;
  c.cell = cell;
  c.outputs = cell.Outputs();
  c.preprocess_prev = Projection(filters);
  c.preprocess_prev_prev = Spatial(prev_prev) == Spatial(prev)
                               ? Projection(filters)
                               : Pieces{Relu(), FactorizedReduction(filters)};
  // The shape of every input a branch may read: c_prev, c_prev_prev, then each block's output.
  std::vector<Shape> shapes = {CostOf(c.preprocess_prev, prev, where).out,
                               CostOf(c.preprocess_prev_prev, prev_prev, where).out};
  if (shapes[nas::kCPrev] != shapes[nas::kCPrevPrev]) {
    throw InternalError(where + ": c_prev_prev (" + ShapeText(prev_prev) +
                        ") cannot be brought to the size of c_prev (" + ShapeText(prev) + ")");
  }
  for (const nas::Block& block : cell.blocks) {
    BlockPlan b;
    std::array<Shape, 2> branch_out;
    for (size_t i = 0; i < 2; ++i) {
      const int input = block.inputs[i];
      const int64_t stride = reduction && input < nas::kFirstBlockInput ? 2 : 1;
      b.branches[i] = OperationPieces(block.ops[i], filters, stride);
      b.in[i] = shapes[input];
      branch_out[i] = CostOf(b.branches[i], b.in[i], where).out;
    }
    if (branch_out[0] != branch_out[1]) {
      throw InternalError(where + ": branches of " + ShapeText(branch_out[0]) + " and " +
                          ShapeText(branch_out[1]) + " cannot be combined");
    }
    b.out = branch_out[0];
    if (block.combine == "concat") b.projection = Projection(filters);
    shapes.push_back(b.out);
    c.blocks.push_back(std::move(b));
  }
  const Shape& block_shape = shapes.back();
  c.out = {Mul({filters, static_cast<int64_t>(c.outputs.size())}, where), block_shape[1],
           block_shape[2]};
  return c;
}

// The paper's auxiliary head on an |in| feature map, with the pooling window cut to the map.
Pieces AuxiliaryPieces(const Shape& in, int64_t classes, const std::string& where) {
  Piece pool = Pool(Piece::Kind::kAvgPool,
                    {std::min(kAuxiliaryWindow, in[1]), std::min(kAuxiliaryWindow, in[2])},
                    {kAuxiliaryStride, kAuxiliaryStride});
  pool.same_padding = false;
  const Shape pooled = CostOf({pool}, in, where).out;
  // The 768 convolution spans whatever the pooling leaves, as in the paper's code.
  Piece hidden = Conv(kAuxiliaryHidden, {pooled[1], pooled[2]});
  hidden.same_padding = false;
  return {Relu(),
          pool,
          Conv(kAuxiliaryProjection, 1),
          BatchNorm(kAuxiliaryProjection),
          Relu(),
          hidden,
          BatchNorm(kAuxiliaryHidden),
          Relu(),
          OfKind(Piece::Kind::kFlatten),
          Linear(classes)};
}

Pieces HeadPieces(double dropout, int64_t classes) {
  Pieces head = {Relu(), OfKind(Piece::Kind::kGlobalAvgPool), OfKind(Piece::Kind::kFlatten)};
  if (dropout > 0) {
    Piece drop = OfKind(Piece::Kind::kDropout);
    drop.rate = dropout;
    head.push_back(drop);
  }
  head.push_back(Linear(classes));
  return head;
}

}  // namespace

std::string CellWhere(size_t index, bool reduction) {
  return "nasnet: cell " + std::to_string(index) + (reduction ? " (reduction)" : " (normal)");
}

int64_t Add(int64_t a, int64_t b, const std::string& where) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    throw InvalidArgument(where + ": too large to count (over 2^63 parameters or FLOPs)");
  }
  return sum;
}

std::array<int64_t, 2> Padding(const Piece& piece) {
  if (!piece.same_padding) return {0, 0};
  return {piece.dilation * (piece.kernel[0] - 1) / 2, piece.dilation * (piece.kernel[1] - 1) / 2};
}

Cost CostOf(const Pieces& pieces, const Shape& in, const std::string& where) {
  Cost cost;
  cost.out = in;
  for (const Piece& p : pieces) Apply(p, cost, where);
  return cost;
}

Pieces OperationPieces(const std::string& op, int64_t channels, int64_t stride) {
  using Kind = Piece::Kind;
  const int64_t c = channels;
  if (op == "identity") {
    if (stride == 1) return {};
    return {Relu(), FactorizedReduction(c)};
  }
  if (op == "conv_1x3_3x1" || op == "conv_1x7_7x1") {
    const int64_t k = op == "conv_1x3_3x1" ? 3 : 7;
    return {Relu(), Conv(c, {1, k}, {1, stride}), Conv(c, {k, 1}, {stride, 1}), BatchNorm(c)};
  }
  if (op == "dil_conv_3x3") return {Relu(), Conv(c, 3, stride, /*dilation=*/2), BatchNorm(c)};
  // DARTS's dil_conv_5x5 (ReLU, depthwise 5x5 with dilation 2, pointwise 1x1, BN in its code) is
  // built in the form dil_conv_3x3 has here, a full dilated conv, so that the two stay alike.
  if (op == "dil_conv_5x5") return {Relu(), Conv(c, 5, stride, /*dilation=*/2), BatchNorm(c)};
  if (op == "avg_pool_3x3") return {Pool(Kind::kAvgPool, 3, stride)};
  if (op == "max_pool_3x3") return {Pool(Kind::kMaxPool, 3, stride)};
  if (op == "max_pool_5x5") return {Pool(Kind::kMaxPool, 5, stride)};
  if (op == "max_pool_7x7") return {Pool(Kind::kMaxPool, 7, stride)};
  if (op == "conv_1x1") return {Relu(), Conv(c, 1, stride), BatchNorm(c)};
  if (op == "conv_3x3") return {Relu(), Conv(c, 3, stride), BatchNorm(c)};
  const int64_t k = op == "sep_conv_3x3"   ? 3
                    : op == "sep_conv_5x5" ? 5
                    : op == "sep_conv_7x7" ? 7
                                           : 0;
  if (k == 0) throw InvalidArgument("nasnet: unknown operation '" + op + "'");
  // NASNet's separable convolution is applied twice, the stride on the first.
  Pieces pieces;
  AddSeparable(pieces, c, k, stride);
  AddSeparable(pieces, c, k, 1);
  return pieces;
}

NetworkPlan PlanNetwork(const NasnetOptions& options) {
  options.Validate();
  NetworkPlan plan;
  const int64_t stem_channels = options.filters() * options.stem_multiplier();
  plan.stem = {Conv(stem_channels, 3), BatchNorm(stem_channels)};
  const Shape stem_out = CostOf(plan.stem, options.input_shape(), "nasnet: stem").out;
  Shape prev = stem_out, prev_prev = stem_out;
  int64_t filters = options.filters();
  const auto add_cell = [&](bool reduction) {
    const std::string where = CellWhere(plan.cells.size(), reduction);
    const nas::Cell& cell = reduction ? options.genotype().reduction : options.genotype().normal;
    plan.cells.push_back(PlanCell(cell, reduction, filters, prev, prev_prev, where));
    prev_prev = prev;
    prev = plan.cells.back().out;
  };
  for (int64_t stage = 0; stage < options.stages(); ++stage) {
    if (stage > 0) {
      filters *= 2;  // the reduction cell already works at the next stage's width
      add_cell(/*reduction=*/true);
    }
    for (int64_t i = 0; i < options.cells(); ++i) add_cell(/*reduction=*/false);
    if (stage == 1 && options.auxiliary()) {
      plan.auxiliary_after = static_cast<int64_t>(plan.cells.size()) - 1;
      plan.auxiliary = AuxiliaryPieces(prev, options.classes(), "nasnet: auxiliary head");
    }
  }
  plan.head = HeadPieces(options.dropout(), options.classes());
  return plan;
}

}  // namespace automl::dl::nasnet
