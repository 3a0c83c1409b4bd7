// The NASNet network as a description of the modules to build (internal to automl::torch).
// SummarizeNasnet counts it and NasnetImpl builds it, so the two cannot disagree on what the
// network holds. See automl/dl/nasnet.h for the architecture.
#ifndef AUTOML_SRC_DL_NASNET_PLAN_H_
#define AUTOML_SRC_DL_NASNET_PLAN_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "automl/dl/nasnet.h"

namespace automl::dl::nasnet {

using Shape = std::vector<int64_t>;  // (C, H, W) or (F)

// One step of a sequence of layers.
struct Piece {
  enum class Kind {
    kRelu,
    kConv,       // no bias
    kBatchNorm,  // of |channels|
    kAvgPool,    // padding not counted in the average
    kMaxPool,
    kFactorizedReduction,  // two shifted 1x1 stride-2 convs to |channels| in all, batchnorm
    kGlobalAvgPool,        // (C, H, W) to (C, 1, 1)
    kFlatten,
    kDropout,
    kLinear,  // with bias
  };
  Kind kind = Kind::kRelu;
  int64_t channels = 0;  // outputs of conv, batchnorm, factorized reduction, linear
  std::array<int64_t, 2> kernel = {1, 1};
  std::array<int64_t, 2> stride = {1, 1};
  int64_t dilation = 1;
  bool depthwise = false;    // conv: one group per input channel (channels = input channels)
  bool same_padding = true;  // conv and pools: dilation * (kernel - 1) / 2 a side, else none
  double rate = 0;           // dropout
};
using Pieces = std::vector<Piece>;

// The padding on each side of one axis (0 without same padding).
std::array<int64_t, 2> Padding(const Piece& piece);

// a + b, or InvalidArgument (starting with |where|) on overflow.
int64_t Add(int64_t a, int64_t b, const std::string& where);

// What a sequence of pieces does to an input: output shape, parameters and multiply-adds.
struct Cost {
  Shape out;
  int64_t params = 0;
  int64_t flops = 0;
};
// Throws InvalidArgument (starting with |where|) when a window does not fit or a count overflows.
Cost CostOf(const Pieces& pieces, const Shape& in, const std::string& where);

// The pieces of operation |op| (one of nas::KnownCellOperations()) on |channels| channels with
// stride |stride| (1 or 2).
Pieces OperationPieces(const std::string& op, int64_t channels, int64_t stride);

struct BlockPlan {
  std::array<Pieces, 2> branches;  // branches[i] applies ops[i] to inputs[i]
  std::array<Shape, 2> in;         // the shapes of the branches' inputs
  Shape out;                       // of each branch, and of the block
  Pieces projection;               // concat: back to F channels; empty for add
};

struct CellPlan {
  bool reduction = false;
  int64_t filters = 0;
  Shape prev, prev_prev, out;  // the shapes of c_prev, c_prev_prev and the cell's output
  Pieces preprocess_prev, preprocess_prev_prev;
  nas::Cell cell;
  std::vector<BlockPlan> blocks;
  std::vector<int> outputs;  // cell.Outputs()
};

struct NetworkPlan {
  Pieces stem;
  std::vector<CellPlan> cells;
  int64_t auxiliary_after = -1;  // the index of the cell the auxiliary head reads, or -1
  Pieces auxiliary;
  Pieces head;
};

// "nasnet: cell 3 (reduction)", how messages name a cell.
std::string CellWhere(size_t index, bool reduction);

// Validates |options| and lays out the network.
NetworkPlan PlanNetwork(const NasnetOptions& options);

}  // namespace automl::dl::nasnet

#endif  // AUTOML_SRC_DL_NASNET_PLAN_H_
