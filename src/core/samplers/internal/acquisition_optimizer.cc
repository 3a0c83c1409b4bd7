#include "core/samplers/internal/acquisition_optimizer.h"

#include <algorithm>
#include <boost/random/sobol.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "automl/random.h"

namespace automl::internal {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using Kind = SearchDimension::Kind;

constexpr Index kBatchRows = 256;  // points scored per call in the global phase
// Steps of perturbations around the best points, cycled: coarse to fine.
constexpr double kPerturbationScales[] = {0.2, 0.05, 0.01};
// Perturbations move about this many continuous coordinates (all of them in small spaces), and
// about kDiscreteMoves discrete ones: local moves, not random restarts.
constexpr double kContinuousMoves = 20.0;
constexpr double kDiscreteMoves = 2.0;
// An ordered coordinate with at most this many values is searched exhaustively.
constexpr uint64_t kExhaustiveOrdered = 32;
constexpr uint64_t kSweepPoints = 16;

bool IsDiscrete(const SearchDimension& dim) { return dim.kind != Kind::kContinuous; }

// The coordinate |dim| takes for a uniform |u| in [0, 1), as the parameter's own distribution.
double FromUniform(const SearchDimension& dim, double u) {
  if (dim.fixed) return *dim.fixed;
  switch (dim.kind) {
    case Kind::kContinuous:
      return u;
    case Kind::kOrdered:
      return dim.coordinate_of(dim.index_of(u));
    case Kind::kCategorical:
      return static_cast<double>(std::min(
          static_cast<uint64_t>(u * static_cast<double>(dim.cardinality)), dim.cardinality - 1));
  }
  return u;
}

// The uniform part of the global phase: Sobol' points (Joe & Kuo's direction numbers, from
// Boost) with a random digital shift (each coordinate's bits XORed with a random word per
// dimension), which randomizes them while keeping every net of the sequence a net (J. Matoušek,
// "On the L2-discrepancy for anchored boxes", J. Complexity 14, 1998); random points for spaces
// beyond the table's dimensions. Consecutive points come from one engine, in O(dims) each.
class UniformPoints {
 public:
  UniformPoints(size_t dims, uint64_t seed) : dims_(dims), rng_(seed) {
    if (dims > 0 && dims <= boost::random::default_sobol_table::max_dimension) {
      engine_.emplace(static_cast<std::size_t>(dims));
      for (size_t d = 0; d < dims; ++d) shifts_.push_back(static_cast<uint32_t>(rng_.Next() >> 32));
    }
  }

  std::vector<double> Next() {
    std::vector<double> u(dims_);
    for (size_t d = 0; d < dims_; ++d) {
      if (!engine_) {
        u[d] = rng_.Uniform();
        continue;
      }
      // Boost's sequence starts after the origin; the origin, shifted, comes first.
      const uint32_t x = first_ ? 0u : (*engine_)();
      u[d] = (static_cast<double>(x ^ shifts_[d]) + 0.5) * 0x1.0p-32;
    }
    first_ = false;
    return u;
  }

 private:
  size_t dims_;
  Rng rng_;
  std::optional<boost::random::sobol_engine<uint32_t, 32>> engine_;
  std::vector<uint32_t> shifts_;
  bool first_ = true;
};

VectorXd Perturb(const VectorXd& base, const std::vector<SearchDimension>& dims, double scale,
                 Rng& rng) {
  size_t continuous = 0;
  size_t discrete = 0;
  for (const SearchDimension& dim : dims) {
    if (dim.fixed) continue;
    ++(IsDiscrete(dim) ? discrete : continuous);
  }
  const double p_continuous = std::min(1.0, kContinuousMoves / static_cast<double>(continuous));
  const double p_discrete = std::min(1.0, kDiscreteMoves / static_cast<double>(discrete));
  VectorXd x = base;
  for (size_t d = 0; d < dims.size(); ++d) {
    const SearchDimension& dim = dims[d];
    const auto i = static_cast<Index>(d);
    if (dim.fixed) continue;
    switch (dim.kind) {
      case Kind::kContinuous:
        if (rng.Bernoulli(p_continuous)) x[i] = std::clamp(x[i] + scale * rng.Normal(), 0.0, 1.0);
        break;
      case Kind::kOrdered:
        if (rng.Bernoulli(p_discrete)) {
          // At least one cell's width, so that the value can change.
          const double step = std::max(scale, 1.0 / static_cast<double>(dim.cardinality));
          const double u = std::clamp(x[i] + step * rng.Normal(), 0.0, std::nextafter(1.0, 0.0));
          x[i] = dim.coordinate_of(dim.index_of(u));
        }
        break;
      case Kind::kCategorical:
        if (rng.Bernoulli(p_discrete)) x[i] = static_cast<double>(rng.Below(dim.cardinality));
        break;
    }
  }
  return x;
}

// The global phase's points: uniform ones, then perturbations of the incumbents (half of them
// around the best), then the incumbents themselves.
MatrixXd GlobalCandidates(const std::vector<SearchDimension>& dims, const MatrixXd& incumbents,
                          uint64_t seed, int count) {
  const auto n_dims = static_cast<Index>(dims.size());
  const Index n_perturbed = incumbents.rows() > 0 ? count / 2 : 0;
  const Index n_uniform = count - n_perturbed;
  MatrixXd points(n_uniform + n_perturbed + incumbents.rows(), n_dims);
  UniformPoints uniform(dims.size(), DeriveSeed(seed, 0));
  for (Index k = 0; k < n_uniform; ++k) {
    const std::vector<double> u = uniform.Next();
    for (Index d = 0; d < n_dims; ++d)
      points(k, d) = FromUniform(dims[static_cast<size_t>(d)], u[static_cast<size_t>(d)]);
  }
  Rng rng(DeriveSeed(seed, 1));
  for (Index k = 0; k < n_perturbed; ++k) {
    const Index base = k % 2 == 0 ? 0 : (k / 2) % incumbents.rows();
    const double scale =
        kPerturbationScales[static_cast<size_t>(k / 2) % std::size(kPerturbationScales)];
    points.row(n_uniform + k) =
        Perturb(incumbents.row(base).transpose(), dims, scale, rng).transpose();
  }
  for (Index k = 0; k < incumbents.rows(); ++k) {
    points.row(n_uniform + n_perturbed + k) =
        SnapToGrid(dims, incumbents.row(k).transpose()).transpose();
  }
  return points;
}

VectorXd EvaluateInBatches(const AcquisitionFunction& acquisition, const MatrixXd& points) {
  VectorXd values(points.rows());
  for (Index start = 0; start < points.rows(); start += kBatchRows) {
    const Index rows = std::min(kBatchRows, points.rows() - start);
    values.segment(start, rows) = acquisition.Evaluate(points.middleRows(start, rows));
  }
  // Rankings need a total order: a NaN (which a sound model does not produce) ranks last.
  for (double& v : values) {
    if (std::isnan(v)) v = -std::numeric_limits<double>::infinity();
  }
  return values;
}

// Coordinates worth trying for discrete |dim| from |current|: every value when there are few;
// else steps of 1, 2, 4, ... either way and a coarse sweep of the whole range.
std::vector<double> DiscreteMoves(const SearchDimension& dim, double current) {
  std::vector<double> moves;
  if (dim.kind == Kind::kCategorical) {
    for (uint64_t c = 0; c < dim.cardinality; ++c) {
      if (static_cast<double>(c) != current) moves.push_back(static_cast<double>(c));
    }
    return moves;
  }
  const uint64_t n = dim.cardinality;
  const uint64_t here = dim.index_of(current);
  std::set<uint64_t> indices;
  if (n <= kExhaustiveOrdered) {
    for (uint64_t i = 0; i < n; ++i) indices.insert(i);
  } else {
    for (uint64_t step = 1; step < n; step *= 2) {
      if (here >= step) indices.insert(here - step);
      if (here + step < n) indices.insert(here + step);
    }
    for (uint64_t k = 0; k < kSweepPoints; ++k) indices.insert(k * (n - 1) / (kSweepPoints - 1));
  }
  indices.erase(here);
  for (uint64_t i : indices) moves.push_back(dim.coordinate_of(i));
  return moves;
}

bool Improves(double candidate, double current) {
  return candidate > current + 1e-10 * std::max(1.0, std::fabs(current));
}

// Alternates L-BFGS over the free continuous coordinates with one-dimensional searches over each
// free discrete one, until a round improves nothing.
ScoredPoint LocalSearch(const AcquisitionFunction& acquisition,
                        const std::vector<SearchDimension>& dims, ScoredPoint point,
                        const AcquisitionOptimizerOptions& options) {
  std::vector<Index> continuous;
  std::vector<Index> discrete;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d].fixed) continue;
    (IsDiscrete(dims[d]) ? discrete : continuous).push_back(static_cast<Index>(d));
  }
  const DifferentiableFunction negated = [&acquisition](const VectorXd& x, VectorXd* gradient) {
    if (!gradient) return -acquisition.Evaluate(x.transpose())[0];
    const double value = acquisition.EvaluateWithGradient(x, gradient);
    *gradient = -*gradient;
    return -value;
  };
  for (int round = 0; round < options.max_rounds; ++round) {
    bool improved = false;
    if (!continuous.empty()) {
      // Only the continuous coordinates may move: the others are boxed to their values.
      VectorXd lower = point.x;
      VectorXd upper = point.x;
      for (Index d : continuous) {
        lower[d] = 0.0;
        upper[d] = 1.0;
      }
      const LbfgsResult result = MinimizeBoxed(negated, point.x, lower, upper, options.lbfgs);
      if (Improves(-result.value, point.value)) {
        point = {result.x, -result.value};
        improved = true;
      }
    }
    for (Index d : discrete) {
      const std::vector<double> moves = DiscreteMoves(dims[static_cast<size_t>(d)], point.x[d]);
      if (moves.empty()) continue;
      MatrixXd batch = point.x.transpose().replicate(static_cast<Index>(moves.size()), 1);
      for (size_t k = 0; k < moves.size(); ++k) batch(static_cast<Index>(k), d) = moves[k];
      const VectorXd values = EvaluateInBatches(acquisition, batch);
      Index best = 0;
      values.maxCoeff(&best);
      if (Improves(values[best], point.value)) {
        point = {batch.row(best).transpose(), values[best]};
        improved = true;
      }
    }
    if (!improved) break;
  }
  return point;
}

}  // namespace

VectorXd SnapToGrid(const std::vector<SearchDimension>& dims, VectorXd x) {
  for (size_t d = 0; d < dims.size(); ++d) {
    const SearchDimension& dim = dims[d];
    double& v = x[static_cast<Index>(d)];
    if (dim.fixed) {
      v = *dim.fixed;
      continue;
    }
    switch (dim.kind) {
      case Kind::kContinuous:
        v = std::clamp(v, 0.0, 1.0);
        break;
      case Kind::kOrdered:
        v = dim.coordinate_of(dim.index_of(std::clamp(v, 0.0, std::nextafter(1.0, 0.0))));
        break;
      case Kind::kCategorical:
        v = std::clamp(std::round(v), 0.0, static_cast<double>(dim.cardinality - 1));
        break;
    }
  }
  return x;
}

std::vector<ScoredPoint> MaximizeAcquisition(const AcquisitionFunction& acquisition,
                                             const std::vector<SearchDimension>& dims,
                                             const MatrixXd& incumbents, uint64_t seed,
                                             const AcquisitionOptimizerOptions& options) {
  const MatrixXd points = GlobalCandidates(dims, incumbents, seed, options.candidates);
  const VectorXd values = EvaluateInBatches(acquisition, points);
  std::vector<Index> order(static_cast<size_t>(points.rows()));
  std::iota(order.begin(), order.end(), Index{0});
  std::stable_sort(order.begin(), order.end(),
                   [&values](Index a, Index b) { return values[a] > values[b]; });

  // Local starts: the best distinct global points, and the best incumbent.
  std::vector<ScoredPoint> starts;
  std::set<std::vector<double>> seen;
  const auto key = [](const VectorXd& x) {
    return std::vector<double>(x.data(), x.data() + x.size());
  };
  for (Index i : order) {
    if (static_cast<int>(starts.size()) >= options.local_starts) break;
    if (seen.insert(key(points.row(i).transpose())).second) {
      starts.push_back({points.row(i).transpose(), values[i]});
    }
  }
  if (incumbents.rows() > 0) {
    const Index best_incumbent = points.rows() - incumbents.rows();
    if (seen.insert(key(points.row(best_incumbent).transpose())).second) {
      starts.push_back({points.row(best_incumbent).transpose(), values[best_incumbent]});
    }
  }

  std::vector<ScoredPoint> ranked;
  ranked.reserve(starts.size() + order.size());
  for (ScoredPoint& start : starts) {
    ranked.push_back(LocalSearch(acquisition, dims, std::move(start), options));
  }
  for (Index i : order) ranked.push_back({points.row(i).transpose(), values[i]});
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const ScoredPoint& a, const ScoredPoint& b) { return a.value > b.value; });
  std::vector<ScoredPoint> distinct;
  seen.clear();
  for (ScoredPoint& p : ranked) {
    if (seen.insert(key(p.x)).second) distinct.push_back(std::move(p));
  }
  return distinct;
}

}  // namespace automl::internal
