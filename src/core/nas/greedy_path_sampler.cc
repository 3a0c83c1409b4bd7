#include "automl/nas/greedy_path_sampler.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "core/nas/json_fields.h"

namespace automl::nas {
namespace {

constexpr char kWhere[] = "greedy-path-sampler";

std::string Field(const char* name) { return std::string(kWhere) + ": " + name; }

void CheckUnit(double value, const char* name) {
  if (!(value >= 0 && value <= 1)) {
    throw InvalidArgument(Field(name) + ": must lie in [0, 1], not " + internal::NumberText(value));
  }
}

// Ranks a loss for selection: non-finite losses (diverged evaluations) after every finite one.
double RankKey(double loss) {
  return std::isfinite(loss) ? loss : std::numeric_limits<double>::infinity();
}

}  // namespace

GreedyPathSamplerOptions GreedyPathSamplerOptions::FromJson(const Json& json) {
  internal::CheckObject(
      json, {"num_sampled", "num_kept", "pool_size", "epsilon_max", "stop_turnover"}, kWhere);
  GreedyPathSamplerOptions o;
  internal::ReadOptional(json, "num_sampled", kWhere, &o.num_sampled);
  internal::ReadOptional(json, "num_kept", kWhere, &o.num_kept);
  internal::ReadOptional(json, "pool_size", kWhere, &o.pool_size);
  internal::ReadOptional(json, "epsilon_max", kWhere, &o.epsilon_max);
  internal::ReadOptional(json, "stop_turnover", kWhere, &o.stop_turnover);
  o.Validate();
  return o;
}

Json GreedyPathSamplerOptions::ToJson() const {
  return Json{{"num_sampled", num_sampled},
              {"num_kept", num_kept},
              {"pool_size", pool_size},
              {"epsilon_max", epsilon_max},
              {"stop_turnover", stop_turnover}};
}

void GreedyPathSamplerOptions::Validate() const {
  if (num_sampled < 1) {
    throw InvalidArgument(Field("num_sampled") + ": must be >= 1, not " +
                          std::to_string(num_sampled));
  }
  if (num_kept < 1 || num_kept > num_sampled) {
    throw InvalidArgument(Field("num_kept") + ": must lie in 1..num_sampled (" +
                          std::to_string(num_sampled) + "), not " + std::to_string(num_kept));
  }
  if (pool_size < 1) {
    throw InvalidArgument(Field("pool_size") + ": must be >= 1, not " + std::to_string(pool_size));
  }
  CheckUnit(epsilon_max, "epsilon_max");
  CheckUnit(stop_turnover, "stop_turnover");
}

GreedyPathSampler::GreedyPathSampler(std::vector<int64_t> choices, GreedyPathSamplerOptions options)
    : choices_(std::move(choices)), options_(options) {
  ValidateChoices(choices_, kWhere);
  options_.Validate();
}

double GreedyPathSampler::Epsilon(int64_t step, int64_t total_steps) const {
  if (total_steps < 1 || step < 0 || step > total_steps) {
    throw InvalidArgument(std::string(kWhere) + ": step " + std::to_string(step) + " of " +
                          std::to_string(total_steps) +
                          ": need total_steps >= 1 and 0 <= step <= total_steps");
  }
  return options_.epsilon_max * static_cast<double>(step) / static_cast<double>(total_steps);
}

std::vector<Path> GreedyPathSampler::Propose(Rng& rng, int64_t step, int64_t total_steps) {
  const double epsilon = Epsilon(step, total_steps);
  std::vector<Path> proposed;
  proposed.reserve(static_cast<size_t>(options_.num_sampled));
  for (int64_t i = 0; i < options_.num_sampled; ++i) {
    if (!pool_.empty() && rng.Bernoulli(epsilon)) {
      proposed.push_back(pool_[rng.Below(pool_.size())].first);
      ++pool_draws_;
    } else {
      proposed.push_back(UniformPath(choices_, rng));
    }
  }
  proposals_ += options_.num_sampled;
  return proposed;
}

std::vector<Path> GreedyPathSampler::Select(const std::vector<Path>& proposed,
                                            const std::vector<double>& losses) {
  if (proposed.empty()) throw InvalidArgument(std::string(kWhere) + ": Select: no paths given");
  if (losses.size() != proposed.size()) {
    throw InvalidArgument(std::string(kWhere) + ": Select: " + std::to_string(losses.size()) +
                          " losses for " + std::to_string(proposed.size()) + " paths");
  }
  for (size_t i = 0; i < proposed.size(); ++i) {
    CheckPath(proposed[i], choices_, std::string(kWhere) + ": Select: path " + std::to_string(i));
  }
  std::vector<size_t> order(proposed.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&losses](size_t a, size_t b) {
    return RankKey(losses[a]) < RankKey(losses[b]);
  });
  const size_t kept = std::min(order.size(), static_cast<size_t>(options_.num_kept));
  std::vector<Path> selected;
  selected.reserve(kept);
  for (size_t r = 0; r < kept; ++r) {
    selected.push_back(proposed[order[r]]);
    Offer(proposed[order[r]], losses[order[r]]);
  }
  return selected;
}

void GreedyPathSampler::Offer(const Path& path, double loss) {
  if (!std::isfinite(loss)) return;
  const auto by_loss = [](double l, const ScoredPath& entry) { return l < entry.second; };
  const auto known = std::find_if(pool_.begin(), pool_.end(),
                                  [&path](const ScoredPath& entry) { return entry.first == path; });
  if (known != pool_.end()) {
    pool_.erase(known);
  } else if (static_cast<int64_t>(pool_.size()) == options_.pool_size) {
    if (!(loss < pool_.back().second)) return;  // not better than the worst: the pool keeps it
    pool_.pop_back();
  }
  // After every equal loss: among equals, earlier arrivals rank first.
  pool_.insert(std::upper_bound(pool_.begin(), pool_.end(), loss, by_loss), ScoredPath{path, loss});
}

double GreedyPathSampler::EndEpoch() {
  std::set<Path> now;
  int64_t entered = 0;
  for (const auto& entry : pool_) {
    if (epoch_start_.count(entry.first) == 0) ++entered;
    now.insert(entry.first);
  }
  const double fraction = static_cast<double>(entered) / static_cast<double>(options_.pool_size);
  turnover_.push_back(fraction);
  epoch_start_ = std::move(now);
  return fraction;
}

bool GreedyPathSampler::ShouldStop() const {
  return !turnover_.empty() && turnover_.back() < options_.stop_turnover;
}

Json GreedyPathSampler::State() const {
  Json epoch_start = Json::array();
  for (const Path& path : epoch_start_) epoch_start.push_back(PathToJson(path));
  return Json{{"choices", choices_},
              {"pool", ScoredPathsToJson(pool_)},
              {"epoch_start", std::move(epoch_start)},
              {"turnover", turnover_},
              {"proposals", proposals_},
              {"pool_draws", pool_draws_}};
}

void GreedyPathSampler::LoadState(const Json& state) {
  const std::string where = std::string(kWhere) + " state";
  internal::CheckObject(
      state, {"choices", "pool", "epoch_start", "turnover", "proposals", "pool_draws"}, where);
  internal::CheckSameChoices(state, choices_, where);

  std::vector<ScoredPath> pool =
      ScoredPathsFromJson(internal::Required(state, "pool", where), choices_, where + ": pool");
  if (static_cast<int64_t>(pool.size()) > options_.pool_size) {
    throw InvalidArgument(where + ": pool: " + std::to_string(pool.size()) +
                          " paths, more than pool_size " + std::to_string(options_.pool_size));
  }
  std::set<Path> distinct;
  for (size_t i = 0; i < pool.size(); ++i) {
    if (!distinct.insert(pool[i].first).second) {
      throw InvalidArgument(where + ": pool[" + std::to_string(i) +
                            "]: " + PathText(pool[i].first) + " is in the pool twice");
    }
    if (i > 0 && pool[i].second < pool[i - 1].second) {
      throw InvalidArgument(where + ": pool[" + std::to_string(i) +
                            "]: the pool must be in ascending loss");
    }
  }

  const Json& start_json = internal::Required(state, "epoch_start", where);
  if (!start_json.is_array())
    throw InvalidArgument(where + ": epoch_start: must be a list of paths");
  std::set<Path> epoch_start;
  for (size_t i = 0; i < start_json.size(); ++i) {
    epoch_start.insert(
        PathFromJson(start_json[i], choices_, where + ": epoch_start[" + std::to_string(i) + "]"));
  }

  const Json& turnover_json = internal::Required(state, "turnover", where);
  if (!turnover_json.is_array()) throw InvalidArgument(where + ": turnover: must be a list");
  std::vector<double> turnover;
  for (size_t i = 0; i < turnover_json.size(); ++i) {
    const std::string at = where + ": turnover[" + std::to_string(i) + "]";
    const double value = internal::NumberValue(turnover_json[i], at);
    if (value < 0 || value > 1) throw InvalidArgument(at + ": must lie in [0, 1]");
    turnover.push_back(value);
  }

  const int64_t proposals =
      internal::IntValue(internal::Required(state, "proposals", where), where + ": proposals");
  const int64_t pool_draws =
      internal::IntValue(internal::Required(state, "pool_draws", where), where + ": pool_draws");
  if (proposals < 0 || pool_draws < 0 || pool_draws > proposals) {
    throw InvalidArgument(where + ": need 0 <= pool_draws <= proposals, not " +
                          std::to_string(pool_draws) + " of " + std::to_string(proposals));
  }

  pool_ = std::move(pool);
  epoch_start_ = std::move(epoch_start);
  turnover_ = std::move(turnover);
  proposals_ = proposals;
  pool_draws_ = pool_draws;
}

}  // namespace automl::nas
