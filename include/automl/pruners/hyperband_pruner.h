// HyperbandPruner: Hyperband, registered as `hyperband`. L. Li, K. Jamieson, G. DeSalvo,
// A. Rostamizadeh, A. Talwalkar, "Hyperband: A Novel Bandit-Based Approach to Hyperparameter
// Optimization", JMLR 18(185), 2018.
//
// Hyperband hedges over how aggressively to halve: with R = max_resource / min_resource and
// s_max = floor(log_eta(R)), bracket s (s = s_max, ..., 0) starts n = ceil((s_max + 1) /
// (s + 1) * eta^s) configurations at r = R eta^-s and runs successive halving on them: at round
// i, n_i = floor(n eta^-i) configurations get r_i = r eta^i each (in units of min_resource; the
// last rung, i = s, is max_resource). HyperbandBrackets() gives these numbers (the paper's
// Table 1 for R = 81, eta = 3).
//
// mode: async (default), as Optuna's HyperbandPruner (optuna/pruners/_hyperband.py) and as the
// asynchronous variant of Li et al. (MLSys 2020, section 3.3): each bracket runs ASHA
// (successive_halving_pruner.h) among the trials of that bracket only, on the rungs r_0 ..
// r_{s-1} (bracket 0 never prunes: its trials get max_resource). mode: sync follows the paper's
// brackets exactly: in bracket s, the trials form cohorts of n_0 in number order, and at round i
// each cohort of the n_i survivors keeps its best n_{i+1} (SyncHalvingPrunes(); an undecided
// trial runs on and is pruned once its loss is certain, as in sha's sync mode). A trial's bracket
// is a function of the study seed and the trial number: a hash of the two, modulo the sum of the
// brackets' n, falls into bracket s with probability proportional to its n (Optuna hashes the study
// name and number the same way), so that every bracket receives about the share of trials the paper
// gives it, in any order and over any number of processes.
//
// Options (`pruner: {name: hyperband, ...}`):
//   min_resource      r_min, the smallest rung (>= 1)                        default 1
//   max_resource      R, a trial's full resource (>= min_resource * eta), or
//                     'auto': the last step of the first trial to complete,
//                     as Optuna's default (nothing is pruned before; with an
//                     R below min_resource * eta, nothing at all); required  no default
//   reduction_factor  eta (>= 2)                                             default 3
//   mode              async | sync                                           default async
// Several objectives: trials are ranked at a rung by non-dominated front, then crowding distance
// (rung_ranking.h), as in sha.
#ifndef AUTOML_PRUNERS_HYPERBAND_PRUNER_H_
#define AUTOML_PRUNERS_HYPERBAND_PRUNER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/pruner.h"
#include "automl/pruners/successive_halving_pruner.h"

namespace automl {

struct HyperbandPrunerOptions {
  int64_t min_resource = 1;
  int64_t max_resource = 0;        // required, unless max_resource_auto
  bool max_resource_auto = false;  // `max_resource: auto`: AutoMaxResource() at each decision
  int64_t reduction_factor = 3;
  HalvingMode mode = HalvingMode::kAsync;

  // Reads `pruner: {name: hyperband, ...}`; throws InvalidArgument naming a bad option.
  static HyperbandPrunerOptions FromComponentOptions(const ComponentOptions& options);
  // Throws InvalidArgument naming the option and the rule it breaks.
  void Validate() const;
};

// One bracket: s, and per round i = 0..s the configurations n[i] and the resource r[i].
struct HyperbandBracket {
  int64_t s = 0;
  std::vector<int64_t> n;
  std::vector<int64_t> r;
};

// The brackets s = s_max, ..., 0 (see the header comment). Throws InvalidArgument when
// max_resource < min_resource * eta or eta < 2, or when the first bracket would start more than
// 2^53 configurations.
std::vector<HyperbandBracket> HyperbandBrackets(int64_t min_resource, int64_t max_resource,
                                                int64_t reduction_factor);

class HyperbandPruner : public Pruner {
 public:
  // Throws InvalidArgument for bad options.
  explicit HyperbandPruner(HyperbandPrunerOptions options,
                           const std::vector<Direction>& directions = {Direction::kMinimize});

  std::string name() const override { return "hyperband"; }
  bool Prune(const Study& study, const FrozenTrial& trial) const override;

  // Empty while max_resource is 'auto'.
  const std::vector<HyperbandBracket>& brackets() const { return brackets_; }
  // The index into brackets() of trial |number| in a study with |study_seed|.
  size_t BracketIndex(uint64_t study_seed, int64_t number) const;

 private:
  bool PrunesIn(const Study& study, const FrozenTrial& trial, std::vector<FrozenTrial> trials,
                const std::vector<HyperbandBracket>& brackets) const;

  HyperbandPrunerOptions options_;
  std::vector<HyperbandBracket> brackets_;
};

}  // namespace automl

#endif  // AUTOML_PRUNERS_HYPERBAND_PRUNER_H_
