// NopPruner: never prunes. Registered as `none`.
#ifndef AUTOML_PRUNERS_NOP_PRUNER_H_
#define AUTOML_PRUNERS_NOP_PRUNER_H_

#include <string>

#include "automl/pruner.h"

namespace automl {

class NopPruner : public Pruner {
 public:
  std::string name() const override { return "none"; }
  bool Prune(const Study& /*study*/, const FrozenTrial& /*trial*/) const override { return false; }
};

}  // namespace automl

#endif  // AUTOML_PRUNERS_NOP_PRUNER_H_
