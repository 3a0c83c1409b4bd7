#include "automl/pruners/successive_halving_pruner.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <utility>

#include "automl/error.h"
#include "automl/pruners/rung_ranking.h"
#include "automl/study.h"

namespace automl {
namespace {

constexpr char kPrefix[] = "pruner 'sha': ";

// base^exponent, saturating at INT64_MAX: a cohort larger than any study is as good as infinite.
int64_t SaturatingPow(int64_t base, int64_t exponent) {
  int64_t result = 1;
  for (int64_t i = 0; i < exponent; ++i) {
    if (result > std::numeric_limits<int64_t>::max() / base) {
      return std::numeric_limits<int64_t>::max();
    }
    result *= base;
  }
  return result;
}

// The step reported before the last one, -1 if there is none.
int64_t PreviousStep(const FrozenTrial& trial) {
  if (trial.intermediate.size() < 2) return -1;
  return std::next(trial.intermediate.rbegin())->first;
}

}  // namespace

HalvingMode ReadHalvingMode(const ComponentOptions& options) {
  const std::string mode = options.String("mode", "async");
  if (mode == "async") return HalvingMode::kAsync;
  if (mode == "sync") return HalvingMode::kSync;
  throw InvalidArgument(options.Describe("mode") + " must be async or sync, not '" + mode + "'");
}

std::optional<int64_t> ReadMaxResource(const ComponentOptions& options, bool* is_auto) {
  const Json max_resource = options.Raw("max_resource");
  *is_auto = false;
  if (max_resource.is_null()) return std::nullopt;
  if (max_resource.is_string()) {
    if (max_resource != "auto") {
      throw InvalidArgument(options.Describe("max_resource") +
                            " must be an integer (a trial's full resource) or 'auto'");
    }
    *is_auto = true;
    return std::nullopt;
  }
  return options.Int("max_resource", 1, 1);
}

SuccessiveHalvingPrunerOptions SuccessiveHalvingPrunerOptions::FromComponentOptions(
    const ComponentOptions& options) {
  SuccessiveHalvingPrunerOptions o;
  const Json rungs = options.Raw("rungs");
  if (!rungs.is_null()) {
    if (options.Has("min_resource") || options.Has("min_early_stopping_rate")) {
      throw InvalidArgument(options.Describe("rungs") +
                            " replaces the geometric ladder: give either rungs or "
                            "min_resource/min_early_stopping_rate, not both");
    }
    if (!rungs.is_array() || rungs.empty()) {
      throw InvalidArgument(options.Describe("rungs") + " must be a non-empty list of integers");
    }
    for (const Json& r : rungs) {
      if (!r.is_number_integer()) {
        throw InvalidArgument(options.Describe("rungs") + " must be a list of integers, not " +
                              rungs.dump());
      }
      o.rungs.push_back(r.get<int64_t>());
    }
  }
  o.min_resource = options.Int("min_resource", o.min_resource, 1);
  o.max_resource = ReadMaxResource(options, &o.max_resource_auto);
  o.reduction_factor = options.Int("reduction_factor", o.reduction_factor, 2);
  o.min_early_stopping_rate = options.Int("min_early_stopping_rate", o.min_early_stopping_rate, 0);
  o.mode = ReadHalvingMode(options);
  o.Validate();
  return o;
}

void SuccessiveHalvingPrunerOptions::Validate() const {
  const std::string prefix = kPrefix;
  if (reduction_factor < 2) {
    throw InvalidArgument(prefix + "option 'reduction_factor' must be >= 2");
  }
  if (min_resource < 1) throw InvalidArgument(prefix + "option 'min_resource' must be >= 1");
  if (min_early_stopping_rate < 0) {
    throw InvalidArgument(prefix + "option 'min_early_stopping_rate' must be >= 0");
  }
  if (max_resource && *max_resource < 1) {
    throw InvalidArgument(prefix + "option 'max_resource' must be >= 1");
  }
  if (!rungs.empty()) {
    for (size_t i = 0; i < rungs.size(); ++i) {
      if (rungs[i] < 0 || (i > 0 && rungs[i] <= rungs[i - 1])) {
        throw InvalidArgument(prefix + "option 'rungs' must be strictly increasing steps >= 0");
      }
    }
    if (max_resource && rungs.back() > *max_resource) {
      throw InvalidArgument(prefix + "option 'rungs' must not exceed max_resource (" +
                            std::to_string(*max_resource) + ")");
    }
    return;
  }
  if (max_resource_auto) return;  // the ladder is known once a trial completes
  if (!max_resource) {
    throw InvalidArgument(prefix + "option 'max_resource' is required unless 'rungs' are given");
  }
  const int64_t first =
      SaturatingPow(reduction_factor, min_early_stopping_rate) >
              std::numeric_limits<int64_t>::max() / min_resource
          ? std::numeric_limits<int64_t>::max()
          : min_resource * SaturatingPow(reduction_factor, min_early_stopping_rate);
  if (first >= *max_resource) {
    throw InvalidArgument(prefix + "option 'max_resource' must exceed min_resource * " +
                          "reduction_factor^min_early_stopping_rate (" + std::to_string(first) +
                          "): else there is no rung to decide at");
  }
}

std::vector<int64_t> SuccessiveHalvingPrunerOptions::DecisionRungs() const {
  if (!rungs.empty()) return rungs;
  if (!max_resource) return {};
  std::vector<int64_t> ladder;
  int64_t r = min_resource;
  for (int64_t i = 0; i < min_early_stopping_rate && r < *max_resource; ++i) r *= reduction_factor;
  while (r < *max_resource) {
    ladder.push_back(r);
    if (r > *max_resource / reduction_factor) break;  // the next rung is past max_resource
    r *= reduction_factor;
  }
  return ladder;
}

std::optional<int64_t> AutoMaxResource(const std::vector<FrozenTrial>& trials) {
  const FrozenTrial* first = nullptr;
  for (const FrozenTrial& t : trials) {
    if (t.state != TrialState::kComplete || t.intermediate.empty()) continue;
    if (!first || t.finish_seq < first->finish_seq) first = &t;
  }
  if (!first) return std::nullopt;
  return first->intermediate.rbegin()->first;
}

std::optional<double> RungValue(const FrozenTrial& trial, int64_t rung) {
  const auto it = trial.intermediate.lower_bound(rung);
  if (it == trial.intermediate.end()) return std::nullopt;
  return it->second.at(0);
}

bool AshaKeeps(const std::vector<double>& point, std::vector<std::vector<double>> others,
               int64_t reduction_factor) {
  if (HasNaN(point)) return false;
  others.erase(std::remove_if(others.begin(), others.end(), HasNaN), others.end());
  const auto n = static_cast<int64_t>(others.size()) + 1;
  const int64_t keep = std::max<int64_t>(1, n / reduction_factor);
  others.push_back(point);
  return CountRankedAhead(others, others.size() - 1) < keep;
}

bool AshaKeeps(double value, const std::vector<double>& others, int64_t reduction_factor,
               Direction direction) {
  const double sign = direction == Direction::kMaximize ? -1 : 1;
  std::vector<std::vector<double>> other_points;
  other_points.reserve(others.size());
  for (double o : others) other_points.push_back({sign * o});
  return AshaKeeps({sign * value}, std::move(other_points), reduction_factor);
}

bool AshaPrunes(const std::vector<FrozenTrial>& trials, const FrozenTrial& trial,
                const std::vector<int64_t>& rungs, int64_t reduction_factor,
                const std::vector<Direction>& directions) {
  if (trial.intermediate.empty()) return false;
  const int64_t last = trial.intermediate.rbegin()->first;
  const int64_t previous = PreviousStep(trial);
  for (int64_t rung : rungs) {
    // Only rungs this report crossed: earlier decisions stand.
    if (rung <= previous || rung > last) continue;
    const std::vector<double> point = *RungPoint(trial, rung, directions);
    std::vector<std::vector<double>> others;
    for (const FrozenTrial& other : trials) {
      if (other.number == trial.number) continue;
      if (auto p = RungPoint(other, rung, directions)) others.push_back(std::move(*p));
    }
    if (!AshaKeeps(point, std::move(others), reduction_factor)) return true;
  }
  return false;
}

SuccessiveHalvingPruner::SuccessiveHalvingPruner(SuccessiveHalvingPrunerOptions options,
                                                 const std::vector<Direction>& directions)
    : options_(std::move(options)) {
  if (directions.empty()) throw InvalidArgument(std::string(kPrefix) + "needs an objective");
  options_.Validate();
  rungs_ = options_.DecisionRungs();
}

bool SuccessiveHalvingPruner::Prune(const Study& study, const FrozenTrial& trial) const {
  std::vector<FrozenTrial> trials =
      study.Trials({TrialState::kRunning, TrialState::kComplete, TrialState::kPruned});
  const std::vector<Direction>& directions = study.directions();
  std::vector<int64_t> rungs = rungs_;
  if (options_.max_resource_auto && options_.rungs.empty()) {
    SuccessiveHalvingPrunerOptions known = options_;
    known.max_resource = AutoMaxResource(trials);
    if (!known.max_resource) return false;  // no trial has completed yet
    rungs = known.DecisionRungs();
  }
  if (options_.mode == HalvingMode::kAsync) {
    return AshaPrunes(trials, trial, rungs, options_.reduction_factor, directions);
  }
  // Rung k of K decides over cohorts of eta^(K - k) and keeps eta^(K - k - 1) of each.
  const int64_t eta = options_.reduction_factor;
  const auto k_rungs = static_cast<int64_t>(rungs.size());
  std::vector<int64_t> cohort_sizes, keeps;
  for (int64_t k = 0; k < k_rungs; ++k) {
    cohort_sizes.push_back(SaturatingPow(eta, k_rungs - k));
    keeps.push_back(cohort_sizes.back() / eta);
  }
  return SyncHalvingPrunes(std::move(trials), trial, rungs, cohort_sizes, keeps, directions);
}

bool SyncHalvingPrunes(std::vector<FrozenTrial> trials, const FrozenTrial& trial,
                       const std::vector<int64_t>& rungs, const std::vector<int64_t>& cohort_sizes,
                       const std::vector<int64_t>& keeps,
                       const std::vector<Direction>& directions) {
  // The caller's record may hold reports the storage has not shown yet: it replaces the stored one.
  trials.erase(std::remove_if(trials.begin(), trials.end(),
                              [&](const FrozenTrial& t) { return t.number == trial.number; }),
               trials.end());
  trials.push_back(trial);
  std::sort(trials.begin(), trials.end(),
            [](const FrozenTrial& a, const FrozenTrial& b) { return a.number < b.number; });
  // The trials that count at the current rung, in number order: at rung 0 all of them, at rung
  // k those kept at rung k - 1.
  std::vector<const FrozenTrial*> eligible;
  eligible.reserve(trials.size());
  for (const FrozenTrial& t : trials) eligible.push_back(&t);
  for (size_t k = 0; k < rungs.size(); ++k) {
    const auto cohort_size = static_cast<size_t>(cohort_sizes[k]);
    const int64_t keep = keeps[k];
    std::vector<const FrozenTrial*> members;
    std::vector<std::vector<double>> points;
    for (const FrozenTrial* t : eligible) {
      if (auto p = RungPoint(*t, rungs[k], directions)) {
        members.push_back(t);
        points.push_back(std::move(*p));
      }
    }
    // Each member's fate in its cohort: pruned, kept (its full cohort ranks fewer than keep
    // ahead of it) or undecided.
    std::vector<const FrozenTrial*> kept;
    for (size_t begin = 0; begin < members.size(); begin += cohort_size) {
      const size_t end = std::min(members.size(), begin + cohort_size);
      const bool full = end - begin == cohort_size;
      // The cohort's points without NaN; a member with a NaN is pruned.
      std::vector<std::vector<double>> cohort;
      std::vector<size_t> index_in_cohort(end - begin, SIZE_MAX);
      for (size_t i = begin; i < end; ++i) {
        if (HasNaN(points[i])) continue;
        index_in_cohort[i - begin] = cohort.size();
        cohort.push_back(points[i]);
      }
      for (size_t i = begin; i < end; ++i) {
        const size_t c = index_in_cohort[i - begin];
        const bool pruned = c == SIZE_MAX || (full ? CountRankedAhead(cohort, c)
                                                   : CountDominating(cohort, c)) >= keep;
        const bool is_trial = members[i]->number == trial.number;
        if (is_trial && pruned) return true;
        if (is_trial && !full) return false;  // undecided: it runs on
        if (!pruned && full) kept.push_back(members[i]);
      }
    }
    const bool trial_kept = std::any_of(
        kept.begin(), kept.end(), [&](const FrozenTrial* t) { return t->number == trial.number; });
    if (!trial_kept) return false;  // it has not reached this rung
    eligible = std::move(kept);
  }
  return false;
}

}  // namespace automl
