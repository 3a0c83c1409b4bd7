// SuccessiveHalvingPruner: successive halving over rungs of resource (the `step` of reported
// values), registered as `sha`, in two modes.
//
// async (default): ASHA, L. Li, K. Jamieson, A. Rostamizadeh, E. Gonina, J. Ben-tzur, M. Hardt,
// B. Recht, A. Talwalkar, "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020.
// When a trial reaches rung k it is kept if its value there is among the best
// max(1, floor(n / eta)) of the n trials that have reached rung k so far (itself included), and
// pruned otherwise; it never waits for other trials. The max(1, ..) keeps the first trials to
// reach a rung (Optuna's SuccessiveHalvingPruner does the same: a trial cannot be suspended and
// resumed later, so an empty rung promotes). A decision is taken once, at the report that crosses
// the rung (the trial's previous reported step < r_k <= its last step); a promotion is never
// revisited when better trials arrive later, as in the paper.
//
// sync: textbook successive halving, K. Jamieson, A. Talwalkar, "Non-stochastic Best Arm
// Identification and Hyperparameter Optimization", AISTATS 2016. With K decision rungs, rung k
// decides over cohorts of n_k = eta^(K - k) trials and keeps the best floor(n_k / eta) of each
// (so the last rung keeps one of eta, which runs to max_resource). The trials of rung k are those
// that reached it and were kept at rung k - 1 (every trial that reached rung 0); they form
// cohorts in the order of their numbers: the first n_k, the next n_k, ... While a trial's cohort
// is not full, the trial does not block and is not pruned on speculation: it keeps running, and
// it is pruned as soon as the decision against it is certain, that is when floor(n_k / eta)
// members of its cohort are already strictly better at rung k (a full cohort decides the rest).
// So sync mode never prunes a trial that its full cohort would keep, at the price of resource
// spent by undecided trials that run on past the rung; a trial that is still undecided at rung
// k - 1 does not count at rung k yet. With one worker the first floor(n_k / eta) trials of each
// cohort always run on; the mode is meant for n_0 or more parallel workers, where it matches the
// paper's synchronous halving.
// Cohorts are a function of the trials' numbers, not of arrival times (which a pure pruner does
// not see): when a trial reaches a rung after a higher-numbered one, the cohorts after it shift.
//
// Rungs. Geometric ladder (Li et al.): r_k = min_resource * eta^(k + min_early_stopping_rate)
// for every r_k < max_resource (a trial at max_resource is finished, nothing is left to decide).
// `rungs: [20, 40, 60]` gives the decision rungs explicitly instead (DESIGN's contract). A trial's
// value at rung r is its value at the first reported step >= r, so a trial that reports every
// other step is judged at the first report past the rung. NaN values are pruned at the rung.
// Trials that count: RUNNING, COMPLETE and PRUNED ones with values at the rung (FAILED trials
// are left out: their values may come from a run that broke).
//
// Several objectives (Optuna's pruners refuse them): "better" is the NSGA-II order of
// rung_ranking.h, non-dominated front first, then crowding distance, so a rung keeps the trials
// nearest the Pareto front of that rung. In sync mode an undecided trial is pruned early only
// when floor(n_k / eta) members of its cohort Pareto-dominate it, which no later member can undo.
// Like every pruner here, the decision is a function of the study's trials and the trial: the
// trainer calls ShouldPrune after each report.
//
// Options (`pruner: {name: sha, ...}`):
//   min_resource             the first rung's resource (>= 1)                default 1
//   max_resource             a trial's full resource, or 'auto': the last step
//                            of the first trial to complete (as Optuna's
//                            'auto'; nothing is pruned before one has);
//                            required without `rungs`                        no default
//   reduction_factor         eta (>= 2)                                      default 3
//   min_early_stopping_rate  s: the ladder starts at min_resource * eta^s    default 0
//   rungs                    explicit increasing decision rungs (>= 0, at most
//                            max_resource if given); replaces min_resource and
//                            min_early_stopping_rate                         none
//   mode                     async | sync                                    default async
#ifndef AUTOML_PRUNERS_SUCCESSIVE_HALVING_PRUNER_H_
#define AUTOML_PRUNERS_SUCCESSIVE_HALVING_PRUNER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/pruner.h"

namespace automl {

enum class HalvingMode { kAsync, kSync };

struct SuccessiveHalvingPrunerOptions {
  int64_t min_resource = 1;
  std::optional<int64_t> max_resource;
  bool max_resource_auto = false;  // `max_resource: auto`: AutoMaxResource() at each decision
  int64_t reduction_factor = 3;
  int64_t min_early_stopping_rate = 0;
  std::vector<int64_t> rungs;  // explicit decision rungs; empty: the geometric ladder
  HalvingMode mode = HalvingMode::kAsync;

  // Reads `pruner: {name: sha, ...}`; throws InvalidArgument naming a bad option.
  static SuccessiveHalvingPrunerOptions FromComponentOptions(const ComponentOptions& options);
  // Throws InvalidArgument naming the option and the rule it breaks.
  void Validate() const;
  // The decision rungs: |rungs|, or the geometric ladder below max_resource (none while
  // max_resource is 'auto').
  std::vector<int64_t> DecisionRungs() const;
};

// `mode: async|sync` (default async) of a halving pruner's options; throws InvalidArgument
// naming the option for another value.
HalvingMode ReadHalvingMode(const ComponentOptions& options);

// `max_resource` of a halving pruner's options: an integer >= 1, or nullopt when it is absent or
// 'auto' (then *is_auto is set); throws InvalidArgument naming the option otherwise.
std::optional<int64_t> ReadMaxResource(const ComponentOptions& options, bool* is_auto);

// `max_resource: auto`: the last reported step of the COMPLETE trial that finished first (by
// finish order, so the answer never changes once there is one); nullopt before any COMPLETE trial
// with reports.
std::optional<int64_t> AutoMaxResource(const std::vector<FrozenTrial>& trials);

// |trial|'s value (first objective) at the first reported step >= |rung|; nullopt if it has not
// reached the rung.
std::optional<double> RungValue(const FrozenTrial& trial, int64_t rung);

// ASHA's rule: whether a trial with |point| at a rung is kept against |others|, the points of
// the other trials that reached the rung (minimization form, rung_ranking.h): fewer than
// max(1, floor(n / eta)) of the n = |others| + 1 points may rank strictly ahead of it. A point
// with a NaN is never kept; others with a NaN do not count.
bool AshaKeeps(const std::vector<double>& point, std::vector<std::vector<double>> others,
               int64_t reduction_factor);
// The same for one objective in |direction|.
bool AshaKeeps(double value, const std::vector<double>& others, int64_t reduction_factor,
               Direction direction);

// ASHA's decision for |trial| among |trials| (the trials of its study or of its Hyperband
// bracket; |trial| itself, if among them, is taken from the argument): whether a rung in
// |rungs| that its last report crossed is one where it is not kept.
bool AshaPrunes(const std::vector<FrozenTrial>& trials, const FrozenTrial& trial,
                const std::vector<int64_t>& rungs, int64_t reduction_factor,
                const std::vector<Direction>& directions);

// Synchronous successive halving's decision for |trial| among |trials| (the trials of its study
// or of its Hyperband bracket, in any order; |trial| itself is taken from the argument): at
// decision rung k (rungs[k]), the trials kept at rung k - 1 (at rung 0, all of them) form
// cohorts of cohort_sizes[k] in the order of their numbers, and each cohort keeps its best
// keeps[k]. Whether |trial| is pruned now (see the header comment on undecided trials).
bool SyncHalvingPrunes(std::vector<FrozenTrial> trials, const FrozenTrial& trial,
                       const std::vector<int64_t>& rungs, const std::vector<int64_t>& cohort_sizes,
                       const std::vector<int64_t>& keeps, const std::vector<Direction>& directions);

class SuccessiveHalvingPruner : public Pruner {
 public:
  // Throws InvalidArgument for bad options.
  explicit SuccessiveHalvingPruner(SuccessiveHalvingPrunerOptions options,
                                   const std::vector<Direction>& directions = {
                                       Direction::kMinimize});

  std::string name() const override { return "sha"; }
  bool Prune(const Study& study, const FrozenTrial& trial) const override;

  const std::vector<int64_t>& rungs() const { return rungs_; }

 private:
  SuccessiveHalvingPrunerOptions options_;
  std::vector<int64_t> rungs_;
};

}  // namespace automl

#endif  // AUTOML_PRUNERS_SUCCESSIVE_HALVING_PRUNER_H_
