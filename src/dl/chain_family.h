// The `model: {chain: {...}}` family of ModelSpec (internal to automl::torch): a chain of
// MobileNetV2 blocks as a chain space (automl/nas/chain_space.h) describes it, expanded to a
// layer list. The one-shot supernet (automl/dl/supernet.h) builds its choice blocks from the same
// pieces, so that a path of the supernet and the stand-alone network of that path are the same
// modules in the same order.
#ifndef AUTOML_SRC_DL_CHAIN_FAMILY_H_
#define AUTOML_SRC_DL_CHAIN_FAMILY_H_

#include <cstdint>
#include <string>

#include "automl/json.h"
#include "automl/nas/chain_space.h"

namespace automl::dl {

// The canonical JSON (nas::ToJson) of an `arch:` value: an architecture mapping ({stem, stages:
// [{width, stride, ops}]}), or the path of a JSON (or YAML) file holding one. Throws
// InvalidArgument starting with |where| ("model: chain").
Json CanonicalChainArch(const Json& value, const std::string& where);

// The family's options other than the architecture, with their defaults filled in.
struct ChainHead {
  std::string activation = "relu6";
  int64_t head = 0;    // channels of a 1x1 conv before the pooling (0: none)
  double dropout = 0;  // before the linear head
};
ChainHead ChainHeadOf(const Json& family);

// The stem: a 3x3 convolution to |stem| channels with batchnorm and the activation.
Json ChainStemLayers(int64_t stem, const ChainHead& head);
// One layer's block from |in| to |out| channels: nothing for skip; for mbE_kK, a 1x1 expansion
// to E * in channels (left out for E = 1), a K x K depthwise convolution with |stride| (and the
// op's dilation, padded to keep the size), each with
// batchnorm and the activation, and a linear 1x1 projection to |out| with batchnorm; a residual
// around the three when stride is 1 and in == out (Sandler et al., "MobileNetV2: Inverted
// Residuals and Linear Bottlenecks", CVPR 2018).
Json ChainBlockLayers(const nas::ChainOp& op, int64_t in, int64_t out, int64_t stride,
                      const ChainHead& head);
// The head after the last block of |channels| channels: the optional 1x1 conv, global average
// pooling, the optional dropout and a linear layer of |classes| outputs.
Json ChainHeadLayers(const ChainHead& head, int64_t classes);

// The whole network's layer list for the canonical family mapping |family|.
Json ExpandChain(const Json& family, int64_t classes);

// |family| with the stem and every stage width multiplied by |factor| (rounded, at least 1), for
// proxies, and the head's conv when it has one.
Json ScaleChain(const Json& family, double factor);

}  // namespace automl::dl

#endif  // AUTOML_SRC_DL_CHAIN_FAMILY_H_
