// A one-shot supernet over a chain space (automl/nas/chain_space.h): every choice of every layer
// holds weights, and a forward pass runs one path, a choice per layer (Z. Guo et al., "Single Path
// One-Shot Neural Architecture Search with Uniform Sampling", ECCV 2020).
//
//   nas::ChainSpaceOptions space = nas::ChainSpaceOptions::FromJson(config);
//   ChainSupernet net(space, Json::object(), {1, 28, 28}, 10);
//   torch::Tensor logits = net->forward(images, path);   // path: one choice index per layer
//   Net alone = net->ExtractNet(path);                     // the stand-alone network, same weights
//
// Each choice block is built from the same layer list as `model: {chain: ...}` expands it to
// (automl/dl/model.h), so the modules a path runs are the stand-alone network's modules in the
// same order: ExtractNet copies them by position, and both give the same output.
//
// Choices of a layer that differ only in the depthwise dilation (mb6_k3, mb6_k3_d2, mb6_k3_d3)
// hold one set of weights, run at the dilation the path picks: a dilation changes where the kernel
// looks, not what it holds, and CR-NAS's spatial reallocation (F. Liang et al., "Computation
// Reallocation for Object Detection", ICLR 2020) searches dilations over one trained supernet.
#ifndef AUTOML_DL_SUPERNET_H_
#define AUTOML_DL_SUPERNET_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "automl/dl/model.h"
#include "automl/json.h"
#include "automl/nas/chain_space.h"

namespace automl::dl {

class ChainSupernetImpl : public torch::nn::Module {
 public:
  // |family| holds the `model: {chain: ...}` options other than arch (activation, head,
  // dropout), which every path shares. Throws InvalidArgument for an invalid space or family.
  ChainSupernetImpl(nas::ChainSpaceOptions space, const Json& family,
                    std::vector<int64_t> input_shape, int64_t classes);

  // The logits of the path; throws InvalidArgument for a path that is not one of the space.
  torch::Tensor forward(const torch::Tensor& x, const std::vector<int64_t>& path);

  const nas::ChainSpaceOptions& space() const { return space_; }
  // What each layer offers, as nas::LayerChoices.
  const std::vector<std::vector<std::string>>& layer_choices() const { return choices_; }
  // The stand-alone model of a path: {chain: {arch: ..., and the family's options}}.
  ModelSpec PathSpec(const std::vector<int64_t>& path) const;
  // The trainable parameters and the buffers (batchnorm statistics) a path uses, in the order of
  // the stand-alone network's.
  std::vector<torch::Tensor> PathParameters(const std::vector<int64_t>& path) const;
  std::vector<torch::Tensor> PathBuffers(const std::vector<int64_t>& path) const;
  // The stand-alone network of |path|, holding copies of the path's parameters and buffers.
  Net ExtractNet(const std::vector<int64_t>& path) const;
  // Parameters and multiply-adds per example of the path's network (as Summarize counts them).
  int64_t PathParams(const std::vector<int64_t>& path) const;
  int64_t PathFlops(const std::vector<int64_t>& path) const;

  // SPOS's batchnorm recalibration: the path's batchnorm statistics are reset and recomputed as
  // plain averages over the batches |next_batch| gives (training inputs, no augmentation), in
  // training mode without gradients. Shared statistics are meaningless for any one path after
  // training many; this makes eval-mode results of a path its own. Leaves the module in eval mode.
  void RecalibrateBatchNorm(const std::vector<int64_t>& path,
                            const std::function<bool(torch::Tensor*)>& next_batch);

  // The modules a path runs, for latency measurement: the stem, one per layer (an empty
  // Sequential for skip) and the head. A choice that shares its weights with other dilations is
  // set to its own: its modules run as that choice until another choice of the layer runs.
  torch::nn::Sequential stem() const { return stem_.modules; }
  torch::nn::Sequential block(size_t layer, size_t choice) const;
  torch::nn::Sequential head() const { return head_.modules; }
  // The input shape of layer |layer|'s block (without the batch dimension), and of the head.
  const std::vector<int64_t>& block_input_shape(size_t layer) const { return inputs_.at(layer); }
  const std::vector<int64_t>& head_input_shape() const { return head_input_; }
  const std::vector<int64_t>& input_shape() const { return input_shape_; }

 private:
  // Where a choice shares its modules with other dilations: their depthwise convolution (null
  // when the choice shares with none), which this choice runs at |dilation|.
  struct SharedDilation {
    torch::nn::Conv2dImpl* conv = nullptr;
    int dilation = 1;
    int kernel = 3;
  };
  // Points a shared depthwise convolution at the choice's dilation (its options are the module's
  // own state, not the weights', so a const supernet may set them).
  void SetDilation(size_t layer, size_t choice) const;
  void CheckPath(const std::vector<int64_t>& path) const;
  std::vector<const LayerStack*> PathStacks(const std::vector<int64_t>& path) const;

  nas::ChainSpaceOptions space_;
  Json family_;
  std::vector<int64_t> input_shape_;
  int64_t classes_;
  std::vector<std::vector<std::string>> choices_;
  LayerStack stem_;
  std::vector<std::vector<LayerStack>> blocks_;         // [layer][choice]
  std::vector<std::vector<SharedDilation>> dilations_;  // [layer][choice]
  LayerStack head_;
  std::vector<std::vector<int64_t>> inputs_;  // input shape of each layer
  std::vector<int64_t> head_input_;
};
TORCH_MODULE(ChainSupernet);

}  // namespace automl::dl

#endif  // AUTOML_DL_SUPERNET_H_
