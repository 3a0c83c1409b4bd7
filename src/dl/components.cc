#include "automl/dl/components.h"

#include <memory>

#include "automl/dl/reinforce_sampler.h"

namespace automl::dl {

void AddTorchComponents(Components& components) {
  components.samplers.Add(
      "reinforce",
      "RNN controller trained by policy gradient (Zoph & Le 2017; PPO as Zoph et al. 2018) for "
      "discrete and architecture spaces; options: update (reinforce|ppo), lr, batch_size, "
      "baseline_decay, entropy_weight, hidden, layers, temperature, tanh_constant, ppo_epochs, "
      "ppo_clip",
      [](const ComponentOptions& options, const SamplerContext& ctx) {
        return std::make_unique<ReinforceSampler>(
            ctx.space, ctx.directions, ctx.seed,
            ReinforceSamplerOptions::FromComponentOptions(options));
      });
}

}  // namespace automl::dl
