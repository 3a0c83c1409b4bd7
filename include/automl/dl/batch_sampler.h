// BatchSampler: the indices of each batch of an epoch, from a permutation that depends only on
// (seed, epoch), so that a training run is the same whenever it is repeated.
#ifndef AUTOML_DL_BATCH_SAMPLER_H_
#define AUTOML_DL_BATCH_SAMPLER_H_

#include <torch/torch.h>

#include <cstdint>

namespace automl::dl {

class BatchSampler {
 public:
  // |shuffle| false walks the examples in order (for evaluation). With |drop_last|, a last,
  // smaller batch is left out.
  BatchSampler(int64_t size, int64_t batch_size, bool shuffle, uint64_t seed,
               bool drop_last = false);

  // Starts epoch |epoch| (a new permutation when shuffling).
  void Start(int64_t epoch);
  // The next batch's indices (int64, 1-D); false when the epoch is done.
  bool Next(torch::Tensor* indices);
  int64_t batches_per_epoch() const;

 private:
  int64_t size_, batch_size_;
  bool shuffle_, drop_last_;
  uint64_t seed_;
  torch::Tensor order_;
  int64_t position_ = 0;
};

// A permutation of 0..n-1 (int64, 1-D) fixed by |seed| alone and the same on every platform
// (Fisher-Yates driven by automl::Rng; LibTorch's generators are left alone).
torch::Tensor RandomPermutation(int64_t n, uint64_t seed);

}  // namespace automl::dl

#endif  // AUTOML_DL_BATCH_SAMPLER_H_
