#include "automl/dl/optim.h"

#include <cmath>

#include "automl/component_options.h"
#include "automl/error.h"

namespace automl::dl {

OptimizerOptions OptimizerOptions::FromJson(const Json& json) {
  const ComponentOptions o("optimizer", json);
  OptimizerOptions out;
  out.name = o.name();
  if (out.name != "sgd" && out.name != "adam" && out.name != "adamw") {
    throw InvalidArgument("unknown optimizer '" + out.name + "' (known: adam, adamw, sgd)");
  }
  out.lr = o.Double("lr", out.name == "sgd" ? 0.1 : 1e-3, 1e-12, 100);
  out.weight_decay = o.Double("weight_decay", out.name == "adamw" ? 0.01 : 0.0, 0, 10);
  if (out.name == "sgd") {
    out.momentum = o.Double("momentum", 0.0, 0, 0.9999);
    out.nesterov = o.Bool("nesterov", false);
    if (out.nesterov && out.momentum <= 0) {
      throw InvalidArgument(o.Describe("nesterov") + " needs momentum > 0");
    }
  } else {
    const Json betas = o.Raw("betas");
    if (!betas.is_null()) {
      if (!betas.is_array() || betas.size() != 2 || !betas[0].is_number() ||
          !betas[1].is_number()) {
        throw InvalidArgument(o.Describe("betas") + " must be two numbers, e.g. [0.9, 0.999]");
      }
      out.beta1 = betas[0].get<double>();
      out.beta2 = betas[1].get<double>();
      if (!(out.beta1 >= 0 && out.beta1 < 1 && out.beta2 >= 0 && out.beta2 < 1)) {
        throw InvalidArgument(o.Describe("betas") + " must lie in [0, 1)");
      }
    }
    out.eps = o.Double("eps", 1e-8, 1e-16, 1);
  }
  o.CheckAllUsed();
  return out;
}

Json OptimizerOptions::ToJson() const {
  Json j = {{"name", name}, {"lr", lr}, {"weight_decay", weight_decay}};
  if (name == "sgd") {
    j["momentum"] = momentum;
    j["nesterov"] = nesterov;
  } else {
    j["betas"] = {beta1, beta2};
    j["eps"] = eps;
  }
  return j;
}

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(std::vector<torch::Tensor> parameters,
                                                       const OptimizerOptions& o) {
  if (o.name == "sgd") {
    return std::make_unique<torch::optim::SGD>(std::move(parameters),
                                               torch::optim::SGDOptions(o.lr)
                                                   .momentum(o.momentum)
                                                   .nesterov(o.nesterov)
                                                   .weight_decay(o.weight_decay));
  }
  if (o.name == "adam") {
    return std::make_unique<torch::optim::Adam>(std::move(parameters),
                                                torch::optim::AdamOptions(o.lr)
                                                    .betas({o.beta1, o.beta2})
                                                    .eps(o.eps)
                                                    .weight_decay(o.weight_decay));
  }
  if (o.name == "adamw") {
    return std::make_unique<torch::optim::AdamW>(std::move(parameters),
                                                 torch::optim::AdamWOptions(o.lr)
                                                     .betas({o.beta1, o.beta2})
                                                     .eps(o.eps)
                                                     .weight_decay(o.weight_decay));
  }
  throw InvalidArgument("unknown optimizer '" + o.name + "'");
}

ScheduleOptions ScheduleOptions::FromJson(const Json& json) {
  const ComponentOptions o("schedule", json);
  ScheduleOptions out;
  out.name = o.name();
  if (out.name != "constant" && out.name != "step" && out.name != "cosine") {
    throw InvalidArgument("unknown schedule '" + out.name + "' (known: constant, cosine, step)");
  }
  out.warmup_epochs = o.Double("warmup_epochs", 0, 0, 1e6);
  if (out.name == "step") {
    out.step_epochs = o.Double("step_epochs", 30, 1e-9, 1e6);
    out.gamma = o.Double("gamma", 0.1, 0, 1);
  }
  if (out.name == "cosine") out.min_lr = o.Double("min_lr", 0, 0, 100);
  o.CheckAllUsed();
  return out;
}

Json ScheduleOptions::ToJson() const {
  Json j = {{"name", name}, {"warmup_epochs", warmup_epochs}};
  if (name == "step") {
    j["step_epochs"] = step_epochs;
    j["gamma"] = gamma;
  }
  if (name == "cosine") j["min_lr"] = min_lr;
  return j;
}

double ScheduleOptions::LearningRate(double base_lr, double epoch, double total_epochs) const {
  // Linear warm-up from 1% of the base rate: large early steps are what warm-up guards against.
  if (warmup_epochs > 0 && epoch < warmup_epochs) {
    return base_lr * (0.01 + 0.99 * epoch / warmup_epochs);
  }
  if (name == "step") return base_lr * std::pow(gamma, std::floor(epoch / step_epochs));
  if (name == "cosine") {
    const double span = std::max(total_epochs - warmup_epochs, 1e-9);
    const double progress = std::clamp((epoch - warmup_epochs) / span, 0.0, 1.0);
    return min_lr + (base_lr - min_lr) * 0.5 * (1 + std::cos(M_PI * progress));
  }
  return base_lr;
}

void SetLearningRate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

}  // namespace automl::dl
