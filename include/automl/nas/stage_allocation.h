// Computation reallocation over a chain space (automl/nas/chain_space.h): how many blocks each
// stage gets, and which block (dilation) each kept position takes, at a fixed total.
//
// F. Liang, C. Lin, R. Guo, M. Sun, W. Wu, J. Yan, W. Ouyang, "Computation Reallocation for
// Object Detection" (CR-NAS), ICLR 2020. CR-NAS keeps a backbone's total number of blocks (its
// compute: when a stage halves the resolution and doubles the width, a block costs about the same
// in every stage) and searches two levels in turn: the stage level, how the blocks split among
// the stages, then the spatial level, each block's dilation, both on one one-shot supernet whose
// stages can be cut to any depth. This is its classification form: the search ranks by
// validation accuracy with inherited weights.
//
// A *stage-prefix path* of a chain space is a path where, in every stage, the first d layers
// take a block and the others skip: d is the stage's depth (1 .. its layers). The space's choices
// must include skip and at least one block; the blocks offered at a kept position are what CR-NAS
// calls the operations of the spatial level (e.g. mb6_k3, mb6_k3_d2, mb6_k3_d3), and the first of
// them (in the choices' order) is the plain one the stage level uses.
//
//   ChainSpaceOptions space = ...;                  // choices: [mb6_k3, mb6_k3_d2, mb6_k3_d3,
//   skip] StageDepthSampler sampler(space);               // supernet training: any depth per stage
//   Path p = sampler.Sample(rng);
//   ReallocationSearch search(space, {});
//   ReallocationResult r = search.Run(/*blocks=*/6, feasible, evaluate);  // best path at 6 blocks
//
// The supernet trains stage-prefix paths with each stage's depth uniform in 1 .. its layers and
// each kept position's block uniform, so that one trained supernet serves every total: a search
// at 5 blocks and one at 8 read the same weights.
//
// The search, for a total of B blocks:
//   stage level    every depth vector with 1 <= d_s <= layers_s and sum B (a few hundred at most
//                  for the spaces here; `max_allocations` caps them by a seeded draw), each
//                  evaluated with the plain block at every kept position; the best is kept.
//   spatial level  on the best allocation, positions in order (stage by stage), each tries every
//                  block it offers with the others fixed at their best so far, and keeps the best
//                  (coordinate ascent, `sweeps` passes). CR-NAS searches this level on the shared
//                  weights as well; the order of positions and the passes are this
//                  implementation's choice.
// Every evaluation goes through the caller's |evaluate| (a batch of paths, one score each, higher
// is better), which may cache; a |feasible| predicate (FLOPs, parameters, latency) removes paths
// at both levels.
#ifndef AUTOML_NAS_STAGE_ALLOCATION_H_
#define AUTOML_NAS_STAGE_ALLOCATION_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "automl/json.h"
#include "automl/nas/chain_space.h"
#include "automl/nas/path.h"
#include "automl/random.h"

namespace automl::nas {

// The blocks a stage keeps, one depth per stage.
using StageDepths = std::vector<int>;

// Throws InvalidArgument unless |space| can express stage-prefix paths: skip among the choices,
// and at least one block.
void CheckReallocationSpace(const ChainSpaceOptions& space);

// Whether |path| is a stage-prefix path of |space| (every stage at least one block).
bool IsStagePrefixPath(const Path& path, const ChainSpaceOptions& space);
// The depths of a stage-prefix path; throws InvalidArgument for any other path.
StageDepths DepthsOf(const Path& path, const ChainSpaceOptions& space);

// The stage-prefix path of |depths| whose kept positions take the plain block (the first block
// the layer offers), or, where |blocks| gives one, block blocks[i] of those layer i offers
// (indices into its non-skip choices, in order; |blocks| has one entry per layer, and entries
// of skipped layers are ignored). Throws InvalidArgument for depths outside 1 .. layers.
Path AllocationPath(const ChainSpaceOptions& space, const StageDepths& depths,
                    const std::vector<int64_t>& blocks = {});

// Every depth vector of |space| with |total| blocks, in lexicographic order; empty when none
// (total below the number of stages or above the layers).
std::vector<StageDepths> EnumerateStageDepths(const ChainSpaceOptions& space, int total);

// The supernet's path sampler: each stage's depth uniform in 1 .. its layers, each kept
// position's block uniform among those its layer offers. Holds no state: the caller's Rng is all
// its randomness.
class StageDepthSampler {
 public:
  // Throws InvalidArgument for a space CheckReallocationSpace refuses.
  explicit StageDepthSampler(ChainSpaceOptions space);
  Path Sample(Rng& rng) const;

 private:
  ChainSpaceOptions space_;
  std::vector<std::vector<int64_t>> blocks_;  // per layer: the indices of its non-skip choices
};

struct ReallocationSearchOptions {
  int64_t max_allocations = 0;  // stage level: 0 evaluates every allocation, else a seeded draw
  int64_t sweeps = 1;           // spatial level: passes over the positions, >= 0
  uint64_t seed = 0;            // for the draw of allocations

  // Reads {max_allocations, sweeps, seed}; every key optional, unknown keys refused. Validates.
  static ReallocationSearchOptions FromJson(const Json& json);
  Json ToJson() const;
  // Throws InvalidArgument naming the field ("crnas: sweeps: ...").
  void Validate() const;
};

struct ReallocationResult {
  int total = 0;                        // the blocks searched for
  std::vector<ScoredPath> allocations;  // stage level: every allocation evaluated, best first
  ScoredPath best_allocation;           // its best, plain blocks
  ScoredPath best;                      // after the spatial level
  int64_t evaluations = 0;              // paths passed to evaluate (cached or not)
};

class ReallocationSearch {
 public:
  using Evaluate = std::function<std::vector<double>(const std::vector<Path>&)>;

  // Throws InvalidArgument for a space CheckReallocationSpace refuses or invalid options.
  ReallocationSearch(ChainSpaceOptions space, ReallocationSearchOptions options);

  // The best stage-prefix path of |total| blocks that |feasible| allows (null: all). Throws
  // InvalidArgument when no allocation of |total| blocks is feasible.
  ReallocationResult Run(int total, const PathPredicate& feasible, const Evaluate& evaluate) const;

 private:
  ChainSpaceOptions space_;
  ReallocationSearchOptions options_;
};

}  // namespace automl::nas

#endif  // AUTOML_NAS_STAGE_ALLOCATION_H_
