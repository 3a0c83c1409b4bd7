// PercentilePruner: prunes a trial whose intermediate results fall behind a percentile of the
// other trials' results at the same step. Registered as `percentile`; `median` (MedianPruner,
// median_pruner.h) is this rule at the 50th percentile.
//
// The rule is Optuna's PercentilePruner / MedianPruner (optuna/pruners/_percentile.py), itself the
// median stopping rule of D. Golovin, B. Solnik, S. Moitra, G. Kochanski, J. Karro, D. Sculley,
// "Google Vizier: A Service for Black-Box Optimization", KDD 2017: at step s a trial is pruned
// when its best intermediate value so far is worse than the p-th percentile (p-th best, in the
// study's direction) of the values that COMPLETE trials reported at step s.
//
// Exactly as Optuna, so that a study behaves the same under both:
//   - the trial's side is its best value over all its reported steps (not only the value at s):
//     a trial that was good once and plateaus is judged on its best, as in Vizier;
//   - the reference is COMPLETE trials only. PRUNED trials are left out: they are the losers of
//     earlier comparisons, and counting them would pull the percentile towards worse values and
//     prune less the longer a study runs;
//   - the percentile interpolates linearly between order statistics (numpy's default); for a
//     study that maximizes, the p-th best is the (100 - p)-th percentile;
//   - NaN values are ignored on both sides, and a trial whose values are all NaN is pruned.
// Pruning is considered only once n_startup_trials trials are COMPLETE, from step n_warmup_steps
// on, at the first report in each interval of interval_steps steps after the warm-up (a report
// that skips over a check point is checked), and when at least n_min_trials COMPLETE trials
// reported at step s. Several objectives are refused.
//
// Options (`pruner: {name: percentile, ...}`; `median` takes all but `percentile`):
//   percentile        keep trials better than this percentile, in [0, 100]    default 25
//   n_startup_trials  COMPLETE trials before any pruning (>= 0)                default 5
//   n_warmup_steps    steps of a trial before it can be pruned (>= 0)          default 0
//   interval_steps    steps between pruning checks (>= 1)                      default 1
//   n_min_trials      COMPLETE trials that reported at the step (>= 1)         default 1
#ifndef AUTOML_PRUNERS_PERCENTILE_PRUNER_H_
#define AUTOML_PRUNERS_PERCENTILE_PRUNER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/pruner.h"

namespace automl {

struct PercentilePrunerOptions {
  double percentile = 25.0;
  int64_t n_startup_trials = 5;
  int64_t n_warmup_steps = 0;
  int64_t interval_steps = 1;
  int64_t n_min_trials = 1;

  // Reads `pruner: {name: percentile, ...}`, or `median` when |with_percentile| is false (the
  // percentile is then fixed at 50 and not an option); throws InvalidArgument naming a bad option.
  static PercentilePrunerOptions FromComponentOptions(const ComponentOptions& options,
                                                      bool with_percentile = true);
};

// The |q|-th percentile (q in [0, 100]) of |values| with linear interpolation between order
// statistics, as numpy.percentile. |values| must not be empty.
double Percentile(std::vector<double> values, double q);

class PercentilePruner : public Pruner {
 public:
  // Throws InvalidArgument for several objectives or bad options.
  explicit PercentilePruner(PercentilePrunerOptions options = {},
                            const std::vector<Direction>& directions = {Direction::kMinimize});

  std::string name() const override { return name_; }
  bool Prune(const Study& study, const FrozenTrial& trial) const override;

  const PercentilePrunerOptions& options() const { return options_; }

 protected:
  // For MedianPruner: the same rule under another |name|.
  PercentilePruner(PercentilePrunerOptions options, const std::vector<Direction>& directions,
                   std::string name);

 private:
  PercentilePrunerOptions options_;
  std::string name_;
};

}  // namespace automl

#endif  // AUTOML_PRUNERS_PERCENTILE_PRUNER_H_
