// Nsga2Sampler: NSGA-II, the elitist multi-objective genetic algorithm of K. Deb, A. Pratap,
// S. Agarwal, T. Meyarivan, "A Fast and Elitist Multiobjective Genetic Algorithm: NSGA-II", IEEE
// Transactions on Evolutionary Computation 6(2), 2002. Registered as `nsga2`.
//
// As in the paper:
// - generation 0 (P_0): population_size random trials;
// - each later trial (a member of Q_t): two parents by binary tournament under the
//   crowded-comparison operator (lower non-domination rank wins, then larger crowding distance;
//   the second parent drawn from the members other than the first), crossed with probability
//   crossover_prob by SBX (K. Deb, R. B. Agrawal, "Simulated Binary Crossover for Continuous
//   Search Space", Complex Systems 9(2), 1995; eta_c = 20 as in the paper's experiments), then
//   mutated per parameter with probability mutation_prob (default 1/n as in the paper) by
//   polynomial mutation (K. Deb, M. Goyal, Computer Science and Informatics 26(4), 1996;
//   eta_m = 20). Categorical, ordinal and conditional parameters: param_variation.h;
// - once a generation of population_size trials has completed, P_{t+1} is chosen from
//   R_t = P_t + Q_t by fast non-dominated sorting and, in the last front that fits only in
//   part, by crowding distance (automl/samplers/genetic_operators.h).
// Generations are rebuilt from the study's history at every ask (the sampler is pure), in the
// order trials finished; see automl/samplers/evolutionary_sampler.h, which also says how
// FAILED, PRUNED and enqueued trials are treated and how repeats are avoided. Maximized
// objectives are negated. With one objective, the fronts are the levels of equal value, so
// NSGA-II becomes an elitist (mu + lambda) GA with binary tournaments by value.
//
// Differences from Optuna 3.1's NSGAIISampler, whose option names and defaults are kept
// otherwise: crossover defaults to SBX (Optuna: uniform) with eta_c = 20 (Optuna: 20 with
// several objectives, 2 with one); mutation is polynomial, or to another choice, rather than a
// fresh random value; tournaments use the crowding distance (Optuna compares by dominance only);
// repeated points are avoided. Constraints are not supported.
//
// Options (`sampler: {name: nsga2, ...}`), with defaults:
//   population_size  50      trials per generation and parents kept (>= 2)
//   crossover        sbx     sbx: SBX for numbers and ordinals, uniform for categoricals;
//                            uniform: uniform crossover for every kind
//   crossover_prob   0.9     probability that a child is a crossing of its parents
//   swapping_prob    0.5     uniform crossover: probability of taking the second parent's value
//   mutation_prob    1/n     per parameter; n = the first parent's non-fixed parameters
//   eta_c            20      SBX distribution index (larger: children nearer their parents)
//   eta_m            20      polynomial mutation distribution index
#ifndef AUTOML_SAMPLERS_NSGA2_SAMPLER_H_
#define AUTOML_SAMPLERS_NSGA2_SAMPLER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/samplers/evolutionary_sampler.h"

namespace automl {

struct Nsga2SamplerOptions {
  int64_t population_size = 50;
  VariationOptions variation;

  // Reads every option listed above from |options|, validated.
  static Nsga2SamplerOptions FromComponentOptions(const ComponentOptions& options);
};

class Nsga2Sampler : public EvolutionarySampler {
 public:
  // Throws InvalidArgument for invalid options.
  Nsga2Sampler(const SearchSpace& space, uint64_t seed, Nsga2SamplerOptions options = {});

  std::string name() const override { return "nsga2"; }

 protected:
  // NSGA-II's environmental selection (NsgaSelection).
  RankedSelection Select(const std::vector<std::vector<double>>& pool, size_t n) const override;
  // Any number of objectives (at least one).
  void CheckDirections(const std::vector<Direction>& directions) const override;
};

}  // namespace automl

#endif  // AUTOML_SAMPLERS_NSGA2_SAMPLER_H_
