// PartialModelPool: the search of Posterior Convergent NAS (PC-NAS), one layer at a time.
//
// X. Li, C. Lin, C. Li, M. Sun, W. Wu, J. Yan, W. Ouyang, "Improving One-shot NAS by Suppressing
// the Posterior Fading", CVPR 2020.
//
// PC-NAS reads one-shot NAS as Bayesian model selection: the shared weights stand in for every
// path's own posterior, and the more paths share them, the further that proxy drifts from any one
// path's true posterior ("posterior fading"). It therefore shrinks the space the supernet trains
// on while it trains, through a pool of at most P partial models (path prefixes) grown from the
// first layer:
//   - Training between growths: each step trains a path whose fixed layers come from the pool
//     and whose other layers are uniform, so the supernet trains only what the search has kept
//     (SamplePath). Before the first growth this is SPOS's uniform path (a warm-up).
//   - Growth (Candidates, ScoreCandidates, Grow): every pool prefix is extended by every choice of
//     the next layer (P x n_depth candidates; at depth 0 the n_0 one-layer prefixes). A
//     candidate's potential is the mean metric, with shared weights on a validation subset, of
//     `completions` (M) paths that complete it uniformly. The best P candidates become the pool,
//     one layer deeper. The paper grows one layer per update (its Figure 1 extends the pool by
//     one mixed operator), so there is no option to grow several at once.
//   - A hard constraint (the paper's latency limit) prunes: completions are drawn among the
//     allowed paths (rejection, at most `max_tries` draws each), and a candidate with no allowed
//     completion found gets no score (NaN) and cannot enter the pool.
// After L growths done() holds and Pool() lists the P best whole paths, best first.
//
//   PartialModelPool pcnas({4, 4, 4, 4});
//   while (!pcnas.done()) {
//     for (int64_t step = 0; step < steps_per_growth; ++step) {
//       train_one_batch(pcnas.SamplePath(rng));
//     }
//     pcnas.Grow(pcnas.ScoreCandidates(rng, validation_accuracy));
//   }
//
// Options (FromJson reads them, refusing unknown keys), with defaults:
//   pool_size    5          P: partial models kept per layer, >= 1
//   completions  10         M: uniform completions averaged per candidate, >= 1
//   direction    maximize   the metric's direction: PC-NAS scores candidates by validation
//                           accuracy (maximize); use minimize for a loss
//   max_tries    100        draws per completion or sampled path under a constraint, >= 1
//
// Randomness comes from the Rng the caller passes; for a run that resumes exactly, derive it per
// step or growth (Rng(DeriveSeed(seed, step, stream))) and save State() with the checkpoint.
#ifndef AUTOML_NAS_PARTIAL_MODEL_POOL_H_
#define AUTOML_NAS_PARTIAL_MODEL_POOL_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "automl/json.h"
#include "automl/nas/path.h"
#include "automl/random.h"
#include "automl/trial_state.h"

namespace automl::nas {

struct PartialModelPoolOptions {
  int64_t pool_size = 5;
  int64_t completions = 10;
  Direction direction = Direction::kMaximize;
  int64_t max_tries = 100;

  // Reads the options above (direction as "minimize" or "maximize"); every key is optional,
  // unknown keys are refused. Validates.
  static PartialModelPoolOptions FromJson(const Json& json);
  // Every option; FromJson(ToJson()) gives the same options.
  Json ToJson() const;
  // Throws InvalidArgument naming the field ("partial-model-pool: pool_size: ...").
  void Validate() const;
};

class PartialModelPool {
 public:
  // Throws InvalidArgument for invalid |choices| (see ValidateChoices) or options. |feasible|
  // is the hard constraint on whole paths; empty allows every path.
  explicit PartialModelPool(std::vector<int64_t> choices, PartialModelPoolOptions options = {},
                            PathPredicate feasible = {});

  // Layers fixed so far (the pool's prefix length), 0..layers().
  int64_t depth() const { return depth_; }
  int64_t layers() const { return static_cast<int64_t>(choices_.size()); }
  bool done() const { return depth() == layers(); }

  // The pool: at most pool_size prefixes of length depth() with their potentials, best first;
  // empty at depth 0 (nothing fixed yet).
  const std::vector<ScoredPath>& Pool() const { return pool_; }

  // Every pool prefix (in pool order) extended by every choice of layer depth() (ascending); at
  // depth 0 the one-layer prefixes [0] .. [n_0 - 1]; empty once done().
  std::vector<Path> Candidates() const;

  // A path to train during the current growth step: a pool prefix drawn uniformly, the remaining
  // layers uniform (so its first depth() + 1 layers are a uniform candidate). Once done(), a pool
  // path drawn uniformly. Under a constraint, draws are repeated up to max_tries times until one
  // is allowed; if none is, the last draw is returned (training must go on).
  Path SamplePath(Rng& rng) const;

  // |prefix| completed by uniform choices for the remaining layers; under a constraint an allowed
  // completion, or nullopt when max_tries draws found none. Throws InvalidArgument for a prefix
  // that does not fit the space.
  std::optional<Path> Complete(const Path& prefix, Rng& rng) const;

  // One potential per candidate, in Candidates() order: the mean of |metric| over `completions`
  // completions drawn by Complete (fewer when Complete finds none; NaN when it finds none at all).
  std::vector<double> ScoreCandidates(Rng& rng,
                                      const std::function<double(const Path&)>& metric) const;

  // Keeps the best pool_size candidates (by direction; ties to the earlier candidate; NaN and
  // infinite scores never) as the new pool, one layer deeper. |candidate_scores| has one score
  // per candidate in Candidates() order. Throws InvalidArgument for a size mismatch or when no
  // candidate has a finite score, FailedPrecondition once done().
  void Grow(const std::vector<double>& candidate_scores);

  const std::vector<int64_t>& choices() const { return choices_; }
  const PartialModelPoolOptions& options() const { return options_; }

  // {"choices", "depth", "pool": [{"path": prefix, "score"}...]}. LoadState restores it; it
  // throws InvalidArgument for a malformed state or one saved for other choices.
  Json State() const;
  void LoadState(const Json& state);

 private:
  bool Allowed(const Path& path) const { return !feasible_ || feasible_(path); }

  std::vector<int64_t> choices_;
  PartialModelPoolOptions options_;
  PathPredicate feasible_;
  int64_t depth_ = 0;
  std::vector<ScoredPath> pool_;
};

}  // namespace automl::nas

#endif  // AUTOML_NAS_PARTIAL_MODEL_POOL_H_
