// Acquisition functions for the GP sampler, maximized over the search space. The GP models a
// standardized objective to be minimized; improvement is over a threshold tau (the best posterior
// mean at an observed point), with z = (tau - mean) / sd.
//   - log expected improvement: log(sd) + log h(z), h(z) = phi(z) + z Phi(z), evaluated stably
//     as in S. Ament, S. Daulton, D. Eriksson, M. Balandat & E. Bakshy, "Unexpected improvements
//     to expected improvement for Bayesian optimization", NeurIPS 2023 (their eq. 9, with the
//     asymptotic series of h for very negative z), so that it keeps a useful gradient where EI
//     itself underflows to zero;
//   - log probability of improvement: log Phi(z), evaluated as stably;
//   - upper confidence bound for minimization: -mean + sqrt(beta) sd (N. Srinivas, A. Krause,
//     S. Kakade & M. Seeger, "Gaussian process optimization in the bandit setting: no regret and
//     experimental design", ICML 2010).
#ifndef AUTOML_CORE_SAMPLERS_INTERNAL_ACQUISITION_H_
#define AUTOML_CORE_SAMPLERS_INTERNAL_ACQUISITION_H_

#include <Eigen/Core>

#include "core/samplers/internal/gaussian_process.h"

namespace automl::internal {

// log Phi(z), the log of the standard normal distribution function; finite for every finite z.
double LogNormalCdf(double z);
// log(phi(z) + z Phi(z)); finite for every finite z.
double LogH(double z);
// d/dz log h(z) = Phi(z) / h(z).
double LogHDerivative(double z);

enum class AcquisitionKind { kLogEi, kLogPi, kUcb };

class AcquisitionFunction {
 public:
  // |gp| must outlive this object.
  AcquisitionFunction(const GaussianProcess& gp, AcquisitionKind kind, double threshold,
                      double beta);

  // The acquisition at each row of |points|.
  Eigen::VectorXd Evaluate(const Eigen::MatrixXd& points) const;
  // At one point, with the gradient over its coordinates (zero for categorical columns).
  double EvaluateWithGradient(const Eigen::VectorXd& point, Eigen::VectorXd* gradient) const;

 private:
  // The acquisition from the posterior mean and variance; with |dvalue_dmean| and
  // |dvalue_dvariance| not null, its partial derivatives too.
  double FromPosterior(double mean, double variance, double* dvalue_dmean,
                       double* dvalue_dvariance) const;

  const GaussianProcess& gp_;
  AcquisitionKind kind_;
  double threshold_;
  double sqrt_beta_;
};

}  // namespace automl::internal

#endif  // AUTOML_CORE_SAMPLERS_INTERNAL_ACQUISITION_H_
