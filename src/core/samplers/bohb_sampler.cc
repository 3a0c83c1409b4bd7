#include "automl/samplers/bohb_sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <utility>

#include "automl/error.h"
#include "automl/pruners/hyperband_pruner.h"
#include "automl/pruners/successive_halving_pruner.h"
#include "automl/random.h"
#include "automl/study.h"
#include "core/samplers/fresh_points.h"
#include "core/samplers/internal/bohb_model.h"

namespace automl {

namespace {

constexpr char kPrefix[] = "sampler 'bohb': ";

// Random streams of a trial: the coin that makes it a random one, the model's imputation and
// candidates, and duplicate avoidance.
uint64_t CoinStream() { return kSamplerStream ^ HashName("bohb random fraction"); }
uint64_t ModelStream() { return kSamplerStream ^ HashName("bohb model"); }
uint64_t FallbackStream() { return kSamplerStream ^ HashName("bohb fallback"); }

void CheckSingleObjective(size_t objectives) {
  if (objectives != 1) {
    throw InvalidArgument(std::string(kPrefix) + "optimizes a single objective; the study has " +
                          std::to_string(objectives));
  }
}

// The trials BOHB learns from: RUNNING, PRUNED and COMPLETE ones with parameters, by number,
// except trial |except| (the one being sampled). FAILED trials are left out, as by the pruners:
// their values may come from a run that broke.
std::vector<FrozenTrial> ObservedTrials(const Study& study, int64_t except) {
  std::vector<FrozenTrial> trials =
      study.Trials({TrialState::kRunning, TrialState::kPruned, TrialState::kComplete});
  trials.erase(
      std::remove_if(trials.begin(), trials.end(),
                     [&](const FrozenTrial& t) { return !t.has_params || t.number == except; }),
      trials.end());
  std::stable_sort(trials.begin(), trials.end(),
                   [](const FrozenTrial& a, const FrozenTrial& b) { return a.number < b.number; });
  return trials;
}

// |trial|'s value at |budget|: its report at the first step >= budget; at the largest budget, a
// COMPLETE trial without such a report counts with its final value (it ran its full budget).
std::optional<double> ValueAtBudget(const FrozenTrial& trial, int64_t budget, int64_t max_budget) {
  std::optional<double> value = RungValue(trial, budget);
  if (!value && budget == max_budget && trial.state == TrialState::kComplete &&
      trial.values.size() == 1) {
    value = trial.values.front();
  }
  return value;
}

std::vector<int64_t> CountObservations(const std::vector<FrozenTrial>& trials,
                                       const std::vector<int64_t>& budgets) {
  std::vector<int64_t> counts(budgets.size(), 0);
  for (const FrozenTrial& trial : trials) {
    for (size_t b = 0; b < budgets.size(); ++b) {
      counts[b] += ValueAtBudget(trial, budgets[b], budgets.back()).has_value();
    }
  }
  return counts;
}

// A value for every parameter of |space|, each uniform in its own scale: in attempt 0 exactly
// the `random` sampler's draw.
ParamMap UniformProposal(const SearchSpace& space, uint64_t seed, const FrozenTrial& trial,
                         int attempt) {
  ParamMap proposal;
  for (const ParamSpec& spec : space.params()) {
    proposal.emplace(spec.name(), internal::UniformValue(seed, trial, spec, attempt));
  }
  return proposal;
}

}  // namespace

// ---- Options and budgets ------------------------------------------------------------------------

BohbSamplerOptions BohbSamplerOptions::FromComponentOptions(const ComponentOptions& options) {
  BohbSamplerOptions o;
  if (options.Has("min_points_in_model")) {
    o.min_points_in_model = options.Int("min_points_in_model", 0, 1, 1 << 20);
  }
  o.top_n_percent = options.Int("top_n_percent", o.top_n_percent, 1, 99);
  o.num_samples = options.Int("num_samples", o.num_samples, 1, 1 << 20);
  o.random_fraction = options.Double("random_fraction", o.random_fraction, 0.0, 1.0);
  o.bandwidth_factor = options.Double("bandwidth_factor", o.bandwidth_factor, 0.0, 1e6);
  o.min_bandwidth = options.Double("min_bandwidth", o.min_bandwidth, 0.0, 1e6);
  o.Validate();
  return o;
}

void BohbSamplerOptions::Validate() const {
  const auto fail = [](const std::string& option, const std::string& rule) {
    throw InvalidArgument(std::string(kPrefix) + "option '" + option + "' " + rule);
  };
  if (min_points_in_model && *min_points_in_model < 1) {
    fail("min_points_in_model", "must be at least 1");
  }
  if (top_n_percent < 1 || top_n_percent > 99) fail("top_n_percent", "must lie in [1, 99]");
  if (num_samples < 1) fail("num_samples", "must be at least 1");
  if (!(random_fraction >= 0 && random_fraction <= 1)) {
    fail("random_fraction", "must lie in [0, 1]");
  }
  if (!(bandwidth_factor > 0 && std::isfinite(bandwidth_factor))) {
    fail("bandwidth_factor", "must be positive");
  }
  if (!(min_bandwidth > 0 && std::isfinite(min_bandwidth))) {
    fail("min_bandwidth", "must be positive");
  }
}

std::vector<int64_t> BohbBudgets(const Json& pruner_spec) {
  const ComponentOptions pruner("pruner", pruner_spec.is_null() ? Json("none") : pruner_spec);
  if (pruner.name() != "hyperband") {
    throw InvalidArgument(
        "sampler 'bohb' works only with pruner 'hyperband' (its budgets are Hyperband's rungs); "
        "the study's pruner is '" +
        pruner.name() + "'");
  }
  const HyperbandPrunerOptions hyperband = HyperbandPrunerOptions::FromComponentOptions(pruner);
  if (hyperband.max_resource_auto) {
    throw InvalidArgument(
        "sampler 'bohb' needs the hyperband pruner's max_resource as a number, not 'auto' (its "
        "budgets are Hyperband's rungs, fixed from the start)");
  }
  std::set<int64_t> budgets;
  for (const HyperbandBracket& bracket : HyperbandBrackets(
           hyperband.min_resource, hyperband.max_resource, hyperband.reduction_factor)) {
    budgets.insert(bracket.r.begin(), bracket.r.end());
  }
  return {budgets.begin(), budgets.end()};
}

std::optional<int64_t> BohbModelBudget(const std::vector<int64_t>& budgets,
                                       const std::vector<int64_t>& observations,
                                       int64_t min_observations) {
  for (size_t b = std::min(budgets.size(), observations.size()); b-- > 0;) {
    if (observations[b] >= min_observations) return budgets[b];
  }
  return std::nullopt;
}

// ---- The sampler --------------------------------------------------------------------------------

BohbSampler::BohbSampler(const SearchSpace& space, const std::vector<Direction>& directions,
                         uint64_t seed, std::vector<int64_t> budgets, BohbSamplerOptions options)
    : space_(space), seed_(seed), budgets_(std::move(budgets)), options_(options) {
  CheckSingleObjective(directions.size());
  options_.Validate();
  if (budgets_.empty()) throw InvalidArgument(std::string(kPrefix) + "needs at least one budget");
  for (size_t b = 0; b < budgets_.size(); ++b) {
    if (budgets_[b] < 1 || (b > 0 && budgets_[b] <= budgets_[b - 1])) {
      throw InvalidArgument(std::string(kPrefix) +
                            "budgets must be positive and strictly increasing");
    }
  }
  const std::vector<ParamSpec>& params = space_.params();
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].type() == ParamType::kFixed) continue;
    const bool categorical = params[i].type() == ParamType::kCategorical;
    dimensions_.push_back(
        Dimension{i, categorical ? static_cast<int64_t>(*params[i].Cardinality()) : 0});
  }
  const auto d = static_cast<int64_t>(dimensions_.size());
  if (options_.min_points_in_model && *options_.min_points_in_model < d + 1) {
    throw InvalidArgument(std::string(kPrefix) +
                          "option 'min_points_in_model' must be at least the number of "
                          "parameters plus one (" +
                          std::to_string(d + 1) + " here), not " +
                          std::to_string(*options_.min_points_in_model));
  }
  min_points_ = options_.min_points_in_model.value_or(d + 1);
}

std::vector<int64_t> BohbSampler::ObservationCounts(const Study& study) const {
  return CountObservations(ObservedTrials(study, -1), budgets_);
}

std::optional<int64_t> BohbSampler::ModelBudget(const Study& study) const {
  return BohbModelBudget(budgets_, ObservationCounts(study), min_points_ + 2);
}

bool BohbSampler::DrawsAtRandom(int64_t number) const {
  Rng coin(DeriveSeed(seed_, static_cast<uint64_t>(number), CoinStream()));
  return coin.Uniform() < options_.random_fraction;
}

std::vector<double> BohbSampler::PointOf(const ParamMap& params) const {
  std::vector<double> point(dimensions_.size(), std::numeric_limits<double>::quiet_NaN());
  for (size_t j = 0; j < dimensions_.size(); ++j) {
    const ParamSpec& spec = space_.params()[dimensions_[j].param];
    const auto it = params.find(spec.name());
    if (it == params.end() || !spec.Contains(it->second)) continue;
    point[j] = dimensions_[j].choices > 0 ? static_cast<double>(spec.IndexOf(it->second))
                                          : spec.ToUnit(it->second);
  }
  return point;
}

ParamMap BohbSampler::ParamsAt(const std::vector<double>& point) const {
  ParamMap params;
  for (const ParamSpec& spec : space_.params()) {
    if (spec.type() == ParamType::kFixed) params.emplace(spec.name(), spec.ValueAt(0));
  }
  for (size_t j = 0; j < dimensions_.size(); ++j) {
    const ParamSpec& spec = space_.params()[dimensions_[j].param];
    params.emplace(spec.name(), dimensions_[j].choices > 0
                                    ? spec.ValueAt(static_cast<uint64_t>(point[j]))
                                    : spec.FromUnit(point[j]));
  }
  return params;
}

void BohbSampler::Snap(std::vector<double>& point) const {
  for (size_t j = 0; j < dimensions_.size(); ++j) {
    const ParamSpec& spec = space_.params()[dimensions_[j].param];
    if (dimensions_[j].choices == 0 && spec.is_discrete()) {
      point[j] = spec.ToUnit(spec.FromUnit(point[j]));
    }
  }
}

std::vector<ParamMap> BohbSampler::ModelProposals(const Study& study,
                                                  const FrozenTrial& trial) const {
  const std::vector<FrozenTrial> trials = ObservedTrials(study, trial.number);
  const std::optional<int64_t> budget =
      BohbModelBudget(budgets_, CountObservations(trials, budgets_), min_points_ + 2);
  if (!budget) return {};

  // The observations at the model's budget, as losses to minimize.
  const double sign = study.directions().front() == Direction::kMaximize ? -1.0 : 1.0;
  std::vector<double> rows;
  std::vector<double> losses;
  for (const FrozenTrial& t : trials) {
    const std::optional<double> value = ValueAtBudget(t, *budget, budgets_.back());
    if (!value) continue;
    const double loss = sign * *value;
    losses.push_back(std::isnan(loss) ? std::numeric_limits<double>::infinity() : loss);
    const std::vector<double> point = PointOf(t.params);
    rows.insert(rows.end(), point.begin(), point.end());
  }

  std::vector<int64_t> choices;
  for (const Dimension& dimension : dimensions_) choices.push_back(dimension.choices);
  internal::BohbModelSettings settings;
  settings.min_points = min_points_;
  settings.top_n_percent = options_.top_n_percent;
  settings.min_bandwidth = options_.min_bandwidth;
  Rng rng(DeriveSeed(seed_, static_cast<uint64_t>(trial.number), ModelStream()));
  const internal::BohbModel model(choices, rows, losses, settings, rng);

  // Candidates from l', best g/l first (the earlier draw first among equal scores).
  const auto count = static_cast<size_t>(options_.num_samples);
  std::vector<std::vector<double>> candidates;
  std::vector<double> scores;
  candidates.reserve(count);
  scores.reserve(count);
  for (size_t k = 0; k < count; ++k) {
    std::vector<double> candidate = model.good().Sample(rng, options_.bandwidth_factor);
    Snap(candidate);
    scores.push_back(model.LogRatio(candidate));
    candidates.push_back(std::move(candidate));
  }
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  std::vector<ParamMap> proposals;
  proposals.reserve(count);
  for (size_t k : order) proposals.push_back(ParamsAt(candidates[k]));
  return proposals;
}

std::vector<std::string> BohbSampler::RelativeParams(const Study& /*study*/,
                                                     const FrozenTrial& /*trial*/) const {
  std::vector<std::string> names;
  for (const ParamSpec& spec : space_.params()) names.push_back(spec.name());
  return names;
}

ParamMap BohbSampler::SampleRelative(const Study& study, const FrozenTrial& trial,
                                     const std::vector<std::string>& /*names*/) const {
  if (space_.empty()) return {};
  CheckSingleObjective(study.directions().size());
  std::vector<ParamMap> ranked;
  if (!dimensions_.empty() && !DrawsAtRandom(trial.number)) ranked = ModelProposals(study, trial);
  const auto propose = [&](int attempt) {
    const auto k = static_cast<size_t>(attempt);
    if (k < ranked.size()) return ranked[k];
    return UniformProposal(space_, seed_, trial, attempt - static_cast<int>(ranked.size()));
  };
  return internal::PickFreshProposal(study, space_, trial, seed_, FallbackStream(), propose);
}

ParamValue BohbSampler::SampleIndependent(const Study& /*study*/, const FrozenTrial& trial,
                                          const ParamSpec& param) const {
  return internal::UniformValue(seed_, trial, param, 0);
}

}  // namespace automl
