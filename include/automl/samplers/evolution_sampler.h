// EvolutionSampler: regularized (aging) evolution for one objective. Registered as `evolution`.
//
// E. Real, A. Aggarwal, Y. Huang, Q. V. Le, "Regularized Evolution for Image Classifier
// Architecture Search", AAAI 2019, Algorithm 1:
// - trials asked while fewer than `population` trials have COMPLETEd are drawn uniformly at
//   random, exactly as the `random` sampler draws them (SampleUniform);
// - then, for each new trial, the population is the `population` COMPLETE trials that finished
//   last (FrozenTrial::finish_seq; aging: the oldest leave whatever their value, which keeps the
//   search moving rather than circling one lucky early trial); `sample_size` of them are drawn
//   uniformly without replacement and the best of that sample by the study's direction (the
//   first drawn among equals, a random tie-break) is the parent;
// - the child is the parent with exactly one decision changed: one of the parent's active,
//   non-fixed parameters with at least two values, chosen uniformly, gets
//     - categorical, ordinal, int or stepped float with at most 1,000 values: a different value
//       drawn uniformly;
//     - continuous float, or a discrete one with more values: a Gaussian step of sd
//       `mutation_scale` times the range in the unit cube of ParamSpec::ToUnit (log scale for log
//       parameters), reflected at the bounds and redrawn until the value differs;
//   conditional parameters the change activates are drawn uniformly, those it deactivates are
//   dropped.
// PRUNED and FAILED trials have no value to compare and never join the population (Real et al.
// add only trained models to it); RUNNING and WAITING trials are not evaluated yet.
//
// No repeats. A child whose parameters equal those of any other trial with parameters
// (COMPLETE, PRUNED, FAILED, RUNNING or WAITING) is not proposed: the parent is mutated again
// (8 times), then the next tournament's winner is (8 tournaments), then uniform points are drawn
// (64), then, when the space is discrete with at most 65,536 points, an untried point is picked at
// random. Only when every point has been tried is the first child proposed again. The random
// startup trials avoid repeats the same way (the random sampler's draw first).
//
// The mutation and the no-repeat rule live in src/core/samplers/one_decision.h, shared with the
// `econas` sampler (EcoNAS's hierarchical proxy, which evolves networks the same way).
//
// Pure: a trial's randomness is Rng(DeriveSeed(seed, trial number, the sampler's stream)), and
// the population is rebuilt from the study's history at every ask, so a fresh sampler on the same
// study suggests the same. Enqueued trials
// keep their given values; parameters they leave open are drawn uniformly.
//
// Options (`sampler: {name: evolution, ...}`), with defaults:
//   population      50    P: trials in the population and random startup trials (>= 2)
//   sample_size     10    S: tournament size, 1 .. population (default min(10, population))
//   mutation_scale  0.1   sd of a continuous step as a fraction of the range, in (0, 1]
// Real et al. used P = 100, S = 25 for NASNet-scale budgets of thousands of models. Our studies
// run hundreds of trials, where a startup of 100 random trials would spend much of the budget, so
// the defaults are smaller, with about the same selection pressure (S / P = 0.2 against 0.25).
// Much smaller populations lose their best trials fast under aging when most mutations hurt: on
// 20 decisions of 4 choices, P = 20, S = 5 stalls two or three decisions short where the defaults
// get within zero to two in 400 trials.
//
// Architecture search is the main use: an architecture expanded into 40-50 categorical decisions
// of 2-13 choices each, which one-decision mutations explore as Real et al. do. An ask costs
// O(trials x parameters): reading the history (Study::Trials), hashing every trial's parameters
// for the repeat check, and a partial sort for the population; nothing is cached, so that
// suggesting never changes the sampler.
#ifndef AUTOML_SAMPLERS_EVOLUTION_SAMPLER_H_
#define AUTOML_SAMPLERS_EVOLUTION_SAMPLER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/sampler.h"

namespace automl {

struct EvolutionSamplerOptions {
  int64_t population = 50;
  int64_t sample_size = 10;
  double mutation_scale = 0.1;

  // Reads `sampler: {name: evolution, ...}`, validated; an absent sample_size is
  // min(10, population), so that `population: 5` alone is valid.
  static EvolutionSamplerOptions FromComponentOptions(const ComponentOptions& options);
  // Throws InvalidArgument naming the sampler and the first option out of range.
  void Validate() const;
};

class EvolutionSampler : public Sampler {
 public:
  // Throws InvalidArgument for invalid options or more than one objective; empty |directions|
  // (not known yet) are checked when the sampler is used.
  EvolutionSampler(const SearchSpace& space, uint64_t seed, EvolutionSamplerOptions options = {},
                   const std::vector<Direction>& directions = {Direction::kMinimize});

  std::string name() const override { return "evolution"; }
  // Every parameter of a sampled trial (the sampler proposes whole trials); none of an enqueued
  // one.
  std::vector<std::string> RelativeParams(const Study& study,
                                          const FrozenTrial& trial) const override;
  // A random startup point or a child of a tournament winner, as described above. Throws
  // InvalidArgument for a study with several objectives.
  ParamMap SampleRelative(const Study& study, const FrozenTrial& trial,
                          const std::vector<std::string>& names) const override;
  // Parameters an enqueued trial leaves open: drawn as the `random` sampler draws them.
  ParamValue SampleIndependent(const Study& study, const FrozenTrial& trial,
                               const ParamSpec& param) const override;

  const EvolutionSamplerOptions& options() const { return options_; }

 private:
  SearchSpace space_;
  uint64_t seed_;
  EvolutionSamplerOptions options_;
};

}  // namespace automl

#endif  // AUTOML_SAMPLERS_EVOLUTION_SAMPLER_H_
