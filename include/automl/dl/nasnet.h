// The NASNet network: cells of a genotype (automl/nas/nasnet_cell.h) stacked into an image
// classifier, with ScheduledDropPath and an optional auxiliary head.
//
// B. Zoph, V. Vasudevan, J. Shlens, Q. V. Le, "Learning Transferable Architectures for Scalable
// Image Recognition", CVPR 2018. Conventions follow the authors' TensorFlow-slim code
// (research/slim/nets/nasnet) unless said otherwise below.
//
//   Nasnet net(NasnetOptions(genotype, /*classes=*/10, /*input_shape=*/{1, 28, 28})
//                  .cells(2).filters(16).drop_path(0.3).auxiliary(true));
//   net->set_progress(0.5);                  // half of training done: drop path at 0.15
//   torch::Tensor logits = net->forward(x);  // (batch, classes)
//
// Layout (the paper's CIFAR-10 network): a stem, then `stages` stages of `cells` normal cells with
// a reduction cell between consecutive stages, then the head.
//   stem        3x3 convolution to stem_multiplier * F channels + batchnorm (the CIFAR stem; our
//               images are 28x28 or smaller, too small for the ImageNet stem's stride-2 cells)
//   cells       F filters in the first stage, doubled by each reduction cell (which already uses
//               the doubled count); the first cell's c_prev and c_prev_prev are both the stem
//   head        ReLU, global average pooling, dropout, linear (with bias) to the classes
//   auxiliary   (auxiliary: true) ReLU, 5x5 average pooling with stride 3 (valid), 1x1 conv to
//               128 + batchnorm + ReLU, a conv to 768 over the whole remaining extent + batchnorm +
//               ReLU, linear to the classes; read from the last cell of the second stage, as the
//               paper's code does (the cell before the second reduction), so it needs 3 stages or
//               more. Adapted to small maps: the pooling window is min(5, side) per axis, so a 7x7
//               or smaller map pools to 1x1 and the 768 convolution is 1x1 (the paper's code
//               already sizes that convolution to what the pooling leaves). Its logits only train
//               (forward_with_auxiliary); forward() and evaluation use the main head.
//
// A cell with F filters (see automl/nas/nasnet_cell.h for blocks and inputs):
//   inputs      c_prev and c_prev_prev each go through ReLU, 1x1 conv to F, batchnorm. When
//               c_prev_prev is larger than c_prev (the previous cell was a reduction), it goes
//               through a factorized reduction instead: ReLU, then two 1x1 stride-2 convolutions
//               to F/2 and F - F/2 channels, the second on the input shifted by one pixel (down
//               and right, zero-padded), concatenated, batchnorm. (The paper's code projects
//               c_prev_prev only when its size or channels differ from the cell's; here both
//               inputs are always projected, as most ports do.)
//   branches    one operation on each of a block's two inputs. In a reduction cell, operations
//               applied to c_prev or c_prev_prev have stride 2; the identity then becomes a
//               factorized reduction as above (the paper's code uses ReLU, a 1x1 stride-2 conv and
//               batchnorm there). Operations, with F channels in and out:
//                 identity                    nothing (stride 2: factorized reduction)
//                 conv_1x3_3x1, conv_1x7_7x1  ReLU, 1xk conv (stride 1x s), kx1 conv (s x1), BN
//                 dil_conv_3x3                ReLU, 3x3 conv with dilation 2, BN
//                 dil_conv_5x5                ReLU, 5x5 conv with dilation 2, BN (DARTS's; its
//                                             code makes both dil_convs depthwise + pointwise)
//                 avg_pool_3x3                average pooling, padding not counted (TF "SAME")
//                 max_pool_3x3/5x5/7x7        max pooling
//                 conv_1x1, conv_3x3          ReLU, conv, BN
//                 sep_conv_3x3/5x5/7x7        twice: ReLU, depthwise kxk, pointwise 1x1, BN (the
//                                             stride, if any, on the first depthwise conv)
//               Every branch keeps the spatial size, or halves it with stride 2: "same" padding
//               (k - 1) / 2 on each side, giving ceil(size / 2). (TensorFlow pads asymmetrically
//               for stride 2; the sizes agree, the pixel alignment differs by one.) The paper's
//               code puts a 1x1 conv after a pooling whose input has other than F channels; here
//               every branch input has F channels, so that case does not arise.
//   combine     add: the sum of the two branches. concat: the two concatenated (2F channels),
//               then ReLU, 1x1 conv back to F, batchnorm, so that every block gives F channels.
//               (The paper uses add only; concat is this library's extension of its space.)
//   output      the outputs of Cell::Outputs() concatenated: the unused blocks, or with the
//               cell's output "all" (DARTS) every block; F times their number of channels.
//               (NASNet-A's cells also concatenate an unused cell input; the genotype library's
//               cells never do.)
// Convolutions have no bias (each is followed by batchnorm); batchnorm has eps 1e-5 and momentum
// 0.1 (the CIFAR setting of the paper's code, LibTorch's default).
//
// ScheduledDropPath: in training, each branch output of every cell is zeroed for a whole example
// with probability drop_path * progress, and kept outputs are scaled by 1 / (1 - that), where
// progress in [0, 1] is the fraction of training done (set_progress; the Trainer sets it every
// step). Off in eval mode. Differences from the paper's code, which also scales the probability
// by the cell's depth ((cell index + 1) / cell count) and never drops identity branches: the
// probability here is the same in every cell and applies to every branch, identity included, as
// the paper's text describes it (each path of a cell dropped with a probability that increases
// linearly over training).
//
// Counting (SummarizeNasnet, and Summarize for `model: {nasnet: ...}`): params are the trainable
// parameters of the whole module, auxiliary head included; FLOPs the multiply-adds per example of
// convolutions and linear layers of the network at inference (the auxiliary head excluded, as it
// does not run then), as automl/dl/model.h defines them.
#ifndef AUTOML_DL_NASNET_H_
#define AUTOML_DL_NASNET_H_

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "automl/dl/model.h"
#include "automl/nas/nasnet_cell.h"

namespace automl::dl {

class NasnetOptions {
 public:
  // |input_shape| is (C, H, W), without the batch dimension.
  NasnetOptions(nas::Genotype genotype, int64_t classes, std::vector<int64_t> input_shape);

  TORCH_ARG(nas::Genotype, genotype);
  TORCH_ARG(int64_t, classes);
  TORCH_ARG(std::vector<int64_t>, input_shape);
  // N, normal cells per stage.
  TORCH_ARG(int64_t, cells) = 2;
  // F, filters per block in the first stage.
  TORCH_ARG(int64_t, filters) = 16;
  // Stages of normal cells, with a reduction cell between consecutive ones.
  TORCH_ARG(int64_t, stages) = 3;
  // The stem has stem_multiplier * F channels.
  TORCH_ARG(int64_t, stem_multiplier) = 3;
  // ScheduledDropPath's probability at the end of training, in [0, 1].
  TORCH_ARG(double, drop_path) = 0;
  // Dropout before the head's linear layer, in [0, 1).
  TORCH_ARG(double, dropout) = 0;
  // An auxiliary head after the second stage (needs 3 stages or more).
  TORCH_ARG(bool, auxiliary) = false;
  // The weight of the auxiliary head's loss in training, >= 0.
  TORCH_ARG(double, auxiliary_weight) = 0.4;

 public:
  // Throws InvalidArgument naming the field ("nasnet: cells must be an integer in [1, 1000], not
  // 0"; "nasnet: genotype: normal[1].inputs[0]: ...").
  void Validate() const;
};

// The cell space a genotype given on its own (NasnetOptions, `model: {nasnet: {genotype: ...}}`) is
// checked against: |blocks| blocks per cell, all nas::KnownCellOperations() (NASNet's 13 and
// DARTS's dil_conv_5x5), both combines, separate normal and reduction cells, either output mode.
nas::CellSpaceOptions GenotypeSpace(int blocks);

// The shapes, parameters and FLOPs of the network |options| describe, without building it: one
// layer per stem, cell ("normal" or "reduction"), auxiliary head and head. Validates |options|.
ModelSummary SummarizeNasnet(const NasnetOptions& options);

class NasnetCellImpl;  // one cell; internal (src/dl/nasnet_modules.h)

class NasnetImpl : public torch::nn::Module {
 public:
  // Validates |options| and builds the network; parameters are initialized as LibTorch's
  // modules do, from the global generator, in the order stem, cells, auxiliary head, head.
  explicit NasnetImpl(NasnetOptions options);

  // The main head's logits, (batch, classes).
  torch::Tensor forward(const torch::Tensor& x);
  // The main head's logits and, in train mode with an auxiliary head, the auxiliary head's
  // (undefined otherwise).
  std::pair<torch::Tensor, torch::Tensor> forward_with_auxiliary(const torch::Tensor& x);

  // The fraction of training done, in [0, 1], for ScheduledDropPath. Throws InvalidArgument
  // outside it.
  void set_progress(double progress);
  double progress() const { return progress_; }
  // The drop path probability the next training forward pass uses: drop_path * progress.
  double drop_probability() const { return options_.drop_path() * progress_; }
  const NasnetOptions& options() const { return options_; }

  void pretty_print(std::ostream& stream) const override;

 private:
  NasnetOptions options_;
  torch::nn::AnyModule stem_;
  std::vector<std::shared_ptr<NasnetCellImpl>> cells_;
  int64_t auxiliary_after_ = -1;  // the cell the auxiliary head reads, or -1 for none
  torch::nn::AnyModule auxiliary_;
  torch::nn::AnyModule head_;
  double progress_ = 0;
};
TORCH_MODULE(Nasnet);

}  // namespace automl::dl

#endif  // AUTOML_DL_NASNET_H_
