#include "automl/pruners/hyperband_pruner.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "automl/error.h"
#include "automl/pruners/successive_halving_pruner.h"
#include "automl/random.h"
#include "automl/study.h"

namespace automl {
namespace {

constexpr char kPrefix[] = "pruner 'hyperband': ";

uint64_t BracketStream() { return HashName("hyperband bracket"); }

}  // namespace

HyperbandPrunerOptions HyperbandPrunerOptions::FromComponentOptions(
    const ComponentOptions& options) {
  HyperbandPrunerOptions o;
  o.min_resource = options.Int("min_resource", o.min_resource, 1);
  const std::optional<int64_t> max_resource = ReadMaxResource(options, &o.max_resource_auto);
  if (!max_resource && !o.max_resource_auto) {
    throw InvalidArgument(options.Describe("max_resource") +
                          " is required (a trial's full resource, R)");
  }
  o.max_resource = max_resource.value_or(0);
  o.reduction_factor = options.Int("reduction_factor", o.reduction_factor, 2);
  o.mode = ReadHalvingMode(options);
  o.Validate();
  return o;
}

void HyperbandPrunerOptions::Validate() const {
  const std::string prefix = kPrefix;
  if (reduction_factor < 2) {
    throw InvalidArgument(prefix + "option 'reduction_factor' must be >= 2");
  }
  if (min_resource < 1) throw InvalidArgument(prefix + "option 'min_resource' must be >= 1");
  if (max_resource_auto) return;
  if (max_resource / reduction_factor < min_resource) {
    throw InvalidArgument(prefix +
                          "option 'max_resource' must be at least min_resource * "
                          "reduction_factor (" +
                          std::to_string(min_resource) + " * " + std::to_string(reduction_factor) +
                          "): else there is nothing to halve");
  }
}

std::vector<HyperbandBracket> HyperbandBrackets(int64_t min_resource, int64_t max_resource,
                                                int64_t reduction_factor) {
  HyperbandPrunerOptions options;
  options.min_resource = min_resource;
  options.max_resource = max_resource;
  options.reduction_factor = reduction_factor;
  options.Validate();
  const int64_t eta = reduction_factor;
  // s_max = floor(log_eta(R / r_min)) in integers: the largest s with r_min eta^s <= R.
  int64_t s_max = 0;
  for (int64_t r = min_resource; r <= max_resource / eta; r *= eta) ++s_max;
  // eta^s_max (s_max + 1) bounds every n; beyond 2^53 no study would fill a bracket.
  const double largest = std::pow(static_cast<double>(eta), static_cast<double>(s_max)) *
                         static_cast<double>(s_max + 1);
  if (largest > 9007199254740992.0) {
    throw InvalidArgument(std::string(kPrefix) +
                          "max_resource / min_resource is too large for reduction_factor " +
                          std::to_string(eta) + ": the first bracket would start over 2^53 trials");
  }
  std::vector<HyperbandBracket> brackets;
  for (int64_t s = s_max; s >= 0; --s) {
    HyperbandBracket b;
    b.s = s;
    int64_t eta_s = 1;
    for (int64_t i = 0; i < s; ++i) eta_s *= eta;
    // n = ceil((s_max + 1) eta^s / (s + 1)), exactly.
    const int64_t n = ((s_max + 1) * eta_s + s) / (s + 1);
    int64_t divisor = 1;              // eta^i
    int64_t resource = min_resource;  // r_min eta^(s_max - s + i)
    for (int64_t i = 0; i < s_max - s; ++i) resource *= eta;
    for (int64_t i = 0; i <= s; ++i) {
      b.n.push_back(n / divisor);
      // The last round is the full run, max_resource even when R / r_min is not a power of eta.
      b.r.push_back(i == s ? max_resource : resource);
      divisor *= eta;
      resource *= eta;
    }
    brackets.push_back(std::move(b));
  }
  return brackets;
}

HyperbandPruner::HyperbandPruner(HyperbandPrunerOptions options,
                                 const std::vector<Direction>& directions)
    : options_(options) {
  if (directions.empty()) throw InvalidArgument(std::string(kPrefix) + "needs an objective");
  options_.Validate();
  if (!options_.max_resource_auto) {
    brackets_ =
        HyperbandBrackets(options_.min_resource, options_.max_resource, options_.reduction_factor);
  }
}

namespace {

// The index into |brackets| of trial |number|: a hash of (seed, number) modulo the sum of the
// brackets' n[0], so that bracket s gets a share of trials proportional to its n.
size_t IndexIn(const std::vector<HyperbandBracket>& brackets, uint64_t study_seed, int64_t number) {
  if (brackets.empty()) throw InvalidArgument(std::string(kPrefix) + "has no brackets");
  int64_t total = 0;
  for (const HyperbandBracket& b : brackets) total += b.n[0];
  total = std::max<int64_t>(total, 1);  // every bracket starts at least one trial
  int64_t h =
      static_cast<int64_t>(DeriveSeed(study_seed, static_cast<uint64_t>(number), BracketStream()) %
                           static_cast<uint64_t>(total));
  for (size_t i = 0; i < brackets.size(); ++i) {
    h -= brackets[i].n[0];
    if (h < 0) return i;
  }
  return brackets.size() - 1;  // unreachable: h < total
}

}  // namespace

size_t HyperbandPruner::BracketIndex(uint64_t study_seed, int64_t number) const {
  if (brackets_.empty()) {
    throw InvalidArgument(std::string(kPrefix) +
                          "brackets are not known while max_resource is auto");
  }
  return IndexIn(brackets_, study_seed, number);
}

bool HyperbandPruner::Prune(const Study& study, const FrozenTrial& trial) const {
  std::vector<FrozenTrial> trials =
      study.Trials({TrialState::kRunning, TrialState::kComplete, TrialState::kPruned});
  if (!options_.max_resource_auto) return PrunesIn(study, trial, std::move(trials), brackets_);
  const std::optional<int64_t> max_resource = AutoMaxResource(trials);
  // Nothing to prune before a trial completes, nor when its resource leaves nothing to halve.
  if (!max_resource || *max_resource / options_.reduction_factor < options_.min_resource) {
    return false;
  }
  const std::vector<HyperbandBracket> brackets =
      HyperbandBrackets(options_.min_resource, *max_resource, options_.reduction_factor);
  return PrunesIn(study, trial, std::move(trials), brackets);
}

bool HyperbandPruner::PrunesIn(const Study& study, const FrozenTrial& trial,
                               std::vector<FrozenTrial> trials,
                               const std::vector<HyperbandBracket>& brackets) const {
  const size_t bracket = IndexIn(brackets, study.seed(), trial.number);
  const HyperbandBracket& b = brackets[bracket];
  // The decision rungs r_0 .. r_{s-1}; at r_s = max_resource the trial is done.
  const std::vector<int64_t> rungs(b.r.begin(), b.r.end() - 1);
  if (rungs.empty()) return false;
  trials.erase(std::remove_if(trials.begin(), trials.end(),
                              [&](const FrozenTrial& t) {
                                return IndexIn(brackets, study.seed(), t.number) != bracket;
                              }),
               trials.end());
  if (options_.mode == HalvingMode::kAsync) {
    return AshaPrunes(trials, trial, rungs, options_.reduction_factor, study.directions());
  }
  // Round i of the bracket: cohorts of n_i keep n_{i+1}.
  const std::vector<int64_t> cohort_sizes(b.n.begin(), b.n.end() - 1);
  const std::vector<int64_t> keeps(b.n.begin() + 1, b.n.end());
  return SyncHalvingPrunes(std::move(trials), trial, rungs, cohort_sizes, keeps,
                           study.directions());
}

}  // namespace automl
