// Proxy training settings: a cheaper version of a training config for search.
//
//   objective:
//     task: fashion-mnist
//     data: {resolution: 28}
//     model: {cnn: {width: "{width}"}}
//     epochs: 60
//     proxy: {channels: 0.25, resolution: 0.25, fraction: 1.0, epochs: 20}
//
// EcoNAS (D. Zhou, X. Zhou, W. Zhang, C. C. Loy, S. Yi, X. Zhang, W. Ouyang, "EcoNAS: Finding
// Proxies for Economical Neural Architecture Search", CVPR 2020) names four reduction factors
// for cheap evaluation during a search: fewer channels (c), a lower input resolution (r), fewer
// training samples (s) and fewer epochs (e). Here each is optional:
//   channels: F     every width of the model times F, 0 < F <= 1 (ModelSpec::ScaleChannels)
//   resolution: F   image side times F (of data.resolution, or of the images' own side), rounded,
//                   at least 4; 0 < F <= 1; images only
//   fraction: F     data.fraction times F, 0 < F <= 1 (a class-balanced subsample, as `fraction`)
//   epochs: N       the budget: N epochs (replaces the full setting's epochs or steps)
// EcoNAS's recommended "c4r4s0e60" is {channels: 0.25, resolution: 0.25, epochs: 60}.
//
// The config's own `data`, `model` and `epochs` stay the full setting (DESIGN: Training
// settings): a study's in-process objective trains every trial at the proxy and reports its
// epochs to the pruner, so any pruner stops weak trials within the proxy's budget; `automl train`
// trains the full setting (its --proxy flag trains the proxy instead). The validation split is the
// same in both, and the test set is used by neither for a decision.
#ifndef AUTOML_DL_PROXY_H_
#define AUTOML_DL_PROXY_H_

#include <cstdint>
#include <optional>

#include "automl/json.h"

namespace automl::dl {

struct ProxyOptions {
  std::optional<double> channels;
  std::optional<double> resolution;
  std::optional<double> fraction;
  std::optional<int64_t> epochs;

  // Reads the `proxy:` mapping; unknown keys, values out of range and an empty mapping are
  // refused with InvalidArgument naming the key ("proxy: channels must lie in (0, 1], not 2").
  static ProxyOptions FromJson(const Json& json);
  // The keys that are set, so that FromJson(ToJson()) gives the same options back.
  Json ToJson() const;
};

}  // namespace automl::dl

#endif  // AUTOML_DL_PROXY_H_
