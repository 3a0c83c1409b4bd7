// Loss-function search by AM-LFS (Li et al., "AM-LFS: AutoML for Loss Function Search", ICCV
// 2019): the loss is a member of the piecewise-linear space of automl/dl/loss_function.h,
// -log tau(p_y) with tau(x) = a_i x + b_i on M equal intervals of [0, 1], and its parameters
// theta = (a, b) follow N(mu, sigma^2 I). In every round (an epoch by default) each of the K
// copies samples its theta, trains with that loss and is rewarded by its validation accuracy;
// mu takes one REINFORCE step with the rewards standardized over the copies (Adam), and the best
// copy is broadcast to all. mu starts at the identity (cross-entropy). The learned loss is mu;
// the final model is the broadcast copy.
//
//   amlfs: {copies: 4, intervals: 6, sigma: 0.2, lr: 0.05, round_epochs: 1}
#ifndef AUTOML_DL_AMLFS_SEARCH_H_
#define AUTOML_DL_AMLFS_SEARCH_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "automl/dl/loss_function.h"
#include "automl/dl/policy_distribution.h"
#include "automl/dl/trainer_population.h"
#include "automl/json.h"

namespace automl::dl {

struct AmLfsOptions {
  int64_t copies = 4;
  int64_t intervals = 6;  // M
  double sigma = 0.2;     // of the sampling distribution
  double lr = 0.05;       // Adam's step on mu
  int64_t round_epochs = 1;

  // Reads `amlfs:`; unknown keys are refused with one line naming them.
  static AmLfsOptions FromJson(const Json& json);
  Json ToJson() const;
};

struct AmLfsRound {
  int64_t round = 0;
  int64_t epochs_done = 0;
  std::vector<LossOptions> losses;  // copy k's sampled loss
  std::vector<double> rewards;      // copy k's validation accuracy
  int64_t best_copy = 0;
  LossOptions mean;  // mu after the update
  double seconds = 0;

  Json ToJson() const;
};

class AmLfsSearch {
 public:
  // |data| must outlive the search. Throws InvalidArgument for bad options, or a config with
  // label smoothing (which applies to cross-entropy only).
  AmLfsSearch(AmLfsOptions options, const TrainConfig& config, const DataSplits& data);

  int64_t total_rounds() const;
  int64_t rounds_done() const { return static_cast<int64_t>(history_.size()); }
  // As OhlSearch::Run.
  bool Run(const std::function<bool(const AmLfsRound&)>& on_round,
           const std::function<bool()>& interrupted);

  // mu, as a loss.
  LossOptions LearnedLoss() const;
  const GaussianPolicy& distribution() const { return distribution_; }
  const std::vector<AmLfsRound>& history() const { return history_; }
  const AmLfsOptions& options() const { return options_; }
  Trainer& final_model() { return population_.copy(0); }

  // theta = (a, b) as a loss, and back.
  static LossOptions ToLoss(const std::vector<double>& theta);
  static std::vector<double> ToTheta(const LossOptions& loss);

 private:
  AmLfsOptions options_;
  GaussianPolicy distribution_;
  TrainerPopulation population_;
  uint64_t seed_;
  std::vector<AmLfsRound> history_;
};

}  // namespace automl::dl

#endif  // AUTOML_DL_AMLFS_SEARCH_H_
