// Training a model from a config, reporting each epoch's validation result as it goes.
//
//   task: fashion-mnist            # or csv
//   data: {fraction: 0.1}          # see DataOptions
//   model: {layers: [...]}         # see ModelSpec
//   optimizer: {name: adam, lr: 0.001}
//   schedule: constant             # see ScheduleOptions
//   epochs: 10                     # or steps: N (optimizer steps)
//   batch_size: 128
//   augment: {crop: 4, flip: true} # see AugmentOptions
//   label_smoothing: 0.1
//   loss: cross_entropy            # or an AM-LFS loss (automl/dl/loss_function.h)
//   grad_clip: 5.0                 # clip the gradient norm
//   threads: 2                     # LibTorch's intra-op threads (0: its default)
//   seed: 0
//   device: auto                   # auto | cpu | cuda
//   metric: val_accuracy           # what a study optimizes: val_accuracy or val_loss
//   proxy: {channels: 0.25, epochs: 3}  # the cheaper setting a search trains (automl/dl/proxy.h)
//
// Validation runs after every epoch on the held-out part of the training split; the test set is
// evaluated once, at the end, with the parameters of the best validation epoch, and never feeds
// a decision. Training on the CPU is deterministic for a seed and a thread count.
//
// A network that schedules by training progress (nasnet's drop path) is told the fraction of steps
// done before every step. An auxiliary head's loss (nasnet) is added to the training loss with its
// weight, label smoothing included, and is part of train_loss; validation and test use the main
// head alone.
#ifndef AUTOML_DL_TRAINER_H_
#define AUTOML_DL_TRAINER_H_

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "automl/dl/augment.h"
#include "automl/dl/data.h"
#include "automl/dl/evaluate.h"
#include "automl/dl/loss_function.h"
#include "automl/dl/model.h"
#include "automl/dl/optim.h"
#include "automl/dl/proxy.h"
#include "automl/json.h"

namespace automl::dl {

// The default evaluation batch of chain networks: Debian's LibTorch 1.13 runs their depthwise
// convolutions about 35 times slower per image in batches of 1,000 than of 128, and a training
// epoch after such an evaluation ran 6 times slower too (measured, BENCHMARKS.md).
inline constexpr int64_t kChainEvalBatchSize = 128;

struct TrainConfig {
  std::string task = "fashion-mnist";
  DataOptions data;
  ModelSpec model;
  OptimizerOptions optimizer;
  ScheduleOptions schedule;
  int64_t epochs = 1;
  std::optional<int64_t> steps;
  int64_t batch_size = 128;
  // Chain networks (depthwise convolutions) default to kChainEvalBatchSize.
  int64_t eval_batch_size = 1000;
  AugmentOptions augment;
  double label_smoothing = 0;
  LossOptions loss;  // the training loss; validation and test report cross-entropy
  std::optional<double> grad_clip;
  int threads = 0;
  uint64_t seed = 0;
  std::string device = "auto";
  std::string metric = "val_accuracy";
  // The search setting; everything above is the full setting.
  std::optional<ProxyOptions> proxy;

  // Reads a training config; |source| names it in messages. Unknown keys are refused.
  static TrainConfig FromJson(const Json& json, const std::string& source = "config");
  Json ToJson() const;
  // The config that trains the proxy: channels, resolution, fraction and epochs scaled as
  // `proxy` says, and no proxy left. The config itself when there is none. Throws
  // InvalidArgument when the proxy does not apply (a resolution for tabular data).
  TrainConfig AtProxy() const;
  // Whether a larger metric is better (accuracy) or a smaller one (loss).
  bool maximize() const { return metric == "val_accuracy"; }
};

struct EpochMetrics {
  int64_t epoch = 0;  // 0-based
  double train_loss = 0, train_accuracy = 0;
  double val_loss = 0, val_accuracy = 0;
  double lr = 0;
  double seconds = 0;
  // The value of the config's metric for this epoch.
  double metric = 0;
};

struct TrainResult {
  double val_accuracy = 0, val_loss = 0;    // at the best epoch
  double test_accuracy = 0, test_loss = 0;  // of the best epoch's parameters
  int64_t best_epoch = 0;
  int64_t epochs_run = 0;
  bool stopped_early = false;  // a callback stopped it after an epoch (a pruned trial)
  bool interrupted = false;    // a callback stopped it in the middle of an epoch
  double images_per_sec = 0;   // training examples per second of training time
  double seconds = 0;          // wall time of the whole run
  double train_seconds = 0;    // of which training steps
  double data_seconds = 0;     // of which drawing and augmenting batches
  int64_t params = 0;
  int64_t flops = 0;  // multiply-adds per example
  int64_t peak_memory_bytes = 0;
  std::string device;
  std::vector<EpochMetrics> history;

  Json ToJson() const;
};

// Told about every epoch; returns false to stop training (the trial was pruned).
class TrainCallback {
 public:
  virtual ~TrainCallback() = default;
  virtual bool OnEpoch(const EpochMetrics& metrics) = 0;
  // Asked before every step: true stops training at once (a signal, a time limit).
  virtual bool Interrupted() const { return false; }
};

// The device |name| asks for: "auto" takes CUDA when LibTorch has it and a GPU is present.
// Throws InvalidArgument for "cuda" without one.
torch::Device ResolveDevice(const std::string& name);

class Trainer {
 public:
  // Builds the model for |data| (which must match config.task).
  Trainer(TrainConfig config, const DataSplits& data);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Trains, calling |callback| after each epoch, from where training stands (epoch 0, or a
  // loaded checkpoint's) to the end of the schedule or, given |until_epoch|, until that many
  // epochs are done. The result's history, best epoch and validation values cover every epoch
  // so far; its times and speed this call alone. Throws TrainingDiverged when the loss turns NaN
  // or infinite.
  TrainResult Train(TrainCallback* callback = nullptr,
                    std::optional<int64_t> until_epoch = std::nullopt);

  // The epochs of the schedule (config.epochs, or steps rounded up to whole epochs) and how many
  // are done.
  int64_t total_epochs() const;
  int64_t epochs_done() const;

  // Writes what continuing this run needs, atomically (a file renamed into place). Call it after
  // Train() and before net() is used elsewhere: it holds the network as the last epoch left it.
  // Throws StorageError when the file cannot be written.
  void SaveCheckpoint(const std::string& path) const;
  // Continues from a checkpoint written by a Trainer of the same config (seed included). Throws
  // InvalidArgument when the file is missing or unreadable, or holds another config.
  void LoadCheckpoint(const std::string& path);
  // The config a checkpoint was written with, so that a run can be rebuilt to continue it.
  // Throws InvalidArgument as LoadCheckpoint does.
  static TrainConfig CheckpointConfig(const std::string& path);

  // Makes this training the exact continuation of |source|'s (a trainer of the same network and
  // optimizer): its parameters, buffers, optimizer state and progress, history included. Its
  // own augmentation and loss stay. Online policy searches broadcast the best copy with it.
  void CopyStateFrom(const Trainer& source);
  // Changes the augmentation policy or the loss from the next Train() on (an online policy
  // search gives each copy its own); the config, and so checkpoints and model files, record it.
  void set_augment_policy(std::shared_ptr<const AugmentPolicy> policy);
  void set_loss(LossOptions loss);
  // Whether Train() ends with a test evaluation (on by default). A search that trains in many
  // short calls turns it off: the test set decides nothing and costs time.
  void set_evaluate_test(bool evaluate) { evaluate_test_ = evaluate; }

  // The trained network (the best epoch's parameters after Train()).
  Net& net() { return net_; }
  const TrainConfig& config() const { return config_; }

 private:
  struct Progress;
  // Optimizer steps per epoch and in all, from the config's epochs or steps.
  struct Schedule {
    int64_t per_epoch = 1, total_steps = 0;
  };
  Schedule StepSchedule() const;

  TrainConfig config_;
  const DataSplits& data_;
  torch::Device device_;
  Net net_{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::unique_ptr<Progress> progress_;
  bool evaluate_test_ = true;
};

// The loss became NaN or infinite.
class TrainingDiverged : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace automl::dl

#endif  // AUTOML_DL_TRAINER_H_
