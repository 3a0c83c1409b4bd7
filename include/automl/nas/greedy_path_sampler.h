// GreedyPathSampler: the greedy supernet training of GreedyNAS.
//
// S. You, T. Huang, M. Yang, F. Wang, C. Qian, C. Zhang, "GreedyNAS: Towards Fast One-Shot NAS
// with Greedy Supernet", CVPR 2020.
//
// SPOS trains every path alike; GreedyNAS argues that a supernet cannot rank a huge space well
// everywhere and should spend its training on the potentially good paths. Each training step t of
// T:
//   1. Propose: m paths (multi-path sampling), each taken from the candidate pool with
//      probability epsilon(t) = epsilon_max * t / T (exploitation) and drawn uniformly otherwise
//      (exploration). epsilon rises linearly from 0, because early losses say little about a path.
//      A pool path is drawn uniformly from the pool; with an empty pool every path is uniform.
//   2. The caller evaluates each proposed path's loss on one small, fixed validation batch (the
//      paper: 1,000 images rank paths with a correlation above 0.9 to the full validation set).
//   3. Select: the k paths with the lowest loss are kept and trained (rejection: the weak m - k
//      are filtered out); ties go to the earlier proposal. A non-finite loss (a diverged path)
//      ranks last and never enters the pool, so one bad evaluation does not end a long run.
//   4. The candidate pool, an ordered queue of at most `pool_size` distinct paths by loss, takes
//      the k kept paths: a path already in it gets its loss replaced by the new one; a new path
//      enters when the pool has room or its loss is below the pool's worst, which then leaves.
//      Among equal losses the path that came in earlier ranks first, and stays on eviction.
//
// Stopping: the paper stops supernet training when the pool has settled, i.e. when the fraction
// of the pool replaced within an epoch falls below alpha = 0.08 (`stop_turnover`), which saved it
// about 40% of SPOS's training cost. EndEpoch() measures that fraction: the pool paths that were
// not in the pool at the previous EndEpoch, divided by pool_size; ShouldStop() compares the last
// one with stop_turnover. After training, Pool() (best first) seeds the evolutionary search
// (ConstrainedPathEvolution).
//
// Other implementations differ in two details: the MMRazor reimplementation (GreedySamplerHook)
// pushes all m evaluated paths into the pool rather than the k kept ones, and starts the epsilon
// schedule after 10,000 uniform warm-up iterations. Here the pool takes the kept paths, the ones
// the paper calls potentially good (those that survived the filtering); a warm-up is the caller's
// (train with UniformPathSampler first and count this sampler's steps from its end).
//
//   GreedyPathSampler greedy({4, 4, 4, 4});
//   for (int64_t t = 0; t < T; ++t) {
//     Rng rng(DeriveSeed(seed, t));
//     std::vector<Path> proposed = greedy.Propose(rng, t, T);
//     std::vector<Path> kept = greedy.Select(proposed, validation_losses(proposed));
//     train_one_batch(kept);
//     if (end_of_epoch(t)) { greedy.EndEpoch(); if (greedy.ShouldStop()) break; }
//   }
//
// Options (FromJson reads them, refusing unknown keys), with the paper's defaults:
//   num_sampled    10    m: paths proposed per step, >= 1
//   num_kept        5    k: paths kept and trained per step, 1..num_sampled
//   pool_size    1000    n: candidate pool capacity, >= 1
//   epsilon_max   0.8    final probability of a pool draw, in [0, 1]
//   stop_turnover 0.08   alpha: ShouldStop() when an epoch replaced less of the pool, in [0, 1]
//
// Randomness comes from the Rng the caller passes; for a run that resumes exactly, derive it per
// step (Rng(DeriveSeed(seed, step, stream))) and save State() with the supernet's checkpoint.
#ifndef AUTOML_NAS_GREEDY_PATH_SAMPLER_H_
#define AUTOML_NAS_GREEDY_PATH_SAMPLER_H_

#include <cstdint>
#include <set>
#include <vector>

#include "automl/json.h"
#include "automl/nas/path.h"
#include "automl/random.h"

namespace automl::nas {

struct GreedyPathSamplerOptions {
  int64_t num_sampled = 10;
  int64_t num_kept = 5;
  int64_t pool_size = 1000;
  double epsilon_max = 0.8;
  double stop_turnover = 0.08;

  // Reads the options above; every key is optional, unknown keys are refused. Validates.
  static GreedyPathSamplerOptions FromJson(const Json& json);
  // Every option; FromJson(ToJson()) gives the same options.
  Json ToJson() const;
  // Throws InvalidArgument naming the field ("greedy-path-sampler: num_kept: ...").
  void Validate() const;
};

class GreedyPathSampler {
 public:
  // Throws InvalidArgument for invalid |choices| (see ValidateChoices) or options.
  explicit GreedyPathSampler(std::vector<int64_t> choices, GreedyPathSamplerOptions options = {});

  // epsilon_max * step / total_steps; needs 0 <= step <= total_steps and total_steps >= 1.
  double Epsilon(int64_t step, int64_t total_steps) const;

  // The num_sampled paths to evaluate at training step |step| of |total_steps| (see above).
  std::vector<Path> Propose(Rng& rng, int64_t step, int64_t total_steps);

  // The min(num_kept, |proposed|) paths of |proposed| with the lowest |losses| (one loss per
  // path), best first, ties in proposal order; updates the pool with them. |proposed| need not
  // come from Propose. Throws InvalidArgument for mismatched sizes, no paths or invalid paths.
  std::vector<Path> Select(const std::vector<Path>& proposed, const std::vector<double>& losses);

  // Ends an epoch: returns the fraction of pool_size taken by paths that entered the pool since
  // the previous EndEpoch (and are still in it), and records it in TurnoverHistory().
  double EndEpoch();
  // Whether an epoch has ended and the last one's turnover is below stop_turnover.
  bool ShouldStop() const;
  const std::vector<double>& TurnoverHistory() const { return turnover_; }

  // The candidate pool, lowest loss first.
  const std::vector<ScoredPath>& Pool() const { return pool_; }

  const std::vector<int64_t>& choices() const { return choices_; }
  const GreedyPathSamplerOptions& options() const { return options_; }
  // Paths proposed so far, and how many of them were drawn from the pool.
  int64_t proposals() const { return proposals_; }
  int64_t pool_draws() const { return pool_draws_; }

  // {"choices", "pool": [{"path", "score": loss}...], "epoch_start": [paths], "turnover": [...],
  //  "proposals", "pool_draws"}. LoadState restores it exactly; it throws InvalidArgument for a
  // malformed state, one saved for other choices, or a pool larger than pool_size.
  Json State() const;
  void LoadState(const Json& state);

 private:
  // Puts |path| with |loss| into the pool as described above (finite losses only).
  void Offer(const Path& path, double loss);

  std::vector<int64_t> choices_;
  GreedyPathSamplerOptions options_;
  std::vector<ScoredPath> pool_;  // ascending loss; among equals, earlier arrivals first
  std::set<Path> epoch_start_;    // the pool's paths at the last EndEpoch
  std::vector<double> turnover_;
  int64_t proposals_ = 0;
  int64_t pool_draws_ = 0;
};

}  // namespace automl::nas

#endif  // AUTOML_NAS_GREEDY_PATH_SAMPLER_H_
