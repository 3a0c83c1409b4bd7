#include "automl/dl/policy_distribution.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "automl/error.h"

namespace automl::dl {

AdamAscent::AdamAscent(size_t size, double lr, double beta1, double beta2, double epsilon)
    : lr_(lr), beta1_(beta1), beta2_(beta2), epsilon_(epsilon), m_(size, 0.0), v_(size, 0.0) {
  if (!(lr > 0) || !std::isfinite(lr)) {
    throw InvalidArgument("lr: the policy's learning rate must be a positive number, not " +
                          std::to_string(lr));
  }
}

void AdamAscent::Step(const std::vector<double>& gradient, std::vector<double>& parameters) {
  if (gradient.size() != m_.size() || parameters.size() != m_.size()) {
    throw InvalidArgument("AdamAscent: the gradient has " + std::to_string(gradient.size()) +
                          " entries for " + std::to_string(m_.size()) + " parameters");
  }
  ++steps_;
  const double correction1 = 1 - std::pow(beta1_, static_cast<double>(steps_));
  const double correction2 = 1 - std::pow(beta2_, static_cast<double>(steps_));
  for (size_t i = 0; i < m_.size(); ++i) {
    m_[i] = beta1_ * m_[i] + (1 - beta1_) * gradient[i];
    v_[i] = beta2_ * v_[i] + (1 - beta2_) * gradient[i] * gradient[i];
    parameters[i] += lr_ * (m_[i] / correction1) / (std::sqrt(v_[i] / correction2) + epsilon_);
  }
}

Json AdamAscent::ToJson() const {
  return {{"lr", lr_},       {"beta1", beta1_}, {"beta2", beta2_}, {"epsilon", epsilon_},
          {"steps", steps_}, {"m", m_},         {"v", v_}};
}

AdamAscent AdamAscent::FromJson(const Json& json) {
  AdamAscent adam(0, json.at("lr").get<double>(), json.at("beta1").get<double>(),
                  json.at("beta2").get<double>(), json.at("epsilon").get<double>());
  adam.steps_ = json.at("steps").get<int64_t>();
  adam.m_ = json.at("m").get<std::vector<double>>();
  adam.v_ = json.at("v").get<std::vector<double>>();
  return adam;
}

namespace {

void CheckRewards(size_t samples, size_t rewards) {
  if (samples != rewards || samples == 0) {
    throw InvalidArgument("policy update: needs one reward per sample and at least one (" +
                          std::to_string(samples) + " samples, " + std::to_string(rewards) +
                          " rewards)");
  }
}

double Mean(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

}  // namespace

// ---- CategoricalPolicy -------------------------------------------------------------------------

CategoricalPolicy::CategoricalPolicy(size_t size, double lr) : logits_(size, 0.0), adam_(size, lr) {
  if (size == 0) throw InvalidArgument("policy: a categorical distribution needs a choice");
}

std::vector<double> CategoricalPolicy::Probabilities() const {
  const double top = *std::max_element(logits_.begin(), logits_.end());
  std::vector<double> p(logits_.size());
  double sum = 0;
  for (size_t i = 0; i < p.size(); ++i) sum += p[i] = std::exp(logits_[i] - top);
  for (double& x : p) x /= sum;
  return p;
}

double CategoricalPolicy::Entropy() const {
  double entropy = 0;
  for (const double p : Probabilities()) {
    if (p > 0) entropy -= p * std::log(p);
  }
  return entropy;
}

size_t CategoricalPolicy::Sample(std::mt19937_64& generator) const {
  const std::vector<double> p = Probabilities();
  std::discrete_distribution<size_t> choose(p.begin(), p.end());
  return choose(generator);
}

std::vector<size_t> CategoricalPolicy::Ranking() const {
  std::vector<size_t> order(logits_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [this](size_t x, size_t y) { return logits_[x] > logits_[y]; });
  return order;
}

void CategoricalPolicy::Update(const std::vector<std::vector<size_t>>& samples,
                               const std::vector<double>& rewards) {
  CheckRewards(samples.size(), rewards.size());
  const std::vector<double> p = Probabilities();
  const double baseline = Mean(rewards);
  std::vector<double> gradient(logits_.size(), 0.0);
  for (size_t k = 0; k < samples.size(); ++k) {
    const double advantage = (rewards[k] - baseline) / static_cast<double>(samples.size());
    for (const size_t choice : samples[k]) {
      if (choice >= logits_.size()) {
        throw InvalidArgument("policy update: choice " + std::to_string(choice) +
                              " is out of range (" + std::to_string(logits_.size()) + " choices)");
      }
      // d log softmax(logits)[c] / d logits = onehot(c) - p.
      gradient[choice] += advantage;
      for (size_t i = 0; i < p.size(); ++i) gradient[i] -= advantage * p[i];
    }
  }
  adam_.Step(gradient, logits_);
}

Json CategoricalPolicy::ToJson() const {
  return {{"type", "categorical"}, {"logits", logits_}, {"adam", adam_.ToJson()}};
}

CategoricalPolicy CategoricalPolicy::FromJson(const Json& json) {
  const auto logits = json.at("logits").get<std::vector<double>>();
  CategoricalPolicy policy(logits.size());
  policy.logits_ = logits;
  policy.adam_ = AdamAscent::FromJson(json.at("adam"));
  return policy;
}

// ---- GaussianPolicy ----------------------------------------------------------------------------

GaussianPolicy::GaussianPolicy(std::vector<double> mean, double sigma, double lr)
    : mean_(std::move(mean)), sigma_(sigma), adam_(mean_.size(), lr) {
  if (mean_.empty()) throw InvalidArgument("policy: a Gaussian needs at least one dimension");
  if (!(sigma > 0) || !std::isfinite(sigma)) {
    throw InvalidArgument("sigma: must be a positive number, not " + std::to_string(sigma));
  }
}

std::vector<double> GaussianPolicy::Sample(std::mt19937_64& generator) const {
  std::normal_distribution<double> normal(0.0, sigma_);
  std::vector<double> theta = mean_;
  for (double& x : theta) x += normal(generator);
  return theta;
}

void GaussianPolicy::Update(const std::vector<std::vector<double>>& samples,
                            const std::vector<double>& rewards) {
  CheckRewards(samples.size(), rewards.size());
  const double mean_reward = Mean(rewards);
  double variance = 0;
  for (const double r : rewards) variance += (r - mean_reward) * (r - mean_reward);
  const double spread = std::sqrt(variance / static_cast<double>(rewards.size()));
  if (!(spread > 0)) return;  // all copies earned the same: no direction to follow
  std::vector<double> gradient(mean_.size(), 0.0);
  for (size_t k = 0; k < samples.size(); ++k) {
    if (samples[k].size() != mean_.size()) {
      throw InvalidArgument("policy update: a sample has " + std::to_string(samples[k].size()) +
                            " entries for a " + std::to_string(mean_.size()) +
                            "-dimensional Gaussian");
    }
    const double advantage =
        (rewards[k] - mean_reward) / spread / static_cast<double>(samples.size());
    // d log N(theta; mean, sigma^2) / d mean = (theta - mean) / sigma^2.
    for (size_t i = 0; i < mean_.size(); ++i) {
      gradient[i] += advantage * (samples[k][i] - mean_[i]) / (sigma_ * sigma_);
    }
  }
  adam_.Step(gradient, mean_);
}

Json GaussianPolicy::ToJson() const {
  return {{"type", "gaussian"}, {"mean", mean_}, {"sigma", sigma_}, {"adam", adam_.ToJson()}};
}

GaussianPolicy GaussianPolicy::FromJson(const Json& json) {
  GaussianPolicy policy(json.at("mean").get<std::vector<double>>(), json.at("sigma").get<double>());
  policy.adam_ = AdamAscent::FromJson(json.at("adam"));
  return policy;
}

}  // namespace automl::dl
