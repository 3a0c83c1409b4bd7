// Learnable distributions over training policies, updated by REINFORCE (Williams, "Simple
// statistical gradient-following algorithms for connectionist reinforcement learning", Machine
// Learning 1992) with a baseline, by gradient ascent with Adam (Kingma & Ba, ICLR 2015):
//
// - CategoricalPolicy: softmax(logits) over N choices (OHL's augmentation sub-policies; Lin et
//   al., "Online Hyper-parameter Learning for Auto-Augmentation Strategy", ICCV 2019). Copy k
//   samples the choices c_k1..c_kS and earns reward r_k; the gradient of the expected reward is
//   estimated as (1/K) sum_k (r_k - mean r) sum_s (onehot(c_ks) - softmax(logits)), OHL's
//   REINFORCE with the copies' mean reward as the baseline.
// - GaussianPolicy: N(mean, sigma^2 I) over a real vector (AM-LFS's loss parameters; Li et al.,
//   ICCV 2019) with a learnable mean and a fixed sigma; the rewards are standardized over the
//   copies, (r_k - mean r) / std r, and the gradient is (1/K) sum_k rhat_k (theta_k - mean) /
//   sigma^2.
//
// Sampling never changes a distribution (the caller's generator draws); Update() is the only
// mutation, and ToJson()/FromJson() dump and restore the whole state, Adam's moments included,
// so that a search resumes exactly.
#ifndef AUTOML_DL_POLICY_DISTRIBUTION_H_
#define AUTOML_DL_POLICY_DISTRIBUTION_H_

#include <cstdint>
#include <random>
#include <vector>

#include "automl/json.h"

namespace automl::dl {

// Adam's ascent step on a vector of parameters.
class AdamAscent {
 public:
  explicit AdamAscent(size_t size = 0, double lr = 0.05, double beta1 = 0.9, double beta2 = 0.999,
                      double epsilon = 1e-8);
  // parameters += lr * mhat / (sqrt(vhat) + epsilon) for the gradient |gradient|.
  void Step(const std::vector<double>& gradient, std::vector<double>& parameters);
  double lr() const { return lr_; }
  Json ToJson() const;
  static AdamAscent FromJson(const Json& json);

 private:
  double lr_, beta1_, beta2_, epsilon_;
  int64_t steps_ = 0;
  std::vector<double> m_, v_;
};

class CategoricalPolicy {
 public:
  // |size| choices, uniform at first; |lr| is Adam's step size on the logits.
  explicit CategoricalPolicy(size_t size, double lr = 0.05);

  size_t size() const { return logits_.size(); }
  const std::vector<double>& logits() const { return logits_; }
  std::vector<double> Probabilities() const;
  double Entropy() const;
  // A choice drawn from the distribution.
  size_t Sample(std::mt19937_64& generator) const;
  // The choices in order of probability, most probable first (ties by index).
  std::vector<size_t> Ranking() const;
  // One REINFORCE step: samples[k] are copy k's choices, rewards[k] its reward. Throws
  // InvalidArgument for mismatched sizes or a choice out of range.
  void Update(const std::vector<std::vector<size_t>>& samples, const std::vector<double>& rewards);

  Json ToJson() const;
  static CategoricalPolicy FromJson(const Json& json);

 private:
  std::vector<double> logits_;
  AdamAscent adam_;
};

class GaussianPolicy {
 public:
  // N(|mean|, |sigma|^2 I); |lr| is Adam's step size on the mean.
  GaussianPolicy(std::vector<double> mean, double sigma, double lr = 0.05);

  const std::vector<double>& mean() const { return mean_; }
  double sigma() const { return sigma_; }
  std::vector<double> Sample(std::mt19937_64& generator) const;
  // One REINFORCE step with standardized rewards; with equal rewards nothing is learned and
  // the mean stays. Throws InvalidArgument for mismatched sizes.
  void Update(const std::vector<std::vector<double>>& samples, const std::vector<double>& rewards);

  Json ToJson() const;
  static GaussianPolicy FromJson(const Json& json);

 private:
  std::vector<double> mean_;
  double sigma_;
  AdamAscent adam_;
};

}  // namespace automl::dl

#endif  // AUTOML_DL_POLICY_DISTRIBUTION_H_
