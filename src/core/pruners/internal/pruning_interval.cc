#include "core/pruners/internal/pruning_interval.h"

#include <algorithm>

namespace automl::internal {

bool IsCheckPoint(const FrozenTrial& trial, int64_t warmup, int64_t interval) {
  if (trial.intermediate.empty()) return false;
  const int64_t step = trial.intermediate.rbegin()->first;
  if (step < warmup) return false;
  const int64_t check_point = (step - warmup) / interval * interval + warmup;
  int64_t previous = -1;
  for (const auto& [s, values] : trial.intermediate) {
    if (s != step) previous = std::max(previous, s);
  }
  return previous < check_point;
}

}  // namespace automl::internal
