#include "automl/registry.h"

#include "automl/pruners/curve_pruner.h"
#include "automl/pruners/hyperband_pruner.h"
#include "automl/pruners/median_pruner.h"
#include "automl/pruners/nop_pruner.h"
#include "automl/pruners/percentile_pruner.h"
#include "automl/pruners/successive_halving_pruner.h"
#include "automl/samplers/anneal_sampler.h"
#include "automl/samplers/bohb_sampler.h"
#include "automl/samplers/cmaes_sampler.h"
#include "automl/samplers/econas_sampler.h"
#include "automl/samplers/evolution_sampler.h"
#include "automl/samplers/genetic_sampler.h"
#include "automl/samplers/gp_sampler.h"
#include "automl/samplers/grid_sampler.h"
#include "automl/samplers/nsga2_sampler.h"
#include "automl/samplers/random_sampler.h"
#include "automl/samplers/rf_sampler.h"
#include "automl/samplers/sobol_sampler.h"
#include "automl/samplers/tpe_sampler.h"

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
  c.samplers.Add("genetic",
                 "single-objective genetic algorithm (tournaments, SBX/uniform crossover, "
                 "mutation, (mu+lambda) elitism); options: population_size, tournament_size, "
                 "crossover, crossover_prob, swapping_prob, mutation_prob, eta_c, eta_m",
                 [](const ComponentOptions& options, const SamplerContext& ctx) {
                   return std::make_unique<GeneticSampler>(
                       ctx.space, ctx.seed, GeneticSamplerOptions::FromComponentOptions(options),
                       ctx.directions);
                 });
  c.samplers.Add("evolution",
                 "regularized (aging) evolution (Real et al. 2019): tournaments among the last "
                 "finished trials, one-decision mutations; options: population, sample_size, "
                 "mutation_scale",
                 [](const ComponentOptions& options, const SamplerContext& ctx) {
                   return std::make_unique<EvolutionSampler>(
                       ctx.space, ctx.seed, EvolutionSamplerOptions::FromComponentOptions(options),
                       ctx.directions);
                 });
  c.samplers.Add("econas",
                 "EcoNAS's hierarchical proxy (Zhou et al. 2020): evolution whose networks are "
                 "trained in chunks and continued while among the best of their group; needs an "
                 "objective that honours the trial's 'econas' directive; options: population, "
                 "children, levels, promote, sample_size, max_age, mutation_scale",
                 [](const ComponentOptions& options, const SamplerContext& ctx) {
                   return std::make_unique<EcoNasSampler>(
                       ctx.space, ctx.seed, EcoNasSamplerOptions::FromComponentOptions(options),
                       ctx.directions);
                 });
  c.samplers.Add("nsga2",
                 "NSGA-II for one or several objectives (non-dominated sorting, crowding "
                 "distance); options: population_size, crossover, crossover_prob, "
                 "swapping_prob, mutation_prob, eta_c, eta_m",
                 [](const ComponentOptions& options, const SamplerContext& ctx) {
                   return std::make_unique<Nsga2Sampler>(
                       ctx.space, ctx.seed, Nsga2SamplerOptions::FromComponentOptions(options));
                 });
  c.samplers.Add("cmaes",
                 "CMA-ES with IPOP restarts and margin for integers (categoricals at random); "
                 "options: sigma0, popsize, restart, n_startup_trials, with_margin, tol_x, tol_fun",
                 [](const ComponentOptions& options, const SamplerContext& ctx) {
                   return std::make_unique<CmaEsSampler>(
                       ctx.space, ctx.seed, CmaEsSamplerOptions::FromComponentOptions(options),
                       ctx.directions);
                 });
  c.samplers.Add("gp",
                 "Gaussian-process Bayesian optimization (Matern-5/2, log-EI); options: n_startup, "
                 "acquisition (ei|pi|ucb), beta, candidates, local_starts, deterministic, "
                 "refit_until, refit_growth",
                 [](const ComponentOptions& options, const SamplerContext& ctx) {
                   return std::make_unique<GpSampler>(
                       ctx.space, ctx.seed, GpSamplerOptions::FromComponentOptions(options),
                       ctx.directions);
                 });
  c.samplers.Add("tpe",
                 "Tree-structured Parzen Estimator (multivariate, group decomposition); options: "
                 "n_startup_trials, n_ei_candidates, gamma, gamma_max, prior_weight, "
                 "consider_prior, consider_magic_clip, consider_endpoints, weights, multivariate, "
                 "group, constant_liar",
                 [](const ComponentOptions& options, const SamplerContext& ctx) {
                   return std::make_unique<TpeSampler>(
                       ctx.space, ctx.directions, ctx.seed,
                       TpeSamplerOptions::FromComponentOptions(options));
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
  c.samplers.Add("anneal",
                 "simulated annealing with per-kind neighbour moves; options: t0, t0_scale, "
                 "alpha, schedule, n_startup_trials, step, min_step, restart_after",
                 [](const ComponentOptions& options, const SamplerContext& ctx) {
                   return std::make_unique<AnnealSampler>(
                       ctx.space, ctx.seed, AnnealSamplerOptions::FromComponentOptions(options),
                       ctx.directions);
                 });
  c.samplers.Add("bohb",
                 "BOHB's model (Falkner et al. 2018): KDEs of the best and worst trials at the "
                 "largest Hyperband rung with enough observations; needs pruner 'hyperband'; "
                 "options: min_points_in_model, top_n_percent, num_samples, random_fraction, "
                 "bandwidth_factor, min_bandwidth",
                 [](const ComponentOptions& options, const SamplerContext& ctx) {
                   // The pruner first: without Hyperband the options do not matter.
                   std::vector<int64_t> budgets = BohbBudgets(ctx.pruner);
                   return std::make_unique<BohbSampler>(
                       ctx.space, ctx.directions, ctx.seed, std::move(budgets),
                       BohbSamplerOptions::FromComponentOptions(options));
                 });
  c.pruners.Add("none", "never prunes",
                [](const ComponentOptions& /*options*/, const PrunerContext& /*ctx*/) {
                  return std::make_unique<NopPruner>();
                });
  c.pruners.Add("median",
                "median stopping rule: prune a trial whose best value is worse than the median "
                "of COMPLETE trials at its step; options: n_startup_trials, n_warmup_steps, "
                "interval_steps, n_min_trials",
                [](const ComponentOptions& options, const PrunerContext& ctx) {
                  return std::make_unique<MedianPruner>(
                      PercentilePrunerOptions::FromComponentOptions(options, false),
                      ctx.directions);
                });
  c.pruners.Add("percentile",
                "prune a trial whose best value is worse than a percentile of COMPLETE trials at "
                "its step; options: percentile, n_startup_trials, n_warmup_steps, "
                "interval_steps, n_min_trials",
                [](const ComponentOptions& options, const PrunerContext& ctx) {
                  return std::make_unique<PercentilePruner>(
                      PercentilePrunerOptions::FromComponentOptions(options), ctx.directions);
                });
  c.pruners.Add("sha",
                "successive halving, asynchronous (ASHA) or synchronous; options: min_resource, "
                "max_resource, reduction_factor, min_early_stopping_rate, rungs, mode",
                [](const ComponentOptions& options, const PrunerContext& ctx) {
                  return std::make_unique<SuccessiveHalvingPruner>(
                      SuccessiveHalvingPrunerOptions::FromComponentOptions(options),
                      ctx.directions);
                });
  c.pruners.Add("hyperband",
                "Hyperband: brackets of asynchronous successive halving; options: min_resource, "
                "max_resource, reduction_factor",
                [](const ComponentOptions& options, const PrunerContext& ctx) {
                  return std::make_unique<HyperbandPruner>(
                      HyperbandPrunerOptions::FromComponentOptions(options), ctx.directions);
                });
  c.pruners.Add("curve",
                "learning-curve extrapolation (Domhan et al. 2015): prune a trial unlikely to "
                "beat the best COMPLETE trial at max_resource; options: max_resource, threshold, "
                "n_warmup_steps, interval_steps, n_startup_trials, walkers, mcmc_steps, burn_in",
                [](const ComponentOptions& options, const PrunerContext& ctx) {
                  return std::make_unique<CurvePruner>(
                      CurvePrunerOptions::FromComponentOptions(options), ctx.directions, ctx.seed);
                });
  return c;
}

}  // namespace automl
