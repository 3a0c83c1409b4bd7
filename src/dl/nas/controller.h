// The policy of the reinforce sampler: an LSTM that emits one softmax decision per step, fed the
// embedding of the previous step's choice (Zoph & Le, ICLR 2017; ENAS's logit clipping). See
// automl/dl/reinforce_sampler.h for the design.
//
// The weights are plain tensors rather than torch::nn modules: modules initialize themselves from
// LibTorch's global generator, and the controller must be a function of its seed alone.
#ifndef AUTOML_DL_NAS_CONTROLLER_H_
#define AUTOML_DL_NAS_CONTROLLER_H_

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace automl::dl::internal {

struct ControllerOptions {
  int64_t hidden = 64;
  int64_t layers = 1;
  double temperature = 1.0;
  double tanh_constant = 2.5;  // 0: no clipping
};

class Controller {
 public:
  // A step per entry of |choices| (its number of choices, at least 2); weights uniform in
  // [-0.08, 0.08] drawn from |seed|.
  Controller(std::vector<int64_t> choices, const ControllerOptions& options, uint64_t seed);

  // Every weight, for an optimizer.
  std::vector<torch::Tensor> parameters() const;

  // The LSTM's state while one configuration is decided step by step (a batch of one).
  struct Walk {
    std::vector<torch::Tensor> h;
    std::vector<torch::Tensor> c;
    torch::Tensor input;  // the previous choice's embedding (the start token at first)
  };
  Walk Start() const;
  // Runs |step| on |walk| and returns the probability of each of its choices.
  std::vector<double> Step(Walk& walk, size_t step) const;
  // Makes |choice| of |step| the input of the next step.
  void Choose(Walk& walk, size_t step, int64_t choice) const;

  // For each path (a choice per step, kNoChoice where the step is not taken): the sum of the log
  // probabilities of its choices and of the entropies of the softmaxes along it, each of shape
  // [paths]. Differentiable; one batched LSTM pass in which a sample whose step is not taken
  // keeps its state.
  struct Scores {
    torch::Tensor log_prob;
    torch::Tensor entropy;
  };
  Scores Score(const std::vector<std::vector<int64_t>>& paths) const;

 private:
  // One step of the stacked LSTM on |input| ([batch, hidden]); returns the new states.
  void Cell(const torch::Tensor& input, const std::vector<torch::Tensor>& h,
            const std::vector<torch::Tensor>& c, std::vector<torch::Tensor>* new_h,
            std::vector<torch::Tensor>* new_c) const;
  // |step|'s logits from the top layer's output: divided by the temperature, then clipped.
  torch::Tensor Logits(const torch::Tensor& top, size_t step) const;

  std::vector<int64_t> choices_;
  ControllerOptions options_;
  torch::Tensor start_;                    // [hidden]
  std::vector<torch::Tensor> embeddings_;  // per step: [choices, hidden]
  std::vector<torch::Tensor> w_ih_;        // per layer: [4 hidden, hidden]
  std::vector<torch::Tensor> w_hh_;        // per layer: [4 hidden, hidden]
  std::vector<torch::Tensor> bias_;        // per layer: [4 hidden]
  std::vector<torch::Tensor> head_w_;      // per step: [choices, hidden]
  std::vector<torch::Tensor> head_b_;      // per step: [choices]
};

}  // namespace automl::dl::internal

#endif  // AUTOML_DL_NAS_CONTROLLER_H_
