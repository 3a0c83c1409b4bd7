#include "automl/dl/loss_function.h"

#include <cmath>
#include <string>

#include "automl/config_file.h"
#include "automl/error.h"

namespace automl::dl {
namespace {

constexpr double kLeastTau = 1e-12;

std::vector<double> Numbers(const Json& json, const char* key) {
  if (!json.is_array()) {
    throw InvalidArgument(std::string("loss: piecewise.") + key +
                          " must be a list of numbers, not " + json.dump());
  }
  std::vector<double> values;
  for (const Json& v : json) {
    if (!v.is_number()) {
      throw InvalidArgument(std::string("loss: piecewise.") + key +
                            " must hold numbers only, not " + v.dump());
    }
    values.push_back(v.get<double>());
  }
  return values;
}

LossOptions FromMapping(const Json& json) {
  if (!json.is_object() || json.size() != 1 || !json.contains("piecewise")) {
    throw InvalidArgument(
        "loss: must be cross_entropy, a file, or {piecewise: {a: [...], b: [...]}}, not " +
        json.dump());
  }
  const Json& piecewise = json.at("piecewise");
  if (!piecewise.is_object()) {
    throw InvalidArgument("loss: piecewise must be a mapping {a: [...], b: [...]}, not " +
                          piecewise.dump());
  }
  for (const auto& item : piecewise.items()) {
    if (item.key() != "a" && item.key() != "b") {
      throw InvalidArgument("loss: piecewise: unknown key '" + item.key() + "' (known: a, b)");
    }
  }
  if (!piecewise.contains("a") || !piecewise.contains("b")) {
    throw InvalidArgument("loss: piecewise needs both a (slopes) and b (intercepts)");
  }
  LossOptions options;
  options.a = Numbers(piecewise.at("a"), "a");
  options.b = Numbers(piecewise.at("b"), "b");
  options.Validate();
  return options;
}

}  // namespace

LossOptions LossOptions::Identity(int64_t intervals) {
  if (intervals < 1) {
    throw InvalidArgument("loss: the number of intervals must be at least 1, not " +
                          std::to_string(intervals));
  }
  LossOptions options;
  options.a.assign(static_cast<size_t>(intervals), 1.0);
  options.b.assign(static_cast<size_t>(intervals), 0.0);
  return options;
}

LossOptions LossOptions::FromJson(const Json& json) {
  if (json.is_null()) return {};
  if (json.is_string()) {
    const std::string text = json.get<std::string>();
    if (text == "cross_entropy") return {};
    const Json file = ReadConfigFile(text);
    if (file.is_string() && file.get<std::string>() == "cross_entropy") return {};
    try {
      return FromMapping(file);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(text + ": " + e.what());
    }
  }
  return FromMapping(json);
}

Json LossOptions::ToJson() const {
  if (is_cross_entropy()) return "cross_entropy";
  return {{"piecewise", {{"a", a}, {"b", b}}}};
}

void LossOptions::Validate() const {
  if (a.size() != b.size()) {
    throw InvalidArgument("loss: piecewise needs as many intercepts b as slopes a (" +
                          std::to_string(a.size()) + " slopes, " + std::to_string(b.size()) +
                          " intercepts)");
  }
  if (a.empty()) throw InvalidArgument("loss: piecewise needs at least one interval");
  for (size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) {
      throw InvalidArgument("loss: piecewise interval " + std::to_string(i) + " is not finite (a " +
                            std::to_string(a[i]) + ", b " + std::to_string(b[i]) + ")");
    }
  }
}

namespace {

// Each element's interval index, for x in [0, 1] (x = 1 falls in the last interval).
torch::Tensor IntervalOf(const torch::Tensor& x, int64_t intervals) {
  return (x * static_cast<double>(intervals))
      .floor()
      .clamp(0, static_cast<double>(intervals - 1))
      .to(torch::kLong);
}

torch::Tensor Coefficients(const std::vector<double>& values, const torch::Tensor& like) {
  return torch::tensor(values, torch::TensorOptions().dtype(torch::kDouble)).to(like.options());
}

}  // namespace

torch::Tensor PiecewiseTau(const LossOptions& loss, const torch::Tensor& x) {
  if (loss.is_cross_entropy()) return x;
  const torch::Tensor interval = IntervalOf(x.detach(), loss.intervals());
  const torch::Tensor a = Coefficients(loss.a, x).index_select(0, interval.flatten());
  const torch::Tensor b = Coefficients(loss.b, x).index_select(0, interval.flatten());
  return (a * x.flatten() + b).view_as(x);
}

void CheckLabelSmoothing(const LossOptions& loss, double label_smoothing) {
  if (!loss.is_cross_entropy() && label_smoothing != 0) {
    throw InvalidArgument(
        "label_smoothing: applies to cross-entropy only, not to a piecewise loss");
  }
}

torch::Tensor ClassificationLoss(const LossOptions& loss, const torch::Tensor& logits,
                                 const torch::Tensor& labels, double label_smoothing) {
  namespace F = torch::nn::functional;
  if (loss.is_cross_entropy()) {
    return F::cross_entropy(logits, labels,
                            F::CrossEntropyFuncOptions().label_smoothing(label_smoothing));
  }
  CheckLabelSmoothing(loss, label_smoothing);
  const torch::Tensor log_p = torch::log_softmax(logits, 1);
  // -log tau(p) = -log p - (log tau(p) - log p): the first term is cross-entropy as LibTorch
  // computes it, the second is exactly zero at the identity. Where b = 0, log tau(p) - log p is
  // log a; elsewhere it is computed from log(a p + b), whose derivative in log p, a p / (a p + b),
  // stays bounded even where p underflows (no 1 / p term).
  const torch::Tensor cross_entropy = F::nll_loss(log_p, labels);
  const torch::Tensor log_p_label = log_p.gather(1, labels.unsqueeze(1)).squeeze(1);
  const torch::Tensor p = log_p_label.exp();
  const torch::Tensor interval = IntervalOf(p.detach(), loss.intervals());
  const torch::Tensor a = Coefficients(loss.a, p).index_select(0, interval);
  const torch::Tensor b = Coefficients(loss.b, p).index_select(0, interval);
  const torch::Tensor proportional = a.clamp_min(kLeastTau).log();
  const torch::Tensor affine = (a * p + b).clamp_min(kLeastTau).log() - log_p_label;
  return cross_entropy - torch::where(b == 0, proportional, affine).mean();
}

LossOptions MarginPiecewiseLoss(double margin, int64_t intervals) {
  LossOptions options = LossOptions::Identity(intervals);
  const auto f = [margin](double x) { return x / (x + (1 - x) * std::exp(margin)); };
  for (int64_t i = 0; i < intervals; ++i) {
    const double x0 = static_cast<double>(i) / static_cast<double>(intervals);
    const double x1 = static_cast<double>(i + 1) / static_cast<double>(intervals);
    const double slope = (f(x1) - f(x0)) / (x1 - x0);
    options.a[static_cast<size_t>(i)] = slope;
    options.b[static_cast<size_t>(i)] = f(x0) - slope * x0;
  }
  return options;
}

}  // namespace automl::dl
