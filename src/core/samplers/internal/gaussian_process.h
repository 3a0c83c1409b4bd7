// Gaussian-process regression for the GP sampler: a Matérn-5/2 kernel with one length scale per
// input column (automatic relevance determination), Gaussian noise, hyperparameters fitted by
// maximizing the log marginal likelihood plus a log prior (MAP), and the posterior with its
// gradient. Formulas from C. E. Rasmussen & C. K. I. Williams, "Gaussian Processes for Machine
// Learning", MIT Press, 2006: the kernel (4.17), the posterior through a Cholesky factor
// (algorithm 2.1) and the marginal likelihood's gradient (5.9).
//
// Inputs are rows of a matrix whose columns are either numeric (coordinates in [0, 1]) or
// categorical (a choice's index). A numeric column adds w_d (x_d - x'_d)^2 to the squared distance
// r^2, a categorical one w_d [x_d != x'_d]: the Hamming-distance treatment of E. C.
// Garrido-Merchán & D. Hernández-Lobato ("Dealing with categorical and integer-valued variables
// in Bayesian optimization with Gaussian processes", Neurocomputing 380, 2020), equivalent to a
// one-hot encoding whose columns share one length scale. w_d = 1 / l_d^2 is the inverse squared
// length scale.
#ifndef AUTOML_CORE_SAMPLERS_INTERNAL_GAUSSIAN_PROCESS_H_
#define AUTOML_CORE_SAMPLERS_INTERNAL_GAUSSIAN_PROCESS_H_

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "core/samplers/internal/lbfgs.h"

namespace automl::internal {

struct GpHyperparameters {
  Eigen::VectorXd inverse_squared_lengthscales;  // w_d, one per input column
  double signal_variance = 1.0;                  // the kernel's value at distance 0
  double noise_variance = 1e-3;                  // added to the diagonal

  // As the optimizer sees them: [log w_1 .. log w_D, log signal, log noise].
  Eigen::VectorXd ToLog() const;
  static GpHyperparameters FromLog(const Eigen::VectorXd& log_params);
};

// Training inputs (rows) with the kind of each column.
struct GpInputs {
  Eigen::MatrixXd x;
  std::vector<bool> categorical;  // one per column
};

// Matérn 5/2 as a function of the squared scaled distance r^2: (1 + √5 r + 5/3 r^2) e^(-√5 r).
double Matern52(double r2);
// Its derivative with respect to r^2: -5/6 (1 + √5 r) e^(-√5 r).
double Matern52DerivativeR2(double r2);

// The log marginal likelihood log p(y | X, θ) (R&W 5.8) and, when |gradient| is not null, its
// gradient with respect to GpHyperparameters::ToLog(). Returns -infinity when the covariance is
// not positive definite.
double LogMarginalLikelihood(const GpInputs& inputs, const Eigen::VectorXd& y,
                             const GpHyperparameters& h, Eigen::VectorXd* gradient);

// The prior the fit adds to the marginal likelihood, as a log density over ToLog()'s parameters
// (up to a constant), with its gradient; Optuna's GPSampler priors (optuna/_gp/prior.py, Optuna
// 3.6 to 4.1) for inputs in the unit cube and standardized outputs:
//   - each inverse squared length scale w_d has log density -0.1 (1 / w_d + w_d), which peaks at
//     a length scale of 1 and penalizes both very short and very long ones. (The log-normal prior
//     scaled with the dimension of C. Hvarfner, E. O. Hellsten & L. Nardi, ICML 2024, which this
//     replaced, favours length scales near 10: a parameter with a small effect, such as a
//     learning rate once the large effects are settled, was judged irrelevant and left at a
//     bound; see BENCHMARKS.md);
//   - signal variance ~ Gamma(2, 1) and noise variance ~ Gamma(1.1, 30) (a mode at 1, and most
//     noise mass below 0.1).
double LogHyperprior(const GpHyperparameters& h, Eigen::VectorXd* gradient);

struct GpFitOptions {
  double noise_floor = 1e-6;  // the smallest noise variance (of standardized outputs)
  bool fix_noise = false;     // keep the noise at the floor (a deterministic objective)
  LbfgsOptions lbfgs;
};

// Maximizes log marginal likelihood + log prior from each of |starts| by L-BFGS over log
// parameters in a box; returns the best. |y| should be standardized.
GpHyperparameters FitHyperparameters(const GpInputs& inputs, const Eigen::VectorXd& y,
                                     const std::vector<GpHyperparameters>& starts,
                                     const GpFitOptions& options);

// The posterior of a zero-mean GP given (inputs, y) and fixed hyperparameters.
class GaussianProcess {
 public:
  // Factorizes the covariance; a covariance that is not numerically positive definite gets
  // jitter added to its diagonal (the noise grows tenfold until it is).
  GaussianProcess(GpInputs inputs, Eigen::VectorXd y, const GpHyperparameters& h);

  Eigen::Index size() const { return inputs_.x.rows(); }
  const GpHyperparameters& hyperparameters() const { return h_; }
  // The noise on the diagonal, jitter included.
  double noise_variance() const { return noise_; }

  // The latent function's posterior mean and variance (without noise) at each row of |points|.
  void Predict(const Eigen::MatrixXd& points, Eigen::VectorXd* mean,
               Eigen::VectorXd* variance) const;
  // The same at one point, with gradients with respect to its coordinates (zero for
  // categorical columns).
  void PredictWithGradient(const Eigen::VectorXd& point, double* mean, double* variance,
                           Eigen::VectorXd* mean_gradient,
                           Eigen::VectorXd* variance_gradient) const;
  // The posterior mean at the training inputs.
  Eigen::VectorXd MeanAtInputs() const;

  // This GP with |points| added as observations of its own posterior mean there (the kriging
  // believer of D. Ginsbourger, R. Le Riche & L. Carraro, "Kriging is well-suited to parallelize
  // optimization", 2010): the mean is unchanged, the variance near those points collapses. The
  // Cholesky factor is extended by blocks, in O(n^2 m).
  GaussianProcess WithFantasies(const Eigen::MatrixXd& points) const;

 private:
  GaussianProcess() = default;
  // Kernel values between the rows of |a| and the rows of |b|.
  Eigen::MatrixXd Kernel(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) const;

  GpInputs inputs_;
  Eigen::VectorXd y_;
  GpHyperparameters h_;
  double noise_ = 0;
  Eigen::MatrixXd chol_;   // lower-triangular L with L L' = K + noise I
  Eigen::VectorXd alpha_;  // (K + noise I)^-1 y
};

}  // namespace automl::internal

#endif  // AUTOML_CORE_SAMPLERS_INTERNAL_GAUSSIAN_PROCESS_H_
