#include "automl/samplers/param_variation.h"

#include <algorithm>

#include "automl/error.h"
#include "automl/samplers/genetic_operators.h"

namespace automl {
namespace {

// Whether SBX (rather than uniform crossover) crosses |param|: numbers always, ordinals by their
// position, categoricals never (their choices have no order to interpolate along).
bool CrossesBySbx(const ParamSpec& param, const VariationOptions& options) {
  if (options.crossover != VariationOptions::Crossover::kSbx) return false;
  return param.type() == ParamType::kFloat || param.type() == ParamType::kInt ||
         param.type() == ParamType::kOrdinal;
}

// |params|' value of |param|, or nullptr when it has none that |param| can take (a value from
// an older space, say): such a value is treated as absent rather than bred from.
const ParamValue* Gene(const ParamMap& params, const ParamSpec& param) {
  auto it = params.find(param.name());
  if (it == params.end() || !param.Contains(it->second)) return nullptr;
  return &it->second;
}

// The crossed value of one parameter present in both parents. |second_child| says which of the
// two children of Deb's crossover this trial is.
ParamValue CrossValue(const ParamSpec& param, const ParamValue& a, const ParamValue& b,
                      bool second_child, const VariationOptions& options, Rng& rng) {
  if (!CrossesBySbx(param, options)) {
    return rng.Bernoulli(options.swapping_prob) ? b : a;
  }
  if (!rng.Bernoulli(0.5)) return second_child ? b : a;  // this variable is not crossed
  const SbxChildren children =
      SimulatedBinaryCrossover(param.ToUnit(a), param.ToUnit(b), 0.0, 1.0, options.eta_c, rng);
  const bool swap = rng.Bernoulli(0.5);
  return param.FromUnit(second_child != swap ? children.high : children.low);
}

// The number of parameters of |params| that variation can change: what Deb's default mutation
// probability 1/n counts.
size_t VariableCount(const SearchSpace& space, const ParamMap& params) {
  size_t n = 0;
  for (const auto& [name, value] : params) {
    const ParamSpec* spec = space.Find(name);
    n += spec && spec->type() != ParamType::kFixed;
  }
  return n;
}

}  // namespace

VariationOptions VariationOptions::FromComponentOptions(const ComponentOptions& options) {
  VariationOptions v;
  const std::string crossover = options.String("crossover", CrossoverName(v.crossover));
  if (crossover == "sbx") {
    v.crossover = Crossover::kSbx;
  } else if (crossover == "uniform") {
    v.crossover = Crossover::kUniform;
  } else {
    throw InvalidArgument(options.Describe("crossover") + " must be 'sbx' or 'uniform', not '" +
                          crossover + "'");
  }
  v.crossover_prob = options.Double("crossover_prob", v.crossover_prob, 0.0, 1.0);
  v.swapping_prob = options.Double("swapping_prob", v.swapping_prob, 0.0, 1.0);
  if (options.Has("mutation_prob")) {
    v.mutation_prob = options.Double("mutation_prob", 0.0, 0.0, 1.0);
  }
  // The distribution indices are exponents; 0 is the widest spread the operators allow.
  v.eta_c = options.Double("eta_c", v.eta_c, 0.0, 1e6);
  v.eta_m = options.Double("eta_m", v.eta_m, 0.0, 1e6);
  return v;
}

void VariationOptions::Validate(const std::string& who) const {
  const auto probability = [&](const char* name, double p) {
    if (!(p >= 0.0 && p <= 1.0)) {
      throw InvalidArgument(who + ": option '" + name + "' must lie in [0, 1], not " +
                            std::to_string(p));
    }
  };
  probability("crossover_prob", crossover_prob);
  probability("swapping_prob", swapping_prob);
  if (mutation_prob) probability("mutation_prob", *mutation_prob);
  for (const auto& [name, eta] : {std::pair{"eta_c", eta_c}, std::pair{"eta_m", eta_m}}) {
    if (!(eta >= 0.0 && eta <= 1e6)) {
      throw InvalidArgument(who + ": option '" + name + "' must lie in [0, 1e6], not " +
                            std::to_string(eta));
    }
  }
}

const char* CrossoverName(VariationOptions::Crossover crossover) {
  return crossover == VariationOptions::Crossover::kSbx ? "sbx" : "uniform";
}

ParamMap RandomParams(const SearchSpace& space, Rng& rng) {
  ParamMap params;
  for (const ParamSpec& spec : space.params()) {
    if (space.IsActive(spec, params)) params.emplace(spec.name(), spec.FromUnit(rng.Uniform()));
  }
  return params;
}

ParamValue MutateValue(const ParamSpec& param, const ParamValue& value,
                       const VariationOptions& options, Rng& rng) {
  switch (param.type()) {
    case ParamType::kFloat:
    case ParamType::kInt:
      return param.FromUnit(PolynomialMutation(param.ToUnit(value), 0.0, 1.0, options.eta_m, rng));
    case ParamType::kCategorical: {
      // A different choice, each of the others equally likely: a mutation that keeps the value
      // would be no mutation.
      const uint64_t n = param.choices().size();
      if (n < 2) return value;
      const uint64_t current = param.IndexOf(value);
      uint64_t other = rng.Below(n - 1);
      if (other >= current) ++other;
      return param.ValueAt(other);
    }
    case ParamType::kOrdinal: {
      // One step along the order, either way (the only way at either end).
      const uint64_t n = param.choices().size();
      if (n < 2) return value;
      const uint64_t current = param.IndexOf(value);
      const bool up = current == 0 || (current + 1 < n && rng.Bernoulli(0.5));
      return param.ValueAt(up ? current + 1 : current - 1);
    }
    case ParamType::kFixed:
      return value;
  }
  return value;
}

ParamMap MakeChild(const SearchSpace& space, const ParamMap& first, const ParamMap& second,
                   const VariationOptions& options, Rng& rng) {
  const bool crossed = rng.Bernoulli(options.crossover_prob);
  const bool second_child = rng.Bernoulli(0.5);
  const double mutation_prob = options.mutation_prob.value_or(
      1.0 / static_cast<double>(std::max<size_t>(1, VariableCount(space, first))));
  ParamMap child;
  // Parents before children (SearchSpace's order), so that activity follows the child's own
  // values.
  for (const ParamSpec& spec : space.params()) {
    if (!space.IsActive(spec, child)) continue;
    if (spec.type() == ParamType::kFixed) {
      child.emplace(spec.name(), spec.choices().front());
      continue;
    }
    const ParamValue* a = Gene(first, spec);
    const ParamValue* b = Gene(second, spec);
    if (!a && !b) {
      // Neither parent had this parameter active: nothing to inherit.
      child.emplace(spec.name(), spec.FromUnit(rng.Uniform()));
      continue;
    }
    ParamValue value = a && b
                           ? (crossed ? CrossValue(spec, *a, *b, second_child, options, rng) : *a)
                           : (a ? *a : *b);
    if (rng.Bernoulli(mutation_prob)) value = MutateValue(spec, value, options, rng);
    child.emplace(spec.name(), std::move(value));
  }
  return child;
}

}  // namespace automl
