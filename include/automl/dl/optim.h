// Optimizers and learning-rate schedules from configs.
//
//   optimizer: {name: sgd, lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 5.0e-4}
//   optimizer: {name: adam, lr: 0.001, betas: [0.9, 0.999], eps: 1.0e-8, weight_decay: 0}
//   optimizer: {name: adamw, lr: 0.001, weight_decay: 0.01}
//   schedule: {name: cosine, warmup_epochs: 1, min_lr: 0}
//   schedule: {name: step, step_epochs: 30, gamma: 0.1, warmup_epochs: 0}
//   schedule: constant
#ifndef AUTOML_DL_OPTIM_H_
#define AUTOML_DL_OPTIM_H_

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "automl/json.h"

namespace automl::dl {

struct OptimizerOptions {
  std::string name = "adam";  // sgd | adam | adamw
  double lr = 1e-3;
  double momentum = 0.0;                          // sgd
  bool nesterov = false;                          // sgd (needs momentum > 0)
  double weight_decay = 0.0;                      // L2 for sgd and adam; decoupled for adamw
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // adam, adamw

  // Reads `optimizer:` (a name or a mapping); unknown names and keys are refused.
  static OptimizerOptions FromJson(const Json& json);
  Json ToJson() const;
};

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(std::vector<torch::Tensor> parameters,
                                                       const OptimizerOptions& options);

struct ScheduleOptions {
  std::string name = "constant";  // constant | step | cosine
  double warmup_epochs = 0;       // linear warm-up from lr/100 over this many epochs
  double step_epochs = 30;        // step: multiply by gamma every step_epochs
  double gamma = 0.1;
  double min_lr = 0;  // cosine: the learning rate it ends at

  static ScheduleOptions FromJson(const Json& json);
  Json ToJson() const;

  // The learning rate at |epoch| (fractional: epoch 2.5 is half-way through the third) of a run
  // of |total_epochs| whose base rate is |base_lr|.
  double LearningRate(double base_lr, double epoch, double total_epochs) const;
};

// Sets every parameter group of |optimizer| to |lr|.
void SetLearningRate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace automl::dl

#endif  // AUTOML_DL_OPTIM_H_
