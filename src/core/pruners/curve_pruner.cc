#include "automl/pruners/curve_pruner.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/random.h"
#include "automl/study.h"
#include "core/pruners/internal/learning_curve_model.h"
#include "core/pruners/internal/pruning_interval.h"

namespace automl {
namespace {

constexpr char kPrefix[] = "pruner 'curve': ";
// How far beyond the normalized [0, 1] range of the study's values the value at x_max may lie.
constexpr double kPlausibleMargin = 1.0;
// A bound on walkers and MCMC steps that keeps them ints (and a decision finite).
constexpr int64_t kMaxMcmcSize = 1'000'000;

void CheckSingleObjective(size_t objectives) {
  if (objectives != 1) {
    throw InvalidArgument(std::string(kPrefix) + "judges a single objective; the study has " +
                          std::to_string(objectives));
  }
}

// The value as the model sees it: larger is better.
double Oriented(Direction direction, double value) {
  return direction == Direction::kMinimize ? -value : value;
}

// A trial's finite reported values, oriented, at x = step + 1.
struct Curve {
  std::vector<double> x;
  std::vector<double> y;
};

Curve OrientedCurve(const FrozenTrial& trial, Direction direction) {
  Curve curve;
  for (const auto& [step, values] : trial.intermediate) {
    if (!std::isfinite(values[0])) continue;
    curve.x.push_back(static_cast<double>(step) + 1);
    curve.y.push_back(Oriented(direction, values[0]));
  }
  return curve;
}

// The linear map that takes the range [low, high] of the oriented finite values of |complete|
// (intermediate and final) and of |curve| to [0, 1].
struct Normalization {
  double low = std::numeric_limits<double>::infinity();
  double high = -std::numeric_limits<double>::infinity();

  void Add(double value) {
    if (!std::isfinite(value)) return;
    low = std::min(low, value);
    high = std::max(high, value);
  }
  double operator()(double value) const { return (value - low) / (high - low); }
};

std::optional<Normalization> StudyNormalization(const std::vector<FrozenTrial>& complete,
                                                const Curve& curve, Direction direction) {
  Normalization n;
  for (const FrozenTrial& t : complete) {
    n.Add(Oriented(direction, t.values[0]));
    for (const auto& [step, values] : t.intermediate) n.Add(Oriented(direction, values[0]));
  }
  for (const double y : curve.y) n.Add(y);
  if (!(n.high > n.low)) return std::nullopt;  // one value everywhere: nothing to extrapolate
  return n;
}

// The best final value of the COMPLETE trials, oriented; nullopt when fewer than |needed| have
// a finite one.
std::optional<double> BestComplete(const std::vector<FrozenTrial>& complete, int64_t needed,
                                   Direction direction) {
  std::optional<double> best;
  int64_t count = 0;
  for (const FrozenTrial& t : complete) {
    if (!std::isfinite(t.values[0])) continue;
    ++count;
    const double v = Oriented(direction, t.values[0]);
    if (!best || v > *best) best = v;
  }
  if (count < std::max<int64_t>(1, needed)) return std::nullopt;
  return best;
}

// The COMPLETE trials other than |number|.
std::vector<FrozenTrial> OtherCompleteTrials(const Study& study, int64_t number) {
  std::vector<FrozenTrial> complete = study.Trials({TrialState::kComplete});
  complete.erase(std::remove_if(complete.begin(), complete.end(),
                                [&](const FrozenTrial& t) { return t.number == number; }),
                 complete.end());
  return complete;
}

internal::LearningCurveModelOptions ModelOptions(const CurvePrunerOptions& options) {
  internal::LearningCurveModelOptions model;
  model.x_max = static_cast<double>(*options.max_resource) + 1;
  model.plausible_min = -kPlausibleMargin;
  model.plausible_max = 1 + kPlausibleMargin;
  model.walkers = static_cast<int>(options.walkers);
  model.mcmc_steps = static_cast<int>(options.mcmc_steps);
  model.burn_in = static_cast<int>(options.burn_in);
  return model;
}

// The MCMC's seed for the decision on trial |number| at |step|: the same history, the same chain.
uint64_t DecisionSeed(uint64_t study_seed, int64_t number, int64_t step) {
  const uint64_t trial_seed =
      DeriveSeed(study_seed, static_cast<uint64_t>(number), HashName("curve pruner"));
  return DeriveSeed(trial_seed, static_cast<uint64_t>(step));
}

}  // namespace

CurvePrunerOptions CurvePrunerOptions::FromComponentOptions(const ComponentOptions& options) {
  CurvePrunerOptions o;
  if (options.Has("max_resource")) o.max_resource = options.Int("max_resource", 1, 1);
  o.threshold = options.Double("threshold", o.threshold, 0.0, 1.0);
  o.n_warmup_steps = options.Int("n_warmup_steps", o.n_warmup_steps, 0);
  o.interval_steps = options.Int("interval_steps", o.interval_steps, 1);
  o.n_startup_trials = options.Int("n_startup_trials", o.n_startup_trials, 1);
  o.walkers = options.Int("walkers", o.walkers, 2, kMaxMcmcSize);
  o.mcmc_steps = options.Int("mcmc_steps", o.mcmc_steps, 2, kMaxMcmcSize);
  o.burn_in = options.Int("burn_in", o.burn_in, 0, kMaxMcmcSize);
  o.Validate();
  return o;
}

void CurvePrunerOptions::Validate() const {
  const std::string prefix = kPrefix;
  if (!max_resource) {
    throw InvalidArgument(prefix +
                          "option 'max_resource' (the step whose value is predicted, a "
                          "trial's last step) is required");
  }
  if (*max_resource < 1) throw InvalidArgument(prefix + "option 'max_resource' must be >= 1");
  if (!(threshold > 0 && threshold < 1)) {
    throw InvalidArgument(prefix + "option 'threshold' must be in (0, 1)");
  }
  if (n_warmup_steps < 0) throw InvalidArgument(prefix + "option 'n_warmup_steps' must be >= 0");
  if (n_warmup_steps >= *max_resource) {
    throw InvalidArgument(prefix + "option 'n_warmup_steps' must be below max_resource (" +
                          std::to_string(*max_resource) + "): else no decision is ever taken");
  }
  if (interval_steps < 1) throw InvalidArgument(prefix + "option 'interval_steps' must be >= 1");
  if (n_startup_trials < 1) {
    throw InvalidArgument(prefix +
                          "option 'n_startup_trials' must be >= 1: y_best is the best "
                          "COMPLETE trial");
  }
  if (walkers < 2 || walkers > kMaxMcmcSize) {
    throw InvalidArgument(prefix + "option 'walkers' must be in [2, 1000000]");
  }
  if (mcmc_steps < 2 || mcmc_steps > kMaxMcmcSize) {
    throw InvalidArgument(prefix + "option 'mcmc_steps' must be in [2, 1000000]");
  }
  if (burn_in < 0 || burn_in >= mcmc_steps) {
    throw InvalidArgument(prefix + "option 'burn_in' must be in [0, mcmc_steps)");
  }
}

CurvePruner::CurvePruner(CurvePrunerOptions options, const std::vector<Direction>& directions,
                         uint64_t seed)
    : options_(options), seed_(seed) {
  CheckSingleObjective(directions.size());
  options_.Validate();
}

bool CurvePruner::Prune(const Study& study, const FrozenTrial& trial) const {
  CheckSingleObjective(study.directions().size());
  if (trial.intermediate.empty()) return false;
  if (std::isnan(trial.intermediate.rbegin()->second[0])) return true;  // diverged
  const std::optional<double> probability = ImprovementProbability(study, trial);
  return probability && *probability < options_.threshold;
}

std::optional<double> CurvePruner::ImprovementProbability(const Study& study,
                                                          const FrozenTrial& trial) const {
  CheckSingleObjective(study.directions().size());
  if (!internal::IsCheckPoint(trial, options_.n_warmup_steps, options_.interval_steps)) {
    return std::nullopt;
  }
  const int64_t step = trial.intermediate.rbegin()->first;
  if (step >= *options_.max_resource) return std::nullopt;
  if (std::isnan(trial.intermediate.rbegin()->second[0])) return std::nullopt;

  const Direction direction = study.directions()[0];
  const std::vector<FrozenTrial> complete = OtherCompleteTrials(study, trial.number);
  const std::optional<double> best = BestComplete(complete, options_.n_startup_trials, direction);
  const Curve curve = OrientedCurve(trial, direction);
  if (!best || curve.y.empty()) return std::nullopt;
  // Already better than the best: the criterion has nothing to stop (the authors' script).
  if (*std::max_element(curve.y.begin(), curve.y.end()) > *best) return std::nullopt;
  const std::optional<Normalization> normalize = StudyNormalization(complete, curve, direction);
  if (!normalize) return std::nullopt;

  std::vector<double> y;
  y.reserve(curve.y.size());
  for (const double v : curve.y) y.push_back((*normalize)(v));
  const std::optional<internal::LearningCurveModel> model = internal::LearningCurveModel::Fit(
      curve.x, y, ModelOptions(options_), DecisionSeed(seed_, trial.number, step));
  if (!model) return std::nullopt;
  return model->ProbabilityAbove((*normalize)(*best));
}

}  // namespace automl
