// UniformPathSampler: the supernet training of Single Path One-Shot NAS (SPOS).
//
// Z. Guo, X. Zhang, H. Mu, W. Heng, Z. Liu, Y. Wei, J. Sun, "Single Path One-Shot Neural
// Architecture Search with Uniform Sampling", ECCV 2020.
//
// Each training step activates and trains one path of the supernet, every layer's choice drawn
// uniformly and independently. SPOS fixes this prior on purpose: with no learned architecture
// distribution, supernet training and search are decoupled and every path's shared weights are
// trained alike, so no early leader gets trained more and wins because of it (the
// "rich-get-richer" bias of jointly optimised architecture weights).
//
//   UniformPathSampler sampler({4, 4, 4, 4});           // 4 layers of 4 choices
//   for (int64_t step = 0; step < steps; ++step) {
//     Rng rng(DeriveSeed(seed, step));                  // per-step randomness: see below
//     train_one_batch(sampler.Sample(rng));
//   }
//
// With a hard constraint (a PathPredicate, e.g. FLOPs within the search's budget), paths are
// drawn uniformly among the allowed ones by rejection: up to `max_tries` uniform draws, the first
// allowed one wins; when none is, the last draw is trained anyway and counted in fallbacks(),
// since skipping a step would stall training. SPOS's released training code (Supernet/train.py,
// get_uniform_sample_cand) samples its FLOPs range the same way, 500 draws and then an
// unconstrained path, after first drawing a 10-MFLOPs bin of the range uniformly (which flattens
// the FLOPs distribution); here the predicate alone decides, so every allowed path is equally
// likely.
//
// Options (FromJson reads them, refusing unknown keys), with defaults:
//   max_tries  500  uniform draws per step before falling back (only with a constraint), >= 1
//
// Randomness comes from the Rng the caller passes, so the sampler holds no generator. For a run
// that resumes exactly, derive that Rng per step (Rng(DeriveSeed(seed, step, stream))) and save
// State() with the supernet's checkpoint.
#ifndef AUTOML_NAS_UNIFORM_PATH_SAMPLER_H_
#define AUTOML_NAS_UNIFORM_PATH_SAMPLER_H_

#include <cstdint>
#include <vector>

#include "automl/json.h"
#include "automl/nas/path.h"
#include "automl/random.h"

namespace automl::nas {

struct UniformPathSamplerOptions {
  int64_t max_tries = 500;

  // Reads {max_tries: N}; every key is optional, unknown keys are refused. Validates.
  static UniformPathSamplerOptions FromJson(const Json& json);
  // Every option; FromJson(ToJson()) gives the same options.
  Json ToJson() const;
  // Throws InvalidArgument naming the field ("uniform-path-sampler: max_tries: ...").
  void Validate() const;
};

class UniformPathSampler {
 public:
  // Throws InvalidArgument for invalid |choices| (see ValidateChoices) or options.
  explicit UniformPathSampler(std::vector<int64_t> choices, UniformPathSamplerOptions options = {},
                              PathPredicate feasible = {});

  // The path to train at this step.
  Path Sample(Rng& rng);

  const std::vector<int64_t>& choices() const { return choices_; }
  const UniformPathSamplerOptions& options() const { return options_; }
  // Paths sampled so far, and how many of them broke the constraint (see above).
  int64_t steps() const { return steps_; }
  int64_t fallbacks() const { return fallbacks_; }

  // {"choices": [...], "steps": N, "fallbacks": N}. LoadState restores it; it throws
  // InvalidArgument for a malformed state or one saved for other choices.
  Json State() const;
  void LoadState(const Json& state);

 private:
  std::vector<int64_t> choices_;
  UniformPathSamplerOptions options_;
  PathPredicate feasible_;
  int64_t steps_ = 0;
  int64_t fallbacks_ = 0;
};

}  // namespace automl::nas

#endif  // AUTOML_NAS_UNIFORM_PATH_SAMPLER_H_
