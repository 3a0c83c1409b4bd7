#include "automl/sampler.h"

namespace automl {

std::vector<std::string> Sampler::RelativeParams(const Study& /*study*/,
                                                 const FrozenTrial& /*trial*/) const {
  return {};
}

ParamMap Sampler::SampleRelative(const Study& /*study*/, const FrozenTrial& /*trial*/,
                                 const std::vector<std::string>& /*names*/) const {
  return {};
}

}  // namespace automl
