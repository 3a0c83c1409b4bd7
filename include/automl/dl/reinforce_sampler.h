// ReinforceSampler: an RNN controller that emits one softmax decision per parameter, trained by
// policy gradient; registered as `reinforce` by AddTorchComponents (automl/dl/components.h).
//
//   B. Zoph, Q. V. Le, "Neural Architecture Search with Reinforcement Learning", ICLR 2017:
//   REINFORCE with a moving-average baseline (`update: reinforce`, the default).
//   B. Zoph, V. Vasudevan, J. Shlens, Q. V. Le, "Learning Transferable Architectures for Scalable
//   Image Recognition", CVPR 2018: the same controller trained by Proximal Policy Optimization
//   (`update: ppo`), learning rate 0.00035, entropy weight 1e-5, baseline decay 0.95.
//
// Made for neural-architecture spaces, where a structured parameter (`arch: {type: nasnet-cell,
// blocks: 5}`, automl/structured_param.h) expands into ~40 categorical decisions, and for plain
// categorical or discrete HPO spaces.
//
// Spaces. Every parameter must be discrete: categorical, ordinal, fixed, int or stepped float,
// with at most 1,000 values, each value a choice of its own (a log int is a categorical over its
// values, not log-uniform). A continuous float is refused (InvalidArgument naming the parameter);
// give it a step or use another sampler. The controller walks SearchSpace::params() (parents
// before children) and emits one decision per active parameter with two values or more; an
// inactive parameter takes no step, and a parameter with a single value takes it without one.
// Several objectives are refused.
//
// Controller. A learned start token, then per decision: an LSTM step (`layers` stacked cells of
// `hidden` units) whose input is the embedding of the previous decision's choice (a table per
// parameter), then that parameter's own linear head over its choices, logits divided by
// `temperature` and clipped by tanh_constant * tanh(logits) (ENAS's controller: H. Pham et al.,
// "Efficient Neural Architecture Search via Parameter Sharing", ICML 2018; 0 turns it off). The
// weights start uniform in [-0.08, 0.08] (Zoph & Le), drawn from the seed by automl::Rng, so
// LibTorch's global generator is never used.
//
// Learning. A trial's reward is its value, negated when minimizing. COMPLETE trials count with
// their value; PRUNED ones with their last reported value (they would otherwise look like they
// never happened, and a value at an early step is a pessimistic but informative estimate); a
// PRUNED trial that reported nothing and every FAILED trial is ignored. The rewarded trials, in the
// order they finished, form batches of `batch_size`; each full batch is learned once:
//   - advantage a_i = (r_i - b) / s, where b is the moving-average baseline before the batch (the
//     first batch's mean for the first batch) and s the standard deviation of every reward learned
//     from so far, this batch's included (1 while it is 0). Dividing by s makes the step size
//     independent of the objective's scale (a loss in [0, 1] or in [0, 1e6] learns the same),
//     which the papers, with accuracies in [0, 1], did not need. Then, for each reward in order,
//     b <- baseline_decay * b + (1 - baseline_decay) * r.
//   - reinforce: one Adam step on -mean_i(a_i log p(x_i)) - entropy_weight * mean_i H_i, where
//     log p(x_i) sums the log probabilities of trial i's decisions and H_i the entropies of the
//     softmaxes along its path.
//   - ppo: `ppo_epochs` Adam steps on the clipped surrogate
//     -mean_i min(rho_i a_i, clip(rho_i, 1 - ppo_clip, 1 + ppo_clip) a_i) - entropy_weight mean H_i
//     with rho_i = p(x_i) / p_old(x_i). p_old is the controller before this batch (recomputed, not
//     stored): the policy that sampled the batch when trials run one at a time; with parallel
//     workers some trials were sampled by an older one, an error the clipping bounds.
// Trials given (enqueued) rather than sampled are learned from like any other.
//
// Purity. Suggesting never changes observable state, and a suggestion is a function of the
// options, the seed, the study's finished trials in the order they finished, the unfinished
// trials' parameters (to avoid repeats) and the trial's number: the controller's weights are a
// function of the seed and the learned batches, replayed in order. A memo keeps the controller,
// its optimizer and baseline after the last learned batch and the trials read so far, so that an
// ask reads only the trials finished since the last one and learns only new full batches; a fresh
// sampler replays everything and reaches the same weights, bit for bit (same LibTorch build and
// CPU kind: floating-point kernels may differ elsewhere). Trial n's draws come from automl::Rng
// seeded by (seed, n). LibTorch runs on one intra-op thread while the sampler works, so that
// results do not depend on the thread count; the count is process-wide in LibTorch, so it is set
// to 1 for the duration and restored afterwards (asks of one sampler take turns; two samplers
// working at the same moment in two threads could restore the counts in the wrong order, which
// changes the thread count, never a result).
//
// No duplicates: a configuration whose SearchSpace::CanonicalParams equals that of an existing
// trial (COMPLETE, PRUNED, FAILED, RUNNING, or WAITING with all its parameters) is drawn again, up
// to 100 times from the controller, attempt k with its logits divided by 1 + k / 20 (so that a
// controller converged on tried configurations proposes the likeliest untried ones near them:
// at its own temperature 100 draws rarely leave a converged mode, and uniform draws throw away
// what it learned), then up to 100 times uniformly, then (in a space of at most 100,000 points)
// uniformly among the points not yet tried. Two spellings of one architecture count as the same
// configuration. Repeats come only once every point has been tried. A trial given all its
// parameters (enqueued, a retry) keeps them without a draw.
//
// Cost: on 40 decisions (a 5-block NASNet cell) an ask costs about 4 ms with reinforce and 15 to
// 20 ms with ppo, learning included (one core of this project's test machine); a fresh sampler
// (a resumed study in a new process) replays all batches at its first ask, in about the time
// their learning took: ~3 s (reinforce) and ~15 s (ppo) per 1,000 trials.
//
// Options (`sampler: {name: reinforce, update: ppo, lr: 0.00035, ...}`) and defaults:
//   update: reinforce      reinforce | ppo
//   lr: 0.005 (reinforce), 0.002 (ppo)
//                          Adam's learning rate; PPO takes ppo_epochs steps per batch, hence its
//                          smaller one. The papers' 0.00035 suits their 12,800 to 20,000
//                          architectures, not budgets of hundreds of trials. Measured, with
//                          entropy_weight 1e-5 (tests/dl/reinforce_sampler_test.cc's problem and
//                          a harder one):
//                            toy: 6 decisions of 4 choices, reward = decisions set to the first
//                            choice, 150 trials, seeds 1-10: probability of the rewarded choice
//                            (0.25 at the start) / mean reward of the last 30 trials
//                              reinforce  lr 0.00035: 0.26 / 1.5   lr 0.005: 0.96 / 3.8
//                              ppo        lr 0.00035: 0.44 / 2.1   lr 0.002: 0.93 / 3.7
//                              random search: 1.5 (reinforce's last trials are capped by the
//                              configurations left untried: 154 have a reward of 4 or more)
//                            NAS-like: 40 decisions of 2 to 13 choices, reward = matches with a
//                            hidden target + N(0, 2^2) noise, seeds 1-4: mean reward of the
//                            last 50 trials after 300 / 1,000 trials (of 40; random: 7.7 / 8.0)
//                              reinforce  lr 0.00035: 8.3 / 20.7   0.005: 24.2 / 32.6
//                              ppo        lr 0.00035: 15.5 / 32.4  0.002: 24.0 / 32.0
//                            (the best rate at 300 trials in both; 0.02 and up converge early
//                            to wrong choices: 19.5 and 14.2 at 300 trials)
//   batch_size: 5          rewarded trials per update
//   baseline_decay: 0.95
//   entropy_weight: 1e-5   weight of the entropy bonus (the papers'; 1e-5 to 1e-2 made no
//                          measurable difference on the problems above)
//   hidden: 64, layers: 1  LSTM units and stacked cells
//   temperature: 1         logits are divided by it
//   tanh_constant: 2.5     logits clipped to +-tanh_constant (0: no clipping); it also caps a
//                          decision's largest probability (0.98 among 4 choices, 0.13 among 1,000)
//   ppo_epochs: 4          Adam steps per batch (update: ppo only)
//   ppo_clip: 0.2          (update: ppo only)
#ifndef AUTOML_DL_REINFORCE_SAMPLER_H_
#define AUTOML_DL_REINFORCE_SAMPLER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/sampler.h"
#include "automl/trial_state.h"

namespace automl::dl {

namespace internal {
class DecisionSteps;
struct ReinforceMemo;
}  // namespace internal

enum class ReinforceUpdate { kReinforce, kPpo };

struct ReinforceSamplerOptions {
  ReinforceUpdate update = ReinforceUpdate::kReinforce;
  // nullopt: DefaultLearningRate(update).
  std::optional<double> lr;
  int64_t batch_size = 5;
  double baseline_decay = 0.95;
  double entropy_weight = 1e-5;
  int64_t hidden = 64;
  int64_t layers = 1;
  double temperature = 1.0;
  double tanh_constant = 2.5;
  int64_t ppo_epochs = 4;
  double ppo_clip = 0.2;

  // Reads the options above from a config (`sampler: {name: reinforce, lr: 0.01}`); throws
  // InvalidArgument naming the option that is out of range, and for ppo_epochs or ppo_clip
  // without update: ppo.
  static ReinforceSamplerOptions FromComponentOptions(const ComponentOptions& options);
  // Throws InvalidArgument naming the first invalid option.
  void Validate() const;

  // Adam's learning rate: lr, or the update's default.
  double LearningRate() const { return lr.value_or(DefaultLearningRate(update)); }
  // 0.005 for REINFORCE, 0.002 for PPO (measured; see above).
  static double DefaultLearningRate(ReinforceUpdate update) {
    return update == ReinforceUpdate::kPpo ? 0.002 : 0.005;
  }
};

class ReinforceSampler : public Sampler {
 public:
  // Throws InvalidArgument for invalid options, a parameter that is not discrete or has more
  // than 1,000 values, or several objectives.
  ReinforceSampler(const SearchSpace& space, const std::vector<Direction>& directions,
                   uint64_t seed, ReinforceSamplerOptions options = {});
  ~ReinforceSampler() override;

  std::string name() const override { return "reinforce"; }
  // Every parameter: the controller draws a whole configuration at once.
  std::vector<std::string> RelativeParams(const Study& study,
                                          const FrozenTrial& trial) const override;
  ParamMap SampleRelative(const Study& study, const FrozenTrial& trial,
                          const std::vector<std::string>& names) const override;
  // Only reached for parameters SampleRelative left out (none, in practice): drawn uniformly.
  ParamValue SampleIndependent(const Study& study, const FrozenTrial& trial,
                               const ParamSpec& param) const override;

  const ReinforceSamplerOptions& options() const { return options_; }

  // ---- The controller, for tests and reports ----
  // The controller that |study|'s finished trials give (every full batch learned), fed the
  // choices of |params|: for each parameter of |params| that takes a decision, in the space's
  // order, the probability of each of its values (in ParamSpec::ValueAt order) given the earlier
  // ones. Parameters absent from |params| are skipped as if inactive.
  std::map<std::string, std::vector<double>> DecisionProbabilities(const Study& study,
                                                                   const ParamMap& params) const;
  // How many batches that controller has learned from.
  int64_t LearnedBatches(const Study& study) const;

 private:
  // Brings the memo up to date with |study|'s finished trials; the caller holds its lock.
  void Sync(const Study& study) const;

  SearchSpace space_;
  uint64_t seed_;
  ReinforceSamplerOptions options_;
  double sign_ = 1;  // reward = sign_ * value: -1 when minimizing
  std::unique_ptr<const internal::DecisionSteps> steps_;
  std::unique_ptr<internal::ReinforceMemo> memo_;
};

}  // namespace automl::dl

#endif  // AUTOML_DL_REINFORCE_SAMPLER_H_
