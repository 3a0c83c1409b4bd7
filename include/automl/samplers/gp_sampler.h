// GpSampler: Bayesian optimization with a Gaussian-process model (J. Snoek, H. Larochelle &
// R. P. Adams, "Practical Bayesian optimization of machine learning algorithms", NeurIPS 2012).
//
// The first `n_startup` trials are points of a scrambled Sobol' sequence (as SobolSampler gives
// them). After that, for each new trial:
//   1. Model: the COMPLETE trials' values (negated for a maximized objective) are standardized
//      and, with `output_warping` (the default), power-transformed by a Yeo-Johnson exponent
//      fitted by maximum likelihood (I.-K. Yeo & R. A. Johnson, Biometrika 2000; as HEBO does:
//      A. I. Cowen-Rivers et al., JAIR 2022), so that a few very bad values do not flatten the
//      differences among good ones. They are regressed on their parameters by a GP with a
//      Matérn-5/2 kernel, one length scale per parameter (C. E. Rasmussen & C. K. I. Williams,
//      "Gaussian Processes for Machine Learning", MIT Press, 2006). Parameters are mapped to
//      [0, 1] by ParamSpec::ToUnit (log parameters in log space); ints, stepped floats and
//      ordinals are ordered grids of cell centres there, and categoricals are compared by
//      equality with a length scale each (E. C. Garrido-Merchán & D. Hernández-Lobato, "Dealing
//      with categorical and integer-valued variables in Bayesian optimization with Gaussian
//      processes", Neurocomputing 380, 2020).
//   2. Hyperparameters (length scales, signal and noise variances) maximize the marginal
//      likelihood times the priors of Optuna's GPSampler (src/core/samplers/internal/
//      gaussian_process.h), fitted by box-constrained L-BFGS with analytic gradients. They are
//      refitted at a schedule of observation counts: every count up to `refit_until` (from the
//      defaults, the previous fit and two seeded random starts), then each time the count has
//      grown by `refit_growth` (from the previous fit alone, as Optuna's GPSampler warm-starts).
//      The fit at count c depends only on the first c observations in the order they finished
//      and on the fit at the previous scheduled count, so fits are memoized (a mutex-guarded
//      cache) without making suggestions depend on what the cache holds: a resumed study
//      recomputes the same fits. Between refits only the Cholesky factor is recomputed.
//   3. Running trials: the parameters of RUNNING trials are added as observations of the GP's own
//      posterior mean (the kriging believer of D. Ginsbourger, R. Le Riche & L. Carraro, "Kriging
//      is well-suited to parallelize optimization", 2010), so that parallel workers spread out.
//   4. Acquisition (`acquisition`): log expected improvement over the best posterior mean at an
//      observed point (S. Ament, S. Daulton, D. Eriksson, M. Balandat & E. Bakshy, "Unexpected
//      improvements to expected improvement for Bayesian optimization", NeurIPS 2023), or log
//      probability of improvement, or the confidence bound mean - sqrt(beta) sd (N. Srinivas,
//      A. Krause, S. Kakade & M. Seeger, "Gaussian process optimization in the bandit setting",
//      ICML 2010). It is maximized by a global phase of `candidates` points (Sobol' and
//      perturbations of the best trials; beyond 150 observations their number shrinks as 1/n^2,
//      to no fewer than 256, since each costs O(n^2)) and local refinement of the best
//      `local_starts`: projected L-BFGS over continuous coordinates alternating with searches
//      over discrete ones. Discrete values are snapped to their grid before the kernel sees them.
//
// Conditional spaces: the model covers the parameters active in every COMPLETE trial (Optuna's
// intersection search space); the others are drawn uniformly as RandomSampler draws them.
// PRUNED and FAILED trials carry no value and do not enter the model (as in Optuna's GPSampler);
// like running trials, they are never proposed again when a trial's parameters are all discrete
// (ints, stepped floats, categoricals, ordinals, fixed), until every combination has been tried.
// Single-objective: the constructor refuses several directions.
//
// Options (registered as `gp`):
//   n_startup      10     Sobol' trials before the model is used (>= 1)
//   acquisition    ei     ei (log expected improvement), pi (log probability of improvement)
//                         or ucb (confidence bound)
//   beta           2.0    ucb's exploration weight (> 0)
//   candidates     2048   points in the acquisition's global phase (16 .. 1,000,000), up to
//                         150 observations
//   local_starts   5      best global points refined locally (0 .. 100)
//   deterministic  false  the objective has no noise: keep the noise variance at its floor
//   refit_until    30     refit the hyperparameters at every observation count up to this
//   refit_growth   0.1    then whenever the count has grown by this fraction (0: always)
//   output_warping true   Yeo-Johnson-transform the standardized values before modelling them
#ifndef AUTOML_SAMPLERS_GP_SAMPLER_H_
#define AUTOML_SAMPLERS_GP_SAMPLER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/sampler.h"
#include "automl/samplers/sobol_sampler.h"

namespace automl {
namespace internal {
class GpFitCache;
}  // namespace internal

enum class GpAcquisition { kEi, kPi, kUcb };

struct GpSamplerOptions {
  int64_t n_startup = 10;
  GpAcquisition acquisition = GpAcquisition::kEi;
  double beta = 2.0;
  int64_t candidates = 2048;
  int64_t local_starts = 5;
  bool deterministic = false;
  int64_t refit_until = 30;
  double refit_growth = 0.1;
  bool output_warping = true;

  // Reads and validates every option above from a config's `sampler: {name: gp, ...}`.
  static GpSamplerOptions FromComponentOptions(const ComponentOptions& options);
};

class GpSampler : public Sampler {
 public:
  // Throws InvalidArgument for several |directions| (the sampler is single-objective); none
  // means one, to be read from the study.
  GpSampler(const SearchSpace& space, uint64_t seed, GpSamplerOptions options = {},
            const std::vector<Direction>& directions = {Direction::kMinimize});
  ~GpSampler() override;

  std::string name() const override { return "gp"; }
  // Every parameter: SampleRelative decides the whole trial, so that it can avoid repeating a
  // discrete one.
  std::vector<std::string> RelativeParams(const Study& study,
                                          const FrozenTrial& trial) const override;
  ParamMap SampleRelative(const Study& study, const FrozenTrial& trial,
                          const std::vector<std::string>& names) const override;
  ParamValue SampleIndependent(const Study& study, const FrozenTrial& trial,
                               const ParamSpec& param) const override;

  const GpSamplerOptions& options() const { return options_; }

  // The observation counts at which hyperparameters are fitted, up to |n|, in increasing order:
  // the fit used with n observations is the one at the last of them.
  std::vector<int64_t> RefitSchedule(int64_t n) const;

 private:
  SearchSpace space_;
  uint64_t seed_;
  GpSamplerOptions options_;
  std::optional<SobolSampler> startup_;         // absent for spaces beyond Sobol's dimensions
  std::unique_ptr<internal::GpFitCache> fits_;  // memoized hyperparameter fits
};

}  // namespace automl

#endif  // AUTOML_SAMPLERS_GP_SAMPLER_H_
