// Differentiable architecture search on the network of automl/dl/darts_network.h: DARTS's
// bilevel optimization, and HM-NAS's masking phases after it.
//
// H. Liu, K. Simonyan, Y. Yang, "DARTS: Differentiable Architecture Search", ICLR 2019, section
// 2.3 and Algorithm 1, as the reference code does it (github.com/quark0/darts, cnn/train_search.py
// and cnn/architect.py).
// S. Yan et al., "HM-NAS: Efficient Neural Architecture Search via Hierarchical Masking", ICCV
// Workshops 2019.
//
//   darts:                        # or hmnas: the same keys, and those of the masking phases
//     filters: 16                 # the search network (DartsNetworkOptions)
//     layers: 8
//     nodes: 4
//     epochs: 50                  # search epochs
//     order: 1                    # 1: first-order approximation; 2: one virtual SGD step
//     batch_size: 64
//     optimizer: {name: sgd, lr: 0.025, momentum: 0.9, weight_decay: 3.0e-4}
//     min_lr: 0.001               # the weights' rate follows a cosine from lr to min_lr
//     grad_clip: 5
//     arch_lr: 3.0e-4             # Adam, betas (0.5, 0.999), on the architecture parameters
//     arch_weight_decay: 1.0e-3
//     temperature: {start: 1, end: 1}   # softmax(alpha / T), T geometric from start to end
//     gumbel: false               # Gumbel-softmax samples in training
//     # hmnas only:
//     mask_epochs: 2              # masks learned (operations, edges, weights)
//     finetune_epochs: 4          # the found sub-network trained on with its weights
//     mask_lr: 1.0e-3             # Adam on the operation and edge masks
//     weight_mask_lr: 1.0e-4      # Adam on the weight masks
//     op_threshold: 0.125         # default 1 / (number of primitives)
//     edge_threshold: 0.5
//     weight_threshold: 5.0e-3
//     weight_mask_init: 1.0e-2
//
// Data: the training split is cut in two halves by a seeded permutation; the weights train on
// the first, the architecture (alpha, and HM-NAS's beta and masks) on the second, batch by batch
// as Algorithm 1 alternates them; the validation split only measures each epoch (the test set is
// not touched here). Per step: (1) the architecture step on a batch of the second half; (2) the
// weight step (SGD with momentum and weight decay, gradient norm clipped) on a batch of the first.
//
// The architecture gradient (order 1) is that of the loss on the architecture batch at the
// current weights w. With order 2 it is the gradient at the virtually stepped weights
//   w' = w - xi * (momentum * v + dL_train/dw + weight_decay * w),
// with xi the weights' current learning rate and v their momentum buffer (as the reference code's
// _compute_unrolled_model), minus xi times the Hessian-vector product
//   (dL_train(w+)/dalpha - dL_train(w-)/dalpha) / (2 eps),  w+- = w +- eps * dL_val(w')/dw',
//   eps = 0.01 / ||dL_val(w')/dw'||.
// Batchnorm running statistics moved by these extra passes are put back, since w' is virtual.
// With xi = 0 the second-order gradient is the first-order one.
//
// HM-NAS, in three phases of one run:
//   1. `epochs` epochs as above, the architecture being alpha (operations) and beta (edges);
//   2. `mask_epochs` epochs: masks initialized from the encodings (DartsNetworkImpl::
//      InitializeMasks) and learned: operation and edge masks by Adam on the second half's loss,
//      weight masks by Adam together with the weights on the first half; alpha and beta fixed;
//   3. `finetune_epochs` epochs: the masks frozen, the sub-network they leave (operations, edges
//      and weights removed are skipped) trained on the whole training split, starting from the
//      weights it has.
// Over the whole run the weights' learning rate follows one cosine. Where the HM-NAS paper's
// exact schedule, mask initialization and thresholds could not be checked against its text, this
// file states its choice above; the threshold rule and straight-through gradients are
// Piggyback's, which HM-NAS's masks follow.
#ifndef AUTOML_DL_DARTS_SEARCH_H_
#define AUTOML_DL_DARTS_SEARCH_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "automl/dl/darts_network.h"
#include "automl/dl/data.h"
#include "automl/dl/evaluate.h"
#include "automl/dl/optim.h"
#include "automl/json.h"
#include "automl/nas/darts_genotype.h"

namespace automl::dl {

struct DartsSearchOptions {
  std::string method = "darts";  // darts | hmnas
  int64_t filters = 16, layers = 8, nodes = 4, stem_multiplier = 3;
  std::vector<std::string> primitives = nas::DartsPrimitives();
  int64_t epochs = 50;
  int order = 1;
  int64_t batch_size = 64;
  OptimizerOptions optimizer;  // sgd, lr 0.025, momentum 0.9, weight decay 3e-4 by default
  double min_lr = 0.001;
  double grad_clip = 5;
  double arch_lr = 3e-4, arch_weight_decay = 1e-3;
  double temperature_start = 1, temperature_end = 1;
  bool gumbel = false;
  int64_t mask_epochs = 2, finetune_epochs = 4;  // hmnas
  double mask_lr = 1e-3, weight_mask_lr = 1e-4;
  double op_threshold = 0.125, edge_threshold = 0.5, weight_threshold = 5e-3;
  double weight_mask_init = 1e-2;

  DartsSearchOptions();
  // Reads `darts:` (method "darts") or `hmnas:` (method "hmnas"); unknown keys are refused,
  // values checked, and the HM-NAS keys refused for darts. Throws InvalidArgument ("darts:
  // order must be 1 or 2, not 3").
  static DartsSearchOptions FromJson(const Json& json, const std::string& method);
  Json ToJson() const;
  DartsNetworkOptions NetworkOptions(int64_t classes, std::vector<int64_t> input_shape) const;
  int64_t total_epochs() const;
  // The temperature of epoch |epoch| of the search phase (the last search epoch's afterwards).
  double Temperature(int64_t epoch) const;
};

// Phases of a run, in order.
enum class DartsPhase { kSearch, kMask, kFinetune };
const char* DartsPhaseName(DartsPhase phase);

struct DartsEpoch {
  int64_t epoch = 0;
  DartsPhase phase = DartsPhase::kSearch;
  double temperature = 1, lr = 0;
  double train_loss = 0, train_accuracy = 0;
  double val_loss = 0, val_accuracy = 0;  // the validation split, current architecture
  double seconds = 0;
  int64_t params = 0;  // DartsNetworkImpl::effective_parameters()
  Json architecture;   // alphas, genotype, and HM-NAS's edge weights and masks

  Json ToJson() const;
  static DartsEpoch FromJson(const Json& json);
};

// The bilevel step's architecture gradient (see above), also for tests.
class DartsArchitect {
 public:
  // |weights_optimizer| is the SGD whose momentum buffers the virtual step uses (may be null:
  // no momentum); |momentum| and |weight_decay| are its settings.
  DartsArchitect(DartsNetwork network, std::vector<torch::Tensor> architecture,
                 std::vector<torch::Tensor> weights, torch::optim::Optimizer* weights_optimizer,
                 double momentum, double weight_decay);

  // Sets the architecture parameters' .grad to the gradient of order 1 or 2 (xi: the virtual
  // step's learning rate); returns the architecture batch's loss at the weights it was taken at.
  double ComputeGradient(int order, double xi, const torch::Tensor& train_x,
                         const torch::Tensor& train_y, const torch::Tensor& arch_x,
                         const torch::Tensor& arch_y);
  // The finite difference's displacement of the weights, eps * ||dL_val(w')/dw'|| (0.01 in the
  // paper). Networks of ReLUs and max pooling have gradients with kinks; a displacement that
  // crosses many of them measures an average slope rather than the Hessian-vector product.
  void set_hessian_displacement(double displacement) { displacement_ = displacement; }

 private:
  torch::Tensor Loss(const torch::Tensor& x, const torch::Tensor& y);

  DartsNetwork network_;
  std::vector<torch::Tensor> architecture_, weights_;
  torch::optim::Optimizer* weights_optimizer_;
  double momentum_, weight_decay_;
  double displacement_ = 0.01;
};

class DartsSearch {
 public:
  // Builds the search network for |data|'s images; torch's global generator is seeded with
  // |seed| first. Throws InvalidArgument when the data are not images or too few.
  DartsSearch(DartsSearchOptions options, const DataSplits& data, uint64_t seed,
              std::string device = "cpu");
  ~DartsSearch();
  DartsSearch(const DartsSearch&) = delete;
  DartsSearch& operator=(const DartsSearch&) = delete;

  // Trains from the epochs done to options.total_epochs(), calling |on_epoch| after each (false
  // stops after it) and |stop| before every step (true: stop now; the epoch is not counted). A
  // run continued from a file saved after an epoch trains exactly what an uninterrupted one would.
  void Run(const std::function<bool(const DartsEpoch&)>& on_epoch = {},
           const std::function<bool()>& stop = {});

  // The network's accuracy and loss on |data| (eval mode, no Gumbel noise).
  Evaluation Evaluate(const Dataset& data);
  // DARTS's discretization of the current alphas (automl/nas/darts_genotype.h).
  nas::Genotype Discretize() const;
  // What DartsEpoch::architecture records for the current state.
  Json ArchitectureRecord();

  // Everything a resumed run needs, written atomically; Load refuses a file of other options.
  void Save(const std::string& path) const;
  void Load(const std::string& path);

  DartsNetwork& network() { return network_; }
  const DartsSearchOptions& options() const { return options_; }
  const std::vector<DartsEpoch>& history() const { return history_; }
  int64_t epochs_done() const { return epochs_done_; }
  DartsPhase PhaseOf(int64_t epoch) const;

 private:
  DartsEpoch RunEpoch(int64_t epoch, const std::function<bool()>& stop, bool* stopped);

  DartsSearchOptions options_;
  const DataSplits& data_;
  uint64_t seed_;
  torch::Device device_;
  Dataset weight_half_, arch_half_;
  DartsNetwork network_{nullptr};
  std::unique_ptr<torch::optim::Optimizer> weights_optimizer_;
  std::unique_ptr<torch::optim::Adam> arch_optimizer_, mask_optimizer_, weight_mask_optimizer_;
  std::vector<DartsEpoch> history_;
  int64_t epochs_done_ = 0;
};

}  // namespace automl::dl

#endif  // AUTOML_DL_DARTS_SEARCH_H_
