#include "automl/dl/evaluate.h"

namespace automl::dl {

std::pair<int64_t, double> ScoreBatch(const torch::Tensor& logits, const torch::Tensor& labels) {
  namespace F = torch::nn::functional;
  const torch::Tensor loss =
      F::cross_entropy(logits, labels, F::CrossEntropyFuncOptions().reduction(torch::kSum));
  const int64_t correct = logits.argmax(1).eq(labels).sum().item<int64_t>();
  return {correct, loss.item<double>()};
}

}  // namespace automl::dl
