#include "automl/registry.h"

#include "automl/pruners/nop_pruner.h"
#include "automl/samplers/cmaes_sampler.h"
#include "automl/samplers/grid_sampler.h"
#include "automl/samplers/random_sampler.h"
#include "automl/samplers/rf_sampler.h"
#include "automl/samplers/sobol_sampler.h"

namespace automl {
namespace {

GridSamplerOptions ReadGridOptions(const ComponentOptions& options) {
  GridSamplerOptions grid;
  const Json resolution = options.Raw("resolution");
  if (resolution.is_number_integer()) {
    grid.resolution = resolution.get<int64_t>();
  } else if (resolution.is_object()) {
    for (const auto& [name, r] : resolution.items()) {
      if (!r.is_number_integer()) {
        throw InvalidArgument(options.Describe("resolution") + ": '" + name +
                              "' must map to an integer");
      }
      grid.resolution_for[name] = r.get<int64_t>();
    }
  } else if (!resolution.is_null()) {
    throw InvalidArgument(options.Describe("resolution") +
                          " must be an integer or a mapping from parameter to integer");
  }
  grid.shuffle = options.Bool("shuffle", true);
  return grid;
}

}  // namespace

Components BuiltinComponents() {
  Components c;
  c.samplers.Add("random", "independent uniform sampling (in log scale for log parameters)",
                 [](const ComponentOptions& /*options*/, const SamplerContext& ctx) {
                   return std::make_unique<RandomSampler>(ctx.seed);
                 });
  c.samplers.Add("grid", "every combination once; options: resolution, shuffle",
                 [](const ComponentOptions& options, const SamplerContext& ctx) {
                   return std::make_unique<GridSampler>(ctx.space, ctx.seed,
                                                        ReadGridOptions(options));
                 });
  c.samplers.Add("sobol", "scrambled Sobol' low-discrepancy sequence; option: scramble",
                 [](const ComponentOptions& options, const SamplerContext& ctx) {
                   SobolSamplerOptions sobol;
                   sobol.scramble = options.Bool("scramble", true);
                   return std::make_unique<SobolSampler>(ctx.space, ctx.seed, sobol);
                 });
  c.samplers.Add("cmaes",
                 "CMA-ES with IPOP restarts and margin for integers (categoricals at random); "
                 "options: sigma0, popsize, restart, n_startup_trials, with_margin, tol_x, tol_fun",
                 [](const ComponentOptions& options, const SamplerContext& ctx) {
                   return std::make_unique<CmaEsSampler>(
                       ctx.space, ctx.seed, CmaEsSamplerOptions::FromComponentOptions(options),
                       ctx.directions);
                 });
  c.samplers.Add("rf",
                 "SMAC-style Bayesian optimisation with a random-forest surrogate and log-EI; "
                 "options: n_startup_trials, n_trees, max_depth, min_samples_split, "
                 "min_samples_leaf, max_features, bootstrap, log_y, random_every, n_candidates, "
                 "local_search_starts, xi",
                 [](const ComponentOptions& options, const SamplerContext& ctx) {
                   return std::make_unique<RfSampler>(
                       ctx.space, ctx.seed, RfSamplerOptions::FromComponentOptions(options),
                       ctx.directions);
                 });
  c.pruners.Add("none", "never prunes",
                [](const ComponentOptions& /*options*/, const PrunerContext& /*ctx*/) {
                  return std::make_unique<NopPruner>();
                });
  return c;
}

}  // namespace automl
