// Models from configs: a list of layers, or a named family expanded to one.
//
//   model:
//     layers:
//       - {conv: 32, kernel: 5, padding: 2, activation: relu}
//       - {maxpool: 2}
//       - {flatten: true}
//       - {linear: 10}
//   model: {mlp: {hidden: [256, 128], dropout: 0.1}}
//   model: {cnn: {depth: 2, width: 32, kernel: 3, batchnorm: true, dropout: 0.25, fc: 128}}
//   model: {resnet: {stages: 3, blocks: 2, width: 16}}
//   model: {nasnet: {genotype: genotype.json, cells: 2, filters: 16, drop_path: 0.2}}
//   model: {chain: {arch: "{arch}", activation: relu6, head: 0, dropout: 0}}
//
// Layer kinds (the key that names the kind carries its main value):
//   conv: OUT        kernel (3), stride (1), padding ("same" or a number; default: same),
//                    dilation (1), groups (1), bias (true unless batchnorm), batchnorm, activation
//   sepconv: OUT     depthwise-separable: depthwise kernel x kernel, then pointwise 1x1, each
//                    followed by batchnorm and activation when given (MobileNet); kernel, stride,
//                    padding, dilation, bias (true unless batchnorm, for both), batchnorm,
//                    activation
//   dwconv: KERNEL   depthwise convolution (channels unchanged); stride, padding, dilation,
//                    bias (true unless batchnorm), batchnorm, activation
//   batchnorm: true  BatchNorm2d on images, BatchNorm1d on features
//   activation: relu | relu6 | gelu | silu | tanh | sigmoid | leaky_relu | elu | none
//   maxpool: K, avgpool: K   stride (K), padding (0, at most K / 2)
//   globalpool: avg | max    images (C, H, W) to features (C)
//   flatten: true
//   linear: OUT      bias (true unless batchnorm), batchnorm, activation
//   dropout: P       0 <= P < 1 (element-wise, also on images)
//   residual: [LAYERS]   out = LAYERS(x) + shortcut(x); the shortcut is the identity, or a 1x1
//                    convolution with batchnorm when the shape changes (its stride s per axis is
//                    the one with ceil(in / s) = out), or linear + batchnorm on features;
//                    `activation` (none) after the sum
// Options of conv-like layers and linear apply in the order layer, batchnorm, activation.
// "same" padding is dilation * (kernel - 1) / 2 on each side, for odd kernels only (an even kernel
// needs a number); with stride s the output is ceil(in / s), as TensorFlow's "same".
// `{flatten: null}` (YAML `- flatten:`) reads as true, `globalpool: true` as avg; a layer written
// as a bare string is a shorthand: flatten, batchnorm, globalpool (avg) or an activation name.
// `model: [LAYERS]` reads as {layers: [LAYERS]}, `model: cnn` as {cnn: {}}.
// Families (defaults in parentheses):
//   mlp     hidden ([256]) or width (256) and depth (1); activation (relu), dropout (0),
//           batchnorm (false): flatten, then per hidden layer linear [+ batchnorm] + activation
//           [+ dropout], then the head
//   cnn     depth (2) blocks of conv(width (32) * 2^i, kernel (3, odd), same padding)
//           [+ batchnorm (false)] + activation (relu) + maxpool 2, then flatten, dropout (0), a
//           hidden linear layer of `fc` units (128; 0 for none) + activation, dropout, head
//   resnet  a 3x3 stem of `width` (16) channels + batchnorm + activation (relu), then `stages` (3)
//           stages of `blocks` (2) basic residual blocks (He et al. 2016: conv3x3 + batchnorm +
//           activation + conv3x3 + batchnorm, added to the shortcut, then activation), width
//           doubling and stride 2 in the first block of the second stage on, global average
//           pooling, head
//   nasnet  the NASNet network of automl/dl/nasnet.h (Zoph et al., CVPR 2018), built from cells:
//           genotype   (required) a genotype mapping in the form of automl/nas/nasnet_cell.h
//                      ({normal: [...], reduction: [...]}), or the path of a JSON file holding
//                      one, read when the spec is (relative to the working directory). Checked
//                      with the block count of its normal cell, all 13 operations (and
//                      DARTS's dil_conv_5x5), both combines and either output mode (a DARTS
//                      cell, {output: all, blocks: [...]}, concatenates all its blocks); kept in
//                      canonical form, so equal architectures give equal specs
//           cells (2)  normal cells per stage
//           filters (16)  F, each block's channels in the first stage, doubled at each reduction
//           stages (3) stages of normal cells, with a reduction cell between consecutive ones
//           stem_multiplier (3)  the 3x3 stem has stem_multiplier * F channels
//           drop_path (0)  ScheduledDropPath: each branch dropped with probability drop_path
//                      times the fraction of training done, in [0, 1]
//           dropout (0)  before the head's linear layer, in [0, 1)
//           auxiliary (false)  an auxiliary head after the second stage (needs stages >= 3),
//                      whose loss, times auxiliary_weight (0.4, >= 0), is added in training
//           It has no layer list (Layers() refuses it); its summary has one row per stem, cell,
//           auxiliary head and head.
//   hmnas   an HM-NAS result (automl/nas/masked_cell.h) as the network it was searched in
//           (automl/dl/darts_network.h), architecture fixed, weights trained from scratch:
//           genotype   (required) a masked-cell genotype ({type: masked-cell, normal: {nodes:
//                      [...]}, reduction: ...}, as `automl nas hmnas` writes it), or the path of
//                      a JSON file holding one
//           filters (16), layers (5; reduction cells at layers / 3 and 2 * layers / 3),
//           stem_multiplier (3); every kept edge and operation computes with its recorded weight.
//           Its summary is one row, its parameters those of the kept operations; FLOPs are not
//           counted.
//   chain   a chain of MobileNetV2 blocks, the architectures of a `type: chain` search space
//           (automl/nas/chain_space.h):
//           arch       (required) {stem: 16, stages: [{width: 16, stride: 1, ops: [mb3_k3, skip,
//                      ...]}, ...]}, or the path of a JSON file holding one; `skip` only where the
//                      shape stays
//           activation (relu6), head (0: none; else a 1x1 conv of that many channels before the
//           pooling), dropout (0) before the linear head
//           Expanded to: a 3x3 stem conv + batchnorm + activation; per layer mbE_kK, a 1x1
//           expansion to E times the input channels (none for E = 1), a KxK depthwise conv with
//           the stage's stride in its first layer, each + batchnorm + activation, and a 1x1
//           projection + batchnorm, inside a residual when the shape stays; skip adds nothing;
//           then [head conv], global average pooling, [dropout], linear head.
// Families end in a linear head with one output per class; a layer list writes its own.
// The canonical form keeps what was written (no defaults filled in), with the kind first, options
// in the order listed above, integers as integers and dropout rates as floats, so that specs that
// mean the same compare equal.
//
// Counting: params are the trainable parameters (batchnorm: 2 per channel; running statistics are
// buffers). FLOPs are multiply-adds per example of convolutions and linear layers only:
// conv Cout * Hout * Wout * (Cin / groups) * kh * kw, dwconv C * Hout * Wout * k * k, sepconv the
// two, linear in * out, a projection shortcut as its 1x1 convolution (or linear); biases,
// batchnorm, activations, pooling, dropout and the residual sum count 0.
// nasnet counts the same way, its factorized reductions as their two 1x1 convolutions; its
// params include the auxiliary head, its FLOPs do not (the head only runs in training).
//
// Values may come from a trial through "{name}" placeholders (see automl/substitution.h); they are
// substituted before a spec is read (a leftover placeholder is refused).
#ifndef AUTOML_DL_MODEL_H_
#define AUTOML_DL_MODEL_H_

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "automl/json.h"

namespace automl::dl {

class ModelSpec {
 public:
  // Reads and checks a `model:` mapping. Throws InvalidArgument naming the layer and the problem
  // ("model: layers[2] (conv): kernel must be a positive integer").
  static ModelSpec FromJson(const Json& model);

  // The spec as read, in canonical form: FromJson(ToJson()) == *this.
  const Json& ToJson() const { return json_; }
  // The layer list: families expanded, with a head of |classes| outputs. Throws InvalidArgument
  // for nasnet, which is no layer list.
  Json Layers(int64_t classes) const;
  // The same network with every width multiplied by |factor| (> 0) and rounded, at least 1:
  // a family's width (cnn: width and fc, resnet: width, mlp: width or each hidden size, nasnet:
  // filters); in a layer list the outputs of conv, sepconv and linear layers (inside residuals
  // too) except the last layer, which is the head. Depthwise layers follow their input. For
  // EcoNAS-style proxies (see automl/dl/proxy.h); a conv with `groups` may no longer divide its
  // channels, which building then refuses.
  ModelSpec ScaleChannels(double factor) const;

  friend bool operator==(const ModelSpec& a, const ModelSpec& b) { return a.json_ == b.json_; }

 private:
  Json json_;
};

// What one layer of a built model takes and gives.
struct LayerSummary {
  std::string kind;                   // "conv", "linear", ... ("shortcut" inside a residual)
  std::string detail;                 // the layer's value and options ("32 kernel=5 padding=2")
  std::vector<int64_t> output_shape;  // without the batch dimension
  int64_t params = 0;
  int64_t flops = 0;  // multiply-adds for one example, as NAS papers count FLOPs
  // A residual's layers, then its projection shortcut when it has one (counted in its totals).
  std::vector<LayerSummary> inner;
};

struct ModelSummary {
  std::vector<LayerSummary> layers;
  std::vector<int64_t> input_shape;
  std::vector<int64_t> output_shape;
  int64_t params = 0;
  int64_t flops = 0;
  // A table, one layer a line.
  std::string ToString() const;
};

// Shape propagation without building anything: parameters and FLOPs of each layer. Throws
// InvalidArgument naming the layer when it does not fit its input (a linear layer on images
// without flatten, a pool larger than the image, a head with the wrong number of outputs).
ModelSummary Summarize(const ModelSpec& spec, const std::vector<int64_t>& input_shape,
                       int64_t classes);

class NasnetImpl;
class DartsNetworkImpl;  // automl/dl/darts_network.h

// A network built from a spec.
class NetImpl : public torch::nn::Module {
 public:
  // |input_shape| without the batch dimension: (C, H, W) for images, (F) for features.
  // Parameters are initialized (Kaiming-uniform, as PyTorch does) from the global generator.
  // Throws InvalidArgument as Summarize does. Each layer of spec.Layers(classes) is one module of
  // the Sequential "body" (a Sequential itself when it is several: conv, batchnorm, activation);
  // a nasnet is the module "nasnet" instead.
  NetImpl(const ModelSpec& spec, const std::vector<int64_t>& input_shape, int64_t classes);

  torch::Tensor forward(const torch::Tensor& x);
  // For training: the logits and, for a nasnet with an auxiliary head in train mode, that head's
  // logits (undefined otherwise), whose loss counts auxiliary_weight() times.
  std::pair<torch::Tensor, torch::Tensor> forward_with_auxiliary(const torch::Tensor& x);
  double auxiliary_weight() const;
  // The fraction of training done, in [0, 1], for what the network schedules by it (nasnet's
  // drop path); nothing for other networks.
  void set_progress(double progress);
  const ModelSummary& summary() const { return summary_; }
  const ModelSpec& spec() const { return spec_; }

 private:
  ModelSpec spec_;
  ModelSummary summary_;
  bool channels_last_ = false;  // chain: see UseChannelsLast
  torch::nn::Sequential body_;
  std::shared_ptr<NasnetImpl> nasnet_;       // instead of body_ for nasnet
  std::shared_ptr<DartsNetworkImpl> hmnas_;  // instead of body_ for hmnas
};
TORCH_MODULE(Net);

// A layer list (as `layers:` takes it, no head needed) built as NetImpl builds its body: one
// module per layer, in order, each drawing its initial values from the global generator. For
// networks assembled from pieces, such as the choice blocks of a supernet (automl/dl/supernet.h):
// the pieces of a path hold the same modules, in the same order, as the stand-alone network.
struct LayerStack {
  torch::nn::Sequential modules;  // empty for an empty list
  std::vector<int64_t> output_shape;
  int64_t params = 0;
  int64_t flops = 0;  // multiply-adds per example, as LayerSummary counts them
};
// Throws InvalidArgument naming |where| and the layer when a layer is invalid or does not fit.
LayerStack BuildLayerStack(const Json& layers, const std::vector<int64_t>& input_shape,
                           const std::string& where);

// Stores every 4-D parameter and buffer of |module| channels-last (NHWC). Networks of depthwise
// convolutions (chain) run in that format: Debian's LibTorch 1.13 (oneDNN 2.6) takes a slow path
// for NCHW depthwise convolutions, measured here 3x slower in training and up to 17x in
// inference for an mb6_k5 block (BENCHMARKS.md). Their inputs are converted in forward().
void UseChannelsLast(torch::nn::Module& module);

// The number of trainable parameters of |module|, counted from its tensors.
int64_t CountParameters(const torch::nn::Module& module);

}  // namespace automl::dl

#endif  // AUTOML_DL_MODEL_H_
