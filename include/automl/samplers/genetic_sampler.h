// GeneticSampler: a single-objective generational genetic algorithm with tournament selection,
// crossover, mutation and (mu + lambda) elitism. Registered as `genetic`.
//
// The algorithm (D. E. Goldberg, "Genetic Algorithms in Search, Optimization and Machine
// Learning", Addison-Wesley, 1989, for tournament selection and uniform crossover; K. Deb,
// R. B. Agrawal, "Simulated Binary Crossover for Continuous Search Space", Complex Systems 9(2),
// 1995, for SBX; K. Deb, M. Goyal, "A Combined Genetic Adaptive Search (GeneAS) for Engineering
// Design", Computer Science and Informatics 26(4), 1996, for polynomial mutation):
// - generation 0: population_size random trials;
// - each later trial: two parents, each the best of tournament_size distinct members of the
//   parent population drawn at random (the second from the members other than the first); with
//   probability crossover_prob they are crossed, then each parameter is mutated with probability
//   mutation_prob (per kind and with conditions: automl/samplers/param_variation.h);
// - survivors: once a generation of population_size trials has completed, the next parent
//   population is the population_size best of the current parents and that generation (the
//   (mu + lambda) scheme; equal values: the earlier trial first). This is the elitism: the best
//   trial found is never lost, so no separate `elite` count is needed.
// Generations are rebuilt from the study's history at every ask (the sampler is pure), in the
// order trials finished; see automl/samplers/evolutionary_sampler.h, which also says how
// FAILED, PRUNED and enqueued trials are treated and how repeats are avoided. Maximized studies
// are handled by negating the value. Multi-objective studies are refused: use `nsga2`.
//
// Options (`sampler: {name: genetic, ...}`), with defaults:
//   population_size  50      trials per generation and parents kept (>= 2)
//   tournament_size  2       contestants per tournament (2 .. population_size)
//   crossover        sbx     sbx: SBX for numbers and ordinals, uniform for categoricals;
//                            uniform: uniform crossover for every kind
//   crossover_prob   0.9     probability that a child is a crossing of its parents
//   swapping_prob    0.5     uniform crossover: probability of taking the second parent's value
//   mutation_prob    1/n     per parameter; n = the first parent's non-fixed parameters
//   eta_c            20      SBX distribution index (larger: children nearer their parents)
//   eta_m            20      polynomial mutation distribution index
#ifndef AUTOML_SAMPLERS_GENETIC_SAMPLER_H_
#define AUTOML_SAMPLERS_GENETIC_SAMPLER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/samplers/evolutionary_sampler.h"

namespace automl {

struct GeneticSamplerOptions {
  int64_t population_size = 50;
  int64_t tournament_size = 2;
  VariationOptions variation;

  // Reads every option listed above from |options|, validated.
  static GeneticSamplerOptions FromComponentOptions(const ComponentOptions& options);
};

class GeneticSampler : public EvolutionarySampler {
 public:
  // Throws InvalidArgument for invalid options or more than one objective.
  GeneticSampler(const SearchSpace& space, uint64_t seed, GeneticSamplerOptions options = {},
                 const std::vector<Direction>& directions = {Direction::kMinimize});

  std::string name() const override { return "genetic"; }

 protected:
  // The |n| best by value (earlier first among equals); equal values share a rank.
  RankedSelection Select(const std::vector<std::vector<double>>& pool, size_t n) const override;
  void CheckDirections(const std::vector<Direction>& directions) const override;
};

}  // namespace automl

#endif  // AUTOML_SAMPLERS_GENETIC_SAMPLER_H_
