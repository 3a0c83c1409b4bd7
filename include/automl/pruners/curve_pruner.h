// CurvePruner: learning-curve extrapolation, registered as `curve`: the predictive termination
// criterion of T. Domhan, J. T. Springenberg, F. Hutter, "Speeding up Automatic Hyperparameter
// Optimization of Deep Neural Networks by Extrapolation of Learning Curves", IJCAI 2015.
//
// The paper's method. The trial's curve so far, y_1..y_n at x = 1..n, is fitted by a weighted
// combination of eleven parametric families, f_comb(x) = sum_k w_k f_k(x | theta_k), with
// Gaussian noise; the posterior over (theta, w, sigma) is sampled by MCMC (Goodman & Weare's
// affine-invariant ensemble sampler, as emcee) under the paper's priors: w_k >= 0, an increasing
// curve (f_comb(1) < f_comb(x_max)) and a plausible value at x_max. The trial is pruned when the
// predictive probability that its value at the last step beats the best COMPLETE trial,
// P(y(x_max) > y_best | y_1..y_n), is below `threshold` (the paper's 0.05). As the authors'
// termination criterion script, a trial whose best value so far already beats y_best is not
// judged. The model, and how it follows the authors' reference code, is described in
// src/core/pruners/internal/learning_curve_model.h; the families in curve_families.h.
//
// How it meets automl's conventions:
//   - the resource is the step of reported values: the point reported at step s is x = s + 1, and
//     x_max = max_resource + 1 is the value predicted (the trial's last step). Steps need not be
//     contiguous; a trial at or past max_resource is not judged (nothing is left to save);
//   - the model sees increasing curves: values are negated when the study minimizes;
//   - values are on any scale: they are mapped linearly so that the range of the values of the
//     COMPLETE trials (intermediate and final) and of this trial spans [0, 1], the scale of the
//     accuracies the paper's priors and the families' starting values were written for. The
//     plausible range of the value at x_max is then [-1, 2]: at most one such range beyond the
//     values seen (the paper's accuracies are bounded by [0, 1]; an arbitrary loss has no bound,
//     so the range of the study stands in for it);
//   - y_best is the best final value (first objective) of the COMPLETE trials; with fewer than
//     n_startup_trials COMPLETE trials nothing is pruned;
//   - a NaN last value prunes the trial at once (a diverged run); other NaN or infinite values
//     are left out of the fit;
//   - the decision is a pure function of the study's trials: the MCMC is seeded from (the study's
//     seed given at construction, the trial's number, the step), so the same history gives the
//     same decision;
//   - decisions are taken from step n_warmup_steps on, at the first report in each interval of
//     interval_steps steps (as median and percentile). Several objectives are refused.
//
// Deviations from the paper, for speed: the MCMC is far shorter than the reference code's (100
// walkers, 2500 steps, burn-in 500: seconds per decision). With the defaults below a decision at
// 30 points takes about 0.07 s of CPU time (0.06 to 0.09 s over ten trials, measured with
// std::clock around ImprovementProbability in a Release build, on a shared machine); a short
// chain judges a little more harshly than a long one (learning_curve_model.h), and the options
// let a study buy a longer chain. Not done: the reference script's heuristic that cuts a flat
// beginning off a curve, and its recency weighting of the likelihood (neither is in the paper).
//
// Why these defaults: threshold 0.05 is the paper's; n_warmup_steps 10 means that the first
// decision sees 11 points (for a trial that reports every step), so even the four-parameter
// families are fitted with seven residual degrees of freedom, and the first epochs, which often
// do not look like the rest of the curve yet, are not all there is; n_startup_trials 1 is the
// least that defines y_best; walkers 100 is the reference's (twice the 48 parameters of all
// eleven families is 96); 250 steps with a burn-in of 150 keep 10000 samples.
//
// Options (`pruner: {name: curve, ...}`):
//   max_resource      the last step of a trial, whose value is predicted (>= 1)  required
//   threshold         prune when P(beating y_best) < threshold, in (0, 1)       default 0.05
//   n_warmup_steps    steps of a trial before it can be pruned (>= 0, below
//                     max_resource)                                            default 10
//   interval_steps    steps between pruning checks (>= 1)                      default 1
//   n_startup_trials  COMPLETE trials before any pruning (>= 1)                default 1
//   walkers           MCMC ensemble size (>= 2; raised to twice the number of
//                     sampled parameters when smaller)                         default 100
//   mcmc_steps        MCMC sweeps over the ensemble (>= 2)                     default 250
//   burn_in           first sweeps not used for prediction (< mcmc_steps)      default 150
#ifndef AUTOML_PRUNERS_CURVE_PRUNER_H_
#define AUTOML_PRUNERS_CURVE_PRUNER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/pruner.h"

namespace automl {

struct CurvePrunerOptions {
  std::optional<int64_t> max_resource;
  double threshold = 0.05;
  int64_t n_warmup_steps = 10;
  int64_t interval_steps = 1;
  int64_t n_startup_trials = 1;
  int64_t walkers = 100;
  int64_t mcmc_steps = 250;
  int64_t burn_in = 150;

  // Reads `pruner: {name: curve, ...}`; throws InvalidArgument naming a bad option.
  static CurvePrunerOptions FromComponentOptions(const ComponentOptions& options);
  // Throws InvalidArgument naming the option and the rule it breaks.
  void Validate() const;
};

class CurvePruner : public Pruner {
 public:
  // |seed| is the study's (PrunerContext::seed). Throws InvalidArgument for several objectives
  // or bad options.
  explicit CurvePruner(CurvePrunerOptions options,
                       const std::vector<Direction>& directions = {Direction::kMinimize},
                       uint64_t seed = 0);

  std::string name() const override { return "curve"; }
  bool Prune(const Study& study, const FrozenTrial& trial) const override;

  // The predictive probability that |trial| ends better than the best COMPLETE trial, as Prune
  // computes it; nullopt where Prune takes no decision from the model (not a check point, too
  // few COMPLETE trials, already better than the best, no family fits, a NaN last value).
  std::optional<double> ImprovementProbability(const Study& study, const FrozenTrial& trial) const;

  const CurvePrunerOptions& options() const { return options_; }

 private:
  CurvePrunerOptions options_;
  uint64_t seed_;
};

}  // namespace automl

#endif  // AUTOML_PRUNERS_CURVE_PRUNER_H_
