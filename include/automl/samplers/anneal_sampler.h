// AnnealSampler: simulated annealing, registered as `anneal`.
//
// The algorithm is classic simulated annealing (S. Kirkpatrick, C. D. Gelatt, M. P. Vecchi,
// "Optimization by Simulated Annealing", Science 220(4598), 1983): a current point moves to a
// random neighbour when the neighbour is no worse, or else with the Metropolis probability
// exp(-(f_new - f_current) / T_k), under a temperature T_k that decreases with the step k.
//
// Purity. The walk is replayed from the study's history on every ask. The first
// n_startup_trials COMPLETE trials (in the order they finished, FrozenTrial::finish_seq) are
// uniform random points; the walk starts at the best of them, and their values set T0. Every
// later COMPLETE trial, in finish order, is step k = 0, 1, ...: a proposal accepted or rejected
// with the Metropolis rule at T_k, the uniform draw of the test coming from
// Rng(DeriveSeed(seed, trial number, stream)), so that the replay is deterministic. A new trial is
// a neighbour of the replayed current point at the temperature of the next step. Trials that run
// at the same time (parallel workers) are neighbours of the same current point, and each is judged
// against the current point when it is replayed. Enqueued trials are judged like proposals.
// FAILED trials carry no value and PRUNED trials are ignored (neither is a step); RUNNING trials
// only count as taken points (a trial whose parameters are all discrete never repeats a tried
// point unless all have been tried). Studies that maximize are turned into minimization; several
// objectives are refused.
//
// Temperature schedules, with k the number of steps taken; all three have T_1 = alpha T0:
//   geometric  T_k = T0 alpha^k                      (Kirkpatrick et al.'s exponential cooling)
//   linear     T_k = T0 max(0, 1 - (1 - alpha) k)    (zero after 1 / (1 - alpha) steps: greedy)
//   log        T_k = T0 / (1 + c ln(1 + k)), c = (1 / alpha - 1) / ln 2
//              (the slow logarithmic cooling of S. Geman, D. Geman, "Stochastic Relaxation, Gibbs
//              Distributions, and the Bayesian Restoration of Images", IEEE TPAMI 6(6), 1984)
// T0, unless given, is t0_scale times the standard deviation of the startup values, a measure of
// how much the objective varies over the space (S. R. White, "Concepts of scale in simulated
// annealing", ICCD 1984, takes T0 of the order of this deviation); a flat start gives a greedy
// walk. The defaults are cooler and faster than White's because HPO budgets are short: on
// Branin, Hartmann6, Rosenbrock-5D, Levy-, Ackley- and Styblinski-Tang-10D at 100 or 200 trials,
// a hot start (t0_scale 0.5 to 1) spends most of the budget on a random walk and ends worse than
// T0 = 0.02 sigma with alpha = 0.97 and step = 0.4 on every one of them, 15 seeds each.
//
// Neighbours. Each proposal changes a random subset of the current point's active parameters:
// each with probability 1 / d (d of them that can change), at least one. Per kind:
//   float, int  a Gaussian step in the unit interval of ParamSpec::ToUnit (log scale for log
//               parameters) with standard deviation step * sqrt(T_k / T0) (at least
//               min_step), reflected at the bounds; ints and stepped floats are rounded and moved
//               at least one step (the Boltzmann distribution of a quadratic bowl has a width
//               proportional to sqrt(T), hence the square root);
//   categorical switches to another choice, chosen uniformly, with probability
//               (1 + sqrt(T_k / T0)) / 2: large jumps become rarer as the walk cools;
//   ordinal     moves to a neighbouring position, +-1 (or +-2 with probability 0.2);
//   fixed       never changes.
// A parameter that becomes active (a changed parent's child) is drawn uniformly; one that becomes
// inactive is dropped. If nothing changed, one of the chosen parameters is forced to change.
//
// Options (`sampler: {name: anneal, ...}`):
//   t0                initial temperature (> 0)                        default: from the startup
//   t0_scale          T0 / standard deviation of the startup values    default 0.02
//   alpha             cooling factor, in (0, 1)                        default 0.97
//   schedule          geometric | linear | log                         default geometric
//   n_startup_trials  uniform random trials before the walk (>= 1;
//                     >= 2 unless t0 is given)                         default 10
//   step              initial Gaussian step, a fraction of the range   default 0.4
//   min_step          smallest Gaussian step                           default 0.001
//   restart_after     back to the best point after this many steps
//                     without a new best (0: never)                    default 25
// The seed is the study's.
#ifndef AUTOML_SAMPLERS_ANNEAL_SAMPLER_H_
#define AUTOML_SAMPLERS_ANNEAL_SAMPLER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/random.h"
#include "automl/sampler.h"

namespace automl {

enum class AnnealSchedule { kGeometric, kLinear, kLog };

struct AnnealSamplerOptions {
  std::optional<double> t0;  // absent: t0_scale * the standard deviation of the startup values
  double t0_scale = 0.02;
  double alpha = 0.97;
  AnnealSchedule schedule = AnnealSchedule::kGeometric;
  int64_t n_startup_trials = 10;
  double step = 0.4;
  double min_step = 0.001;
  int64_t restart_after = 25;

  // Reads `sampler: {name: anneal, ...}`; throws InvalidArgument naming a bad option.
  static AnnealSamplerOptions FromComponentOptions(const ComponentOptions& options);
};

// T_k under |schedule| (see the header comment).
double AnnealTemperature(AnnealSchedule schedule, double t0, double alpha, int64_t k);

// The replayed walk, for inspection and tests.
struct AnnealState {
  bool started = false;  // the startup trials are complete
  double t0 = 0;
  int64_t steps = 0;            // proposals judged so far: the next one is step |steps|
  double temperature = 0;       // T_steps, the next proposal's
  int64_t accepted = 0;         // of the steps, the accepted ones
  int64_t restarts = 0;         // returns to the best point (restart_after)
  int64_t current_number = -1;  // the trial at the current point
  double current_value = 0;     // its value, as minimized
  int64_t best_number = -1;
  std::vector<int64_t> accepted_numbers;  // the trials accepted, in replay order
};

class AnnealSampler : public Sampler {
 public:
  // Throws InvalidArgument for several objectives or bad options.
  AnnealSampler(const SearchSpace& space, uint64_t seed, AnnealSamplerOptions options = {},
                const std::vector<Direction>& directions = {Direction::kMinimize});

  std::string name() const override { return "anneal"; }
  // Every parameter: a neighbour is a whole trial.
  std::vector<std::string> RelativeParams(const Study& study,
                                          const FrozenTrial& trial) const override;
  ParamMap SampleRelative(const Study& study, const FrozenTrial& trial,
                          const std::vector<std::string>& names) const override;
  ParamValue SampleIndependent(const Study& study, const FrozenTrial& trial,
                               const ParamSpec& param) const override;

  // The walk as replayed from |study|'s history.
  AnnealState Replay(const Study& study) const;

 private:
  struct Walk;
  Walk ReplayWalk(const Study& study) const;
  // A neighbour of |current| at temperature ratio |ratio| = T_k / T0.
  ParamMap Neighbour(const ParamMap& current, double ratio, Rng& rng) const;

  SearchSpace space_;
  uint64_t seed_;
  AnnealSamplerOptions options_;
};

}  // namespace automl

#endif  // AUTOML_SAMPLERS_ANNEAL_SAMPLER_H_
