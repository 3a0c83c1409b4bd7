// Augmentation policies as in AutoAugment (Cubuk et al., "AutoAugment: Learning Augmentation
// Policies from Data", CVPR 2019): a policy is a list of sub-policies, each two steps (operation,
// probability, magnitude) applied in order; every image draws one sub-policy (by the policy's
// weights, uniform in AutoAugment) and each step of it fires with its probability, turning a
// random way for signed operations (a rotation left or right).
//
//   {"type": "augment-policy",
//    "sub_policies": [{"weight": 0.5, "steps": [{"op": "rotate", "probability": 0.5,
//                                                "magnitude": 0.667},
//                                               {"op": "invert", "probability": 0.5,
//                                                "magnitude": 1}]}, ...]}
//
// `automl policy augment` learns one (automl/dl/ohl.h); `augment: {policy: FILE}` trains with it.
// The space OHL searches is every ordered pair of elements, an element being an operation at one
// of a few magnitudes and probabilities (operations without a magnitude once, at magnitude 1).
#ifndef AUTOML_DL_AUGMENT_POLICY_H_
#define AUTOML_DL_AUGMENT_POLICY_H_

#include <torch/torch.h>

#include <string>
#include <vector>

#include "automl/dl/augment.h"
#include "automl/dl/augment_ops.h"
#include "automl/json.h"

namespace automl::dl {

struct AugmentStep {
  AugmentOp op = AugmentOp::kRotate;
  double probability = 0.5;
  double magnitude = 0.5;  // in [0, 1]

  Json ToJson() const;
  // Throws InvalidArgument naming the field and the rule.
  static AugmentStep FromJson(const Json& json);
  // "rotate(p=0.5, m=0.67)".
  std::string ToString() const;
  bool operator==(const AugmentStep& other) const;
};

struct SubPolicy {
  AugmentStep first, second;

  std::string ToString() const;  // "rotate(p=0.5, m=0.67) + invert(p=0.5)"
  bool operator==(const SubPolicy& other) const;
};

struct AugmentPolicy {
  std::vector<SubPolicy> sub_policies;
  std::vector<double> weights;  // one per sub-policy, summing to 1

  // A policy of |sub_policies| drawn uniformly.
  static AugmentPolicy Uniform(std::vector<SubPolicy> sub_policies);
  Json ToJson() const;
  // Reads the JSON above; weights may be left out (uniform) and are normalized. Throws
  // InvalidArgument for an unknown operation, a probability or magnitude outside [0, 1], or no
  // sub-policy.
  static AugmentPolicy FromJson(const Json& json);
};

// The elements and sub-policies OHL searches over.
struct PolicySpaceOptions {
  std::vector<AugmentOp> ops = AllAugmentOps();
  std::vector<double> magnitudes = {1.0 / 3, 2.0 / 3, 1.0};
  std::vector<double> probabilities = {0.5};

  // Reads {ops: [...], magnitudes: [...], probabilities: [...]} keys from |json| (others are the
  // caller's to check). Throws InvalidArgument for an unknown op or a value outside (0, 1].
  static PolicySpaceOptions FromJson(const Json& json);
  Json ToJson() const;
  // Each op at each magnitude and probability; ops without a magnitude once per probability.
  std::vector<AugmentStep> Elements() const;
  // Every ordered pair of elements: elements^2 sub-policies.
  std::vector<SubPolicy> SubPolicies() const;
};

// Applies a policy to a batch of normalized images: each is brought back to pixels in [0, 1]
// with the data's |mean| and |stddev| (one value, or one per channel), augmented, and normalized
// again. Geometric operations and cutout fill with black (pixel 0), Fashion-MNIST's background.
class PolicyTransform : public BatchTransform {
 public:
  PolicyTransform(AugmentPolicy policy, std::vector<double> mean, std::vector<double> stddev);
  torch::Tensor Apply(const torch::Tensor& batch, at::Generator& generator) const override;
  const AugmentPolicy& policy() const { return policy_; }

 private:
  // Applies |step| to |images| (pixels), each example firing with the step's probability.
  static torch::Tensor ApplyStep(const AugmentStep& step, const torch::Tensor& images,
                                 at::Generator& generator);

  AugmentPolicy policy_;
  std::vector<double> mean_, stddev_;
};

}  // namespace automl::dl

#endif  // AUTOML_DL_AUGMENT_POLICY_H_
