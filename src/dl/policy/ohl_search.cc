#include "automl/dl/ohl_search.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <string>

#include "automl/config_keys.h"
#include "automl/error.h"
#include "automl/random.h"
#include "dl/policy/search_option_values.h"

namespace automl::dl {

OhlOptions OhlOptions::FromJson(const Json& json) {
  OhlOptions options;
  if (json.is_null()) return options;
  if (!json.is_object()) throw InvalidArgument("ohl: must be a mapping, not " + json.dump());
  CheckKnownKeys(
      json,
      {"copies", "trunk_epochs", "sub_policies", "lr", "top", "ops", "magnitudes", "probabilities"},
      "ohl");
  if (json.contains("copies")) options.copies = internal::IntAtLeast(json, "copies", "ohl", 2);
  if (json.contains("trunk_epochs"))
    options.trunk_epochs = internal::IntAtLeast(json, "trunk_epochs", "ohl", 1);
  if (json.contains("sub_policies"))
    options.sub_policies = internal::IntAtLeast(json, "sub_policies", "ohl", 1);
  if (json.contains("top")) options.top = internal::IntAtLeast(json, "top", "ohl", 1);
  if (json.contains("lr")) options.lr = internal::PositiveNumber(json, "lr", "ohl");
  try {
    options.space = PolicySpaceOptions::FromJson(json);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("ohl: ") + e.what());
  }
  return options;
}

Json OhlOptions::ToJson() const {
  Json json = space.ToJson();
  json["copies"] = copies;
  json["trunk_epochs"] = trunk_epochs;
  json["sub_policies"] = sub_policies;
  json["lr"] = lr;
  json["top"] = top;
  return json;
}

Json OhlTrunk::ToJson(const std::vector<SubPolicy>& space) const {
  Json copies = Json::array();
  for (size_t k = 0; k < choices.size(); ++k) {
    Json names = Json::array();
    for (const size_t c : choices[k]) names.push_back(space.at(c).ToString());
    copies.push_back({{"copy", k}, {"sub_policies", names}, {"val_accuracy", rewards[k]}});
  }
  Json best = Json::array();
  for (size_t i = 0; i < top.sub_policies.size(); ++i) {
    best.push_back(
        {{"sub_policy", top.sub_policies[i].ToString()}, {"probability", top.weights[i]}});
  }
  return {{"trunk", trunk},
          {"epochs_done", epochs_done},
          {"copies", copies},
          {"best_copy", best_copy},
          {"val_accuracy", rewards.at(static_cast<size_t>(best_copy))},
          {"entropy", entropy},
          {"top", best},
          {"seconds", seconds}};
}

namespace {

// |data|, refused before any copy is built when it holds no images.
const DataSplits& Images(const DataSplits& data) {
  if (data.train.inputs.dim() != 4) {
    throw InvalidArgument("ohl: an augmentation policy needs images (fashion-mnist), not " +
                          std::to_string(data.train.inputs.dim()) + "-D inputs");
  }
  return data;
}

}  // namespace

OhlSearch::OhlSearch(OhlOptions options, const TrainConfig& config, const DataSplits& data)
    : options_(std::move(options)),
      space_(options_.space.SubPolicies()),
      distribution_(space_.size(), options_.lr),
      population_(config, Images(data), options_.copies),
      seed_(config.seed) {}

int64_t OhlSearch::total_trunks() const {
  const int64_t epochs = population_.total_epochs();
  return (epochs + options_.trunk_epochs - 1) / options_.trunk_epochs;
}

bool OhlSearch::Run(const std::function<bool(const OhlTrunk&)>& on_trunk,
                    const std::function<bool()>& interrupted) {
  while (trunks_done() < total_trunks()) {
    const auto start = std::chrono::steady_clock::now();
    OhlTrunk trunk;
    trunk.trunk = trunks_done();
    // Sampling draws from a generator of its own, so p_theta never changes while it is asked.
    std::mt19937_64 generator(
        DeriveSeed(seed_, static_cast<uint64_t>(trunk.trunk), HashName("ohl")));
    trunk.choices.resize(static_cast<size_t>(population_.size()));
    for (auto& choices : trunk.choices) {
      for (int64_t s = 0; s < options_.sub_policies; ++s) {
        choices.push_back(distribution_.Sample(generator));
      }
    }
    const auto rewards = population_.TrainRound(
        options_.trunk_epochs,
        [&](int64_t k, Trainer& copy) {
          std::vector<SubPolicy> policy;
          for (const size_t c : trunk.choices[static_cast<size_t>(k)]) policy.push_back(space_[c]);
          copy.set_augment_policy(
              std::make_shared<const AugmentPolicy>(AugmentPolicy::Uniform(std::move(policy))));
        },
        interrupted);
    if (!rewards) return false;
    trunk.rewards = *rewards;
    distribution_.Update(trunk.choices, trunk.rewards);
    trunk.best_copy = TrainerPopulation::Best(trunk.rewards);
    population_.Broadcast(trunk.best_copy);
    trunk.epochs_done = population_.epochs_done();
    trunk.entropy = distribution_.Entropy();
    trunk.top = TopPolicy(options_.top);
    trunk.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    history_.push_back(trunk);
    if (!on_trunk(history_.back())) return trunks_done() == total_trunks();
  }
  return true;
}

AugmentPolicy OhlSearch::TopPolicy(int64_t count) const {
  const std::vector<double> p = distribution_.Probabilities();
  const std::vector<size_t> ranking = distribution_.Ranking();
  AugmentPolicy policy;
  const auto n = std::min<size_t>(static_cast<size_t>(count), ranking.size());
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += p[ranking[i]];
  for (size_t i = 0; i < n; ++i) {
    policy.sub_policies.push_back(space_[ranking[i]]);
    policy.weights.push_back(p[ranking[i]] / sum);
  }
  return policy;
}

AugmentPolicy OhlSearch::LearnedPolicy() const { return TopPolicy(options_.top); }

}  // namespace automl::dl
