// The Parzen estimator of the TPE sampler: a weighted mixture with one kernel per observation and
// one prior kernel, over one or several parameters (a product kernel per component when several,
// as in BOHB's multivariate KDE). Internal to automl::core.
//
// It follows Optuna 3.1's _ParzenEstimator (optuna/samplers/_tpe/parzen_estimator.py):
//  - numerical parameters get normal kernels truncated to the range; a discrete one (an int, a
//    stepped float, an ordinal) gets the kernel's mass on each value's cell, so that its
//    likelihood is a probability and sampling-then-rounding draws from exactly that probability;
//  - categorical parameters get, per observation, 1 + prior_weight / (n + 1) on the observed choice
//    and prior_weight / (n + 1) on every choice, normalized; the prior kernel is uniform;
//  - the prior kernel sits in the middle of the range with the range as its width;
//  - bandwidths: univariate, the larger distance to the neighbouring centres (Bergstra et al.,
//    2011); multivariate, 0.2 n^(-1/(d + 4)) times the range for every kernel (a Scott-like rule,
//    as BOHB uses); both clipped to [range / min(100, 1 + kernels), range] ("magic clip").
//    Observations of the same value (common for discrete parameters) are ordered oldest first,
//    so the oldest takes the gap below and the newest the gap above; Optuna's numpy argsort
//    orders such ties arbitrarily, which changes g(x) slightly once the ramp weighs old and new
//    observations differently (a tie order is no better than another on our benchmarks);
//  - component weights: Optuna's default_weights (older observations ramp down beyond 25) and
//    prior_weight for the prior, normalized.
//
// Points are rows of coordinates, one per dimension: the value (or its log) for a continuous
// dimension, the cell index for a discrete one, the choice index for a categorical one.
#ifndef AUTOML_SRC_CORE_SAMPLERS_PARZEN_ESTIMATOR_H_
#define AUTOML_SRC_CORE_SAMPLERS_PARZEN_ESTIMATOR_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "automl/random.h"

namespace automl::internal {

// How one parameter appears to a Parzen estimator.
struct ParzenDim {
  enum class Kind {
    kContinuous,   // a real coordinate in [low, high]
    kDiscrete,     // ordered cells 0 .. n - 1
    kCategorical,  // unordered choices 0 .. n - 1
  };

  // A real coordinate in [low, high] (a float's value, or its log for a log-scale float).
  static ParzenDim Continuous(double low, double high);
  // n evenly spaced values (an int, a stepped float, an ordinal), as cell indices: the kernels
  // live on [-1/2, n - 1/2], value j owning the cell [j - 1/2, j + 1/2]. This is Optuna's
  // [low - step/2, high + step/2] in units of the step.
  static ParzenDim Grid(int64_t n);
  // The n integers first .. first + n - 1 of a log-scale int: the kernels live on
  // [log(first - 1/2), log(first + n - 1/2)], value v owning the cell
  // [log(v - 1/2), log(v + 1/2)] and centring its kernel at log v, as in Optuna.
  static ParzenDim LogGrid(int64_t first, int64_t n);
  static ParzenDim Categorical(int64_t n);

  // The interval the kernels of a numerical dimension live on.
  double KernelLow() const;
  double KernelHigh() const;
  // Discrete: the left edge of cell j (j = n gives the right edge of the last cell).
  double Edge(int64_t j) const;
  // Discrete: where an observation of cell j centres its kernel.
  double Centre(int64_t j) const;
  // Discrete: the cell holding kernel coordinate x (rounding as Optuna does).
  int64_t CellOf(double x) const;

  Kind kind = Kind::kContinuous;
  double low = 0;
  double high = 1;
  int64_t n = 0;
  bool log_grid = false;
  int64_t first = 0;
};

// Observation weights: Optuna's default_weights (a linear ramp from 1/n to 1 over all but the
// newest 25, which weigh 1), or all equal.
enum class ParzenWeights { kRamp, kUniform };
std::vector<double> ObservationWeights(ParzenWeights rule, size_t n);

// How LogPdf weighs the kernels. kMass: the mixture itself, each kernel a normalized density
// with its observation's weight. kHeight: each kernel's weight also multiplied by its bandwidth
// in every continuous dimension (and log-scale int), then renormalized, so that kernels count by
// their height rather than their mass. kHeight scores candidates exactly as Optuna 3.0 to 3.4 do,
// whose truncated normal log density omits -log(sigma) (optuna/optuna#5109, fixed in 3.5);
// Sample always draws from the mixture with the observations' weights.
enum class ParzenScore { kMass, kHeight };

// The bandwidths of a multivariate estimator, per dimension. kScott: 0.2 n^(-1/(d + 4)) of the
// range for every kernel (Optuna's multivariate rule). kNeighbor: each kernel as wide as the
// univariate rule makes it (the larger gap to the neighbouring centres). kNormalReference: one
// width per dimension from the spread of the centres (the prior's included), the normal
// reference rule 1.059 min(sd, IQR / 1.34) k^(-1/5) of Scott (1992) and statsmodels, as in
// Watanabe (2023)'s "scott" strategy: narrow when the good observations have converged, wide
// while they are still scattered. Every rule is then clipped by the magic clip.
enum class ParzenBandwidth { kScott, kNeighbor, kNormalReference };

struct ParzenOptions {
  bool consider_prior = true;  // forced when there is no observation
  double prior_weight = 1.0;
  bool consider_magic_clip = true;
  // The magic clip's floor on a bandwidth: range * max(min_bandwidth_factor, 1 / (1 + kernels) ^
  // magic_clip_exponent). The defaults are Optuna's rule, range / min(100, 1 + kernels).
  double magic_clip_exponent = 1.0;
  double min_bandwidth_factor = 0.01;
  bool consider_endpoints = false;  // univariate bandwidths only
  bool multivariate = true;
  // Multivariate only: how wide each dimension's kernels are (see ParzenBandwidth).
  ParzenBandwidth bandwidth = ParzenBandwidth::kScott;
  ParzenWeights weights = ParzenWeights::kRamp;
  ParzenScore score = ParzenScore::kMass;
};

class ParzenEstimator {
 public:
  // |observations| holds n rows of dims.size() coordinates, oldest first (weights ramp by age).
  ParzenEstimator(std::vector<ParzenDim> dims, const std::vector<double>& observations,
                  const ParzenOptions& options);

  size_t dimensions() const { return dims_.size(); }
  size_t components() const { return log_weights_.size(); }

  // Appends |m| draws (rows of coordinates) to |out|.
  void Sample(Rng& rng, size_t m, std::vector<double>* out) const;
  // The log density (log mass for discrete and categorical dimensions, so that a point's value
  // is log l(x) in the product measure) of each row of |points|.
  std::vector<double> LogPdf(const std::vector<double>& points) const;

 private:
  // Per numerical dimension: centres and widths of every kernel, the prior last.
  struct Kernels {
    std::vector<double> mu;
    std::vector<double> sigma;
    std::vector<double> inv_sigma;
    // Discrete dimensions: kernels with the same (mu, sigma) share one table column.
    std::vector<int32_t> kernel_id;
    std::vector<double> unique_mu;
    std::vector<double> unique_sigma;
  };
  // Per categorical dimension: each component's choice (-1 for the prior) and its log masses.
  struct Choices {
    std::vector<double> choice;
    std::vector<double> log_hit;   // log mass of the component's own choice
    std::vector<double> log_miss;  // log mass of any other choice
  };

  void SetWeights(size_t n_observations);
  // kHeight: reweighs the components in log_const_ by their bandwidths.
  void WeighByHeight();
  void SetNumericalKernels(size_t d, const std::vector<double>& observations, size_t n);
  void SetChoices(size_t d, const std::vector<double>& observations, size_t n);
  // The log cell masses of discrete dimension |d|: a table of the distinct cells among the m
  // points by the distinct kernels, and each point's row in it (|slot|).
  // The log of the mass component k's kernels keep in their ranges (summed over dimensions).
  double LogAccept(size_t k) const;
  std::vector<double> DiscreteLogMassTable(size_t d, const std::vector<double>& points, size_t m,
                                           std::vector<size_t>* slot) const;

  std::vector<ParzenDim> dims_;
  ParzenOptions options_;
  bool with_prior_ = true;
  std::vector<double> log_weights_;
  std::vector<double> cumulative_weights_;
  // Per component: its log weight plus the normal densities' -log(sigma sqrt(2 pi)) (and, for
  // the prior, its normalization).
  std::vector<double> log_const_;
  // A bound on how much the truncation's normalization raises an observation's log density.
  double max_log_correction_ = 0;
  std::vector<Kernels> kernels_;  // indexed by dimension; empty for categorical ones
  std::vector<Choices> choices_;  // indexed by dimension; empty for numerical ones
};

}  // namespace automl::internal

#endif  // AUTOML_SRC_CORE_SAMPLERS_PARZEN_ESTIMATOR_H_
