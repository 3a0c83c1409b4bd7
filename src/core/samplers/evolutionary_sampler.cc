#include "automl/samplers/evolutionary_sampler.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <set>

#include "automl/error.h"
#include "automl/random.h"
#include "automl/samplers/random_sampler.h"
#include "automl/study.h"
#include "core/samplers/fresh_points.h"

namespace automl {
namespace {

// How often a repeated child is bred again, and how many random points are tried after that.
constexpr int kBreedRetries = 64;
constexpr int kRandomRetries = 64;
// The largest discrete space enumerated to find an unseen point when all else failed.
constexpr size_t kMaxEnumerated = size_t{1} << 16;

// Objective values to minimize: maximized objectives negated.
std::vector<double> Minimized(const FrozenTrial& trial, const std::vector<Direction>& directions) {
  std::vector<double> values = trial.values;
  for (size_t m = 0; m < values.size(); ++m) {
    if (directions[m] == Direction::kMaximize) values[m] = -values[m];
  }
  return values;
}

}  // namespace

// The parent population as pointers into the history it was selected from.
struct EvolutionarySampler::Parents {
  int64_t generations = 0;
  std::vector<const FrozenTrial*> members;
  std::vector<int64_t> rank;
  std::vector<double> crowding;
};

// A parent population and what it was selected from: the trials of its complete generations in
// finish order (storage ids and objective values to minimize), so that it is reused only for a
// history that begins with exactly those trials.
struct EvolutionarySampler::Memo {
  std::vector<int64_t> ids;
  std::vector<std::vector<double>> objectives;
  int64_t generations = 0;
  std::vector<size_t> members;  // positions in ids
  std::vector<int64_t> rank;
  std::vector<double> crowding;
};

EvolutionarySampler::EvolutionarySampler(const std::string& name, const SearchSpace& space,
                                         uint64_t seed, int64_t population_size,
                                         int64_t tournament_size, VariationOptions variation)
    : space_(space),
      seed_(seed),
      population_size_(population_size),
      tournament_size_(tournament_size),
      variation_(variation) {
  const std::string who = "sampler '" + name + "'";
  if (population_size_ < 2) {
    throw InvalidArgument(who + ": option 'population_size' must be at least 2 (a crossover " +
                          "needs two parents), not " + std::to_string(population_size_));
  }
  if (tournament_size_ < 2 || tournament_size_ > population_size_) {
    throw InvalidArgument(who + ": option 'tournament_size' must lie in [2, population_size = " +
                          std::to_string(population_size_) + "], not " +
                          std::to_string(tournament_size_));
  }
  variation_.Validate(who);
}

EvolutionarySampler::Parents EvolutionarySampler::SelectParents(
    const std::vector<FrozenTrial>& history, const std::vector<Direction>& directions) const {
  std::vector<const FrozenTrial*> complete;
  for (const FrozenTrial& t : history) {
    if (t.state == TrialState::kComplete && t.values.size() == directions.size()) {
      complete.push_back(&t);
    }
  }
  std::sort(complete.begin(), complete.end(), [](const FrozenTrial* a, const FrozenTrial* b) {
    return a->finish_seq != b->finish_seq ? a->finish_seq < b->finish_seq : a->number < b->number;
  });
  const auto p = static_cast<size_t>(population_size_);
  const size_t generations = complete.size() / p;
  std::vector<std::vector<double>> objectives;
  objectives.reserve(generations * p);
  for (size_t i = 0; i < generations * p; ++i) {
    objectives.push_back(Minimized(*complete[i], directions));
  }

  // Start from the memo when the history begins with the trials it was selected from (finished
  // trials keep their place in the finish order and their values, so this is the common case).
  std::shared_ptr<const Memo> memo;
  {
    std::lock_guard<std::mutex> lock(memo_mutex_);
    memo = memo_;
  }
  const auto extends = [&](const Memo& m) {
    if (m.ids.size() > objectives.size()) return false;
    for (size_t i = 0; i < m.ids.size(); ++i) {
      if (m.ids[i] != complete[i]->id || m.objectives[i] != objectives[i]) return false;
    }
    return true;
  };
  size_t start = 0;
  std::vector<size_t> members;  // positions in complete
  RankedSelection selection;
  if (memo && extends(*memo)) {
    start = static_cast<size_t>(memo->generations);
    members = memo->members;
    selection.rank = memo->rank;
    selection.crowding = memo->crowding;
  }
  for (size_t g = start; g < generations; ++g) {
    // R = P_g + generation g; the survivors of R are P_{g+1}.
    std::vector<size_t> pool = members;
    for (size_t i = g * p; i < (g + 1) * p; ++i) pool.push_back(i);
    std::vector<std::vector<double>> pool_objectives;
    pool_objectives.reserve(pool.size());
    for (size_t i : pool) pool_objectives.push_back(objectives[i]);
    selection = Select(pool_objectives, p);
    members.clear();
    for (size_t i : selection.survivors) members.push_back(pool[i]);
  }
  if (generations > start) {
    auto fresh = std::make_shared<Memo>();
    for (size_t i = 0; i < objectives.size(); ++i) fresh->ids.push_back(complete[i]->id);
    fresh->objectives = std::move(objectives);
    fresh->generations = static_cast<int64_t>(generations);
    fresh->members = members;
    fresh->rank = selection.rank;
    fresh->crowding = selection.crowding;
    std::lock_guard<std::mutex> lock(memo_mutex_);
    // Concurrent asks may race; keep the memo of the longer history.
    if (!memo_ || memo_->generations <= fresh->generations) memo_ = std::move(fresh);
  }

  Parents parents;
  parents.generations = static_cast<int64_t>(generations);
  for (size_t i : members) parents.members.push_back(complete[i]);
  parents.rank = std::move(selection.rank);
  parents.crowding = std::move(selection.crowding);
  return parents;
}

ParamMap EvolutionarySampler::Breed(const Parents& parents, Rng& rng) const {
  const auto better = [&](size_t a, size_t b) {
    return CrowdedBetter(parents.rank[a], parents.crowding[a], parents.rank[b],
                         parents.crowding[b]);
  };
  const auto size = static_cast<size_t>(tournament_size_);
  std::vector<size_t> everyone(parents.members.size());
  std::iota(everyone.begin(), everyone.end(), size_t{0});
  const size_t first = TournamentSelect(everyone, size, better, rng);
  // The second parent is another member: crossing a member with itself would only copy it.
  everyone.erase(everyone.begin() + static_cast<std::ptrdiff_t>(first));
  const size_t second = TournamentSelect(everyone, size, better, rng);
  return MakeChild(space_, parents.members[first]->params, parents.members[second]->params,
                   variation_, rng);
}

ParamMap EvolutionarySampler::Propose(const Parents& parents, Rng& rng) const {
  return parents.generations == 0 ? RandomParams(space_, rng) : Breed(parents, rng);
}

ParamMap EvolutionarySampler::AvoidRepeat(const std::vector<FrozenTrial>& history,
                                          const FrozenTrial& trial, const Parents& parents,
                                          ParamMap child, Rng& rng) const {
  const auto other = [&](const FrozenTrial& t) { return t.has_params && t.number != trial.number; };
  // The common case, a new child, costs one pass; a set is built only for the retries.
  if (std::none_of(history.begin(), history.end(),
                   [&](const FrozenTrial& t) { return other(t) && t.params == child; })) {
    return child;
  }
  std::set<ParamMap> seen;
  for (const FrozenTrial& t : history) {
    if (other(t)) seen.insert(t.params);
  }
  for (int i = 0; i < kBreedRetries; ++i) {
    ParamMap again = Propose(parents, rng);
    if (!seen.count(again)) return again;
  }
  for (int i = 0; i < kRandomRetries; ++i) {
    ParamMap random = RandomParams(space_, rng);
    if (!seen.count(random)) return random;
  }
  // Nearly everything has been tried: look for what has not, if the space can be listed.
  if (const std::optional<std::vector<ParamMap>> all =
          internal::EnumerateDiscretePoints(space_, kMaxEnumerated)) {
    std::vector<const ParamMap*> unseen;
    for (const ParamMap& point : *all) {
      if (!seen.count(point)) unseen.push_back(&point);
    }
    if (!unseen.empty()) return *unseen[rng.Below(unseen.size())];
  }
  return child;  // every point has been tried: a repeat is all there is
}

std::vector<std::string> EvolutionarySampler::RelativeParams(const Study& /*study*/,
                                                             const FrozenTrial& trial) const {
  // Enqueued trials keep what they were given; see SampleIndependent.
  if (!trial.sample_index) return {};
  std::vector<std::string> names;
  for (const ParamSpec& spec : space_.params()) names.push_back(spec.name());
  return names;
}

ParamMap EvolutionarySampler::SampleRelative(const Study& study, const FrozenTrial& trial,
                                             const std::vector<std::string>& /*names*/) const {
  CheckDirections(study.directions());
  const std::vector<FrozenTrial> history = study.Trials();
  const Parents parents = SelectParents(history, study.directions());
  Rng rng(
      DeriveSeed(seed_, static_cast<uint64_t>(trial.number), kSamplerStream ^ HashName(name())));
  ParamMap child = Propose(parents, rng);
  return AvoidRepeat(history, trial, parents, std::move(child), rng);
}

ParamValue EvolutionarySampler::SampleIndependent(const Study& /*study*/, const FrozenTrial& trial,
                                                  const ParamSpec& param) const {
  return SampleUniform(seed_, trial, param);
}

EvolutionarySampler::Population EvolutionarySampler::ParentPopulation(const Study& study) const {
  CheckDirections(study.directions());
  const std::vector<FrozenTrial> history = study.Trials();
  const Parents parents = SelectParents(history, study.directions());
  Population population;
  population.generations = parents.generations;
  for (const FrozenTrial* t : parents.members) population.members.push_back(*t);
  population.rank = parents.rank;
  population.crowding = parents.crowding;
  return population;
}

}  // namespace automl
