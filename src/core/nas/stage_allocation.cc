#include "automl/nas/stage_allocation.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "core/nas/json_fields.h"

namespace automl::nas {
namespace {

constexpr char kWhere[] = "crnas";

// What each layer offers, split: the index of skip (-1: not offered) and of each block.
struct LayerOffer {
  int64_t skip = -1;
  std::vector<int64_t> blocks;
};

std::vector<LayerOffer> Offers(const ChainSpaceOptions& space) {
  std::vector<LayerOffer> offers;
  for (const std::vector<std::string>& names : LayerChoices(space)) {
    LayerOffer offer;
    for (size_t c = 0; c < names.size(); ++c) {
      if (names[c] == "skip") {
        offer.skip = static_cast<int64_t>(c);
      } else {
        offer.blocks.push_back(static_cast<int64_t>(c));
      }
    }
    offers.push_back(std::move(offer));
  }
  return offers;
}

void CheckDepths(const ChainSpaceOptions& space, const StageDepths& depths) {
  if (depths.size() != space.stages.size()) {
    throw InvalidArgument(std::string(kWhere) + ": " + std::to_string(depths.size()) +
                          " depths for " + std::to_string(space.stages.size()) + " stages");
  }
  for (size_t s = 0; s < depths.size(); ++s) {
    if (depths[s] < 1 || depths[s] > space.stages[s].layers) {
      throw InvalidArgument(std::string(kWhere) + ": stage " + std::to_string(s) + ": depth " +
                            std::to_string(depths[s]) + " is outside 1.." +
                            std::to_string(space.stages[s].layers));
    }
  }
}

int Total(const StageDepths& depths) { return std::accumulate(depths.begin(), depths.end(), 0); }

}  // namespace

void CheckReallocationSpace(const ChainSpaceOptions& space) {
  space.Validate();
  const bool has_skip =
      std::find(space.choices.begin(), space.choices.end(), "skip") != space.choices.end();
  if (!has_skip) {
    throw InvalidArgument(std::string(kWhere) +
                          ": the space's choices must include skip, so that a stage can be cut "
                          "to any depth");
  }
}

bool IsStagePrefixPath(const Path& path, const ChainSpaceOptions& space) {
  const std::vector<LayerOffer> offers = Offers(space);
  if (path.size() != offers.size()) return false;
  size_t layer = 0;
  for (const ChainStage& stage : space.stages) {
    bool cut = false;
    for (int j = 0; j < stage.layers; ++j, ++layer) {
      const auto count =
          static_cast<int64_t>(offers[layer].blocks.size()) + (offers[layer].skip >= 0 ? 1 : 0);
      if (path[layer] < 0 || path[layer] >= count) return false;
      const bool skip = path[layer] == offers[layer].skip;
      if (j == 0 && skip) return false;
      if (cut && !skip) return false;
      cut = cut || skip;
    }
  }
  return true;
}

StageDepths DepthsOf(const Path& path, const ChainSpaceOptions& space) {
  if (!IsStagePrefixPath(path, space)) {
    throw InvalidArgument(std::string(kWhere) + ": path " + PathText(path) +
                          " is not a stage-prefix path of the space");
  }
  const std::vector<LayerOffer> offers = Offers(space);
  StageDepths depths;
  size_t layer = 0;
  for (const ChainStage& stage : space.stages) {
    int depth = 0;
    for (int j = 0; j < stage.layers; ++j, ++layer) depth += path[layer] != offers[layer].skip;
    depths.push_back(depth);
  }
  return depths;
}

Path AllocationPath(const ChainSpaceOptions& space, const StageDepths& depths,
                    const std::vector<int64_t>& blocks) {
  CheckReallocationSpace(space);
  CheckDepths(space, depths);
  const std::vector<LayerOffer> offers = Offers(space);
  if (!blocks.empty() && blocks.size() != offers.size()) {
    throw InvalidArgument(std::string(kWhere) + ": " + std::to_string(blocks.size()) +
                          " block choices for " + std::to_string(offers.size()) + " layers");
  }
  Path path;
  size_t layer = 0;
  for (size_t s = 0; s < space.stages.size(); ++s) {
    for (int j = 0; j < space.stages[s].layers; ++j, ++layer) {
      const LayerOffer& offer = offers[layer];
      if (j >= depths[s]) {
        path.push_back(offer.skip);
        continue;
      }
      const int64_t b = blocks.empty() ? 0 : blocks[layer];
      if (b < 0 || b >= static_cast<int64_t>(offer.blocks.size())) {
        throw InvalidArgument(std::string(kWhere) + ": layer " + std::to_string(layer) +
                              ": block " + std::to_string(b) + " is outside 0.." +
                              std::to_string(offer.blocks.size() - 1));
      }
      path.push_back(offer.blocks[static_cast<size_t>(b)]);
    }
  }
  return path;
}

std::vector<StageDepths> EnumerateStageDepths(const ChainSpaceOptions& space, int total) {
  std::vector<StageDepths> out;
  StageDepths depths(space.stages.size(), 1);
  // An odometer over 1..layers_s per stage, the last stage fastest: lexicographic order.
  while (true) {
    if (Total(depths) == total) out.push_back(depths);
    size_t s = depths.size();
    while (s > 0 && depths[s - 1] == space.stages[s - 1].layers) depths[--s] = 1;
    if (s == 0) return out;
    ++depths[s - 1];
  }
}

StageDepthSampler::StageDepthSampler(ChainSpaceOptions space) : space_(std::move(space)) {
  CheckReallocationSpace(space_);
  for (const LayerOffer& offer : Offers(space_)) blocks_.push_back(offer.blocks);
}

Path StageDepthSampler::Sample(Rng& rng) const {
  StageDepths depths;
  for (const ChainStage& stage : space_.stages) {
    depths.push_back(1 + static_cast<int>(rng.Below(static_cast<uint64_t>(stage.layers))));
  }
  std::vector<int64_t> blocks;
  for (const std::vector<int64_t>& offered : blocks_) {
    blocks.push_back(static_cast<int64_t>(rng.Below(offered.size())));
  }
  return AllocationPath(space_, depths, blocks);
}

ReallocationSearchOptions ReallocationSearchOptions::FromJson(const Json& json) {
  ReallocationSearchOptions o;
  if (json.is_null()) return o;
  internal::CheckObject(json, {"max_allocations", "sweeps", "seed"}, kWhere);
  internal::ReadOptional(json, "max_allocations", kWhere, &o.max_allocations);
  internal::ReadOptional(json, "sweeps", kWhere, &o.sweeps);
  int64_t seed = static_cast<int64_t>(o.seed);
  internal::ReadOptional(json, "seed", kWhere, &seed);
  if (seed < 0) throw InvalidArgument(std::string(kWhere) + ": seed: must be >= 0");
  o.seed = static_cast<uint64_t>(seed);
  o.Validate();
  return o;
}

Json ReallocationSearchOptions::ToJson() const {
  return Json{{"max_allocations", max_allocations}, {"sweeps", sweeps}, {"seed", seed}};
}

void ReallocationSearchOptions::Validate() const {
  if (max_allocations < 0) {
    throw InvalidArgument(std::string(kWhere) + ": max_allocations: must be >= 0 (0: all), not " +
                          std::to_string(max_allocations));
  }
  if (sweeps < 0) {
    throw InvalidArgument(std::string(kWhere) + ": sweeps: must be >= 0, not " +
                          std::to_string(sweeps));
  }
}

ReallocationSearch::ReallocationSearch(ChainSpaceOptions space, ReallocationSearchOptions options)
    : space_(std::move(space)), options_(options) {
  CheckReallocationSpace(space_);
  options_.Validate();
}

ReallocationResult ReallocationSearch::Run(int total, const PathPredicate& feasible,
                                           const Evaluate& evaluate) const {
  ReallocationResult result;
  result.total = total;
  auto allowed = [&](const Path& p) { return !feasible || feasible(p); };

  // Stage level: the allocations of |total| blocks, plain blocks everywhere.
  std::vector<Path> paths;
  for (const StageDepths& depths : EnumerateStageDepths(space_, total)) {
    Path p = AllocationPath(space_, depths);
    if (allowed(p)) paths.push_back(std::move(p));
  }
  if (paths.empty()) {
    throw InvalidArgument(std::string(kWhere) + ": no allocation of " + std::to_string(total) +
                          " blocks fits the space (stages of 1.." +
                          std::to_string(space_.layers()) + " blocks in all) and the limits");
  }
  if (options_.max_allocations > 0 &&
      static_cast<int64_t>(paths.size()) > options_.max_allocations) {
    Rng rng(DeriveSeed(options_.seed, static_cast<uint64_t>(total), HashName("crnas")));
    for (size_t i = 0; i + 1 < paths.size(); ++i) {  // a seeded partial Fisher-Yates shuffle
      std::swap(paths[i], paths[i + rng.Below(paths.size() - i)]);
    }
    paths.resize(static_cast<size_t>(options_.max_allocations));
  }
  const std::vector<double> scores = evaluate(paths);
  result.evaluations += static_cast<int64_t>(paths.size());
  for (size_t i = 0; i < paths.size(); ++i) result.allocations.emplace_back(paths[i], scores[i]);
  std::stable_sort(result.allocations.begin(), result.allocations.end(),
                   [](const ScoredPath& a, const ScoredPath& b) { return a.second > b.second; });
  result.best_allocation = result.allocations.front();

  // Spatial level: coordinate ascent over the kept positions' blocks.
  const std::vector<LayerOffer> offers = Offers(space_);
  ScoredPath best = result.best_allocation;
  for (int64_t sweep = 0; sweep < options_.sweeps; ++sweep) {
    bool improved = false;
    for (size_t layer = 0; layer < best.first.size(); ++layer) {
      if (best.first[layer] == offers[layer].skip) continue;
      std::vector<Path> tries;
      for (const int64_t block : offers[layer].blocks) {
        if (block == best.first[layer]) continue;
        Path p = best.first;
        p[layer] = block;
        if (allowed(p)) tries.push_back(std::move(p));
      }
      if (tries.empty()) continue;
      const std::vector<double> s = evaluate(tries);
      result.evaluations += static_cast<int64_t>(tries.size());
      for (size_t i = 0; i < tries.size(); ++i) {
        if (s[i] > best.second) {
          best = {tries[i], s[i]};
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  result.best = best;
  return result;
}

}  // namespace automl::nas
