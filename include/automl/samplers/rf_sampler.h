// RfSampler: Bayesian optimisation with a random-forest surrogate, as in SMAC, registered as `rf`.
//
// The algorithm is SMAC's (F. Hutter, H. H. Hoos, K. Leyton-Brown, "Sequential Model-Based
// Optimization for General Algorithm Configuration", LION 5, 2011) for a single deterministic
// objective, with the defaults of SMAC3's hyperparameter-optimisation facade:
// - Startup: the first n_startup_trials trials (until that many are COMPLETE) take the points of
//   the scrambled Sobol' sequence (SobolSampler, indexed by the trial's sample index), a
//   space-filling design; the model needs at least 2 COMPLETE trials in any case.
// - Model: a random forest (core/samplers/random_forest.h: bootstrap samples, a random 5/6 of the
//   features per split, min 3 points to split and per leaf; mean and variance by the law of total
//   variance over the trees). Features: the unit-interval value of each numeric parameter
//   (ParamSpec::ToUnit, so log parameters in log scale, ints and ordinals by their cell centre),
//   the index of each categorical; an inactive parameter is -1 or an extra category, so that trees
//   can split on activity. Fixed parameters are left out.
// - Responses: with log_y (default, as SMAC3's facade), costs are scaled as SMAC3's
//   RunHistoryLogScaledEncoder does, y' = log((y - m) / (max - m)) with m = min - (p5 - min) -
//   1e-10 (p5: the 5th percentile), which is defined for costs of any sign; the acquisition is
//   then log-EI (Hutter et al., "An Experimental Investigation of Model-Based Parameter
//   Optimisation: SPO and Beyond", GECCO 2009): the expected improvement of exp(y') over the best
//   scaled cost when y' ~ N(mean, variance) of the forest, i.e. EI in the scaled cost's own units.
//   Without log_y the forest models the raw costs and the acquisition is plain EI on them.
//   Maximised objectives are negated.
// - Acquisition search: SMAC3's LocalAndSortedRandomSearch: n_candidates uniformly random points,
//   and local searches from the local_search_starts best evaluated points and as many of the best
//   random points. A local search climbs to the best point of the one-exchange neighbourhood (one
//   active parameter changed: 4 Gaussian steps of sd 0.2 in the unit interval for a continuous
//   parameter, as ConfigSpace; the neighbouring grid values and 2 Gaussian steps for an int,
//   stepped float or ordinal; every other choice of a categorical) while the acquisition
//   improves, walking up to 10 steps on a plateau. All points, sorted by acquisition, are the
//   trial's proposals in order.
// - Interleaved random points: after the startup, every random_every-th trial (by sample index)
//   takes a uniformly random point, SMAC's guard against a misleading model (SMAC3's facade draws
//   one with probability 0.2; every 5th trial is that rate, deterministically).
// - Running trials (parallel workers) enter the model at the forest's predicted mean (the
//   "kriging believer" heuristic): the model is fit on the COMPLETE trials, then refit with the
//   running ones added, so the variance there drops and workers spread out.
//
// Purity. The model is a function of the history: the COMPLETE trials in finish order
// (FrozenTrial::finish_seq), the RUNNING ones by number; the forest, the random candidates and
// the neighbourhoods are drawn from streams of DeriveSeed(seed, trial number, ...). A resumed
// study therefore continues exactly. FAILED and PRUNED trials are not modelled (they still count
// as taken points). In a space whose active parameters are all discrete, a proposal that repeats
// a taken point is replaced by the next one in acquisition order (core/samplers/fresh_points.h),
// until the space is exhausted. Several objectives are refused.
//
// Options (`sampler: {name: rf, ...}`):
//   n_startup_trials     COMPLETE trials taken from the Sobol' design first (>= 0)   default 10
//   n_trees              trees in the forest (>= 1)                                  default 10
//   max_depth            of a tree (>= 1)                                            default 20
//   min_samples_split    points a node needs to be split (>= 2)                      default 3
//   min_samples_leaf     points in every leaf (>= 1)                                 default 3
//   max_features         fraction of the features tried at a split, (0, 1]           default 5/6
//   bootstrap            bootstrap sample per tree (else all points)                 default true
//   log_y                log-scaled costs and log-EI (else EI on raw costs)          default true
//   random_every         every k-th trial random (0: never, else >= 2)               default 5
//   n_candidates         random points of the acquisition search (>= 1)              default 1000
//   local_search_starts  best evaluated (and best random) points to climb from       default 10
//   xi                   EI's exploration margin, in (scaled) cost units (>= 0)      default 0
// The seed is the study's.
#ifndef AUTOML_SAMPLERS_RF_SAMPLER_H_
#define AUTOML_SAMPLERS_RF_SAMPLER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/sampler.h"
#include "automl/samplers/sobol_sampler.h"

namespace automl {

namespace internal {
class ForestEncoding;
}  // namespace internal

struct RfSamplerOptions {
  int64_t n_startup_trials = 10;
  int64_t n_trees = 10;
  int64_t max_depth = 20;
  int64_t min_samples_split = 3;
  int64_t min_samples_leaf = 3;
  double max_features = 5.0 / 6.0;
  bool bootstrap = true;
  bool log_y = true;
  int64_t random_every = 5;
  int64_t n_candidates = 1000;
  int64_t local_search_starts = 10;
  double xi = 0.0;

  // Reads `sampler: {name: rf, ...}`; throws InvalidArgument naming a bad option.
  static RfSamplerOptions FromComponentOptions(const ComponentOptions& options);
};

class RfSampler : public Sampler {
 public:
  // Throws InvalidArgument for several objectives or an option out of range.
  RfSampler(const SearchSpace& space, uint64_t seed, RfSamplerOptions options = {},
            const std::vector<Direction>& directions = {Direction::kMinimize});
  ~RfSampler() override;

  std::string name() const override { return "rf"; }
  // Every parameter: the sampler proposes whole trials.
  std::vector<std::string> RelativeParams(const Study& study,
                                          const FrozenTrial& trial) const override;
  ParamMap SampleRelative(const Study& study, const FrozenTrial& trial,
                          const std::vector<std::string>& names) const override;
  ParamValue SampleIndependent(const Study& study, const FrozenTrial& trial,
                               const ParamSpec& param) const override;

 private:
  SearchSpace space_;
  uint64_t seed_;
  RfSamplerOptions options_;
  SobolSampler design_;
  std::shared_ptr<const internal::ForestEncoding> encoding_;
};

}  // namespace automl

#endif  // AUTOML_SAMPLERS_RF_SAMPLER_H_
