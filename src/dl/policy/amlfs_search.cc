#include "automl/dl/amlfs_search.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <string>

#include "automl/error.h"
#include "automl/random.h"

namespace automl::dl {
namespace {

int64_t CountOption(const Json& json, const char* key, int64_t least) {
  const Json& value = json.at(key);
  if (!value.is_number_integer() || value.get<int64_t>() < least) {
    throw InvalidArgument(std::string("amlfs: ") + key + " must be an integer >= " +
                          std::to_string(least) + ", not " + value.dump());
  }
  return value.get<int64_t>();
}

double PositiveOption(const Json& json, const char* key) {
  const Json& value = json.at(key);
  if (!value.is_number() || !(value.get<double>() > 0)) {
    throw InvalidArgument(std::string("amlfs: ") + key + " must be a positive number, not " +
                          value.dump());
  }
  return value.get<double>();
}

}  // namespace

AmLfsOptions AmLfsOptions::FromJson(const Json& json) {
  AmLfsOptions options;
  if (json.is_null()) return options;
  if (!json.is_object()) throw InvalidArgument("amlfs: must be a mapping, not " + json.dump());
  for (const auto& item : json.items()) {
    static const std::vector<std::string> known = {"copies", "intervals", "sigma", "lr",
                                                   "round_epochs"};
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
      throw InvalidArgument("amlfs: unknown key '" + item.key() +
                            "' (known: copies, intervals, sigma, lr, round_epochs)");
    }
  }
  if (json.contains("copies")) options.copies = CountOption(json, "copies", 2);
  if (json.contains("intervals")) options.intervals = CountOption(json, "intervals", 1);
  if (json.contains("round_epochs")) options.round_epochs = CountOption(json, "round_epochs", 1);
  if (json.contains("sigma")) options.sigma = PositiveOption(json, "sigma");
  if (json.contains("lr")) options.lr = PositiveOption(json, "lr");
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

// The training config, refused before any copy is built when it smooths labels.
const TrainConfig& WithoutSmoothing(const TrainConfig& config) {
  if (config.label_smoothing != 0) {
    throw InvalidArgument(
        "label_smoothing: applies to cross-entropy only; a loss search needs it at 0");
  }
  return config;
}

}  // namespace

AmLfsSearch::AmLfsSearch(AmLfsOptions options, const TrainConfig& config, const DataSplits& data)
    : options_(options),
      distribution_(ToTheta(LossOptions::Identity(options.intervals)), options.sigma, options.lr),
      population_(WithoutSmoothing(config), data, options.copies),
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
