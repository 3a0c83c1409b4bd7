// Nonlinear least squares by Levenberg-Marquardt (K. Levenberg, "A method for the solution of
// certain non-linear problems in least squares", Quarterly of Applied Mathematics 2(2), 1944;
// D. W. Marquardt, "An algorithm for least-squares estimation of nonlinear parameters", SIAM J.
// Applied Mathematics 11(2), 1963): minimize |r(p)|^2 by steps that solve
// (J'J + lambda diag(J'J)) d = -J'r, with lambda lowered after a step that reduces the sum and
// raised after one that does not. The Jacobian J is taken by forward differences, as MINPACK's
// lmdif (scipy's leastsq) does; the problems here have at most a few parameters.
//
// Non-finite residuals count as an infinite sum: a step into them is rejected like any step that
// does not improve, so the search stays where the model is defined.
#ifndef AUTOML_CORE_PRUNERS_INTERNAL_LEVENBERG_MARQUARDT_H_
#define AUTOML_CORE_PRUNERS_INTERNAL_LEVENBERG_MARQUARDT_H_

#include <Eigen/Core>
#include <functional>

namespace automl::internal {

// Writes the residuals r(params) to |residuals| (already sized to the number of residuals).
using ResidualFunction =
    std::function<void(const Eigen::VectorXd& params, Eigen::VectorXd* residuals)>;

struct LevenbergMarquardtOptions {
  int max_iterations = 200;
  // Converged when a step lowers the sum by less than this fraction of it, or moves every
  // parameter by less than this relative to its size.
  double relative_tolerance = 1e-10;
};

struct LeastSquaresResult {
  Eigen::VectorXd params;
  double sum_of_squares = 0;  // infinite when the start itself is outside the model's domain
  int iterations = 0;
  bool converged = false;  // by a tolerance, rather than by the iteration limit
};

// Minimizes the sum of the |num_residuals| squared residuals from |start|. Never returns a point
// worse than the start.
LeastSquaresResult MinimizeSumOfSquares(const ResidualFunction& residuals,
                                        const Eigen::VectorXd& start, Eigen::Index num_residuals,
                                        const LevenbergMarquardtOptions& options = {});

}  // namespace automl::internal

#endif  // AUTOML_CORE_PRUNERS_INTERNAL_LEVENBERG_MARQUARDT_H_
