#include "core/samplers/one_decision.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "automl/samplers/param_variation.h"
#include "automl/samplers/random_sampler.h"
#include "core/samplers/fresh_points.h"

namespace automl::internal {
namespace {

// How hard a trial looks for a point no trial has: mutations of one parent, parents, uniform
// draws, and the largest discrete space listed in full.
constexpr int kMutationsPerParent = 8;
constexpr int kParents = 8;
constexpr int kUniformAttempts = 64;
constexpr size_t kMaxEnumerated = size_t{1} << 16;

// Discrete parameters with more values than this step like continuous ones: a uniform jump
// across thousands of values would be a random restart of that parameter, not a mutation.
constexpr uint64_t kMaxUniformValues = 1000;
// Gaussian steps drawn before taking the neighbouring value: a step can round back onto the
// parent's value.
constexpr int kStepAttempts = 16;

// ---- Hashing points -----------------------------------------------------------------------------

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

// ---- One-decision mutation ----------------------------------------------------------------------

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

}  // namespace

// ---- PointSet -----------------------------------------------------------------------------------

PointSet::PointSet(const SearchSpace& space, const std::vector<FrozenTrial>& history,
                   int64_t except_number)
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

bool PointSet::Contains(const ParamMap& params) const {
  if (canonical()) return canonical_.count(Canonical(params)) != 0;
  const auto [begin, end] = points_.equal_range(HashParams(params));
  return std::any_of(begin, end, [&](const auto& entry) { return entry.second->params == params; });
}

std::string PointSet::Canonical(const ParamMap& params) const {
  for (const ParamSpec& p : space_.params()) {
    if (space_.IsDecision(p.name()) && params.count(p.name()) == 0) {
      return ParamsToJson(params).dump();
    }
  }
  return space_.CanonicalParams(params).dump();
}

// ---- Proposals ----------------------------------------------------------------------------------

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

ParamMap AnyNewPoint(const SearchSpace& space, const PointSet& taken, std::optional<ParamMap> first,
                     Rng& rng) {
  for (int i = 0; i < kUniformAttempts; ++i) {
    ParamMap point = RandomParams(space, rng);
    if (!taken.Contains(point)) return point;
    if (!first) first = std::move(point);
  }
  if (const std::optional<std::vector<ParamMap>> all =
          EnumerateDiscretePoints(space, kMaxEnumerated)) {
    std::vector<const ParamMap*> untried;
    for (const ParamMap& point : *all) {
      if (!taken.Contains(point)) untried.push_back(&point);
    }
    if (!untried.empty()) return *untried[rng.Below(untried.size())];
  }
  return *first;
}

ParamMap RandomNewPoint(const SearchSpace& space, uint64_t seed, const FrozenTrial& trial,
                        const PointSet& taken, Rng& rng) {
  ParamMap point;
  for (const ParamSpec& spec : space.params()) {
    if (space.IsActive(spec, point)) point.emplace(spec.name(), SampleUniform(seed, trial, spec));
  }
  if (!taken.Contains(point)) return point;
  return AnyNewPoint(space, taken, std::move(point), rng);
}

ParamMap NewMutant(const SearchSpace& space, double scale,
                   const std::function<const ParamMap&(Rng&)>& pick_parent, const PointSet& taken,
                   Rng& rng) {
  std::optional<ParamMap> first;
  for (int t = 0; t < kParents; ++t) {
    const ParamMap& parent = pick_parent(rng);
    for (int m = 0; m < kMutationsPerParent; ++m) {
      std::optional<ParamMap> child = MutateOneDecision(space, parent, scale, rng);
      if (!child) break;  // nothing to change in this parent
      if (!taken.Contains(*child)) return std::move(*child);
      if (!first) first = std::move(child);
    }
  }
  return AnyNewPoint(space, taken, std::move(first), rng);
}

}  // namespace automl::internal
