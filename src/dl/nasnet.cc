#include "automl/dl/nasnet.h"

#include <ostream>
#include <string>
#include <utility>

#include "automl/error.h"
#include "dl/nasnet_modules.h"
#include "dl/nasnet_plan.h"

namespace automl::dl {

NasnetImpl::NasnetImpl(NasnetOptions options) : options_(std::move(options)) {
  const nasnet::NetworkPlan plan = nasnet::PlanNetwork(options_);
  // Created in this order, each drawing its initial values from the global generator.
  stem_ = torch::nn::AnyModule(
      register_module("stem", nasnet::Sequence(plan.stem, options_.input_shape())));
  for (size_t i = 0; i < plan.cells.size(); ++i) {
    cells_.push_back(register_module("cell" + std::to_string(i), NasnetCell(plan.cells[i])));
  }
  if (plan.auxiliary_after >= 0) {
    auxiliary_after_ = plan.auxiliary_after;
    auxiliary_ = torch::nn::AnyModule(register_module(
        "auxiliary", nasnet::Sequence(plan.auxiliary, plan.cells[auxiliary_after_].out)));
  }
  head_ = torch::nn::AnyModule(
      register_module("head", nasnet::Sequence(plan.head, plan.cells.back().out)));
}

torch::Tensor NasnetImpl::forward(const torch::Tensor& x) {
  return forward_with_auxiliary(x).first;
}

std::pair<torch::Tensor, torch::Tensor> NasnetImpl::forward_with_auxiliary(const torch::Tensor& x) {
  const double drop = is_training() ? drop_probability() : 0;
  torch::Tensor prev = stem_.forward(x);
  torch::Tensor prev_prev = prev;  // the first cell reads the stem twice
  torch::Tensor auxiliary;
  for (size_t i = 0; i < cells_.size(); ++i) {
    torch::Tensor out = cells_[i]->forward(prev, prev_prev, drop);
    prev_prev = std::move(prev);
    prev = std::move(out);
    if (static_cast<int64_t>(i) == auxiliary_after_ && is_training()) {
      auxiliary = auxiliary_.forward(prev);
    }
  }
  return {head_.forward(prev), auxiliary};
}

void NasnetImpl::set_progress(double progress) {
  if (!(progress >= 0 && progress <= 1)) {
    throw InvalidArgument("nasnet: progress must lie in [0, 1], not " + Json(progress).dump());
  }
  progress_ = progress;
}

void NasnetImpl::pretty_print(std::ostream& stream) const {
  stream << "automl::dl::Nasnet(cells=" << options_.cells() << ", filters=" << options_.filters()
         << ", stages=" << options_.stages() << ")";
}

}  // namespace automl::dl
