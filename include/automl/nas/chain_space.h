// The chain search space: a network that is one chain of layers in stages, each layer a choice
// among MobileNetV2 inverted residual blocks and `skip`, as in the layer-wise spaces of
// ProxylessNAS, FBNet and SPOS. This is the genotype part: which architectures the space holds,
// how one is written (JSON) and searched (one categorical decision per layer). Building and
// training the network is not part of this library.
//
// M. Sandler, A. Howard, M. Zhu, A. Zhmoginov, L.-C. Chen, "MobileNetV2: Inverted Residuals and
// Linear Bottlenecks", CVPR 2018 (the block); H. Cai, L. Zhu, S. Han, "ProxylessNAS: Direct
// Neural Architecture Search on Target Task and Hardware", ICLR 2019 (the space).
//
// A stem (a 3x3 convolution to `stem` channels) is followed by stages; stage s has layers[s]
// layers with width[s] output channels, and its first layer has stride[s] (1 or 2), the others
// stride 1. Each layer is one operation:
//   mb<E>_k<K>  an inverted residual block: 1x1 expansion to E times the input channels, a KxK
//               depthwise convolution with the layer's stride, a 1x1 projection to the stage's
//               width; with a residual connection when input and output shapes agree.
//   mb<E>_k<K>_d<D>  the same block with its depthwise convolution dilated by D (2..4; padded
//               to keep the size): the same weights and cost, a receptive field D times wider,
//               which is what CR-NAS reallocates across positions (automl/nas/stage_allocation.h).
//   skip        the identity: the layer is left out, so the search also chooses the depth.
// The first layer of a stage that changes the shape (stride 2, or a width other than its input's:
// the stem's for stage 0, the previous stage's otherwise) cannot be skipped, so the space never
// offers `skip` there.
//
//   space:
//     arch: {type: chain, layers: 12, choices: [mb3_k3, mb6_k5, skip], stem: 16,
//            stages: [{layers: 4, width: 16, stride: 1}, {layers: 4, width: 32, stride: 2},
//                     {layers: 4, width: 64, stride: 2}]}
//
//   ChainSpaceOptions options = ChainSpaceOptions::FromJson(spec);
//   std::vector<std::vector<std::string>> offered = LayerChoices(options);  // one list per layer
//   ChainArch arch = DecodePath(path, options);     // one choice index per layer
//   Json j = ToJson(arch);                          // what "{arch}" gives a network builder
//
// An architecture's JSON holds everything needed to build the network:
//   {"stem": 16, "stages": [{"width": 16, "stride": 1, "ops": ["mb3_k3", "skip", ...]}, ...]}
// Each op stays at its layer: paths that differ only in where skips fall within a stage are
// different architectures here (in a weight-sharing supernet they use different layers' weights),
// although trained from scratch they build the same network. So every path has its own JSON and
// DecodePath and EncodePath are inverses.
// Functions refuse invalid input with an InvalidArgument naming the field or the JSON path and the
// rule broken ("chain: stages[1].stride: ...", "stages[1].ops[0]: ...").
#ifndef AUTOML_NAS_CHAIN_SPACE_H_
#define AUTOML_NAS_CHAIN_SPACE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "automl/json.h"

namespace automl::nas {

// ---- Operations ----

// One layer's operation: skip, or an inverted residual block with |expansion| (1..8), an odd
// depthwise |kernel| (3..9) and the depthwise convolution's |dilation| (1..4). expansion, kernel
// and dilation mean nothing when skip is true.
struct ChainOp {
  static constexpr int kMinExpansion = 1;
  static constexpr int kMaxExpansion = 8;
  static constexpr int kMinKernel = 3;
  static constexpr int kMaxKernel = 9;
  static constexpr int kMaxDilation = 4;

  bool skip = false;
  int expansion = 6;
  int kernel = 3;
  int dilation = 1;
};

// "skip", "mb<E>_k<K>" or "mb<E>_k<K>_d<D>" in its one spelling (no sign, no leading zero, no
// "_d1"); nullopt for any other text and for an expansion, kernel or dilation outside the ranges
// above.
std::optional<ChainOp> ParseChainOp(std::string_view name);
// The inverse of ParseChainOp for a valid op ("mb6_k5", "skip").
std::string ChainOpName(const ChainOp& op);
bool IsChainOp(std::string_view name);

// The default choices: mb3_k3, mb3_k5, mb3_k7, mb6_k3, mb6_k5, mb6_k7, skip (ProxylessNAS's).
const std::vector<std::string>& DefaultChainChoices();

// ---- Options ----

struct ChainStage {
  int layers = 1;
  int width = 16;  // output channels of every layer of the stage
  int stride = 1;  // of the stage's first layer: 1 or 2
};
bool operator==(const ChainStage& a, const ChainStage& b);
bool operator!=(const ChainStage& a, const ChainStage& b);

// The default stages for |layers| layers (3 or more): three stages of widths 16, 32, 64 and
// strides 1, 2, 2, splitting the layers as evenly as possible, the remainder to the later stages
// (10 layers: 3, 3, 4).
std::vector<ChainStage> DefaultChainStages(int layers);

// What the search space holds. Plain fields; Validate() (called by every function that takes
// options) checks them.
struct ChainSpaceOptions {
  static constexpr int kMinLayers = 1;
  static constexpr int kMaxLayers = 64;
  // Widths (and the stem) above this are surely typos; the bound also keeps products of widths
  // far from overflowing in a network builder.
  static constexpr int kMaxWidth = 1 << 16;

  int stem = 16;  // the stem convolution's output channels: stage 0's input width
  // The operations a layer may take: a non-empty list of valid op names without repeats, at least
  // one of them not skip, in the order the decisions list them.
  std::vector<std::string> choices = DefaultChainChoices();
  std::vector<ChainStage> stages = DefaultChainStages(12);

  // Reads {type: chain, layers, choices, stem, stages: [{layers, width, stride}, ...]}. Every key
  // is optional; `type` must be "chain" when present; a stage needs all three keys. Without
  // `stages` the layers (12 by default) are split into DefaultChainStages; with both, the stages'
  // layers must sum to `layers`. Unknown keys are refused in one line naming them. Validates the
  // result.
  static ChainSpaceOptions FromJson(const Json& json);
  // The explicit full form, `type` first, then layers, choices, stem, stages; FromJson(ToJson())
  // gives the same options.
  Json ToJson() const;
  // Throws InvalidArgument naming the field ("chain: stages[1].stride: 3 is not 1 or 2").
  void Validate() const;
  // The total number of layers, the sum over the stages.
  int layers() const;
};

// ---- Architectures ----

// One architecture of a chain space: its stem, its stages and one op name per layer, in order
// (stage 0's layers first). The stages' `layers` give how the ops split into stages.
struct ChainArch {
  int stem = 16;
  std::vector<ChainStage> stages;
  std::vector<std::string> ops;
};
bool operator==(const ChainArch& a, const ChainArch& b);
bool operator!=(const ChainArch& a, const ChainArch& b);

// {"stem": 16, "stages": [{"width": 16, "stride": 1, "ops": [...]}, ...]}: every key, in this
// order, so that equal architectures give equal JSON. Does not validate.
Json ToJson(const ChainArch& arch);
// Reads an architecture without a space, for network builders: the structure (stem, widths and
// strides as in the options, at least one op per stage, 1..64 layers in all), op names that
// ParseChainOp accepts, and no skip at the first layer of a stage that changes the shape, which no
// network could build. Unknown keys are refused. Throws InvalidArgument naming the JSON path.
ChainArch ChainArchFromJson(const Json& json);
// Reads an architecture of |options|' space: ChainArchFromJson, then Validate.
ChainArch ChainArchFromJson(const Json& json, const ChainSpaceOptions& options);
// Checks |arch| against |options|: what ChainArchFromJson checks, plus the same stem and stages
// (layers, width, stride) as the options and each op among what its layer offers (LayerChoices).
// How the stem and stages differ from the options' is reported first. Throws InvalidArgument
// naming the JSON path ("stages[1].ops[0]: ...").
void Validate(const ChainArch& arch, const ChainSpaceOptions& options);

// ---- Decisions ----
//
// The space as one categorical decision per layer, l0 ... l<L-1> (the global layer index). Layer i
// offers the options' choices in their order, except that the first layer of a stage that changes
// the shape does not offer skip. A path is one choice index per layer into what it offers.

// What each layer offers, one list per layer, in order.
std::vector<std::vector<std::string>> LayerChoices(const ChainSpaceOptions& options);
// The architecture |path| picks; refuses a path of the wrong length or with an index out of range.
ChainArch DecodePath(const std::vector<int64_t>& path, const ChainSpaceOptions& options);
// The path of |arch|, validated against |options| first: DecodePath(EncodePath(a)) == a for a valid
// a, EncodePath(DecodePath(p)) == p for any valid p.
std::vector<int64_t> EncodePath(const ChainArch& arch, const ChainSpaceOptions& options);
// The number of paths, the product of the layers' choice counts (exact up to double rounding).
double ChainSpaceSize(const ChainSpaceOptions& options);

}  // namespace automl::nas

#endif  // AUTOML_NAS_CHAIN_SPACE_H_
