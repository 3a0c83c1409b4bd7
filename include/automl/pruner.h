// Pruner: decides whether a running trial should stop early, from the intermediate values it and
// the study's other trials have reported. The resource is the `step` of reported values (an epoch
// index for the trainer). Pruners are pure functions of the study's history, like samplers.
#ifndef AUTOML_PRUNER_H_
#define AUTOML_PRUNER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "automl/frozen_trial.h"
#include "automl/trial_state.h"

namespace automl {

class Study;

struct PrunerContext {
  std::vector<Direction> directions;
  uint64_t seed = 0;
};

class Pruner {
 public:
  virtual ~Pruner() = default;
  virtual std::string name() const = 0;
  // Whether |trial| (RUNNING, with the values it has reported so far) should stop now.
  virtual bool Prune(const Study& study, const FrozenTrial& trial) const = 0;
};

}  // namespace automl

#endif  // AUTOML_PRUNER_H_
