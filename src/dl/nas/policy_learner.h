// How the reinforce sampler's controller learns from rewarded configurations: a moving-average
// baseline, advantages scaled by the rewards' running standard deviation, and one Adam step
// (REINFORCE) or ppo_epochs of them (PPO's clipped surrogate) per batch. See
// automl/dl/reinforce_sampler.h for the design.
#ifndef AUTOML_DL_NAS_POLICY_LEARNER_H_
#define AUTOML_DL_NAS_POLICY_LEARNER_H_

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "automl/dl/reinforce_sampler.h"
#include "dl/nas/controller.h"

namespace automl::dl::internal {

// A configuration as the controller's choices (automl::dl::internal::DecisionSteps::PathOf) and
// its reward (larger is better).
struct RewardedPath {
  std::vector<int64_t> path;
  double reward = 0;
};

// Mean and variance of a stream of numbers (Welford's algorithm: stable for any offset).
class RunningMoments {
 public:
  void Add(double x);
  int64_t count() const { return count_; }
  // The population standard deviation; 0 before two numbers.
  double StdDev() const;

 private:
  int64_t count_ = 0;
  double mean_ = 0;
  double m2_ = 0;
};

class PolicyLearner {
 public:
  // A controller with a decision of |choices[s]| choices at step s, initialized from |seed|.
  PolicyLearner(const std::vector<int64_t>& choices, const ReinforceSamplerOptions& options,
                uint64_t seed);

  // Learns from one batch of configurations, in the order they finished.
  void Learn(const std::vector<RewardedPath>& batch);

  const Controller& controller() const { return controller_; }
  int64_t batches() const { return batches_; }

 private:
  // Each path's advantage (r - b) / s; then moves the baseline b through the batch's rewards.
  torch::Tensor Advantages(const std::vector<RewardedPath>& batch);
  void ReinforceStep(const std::vector<std::vector<int64_t>>& paths,
                     const torch::Tensor& advantages);
  void PpoSteps(const std::vector<std::vector<int64_t>>& paths, const torch::Tensor& advantages);
  // One Adam step on |loss|.
  void Descend(const torch::Tensor& loss);

  ReinforceSamplerOptions options_;
  Controller controller_;
  torch::optim::Adam adam_;
  std::optional<double> baseline_;
  RunningMoments rewards_;
  int64_t batches_ = 0;
};

}  // namespace automl::dl::internal

#endif  // AUTOML_DL_NAS_POLICY_LEARNER_H_
