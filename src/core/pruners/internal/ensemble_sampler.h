// The affine-invariant ensemble sampler of J. Goodman & J. Weare, "Ensemble samplers with affine
// invariance", Communications in Applied Mathematics and Computational Science 5(1), 2010, with
// their stretch move, the move of emcee (D. Foreman-Mackey et al., PASP 125, 2013) that the
// learning-curve paper used. Each step updates the walkers one after the other: walker k proposes
// Y = X_j + z (X_k - X_j) towards a uniformly chosen other walker j, with z drawn from
// g(z) ∝ 1/sqrt(z) on [1/a, a], and accepts it with probability
// min(1, z^(d-1) p(Y) / p(X_k)) (Goodman & Weare's equation (7)).
//
// The ensemble must have more walkers than dimensions: moves stay in the affine hull of the
// starting positions.
#ifndef AUTOML_CORE_PRUNERS_INTERNAL_ENSEMBLE_SAMPLER_H_
#define AUTOML_CORE_PRUNERS_INTERNAL_ENSEMBLE_SAMPLER_H_

#include <Eigen/Core>
#include <functional>

#include "automl/random.h"

namespace automl::internal {

// log p(x) up to a constant; -infinity outside the support.
using LogDensity = std::function<double(const Eigen::VectorXd& x)>;

struct EnsembleSamplerOptions {
  int steps = 100;       // sweeps over the ensemble
  int burn_in = 50;      // first sweeps whose positions are not kept
  double stretch = 2.0;  // a: the largest stretch factor, emcee's default
};

struct EnsembleSamples {
  // One column per kept position: (steps - burn_in) * walkers columns, sweep by sweep.
  Eigen::MatrixXd positions;
  double acceptance_fraction = 0;  // over all proposals, burn-in included
};

// Runs the sampler from |initial| (one column per walker, each with a finite log density).
EnsembleSamples SampleEnsemble(const LogDensity& log_density, const Eigen::MatrixXd& initial,
                               const EnsembleSamplerOptions& options, Rng& rng);

}  // namespace automl::internal

#endif  // AUTOML_CORE_PRUNERS_INTERNAL_ENSEMBLE_SAMPLER_H_
