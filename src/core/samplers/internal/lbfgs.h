// Box-constrained limited-memory quasi-Newton minimization: L-BFGS (D. C. Liu & J. Nocedal, "On
// the limited memory BFGS method for large scale optimization", Mathematical Programming 45,
// 1989) made to respect bounds l <= x <= u by the two-metric projection of D. P. Bertsekas
// ("Projected Newton methods for optimization problems with simple constraints", SIAM J. Control
// and Optimization 20(2), 1982), as in the projected quasi-Newton method of D. Kim, S. Sra &
// I. S. Dhillon ("Tackling box-constrained optimization via a new projected quasi-Newton
// approach", SIAM J. Scientific Computing 32(6), 2010):
//   - variables at a bound whose gradient pushes outwards are held fixed for the iteration,
//   - the L-BFGS direction (two-loop recursion) is computed on the free variables only,
//   - the step is searched along the projection arc x(a) = P(x + a d) with Armijo backtracking.
// Curvature pairs with s'y <= 0 (possible with a backtracking search) are skipped rather than
// used, which keeps the inverse-Hessian approximation positive definite (Nocedal & Wright,
// "Numerical Optimization", 2nd ed., 2006, section 7.2).
//
// Unbounded variables take infinite bounds; a variable with lower == upper is fixed. Used by the
// GP sampler to fit kernel hyperparameters and to maximize acquisition functions.
#ifndef AUTOML_CORE_SAMPLERS_INTERNAL_LBFGS_H_
#define AUTOML_CORE_SAMPLERS_INTERNAL_LBFGS_H_

#include <Eigen/Core>
#include <functional>

namespace automl::internal {

// Returns f(x) and, when |gradient| is not null, writes its gradient there (same size as x).
using DifferentiableFunction =
    std::function<double(const Eigen::VectorXd& x, Eigen::VectorXd* gradient)>;

struct LbfgsOptions {
  int max_iterations = 100;
  int max_evaluations = 400;
  int memory = 10;  // curvature pairs kept
  // Converged when the projected gradient's largest entry is below this...
  double gradient_tolerance = 1e-6;
  // ...or when an iteration lowers f by less than this times max(1, |f|).
  double relative_function_tolerance = 1e-10;
};

struct LbfgsResult {
  Eigen::VectorXd x;
  double value = 0;
  int iterations = 0;
  int evaluations = 0;
  bool converged = false;  // by a tolerance, rather than by a limit or a failed line search
};

// Minimizes |f| over the box [lower, upper] from |x0| (projected into the box first). Never
// returns a point worse than the projected start. Non-finite values count as +infinity: the line
// search backs away from them.
LbfgsResult MinimizeBoxed(const DifferentiableFunction& f, const Eigen::VectorXd& x0,
                          const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                          const LbfgsOptions& options = {});

}  // namespace automl::internal

#endif  // AUTOML_CORE_SAMPLERS_INTERNAL_LBFGS_H_
