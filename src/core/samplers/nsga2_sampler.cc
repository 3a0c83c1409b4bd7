#include "automl/samplers/nsga2_sampler.h"

#include "automl/error.h"

namespace automl {
namespace {

// Deb et al. use binary tournaments: two contestants.
constexpr int64_t kBinaryTournament = 2;

}  // namespace

Nsga2SamplerOptions Nsga2SamplerOptions::FromComponentOptions(const ComponentOptions& options) {
  Nsga2SamplerOptions o;
  o.population_size = options.Int("population_size", o.population_size, 2, 1 << 20);
  o.variation = VariationOptions::FromComponentOptions(options);
  return o;
}

Nsga2Sampler::Nsga2Sampler(const SearchSpace& space, uint64_t seed, Nsga2SamplerOptions options)
    : EvolutionarySampler("nsga2", space, seed, options.population_size, kBinaryTournament,
                          options.variation) {}

void Nsga2Sampler::CheckDirections(const std::vector<Direction>& directions) const {
  if (directions.empty()) throw InvalidArgument("sampler 'nsga2': the study has no objective");
}

RankedSelection Nsga2Sampler::Select(const std::vector<std::vector<double>>& pool, size_t n) const {
  return NsgaSelection(pool, n);
}

}  // namespace automl
