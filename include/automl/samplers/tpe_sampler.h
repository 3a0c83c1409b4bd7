// TpeSampler: the Tree-structured Parzen Estimator (TPE), registered as `tpe`.
//
// TPE (J. Bergstra, R. Bardenet, Y. Bengio, B. Kégl, "Algorithms for Hyper-Parameter
// Optimization", NeurIPS 2011) ranks the finished trials by value, splits them into the best
// gamma(n) ("below") and the rest ("above"), fits a Parzen estimator l(x) to the parameters of
// the first and g(x) to those of the second, draws n_ei_candidates points from l and proposes the
// one that maximizes l(x) / g(x), which maximizes expected improvement under the TPE model.
// The machinery follows Optuna 3.1's TPESampler (optuna/samplers/_tpe/), with the component
// choices that S. Watanabe, "Tree-Structured Parzen Estimator: Understanding Its Algorithm
// Components and Their Roles for Better Empirical Performance" (arXiv:2304.11127, 2023)
// discusses as options. Three defaults differ from Optuna's, chosen by measurement on
// bench/hpo/ (BENCHMARKS.md: better than Optuna 3.1's TPE on all eight functions, on the seeds
// they were chosen on and on fresh ones); `{multivariate: false, kernel_score: height,
// magic_clip_exponent: 1}` is Optuna 3.1's default TPESampler, proposal for proposal:
//  - Multivariate by default: one Parzen estimator over all the parameters of a group, with
//    product kernels (as in BOHB: S. Falkner, A. Klein, F. Hutter, "BOHB: Robust and Efficient
//    Hyperparameter Optimization at Scale", ICML 2018). Its bandwidths (`bandwidth`) follow by
//    default the normal reference rule per dimension, 1.059 min(sd, IQR / 1.34) k^(-1/5) of the
//    k kernel centres (the prior's included), which is Watanabe's "scott" strategy: the kernels
//    narrow as the good observations converge and stay wide while they are scattered. Optuna's
//    multivariate rule, a fixed 0.2 n^(-1/(d+4)) of the range whatever the data (`scott`), is
//    too wide to refine a 2-D optimum (Branin 3.2x Optuna's independent TPE). With
//    `multivariate: false`, each parameter has its own estimator with the original TPE's
//    bandwidths (the larger gap to the neighbouring observations).
//  - The magic clip (a floor on every bandwidth) is range * max(min_bandwidth_factor,
//    (1 + kernels)^-magic_clip_exponent), Watanabe's generalization of Optuna's range /
//    min(100, 1 + kernels) (exponent 1, factor 0.01). The default exponent 1.25 lets the below
//    estimator's 11 kernels at 100 trials narrow to 4.5% of the range instead of 8.3%: exponent 1
//    holds the normal reference rule back on Branin and Styblinski-Tang, 1.75 over-exploits on
//    Levy (measured in BENCHMARKS.md).
//  - Conditional spaces (`group`, as Optuna's group decomposition): the parameters are
//    partitioned into groups that were active in exactly the same finished trials; each group is
//    modelled jointly, from the trials in which it was active, while the below/above split is
//    made once over all finished trials (Optuna's semantics). Groups never active yet form one
//    group sampled from the prior. Without `group`, the parameters active in every finished
//    trial are modelled jointly and the others one by one.
//  - Kernels (see src/core/samplers/parzen_estimator.h): truncated normals on a float's value (or
//    its log for log-scale floats); for ints, stepped floats and ordinals (taken as ordered
//    positions 0, 1, ...) the normal's mass on each value's cell, a log-scale int's cells lying in
//    log scale; categorical kernels that put 1 + prior_weight / (n + 1) on the observed choice and
//    prior_weight / (n + 1) on every choice; a prior kernel (the range's middle, the range's
//    width, or uniform over choices) with weight prior_weight; the magic clip on bandwidths.
//    Unlike Optuna 3.1, which evaluates a log-scale int by the continuous density at log v, the
//    likelihood of a discrete value is always its cell's mass, the probability of drawing it.
//  - Scoring (`kernel_score`): Optuna 3.0 to 3.4 score candidates with a truncated normal log
//    density that lacks -log(sigma) (optuna/optuna#5109, fixed in Optuna 3.5), so that in l and
//    g each kernel counts by its height rather than its mass: wide kernels (isolated
//    observations, the prior) weigh more. `height` scores the same way (as the mixture with
//    weights w_k * sigma_k per continuous dimension, renormalized): with it the independent
//    sampler draws from the same distribution as Optuna 3.1's TPESampler. The default, `mass`,
//    is the plain mixture, as TPE defines l and g; the normal reference rule needs it (with
//    `height` it is 2.2x worse than Optuna on Levy).
//  - Startup: the first n_startup_trials finished trials' parameters are drawn uniformly, exactly
//    as the `random` sampler draws them.
//  - PRUNED trials take part as in Optuna 3.1: ranked after every COMPLETE trial, those that
//    reached a later step first and, at the same step, by their last intermediate value (a
//    trial pruned before reporting anything ranks last). FAILED trials carry no value and are
//    ignored by the model. With `constant_liar`, RUNNING trials (other than the one being
//    sampled) count as the worst trials, so that parallel workers spread out.
//  - No duplicates: when every active parameter of the proposed trial is discrete, it is never
//    one that an existing trial (COMPLETE, PRUNED, FAILED, RUNNING, or WAITING with all its
//    parameters) already has. The best new combination of the groups' candidates by l/g is
//    taken instead; failing that a new uniform point; duplicates come only once every point of
//    the space has been tried. (Optuna's TPE proposes duplicates.)
//  - Single objective only: a study with several objectives is refused.
//
// Options (`sampler: {name: tpe, ...}`) and defaults:
//   n_startup_trials: 10      finished trials drawn uniformly before the model is used
//   n_ei_candidates: 24       candidates drawn from l(x) per group
//   gamma: 0.1, gamma_max: 25 the below group holds min(ceil(gamma n), gamma_max) of the n
//                             finished trials (Optuna's default_gamma)
//   prior_weight: 1.0         weight of the prior kernel
//   consider_prior: true      add the prior kernel (always, when a group has no observation)
//   consider_magic_clip: true bandwidths at least range * max(min_bandwidth_factor,
//                             (1 + kernels)^-magic_clip_exponent)
//   magic_clip_exponent: 1.25 (Optuna: 1)
//   min_bandwidth_factor: 0.01
//   consider_endpoints: false univariate bandwidths count the gap to the range's ends
//   weights: ramp             ramp: Optuna's default_weights (observations older than the newest
//                             25 weigh linearly less); uniform: all weigh the same
//   multivariate: true        joint estimators per group (false: one per parameter)
//   group: true               group decomposition of conditional spaces (needs multivariate)
//   constant_liar: false      count RUNNING trials as the worst ones
//   kernel_score: mass        how l and g weigh their kernels when scoring: mass (the
//                             normalized mixture) or height (as Optuna 3.1)
//   bandwidth: normal_reference  the joint estimators' kernel widths: normal_reference (per
//                             dimension, from the centres' spread, above), scott (Optuna's
//                             multivariate rule) or neighbor (in each dimension, the univariate
//                             rule's gap to the neighbouring centres)
//
// The sampler is pure: a suggestion is a function of the options, the seed, the study's trials
// and the trial's number. Finished trials, which never change, are read once and kept in a memo
// (by the order in which they finished), so that an ask reads only the trials that finished since
// the last one plus the RUNNING and WAITING ones; a fresh sampler reads them all and suggests the
// same.
#ifndef AUTOML_SAMPLERS_TPE_SAMPLER_H_
#define AUTOML_SAMPLERS_TPE_SAMPLER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/sampler.h"
#include "automl/trial_state.h"

namespace automl {

namespace internal {
struct TpeModel;
struct TpeHistory;
class TpeHistoryCache;
}  // namespace internal

enum class TpeWeights { kRamp, kUniform };
enum class TpeKernelScore { kMass, kHeight };
// How wide the kernels of a joint (multivariate) estimator are.
enum class TpeBandwidth { kScott, kNeighbor, kNormalReference };

struct TpeSamplerOptions {
  int64_t n_startup_trials = 10;
  int64_t n_ei_candidates = 24;
  double gamma = 0.1;
  int64_t gamma_max = 25;
  double prior_weight = 1.0;
  bool consider_prior = true;
  bool consider_magic_clip = true;
  double magic_clip_exponent = 1.25;
  double min_bandwidth_factor = 0.01;
  bool consider_endpoints = false;
  TpeWeights weights = TpeWeights::kRamp;
  bool multivariate = true;
  bool group = true;
  bool constant_liar = false;
  TpeKernelScore kernel_score = TpeKernelScore::kMass;
  TpeBandwidth bandwidth = TpeBandwidth::kNormalReference;

  // Reads every option above from a config (`sampler: {name: tpe, gamma: 0.15}`); throws
  // InvalidArgument naming the option that is out of range or inconsistent.
  static TpeSamplerOptions FromComponentOptions(const ComponentOptions& options);
  // Throws InvalidArgument naming the first invalid option.
  void Validate() const;
};

class TpeSampler : public Sampler {
 public:
  // Throws InvalidArgument for invalid options or several objectives.
  TpeSampler(const SearchSpace& space, const std::vector<Direction>& directions, uint64_t seed,
             TpeSamplerOptions options = {});
  ~TpeSampler() override;

  std::string name() const override { return "tpe"; }
  // Every parameter: TPE draws them all in SampleRelative (jointly per group, or one by one).
  std::vector<std::string> RelativeParams(const Study& study,
                                          const FrozenTrial& trial) const override;
  ParamMap SampleRelative(const Study& study, const FrozenTrial& trial,
                          const std::vector<std::string>& names) const override;
  // Only reached for parameters SampleRelative left out (none, in practice): drawn uniformly.
  ParamValue SampleIndependent(const Study& study, const FrozenTrial& trial,
                               const ParamSpec& param) const override;

  const TpeSamplerOptions& options() const { return options_; }

  // ---- What the model sees, for tests and reports ----
  // The size of the below group among |n| finished trials: min(ceil(gamma n), gamma_max).
  int64_t NumBelow(int64_t n) const;
  // The groups of parameters modelled jointly given the study's finished trials, each in the
  // space's order; fixed parameters (one value) belong to none.
  std::vector<std::vector<std::string>> Groups(const Study& study) const;
  // The trial numbers in the below and above groups, each in increasing order.
  struct Split {
    std::vector<int64_t> below;
    std::vector<int64_t> above;
  };
  Split SplitTrials(const Study& study) const;

 private:
  // Calls |use| with the study's trials as the model sees them, |exclude_number| (the trial
  // being sampled) left out.
  void WithHistory(const Study& study, int64_t exclude_number,
                   const std::function<void(const internal::TpeHistory&)>& use) const;
  ParamMap Propose(const Study& study, const FrozenTrial& trial) const;
  ParamMap Propose(const internal::TpeHistory& history, const FrozenTrial& trial) const;

  SearchSpace space_;
  uint64_t seed_;
  TpeSamplerOptions options_;
  std::unique_ptr<const internal::TpeModel> model_;
  std::unique_ptr<internal::TpeHistoryCache> cache_;
};

}  // namespace automl

#endif  // AUTOML_SAMPLERS_TPE_SAMPLER_H_
