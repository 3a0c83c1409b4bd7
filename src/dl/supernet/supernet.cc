#include "automl/dl/supernet.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "dl/chain_family.h"

namespace automl::dl {
namespace {

// The family options as `model: {chain: ...}` reads them, without arch.
Json CanonicalFamilyOptions(const Json& family, const nas::ChainSpaceOptions& space) {
  if (!family.is_null() && !family.is_object()) {
    throw InvalidArgument("supernet: the model options must be a mapping, not " + family.dump());
  }
  Json options = family.is_null() ? Json::object() : family;
  if (options.contains("arch")) {
    throw InvalidArgument("supernet: the model options hold an arch; the supernet holds them all");
  }
  // Read through ModelSpec so that the options are checked as a stand-alone model's are.
  options["arch"] = nas::ToJson(
      nas::DecodePath(std::vector<int64_t>(static_cast<size_t>(space.layers()), 0), space));
  Json canonical = ModelSpec::FromJson(Json{{"chain", options}}).ToJson().at("chain");
  canonical.erase("arch");
  return canonical;
}

void Append(std::vector<torch::Tensor>& out, const std::vector<torch::Tensor>& more) {
  out.insert(out.end(), more.begin(), more.end());
}

// The one depthwise convolution of an mb block's modules.
torch::nn::Conv2dImpl* DepthwiseConv(const torch::nn::Sequential& modules) {
  for (const auto& module : modules->modules(/*include_self=*/false)) {
    if (auto* conv = module->as<torch::nn::Conv2d>(); conv && conv->options.groups() > 1) {
      return conv;
    }
  }
  throw InternalError("supernet: a block without a depthwise convolution shares weights");
}

}  // namespace

ChainSupernetImpl::ChainSupernetImpl(nas::ChainSpaceOptions space, const Json& family,
                                     std::vector<int64_t> input_shape, int64_t classes)
    : space_(std::move(space)), input_shape_(std::move(input_shape)), classes_(classes) {
  space_.Validate();
  family_ = CanonicalFamilyOptions(family, space_);
  const ChainHead head = ChainHeadOf(family_);
  choices_ = nas::LayerChoices(space_);

  // Modules are created stem, layer by layer (choices in order), head, each drawing its initial
  // values from the global generator: the same seed gives the same supernet.
  stem_ = BuildLayerStack(ChainStemLayers(space_.stem, head), input_shape_, "supernet: stem");
  register_module("stem", stem_.modules);
  std::vector<int64_t> shape = stem_.output_shape;
  size_t layer = 0;
  for (const nas::ChainStage& stage : space_.stages) {
    for (int i = 0; i < stage.layers; ++i, ++layer) {
      inputs_.push_back(shape);
      const int64_t stride = i == 0 ? stage.stride : 1;
      std::vector<LayerStack> blocks;
      std::vector<SharedDilation> dilations;
      std::vector<nas::ChainOp> ops;
      for (const std::string& name : choices_[layer]) {
        const nas::ChainOp op = *nas::ParseChainOp(name);
        const std::string where = "supernet: layer " + std::to_string(layer) + ": " + name;
        blocks.push_back(BuildLayerStack(ChainBlockLayers(op, shape[0], stage.width, stride, head),
                                         shape, where));
        // Choices that differ only in dilation share the first one's weights.
        const auto owner = std::find_if(ops.begin(), ops.end(), [&](const nas::ChainOp& o) {
          return !op.skip && !o.skip && o.expansion == op.expansion && o.kernel == op.kernel;
        });
        dilations.push_back(SharedDilation{nullptr, op.dilation, op.kernel});
        if (owner != ops.end()) {
          const size_t index = static_cast<size_t>(owner - ops.begin());
          blocks.back().modules = blocks[index].modules;
          dilations.back().conv = DepthwiseConv(blocks[index].modules);
          dilations[index].conv = dilations.back().conv;
        } else if (!blocks.back().modules->is_empty()) {
          register_module("l" + std::to_string(layer) + "_" + name, blocks.back().modules);
        }
        ops.push_back(op);
      }
      shape = blocks.front().output_shape;
      blocks_.push_back(std::move(blocks));
      dilations_.push_back(std::move(dilations));
    }
  }
  head_input_ = shape;
  head_ = BuildLayerStack(ChainHeadLayers(head, classes_), shape, "supernet: head");
  register_module("head", head_.modules);
  UseChannelsLast(*this);  // as the stand-alone chain networks run
}

void ChainSupernetImpl::CheckPath(const std::vector<int64_t>& path) const {
  if (path.size() != blocks_.size()) {
    throw InvalidArgument("supernet: a path needs " + std::to_string(blocks_.size()) +
                          " choices, one per layer, not " + std::to_string(path.size()));
  }
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] < 0 || static_cast<size_t>(path[i]) >= blocks_[i].size()) {
      throw InvalidArgument("supernet: layer " + std::to_string(i) + " has choices 0.." +
                            std::to_string(blocks_[i].size() - 1) + ", not " +
                            std::to_string(path[i]));
    }
  }
}

void ChainSupernetImpl::SetDilation(size_t layer, size_t choice) const {
  const SharedDilation& d = dilations_.at(layer).at(choice);
  if (d.conv == nullptr) return;
  d.conv->options.dilation(d.dilation);
  d.conv->options.padding(torch::ExpandingArray<2>(d.dilation * (d.kernel - 1) / 2));
}

std::vector<const LayerStack*> ChainSupernetImpl::PathStacks(
    const std::vector<int64_t>& path) const {
  CheckPath(path);
  std::vector<const LayerStack*> stacks = {&stem_};
  for (size_t i = 0; i < path.size(); ++i) {
    stacks.push_back(&blocks_[i][static_cast<size_t>(path[i])]);
  }
  stacks.push_back(&head_);
  return stacks;
}

torch::Tensor ChainSupernetImpl::forward(const torch::Tensor& x, const std::vector<int64_t>& path) {
  torch::Tensor y = x.contiguous(torch::MemoryFormat::ChannelsLast);
  const std::vector<const LayerStack*> stacks = PathStacks(path);
  // Only running a path sets the shared blocks to its dilations; queries about a path do not.
  for (size_t i = 0; i < path.size(); ++i) SetDilation(i, static_cast<size_t>(path[i]));
  for (const LayerStack* stack : stacks) {
    torch::nn::Sequential modules = stack->modules;  // a holder: forward() is not const
    if (!modules->is_empty()) y = modules->forward(y);
  }
  return y;
}

torch::nn::Sequential ChainSupernetImpl::block(size_t layer, size_t choice) const {
  SetDilation(layer, choice);
  return blocks_.at(layer).at(choice).modules;
}

ModelSpec ChainSupernetImpl::PathSpec(const std::vector<int64_t>& path) const {
  CheckPath(path);
  Json family = family_;
  family["arch"] = nas::ToJson(nas::DecodePath(path, space_));
  return ModelSpec::FromJson(Json{{"chain", family}});
}

std::vector<torch::Tensor> ChainSupernetImpl::PathParameters(
    const std::vector<int64_t>& path) const {
  std::vector<torch::Tensor> out;
  for (const LayerStack* stack : PathStacks(path)) Append(out, stack->modules->parameters());
  return out;
}

std::vector<torch::Tensor> ChainSupernetImpl::PathBuffers(const std::vector<int64_t>& path) const {
  std::vector<torch::Tensor> out;
  for (const LayerStack* stack : PathStacks(path)) Append(out, stack->modules->buffers());
  return out;
}

Net ChainSupernetImpl::ExtractNet(const std::vector<int64_t>& path) const {
  Net net(PathSpec(path), input_shape_, classes_);
  const std::vector<torch::Tensor> from_params = PathParameters(path);
  const std::vector<torch::Tensor> from_buffers = PathBuffers(path);
  std::vector<torch::Tensor> to_params = net->parameters();
  std::vector<torch::Tensor> to_buffers = net->buffers();
  if (from_params.size() != to_params.size() || from_buffers.size() != to_buffers.size()) {
    throw InternalError("supernet: the path's modules do not match its stand-alone network");
  }
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < to_params.size(); ++i) to_params[i].copy_(from_params[i]);
  for (size_t i = 0; i < to_buffers.size(); ++i) to_buffers[i].copy_(from_buffers[i]);
  net->to(from_params.front().device());
  return net;
}

int64_t ChainSupernetImpl::PathParams(const std::vector<int64_t>& path) const {
  int64_t total = 0;
  for (const LayerStack* stack : PathStacks(path)) total += stack->params;
  return total;
}

int64_t ChainSupernetImpl::PathFlops(const std::vector<int64_t>& path) const {
  int64_t total = 0;
  for (const LayerStack* stack : PathStacks(path)) total += stack->flops;
  return total;
}

void ChainSupernetImpl::RecalibrateBatchNorm(
    const std::vector<int64_t>& path, const std::function<bool(torch::Tensor*)>& next_batch) {
  std::vector<torch::nn::BatchNorm2dImpl*> norms;
  for (const LayerStack* stack : PathStacks(path)) {
    for (const auto& module : stack->modules->modules(/*include_self=*/false)) {
      if (auto* bn = module->as<torch::nn::BatchNorm2d>()) norms.push_back(bn);
    }
  }
  std::vector<c10::optional<double>> momenta;
  for (auto* bn : norms) {
    momenta.push_back(bn->options.momentum());
    bn->reset_running_stats();
    bn->options.momentum(c10::nullopt);  // a cumulative average over the batches
  }
  train(true);
  {
    torch::NoGradGuard no_grad;
    torch::Tensor batch;
    while (next_batch(&batch)) forward(batch, path);
  }
  for (size_t i = 0; i < norms.size(); ++i) norms[i]->options.momentum(momenta[i]);
  eval();
}

}  // namespace automl::dl
