#include "core/pruners/internal/ensemble_sampler.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace automl::internal {
namespace {

// A draw from g(z) ∝ 1/sqrt(z) on [1/a, a] by inverting its distribution function:
// z = ((a - 1) u + 1)^2 / a.
double StretchFactor(double a, Rng& rng) {
  const double root = (a - 1) * rng.Uniform() + 1;
  return root * root / a;
}

}  // namespace

EnsembleSamples SampleEnsemble(const LogDensity& log_density, const Eigen::MatrixXd& initial,
                               const EnsembleSamplerOptions& options, Rng& rng) {
  const Eigen::Index dim = initial.rows();
  const Eigen::Index walkers = initial.cols();
  const int kept = std::max(0, options.steps - options.burn_in);
  Eigen::MatrixXd positions = initial;
  std::vector<double> log_p(static_cast<size_t>(walkers));
  for (Eigen::Index k = 0; k < walkers; ++k) {
    log_p[static_cast<size_t>(k)] = log_density(positions.col(k));
  }

  EnsembleSamples samples;
  samples.positions.resize(dim, static_cast<Eigen::Index>(kept) * walkers);
  int64_t accepted = 0;
  Eigen::VectorXd proposal(dim);
  for (int step = 0; step < options.steps; ++step) {
    for (Eigen::Index k = 0; k < walkers; ++k) {
      // Another walker j, uniformly among the walkers - 1 others.
      auto j = static_cast<Eigen::Index>(rng.Below(static_cast<uint64_t>(walkers - 1)));
      if (j >= k) ++j;
      const double z = StretchFactor(options.stretch, rng);
      proposal = positions.col(j) + z * (positions.col(k) - positions.col(j));
      const double proposal_log_p = log_density(proposal);
      const double log_ratio = static_cast<double>(dim - 1) * std::log(z) + proposal_log_p -
                               log_p[static_cast<size_t>(k)];
      if (std::isfinite(proposal_log_p) && std::log(rng.Uniform()) < log_ratio) {
        positions.col(k) = proposal;
        log_p[static_cast<size_t>(k)] = proposal_log_p;
        ++accepted;
      }
    }
    if (step >= options.burn_in) {
      samples.positions.middleCols((step - options.burn_in) * walkers, walkers) = positions;
    }
  }
  const double proposals = static_cast<double>(options.steps) * static_cast<double>(walkers);
  samples.acceptance_fraction = proposals > 0 ? static_cast<double>(accepted) / proposals : 0;
  return samples;
}

}  // namespace automl::internal
