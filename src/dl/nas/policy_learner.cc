#include "dl/nas/policy_learner.h"

#include <cmath>
#include <utility>

namespace automl::dl::internal {

void RunningMoments::Add(double x) {
  ++count_;
  const double delta = x - mean_;
  mean_ += delta / static_cast<double>(count_);
  m2_ += delta * (x - mean_);
}

double RunningMoments::StdDev() const {
  return count_ < 2 ? 0.0 : std::sqrt(m2_ / static_cast<double>(count_));
}

namespace {

ControllerOptions ControllerOptionsOf(const ReinforceSamplerOptions& options) {
  ControllerOptions c;
  c.hidden = options.hidden;
  c.layers = options.layers;
  c.temperature = options.temperature;
  c.tanh_constant = options.tanh_constant;
  return c;
}

}  // namespace

PolicyLearner::PolicyLearner(const std::vector<int64_t>& choices,
                             const ReinforceSamplerOptions& options, uint64_t seed)
    : options_(options),
      controller_(choices, ControllerOptionsOf(options), seed),
      adam_(controller_.parameters(), torch::optim::AdamOptions(options.LearningRate())) {}

void PolicyLearner::Learn(const std::vector<RewardedPath>& batch) {
  if (batch.empty()) return;
  // Sampling runs without gradients; learning needs them whatever the caller's mode.
  const torch::AutoGradMode grad(true);
  std::vector<std::vector<int64_t>> paths;
  paths.reserve(batch.size());
  for (const RewardedPath& p : batch) paths.push_back(p.path);
  const torch::Tensor advantages = Advantages(batch);
  if (options_.update == ReinforceUpdate::kPpo) {
    PpoSteps(paths, advantages);
  } else {
    ReinforceStep(paths, advantages);
  }
  ++batches_;
}

torch::Tensor PolicyLearner::Advantages(const std::vector<RewardedPath>& batch) {
  double sum = 0;
  for (const RewardedPath& p : batch) {
    rewards_.Add(p.reward);
    sum += p.reward;
  }
  // The first batch has no history to compare with: its own mean is the baseline.
  if (!baseline_) baseline_ = sum / static_cast<double>(batch.size());
  const double sd = rewards_.StdDev();
  const double scale = sd > 0 ? sd : 1.0;
  std::vector<float> advantages;
  advantages.reserve(batch.size());
  for (const RewardedPath& p : batch) {
    advantages.push_back(static_cast<float>((p.reward - *baseline_) / scale));
  }
  for (const RewardedPath& p : batch) {
    *baseline_ = options_.baseline_decay * *baseline_ + (1 - options_.baseline_decay) * p.reward;
  }
  return torch::tensor(advantages, torch::kFloat);
}

void PolicyLearner::ReinforceStep(const std::vector<std::vector<int64_t>>& paths,
                                  const torch::Tensor& advantages) {
  const Controller::Scores scores = controller_.Score(paths);
  const torch::Tensor loss =
      -(advantages * scores.log_prob).mean() - options_.entropy_weight * scores.entropy.mean();
  Descend(loss);
}

void PolicyLearner::PpoSteps(const std::vector<std::vector<int64_t>>& paths,
                             const torch::Tensor& advantages) {
  // The policy that sampled the batch: the controller before this batch's steps.
  torch::Tensor old_log_prob;
  {
    const torch::NoGradGuard no_grad;
    old_log_prob = controller_.Score(paths).log_prob;
  }
  const double clip = options_.ppo_clip;
  for (int64_t epoch = 0; epoch < options_.ppo_epochs; ++epoch) {
    const Controller::Scores scores = controller_.Score(paths);
    const torch::Tensor ratio = torch::exp(scores.log_prob - old_log_prob);
    const torch::Tensor surrogate =
        torch::min(ratio * advantages, torch::clamp(ratio, 1 - clip, 1 + clip) * advantages);
    const torch::Tensor loss = -surrogate.mean() - options_.entropy_weight * scores.entropy.mean();
    Descend(loss);
  }
}

void PolicyLearner::Descend(const torch::Tensor& loss) {
  // No path of the batch took a step (a space whose decisions were all inactive): nothing to
  // learn, and backward() would refuse.
  if (!loss.requires_grad()) return;
  adam_.zero_grad();
  loss.backward();
  adam_.step();
}

}  // namespace automl::dl::internal
