#include "automl/samplers/evolution_sampler.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "automl/error.h"
#include "automl/random.h"
#include "automl/samplers/genetic_operators.h"
#include "automl/samplers/param_variation.h"
#include "automl/samplers/random_sampler.h"
#include "automl/study.h"
#include "core/samplers/fresh_points.h"

namespace automl {
namespace {

constexpr char kWho[] = "sampler 'evolution'";

// How hard a trial looks for a point no trial has (see the header): mutations of one parent,
// tournaments, uniform draws, and the largest discrete space listed in full.
constexpr int kMutationsPerParent = 8;
constexpr int kTournaments = 8;
constexpr int kUniformAttempts = 64;
constexpr size_t kMaxEnumerated = size_t{1} << 16;

// Discrete parameters with more values than this step like continuous ones: a uniform jump
// across thousands of values would be a random restart of that parameter, not a mutation.
constexpr uint64_t kMaxUniformValues = 1000;
// Gaussian steps drawn before taking the neighbouring value: a step can round back onto the
// parent's value.
constexpr int kStepAttempts = 16;

uint64_t Stream() { return kSamplerStream ^ HashName("evolution"); }

void CheckSingleObjective(size_t objectives) {
  if (objectives != 1) {
    throw InvalidArgument(std::string(kWho) + " optimizes a single objective; the study has " +
                          std::to_string(objectives) + " (use sampler 'nsga2')");
  }
}

// ---- The points the study already has -----------------------------------------------------------

// A hash consistent with ParamValue's ==: the type and the value (0.0 and -0.0 are equal).
uint64_t HashValue(const ParamValue& value) {
  switch (value.type()) {
    case ParamValue::Type::kFloat: {
      const double d = value.AsDouble() == 0 ? 0.0 : value.AsDouble();
      uint64_t bits = 0;
      std::memcpy(&bits, &d, sizeof bits);
      return DeriveSeed(bits, 1);
    }
    case ParamValue::Type::kInt:
      return DeriveSeed(static_cast<uint64_t>(value.AsInt()), 2);
    case ParamValue::Type::kBool:
      return DeriveSeed(value.AsBool() ? 1 : 0, 3);
    case ParamValue::Type::kString:
      return DeriveSeed(HashName(value.AsString()), 4);
  }
  return 0;
}

uint64_t HashParams(const ParamMap& params) {
  uint64_t hash = params.size();
  for (const auto& [name, value] : params)
    hash = DeriveSeed(hash, HashName(name), HashValue(value));
  return hash;
}

// The configurations of every trial with parameters (any state, WAITING included) but the one
// being sampled, hashed: a child is checked in O(its size), not against every trial, which
// matters when a small space makes many children repeats. In a space with architectures
// (structured parameters) a configuration is its canonical form (SearchSpace::CanonicalParams),
// so that an architecture spelt another way (branches swapped, blocks renumbered) is a repeat:
// no architecture is evaluated twice.
class PointSet {
 public:
  PointSet(const SearchSpace& space, const std::vector<FrozenTrial>& history, int64_t except_number)
      : space_(space) {
    points_.reserve(history.size());
    for (const FrozenTrial& t : history) {
      if (!t.has_params || t.number == except_number) continue;
      if (canonical()) {
        canonical_.insert(Canonical(t.params));
      } else {
        points_.emplace(HashParams(t.params), &t);
      }
    }
  }

  bool Contains(const ParamMap& params) const {
    if (canonical()) return canonical_.count(Canonical(params)) != 0;
    const auto [begin, end] = points_.equal_range(HashParams(params));
    return std::any_of(begin, end,
                       [&](const auto& entry) { return entry.second->params == params; });
  }

 private:
  bool canonical() const { return !space_.structured().empty(); }

  // The canonical form as text; a set of values without every decision (an enqueued partial
  // trial) as it is.
  std::string Canonical(const ParamMap& params) const {
    for (const ParamSpec& p : space_.params()) {
      if (space_.IsDecision(p.name()) && params.count(p.name()) == 0) {
        return ParamsToJson(params).dump();
      }
    }
    return space_.CanonicalParams(params).dump();
  }

  const SearchSpace& space_;
  std::unordered_multimap<uint64_t, const FrozenTrial*> points_;  // into the history
  std::unordered_set<std::string> canonical_;
};

// A point no trial has, when the sampler's own proposals were all taken: uniform draws, then an
// untried point of the listed space. Returns |first| (or the first draw) when every point has
// been tried: a repeat is then all there is.
ParamMap AnyNewPoint(const SearchSpace& space, const PointSet& taken, std::optional<ParamMap> first,
                     Rng& rng) {
  for (int i = 0; i < kUniformAttempts; ++i) {
    ParamMap point = RandomParams(space, rng);
    if (!taken.Contains(point)) return point;
    if (!first) first = std::move(point);
  }
  if (const std::optional<std::vector<ParamMap>> all =
          internal::EnumerateDiscretePoints(space, kMaxEnumerated)) {
    std::vector<const ParamMap*> untried;
    for (const ParamMap& point : *all) {
      if (!taken.Contains(point)) untried.push_back(&point);
    }
    if (!untried.empty()) return *untried[rng.Below(untried.size())];
  }
  return *first;
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

// ---- One-decision mutation
// -----------------------------------------------------------------------

// Whether a mutation can change |spec|: not a fixed value or a one-value range.
bool CanChange(const ParamSpec& spec) {
  if (spec.type() == ParamType::kFixed) return false;
  const std::optional<uint64_t> n = spec.Cardinality();
  return !n || *n > 1;
}

// |u| folded into [0, 1] by reflection at both bounds (period 2).
double Reflect(double u) {
  const double folded = std::fmod(std::fabs(u), 2.0);
  return folded <= 1.0 ? folded : 2.0 - folded;
}

// A different value of a discrete |spec|, each equally likely.
ParamValue OtherValue(const ParamSpec& spec, const ParamValue& value, Rng& rng) {
  const uint64_t current = spec.IndexOf(value);
  uint64_t other = rng.Below(*spec.Cardinality() - 1);
  if (other >= current) ++other;
  return spec.ValueAt(other);
}

// A Gaussian step of sd |scale| in |spec|'s unit cube, to a different value.
ParamValue GaussianStep(const ParamSpec& spec, const ParamValue& value, double scale, Rng& rng) {
  const double u = spec.ToUnit(value);
  for (int i = 0; i < kStepAttempts; ++i) {
    ParamValue stepped = spec.FromUnit(Reflect(u + scale * rng.Normal()));
    if (stepped != value) return stepped;
  }
  // Steps keep rounding back (a range near the float's precision): the nearest other value, or
  // the other bound.
  if (const std::optional<uint64_t> n = spec.Cardinality()) {
    const uint64_t current = spec.IndexOf(value);
    return spec.ValueAt(current + 1 < *n ? current + 1 : current - 1);
  }
  return ParamValue(value.AsDouble() == spec.low() ? spec.high() : spec.low());
}

ParamValue MutateValue(const ParamSpec& spec, const ParamValue& value, double scale, Rng& rng) {
  const std::optional<uint64_t> n = spec.Cardinality();
  if (n && *n <= kMaxUniformValues) return OtherValue(spec, value, rng);
  return GaussianStep(spec, value, scale, rng);
}

// |params|' value of |spec|, or nullptr when it has none |spec| can take (a value from an older
// space counts as absent).
const ParamValue* ValueOf(const ParamMap& params, const ParamSpec& spec) {
  const auto it = params.find(spec.name());
  return it != params.end() && spec.Contains(it->second) ? &it->second : nullptr;
}

// |parent| with one of its active, changeable parameters changed; parameters the change
// activates are drawn uniformly, those it deactivates dropped. nullopt when nothing can change.
std::optional<ParamMap> MutateOneDecision(const SearchSpace& space, const ParamMap& parent,
                                          double scale, Rng& rng) {
  std::vector<const ParamSpec*> changeable;
  for (const ParamSpec& spec : space.params()) {
    if (CanChange(spec) && ValueOf(parent, spec) && space.IsActive(spec, parent)) {
      changeable.push_back(&spec);
    }
  }
  if (changeable.empty()) return std::nullopt;
  const ParamSpec* target = changeable[rng.Below(changeable.size())];
  ParamMap child;
  // Parents before children (SearchSpace's order), so that activity follows the child's values.
  for (const ParamSpec& spec : space.params()) {
    if (!space.IsActive(spec, child)) continue;
    const ParamValue* inherited = ValueOf(parent, spec);
    if (&spec == target) {
      child.emplace(spec.name(), MutateValue(spec, *inherited, scale, rng));
    } else if (inherited) {
      child.emplace(spec.name(), *inherited);
    } else {
      child.emplace(spec.name(), spec.FromUnit(rng.Uniform()));
    }
  }
  return child;
}

// ---- Proposals ----------------------------------------------------------------------------------

// A startup trial: the `random` sampler's point, unless a trial has it already.
ParamMap StartupPoint(const SearchSpace& space, uint64_t seed, const FrozenTrial& trial,
                      const PointSet& taken, Rng& rng) {
  ParamMap point;
  for (const ParamSpec& spec : space.params()) {
    if (space.IsActive(spec, point)) point.emplace(spec.name(), SampleUniform(seed, trial, spec));
  }
  if (!taken.Contains(point)) return point;
  return AnyNewPoint(space, taken, std::move(point), rng);
}

// A one-decision mutation of a tournament winner that no trial has: each winner is mutated up
// to kMutationsPerParent times before the next tournament.
ParamMap NewChild(const SearchSpace& space, const EvolutionSamplerOptions& options,
                  const std::vector<const FrozenTrial*>& population, Direction direction,
                  const PointSet& taken, Rng& rng) {
  const auto sample_size = static_cast<size_t>(options.sample_size);
  std::optional<ParamMap> first;
  for (int t = 0; t < kTournaments; ++t) {
    const FrozenTrial& parent = TournamentWinner(population, sample_size, direction, rng);
    for (int m = 0; m < kMutationsPerParent; ++m) {
      std::optional<ParamMap> child =
          MutateOneDecision(space, parent.params, options.mutation_scale, rng);
      if (!child) break;  // nothing to change in this parent
      if (!taken.Contains(*child)) return std::move(*child);
      if (!first) first = std::move(child);
    }
  }
  return AnyNewPoint(space, taken, std::move(first), rng);
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
  const PointSet taken(space_, history, trial.number);
  const auto size = static_cast<size_t>(options_.population);
  const std::vector<const FrozenTrial*> population = AgingPopulation(history, size);
  Rng rng(DeriveSeed(seed_, static_cast<uint64_t>(trial.number), Stream()));
  if (population.size() < size) return StartupPoint(space_, seed_, trial, taken, rng);
  return NewChild(space_, options_, population, study.directions().front(), taken, rng);
}

ParamValue EvolutionSampler::SampleIndependent(const Study& /*study*/, const FrozenTrial& trial,
                                               const ParamSpec& param) const {
  return SampleUniform(seed_, trial, param);
}

}  // namespace automl
