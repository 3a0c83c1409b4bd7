#include "automl/dl/augment_policy.h"

#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>

#include "automl/error.h"

namespace automl::dl {
namespace {

double UnitNumber(const Json& json, const char* what, bool zero_allowed) {
  if (!json.is_number()) {
    throw InvalidArgument(std::string("augment policy: ") + what + " must be a number, not " +
                          json.dump());
  }
  const double x = json.get<double>();
  if (!(x >= 0 && x <= 1) || (!zero_allowed && x == 0)) {
    throw InvalidArgument(std::string("augment policy: ") + what + " must lie in " +
                          (zero_allowed ? "[0, 1]" : "(0, 1]") + ", not " + json.dump());
  }
  return x;
}

std::string Short(double x) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2g", x);
  return text;
}

}  // namespace

// ---- AugmentStep, SubPolicy --------------------------------------------------------------------

Json AugmentStep::ToJson() const {
  return {{"op", AugmentOpName(op)}, {"probability", probability}, {"magnitude", magnitude}};
}

AugmentStep AugmentStep::FromJson(const Json& json) {
  if (!json.is_object() || !json.contains("op")) {
    throw InvalidArgument("augment policy: a step must be {op, probability, magnitude}, not " +
                          json.dump());
  }
  for (const auto& item : json.items()) {
    if (item.key() != "op" && item.key() != "probability" && item.key() != "magnitude") {
      throw InvalidArgument("augment policy: unknown step key '" + item.key() +
                            "' (known: op, probability, magnitude)");
    }
  }
  if (!json.at("op").is_string()) {
    throw InvalidArgument("augment policy: op must be a name, not " + json.at("op").dump());
  }
  AugmentStep step;
  step.op = AugmentOpFromName(json.at("op").get<std::string>());
  step.probability =
      json.contains("probability") ? UnitNumber(json.at("probability"), "probability", true) : 1;
  step.magnitude =
      json.contains("magnitude") ? UnitNumber(json.at("magnitude"), "magnitude", true) : 1;
  return step;
}

std::string AugmentStep::ToString() const {
  std::string text = AugmentOpName(op) + "(p=" + Short(probability);
  if (HasMagnitude(op)) text += ", m=" + Short(magnitude);
  return text + ")";
}

bool AugmentStep::operator==(const AugmentStep& other) const {
  return op == other.op && probability == other.probability && magnitude == other.magnitude;
}

std::string SubPolicy::ToString() const { return first.ToString() + " + " + second.ToString(); }

bool SubPolicy::operator==(const SubPolicy& other) const {
  return first == other.first && second == other.second;
}

// ---- AugmentPolicy -----------------------------------------------------------------------------

AugmentPolicy AugmentPolicy::Uniform(std::vector<SubPolicy> sub_policies) {
  AugmentPolicy policy;
  const double weight = 1.0 / static_cast<double>(sub_policies.size());
  policy.weights.assign(sub_policies.size(), weight);
  policy.sub_policies = std::move(sub_policies);
  return policy;
}

Json AugmentPolicy::ToJson() const {
  Json list = Json::array();
  for (size_t i = 0; i < sub_policies.size(); ++i) {
    list.push_back({{"weight", weights[i]},
                    {"steps", {sub_policies[i].first.ToJson(), sub_policies[i].second.ToJson()}}});
  }
  return {{"type", "augment-policy"}, {"sub_policies", list}};
}

AugmentPolicy AugmentPolicy::FromJson(const Json& json) {
  if (!json.is_object() || json.value("type", "") != "augment-policy" ||
      !json.contains("sub_policies") || !json.at("sub_policies").is_array()) {
    throw InvalidArgument(
        "augment policy: must be {type: augment-policy, sub_policies: [...]}, as `automl policy "
        "augment` writes it");
  }
  AugmentPolicy policy;
  for (const Json& entry : json.at("sub_policies")) {
    if (!entry.is_object() || !entry.contains("steps") || !entry.at("steps").is_array() ||
        entry.at("steps").size() != 2) {
      throw InvalidArgument("augment policy: a sub-policy must be {weight, steps: [two steps]}");
    }
    policy.sub_policies.push_back(
        {AugmentStep::FromJson(entry.at("steps")[0]), AugmentStep::FromJson(entry.at("steps")[1])});
    const Json weight = entry.value("weight", Json(1.0));
    if (!weight.is_number() || !(weight.get<double>() > 0) ||
        !std::isfinite(weight.get<double>())) {
      throw InvalidArgument("augment policy: a weight must be a positive number, not " +
                            weight.dump());
    }
    policy.weights.push_back(weight.get<double>());
  }
  if (policy.sub_policies.empty()) {
    throw InvalidArgument("augment policy: needs at least one sub-policy");
  }
  const double sum = std::accumulate(policy.weights.begin(), policy.weights.end(), 0.0);
  for (double& w : policy.weights) w /= sum;
  return policy;
}

// ---- PolicySpaceOptions ------------------------------------------------------------------------

namespace {

std::vector<double> UnitList(const Json& json, const char* key) {
  if (!json.is_array() || json.empty()) {
    throw InvalidArgument(std::string(key) + ": must be a non-empty list of numbers in (0, 1]");
  }
  std::vector<double> values;
  for (const Json& v : json) values.push_back(UnitNumber(v, key, false));
  return values;
}

}  // namespace

PolicySpaceOptions PolicySpaceOptions::FromJson(const Json& json) {
  PolicySpaceOptions options;
  if (json.contains("ops")) {
    if (!json.at("ops").is_array() || json.at("ops").empty()) {
      throw InvalidArgument("ops: must be a non-empty list of operation names");
    }
    options.ops.clear();
    for (const Json& name : json.at("ops")) {
      if (!name.is_string()) throw InvalidArgument("ops: names only, not " + name.dump());
      options.ops.push_back(AugmentOpFromName(name.get<std::string>()));
    }
  }
  if (json.contains("magnitudes"))
    options.magnitudes = UnitList(json.at("magnitudes"), "magnitudes");
  if (json.contains("probabilities")) {
    options.probabilities = UnitList(json.at("probabilities"), "probabilities");
  }
  return options;
}

Json PolicySpaceOptions::ToJson() const {
  Json names = Json::array();
  for (const AugmentOp op : ops) names.push_back(AugmentOpName(op));
  return {{"ops", names}, {"magnitudes", magnitudes}, {"probabilities", probabilities}};
}

std::vector<AugmentStep> PolicySpaceOptions::Elements() const {
  std::vector<AugmentStep> elements;
  for (const AugmentOp op : ops) {
    for (const double p : probabilities) {
      if (!HasMagnitude(op)) {
        elements.push_back({op, p, 1.0});
        continue;
      }
      for (const double m : magnitudes) elements.push_back({op, p, m});
    }
  }
  return elements;
}

std::vector<SubPolicy> PolicySpaceOptions::SubPolicies() const {
  const std::vector<AugmentStep> elements = Elements();
  std::vector<SubPolicy> pairs;
  pairs.reserve(elements.size() * elements.size());
  for (const AugmentStep& first : elements) {
    for (const AugmentStep& second : elements) pairs.push_back({first, second});
  }
  return pairs;
}

// ---- PolicyTransform ---------------------------------------------------------------------------

PolicyTransform::PolicyTransform(AugmentPolicy policy, std::vector<double> mean,
                                 std::vector<double> stddev)
    : policy_(std::move(policy)), mean_(std::move(mean)), stddev_(std::move(stddev)) {
  if (policy_.sub_policies.empty() || policy_.weights.size() != policy_.sub_policies.size()) {
    throw InvalidArgument("PolicyTransform: needs sub-policies, each with a weight");
  }
  if (mean_.empty() || mean_.size() != stddev_.size()) {
    throw InvalidArgument(
        "PolicyTransform: needs the data's standardization (mean and stddev, one per channel)");
  }
}

namespace {

// |values| (one, or one per channel) shaped to broadcast over a batch like |like|.
torch::Tensor Channelwise(const std::vector<double>& values, const torch::Tensor& like) {
  const auto channels = static_cast<int64_t>(values.size());
  if (channels != 1 && channels != like.size(1)) {
    throw InvalidArgument("PolicyTransform: the standardization has " + std::to_string(channels) +
                          " values for images of " + std::to_string(like.size(1)) + " channels");
  }
  return torch::tensor(values, torch::TensorOptions().dtype(torch::kDouble))
      .to(like.options())
      .view({1, channels, 1, 1});
}

}  // namespace

torch::Tensor PolicyTransform::ApplyStep(const AugmentStep& step, const torch::Tensor& images,
                                         at::Generator& generator) {
  const int64_t n = images.size(0);
  const auto cpu = torch::TensorOptions().dtype(torch::kFloat);
  const torch::Tensor fires = torch::rand({n}, generator, cpu) < step.probability;
  torch::Tensor magnitudes = fires.to(torch::kFloat) * static_cast<float>(step.magnitude);
  if (IsSigned(step.op)) {
    const torch::Tensor sign = torch::rand({n}, generator, cpu) < 0.5;
    magnitudes = torch::where(sign, -magnitudes, magnitudes);
  }
  return ApplyAugmentOp(step.op, images, magnitudes.to(images.device()), generator, /*fill=*/0);
}

torch::Tensor PolicyTransform::Apply(const torch::Tensor& batch, at::Generator& generator) const {
  if (batch.dim() != 4) {
    throw InvalidArgument("PolicyTransform: expects a batch of images (N, C, H, W)");
  }
  const int64_t n = batch.size(0);
  if (n == 0) return batch;
  const torch::Tensor mean = Channelwise(mean_, batch), stddev = Channelwise(stddev_, batch);
  // Each image's sub-policy; then each sub-policy augments its own images, gathered together and
  // brought to pixels and back.
  const torch::Tensor weights =
      torch::tensor(policy_.weights, torch::TensorOptions().dtype(torch::kDouble));
  const torch::Tensor chosen =
      torch::multinomial(weights, n, /*replacement=*/true, generator).to(batch.device());
  torch::Tensor result = batch;
  for (size_t s = 0; s < policy_.sub_policies.size(); ++s) {
    const torch::Tensor index = (chosen == static_cast<int64_t>(s)).nonzero().flatten();
    if (index.numel() == 0) continue;
    const SubPolicy& sub = policy_.sub_policies[s];
    torch::Tensor part = (batch.index_select(0, index) * stddev + mean).clamp(0, 1);
    part = ApplyStep(sub.first, part, generator);
    part = ApplyStep(sub.second, part, generator);
    result = result.index_copy(0, index, (part - mean) / stddev);
  }
  return result;
}

}  // namespace automl::dl
