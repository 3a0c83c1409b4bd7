#include "dl/nas/decision_steps.h"

#include <string>

#include "automl/error.h"

namespace automl::dl::internal {

DecisionSteps::DecisionSteps(const SearchSpace& space) : space_(space) {
  const std::vector<ParamSpec>& specs = space_.params();
  for (size_t i = 0; i < specs.size(); ++i) {
    const ParamSpec& spec = specs[i];
    const std::optional<uint64_t> n = spec.Cardinality();
    if (!n) {
      throw InvalidArgument("sampler 'reinforce': parameter '" + spec.name() +
                            "' is a continuous float; the controller needs discrete parameters "
                            "(give it a step, or use sampler tpe, gp, cmaes or random)");
    }
    if (*n > kMaxChoices) {
      throw InvalidArgument("sampler 'reinforce': parameter '" + spec.name() + "' has " +
                            std::to_string(*n) + " values, more than the " +
                            std::to_string(kMaxChoices) +
                            " choices a decision may have (use a coarser step, or sampler tpe)");
    }
    if (*n < 2) {
      step_of_.push_back(-1);
      continue;
    }
    step_of_.push_back(static_cast<int64_t>(choices_.size()));
    param_of_.push_back(i);
    choices_.push_back(static_cast<int64_t>(*n));
  }
}

std::optional<std::vector<int64_t>> DecisionSteps::PathOf(const ParamMap& params) const {
  std::vector<int64_t> path(choices_.size(), kNoChoice);
  const std::vector<ParamSpec>& specs = space_.params();
  for (size_t i = 0; i < specs.size(); ++i) {
    auto it = params.find(specs[i].name());
    if (it == params.end()) continue;
    if (!specs[i].Contains(it->second)) return std::nullopt;
    if (step_of_[i] >= 0) {
      path[static_cast<size_t>(step_of_[i])] = static_cast<int64_t>(specs[i].IndexOf(it->second));
    }
  }
  return path;
}

ParamMap DecisionSteps::Walk(const ParamMap& given, const Decide& decide) const {
  ParamMap params;
  const std::vector<ParamSpec>& specs = space_.params();
  for (size_t i = 0; i < specs.size(); ++i) {
    const ParamSpec& spec = specs[i];
    if (!space_.IsActive(spec, params)) continue;
    const int64_t step = step_of_[i];
    auto it = given.find(spec.name());
    if (it != given.end()) {
      params.emplace(spec.name(), it->second);
      // A given value off the parameter's grid has no choice to feed: the step is skipped.
      if (step >= 0 && spec.Contains(it->second)) {
        decide(static_cast<size_t>(step), static_cast<int64_t>(spec.IndexOf(it->second)));
      }
      continue;
    }
    if (step < 0) {
      params.emplace(spec.name(), spec.ValueAt(0));
      continue;
    }
    const int64_t choice = decide(static_cast<size_t>(step), std::nullopt);
    params.emplace(spec.name(), spec.ValueAt(static_cast<uint64_t>(choice)));
  }
  return params;
}

}  // namespace automl::dl::internal
