// Online Hyper-parameter Learning of an augmentation policy (OHL-Auto-Aug; Lin et al., "Online
// Hyper-parameter Learning for Auto-Augmentation Strategy", ICCV 2019).
//
// The policy is a distribution p_theta over sub-policies (every ordered pair of augmentation
// elements, automl/dl/augment_policy.h), learned during ONE training instead of AutoAugment's
// thousands: the run is cut into trunks; at each trunk the K copies of the network start from
// the same weights, copy k samples its policy (S sub-policies from p_theta, each image then
// drawing one of them), trains for the trunk and is rewarded by its validation accuracy; theta
// takes one REINFORCE step with the copies' mean reward as the baseline (Adam, OHL's optimizer),
// and the best copy's weights are broadcast to all copies. The learned policy is the top sub-
// policies of p_theta, weighted by their probabilities; the final model is the broadcast copy.
//
//   ohl: {copies: 8, trunk_epochs: 1, sub_policies: 5, lr: 0.05, top: 5,
//         ops: [rotate, ...], magnitudes: [0.333, 0.667, 1], probabilities: [0.5]}
//
// The training config's own `augment` (crop and flip, say) is applied after the policy, as
// AutoAugment and OHL do. The test set is never seen.
#ifndef AUTOML_DL_OHL_SEARCH_H_
#define AUTOML_DL_OHL_SEARCH_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "automl/dl/augment_policy.h"
#include "automl/dl/policy_distribution.h"
#include "automl/dl/trainer_population.h"
#include "automl/json.h"

namespace automl::dl {

struct OhlOptions {
  int64_t copies = 8;        // K, as in the paper
  int64_t trunk_epochs = 1;  // epochs per trunk
  int64_t sub_policies = 5;  // S sub-policies per copy per trunk (AutoAugment's policy size)
  double lr = 0.05;          // Adam's step on theta
  int64_t top = 5;           // sub-policies in the learned policy
  PolicySpaceOptions space;

  // Reads `ohl:`; unknown keys are refused with one line naming them.
  static OhlOptions FromJson(const Json& json);
  Json ToJson() const;
};

struct OhlTrunk {
  int64_t trunk = 0;                         // 0-based
  int64_t epochs_done = 0;                   // after this trunk
  std::vector<std::vector<size_t>> choices;  // copy k's sub-policies (indices into the space)
  std::vector<double> rewards;               // copy k's validation accuracy
  int64_t best_copy = 0;
  double entropy = 0;  // of p_theta after the update
  AugmentPolicy top;   // p_theta's top sub-policies after the update
  double seconds = 0;

  // With the sub-policies spelled out (|space| gives them).
  Json ToJson(const std::vector<SubPolicy>& space) const;
};

class OhlSearch {
 public:
  // |data| must outlive the search. Throws InvalidArgument for bad options or a training
  // config that is not on images.
  OhlSearch(OhlOptions options, const TrainConfig& config, const DataSplits& data);

  int64_t total_trunks() const;
  int64_t trunks_done() const { return static_cast<int64_t>(history_.size()); }
  // Runs the remaining trunks, calling |on_trunk| after each (false stops); |interrupted| is
  // asked before every training step. Returns whether every trunk is done.
  bool Run(const std::function<bool(const OhlTrunk&)>& on_trunk,
           const std::function<bool()>& interrupted);

  // p_theta's |options.top| most probable sub-policies, weighted by their probabilities.
  AugmentPolicy LearnedPolicy() const;
  const CategoricalPolicy& distribution() const { return distribution_; }
  const std::vector<SubPolicy>& space() const { return space_; }
  const std::vector<OhlTrunk>& history() const { return history_; }
  const OhlOptions& options() const { return options_; }
  // The final model: every copy after the last broadcast.
  Trainer& final_model() { return population_.copy(0); }

 private:
  AugmentPolicy TopPolicy(int64_t count) const;

  OhlOptions options_;
  std::vector<SubPolicy> space_;
  CategoricalPolicy distribution_;
  TrainerPopulation population_;
  uint64_t seed_;
  std::vector<OhlTrunk> history_;
};

}  // namespace automl::dl

#endif  // AUTOML_DL_OHL_SEARCH_H_
