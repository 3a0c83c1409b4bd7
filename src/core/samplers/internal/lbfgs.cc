#include "core/samplers/internal/lbfgs.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace automl::internal {
namespace {

using Eigen::VectorXd;

constexpr double kArmijo = 1e-4;         // sufficient decrease constant c1
constexpr int kMaxBacktracks = 40;       // halvings before a line search gives up
constexpr double kActiveEpsilon = 1e-8;  // Bertsekas's epsilon of the epsilon-active set

struct CurvaturePair {
  VectorXd s;  // x_{k+1} - x_k
  VectorXd y;  // g_{k+1} - g_k
};

VectorXd Project(const VectorXd& x, const VectorXd& lower, const VectorXd& upper) {
  return x.cwiseMax(lower).cwiseMin(upper);
}

// Variables the iteration may move: not fixed, and not at (or within epsilon of) a bound that the
// negative gradient points through. Bertsekas's epsilon, min(kActiveEpsilon, |x - P(x - g)|),
// shrinks to zero near a stationary point, which is what makes the method converge to one.
Eigen::Array<bool, Eigen::Dynamic, 1> FreeVariables(const VectorXd& x, const VectorXd& g,
                                                    const VectorXd& lower, const VectorXd& upper,
                                                    double stationarity) {
  const double epsilon = std::min(kActiveEpsilon, stationarity);
  Eigen::Array<bool, Eigen::Dynamic, 1> free(x.size());
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const bool at_lower = x[i] <= lower[i] + epsilon && g[i] > 0;
    const bool at_upper = x[i] >= upper[i] - epsilon && g[i] < 0;
    free[i] = lower[i] < upper[i] && !at_lower && !at_upper;
  }
  return free;
}

VectorXd Masked(const VectorXd& v, const Eigen::Array<bool, Eigen::Dynamic, 1>& free) {
  return free.select(v, VectorXd::Zero(v.size()));
}

// The L-BFGS direction -H g restricted to the free variables (two-loop recursion, Nocedal &
// Wright algorithm 7.4), with every vector masked to the free subspace.
VectorXd QuasiNewtonDirection(const VectorXd& g, const std::deque<CurvaturePair>& history,
                              const Eigen::Array<bool, Eigen::Dynamic, 1>& free) {
  VectorXd q = Masked(g, free);
  if (history.empty()) {
    // No curvature yet: a steepest-descent step no longer than 1 in any variable.
    return -q / std::max(1.0, q.lpNorm<Eigen::Infinity>());
  }
  std::vector<double> alpha(history.size());
  std::vector<double> rho(history.size());
  for (size_t i = history.size(); i-- > 0;) {
    const VectorXd s = Masked(history[i].s, free);
    const VectorXd y = Masked(history[i].y, free);
    const double sy = s.dot(y);
    rho[i] = sy > 0 ? 1.0 / sy : 0.0;  // a pair with no curvature on this subspace drops out
    alpha[i] = rho[i] * s.dot(q);
    q -= alpha[i] * y;
  }
  const VectorXd s_last = Masked(history.back().s, free);
  const VectorXd y_last = Masked(history.back().y, free);
  const double yy = y_last.squaredNorm();
  const double sy = s_last.dot(y_last);
  const double gamma = yy > 0 && sy > 0 ? sy / yy : 1.0;  // Nocedal & Wright (7.20)
  VectorXd r = gamma * q;
  for (size_t i = 0; i < history.size(); ++i) {
    const double beta = rho[i] * Masked(history[i].y, free).dot(r);
    r += Masked(history[i].s, free) * (alpha[i] - beta);
  }
  return -r;
}

double Evaluate(const DifferentiableFunction& f, const VectorXd& x, VectorXd* gradient) {
  const double value = f(x, gradient);
  if (!std::isfinite(value) || !gradient->allFinite()) {
    return std::numeric_limits<double>::infinity();
  }
  return value;
}

}  // namespace

LbfgsResult MinimizeBoxed(const DifferentiableFunction& f, const Eigen::VectorXd& x0,
                          const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                          const LbfgsOptions& options) {
  LbfgsResult result;
  VectorXd x = Project(x0, lower, upper);
  VectorXd g(x.size());
  double fx = Evaluate(f, x, &g);
  result.evaluations = 1;
  result.x = x;
  result.value = fx;
  if (!std::isfinite(fx)) return result;  // nowhere to go from a point without a gradient

  std::deque<CurvaturePair> history;
  VectorXd x_new(x.size());
  VectorXd g_new(x.size());
  while (result.iterations < options.max_iterations &&
         result.evaluations < options.max_evaluations) {
    const double stationarity = (x - Project(x - g, lower, upper)).lpNorm<Eigen::Infinity>();
    if (stationarity <= options.gradient_tolerance) {
      result.converged = true;
      break;
    }
    const Eigen::Array<bool, Eigen::Dynamic, 1> free =
        FreeVariables(x, g, lower, upper, stationarity);
    VectorXd d = QuasiNewtonDirection(g, history, free);
    if (!(g.dot(d) < 0)) {
      // Not a descent direction on this subspace: forget the curvature and go downhill.
      history.clear();
      d = QuasiNewtonDirection(g, history, free);
      if (!(g.dot(d) < 0)) {
        result.converged = true;  // every free direction is flat
        break;
      }
    }

    // Armijo backtracking along the projection arc P(x + a d).
    double step = 1.0;
    double f_new = std::numeric_limits<double>::infinity();
    bool accepted = false;
    for (int k = 0; k < kMaxBacktracks && result.evaluations < options.max_evaluations; ++k) {
      x_new = Project(x + step * d, lower, upper);
      f_new = Evaluate(f, x_new, &g_new);
      ++result.evaluations;
      if (f_new <= fx + kArmijo * g.dot(x_new - x)) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    ++result.iterations;
    if (!accepted) {
      if (history.empty()) break;  // even a short steepest-descent step fails: done
      history.clear();             // the curvature model misled the search; start afresh
      continue;
    }

    CurvaturePair pair{x_new - x, g_new - g};
    if (pair.s.dot(pair.y) > 1e-12 * pair.s.norm() * pair.y.norm()) {
      history.push_back(std::move(pair));
      if (static_cast<int>(history.size()) > options.memory) history.pop_front();
    }
    const double decrease = fx - f_new;
    x.swap(x_new);
    g.swap(g_new);
    fx = f_new;
    if (decrease <= options.relative_function_tolerance * std::max(1.0, std::fabs(fx))) {
      result.converged = true;
      break;
    }
  }
  result.x = x;
  result.value = fx;
  return result;
}

}  // namespace automl::internal
