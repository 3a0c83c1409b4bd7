#include "automl/dl/amlfs_search.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <string>

#include "automl/config_keys.h"
#include "automl/error.h"
#include "automl/random.h"
#include "dl/policy/search_option_values.h"

namespace automl::dl {

AmLfsOptions AmLfsOptions::FromJson(const Json& json) {
  AmLfsOptions options;
  if (json.is_null()) return options;
  if (!json.is_object()) throw InvalidArgument("amlfs: must be a mapping, not " + json.dump());
  CheckKnownKeys(json, {"copies", "intervals", "sigma", "lr", "round_epochs"}, "amlfs");
  if (json.contains("copies")) options.copies = internal::IntAtLeast(json, "copies", "amlfs", 2);
  if (json.contains("intervals"))
    options.intervals = internal::IntAtLeast(json, "intervals", "amlfs", 1);
  if (json.contains("round_epochs"))
    options.round_epochs = internal::IntAtLeast(json, "round_epochs", "amlfs", 1);
  if (json.contains("sigma")) options.sigma = internal::PositiveNumber(json, "sigma", "amlfs");
  if (json.contains("lr")) options.lr = internal::PositiveNumber(json, "lr", "amlfs");
  return options;
}

Json AmLfsOptions::ToJson() const {
  return {{"copies", copies},
          {"intervals", intervals},
          {"sigma", sigma},
          {"lr", lr},
          {"round_epochs", round_epochs}};
}

Json AmLfsRound::ToJson() const {
  Json copies = Json::array();
  for (size_t k = 0; k < losses.size(); ++k) {
    copies.push_back({{"copy", k}, {"loss", losses[k].ToJson()}, {"val_accuracy", rewards[k]}});
  }
  return {{"round", round},
          {"epochs_done", epochs_done},
          {"copies", copies},
          {"best_copy", best_copy},
          {"val_accuracy", rewards.at(static_cast<size_t>(best_copy))},
          {"mean", mean.ToJson()},
          {"seconds", seconds}};
}

LossOptions AmLfsSearch::ToLoss(const std::vector<double>& theta) {
  const size_t m = theta.size() / 2;
  LossOptions loss;
  loss.a.assign(theta.begin(), theta.begin() + static_cast<std::ptrdiff_t>(m));
  loss.b.assign(theta.begin() + static_cast<std::ptrdiff_t>(m), theta.end());
  loss.Validate();
  return loss;
}

std::vector<double> AmLfsSearch::ToTheta(const LossOptions& loss) {
  std::vector<double> theta = loss.a;
  theta.insert(theta.end(), loss.b.begin(), loss.b.end());
  return theta;
}

namespace {

// The training config, refused before any copy is built when it smooths labels (the copies
// train with piecewise losses).
const TrainConfig& WithoutSmoothing(const TrainConfig& config, int64_t intervals) {
  CheckLabelSmoothing(LossOptions::Identity(intervals), config.label_smoothing);
  return config;
}

}  // namespace

AmLfsSearch::AmLfsSearch(AmLfsOptions options, const TrainConfig& config, const DataSplits& data)
    : options_(options),
      distribution_(ToTheta(LossOptions::Identity(options.intervals)), options.sigma, options.lr),
      population_(WithoutSmoothing(config, options.intervals), data, options.copies),
      seed_(config.seed) {}

int64_t AmLfsSearch::total_rounds() const {
  return (population_.total_epochs() + options_.round_epochs - 1) / options_.round_epochs;
}

bool AmLfsSearch::Run(const std::function<bool(const AmLfsRound&)>& on_round,
                      const std::function<bool()>& interrupted) {
  while (rounds_done() < total_rounds()) {
    const auto start = std::chrono::steady_clock::now();
    AmLfsRound round;
    round.round = rounds_done();
    std::mt19937_64 generator(
        DeriveSeed(seed_, static_cast<uint64_t>(round.round), HashName("amlfs")));
    std::vector<std::vector<double>> thetas;
    for (int64_t k = 0; k < population_.size(); ++k) {
      thetas.push_back(distribution_.Sample(generator));
      round.losses.push_back(ToLoss(thetas.back()));
    }
    const auto rewards = population_.TrainRound(
        options_.round_epochs,
        [&](int64_t k, Trainer& copy) { copy.set_loss(round.losses[static_cast<size_t>(k)]); },
        interrupted);
    if (!rewards) return false;
    round.rewards = *rewards;
    distribution_.Update(thetas, round.rewards);
    round.best_copy = TrainerPopulation::Best(round.rewards);
    population_.Broadcast(round.best_copy);
    round.epochs_done = population_.epochs_done();
    round.mean = LearnedLoss();
    round.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    history_.push_back(round);
    if (!on_round(history_.back())) return rounds_done() == total_rounds();
  }
  return true;
}

LossOptions AmLfsSearch::LearnedLoss() const { return ToLoss(distribution_.mean()); }

}  // namespace automl::dl
