#include "automl/dl/batch_sampler.h"

#include <algorithm>
#include <string>
#include <utility>

#include "automl/error.h"
#include "automl/random.h"

namespace automl::dl {
namespace {

// The stream of epoch permutations under a training seed (the epoch is the item).
const uint64_t kEpochStream = HashName("batch_sampler.epoch");

}  // namespace

torch::Tensor RandomPermutation(int64_t n, uint64_t seed) {
  if (n < 0)
    throw InvalidArgument("RandomPermutation: n must not be negative, not " + std::to_string(n));
  torch::Tensor order = torch::arange(n, torch::kInt64);
  int64_t* data = order.data_ptr<int64_t>();
  Rng rng(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(i) + 1));
    std::swap(data[i], data[j]);
  }
  return order;
}

BatchSampler::BatchSampler(int64_t size, int64_t batch_size, bool shuffle, uint64_t seed,
                           bool drop_last)
    : size_(size), batch_size_(batch_size), shuffle_(shuffle), drop_last_(drop_last), seed_(seed) {
  if (size < 0) {
    throw InvalidArgument("BatchSampler: the dataset size must not be negative, not " +
                          std::to_string(size));
  }
  if (batch_size < 1) {
    throw InvalidArgument("batch_size must be at least 1, not " + std::to_string(batch_size));
  }
  // Ready for epoch 0, so that a caller who never calls Start() still walks the data once.
  Start(0);
}

void BatchSampler::Start(int64_t epoch) {
  if (epoch < 0) {
    throw InvalidArgument("BatchSampler: the epoch must not be negative, not " +
                          std::to_string(epoch));
  }
  order_ = shuffle_ ? RandomPermutation(
                          size_, DeriveSeed(seed_, static_cast<uint64_t>(epoch), kEpochStream))
                    : torch::arange(size_, torch::kInt64);
  position_ = 0;
}

bool BatchSampler::Next(torch::Tensor* indices) {
  const int64_t left = size_ - position_;
  if (left <= 0 || (drop_last_ && left < batch_size_)) return false;
  const int64_t count = std::min(left, batch_size_);
  // A view of the epoch's order: no copy.
  *indices = order_.narrow(0, position_, count);
  position_ += count;
  return true;
}

int64_t BatchSampler::batches_per_epoch() const {
  return drop_last_ ? size_ / batch_size_ : (size_ + batch_size_ - 1) / batch_size_;
}

}  // namespace automl::dl
