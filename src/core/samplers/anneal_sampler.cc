#include "automl/samplers/anneal_sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "automl/error.h"
#include "automl/random.h"
#include "automl/samplers/random_sampler.h"
#include "automl/study.h"
#include "core/samplers/fresh_points.h"

namespace automl {
namespace {

// Random streams: a trial's neighbour proposals, its Metropolis draw, and the uniform fallbacks
// of duplicate avoidance.
uint64_t ProposalStream() { return kSamplerStream ^ HashName("anneal proposal"); }
uint64_t AcceptStream() { return kSamplerStream ^ HashName("anneal accept"); }
uint64_t FallbackStream() { return kSamplerStream ^ HashName("anneal fallback"); }

void CheckSingleObjective(size_t objectives) {
  if (objectives != 1) {
    throw InvalidArgument("sampler 'anneal' optimizes a single objective; the study has " +
                          std::to_string(objectives));
  }
}

// Whether a neighbour move can change |spec|: not a fixed value or a one-value range.
bool CanChange(const ParamSpec& spec) {
  if (spec.type() == ParamType::kFixed) return false;
  const std::optional<uint64_t> n = spec.Cardinality();
  return !n || *n > 1;
}

// |u| folded back into [0, 1] by reflection at the bounds (a step never exceeds a few ranges).
double Reflect(double u) {
  for (int i = 0; i < 16 && (u < 0 || u > 1); ++i) u = u < 0 ? -u : 2 - u;
  return std::clamp(u, 0.0, 1.0);
}

// The value |offset| positions away from |value| in a discrete parameter's order, turned back
// at an end.
ParamValue Shift(const ParamSpec& spec, const ParamValue& value, int64_t offset) {
  const auto n = static_cast<int64_t>(*spec.Cardinality());
  const auto k = static_cast<int64_t>(spec.IndexOf(value));
  int64_t target = k + offset;
  if (target < 0 || target >= n) target = k - offset;
  target = std::clamp<int64_t>(target, 0, n - 1);
  return spec.ValueAt(static_cast<uint64_t>(target));
}

// One parameter's move (see the header comment). |force| makes a categorical switch surely.
ParamValue Mutate(const ParamSpec& spec, const ParamValue& value, double scale, double ratio,
                  bool force, Rng& rng) {
  switch (spec.type()) {
    case ParamType::kFloat:
    case ParamType::kInt: {
      const double delta = scale * rng.Normal();
      ParamValue moved = spec.FromUnit(Reflect(spec.ToUnit(value) + delta));
      // A step smaller than a cell would leave an int where it is: move it one value instead.
      if (spec.is_discrete() && moved == value) moved = Shift(spec, value, delta >= 0 ? 1 : -1);
      return moved;
    }
    case ParamType::kCategorical: {
      if (!force && !rng.Bernoulli(0.5 * (1 + std::sqrt(ratio)))) return value;
      const uint64_t n = *spec.Cardinality();
      const uint64_t k = spec.IndexOf(value);
      uint64_t other = rng.Below(n - 1);
      if (other >= k) ++other;
      return spec.ValueAt(other);
    }
    case ParamType::kOrdinal: {
      const int64_t distance = *spec.Cardinality() > 2 && rng.Bernoulli(0.2) ? 2 : 1;
      return Shift(spec, value, rng.Bernoulli(0.5) ? distance : -distance);
    }
    case ParamType::kFixed:
      return value;
  }
  return value;
}

double StandardDeviation(const std::vector<double>& values) {
  double mean = 0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  double sum = 0;
  for (double v : values) sum += (v - mean) * (v - mean);
  return std::sqrt(sum / static_cast<double>(values.size()));
}

}  // namespace

double AnnealTemperature(AnnealSchedule schedule, double t0, double alpha, int64_t k) {
  const auto steps = static_cast<double>(k);
  switch (schedule) {
    case AnnealSchedule::kGeometric:
      return t0 * std::pow(alpha, steps);
    case AnnealSchedule::kLinear:
      return t0 * std::max(0.0, 1 - (1 - alpha) * steps);
    case AnnealSchedule::kLog:
      return t0 / (1 + (1 / alpha - 1) / std::log(2.0) * std::log1p(steps));
  }
  return t0;
}

// ---- Options ------------------------------------------------------------------------------------

AnnealSamplerOptions AnnealSamplerOptions::FromComponentOptions(const ComponentOptions& options) {
  AnnealSamplerOptions o;
  if (options.Has("t0")) {
    o.t0 = options.Double("t0", 1.0, std::numeric_limits<double>::min());
  }
  o.t0_scale = options.Double("t0_scale", o.t0_scale, std::numeric_limits<double>::min());
  o.alpha = options.Double("alpha", o.alpha, std::numeric_limits<double>::min(),
                           std::nextafter(1.0, 0.0));
  const std::string schedule = options.String("schedule", "geometric");
  if (schedule == "geometric") {
    o.schedule = AnnealSchedule::kGeometric;
  } else if (schedule == "linear") {
    o.schedule = AnnealSchedule::kLinear;
  } else if (schedule == "log") {
    o.schedule = AnnealSchedule::kLog;
  } else {
    throw InvalidArgument(options.Describe("schedule") +
                          " must be geometric, linear or log, not '" + schedule + "'");
  }
  o.n_startup_trials = options.Int("n_startup_trials", o.n_startup_trials, 1);
  if (!o.t0 && o.n_startup_trials < 2) {
    throw InvalidArgument(options.Describe("n_startup_trials") +
                          " must be at least 2 unless t0 is given: T0 comes from the spread of "
                          "the startup values");
  }
  o.step = options.Double("step", o.step, std::numeric_limits<double>::min(), 1.0);
  o.min_step = options.Double("min_step", o.min_step, 0.0, 1.0);
  o.restart_after = options.Int("restart_after", o.restart_after, 0);
  return o;
}

// ---- The walk -----------------------------------------------------------------------------------

struct AnnealSampler::Walk {
  AnnealState state;
  ParamMap current;
  ParamMap best;
};

AnnealSampler::AnnealSampler(const SearchSpace& space, uint64_t seed, AnnealSamplerOptions options,
                             const std::vector<Direction>& directions)
    : space_(space), seed_(seed), options_(options) {
  // No directions (a context built by hand) means the study's, checked when sampling.
  if (!directions.empty()) CheckSingleObjective(directions.size());
  const auto fail = [](const std::string& what) {
    throw InvalidArgument("sampler 'anneal': " + what);
  };
  if (options_.t0 && !(*options_.t0 > 0)) fail("t0 must be positive");
  if (!(options_.t0_scale > 0)) fail("t0_scale must be positive");
  if (!(options_.alpha > 0 && options_.alpha < 1)) fail("alpha must lie in (0, 1)");
  if (options_.n_startup_trials < (options_.t0 ? 1 : 2)) {
    fail("n_startup_trials must be at least 2 unless t0 is given");
  }
  if (!(options_.step > 0 && options_.step <= 1)) fail("step must lie in (0, 1]");
  if (!(options_.min_step >= 0 && options_.min_step <= 1)) fail("min_step must lie in [0, 1]");
  if (options_.restart_after < 0) fail("restart_after must not be negative");
}

AnnealSampler::Walk AnnealSampler::ReplayWalk(const Study& study) const {
  std::vector<FrozenTrial> trials = study.Trials({TrialState::kComplete});
  std::stable_sort(trials.begin(), trials.end(), [](const FrozenTrial& a, const FrozenTrial& b) {
    return a.finish_seq < b.finish_seq;
  });
  Walk walk;
  const auto startup = static_cast<size_t>(options_.n_startup_trials);
  if (trials.size() < startup) return walk;

  const double sign = study.directions().front() == Direction::kMaximize ? -1.0 : 1.0;
  const auto value = [sign](const FrozenTrial& t) { return sign * t.values.front(); };
  AnnealState& s = walk.state;
  s.started = true;
  // The walk starts at the best startup point (the earliest among equals).
  std::vector<double> startup_values;
  size_t first = 0;
  for (size_t i = 0; i < startup; ++i) {
    startup_values.push_back(value(trials[i]));
    if (value(trials[i]) < value(trials[first])) first = i;
  }
  walk.current = trials[first].params;
  walk.best = walk.current;
  s.current_number = s.best_number = trials[first].number;
  s.current_value = value(trials[first]);
  double best_value = s.current_value;
  if (options_.t0) {
    s.t0 = *options_.t0;
  } else {
    s.t0 = options_.t0_scale * StandardDeviation(startup_values);
    // Equal startup values say nothing about the scale: the walk is then greedy.
    if (!(s.t0 > 0) || !std::isfinite(s.t0)) s.t0 = std::numeric_limits<double>::min();
  }

  int64_t stalled = 0;  // steps since the last new best
  for (size_t i = startup; i < trials.size(); ++i) {
    const FrozenTrial& t = trials[i];
    const double f = value(t);
    const double temperature = AnnealTemperature(options_.schedule, s.t0, options_.alpha, s.steps);
    // The draw is taken whether or not it is needed, so that it depends on the trial alone.
    const double u =
        Rng(DeriveSeed(seed_, static_cast<uint64_t>(t.number), AcceptStream())).Uniform();
    const bool accept = f <= s.current_value ||
                        (temperature > 0 && u < std::exp(-(f - s.current_value) / temperature));
    if (accept) {
      walk.current = t.params;
      s.current_value = f;
      s.current_number = t.number;
      ++s.accepted;
      s.accepted_numbers.push_back(t.number);
    }
    if (f < best_value) {
      best_value = f;
      walk.best = t.params;
      s.best_number = t.number;
      stalled = 0;
    } else {
      ++stalled;
    }
    ++s.steps;
    if (options_.restart_after > 0 && stalled >= options_.restart_after) {
      walk.current = walk.best;
      s.current_value = best_value;
      s.current_number = s.best_number;
      ++s.restarts;
      stalled = 0;
    }
  }
  s.temperature = AnnealTemperature(options_.schedule, s.t0, options_.alpha, s.steps);
  return walk;
}

AnnealState AnnealSampler::Replay(const Study& study) const { return ReplayWalk(study).state; }

ParamMap AnnealSampler::Neighbour(const ParamMap& current, double ratio, Rng& rng) const {
  const double scale = std::max(options_.step * std::sqrt(ratio), options_.min_step);
  std::vector<const ParamSpec*> movable;
  for (const ParamSpec& spec : space_.params()) {
    if (current.count(spec.name()) && CanChange(spec)) movable.push_back(&spec);
  }
  std::vector<const ParamSpec*> chosen;
  const double p = movable.empty() ? 0.0 : 1.0 / static_cast<double>(movable.size());
  for (const ParamSpec* spec : movable) {
    if (rng.Bernoulli(p)) chosen.push_back(spec);
  }
  if (chosen.empty() && !movable.empty()) chosen.push_back(movable[rng.Below(movable.size())]);

  std::map<std::string, ParamValue> changes;
  for (const ParamSpec* spec : chosen) {
    const ParamValue& old = current.at(spec->name());
    ParamValue moved = Mutate(*spec, old, scale, ratio, /*force=*/false, rng);
    if (moved != old) changes.insert_or_assign(spec->name(), std::move(moved));
  }
  if (changes.empty() && !chosen.empty()) {
    const ParamSpec& spec = *chosen[rng.Below(chosen.size())];
    changes.insert_or_assign(spec.name(),
                             Mutate(spec, current.at(spec.name()), scale, ratio, true, rng));
  }

  // Parents come before children: a child's activity follows its parent's new value; a child
  // that becomes active is drawn uniformly.
  ParamMap proposal;
  for (const ParamSpec& spec : space_.params()) {
    if (!space_.IsActive(spec, proposal)) continue;
    auto change = changes.find(spec.name());
    auto kept = current.find(spec.name());
    if (change != changes.end()) {
      proposal.emplace(spec.name(), change->second);
    } else if (kept != current.end()) {
      proposal.emplace(spec.name(), kept->second);
    } else {
      proposal.emplace(spec.name(), spec.FromUnit(rng.Uniform()));
    }
  }
  return proposal;
}

// ---- Sampling -----------------------------------------------------------------------------------

std::vector<std::string> AnnealSampler::RelativeParams(const Study& /*study*/,
                                                       const FrozenTrial& /*trial*/) const {
  std::vector<std::string> names;
  for (const ParamSpec& spec : space_.params()) names.push_back(spec.name());
  return names;
}

ParamMap AnnealSampler::SampleRelative(const Study& study, const FrozenTrial& trial,
                                       const std::vector<std::string>& /*names*/) const {
  CheckSingleObjective(study.directions().size());
  const Walk walk = ReplayWalk(study);
  // The neighbourhood shrinks with the temperature relative to T0, whatever T0 is.
  const double ratio = AnnealTemperature(options_.schedule, 1.0, options_.alpha, walk.state.steps);
  Rng rng(DeriveSeed(seed_, static_cast<uint64_t>(trial.number), ProposalStream()));
  const auto propose = [&](int attempt) {
    // Parameters the walk leaves open (inactive now, but active under an enqueued trial's given
    // values) get uniform values.
    ParamMap proposal;
    if (walk.state.started) proposal = Neighbour(walk.current, ratio, rng);
    for (const ParamSpec& spec : space_.params()) {
      if (!proposal.count(spec.name())) {
        proposal.emplace(spec.name(), internal::UniformValue(seed_, trial, spec, attempt));
      }
    }
    return proposal;
  };
  return internal::PickFreshProposal(study, space_, trial, seed_, FallbackStream(), propose);
}

ParamValue AnnealSampler::SampleIndependent(const Study& /*study*/, const FrozenTrial& trial,
                                            const ParamSpec& param) const {
  return SampleUniform(seed_, trial, param);
}

}  // namespace automl
