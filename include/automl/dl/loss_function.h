// The training loss of a classifier: cross-entropy, or a member of AM-LFS's loss space.
//
//   loss: cross_entropy                                   # the default
//   loss: {piecewise: {a: [1, 1, 1, 1, 1, 1], b: [0, 0, 0, 0, 0, 0]}}
//   loss: FILE                                            # a JSON file holding either form
//
// AM-LFS's space (Li et al., "AM-LFS: AutoML for Loss Function Search", ICCV 2019, section 3):
// the loss of an example is -log tau(p_y), where p_y is the softmax probability of its label
// and tau is piecewise linear on [0, 1], split into M equal intervals,
//
//   tau(x) = a_i * x + b_i   for x in [i / M, (i + 1) / M),   i = 0 .. M - 1.
//
// a = 1, b = 0 is the identity, so that loss is cross-entropy. Margin-based softmax losses are in
// the space too: an additive margin m on the label's logit turns p_y into
// p_y / (p_y + (1 - p_y) e^m), a function of p_y alone, which the paper approximates by such a
// tau (MarginPiecewiseLoss: the chords between the interval ends). The loss is computed as
// cross-entropy minus the mean of log tau(p_y) - log p_y, so that it is cross-entropy bit for bit
// at the identity; tau is kept above 1e-12 (it would not be a probability below zero), where the
// example then gives no gradient through tau.
#ifndef AUTOML_DL_LOSS_FUNCTION_H_
#define AUTOML_DL_LOSS_FUNCTION_H_

#include <torch/torch.h>

#include <string>
#include <vector>

#include "automl/json.h"

namespace automl::dl {

struct LossOptions {
  // Empty: cross-entropy. Otherwise the slopes and intercepts of tau, one of each per interval.
  std::vector<double> a, b;

  bool is_cross_entropy() const { return a.empty(); }
  int64_t intervals() const { return static_cast<int64_t>(a.size()); }

  // The identity of an M-interval space (cross-entropy, written in that space's terms).
  static LossOptions Identity(int64_t intervals);
  // Reads `loss:` (null: cross-entropy); a string other than "cross_entropy" is a JSON file
  // holding the mapping. Throws InvalidArgument naming the key and the rule it breaks.
  static LossOptions FromJson(const Json& json);
  // "cross_entropy", or {"piecewise": {"a": [...], "b": [...]}}.
  Json ToJson() const;
  // Checks the shape: as many a as b, at least one interval, finite numbers.
  void Validate() const;
};

// Throws InvalidArgument when |label_smoothing| is set for a loss other than cross-entropy (it
// applies to cross-entropy only).
void CheckLabelSmoothing(const LossOptions& loss, double label_smoothing);

// The mean loss of a batch of |logits| (N, classes) against |labels| (N). Label smoothing
// applies to cross-entropy only (CheckLabelSmoothing).
torch::Tensor ClassificationLoss(const LossOptions& loss, const torch::Tensor& logits,
                                 const torch::Tensor& labels, double label_smoothing = 0);

// tau at |x| (each element in [0, 1]), for tests and drawings.
torch::Tensor PiecewiseTau(const LossOptions& loss, const torch::Tensor& x);

// The M-interval member of the space that approximates an additive logit margin |margin|: tau
// through the points (i / M, f(i / M)) of f(x) = x / (x + (1 - x) e^margin).
LossOptions MarginPiecewiseLoss(double margin, int64_t intervals);

}  // namespace automl::dl

#endif  // AUTOML_DL_LOSS_FUNCTION_H_
