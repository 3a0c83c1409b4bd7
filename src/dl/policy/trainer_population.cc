#include "automl/dl/trainer_population.h"

#include <algorithm>
#include <string>

#include "automl/error.h"

namespace automl::dl {
namespace {

// Stops a copy's training at once when the run is interrupted; epochs themselves never stop it.
class InterruptOnly : public TrainCallback {
 public:
  explicit InterruptOnly(const std::function<bool()>& interrupted) : interrupted_(interrupted) {}
  bool OnEpoch(const EpochMetrics&) override { return true; }
  bool Interrupted() const override { return interrupted_ && interrupted_(); }

 private:
  const std::function<bool()>& interrupted_;
};

}  // namespace

TrainerPopulation::TrainerPopulation(const TrainConfig& config, const DataSplits& data,
                                     int64_t copies)
    : config_(config) {
  if (copies < 2) {
    throw InvalidArgument("copies: an online search needs at least 2 copies, not " +
                          std::to_string(copies));
  }
  for (int64_t k = 0; k < copies; ++k) {
    copies_.push_back(std::make_unique<Trainer>(config_, data));
    copies_.back()->set_evaluate_test(false);
  }
  // Same seed, same initialization; the broadcast makes it certain.
  Broadcast(0);
}

std::optional<std::vector<double>> TrainerPopulation::TrainRound(
    int64_t epochs, const std::function<void(int64_t, Trainer&)>& prepare,
    const std::function<bool()>& interrupted) {
  InterruptOnly callback(interrupted);
  std::vector<double> rewards;
  for (int64_t k = 0; k < size(); ++k) {
    Trainer& trainer = copy(k);
    prepare(k, trainer);
    const TrainResult result = trainer.Train(&callback, trainer.epochs_done() + epochs);
    if (result.interrupted || result.history.empty()) return std::nullopt;
    rewards.push_back(result.history.back().val_accuracy);
  }
  return rewards;
}

void TrainerPopulation::Broadcast(int64_t k) {
  const Trainer& best = copy(k);
  for (int64_t j = 0; j < size(); ++j) {
    if (j != k) copy(j).CopyStateFrom(best);
  }
}

int64_t TrainerPopulation::Best(const std::vector<double>& rewards) {
  if (rewards.empty()) throw InvalidArgument("TrainerPopulation::Best: no rewards");
  return std::max_element(rewards.begin(), rewards.end()) - rewards.begin();
}

}  // namespace automl::dl
