#include "dl/nasnet_modules.h"

#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"

namespace automl::dl {
namespace nasnet {
namespace {

namespace nn = torch::nn;

// Two 1x1 stride-2 convolutions, the second on the input shifted by one pixel down and right, so
// that together they see both parities of pixels (halving without discarding half the input),
// concatenated and batch-normalized. TensorFlow-slim's factorized_reduction.
class FactorizedReductionImpl : public nn::Module {
 public:
  // |out| >= 2: reductions only happen at doubled widths.
  FactorizedReductionImpl(int64_t in, int64_t out)
      : first_(register_module(
            "first", nn::Conv2d(nn::Conv2dOptions(in, out / 2, 1).stride(2).bias(false)))),
        second_(register_module(
            "second", nn::Conv2d(nn::Conv2dOptions(in, out - out / 2, 1).stride(2).bias(false)))),
        norm_(register_module("norm", nn::BatchNorm2d(out))) {}

  torch::Tensor forward(const torch::Tensor& x) {
    namespace F = nn::functional;
    const torch::Tensor shifted =
        F::pad(x, F::PadFuncOptions({0, 1, 0, 1})).slice(2, 1).slice(3, 1);
    return norm_->forward(torch::cat({first_->forward(x), second_->forward(shifted)}, 1));
  }

 private:
  nn::Conv2d first_;
  nn::Conv2d second_;
  nn::BatchNorm2d norm_;
};
TORCH_MODULE(FactorizedReduction);

nn::AnyModule Build(const Piece& p, const Shape& in) {
  using Kind = Piece::Kind;
  const std::array<int64_t, 2> padding = Padding(p);
  switch (p.kind) {
    case Kind::kRelu:
      return nn::AnyModule(nn::ReLU());
    case Kind::kConv:
      return nn::AnyModule(nn::Conv2d(
          nn::Conv2dOptions(in[0], p.depthwise ? in[0] : p.channels, {p.kernel[0], p.kernel[1]})
              .stride({p.stride[0], p.stride[1]})
              .padding({padding[0], padding[1]})
              .dilation(p.dilation)
              .groups(p.depthwise ? in[0] : 1)
              .bias(false)));
    case Kind::kBatchNorm:
      return nn::AnyModule(nn::BatchNorm2d(p.channels));
    case Kind::kAvgPool:
      // TensorFlow's "SAME" average pooling leaves the padding out of the average.
      return nn::AnyModule(nn::AvgPool2d(nn::AvgPool2dOptions({p.kernel[0], p.kernel[1]})
                                             .stride({p.stride[0], p.stride[1]})
                                             .padding({padding[0], padding[1]})
                                             .count_include_pad(false)));
    case Kind::kMaxPool:
      return nn::AnyModule(nn::MaxPool2d(nn::MaxPool2dOptions({p.kernel[0], p.kernel[1]})
                                             .stride({p.stride[0], p.stride[1]})
                                             .padding({padding[0], padding[1]})));
    case Kind::kFactorizedReduction:
      return nn::AnyModule(FactorizedReduction(in[0], p.channels));
    case Kind::kGlobalAvgPool:
      return nn::AnyModule(nn::AdaptiveAvgPool2d(1));
    case Kind::kFlatten:
      return nn::AnyModule(nn::Flatten());
    case Kind::kDropout:
      return nn::AnyModule(nn::Dropout(p.rate));
    case Kind::kLinear:
      return nn::AnyModule(nn::Linear(in[0], p.channels));
  }
  throw InternalError("nasnet: a piece of unknown kind");
}

}  // namespace

SequenceImpl::SequenceImpl(const Pieces& pieces, const Shape& in) {
  Shape shape = in;
  for (const Piece& piece : pieces) {
    push_back(Build(piece, shape));
    shape = CostOf({piece}, shape, "nasnet").out;
  }
}

torch::Tensor SequenceImpl::forward(torch::Tensor x) {
  return is_empty() ? x : SequentialImpl::forward(std::move(x));
}

torch::Tensor DropPath(const torch::Tensor& x, double probability) {
  if (probability <= 0) return x;
  // Nothing is kept, and 1 / (1 - probability) would turn the zeros into NaN.
  if (probability >= 1) return torch::zeros_like(x);
  const double keep = 1 - probability;
  const torch::Tensor mask = torch::empty({x.size(0), 1, 1, 1}, x.options()).bernoulli_(keep);
  return x * mask / keep;
}

}  // namespace nasnet

NasnetCellImpl::NasnetCellImpl(const nasnet::CellPlan& plan)
    : cell_(plan.cell), outputs_(plan.outputs) {
  using nasnet::Sequence;
  preprocess_prev_ = register_module("preprocess_prev", Sequence(plan.preprocess_prev, plan.prev));
  preprocess_prev_prev_ =
      register_module("preprocess_prev_prev", Sequence(plan.preprocess_prev_prev, plan.prev_prev));
  for (size_t b = 0; b < plan.blocks.size(); ++b) {
    const nasnet::BlockPlan& block = plan.blocks[b];
    const std::string name = "block" + std::to_string(b);
    for (size_t i = 0; i < 2; ++i) {
      branches_.emplace_back(register_module(name + "_branch" + std::to_string(i),
                                             Sequence(block.branches[i], block.in[i])));
    }
    projections_.emplace_back(nullptr);
    if (!block.projection.empty()) {
      const nasnet::Shape concatenated = {2 * block.out[0], block.out[1], block.out[2]};
      projections_.back() =
          register_module(name + "_projection", Sequence(block.projection, concatenated));
    }
  }
}

torch::Tensor NasnetCellImpl::forward(const torch::Tensor& prev, const torch::Tensor& prev_prev,
                                      double drop_probability) {
  // Indexed like nas::Block::inputs: c_prev, c_prev_prev, then the blocks' outputs.
  std::vector<torch::Tensor> states = {preprocess_prev_->forward(prev),
                                       preprocess_prev_prev_->forward(prev_prev)};
  for (size_t b = 0; b < cell_.blocks.size(); ++b) {
    const nas::Block& block = cell_.blocks[b];
    std::array<torch::Tensor, 2> h;
    for (size_t i = 0; i < 2; ++i) {
      h[i] = nasnet::DropPath(branches_[2 * b + i]->forward(states[block.inputs[i]]),
                              drop_probability);
    }
    states.push_back(projections_[b].is_empty()
                         ? h[0] + h[1]
                         : projections_[b]->forward(torch::cat({h[0], h[1]}, 1)));
  }
  std::vector<torch::Tensor> outputs;
  for (const int b : outputs_) outputs.push_back(states[nas::BlockInput(b)]);
  return torch::cat(outputs, 1);
}

}  // namespace automl::dl
