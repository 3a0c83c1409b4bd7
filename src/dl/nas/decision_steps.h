// The controller's view of a search space: which parameters take a decision, in which order and
// over how many choices, and how a configuration is walked decision by decision.
#ifndef AUTOML_DL_NAS_DECISION_STEPS_H_
#define AUTOML_DL_NAS_DECISION_STEPS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "automl/param_value.h"
#include "automl/search_space.h"

namespace automl::dl::internal {

// Most values a parameter may have: each is a choice of the controller's softmax.
inline constexpr uint64_t kMaxChoices = 1000;
// A step its configuration does not take (an inactive parameter).
inline constexpr int64_t kNoChoice = -1;

class DecisionSteps {
 public:
  // One step per parameter of |space| with two values or more, in params() order. Throws
  // InvalidArgument naming a continuous float or a parameter with more than kMaxChoices values.
  explicit DecisionSteps(const SearchSpace& space);

  size_t size() const { return choices_.size(); }
  // The number of choices of each step.
  const std::vector<int64_t>& choices() const { return choices_; }
  // The parameter that decides at |step|.
  const ParamSpec& SpecOf(size_t step) const { return space_.params()[param_of_[step]]; }

  // The choice |params| makes at each step, kNoChoice where the step's parameter is absent;
  // nullopt when a value is not one of its parameter's values.
  std::optional<std::vector<int64_t>> PathOf(const ParamMap& params) const;

  // Decides a configuration of the space, parents before children: |given| values are kept (the
  // trial's enqueued ones), a parameter with one value takes it, and each other active parameter
  // takes the value of choice decide(step, nullopt). decide(step, index) is called for a given
  // value that is one of the step's choices, so that a controller walks through it too; its
  // result is ignored. Returns the active parameters' values.
  using Decide = std::function<int64_t(size_t step, std::optional<int64_t> given)>;
  ParamMap Walk(const ParamMap& given, const Decide& decide) const;

 private:
  SearchSpace space_;
  std::vector<int64_t> step_of_;  // per space parameter: its step, or -1 when it has one value
  std::vector<size_t> param_of_;  // per step: its parameter's index in the space
  std::vector<int64_t> choices_;
};

}  // namespace automl::dl::internal

#endif  // AUTOML_DL_NAS_DECISION_STEPS_H_
