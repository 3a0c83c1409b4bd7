// Maximizes an acquisition function over a mixed space of continuous, ordered-discrete and
// categorical coordinates, in two phases:
//   1. global: a scrambled Sobol' set over the whole space plus perturbations of the best observed
//      points (the local "sample around the best" candidates that BoTorch and TuRBO add to random
//      ones), all snapped to the grid and scored in batches;
//   2. local: from the best few, alternating rounds of projected L-BFGS over the continuous
//      coordinates (the others held) and one-dimensional searches over each discrete coordinate
//      (every value when there are few, else a pattern of steps of 1, 2, 4, ... around the
//      current one plus a coarse sweep), until a round improves nothing. This follows the
//      alternating continuous / discrete scheme of Optuna's GPSampler (optim_mixed).
// Discrete coordinates are always evaluated at values of their grid: the continuous relaxation
// of Garrido-Merchán & Hernández-Lobato (Neurocomputing 2020), rounding before the kernel sees a
// point.
#ifndef AUTOML_CORE_SAMPLERS_INTERNAL_ACQUISITION_OPTIMIZER_H_
#define AUTOML_CORE_SAMPLERS_INTERNAL_ACQUISITION_OPTIMIZER_H_

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "core/samplers/internal/acquisition.h"
#include "core/samplers/internal/lbfgs.h"

namespace automl::internal {

// One coordinate of the space the acquisition is maximized over.
struct SearchDimension {
  enum class Kind {
    kContinuous,   // any value in [0, 1]
    kOrdered,      // one of |cardinality| increasing values in [0, 1] (ints, steps, ordinals)
    kCategorical,  // an index 0 .. cardinality - 1, compared only for equality
  };
  Kind kind = Kind::kContinuous;
  uint64_t cardinality = 0;
  // kOrdered: the coordinate of value |index|, and the index of the value whose cell holds a
  // coordinate u in [0, 1) (for a uniform u, an index drawn as the parameter's own distribution).
  std::function<double(uint64_t index)> coordinate_of;
  std::function<uint64_t(double u)> index_of;
  // A coordinate the optimizer must keep (a value the user fixed).
  std::optional<double> fixed;
};

struct AcquisitionOptimizerOptions {
  int candidates = 2048;  // points in the global phase
  int local_starts = 5;   // best global points refined locally (the best observed one is added)
  int max_rounds = 5;     // alternations of continuous and discrete local moves
  LbfgsOptions lbfgs = {/*max_iterations=*/50, /*max_evaluations=*/120, /*memory=*/10,
                        /*gradient_tolerance=*/1e-7, /*relative_function_tolerance=*/1e-10};
};

struct ScoredPoint {
  Eigen::VectorXd x;
  double value = 0;
};

// Distinct points ranked by acquisition, best first: the local optima, then the other global
// points. |incumbents| holds good observed points as rows, best first (may be empty); the global
// phase perturbs them and the local phase always starts from the first. Deterministic in |seed|.
std::vector<ScoredPoint> MaximizeAcquisition(const AcquisitionFunction& acquisition,
                                             const std::vector<SearchDimension>& dims,
                                             const Eigen::MatrixXd& incumbents, uint64_t seed,
                                             const AcquisitionOptimizerOptions& options);

// The nearest point of the grid: discrete coordinates snapped to a value, fixed ones set.
Eigen::VectorXd SnapToGrid(const std::vector<SearchDimension>& dims, Eigen::VectorXd x);

}  // namespace automl::internal

#endif  // AUTOML_CORE_SAMPLERS_INTERNAL_ACQUISITION_OPTIMIZER_H_
