// Evaluating a classifier on a dataset.
#ifndef AUTOML_DL_EVALUATE_H_
#define AUTOML_DL_EVALUATE_H_

#include <torch/torch.h>

#include <cstdint>

#include "automl/dl/data.h"

namespace automl::dl {

struct Evaluation {
  double accuracy = 0;  // fraction of examples whose top class is right
  double loss = 0;      // mean cross-entropy (without label smoothing)
  int64_t examples = 0;
};

// Evaluates |module| (put in eval mode; restored after) on |data| without gradients, in batches
// of |batch_size|, on |device|.
template <typename Module>
Evaluation Evaluate(Module& module, const Dataset& data, int64_t batch_size, torch::Device device);

// The sums for one batch of logits: the number right and the summed loss.
std::pair<int64_t, double> ScoreBatch(const torch::Tensor& logits, const torch::Tensor& labels);

template <typename Module>
Evaluation Evaluate(Module& module, const Dataset& data, int64_t batch_size, torch::Device device) {
  torch::NoGradGuard no_grad;
  const bool was_training = module->is_training();
  module->eval();
  Evaluation e;
  int64_t correct = 0;
  double loss = 0;
  for (int64_t start = 0; start < data.size(); start += batch_size) {
    const int64_t n = std::min(batch_size, data.size() - start);
    const torch::Tensor x = data.inputs.narrow(0, start, n).to(device);
    const torch::Tensor y = data.labels.narrow(0, start, n).to(device);
    const auto [right, sum] = ScoreBatch(module->forward(x), y);
    correct += right;
    loss += sum;
  }
  module->train(was_training);
  e.examples = data.size();
  if (e.examples > 0) {
    e.accuracy = static_cast<double>(correct) / static_cast<double>(e.examples);
    e.loss = loss / static_cast<double>(e.examples);
  }
  return e;
}

}  // namespace automl::dl

#endif  // AUTOML_DL_EVALUATE_H_
