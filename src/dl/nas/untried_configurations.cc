#include "dl/nas/untried_configurations.h"

#include <cstdint>
#include <vector>

#include "automl/error.h"
#include "automl/study.h"
#include "core/samplers/fresh_points.h"

namespace automl::dl::internal {
namespace {

// Whether |space| has at most |limit| points, counting every combination of values as one
// (conditions only lower the true number). Enumerating a larger space would only exhaust memory.
bool AtMostPoints(const SearchSpace& space, size_t limit) {
  uint64_t points = 1;
  for (const ParamSpec& spec : space.params()) {
    const uint64_t n = spec.Cardinality().value_or(UINT64_MAX);
    if (n != 0 && points > limit / n) return false;
    points *= n;
  }
  return points <= limit;
}

}  // namespace

std::optional<std::string> CanonicalKey(const SearchSpace& space, const ParamMap& params) {
  try {
    return space.CanonicalParams(params).dump();
  } catch (const InvalidArgument&) {
    return std::nullopt;  // a decision is missing: not a configuration yet
  }
}

std::set<std::string> UnfinishedKeys(const Study& study, const SearchSpace& space,
                                     int64_t except_number) {
  std::set<std::string> keys;
  for (const FrozenTrial& t : study.Trials({TrialState::kRunning, TrialState::kWaiting})) {
    if (!t.has_params || t.number == except_number) continue;
    if (t.state == TrialState::kWaiting) {
      // An enqueued trial may give only some parameters: not yet a configuration.
      try {
        space.CheckParams(t.params);
      } catch (const InvalidArgument&) {
        continue;
      }
    }
    if (std::optional<std::string> key = CanonicalKey(space, t.params)) keys.insert(*key);
  }
  return keys;
}

std::optional<ParamMap> UntriedUniform(const SearchSpace& space, const DecisionSteps& steps,
                                       const FrozenTrial& trial,
                                       const std::function<bool(const std::string&)>& is_taken,
                                       Rng& rng, const UntriedSearch& search) {
  const ParamMap given = trial.has_params ? trial.params : ParamMap{};
  const auto fresh = [&](const ParamMap& params) {
    const std::optional<std::string> key = CanonicalKey(space, params);
    return key && !is_taken(*key);
  };
  const auto uniform = [&](size_t step, std::optional<int64_t> given_choice) {
    return given_choice
               ? *given_choice
               : static_cast<int64_t>(rng.Below(static_cast<uint64_t>(steps.choices()[step])));
  };
  for (int attempt = 0; attempt < search.uniform_attempts; ++attempt) {
    ParamMap params = steps.Walk(given, uniform);
    if (fresh(params)) return params;
  }
  // A small space may be nearly exhausted: pick among the points left, if any.
  if (!AtMostPoints(space, search.enumeration_limit)) return std::nullopt;
  const std::optional<std::vector<ParamMap>> points =
      automl::internal::EnumerateDiscretePoints(space, search.enumeration_limit);
  if (!points) return std::nullopt;
  std::vector<ParamMap> left;
  std::set<std::string> seen;
  for (const ParamMap& point : *points) {
    // Resolving with the trial's given values can map several points onto one.
    ParamMap params = automl::internal::ResolveProposal(space, trial, point);
    const std::optional<std::string> key = CanonicalKey(space, params);
    if (key && !is_taken(*key) && seen.insert(*key).second) left.push_back(std::move(params));
  }
  if (left.empty()) return std::nullopt;
  return left[rng.Below(left.size())];
}

}  // namespace automl::dl::internal
