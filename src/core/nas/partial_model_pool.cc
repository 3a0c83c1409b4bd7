#include "automl/nas/partial_model_pool.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "core/nas/json_fields.h"

namespace automl::nas {
namespace {

constexpr char kWhere[] = "partial-model-pool";

void CheckAtLeastOne(int64_t value, const char* name) {
  if (value < 1) {
    throw InvalidArgument(std::string(kWhere) + ": " + name + ": must be >= 1, not " +
                          std::to_string(value));
  }
}

}  // namespace

PartialModelPoolOptions PartialModelPoolOptions::FromJson(const Json& json) {
  internal::CheckObject(json, {"pool_size", "completions", "direction", "max_tries"}, kWhere);
  PartialModelPoolOptions o;
  internal::ReadOptional(json, "pool_size", kWhere, &o.pool_size);
  internal::ReadOptional(json, "completions", kWhere, &o.completions);
  internal::ReadOptional(json, "direction", kWhere, &o.direction);
  internal::ReadOptional(json, "max_tries", kWhere, &o.max_tries);
  o.Validate();
  return o;
}

Json PartialModelPoolOptions::ToJson() const {
  return Json{{"pool_size", pool_size},
              {"completions", completions},
              {"direction", DirectionName(direction)},
              {"max_tries", max_tries}};
}

void PartialModelPoolOptions::Validate() const {
  CheckAtLeastOne(pool_size, "pool_size");
  CheckAtLeastOne(completions, "completions");
  CheckAtLeastOne(max_tries, "max_tries");
  if (direction != Direction::kMinimize && direction != Direction::kMaximize) {
    throw InvalidArgument(std::string(kWhere) + ": direction: must be minimize or maximize");
  }
}

PartialModelPool::PartialModelPool(std::vector<int64_t> choices, PartialModelPoolOptions options,
                                   PathPredicate feasible)
    : choices_(std::move(choices)), options_(options), feasible_(std::move(feasible)) {
  ValidateChoices(choices_, kWhere);
  options_.Validate();
}

std::vector<Path> PartialModelPool::Candidates() const {
  std::vector<Path> candidates;
  if (done()) return candidates;
  const int64_t next = choices_[static_cast<size_t>(depth_)];
  if (depth_ == 0) {
    for (int64_t c = 0; c < next; ++c) candidates.push_back({c});
    return candidates;
  }
  candidates.reserve(pool_.size() * static_cast<size_t>(next));
  for (const auto& entry : pool_) {
    for (int64_t c = 0; c < next; ++c) {
      Path candidate = entry.first;
      candidate.push_back(c);
      candidates.push_back(std::move(candidate));
    }
  }
  return candidates;
}

Path PartialModelPool::SamplePath(Rng& rng) const {
  Path path;
  for (int64_t tries = 0; tries < options_.max_tries; ++tries) {
    const Path prefix = pool_.empty() ? Path{} : pool_[rng.Below(pool_.size())].first;
    path = CompleteUniformly(prefix, choices_, rng);
    if (Allowed(path)) break;
  }
  return path;
}

std::optional<Path> PartialModelPool::Complete(const Path& prefix, Rng& rng) const {
  CheckPath(prefix, choices_, std::string(kWhere) + ": Complete", /*whole=*/false);
  for (int64_t tries = 0; tries < options_.max_tries; ++tries) {
    Path path = CompleteUniformly(prefix, choices_, rng);
    if (Allowed(path)) return path;
  }
  return std::nullopt;
}

std::vector<double> PartialModelPool::ScoreCandidates(
    Rng& rng, const std::function<double(const Path&)>& metric) const {
  std::vector<double> scores;
  for (const Path& candidate : Candidates()) {
    double sum = 0;
    int64_t count = 0;
    for (int64_t i = 0; i < options_.completions; ++i) {
      const std::optional<Path> path = Complete(candidate, rng);
      if (!path) break;  // max_tries found none: further tries are unlikely to do better
      sum += metric(*path);
      ++count;
    }
    scores.push_back(count > 0 ? sum / static_cast<double>(count)
                               : std::numeric_limits<double>::quiet_NaN());
  }
  return scores;
}

void PartialModelPool::Grow(const std::vector<double>& candidate_scores) {
  if (done()) {
    throw FailedPrecondition(std::string(kWhere) + ": Grow: all " + std::to_string(layers()) +
                             " layers are fixed already");
  }
  std::vector<Path> candidates = Candidates();
  if (candidate_scores.size() != candidates.size()) {
    throw InvalidArgument(std::string(kWhere) +
                          ": Grow: " + std::to_string(candidate_scores.size()) + " scores for " +
                          std::to_string(candidates.size()) + " candidates");
  }
  std::vector<size_t> order;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (std::isfinite(candidate_scores[i])) order.push_back(i);
  }
  if (order.empty()) {
    throw InvalidArgument(std::string(kWhere) + ": Grow: no candidate of layer " +
                          std::to_string(depth_) +
                          " has a finite score (no allowed completion under the constraint?)");
  }
  const Direction direction = options_.direction;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return Better(direction, candidate_scores[a], candidate_scores[b]);
  });
  order.resize(std::min(order.size(), static_cast<size_t>(options_.pool_size)));
  std::vector<ScoredPath> pool;
  pool.reserve(order.size());
  for (size_t i : order) pool.emplace_back(std::move(candidates[i]), candidate_scores[i]);
  pool_ = std::move(pool);
  ++depth_;
}

Json PartialModelPool::State() const {
  return Json{{"choices", choices_}, {"depth", depth_}, {"pool", ScoredPathsToJson(pool_)}};
}

void PartialModelPool::LoadState(const Json& state) {
  const std::string where = std::string(kWhere) + " state";
  internal::CheckObject(state, {"choices", "depth", "pool"}, where);
  internal::CheckSameChoices(state, choices_, where);
  const int64_t depth =
      internal::IntValue(internal::Required(state, "depth", where), where + ": depth");
  if (depth < 0 || depth > layers()) {
    throw InvalidArgument(where + ": depth: must lie in 0.." + std::to_string(layers()) + ", not " +
                          std::to_string(depth));
  }
  std::vector<ScoredPath> pool = ScoredPathsFromJson(internal::Required(state, "pool", where),
                                                     choices_, where + ": pool", /*whole=*/false);
  if ((depth == 0) != pool.empty() || static_cast<int64_t>(pool.size()) > options_.pool_size) {
    throw InvalidArgument(where + ": pool: " + std::to_string(pool.size()) + " prefixes at depth " +
                          std::to_string(depth) + "; need none at depth 0, else 1.." +
                          std::to_string(options_.pool_size));
  }
  std::set<Path> distinct;
  for (size_t i = 0; i < pool.size(); ++i) {
    const std::string at = where + ": pool[" + std::to_string(i) + "]";
    if (static_cast<int64_t>(pool[i].first.size()) != depth) {
      throw InvalidArgument(at + ": " + PathText(pool[i].first) + " is not a prefix of length " +
                            std::to_string(depth));
    }
    if (!distinct.insert(pool[i].first).second) throw InvalidArgument(at + ": a repeated prefix");
    if (i > 0 && Better(options_.direction, pool[i].second, pool[i - 1].second)) {
      throw InvalidArgument(at + ": the pool must be best first (" +
                            DirectionName(options_.direction) + ")");
    }
  }
  depth_ = depth;
  pool_ = std::move(pool);
}

}  // namespace automl::nas
