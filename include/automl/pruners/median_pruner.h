// MedianPruner: the median stopping rule, registered as `median`: PercentilePruner
// (percentile_pruner.h) at the 50th percentile, as Optuna's MedianPruner. A trial is pruned at
// step s when its best intermediate value so far is worse than the median of the values that
// COMPLETE trials reported at step s (D. Golovin et al., "Google Vizier: A Service for Black-Box
// Optimization", KDD 2017).
//
// Options (`pruner: {name: median, ...}`), as PercentilePruner's without `percentile`:
//   n_startup_trials  COMPLETE trials before any pruning (>= 0)                default 5
//   n_warmup_steps    steps of a trial before it can be pruned (>= 0)          default 0
//   interval_steps    steps between pruning checks (>= 1)                      default 1
//   n_min_trials      COMPLETE trials that reported at the step (>= 1)         default 1
#ifndef AUTOML_PRUNERS_MEDIAN_PRUNER_H_
#define AUTOML_PRUNERS_MEDIAN_PRUNER_H_

#include <string>
#include <vector>

#include "automl/pruners/percentile_pruner.h"

namespace automl {

class MedianPruner : public PercentilePruner {
 public:
  // |options.percentile| is ignored: it is 50.
  explicit MedianPruner(PercentilePrunerOptions options = {},
                        const std::vector<Direction>& directions = {Direction::kMinimize})
      : PercentilePruner(WithMedian(options), directions, "median") {}

 private:
  static PercentilePrunerOptions WithMedian(PercentilePrunerOptions options) {
    options.percentile = 50.0;
    return options;
  }
};

}  // namespace automl

#endif  // AUTOML_PRUNERS_MEDIAN_PRUNER_H_
