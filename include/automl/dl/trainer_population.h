// K copies of one training, trained side by side in rounds: the scheme of the online policy
// searches (OHL, automl/dl/ohl_search.h; AM-LFS, automl/dl/amlfs_search.h). Every copy starts
// from the same weights; in a round each copy is given its own policy (an augmentation, a loss),
// trains a few epochs and is rewarded by its validation accuracy; then the best copy's state
// (weights, optimizer, progress) is broadcast to all, so that the next round starts them equal.
//
// The copies take turns on the machine's threads (the training config's `threads`): one copy at
// a time using them all keeps every result independent of the number of copies.
#ifndef AUTOML_DL_TRAINER_POPULATION_H_
#define AUTOML_DL_TRAINER_POPULATION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "automl/dl/trainer.h"

namespace automl::dl {

class TrainerPopulation {
 public:
  // |copies| trainers of |config| on |data| (which must outlive the population), all equal.
  // Throws InvalidArgument for fewer than two copies.
  TrainerPopulation(const TrainConfig& config, const DataSplits& data, int64_t copies);

  int64_t size() const { return static_cast<int64_t>(copies_.size()); }
  Trainer& copy(int64_t k) { return *copies_.at(static_cast<size_t>(k)); }
  const TrainConfig& config() const { return config_; }
  // Epochs of the schedule and how many every copy has done.
  int64_t total_epochs() const { return copies_.front()->total_epochs(); }
  int64_t epochs_done() const { return copies_.front()->epochs_done(); }

  // One round: |prepare|(k, copy k) sets copy k's policy, then the copy trains |epochs| more
  // epochs (fewer at the end of the schedule). Returns each copy's validation accuracy after
  // its last epoch, or nothing when |interrupted| turned true (the round is then incomplete).
  std::optional<std::vector<double>> TrainRound(
      int64_t epochs, const std::function<void(int64_t, Trainer&)>& prepare,
      const std::function<bool()>& interrupted);
  // Makes every copy a continuation of copy |k|.
  void Broadcast(int64_t k);
  // The first copy with the highest reward.
  static int64_t Best(const std::vector<double>& rewards);

 private:
  TrainConfig config_;
  std::vector<std::unique_ptr<Trainer>> copies_;
};

}  // namespace automl::dl

#endif  // AUTOML_DL_TRAINER_POPULATION_H_
