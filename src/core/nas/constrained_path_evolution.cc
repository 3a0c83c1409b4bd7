#include "automl/nas/constrained_path_evolution.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "core/nas/json_fields.h"

namespace automl::nas {
namespace {

constexpr char kWhere[] = "path-evolution";

void CheckAtLeast(int64_t value, int64_t min, const char* name) {
  if (value < min) {
    throw InvalidArgument(std::string(kWhere) + ": " + name +
                          ": must be >= " + std::to_string(min) + ", not " + std::to_string(value));
  }
}

}  // namespace

ConstrainedPathEvolutionOptions ConstrainedPathEvolutionOptions::FromJson(const Json& json) {
  internal::CheckObject(json,
                        {"population", "top_k", "iterations", "mutation_prob", "num_mutations",
                         "num_crossovers", "fill_random", "max_tries_factor"},
                        kWhere);
  ConstrainedPathEvolutionOptions o;
  internal::ReadOptional(json, "population", kWhere, &o.population);
  internal::ReadOptional(json, "top_k", kWhere, &o.top_k);
  internal::ReadOptional(json, "iterations", kWhere, &o.iterations);
  internal::ReadOptional(json, "mutation_prob", kWhere, &o.mutation_prob);
  internal::ReadOptional(json, "num_mutations", kWhere, &o.num_mutations);
  internal::ReadOptional(json, "num_crossovers", kWhere, &o.num_crossovers);
  internal::ReadOptional(json, "fill_random", kWhere, &o.fill_random);
  internal::ReadOptional(json, "max_tries_factor", kWhere, &o.max_tries_factor);
  o.Validate();
  return o;
}

Json ConstrainedPathEvolutionOptions::ToJson() const {
  return Json{{"population", population},       {"top_k", top_k},
              {"iterations", iterations},       {"mutation_prob", mutation_prob},
              {"num_mutations", num_mutations}, {"num_crossovers", num_crossovers},
              {"fill_random", fill_random},     {"max_tries_factor", max_tries_factor}};
}

void ConstrainedPathEvolutionOptions::Validate() const {
  CheckAtLeast(population, 1, "population");
  CheckAtLeast(top_k, 1, "top_k");
  CheckAtLeast(iterations, 1, "iterations");
  if (!(mutation_prob >= 0 && mutation_prob <= 1)) {
    throw InvalidArgument(std::string(kWhere) + ": mutation_prob: must lie in [0, 1], not " +
                          internal::NumberText(mutation_prob));
  }
  CheckAtLeast(num_mutations, 0, "num_mutations");
  CheckAtLeast(num_crossovers, 0, "num_crossovers");
  CheckAtLeast(max_tries_factor, 1, "max_tries_factor");
  // Without mutation, crossover or top-up, generations after the first would be empty.
  if (num_mutations + num_crossovers == 0 && !fill_random) {
    throw InvalidArgument(std::string(kWhere) +
                          ": num_mutations, num_crossovers, fill_random: at least one must "
                          "produce candidates");
  }
}

ConstrainedPathEvolution::ConstrainedPathEvolution(std::vector<int64_t> choices,
                                                   ConstrainedPathEvolutionOptions options,
                                                   PathPredicate feasible, std::vector<Path> seeds)
    : choices_(std::move(choices)),
      options_(options),
      feasible_(std::move(feasible)),
      seeds_(std::move(seeds)) {
  ValidateChoices(choices_, kWhere);
  options_.Validate();
  for (size_t i = 0; i < seeds_.size(); ++i) {
    CheckPath(seeds_[i], choices_, std::string(kWhere) + ": seeds[" + std::to_string(i) + "]");
  }
}

bool ConstrainedPathEvolution::done() const {
  return exhausted_ || generation_ >= options_.iterations;
}

bool ConstrainedPathEvolution::Allowed(const Path& path) {
  if (!feasible_) return true;
  const auto cached = allowed_cache_.find(path);
  if (cached != allowed_cache_.end()) return cached->second;
  const bool allowed = feasible_(path);
  allowed_cache_.emplace(path, allowed);
  return allowed;
}

bool ConstrainedPathEvolution::Accept(const Path& path) {
  if (seen_.count(path) > 0 || !Allowed(path)) return false;
  seen_.insert(path);
  pending_.push_back(path);
  return true;
}

template <typename Draw>
void ConstrainedPathEvolution::Collect(int64_t wanted, Draw draw) {
  if (wanted <= 0) return;
  int64_t found = 0;
  for (int64_t tries = wanted * options_.max_tries_factor; tries > 0 && found < wanted; --tries) {
    if (Accept(draw())) ++found;
  }
}

std::vector<Path> ConstrainedPathEvolution::NextGeneration(Rng& rng) {
  if (!pending_.empty()) {
    throw FailedPrecondition(std::string(kWhere) + ": NextGeneration: generation " +
                             std::to_string(generation_) + " is still pending; Tell its " +
                             std::to_string(pending_.size()) + " scores first");
  }
  if (done()) return {};
  const auto uniform = [&] { return UniformPath(choices_, rng); };
  if (generation_ == 0) {
    for (const Path& seed : seeds_) {
      if (static_cast<int64_t>(pending_.size()) == options_.population) break;
      Accept(seed);
    }
    const int64_t wanted = options_.population - static_cast<int64_t>(pending_.size());
    Collect(wanted, uniform);
    if (pending_.empty()) {
      throw InvalidArgument(std::string(kWhere) + ": no allowed path among " +
                            std::to_string(seeds_.size()) + " seeds and " +
                            std::to_string(wanted * options_.max_tries_factor) +
                            " uniform draws; the constraint excludes (nearly) the whole space");
    }
    return pending_;
  }

  const std::vector<ScoredPath> top = TopK();
  const auto parent = [&]() -> const Path& { return top[rng.Below(top.size())].first; };
  Collect(options_.num_mutations, [&] {
    Path child = parent();
    for (size_t i = 0; i < child.size(); ++i) {
      if (rng.Bernoulli(options_.mutation_prob)) {
        child[i] = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(choices_[i])));
      }
    }
    return child;
  });
  Collect(options_.num_crossovers, [&] {
    const Path& a = parent();
    const Path& b = parent();
    Path child(a.size());
    for (size_t i = 0; i < child.size(); ++i) child[i] = rng.Bernoulli(0.5) ? a[i] : b[i];
    return child;
  });
  if (options_.fill_random) {
    Collect(options_.population - static_cast<int64_t>(pending_.size()), uniform);
  }
  if (pending_.empty()) exhausted_ = true;
  return pending_;
}

void ConstrainedPathEvolution::Tell(const std::vector<double>& scores) {
  if (pending_.empty()) {
    throw FailedPrecondition(std::string(kWhere) + ": Tell: no generation is pending");
  }
  if (scores.size() != pending_.size()) {
    throw InvalidArgument(std::string(kWhere) + ": Tell: " + std::to_string(scores.size()) +
                          " scores for " + std::to_string(pending_.size()) + " paths");
  }
  for (size_t i = 0; i < scores.size(); ++i) {
    if (!std::isfinite(scores[i])) {
      throw InvalidArgument(std::string(kWhere) + ": Tell: the score of " + PathText(pending_[i]) +
                            " is " + internal::NumberText(scores[i]) + "; scores must be finite");
    }
  }
  for (size_t i = 0; i < scores.size(); ++i) evaluated_.emplace_back(pending_[i], scores[i]);
  pending_.clear();
  ++generation_;
}

std::vector<ScoredPath> ConstrainedPathEvolution::TopK() const {
  std::vector<size_t> order(evaluated_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  const size_t k = std::min(order.size(), static_cast<size_t>(options_.top_k));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [this](size_t a, size_t b) {
                      if (evaluated_[a].second != evaluated_[b].second) {
                        return evaluated_[a].second > evaluated_[b].second;
                      }
                      return a < b;  // ties: the earlier evaluation
                    });
  std::vector<ScoredPath> top;
  top.reserve(k);
  for (size_t r = 0; r < k; ++r) top.push_back(evaluated_[order[r]]);
  return top;
}

PathEvolutionResult ConstrainedPathEvolution::Run(Rng& rng, const Evaluate& evaluate) {
  if (!pending_.empty()) Tell(evaluate(pending_));
  while (!done()) {
    const std::vector<Path> paths = NextGeneration(rng);
    if (paths.empty()) break;
    Tell(evaluate(paths));
  }
  return PathEvolutionResult{evaluated_, TopK()};
}

Json ConstrainedPathEvolution::State() const {
  Json pending = Json::array();
  for (const Path& path : pending_) pending.push_back(PathToJson(path));
  return Json{{"choices", choices_},
              {"generation", generation_},
              {"exhausted", exhausted_},
              {"evaluated", ScoredPathsToJson(evaluated_)},
              {"pending", std::move(pending)}};
}

void ConstrainedPathEvolution::LoadState(const Json& state) {
  const std::string where = std::string(kWhere) + " state";
  internal::CheckObject(state, {"choices", "generation", "exhausted", "evaluated", "pending"},
                        where);
  internal::CheckSameChoices(state, choices_, where);
  const int64_t generation =
      internal::IntValue(internal::Required(state, "generation", where), where + ": generation");
  if (generation < 0) {
    throw InvalidArgument(where + ": generation: must be >= 0, not " + std::to_string(generation));
  }
  const bool exhausted =
      internal::BoolValue(internal::Required(state, "exhausted", where), where + ": exhausted");
  std::vector<ScoredPath> evaluated = ScoredPathsFromJson(
      internal::Required(state, "evaluated", where), choices_, where + ": evaluated");
  const Json& pending_json = internal::Required(state, "pending", where);
  if (!pending_json.is_array()) throw InvalidArgument(where + ": pending: must be a list of paths");
  std::vector<Path> pending;
  for (size_t i = 0; i < pending_json.size(); ++i) {
    pending.push_back(
        PathFromJson(pending_json[i], choices_, where + ": pending[" + std::to_string(i) + "]"));
  }
  if ((generation == 0) != evaluated.empty()) {
    throw InvalidArgument(where + ": generation " + std::to_string(generation) + " with " +
                          std::to_string(evaluated.size()) + " evaluated paths");
  }
  std::set<Path> seen;
  for (const auto& entry : evaluated) {
    if (!seen.insert(entry.first).second) {
      throw InvalidArgument(where + ": evaluated: " + PathText(entry.first) + " appears twice");
    }
  }
  for (const Path& path : pending) {
    if (!seen.insert(path).second) {
      throw InvalidArgument(where + ": pending: " + PathText(path) + " was evaluated or is twice");
    }
  }
  generation_ = generation;
  exhausted_ = exhausted;
  evaluated_ = std::move(evaluated);
  pending_ = std::move(pending);
  seen_ = std::move(seen);
  // The cache is not part of the state: a pure constraint gives the same answers again.
}

}  // namespace automl::nas
