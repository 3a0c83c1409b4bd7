// CmaEsSampler: the covariance matrix adaptation evolution strategy with restarts, registered as
// `cmaes`.
//
// The algorithm:
// - CMA-ES as in N. Hansen, "The CMA Evolution Strategy: A Tutorial", arXiv:1604.00772 (2016),
//   with its default strategy parameters (Table 1: lambda = 4 + floor(3 ln n), mu = lambda / 2,
//   positive and negative recombination weights, c_sigma, d_sigma, c_c, c_1, c_mu, c_m = 1), the
//   h_sigma stall of the rank-one update and an eigendecomposition of C after every update.
// - IPOP restarts: A. Auger, N. Hansen, "A Restart CMA Evolution Strategy With Increasing
//   Population Size", CEC 2005. When a termination criterion of that paper fires, the search
//   restarts from a uniformly random mean with sigma0 and twice the population size. The criteria
//   are the paper's (with the tutorial's TolXUp):
//     equalfunvals  the best values of the last 10 + ceil(30 n / lambda) generations are equal;
//     tolfun        their range, with all values of the last generation, is below tol_fun;
//     tolx          sigma * sqrt(C_ii) and sigma * p_c,i are below tol_x in every coordinate;
//     noeffectaxis  adding 0.1 sigma along a principal axis of C (axis g mod n) leaves m as is;
//     noeffectcoord adding 0.2 sigma sqrt(C_ii) to any coordinate leaves m as is;
//     conditioncov  the condition number of C exceeds 1e14;
//     tolxup        sigma * max sqrt(eigenvalue of C) grew by more than 1e4 over sigma0.
//   Sized for small budgets: tol_x defaults to 1e-8 of a parameter's range (the paper's 1e-12
//   sigma0 is meant for budgets of 1e4 n evaluations; no hyperparameter needs 1e-8 of its range),
//   tol_fun to the paper's 1e-12.
// - The search runs in the unit cube [0, 1]^n of ParamSpec::ToUnit (log parameters in log scale),
//   from its centre, with sigma0 = 1/6 of the range as Optuna's CmaEsSampler. Bounds of continuous
//   coordinates are handled by resampling (up to 10 n draws, then clipping the last one), as
//   Optuna's cmaes backend does (resampling is one of the simple approaches of the tutorial's
//   appendix B, "Boundaries and Constraints"); the sample used for the update is always the
//   point that was evaluated.
// - Integer, stepped-float and ordinal parameters (the ordinal's index): CMA-ES with Margin,
//   R. Hamano, S. Saito, M. Nomura, S. Shirakawa, "CMA-ES with Margin: Lower-Bounding Marginal
//   Probability for Mixed-Integer Black-Box Optimization", GECCO 2022 (what Optuna's
//   `with_margin` does). A discrete coordinate x_j is evaluated at the value whose unit-cube cell
//   holds m_j + A_j (x_j - m_j); after every update the diagonal A and the mean are corrected so
//   that the marginal probability of leaving the mean's cell stays at least alpha = 1 / (n lambda)
//   (alpha / 2 on each side of an inner cell). With `with_margin: false` it is plain rounding
//   (A = 1, no correction), which can freeze a discrete coordinate once sigma is small.
// - Categorical parameters, parameters with conditions (CMA-ES runs on the parameters active in
//   every trial: those without conditions) and parameters with a single value are drawn uniformly
//   at random, as Optuna does.
//
// Purity. The state of the strategy is replayed from the study's history on every ask: the
// COMPLETE trials in the order they finished (FrozenTrial::finish_seq), after the first
// n_startup_trials, are cut into consecutive chunks of lambda, each one generation's update. A new
// trial's sample is m + sigma B D z with z from Rng(DeriveSeed(seed, trial number, stream)), so
// when a trial is replayed its sample can be recomputed: if the recomputed sample gives the trial's
// stored values, it is the sample (its raw, unrounded coordinates update the distribution);
// otherwise the trial was sampled from an older distribution (parallel workers) or given by the
// user (enqueued), and it enters the update as an injected solution with its step clipped to a
// Mahalanobis norm of sqrt(n) + 2n / (n + 2), as in N. Hansen, "Injecting External Solutions Into
// CMA-ES", arXiv:1110.4181 (2011). The replayed state after whole generations is memoized
// (a deterministic function of the history, so a cold cache suggests exactly the same).
//
// Trials: FAILED trials carry no value and are skipped; PRUNED trials are ignored (Optuna's
// default, consider_pruned_trials = False); RUNNING trials only count as taken points. Studies
// that maximize are turned into minimization; several objectives are refused. When a trial's
// parameters are all discrete, a sample that repeats a tried point is replaced by the next sample
// of the trial's stream (then a uniform one).
//
// Options (`sampler: {name: cmaes, ...}`):
//   sigma0            initial step size in the unit cube, (0, 1]; default 1/6
//   popsize           lambda of the first run (>= 2); default 4 + floor(3 ln n)
//   restart           ipop | none; default ipop
//   n_startup_trials  COMPLETE trials drawn at random before CMA-ES starts; default 0
//   with_margin       margin correction for discrete coordinates; default true
//   tol_x             tolx restart criterion, in the unit cube; default 1e-8
//   tol_fun           tolfun restart criterion, in objective units; default 1e-12
// The seed is the study's.
#ifndef AUTOML_SAMPLERS_CMAES_SAMPLER_H_
#define AUTOML_SAMPLERS_CMAES_SAMPLER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/sampler.h"

namespace automl {

struct CmaEsSamplerOptions {
  double sigma0 = 1.0 / 6.0;
  int64_t popsize = 0;  // 0: the tutorial's default for the dimension
  bool ipop = true;
  int64_t n_startup_trials = 0;
  bool with_margin = true;
  double tol_x = 1e-8;
  double tol_fun = 1e-12;

  // Reads `sampler: {name: cmaes, ...}`; throws InvalidArgument naming a bad option.
  static CmaEsSamplerOptions FromComponentOptions(const ComponentOptions& options);
};

// The replayed state of the strategy, for inspection and tests. Coordinates are in the unit cube,
// in the order of CmaEsSampler::dimensions().
struct CmaState {
  int64_t restarts = 0;         // runs ended by a termination criterion
  std::string last_stop;        // the criterion that ended the last run ("" if none)
  int64_t population_size = 0;  // lambda of the current run
  int64_t generation = 0;       // updates in the current run
  int64_t total_generations = 0;
  int64_t replayed_trials = 0;  // COMPLETE trials that went into updates
  int64_t injected_trials = 0;  // of these, the ones taken as injected solutions
  std::vector<double> mean;
  double sigma = 0;
  std::vector<double> covariance;    // n x n, row-major
  std::vector<double> margin_scale;  // the diagonal A of CMA-ES with Margin (1 if continuous)
};

class CmaEsSampler : public Sampler {
 public:
  // Throws InvalidArgument for several objectives.
  CmaEsSampler(const SearchSpace& space, uint64_t seed, CmaEsSamplerOptions options = {},
               const std::vector<Direction>& directions = {Direction::kMinimize});
  ~CmaEsSampler() override;

  std::string name() const override { return "cmaes"; }
  // Every parameter: the sampler proposes whole trials, so that it can avoid repeating a tried
  // point of a discrete space; parameters outside CMA-ES get uniform values.
  std::vector<std::string> RelativeParams(const Study& study,
                                          const FrozenTrial& trial) const override;
  ParamMap SampleRelative(const Study& study, const FrozenTrial& trial,
                          const std::vector<std::string>& names) const override;
  ParamValue SampleIndependent(const Study& study, const FrozenTrial& trial,
                               const ParamSpec& param) const override;

  // The parameters CMA-ES searches over, in the order of CmaState's coordinates.
  std::vector<std::string> dimensions() const;
  // The strategy's state as replayed from |study|'s history (what the next trial samples from).
  CmaState Replay(const Study& study) const;

 private:
  struct Checkpoint;  // defined in the .cc (it holds Eigen types)
  std::shared_ptr<const Checkpoint> ReplayCheckpoint(const Study& study) const;

  SearchSpace space_;
  uint64_t seed_;
  CmaEsSamplerOptions options_;
  std::vector<const ParamSpec*> dims_;  // into space_
  std::vector<bool> margin_;            // per coordinate: discrete, under the margin correction

  // The last replayed checkpoint; a function of the history only (see the header comment).
  mutable std::mutex cache_mutex_;
  mutable std::shared_ptr<const Checkpoint> cache_;
};

}  // namespace automl

#endif  // AUTOML_SAMPLERS_CMAES_SAMPLER_H_
