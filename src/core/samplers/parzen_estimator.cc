#include "core/samplers/parzen_estimator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <utility>

#include "core/samplers/truncated_normal.h"

namespace automl::internal {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kHalfLog2Pi = 0.91893853320467274178;
// Optuna's floor on bandwidths without the magic clip.
constexpr double kMinSigma = 1e-12;
// Optuna's SIGMA0_MAGNITUDE: the multivariate bandwidth is this times n^(-1/(d+4)) times the range.
constexpr double kSigma0Magnitude = 0.2;
// Observations newer than this many weigh fully under the ramp (Optuna's default_weights).
constexpr size_t kFlatWeights = 25;
// Components whose log density lies more than this below the largest one's are left out of the
// sum: each weighs less than e^-40 = 4e-18 of it, so even 10^5 of them change the log density by
// less than 1e-12.
constexpr double kNegligible = 40.0;

// e^x for x <= 0, within a few ulp, and 0 below -708 where it would leave the normal range: the
// exponential of the log-sum-exp, done without a library call (e^x = 2^k e^r, |r| <= ln(2)/2,
// with Cody and Waite's two-part ln 2 and e^r by its Taylor series to r^13 / 13!, whose
// remainder is below 1e-17).
constexpr double kInverseFactorial[] = {1.0,
                                        1.0,
                                        1.0 / 2,
                                        1.0 / 6,
                                        1.0 / 24,
                                        1.0 / 120,
                                        1.0 / 720,
                                        1.0 / 5040,
                                        1.0 / 40320,
                                        1.0 / 362880,
                                        1.0 / 3628800,
                                        1.0 / 39916800,
                                        1.0 / 479001600,
                                        1.0 / 6227020800};

double ExpNonPositive(double x) {
  if (x < -708.0) return 0.0;
  const double k = std::nearbyint(x * 1.4426950408889634);
  const double r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
  double p = kInverseFactorial[13];
  for (int i = 12; i >= 0; --i) p = p * r + kInverseFactorial[i];
  // 2^k from its bits: k lies in [-1021, 0], a normal exponent.
  const uint64_t bits = static_cast<uint64_t>(static_cast<int64_t>(k) + 1023) << 52;
  double scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// The p-th quantile (0 <= p <= 1) of sorted values, interpolated linearly (numpy's default).
double Quantile(const std::vector<double>& sorted, double p) {
  const double at = p * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<size_t>(std::floor(at));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (at - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

// The normal reference rule: 1.059 min(sd, IQR / 1.34) k^(-1/5) for k centres (sd with k - 1
// degrees of freedom). Zero when the centres coincide; the magic clip then sets the floor.
double NormalReferenceBandwidth(std::vector<double> centres) {
  const size_t k = centres.size();
  if (k < 2) return 0.0;
  const double mean = std::accumulate(centres.begin(), centres.end(), 0.0) / static_cast<double>(k);
  double squares = 0;
  for (double c : centres) squares += (c - mean) * (c - mean);
  const double sd = std::sqrt(squares / static_cast<double>(k - 1));
  std::sort(centres.begin(), centres.end());
  const double iqr = Quantile(centres, 0.75) - Quantile(centres, 0.25);
  return 1.059 * std::min(iqr / 1.34, sd) * std::pow(static_cast<double>(k), -0.2);
}

}  // namespace

// ---- ParzenDim ----------------------------------------------------------------------------------

ParzenDim ParzenDim::Continuous(double low, double high) {
  ParzenDim d;
  d.kind = Kind::kContinuous;
  d.low = low;
  d.high = high;
  return d;
}

ParzenDim ParzenDim::Grid(int64_t n) {
  ParzenDim d;
  d.kind = Kind::kDiscrete;
  d.n = n;
  d.low = -0.5;
  d.high = static_cast<double>(n) - 0.5;
  return d;
}

ParzenDim ParzenDim::LogGrid(int64_t first, int64_t n) {
  ParzenDim d;
  d.kind = Kind::kDiscrete;
  d.n = n;
  d.log_grid = true;
  d.first = first;
  d.low = std::log(static_cast<double>(first) - 0.5);
  d.high = std::log(static_cast<double>(first + n) - 0.5);
  return d;
}

ParzenDim ParzenDim::Categorical(int64_t n) {
  ParzenDim d;
  d.kind = Kind::kCategorical;
  d.n = n;
  return d;
}

double ParzenDim::KernelLow() const { return low; }
double ParzenDim::KernelHigh() const { return high; }

double ParzenDim::Edge(int64_t j) const {
  if (log_grid) return std::log(static_cast<double>(first + j) - 0.5);
  return static_cast<double>(j) - 0.5;
}

double ParzenDim::Centre(int64_t j) const {
  if (log_grid) return std::log(static_cast<double>(first + j));
  return static_cast<double>(j);
}

int64_t ParzenDim::CellOf(double x) const {
  // nearbyint rounds halves to even, as numpy's round does.
  const double v =
      log_grid ? std::nearbyint(std::exp(x)) - static_cast<double>(first) : std::nearbyint(x);
  return static_cast<int64_t>(std::clamp(v, 0.0, static_cast<double>(n - 1)));
}

// ---- Weights -----------------------------------------------------------------------------------

std::vector<double> ObservationWeights(ParzenWeights rule, size_t n) {
  std::vector<double> w(n, 1.0);
  if (rule == ParzenWeights::kUniform || n <= kFlatWeights) return w;
  // numpy.linspace(1 / n, 1, n - 25) for the oldest n - 25 observations.
  const size_t ramp = n - kFlatWeights;
  const double start = 1.0 / static_cast<double>(n);
  if (ramp == 1) {
    w[0] = start;
    return w;
  }
  const double step = (1.0 - start) / static_cast<double>(ramp - 1);
  for (size_t i = 0; i + 1 < ramp; ++i) w[i] = start + static_cast<double>(i) * step;
  w[ramp - 1] = 1.0;
  return w;
}

// ---- ParzenEstimator -------------------------------------------------------------------------

ParzenEstimator::ParzenEstimator(std::vector<ParzenDim> dims,
                                 const std::vector<double>& observations,
                                 const ParzenOptions& options)
    : dims_(std::move(dims)), options_(options) {
  const size_t n = dims_.empty() ? 0 : observations.size() / dims_.size();
  with_prior_ = options_.consider_prior || n == 0;
  SetWeights(n);
  kernels_.resize(dims_.size());
  choices_.resize(dims_.size());
  for (size_t d = 0; d < dims_.size(); ++d) {
    if (dims_[d].kind == ParzenDim::Kind::kCategorical) {
      SetChoices(d, observations, n);
    } else {
      SetNumericalKernels(d, observations, n);
    }
  }
  if (options_.score == ParzenScore::kHeight) WeighByHeight();
  // The prior is wider than the bound on the others' normalization allows: normalize it now.
  if (with_prior_) log_const_[n] -= LogAccept(n);
}

void ParzenEstimator::WeighByHeight() {
  const size_t k_total = components();
  std::vector<double> log_height(k_total, 0.0);
  for (size_t d = 0; d < dims_.size(); ++d) {
    const bool scaled = dims_[d].kind == ParzenDim::Kind::kContinuous || dims_[d].log_grid;
    if (!scaled) continue;
    for (size_t k = 0; k < k_total; ++k) log_height[k] += std::log(kernels_[d].sigma[k]);
  }
  // Renormalize the weights w_k * prod sigma_k so that LogPdf stays a density.
  double top = -kInf;
  for (size_t k = 0; k < k_total; ++k) top = std::max(top, log_weights_[k] + log_height[k]);
  double sum = 0;
  for (size_t k = 0; k < k_total; ++k) sum += std::exp(log_weights_[k] + log_height[k] - top);
  const double log_total = top + std::log(sum);
  for (size_t k = 0; k < k_total; ++k) log_const_[k] += log_height[k] - log_total;
}

void ParzenEstimator::SetWeights(size_t n_observations) {
  std::vector<double> w = ObservationWeights(options_.weights, n_observations);
  if (with_prior_) w.push_back(options_.prior_weight);
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  log_weights_.resize(w.size());
  cumulative_weights_.resize(w.size());
  double cumulative = 0;
  for (size_t k = 0; k < w.size(); ++k) {
    log_weights_[k] = std::log(w[k] / total);
    cumulative += w[k] / total;
    cumulative_weights_[k] = cumulative;
  }
  log_const_ = log_weights_;
}

void ParzenEstimator::SetNumericalKernels(size_t d, const std::vector<double>& observations,
                                          size_t n) {
  const ParzenDim& dim = dims_[d];
  const double low = dim.KernelLow();
  const double high = dim.KernelHigh();
  const double range = high - low;
  const size_t stride = dims_.size();
  const size_t k_total = components();
  Kernels& kern = kernels_[d];
  kern.mu.resize(k_total);
  for (size_t i = 0; i < n; ++i) {
    const double x = observations[i * stride + d];
    kern.mu[i] = dim.kind == ParzenDim::Kind::kDiscrete ? dim.Centre(static_cast<int64_t>(x)) : x;
  }
  if (with_prior_) kern.mu[n] = 0.5 * (low + high);

  kern.sigma.assign(k_total, range);
  if (options_.multivariate && options_.bandwidth == ParzenBandwidth::kScott) {
    const double sigma0 =
        kSigma0Magnitude * std::pow(static_cast<double>(std::max<size_t>(n, 1)),
                                    -1.0 / (static_cast<double>(dims_.size()) + 4.0));
    std::fill(kern.sigma.begin(), kern.sigma.end(), sigma0 * range);
  } else if (options_.multivariate && options_.bandwidth == ParzenBandwidth::kNormalReference) {
    std::fill(kern.sigma.begin(), kern.sigma.end(), NormalReferenceBandwidth(kern.mu));
  } else {
    // Each kernel as wide as the larger gap to its neighbours among all centres (the prior's
    // included) and the range's ends; without consider_endpoints the outermost kernels ignore
    // their gap to the end.
    std::vector<size_t> order(k_total);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return kern.mu[a] < kern.mu[b]; });
    std::vector<double> with_ends(k_total + 2);
    with_ends[0] = low;
    for (size_t i = 0; i < k_total; ++i) with_ends[i + 1] = kern.mu[order[i]];
    with_ends[k_total + 1] = high;
    std::vector<double> sorted_sigma(k_total);
    for (size_t i = 0; i < k_total; ++i) {
      sorted_sigma[i] =
          std::max(with_ends[i + 1] - with_ends[i], with_ends[i + 2] - with_ends[i + 1]);
    }
    if (!options_.consider_endpoints && with_ends.size() >= 4) {
      sorted_sigma[0] = with_ends[2] - with_ends[1];
      sorted_sigma[k_total - 1] = with_ends[k_total] - with_ends[k_total - 1];
    }
    for (size_t i = 0; i < k_total; ++i) kern.sigma[order[i]] = sorted_sigma[i];
  }
  const double min_sigma = options_.consider_magic_clip
                               ? range / std::min(1.0 / options_.min_bandwidth_factor,
                                                  std::pow(1.0 + static_cast<double>(k_total),
                                                           options_.magic_clip_exponent))
                               : kMinSigma;
  for (double& s : kern.sigma) s = std::clamp(s, min_sigma, range);
  if (with_prior_) kern.sigma[n] = range;

  kern.inv_sigma.resize(k_total);
  for (size_t k = 0; k < k_total; ++k) {
    const double s = kern.sigma[k];
    kern.inv_sigma[k] = 1.0 / s;
    if (dim.kind == ParzenDim::Kind::kContinuous) log_const_[k] -= std::log(s) + kHalfLog2Pi;
  }
  // A kernel is a normal truncated to [low, high], to be divided by the mass it keeps there.
  // LogAccept computes that only when LogPdf needs it, which takes a bound on the correction: an
  // observation's kernel (centred in the range) keeps at least Phi(range / sigma) - 1/2. The
  // prior's is folded in at once.
  double widest = 0;
  for (size_t k = 0; k < n; ++k) widest = std::max(widest, kern.sigma[k]);
  if (widest > 0) max_log_correction_ -= LogGaussMass(0, range / widest);

  if (dim.kind == ParzenDim::Kind::kDiscrete) {
    // Many kernels of a discrete dimension coincide (the same value observed again, one
    // bandwidth for all in the multivariate case): their cell masses are computed once.
    std::vector<size_t> order(k_total);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return std::make_pair(kern.mu[a], kern.sigma[a]) < std::make_pair(kern.mu[b], kern.sigma[b]);
    });
    kern.kernel_id.resize(k_total);
    for (size_t i = 0; i < k_total; ++i) {
      const size_t k = order[i];
      if (i == 0 || kern.mu[k] != kern.unique_mu.back() ||
          kern.sigma[k] != kern.unique_sigma.back()) {
        kern.unique_mu.push_back(kern.mu[k]);
        kern.unique_sigma.push_back(kern.sigma[k]);
      }
      kern.kernel_id[k] = static_cast<int32_t>(kern.unique_mu.size() - 1);
    }
  }
}

void ParzenEstimator::SetChoices(size_t d, const std::vector<double>& observations, size_t n) {
  const size_t stride = dims_.size();
  const double n_choices = static_cast<double>(dims_[d].n);
  // Optuna's categorical kernel: prior_weight spread evenly over the components' rows, plus one
  // on the observed choice, each row normalized.
  const double spread =
      options_.prior_weight / static_cast<double>(with_prior_ ? n + 1 : std::max<size_t>(n, 1));
  const double row_total = n_choices * spread + 1.0;
  const double log_hit = std::log((spread + 1.0) / row_total);
  const double log_miss = std::log(spread / row_total);
  Choices& c = choices_[d];
  const size_t k_total = components();
  c.choice.assign(k_total, -1.0);
  c.log_hit.assign(k_total, log_hit);
  c.log_miss.assign(k_total, log_miss);
  for (size_t i = 0; i < n; ++i) c.choice[i] = observations[i * stride + d];
  if (with_prior_) c.log_hit[n] = c.log_miss[n] = -std::log(n_choices);
}

void ParzenEstimator::Sample(Rng& rng, size_t m, std::vector<double>* out) const {
  const size_t k_total = components();
  for (size_t draw = 0; draw < m; ++draw) {
    const double u = rng.Uniform();
    const size_t k =
        std::min<size_t>(static_cast<size_t>(std::upper_bound(cumulative_weights_.begin(),
                                                              cumulative_weights_.end(), u) -
                                             cumulative_weights_.begin()),
                         k_total - 1);
    for (size_t d = 0; d < dims_.size(); ++d) {
      const ParzenDim& dim = dims_[d];
      if (dim.kind == ParzenDim::Kind::kCategorical) {
        const Choices& c = choices_[d];
        const double v = rng.Uniform();
        int64_t choice = dim.n - 1;
        double cumulative = 0;
        const double hit = std::exp(c.log_hit[k]);
        const double miss = std::exp(c.log_miss[k]);
        for (int64_t j = 0; j < dim.n; ++j) {
          cumulative += static_cast<double>(j) == c.choice[k] ? hit : miss;
          if (v < cumulative) {
            choice = j;
            break;
          }
        }
        out->push_back(static_cast<double>(choice));
        continue;
      }
      const Kernels& kern = kernels_[d];
      const double mu = kern.mu[k];
      const double s = kern.sigma[k];
      const double low = dim.KernelLow();
      const double high = dim.KernelHigh();
      const double z = TruncatedNormalInverseCdf((low - mu) / s, (high - mu) / s, rng.Uniform());
      const double x = std::clamp(mu + s * z, low, high);
      out->push_back(dim.kind == ParzenDim::Kind::kDiscrete ? static_cast<double>(dim.CellOf(x))
                                                            : x);
    }
  }
}

std::vector<double> ParzenEstimator::DiscreteLogMassTable(size_t d,
                                                          const std::vector<double>& points,
                                                          size_t m,
                                                          std::vector<size_t>* slot) const {
  const ParzenDim& dim = dims_[d];
  const Kernels& kern = kernels_[d];
  const size_t stride = dims_.size();
  // The distinct cells among the points, and each point's slot among them.
  std::vector<int64_t> cells;
  slot->resize(m);
  for (size_t c = 0; c < m; ++c) {
    const auto cell = static_cast<int64_t>(points[c * stride + d]);
    const auto it = std::find(cells.begin(), cells.end(), cell);
    (*slot)[c] = static_cast<size_t>(it - cells.begin());
    if (it == cells.end()) cells.push_back(cell);
  }
  const size_t unique = kern.unique_mu.size();
  std::vector<double> table(cells.size() * unique);
  for (size_t i = 0; i < cells.size(); ++i) {
    const double left = dim.Edge(cells[i]);
    const double right = dim.Edge(cells[i] + 1);
    for (size_t u = 0; u < unique; ++u) {
      const double mu = kern.unique_mu[u];
      const double s = kern.unique_sigma[u];
      table[i * unique + u] = LogGaussMass((left - mu) / s, (right - mu) / s);
    }
  }
  return table;
}

double ParzenEstimator::LogAccept(size_t k) const {
  double sum = 0;
  for (size_t d = 0; d < dims_.size(); ++d) {
    if (dims_[d].kind == ParzenDim::Kind::kCategorical) continue;
    const double mu = kernels_[d].mu[k];
    const double s = kernels_[d].sigma[k];
    sum += LogGaussMass((dims_[d].KernelLow() - mu) / s, (dims_[d].KernelHigh() - mu) / s);
  }
  return sum;
}

std::vector<double> ParzenEstimator::LogPdf(const std::vector<double>& points) const {
  const size_t stride = dims_.size();
  const size_t m = stride == 0 ? 0 : points.size() / stride;
  const size_t k_total = components();
  // Cell masses of discrete dimensions, once per distinct cell and distinct kernel.
  std::vector<std::vector<double>> tables(stride);
  std::vector<std::vector<size_t>> slots(stride);
  for (size_t d = 0; d < stride; ++d) {
    if (dims_[d].kind == ParzenDim::Kind::kDiscrete) {
      tables[d] = DiscreteLogMassTable(d, points, m, &slots[d]);
    }
  }
  // One point at a time, so that the per-component sums stay in a buffer the size of the
  // mixture (in cache) rather than one of points x components.
  std::vector<double> row(k_total);
  std::vector<double> result(m);
  // Each component's log acceptance mass, computed the first time a point needs it.
  std::vector<double> log_accept(k_total, std::numeric_limits<double>::quiet_NaN());
  if (with_prior_) log_accept.back() = 0;  // already in log_const_
  for (size_t c = 0; c < m; ++c) {
    std::copy(log_const_.begin(), log_const_.end(), row.begin());
    for (size_t d = 0; d < stride; ++d) {
      const double x = points[c * stride + d];
      switch (dims_[d].kind) {
        case ParzenDim::Kind::kContinuous: {
          const double* mu = kernels_[d].mu.data();
          const double* inv_sigma = kernels_[d].inv_sigma.data();
          for (size_t k = 0; k < k_total; ++k) {
            const double z = (x - mu[k]) * inv_sigma[k];
            row[k] -= 0.5 * z * z;
          }
          break;
        }
        case ParzenDim::Kind::kDiscrete: {
          const double* mass = &tables[d][slots[d][c] * kernels_[d].unique_mu.size()];
          const int32_t* id = kernels_[d].kernel_id.data();
          for (size_t k = 0; k < k_total; ++k) row[k] += mass[id[k]];
          break;
        }
        case ParzenDim::Kind::kCategorical: {
          const Choices& ch = choices_[d];
          for (size_t k = 0; k < k_total; ++k) {
            row[k] += ch.choice[k] == x ? ch.log_hit[k] : ch.log_miss[k];
          }
          break;
        }
      }
    }
    // log-sum-exp over the components. Only the components that can matter are normalized (the
    // others stay negligible whatever their normalization, which is what keeps an estimator of
    // many observations cheap), and the terms are scaled by the largest log density they can
    // reach, top + max_log_correction_, so that every exponent is at most 0.
    double top = -kInf;
    for (size_t k = 0; k < k_total; ++k) top = std::max(top, row[k]);
    if (!std::isfinite(top)) {
      result[c] = top;
      continue;
    }
    const double ceiling = top + max_log_correction_;
    const double relevant = top - kNegligible - max_log_correction_;
    double sum = 0;
    for (size_t k = 0; k < k_total; ++k) {
      if (row[k] < relevant) continue;
      if (std::isnan(log_accept[k])) log_accept[k] = LogAccept(k);
      sum += ExpNonPositive(row[k] - log_accept[k] - ceiling);
    }
    result[c] = ceiling + std::log(sum);
  }
  return result;
}

}  // namespace automl::internal
