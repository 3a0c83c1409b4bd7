#include "automl/samplers/evolution_sampler.h"

#include <algorithm>
#include <numeric>

#include "automl/error.h"
#include "automl/random.h"
#include "automl/samplers/genetic_operators.h"
#include "automl/samplers/random_sampler.h"
#include "automl/study.h"
#include "core/samplers/one_decision.h"

namespace automl {
namespace {

constexpr char kWho[] = "sampler 'evolution'";

uint64_t Stream() { return kSamplerStream ^ HashName("evolution"); }

void CheckSingleObjective(size_t objectives) {
  if (objectives != 1) {
    throw InvalidArgument(std::string(kWho) + " optimizes a single objective; the study has " +
                          std::to_string(objectives) + " (use sampler 'nsga2')");
  }
}

// ---- The population -----------------------------------------------------------------------------

// The |size| COMPLETE trials that finished last, oldest first (fewer while fewer have completed).
std::vector<const FrozenTrial*> AgingPopulation(const std::vector<FrozenTrial>& history,
                                                size_t size) {
  std::vector<const FrozenTrial*> complete;
  for (const FrozenTrial& t : history) {
    if (t.state == TrialState::kComplete && t.values.size() == 1) complete.push_back(&t);
  }
  const auto older = [](const FrozenTrial* a, const FrozenTrial* b) {
    return a->finish_seq != b->finish_seq ? a->finish_seq < b->finish_seq : a->number < b->number;
  };
  if (complete.size() > size) {
    const auto first_kept = complete.end() - static_cast<std::ptrdiff_t>(size);
    std::nth_element(complete.begin(), first_kept, complete.end(), older);
    complete.erase(complete.begin(), first_kept);
  }
  std::sort(complete.begin(), complete.end(), older);
  return complete;
}

// The best of |sample_size| members drawn without replacement (the first drawn among equals).
const FrozenTrial& TournamentWinner(const std::vector<const FrozenTrial*>& population,
                                    size_t sample_size, Direction direction, Rng& rng) {
  std::vector<size_t> everyone(population.size());
  std::iota(everyone.begin(), everyone.end(), size_t{0});
  const auto better = [&](size_t a, size_t b) {
    return Better(direction, population[a]->values.front(), population[b]->values.front());
  };
  return *population[TournamentSelect(everyone, sample_size, better, rng)];
}

}  // namespace

// ---- Options ------------------------------------------------------------------------------------

EvolutionSamplerOptions EvolutionSamplerOptions::FromComponentOptions(
    const ComponentOptions& options) {
  EvolutionSamplerOptions o;
  o.population = options.Int("population", o.population, 2, int64_t{1} << 20);
  o.sample_size =
      options.Int("sample_size", std::min(o.sample_size, o.population), 1, o.population);
  o.mutation_scale = options.Double("mutation_scale", o.mutation_scale, 0.0, 1.0);
  o.Validate();
  return o;
}

void EvolutionSamplerOptions::Validate() const {
  const auto fail = [](const std::string& option, const std::string& rule) {
    throw InvalidArgument(std::string(kWho) + ": option '" + option + "' " + rule);
  };
  if (population < 2) {
    fail("population",
         "must be at least 2 (a tournament needs a choice), not " + std::to_string(population));
  }
  if (sample_size < 1 || sample_size > population) {
    fail("sample_size", "must lie in [1, population = " + std::to_string(population) + "], not " +
                            std::to_string(sample_size));
  }
  if (!(mutation_scale > 0 && mutation_scale <= 1)) {
    fail("mutation_scale", "must lie in (0, 1], not " + std::to_string(mutation_scale));
  }
}

// ---- The sampler --------------------------------------------------------------------------------

EvolutionSampler::EvolutionSampler(const SearchSpace& space, uint64_t seed,
                                   EvolutionSamplerOptions options,
                                   const std::vector<Direction>& directions)
    : space_(space), seed_(seed), options_(options) {
  options_.Validate();
  if (!directions.empty()) CheckSingleObjective(directions.size());
}

std::vector<std::string> EvolutionSampler::RelativeParams(const Study& /*study*/,
                                                          const FrozenTrial& trial) const {
  // Enqueued trials keep what they were given; see SampleIndependent.
  if (!trial.sample_index) return {};
  std::vector<std::string> names;
  names.reserve(space_.size());
  for (const ParamSpec& spec : space_.params()) names.push_back(spec.name());
  return names;
}

ParamMap EvolutionSampler::SampleRelative(const Study& study, const FrozenTrial& trial,
                                          const std::vector<std::string>& /*names*/) const {
  CheckSingleObjective(study.directions().size());
  const std::vector<FrozenTrial> history = study.Trials();
  const internal::PointSet taken(space_, history, trial.number);
  const auto size = static_cast<size_t>(options_.population);
  const std::vector<const FrozenTrial*> population = AgingPopulation(history, size);
  Rng rng(DeriveSeed(seed_, static_cast<uint64_t>(trial.number), Stream()));
  if (population.size() < size) return internal::RandomNewPoint(space_, seed_, trial, taken, rng);
  // Each tournament's winner is mutated up to 8 times before the next tournament.
  const Direction direction = study.directions().front();
  const auto sample_size = static_cast<size_t>(options_.sample_size);
  return internal::NewMutant(
      space_, options_.mutation_scale,
      [&](Rng& r) -> const ParamMap& {
        return TournamentWinner(population, sample_size, direction, r).params;
      },
      taken, rng);
}

ParamValue EvolutionSampler::SampleIndependent(const Study& /*study*/, const FrozenTrial& trial,
                                               const ParamSpec& param) const {
  return SampleUniform(seed_, trial, param);
}

}  // namespace automl
