// Training a one-shot supernet (automl/dl/supernet.h) with a path sampler, and evaluating paths
// with the weights they inherit from it.
//
//   supernet:
//     sampler: greedy              # uniform (SPOS) | greedy (GreedyNAS) | pcnas (PC-NAS) |
//                                  # crnas (CR-NAS: stages cut to any depth)
//     greedy: {num_sampled: 10, num_kept: 5}  # the sampler's options: GreedyPathSamplerOptions,
//                                             # PartialModelPoolOptions (automl/nas/)
//     epochs: 10                   # supernet training epochs: batches trained, for every sampler
//     score_examples: 250          # the fixed validation subset greedy and pcnas score paths on
//     bn_batches: 20               # training batches that recalibrate batchnorm before evaluation
//     warmup: 0.5                  # pcnas: share of the epochs of uniform paths before growing
//
// The recipe (data, optimizer, schedule, batch size, augmentation, label smoothing, gradient
// clipping, threads, seed) is the stand-alone training config's, so that supernet and stand-alone
// networks train alike; only the epochs differ.
//
// Samplers, per optimizer step (every step trains one path on one training batch, so that equal
// epochs mean equal training cost in batches; what a sampler spends on scoring paths is extra and
// reported as scoring time):
//   uniform  each layer's choice uniformly (Z. Guo et al., ECCV 2020).
//   greedy   every num_kept steps: num_sampled paths proposed (uniformly, or from the candidate
//            pool with a probability rising linearly from 0 to 0.8), each scored by its loss on
//            the scoring subset (batchnorm in training mode, no gradients), the best num_kept
//            trained one step each and entered into the pool; the pool's turnover per epoch is
//            reported (S. You et
//            al., "GreedyNAS: Towards Fast One-Shot NAS with Greedy Supernet", CVPR 2020).
//   pcnas    a uniform warm-up, then the partial-model pool grown one layer at a time: each
//            growth step trains paths whose prefix is a candidate of the pool and whose other
//            layers are uniform, then scores each candidate by the mean accuracy of `completions`
//            random completions on the scoring subset and keeps the best `pool_size`; what is
//            left of the growth once training ends is done then (X. Li et al., "Improving
//            One-shot NAS by Suppressing the Posterior Fading", CVPR 2020).
//   crnas    stage-prefix paths: each stage's depth uniform in 1 .. its layers, each kept
//            position's block (e.g. its dilation) uniform, so that one supernet serves searches
//            at any total of blocks (F. Liang et al., "Computation Reallocation for Object
//            Detection", ICLR 2020; automl/nas/stage_allocation.h). Needs skip among the choices.
#ifndef AUTOML_DL_SUPERNET_TRAINER_H_
#define AUTOML_DL_SUPERNET_TRAINER_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "automl/dl/data.h"
#include "automl/dl/evaluate.h"
#include "automl/dl/supernet.h"
#include "automl/dl/trainer.h"
#include "automl/json.h"
#include "automl/nas/chain_space.h"

namespace automl::dl {

struct SupernetOptions {
  std::string sampler = "uniform";
  Json sampler_options = Json::object();  // under the sampler's name in the config
  int64_t epochs = 10;
  int64_t score_examples = 250;
  int64_t bn_batches = 20;
  double warmup = 0.5;  // pcnas: the share of the epochs that train uniform paths before growing

  // Reads `supernet:`; unknown keys and samplers are refused, and so are the options of a
  // sampler other than the chosen one.
  static SupernetOptions FromJson(const Json& json);
  Json ToJson() const;
};

struct SupernetEpoch {
  int64_t epoch = 0;
  double train_loss = 0, train_accuracy = 0;
  double seconds = 0;                   // the whole epoch
  double score_seconds = 0;             // of which scoring paths (greedy, pcnas)
  int64_t paths_scored = 0;             // forward passes over the scoring subset
  std::optional<double> pool_turnover;  // greedy: the share of the pool replaced this epoch
  std::optional<int64_t> fixed_layers;  // pcnas: layers the partial models fix so far

  Json ToJson() const;
};

class SupernetTrainer {
 public:
  // |recipe|'s model must be a chain (its arch is ignored: the supernet holds every one of
  // |space|); its options (activation, head, dropout) are the supernet's. Throws InvalidArgument.
  SupernetTrainer(const TrainConfig& recipe, nas::ChainSpaceOptions space, SupernetOptions options,
                  const DataSplits& data);
  ~SupernetTrainer();
  SupernetTrainer(const SupernetTrainer&) = delete;
  SupernetTrainer& operator=(const SupernetTrainer&) = delete;

  // Trains from the epochs done (0, or a loaded file's) to the options' epochs, calling
  // |on_epoch| after each (false stops after it). A run continued from a file saved after an
  // epoch trains exactly what an uninterrupted one would.
  void Train(const std::function<bool(const SupernetEpoch&)>& on_epoch = {});

  // The path's accuracy and loss on |data| with the weights it inherits, after recalibrating
  // its batchnorm statistics on the options' bn_batches training batches.
  Evaluation EvaluatePath(const std::vector<int64_t>& path, const Dataset& data);

  // The paths the sampler singled out, best first: GreedyNAS's candidate pool, PC-NAS's final
  // pool; empty for uniform. They seed the search.
  std::vector<std::vector<int64_t>> CandidatePaths() const;

  // Weights and sampler state, written atomically; Load refuses a file of another space.
  void Save(const std::string& path) const;
  void Load(const std::string& path);

  ChainSupernet& supernet() { return supernet_; }
  const std::vector<SupernetEpoch>& history() const { return history_; }
  const SupernetOptions& options() const { return options_; }
  int64_t epochs_done() const { return epochs_done_; }

 public:
  class PathPolicy;  // which path each step trains (defined in the source)

 private:
  double TrainStep(const std::vector<int64_t>& path, const torch::Tensor& x, const torch::Tensor& y,
                   int64_t* correct);
  std::vector<Evaluation> ScorePaths(const std::vector<std::vector<int64_t>>& paths);

  TrainConfig recipe_;
  nas::ChainSpaceOptions space_;
  SupernetOptions options_;
  const DataSplits& data_;
  torch::Device device_;
  ChainSupernet supernet_{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::unique_ptr<PathPolicy> policy_;
  Dataset score_set_;
  std::vector<SupernetEpoch> history_;
  int64_t epochs_done_ = 0;
};

}  // namespace automl::dl

#endif  // AUTOML_DL_SUPERNET_TRAINER_H_
