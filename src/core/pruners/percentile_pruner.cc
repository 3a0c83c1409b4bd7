#include "automl/pruners/percentile_pruner.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "automl/error.h"
#include "automl/study.h"
#include "core/pruners/internal/pruning_interval.h"

namespace automl {
namespace {

void CheckSingleObjective(const std::string& name, size_t objectives) {
  if (objectives != 1) {
    throw InvalidArgument("pruner '" + name + "' judges a single objective; the study has " +
                          std::to_string(objectives));
  }
}

}  // namespace

PercentilePrunerOptions PercentilePrunerOptions::FromComponentOptions(
    const ComponentOptions& options, bool with_percentile) {
  PercentilePrunerOptions o;
  if (with_percentile) {
    o.percentile = options.Double("percentile", o.percentile, 0.0, 100.0);
  } else {
    o.percentile = 50.0;
  }
  o.n_startup_trials = options.Int("n_startup_trials", o.n_startup_trials, 0);
  o.n_warmup_steps = options.Int("n_warmup_steps", o.n_warmup_steps, 0);
  o.interval_steps = options.Int("interval_steps", o.interval_steps, 1);
  o.n_min_trials = options.Int("n_min_trials", o.n_min_trials, 1);
  return o;
}

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) throw InvalidArgument("the percentile of no values");
  std::sort(values.begin(), values.end());
  const double position = q / 100.0 * static_cast<double>(values.size() - 1);
  const auto lower = static_cast<size_t>(std::floor(position));
  const size_t upper = std::min(lower + 1, values.size() - 1);
  const double fraction = position - static_cast<double>(lower);
  return values[lower] + fraction * (values[upper] - values[lower]);
}

PercentilePruner::PercentilePruner(PercentilePrunerOptions options,
                                   const std::vector<Direction>& directions)
    : PercentilePruner(options, directions, "percentile") {}

PercentilePruner::PercentilePruner(PercentilePrunerOptions options,
                                   const std::vector<Direction>& directions, std::string name)
    : options_(options), name_(std::move(name)) {
  CheckSingleObjective(name_, directions.size());
  // The same rules as FromComponentOptions, for options built in code.
  if (!(options_.percentile >= 0 && options_.percentile <= 100)) {
    throw InvalidArgument("pruner '" + name_ + "': option 'percentile' must be in [0, 100]");
  }
  if (options_.n_startup_trials < 0 || options_.n_warmup_steps < 0 || options_.interval_steps < 1 ||
      options_.n_min_trials < 1) {
    throw InvalidArgument("pruner '" + name_ +
                          "': n_startup_trials and n_warmup_steps must be >= 0, interval_steps "
                          "and n_min_trials >= 1");
  }
}

bool PercentilePruner::Prune(const Study& study, const FrozenTrial& trial) const {
  CheckSingleObjective(name(), study.directions().size());
  if (!internal::IsCheckPoint(trial, options_.n_warmup_steps, options_.interval_steps)) {
    return false;
  }
  const int64_t step = trial.intermediate.rbegin()->first;

  const std::vector<FrozenTrial> complete = study.Trials({TrialState::kComplete});
  if (complete.empty() || static_cast<int64_t>(complete.size()) < options_.n_startup_trials) {
    return false;
  }

  const Direction direction = study.directions()[0];
  // The trial's best value so far; NaNs are no evidence either way.
  double best = std::numeric_limits<double>::quiet_NaN();
  for (const auto& [s, values] : trial.intermediate) {
    const double v = values[0];
    if (std::isnan(v)) continue;
    if (std::isnan(best) || Better(direction, v, best)) best = v;
  }
  if (std::isnan(best)) return true;  // nothing but NaN: the run has diverged

  std::vector<double> reference;
  for (const FrozenTrial& other : complete) {
    if (other.number == trial.number) continue;
    const auto it = other.intermediate.find(step);
    if (it == other.intermediate.end() || std::isnan(it->second[0])) continue;
    reference.push_back(it->second[0]);
  }
  if (reference.empty() || static_cast<int64_t>(reference.size()) < options_.n_min_trials) {
    return false;
  }
  // The p-th best: the p-th percentile when minimizing, the (100 - p)-th when maximizing.
  const double q =
      direction == Direction::kMinimize ? options_.percentile : 100.0 - options_.percentile;
  return Better(direction, Percentile(std::move(reference), q), best);
}

}  // namespace automl
