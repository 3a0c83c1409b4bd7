#include "core/pruners/internal/levenberg_marquardt.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>

namespace automl::internal {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kInitialDamping = 1e-3;
constexpr double kDampingFactor = 10;
// Past this damping the step is a vanishing gradient step: nothing nearby is better.
constexpr double kMaxDamping = 1e12;

// The sum of squares at |params|, infinite where a residual is not finite.
double SumOfSquares(const ResidualFunction& residuals, const VectorXd& params, VectorXd* r) {
  residuals(params, r);
  return r->allFinite() ? r->squaredNorm() : kInfinity;
}

// Forward differences, MINPACK's step sqrt(eps) |p_j|; backward where the forward point leaves
// the model's domain, and a zero column (the parameter is held) where both do.
MatrixXd Jacobian(const ResidualFunction& residuals, const VectorXd& params, const VectorXd& r) {
  const double root_eps = std::sqrt(std::numeric_limits<double>::epsilon());
  MatrixXd jacobian(r.size(), params.size());
  VectorXd shifted_r(r.size());
  for (Eigen::Index j = 0; j < params.size(); ++j) {
    const double h = root_eps * (params[j] != 0 ? std::abs(params[j]) : 1.0);
    VectorXd shifted = params;
    shifted[j] += h;
    residuals(shifted, &shifted_r);
    if (shifted_r.allFinite()) {
      jacobian.col(j) = (shifted_r - r) / h;
      continue;
    }
    shifted[j] = params[j] - h;
    residuals(shifted, &shifted_r);
    jacobian.col(j) =
        shifted_r.allFinite() ? VectorXd((r - shifted_r) / h) : VectorXd::Zero(r.size());
  }
  return jacobian;
}

// Marquardt's step: (J'J + lambda diag(J'J)) d = -J'r. A zero diagonal (a held parameter) is
// damped by lambda alone so that the system stays solvable.
VectorXd DampedStep(const MatrixXd& jacobian, const VectorXd& r, double damping) {
  MatrixXd normal = jacobian.transpose() * jacobian;
  for (Eigen::Index j = 0; j < normal.rows(); ++j) {
    normal(j, j) += damping * std::max(normal(j, j), 1e-12);
  }
  return normal.ldlt().solve(-jacobian.transpose() * r);
}

}  // namespace

LeastSquaresResult MinimizeSumOfSquares(const ResidualFunction& residuals, const VectorXd& start,
                                        Eigen::Index num_residuals,
                                        const LevenbergMarquardtOptions& options) {
  LeastSquaresResult result;
  result.params = start;
  VectorXd r(num_residuals);
  result.sum_of_squares = SumOfSquares(residuals, start, &r);
  if (!std::isfinite(result.sum_of_squares)) return result;

  const double tolerance = options.relative_tolerance;
  double damping = kInitialDamping;
  MatrixXd jacobian = Jacobian(residuals, result.params, r);
  VectorXd trial_r(num_residuals);
  while (result.iterations < options.max_iterations) {
    ++result.iterations;
    if (result.sum_of_squares == 0) {
      result.converged = true;
      break;
    }
    const VectorXd step = DampedStep(jacobian, r, damping);
    const VectorXd trial = result.params + step;
    const double sum = step.allFinite() ? SumOfSquares(residuals, trial, &trial_r) : kInfinity;
    if (!(sum < result.sum_of_squares)) {
      damping *= kDampingFactor;
      if (damping > kMaxDamping) {
        result.converged = true;
        break;
      }
      continue;
    }
    const double reduction = (result.sum_of_squares - sum) / result.sum_of_squares;
    const bool small_step =
        (step.array().abs() <= tolerance * (result.params.array().abs() + tolerance)).all();
    result.params = trial;
    result.sum_of_squares = sum;
    r = trial_r;
    if (reduction < tolerance || small_step) {
      result.converged = true;
      break;
    }
    damping = std::max(damping / kDampingFactor, 1e-15);
    jacobian = Jacobian(residuals, result.params, r);
  }
  return result;
}

}  // namespace automl::internal
