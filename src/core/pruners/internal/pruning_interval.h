// When a pruner with a warm-up and an interval (median, percentile, curve) takes a decision.
#ifndef AUTOML_CORE_PRUNERS_INTERNAL_PRUNING_INTERVAL_H_
#define AUTOML_CORE_PRUNERS_INTERNAL_PRUNING_INTERVAL_H_

#include <cstdint>

#include "automl/frozen_trial.h"

namespace automl::internal {

// Whether |trial|'s last report, at step s >= |warmup|, is the first report at or after a check
// point (warmup + k * interval): a trial that reports every other step is still checked once per
// interval, and one that reports every step is checked only at the check points. False for a
// trial without reports or still in the warm-up.
bool IsCheckPoint(const FrozenTrial& trial, int64_t warmup, int64_t interval);

}  // namespace automl::internal

#endif  // AUTOML_CORE_PRUNERS_INTERNAL_PRUNING_INTERVAL_H_
