// TorchObjective: in-process training as a study's objective.
//
//   objective:
//     task: fashion-mnist
//     data: {fraction: 0.2}
//     model: {cnn: {depth: 2, width: "{width}", dropout: "{dropout}"}}
//     optimizer: {name: adam, lr: "{lr}"}
//     epochs: 5
//     metric: val_accuracy          # val_accuracy (maximize) or val_loss (minimize)
//     proxy: {channels: 0.5, epochs: 3}  # optional: what the search trains (automl/dl/proxy.h)
//     keep_models: best             # best | all | none: which trials keep a model file
//     models_dir: automl_models     # where model files go
//     max_params: 1000000           # optional: a larger network fails without training
//
// Each trial substitutes its parameters into the config (a string that is exactly "{name}"
// takes the value as it is), trains, reports the metric after every epoch so a pruner can stop
// it, and returns the best epoch's metric. The test set plays no part. With a `proxy`, each trial
// trains the proxy (and the pruner's steps are the proxy's epochs); the trial keeps the config as
// given, full setting and proxy, in its system attribute `training_config` (what `automl train`
// retrains at the full setting) and the proxy it trained in `proxy_config`. Data are loaded once
// per process and shared by the trials that use the same data settings. Each trial records the
// parameters of its network at the full setting (system attribute `full_params`); with
// `max_params`, a trial whose network has more fails at once, with the count in its reason, so
// that a search under a parameter budget never trains what it could not keep.
//
// Networks trained in chunks (EcoNAS's hierarchical proxy, the `econas` sampler): a trial whose
// system attribute `econas` is {level: k, levels: L, continues: n} trains epochs [(k-1)E/L, kE/L)
// of its E-epoch schedule (the proxy's when there is one), continuing trial n's network from its
// checkpoint (n is null at level 1: a new network), with n's seed, so that the chunks together
// train exactly what one run of E epochs would (Trainer). It reports epochs counted from the
// network's start and returns the best validation value so far. Below the last level it saves a
// checkpoint, models_dir/<study>/checkpoints/trial-<number>.ckpt, and records the path in its
// system attribute `checkpoint`; workers that continue each other's networks must share
// models_dir. A missing or foreign checkpoint fails the trial with the reason.
#ifndef AUTOML_DL_TORCH_OBJECTIVE_H_
#define AUTOML_DL_TORCH_OBJECTIVE_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "automl/dl/data.h"
#include "automl/json.h"
#include "automl/optimize.h"
#include "automl/search_space.h"
#include "automl/trial.h"

namespace automl::dl {

class TorchObjective {
 public:
  // Checks the config with every placeholder that refers to |space| and that the study's
  // direction suits the metric; throws InvalidArgument naming the problem.
  TorchObjective(const Json& objective, const SearchSpace& space,
                 const std::vector<Direction>& directions);

  TrialOutcome Run(Trial& trial);
  // Raised (by a signal handler) to stop the running training at its next step.
  void set_stop_flag(const std::atomic<bool>* flag) { stop_flag_ = flag; }

 private:
  const DataSplits& Data(const std::string& task, const DataOptions& options);

  Json template_;
  SearchSpace space_;  // composes structured parameters (architectures) for substitution
  std::string keep_models_ = "best";
  std::string models_dir_ = "automl_models";
  std::optional<int64_t> max_params_;
  const std::atomic<bool>* stop_flag_ = nullptr;
  std::mutex data_mutex_;
  std::map<std::string, std::unique_ptr<DataSplits>> data_cache_;
};

}  // namespace automl::dl

#endif  // AUTOML_DL_TORCH_OBJECTIVE_H_
