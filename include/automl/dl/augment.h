// Batch augmentations: each works on a whole batch (N, C, H, W) with tensor operations, drawing
// per-example randomness from a generator, so that no example is ever copied on its own.
//
//   augment: {crop: 4, flip: true, erasing: 0.25}
//   augment: {policy: FILE}       # a learned policy (automl/dl/augment_policy.h), applied first
//
// The AutoAugment operations and policies are in automl/dl/augment_ops.h and augment_policy.h.
#ifndef AUTOML_DL_AUGMENT_H_
#define AUTOML_DL_AUGMENT_H_

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "automl/json.h"

namespace automl::dl {

struct AugmentPolicy;

// One augmentation of a batch of images.
class BatchTransform {
 public:
  virtual ~BatchTransform() = default;
  virtual torch::Tensor Apply(const torch::Tensor& batch, at::Generator& generator) const = 0;
};

// Random crop with constant padding: pads each side by |padding| and crops back at a random
// offset per example (a translation by up to |padding| pixels in each direction). The padding is
// |fill|, by default 0, which in normalized data is the training set's mean pixel, not black;
// pass the normalized value of black (-mean / stddev, see DataSplits) to pad with black instead.
class RandomCrop : public BatchTransform {
 public:
  explicit RandomCrop(int64_t padding, double fill = 0);
  torch::Tensor Apply(const torch::Tensor& batch, at::Generator& generator) const override;

 private:
  int64_t padding_;
  double fill_;
};

// Horizontal flip of each example with probability |p|.
class RandomFlip : public BatchTransform {
 public:
  explicit RandomFlip(double p = 0.5);
  torch::Tensor Apply(const torch::Tensor& batch, at::Generator& generator) const override;

 private:
  double p_;
};

// Random erasing (Zhong et al., "Random Erasing Data Augmentation", AAAI 2020): with probability
// |p|, a rectangle covering 2% to 33% of the image, aspect ratio in [0.3, 3.3] (log-uniform),
// is filled with Gaussian noise (the data are normalized, so that is their own distribution).
// Like the paper's "repeat until the rectangle fits", each example draws 10 candidate rectangles
// and takes the first whose rounded sides fit the image with an area within the bounds; an
// example with none (rare except for tiny images) is left as it is.
class RandomErasing : public BatchTransform {
 public:
  explicit RandomErasing(double p, double min_area = 0.02, double max_area = 1.0 / 3,
                         double min_aspect = 0.3);
  torch::Tensor Apply(const torch::Tensor& batch, at::Generator& generator) const override;

 private:
  double p_, min_area_, max_area_, min_aspect_;
};

// `augment:` in a training config.
struct AugmentOptions {
  int64_t crop = 0;    // padding of a random crop (0: off)
  bool flip = false;   // horizontal flips
  double erasing = 0;  // probability of random erasing (0: off)
  // An AutoAugment-style policy: `policy:` names its JSON file or holds it inline; written back
  // inline, so that a model file or checkpoint holds the policy itself.
  std::shared_ptr<const AugmentPolicy> policy;

  // Reads the `augment:` mapping (null: all off); unknown keys are refused.
  static AugmentOptions FromJson(const Json& json);
  Json ToJson() const;
  bool enabled() const { return crop > 0 || flip || erasing > 0 || policy; }
  // The transforms, in a fixed order: policy, crop, flip, erasing (AutoAugment's order: the
  // policy, then the standard augmentation). A policy works on pixels: it needs the data's
  // standardization, |mean| and |stddev| (DataSplits), and throws InvalidArgument without it.
  std::vector<std::unique_ptr<BatchTransform>> Build(const std::vector<double>& mean = {},
                                                     const std::vector<double>& stddev = {}) const;
};

// Applies |transforms| in order.
torch::Tensor ApplyAll(const std::vector<std::unique_ptr<BatchTransform>>& transforms,
                       const torch::Tensor& batch, at::Generator& generator);

}  // namespace automl::dl

#endif  // AUTOML_DL_AUGMENT_H_
