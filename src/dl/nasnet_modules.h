// The modules a NASNet is built of (internal to automl::torch): sequences of pieces, the
// factorized reduction, ScheduledDropPath and the cell. See automl/dl/nasnet.h.
#ifndef AUTOML_SRC_DL_NASNET_MODULES_H_
#define AUTOML_SRC_DL_NASNET_MODULES_H_

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "automl/dl/nasnet.h"
#include "dl/nasnet_plan.h"

namespace automl::dl {
namespace nasnet {

// A sequence of pieces as modules, for an input of shape |in|; with no pieces, the identity.
class SequenceImpl : public torch::nn::SequentialImpl {
 public:
  SequenceImpl(const Pieces& pieces, const Shape& in);
  torch::Tensor forward(torch::Tensor x);
};
TORCH_MODULE(Sequence);

// ScheduledDropPath on one branch output: each example zeroed as a whole with |probability|, the
// kept ones scaled by 1 / (1 - probability) so that the expected output stays the same.
torch::Tensor DropPath(const torch::Tensor& x, double probability);

}  // namespace nasnet

class NasnetCellImpl : public torch::nn::Module {
 public:
  explicit NasnetCellImpl(const nasnet::CellPlan& plan);

  // The cell's output from c_prev and c_prev_prev, each branch dropped with |drop_probability|
  // (0 in eval mode).
  torch::Tensor forward(const torch::Tensor& prev, const torch::Tensor& prev_prev,
                        double drop_probability);

 private:
  nas::Cell cell_;
  std::vector<int> outputs_;
  nasnet::Sequence preprocess_prev_{nullptr};
  nasnet::Sequence preprocess_prev_prev_{nullptr};
  std::vector<nasnet::Sequence> branches_;     // 2 * b + i: ops[i] of block b
  std::vector<nasnet::Sequence> projections_;  // empty holders for `add` blocks
};
TORCH_MODULE(NasnetCell);

}  // namespace automl::dl

#endif  // AUTOML_SRC_DL_NASNET_MODULES_H_
