#include "automl/samplers/genetic_sampler.h"

#include <algorithm>
#include <numeric>

#include "automl/error.h"

namespace automl {

GeneticSamplerOptions GeneticSamplerOptions::FromComponentOptions(const ComponentOptions& options) {
  GeneticSamplerOptions g;
  g.population_size = options.Int("population_size", g.population_size, 2, 1 << 20);
  g.tournament_size = options.Int("tournament_size", g.tournament_size, 2, g.population_size);
  g.variation = VariationOptions::FromComponentOptions(options);
  return g;
}

GeneticSampler::GeneticSampler(const SearchSpace& space, uint64_t seed,
                               GeneticSamplerOptions options,
                               const std::vector<Direction>& directions)
    : EvolutionarySampler("genetic", space, seed, options.population_size, options.tournament_size,
                          options.variation) {
  // No directions (a context that does not say) is not a refusal; the study is checked again
  // when the sampler is used.
  if (!directions.empty()) CheckDirections(directions);
}

void GeneticSampler::CheckDirections(const std::vector<Direction>& directions) const {
  if (directions.size() != 1) {
    throw InvalidArgument("sampler 'genetic' optimizes one objective; the study has " +
                          std::to_string(directions.size()) + " (use sampler 'nsga2')");
  }
}

RankedSelection GeneticSampler::Select(const std::vector<std::vector<double>>& pool,
                                       size_t n) const {
  std::vector<size_t> order(pool.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Stable: among equal values the older trial (earlier in the pool) survives first.
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return pool[a][0] < pool[b][0]; });
  order.resize(std::min(n, order.size()));
  RankedSelection selection;
  for (size_t i = 0; i < order.size(); ++i) {
    // Equal values share a rank, so a tournament between them is a coin toss, not a bias
    // towards older trials.
    const bool tie = i > 0 && pool[order[i]][0] == pool[order[i - 1]][0];
    selection.survivors.push_back(order[i]);
    selection.rank.push_back(tie ? selection.rank.back() : static_cast<int64_t>(i));
    selection.crowding.push_back(0.0);
  }
  return selection;
}

}  // namespace automl
