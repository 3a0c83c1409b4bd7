#include "core/samplers/fresh_points.h"

#include "automl/sampler.h"
#include "automl/samplers/random_sampler.h"
#include "automl/study.h"

namespace automl::internal {

ParamMap ResolveProposal(const SearchSpace& space, const FrozenTrial& trial,
                         const ParamMap& proposal) {
  ParamMap params = trial.has_params ? trial.params : ParamMap{};
  for (const ParamSpec& spec : space.params()) {
    if (!space.IsActive(spec, params)) {
      params.erase(spec.name());
      continue;
    }
    if (params.count(spec.name())) continue;
    auto it = proposal.find(spec.name());
    if (it != proposal.end()) params.emplace(spec.name(), it->second);
  }
  return params;
}

bool AllDiscrete(const SearchSpace& space, const ParamMap& params) {
  for (const auto& [name, value] : params) {
    const ParamSpec* spec = space.Find(name);
    if (spec == nullptr || !spec->is_discrete()) return false;
  }
  return true;
}

std::set<ParamMap> TakenPoints(const Study& study, int64_t except_number) {
  std::set<ParamMap> taken;
  for (const FrozenTrial& t : study.Trials({TrialState::kComplete, TrialState::kPruned,
                                            TrialState::kFailed, TrialState::kRunning})) {
    if (t.has_params && t.number != except_number) taken.insert(t.params);
  }
  return taken;
}

ParamValue UniformValue(uint64_t seed, const FrozenTrial& trial, const ParamSpec& param,
                        int attempt) {
  if (attempt == 0) return SampleUniform(seed, trial, param);
  const uint64_t base = DeriveSeed(seed, static_cast<uint64_t>(trial.number),
                                   kSamplerStream ^ HashName(param.name()));
  Rng rng(DeriveSeed(base, static_cast<uint64_t>(attempt)));
  return param.FromUnit(rng.Uniform());
}

ParamMap UniformProposal(const SearchSpace& space, Rng& rng) {
  ParamMap proposal;
  for (const ParamSpec& spec : space.params())
    proposal.emplace(spec.name(), spec.FromUnit(rng.Uniform()));
  return proposal;
}

namespace {

// Depth-first over the parameters in the space's order (parents before children), so that each
// parameter's activity is decided by the values already chosen. False when the walk must stop.
bool Enumerate(const SearchSpace& space, size_t index, ParamMap& assigned, size_t limit,
               std::vector<ParamMap>& out) {
  if (index == space.params().size()) {
    if (out.size() >= limit) return false;
    out.push_back(assigned);
    return true;
  }
  const ParamSpec& spec = space.params()[index];
  if (!space.IsActive(spec, assigned)) return Enumerate(space, index + 1, assigned, limit, out);
  const std::optional<uint64_t> n = spec.Cardinality();
  if (!n) return false;  // an active continuous parameter: infinitely many points
  for (uint64_t k = 0; k < *n; ++k) {
    assigned.insert_or_assign(spec.name(), spec.ValueAt(k));
    if (!Enumerate(space, index + 1, assigned, limit, out)) return false;
  }
  assigned.erase(spec.name());
  return true;
}

}  // namespace

std::optional<std::vector<ParamMap>> EnumerateDiscretePoints(const SearchSpace& space,
                                                             size_t limit) {
  std::vector<ParamMap> points;
  ParamMap assigned;
  if (!Enumerate(space, 0, assigned, limit, points)) return std::nullopt;
  return points;
}

ParamMap PickFreshProposal(const Study& study, const SearchSpace& space, const FrozenTrial& trial,
                           uint64_t seed, uint64_t stream,
                           const std::function<ParamMap(int attempt)>& propose,
                           const FreshPointOptions& options) {
  ParamMap first = propose(0);
  ParamMap resolved = ResolveProposal(space, trial, first);
  if (!AllDiscrete(space, resolved)) return first;
  const std::set<ParamMap> taken = TakenPoints(study, trial.number);
  const auto fresh = [&](const ParamMap& proposal) {
    const ParamMap params = ResolveProposal(space, trial, proposal);
    return !AllDiscrete(space, params) || taken.count(params) == 0;
  };
  if (fresh(first)) return first;
  for (int attempt = 1; attempt < options.proposal_attempts; ++attempt) {
    ParamMap proposal = propose(attempt);
    if (fresh(proposal)) return proposal;
  }
  // The sampler's distribution has concentrated on tried points: look elsewhere.
  Rng rng(DeriveSeed(seed, static_cast<uint64_t>(trial.number), stream));
  for (int attempt = 0; attempt < options.uniform_attempts; ++attempt) {
    ParamMap proposal = UniformProposal(space, rng);
    if (fresh(proposal)) return proposal;
  }
  // A small space may be nearly exhausted: pick among the points left, if any.
  const std::optional<std::vector<ParamMap>> points =
      EnumerateDiscretePoints(space, options.enumeration_limit);
  if (points) {
    std::vector<const ParamMap*> left;
    std::set<ParamMap> seen;
    for (const ParamMap& point : *points) {
      // Resolving with an enqueued trial's values can map several points onto one.
      if (fresh(point) && seen.insert(ResolveProposal(space, trial, point)).second) {
        left.push_back(&point);
      }
    }
    if (!left.empty()) return *left[rng.Below(left.size())];
  }
  return first;
}

}  // namespace automl::internal
