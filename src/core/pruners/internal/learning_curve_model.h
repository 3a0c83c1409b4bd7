// The probabilistic learning-curve model of T. Domhan, J. T. Springenberg, F. Hutter, "Speeding up
// Automatic Hyperparameter Optimization of Deep Neural Networks by Extrapolation of Learning
// Curves", IJCAI 2015, section 3: a weighted combination of parametric families
// (curve_families.h)
//   f_comb(x | xi) = sum_k w_k f_k(x | theta_k),   y_x = f_comb(x | xi) + N(0, sigma^2),
// xi = (theta_1..theta_K, sigma, w_1..w_K), whose posterior given the observed curve is sampled
// by MCMC, and the predictive distribution of y at x_max that the paper's termination criterion
// reads: P(y_{x_max} > y | data) ~ 1/S sum_s (1 - Phi((y - f_comb(x_max | xi_s)) / sigma_s)).
//
// As the authors' reference code (github.com/automl/pylearningcurvepredictor, curvemodels.py,
// MCMCCurveModelCombination with the termination criterion's settings), which fills in what the
// paper leaves open:
//   - each family is first fitted alone by least squares (Levenberg-Marquardt from its starting
//     values); a family whose fit fails or lies outside the prior is left out of the combination;
//   - the MCMC starts all walkers in a ball of radius 1e-6 around (the fitted theta_k, the
//     standard deviation of the combination's residuals, equal weights: 1 here, 10 there), with at
//     least twice as many walkers as dimensions;
//   - the weights are sampled unnormalized and used normalized, w_k / sum_j w_j;
//   - the prior is flat on its support: w_k >= 0 (not all zero), sigma > 0, every family finite
//     at every point, and, the paper's constraints, an increasing combined curve,
//     f_comb(1) < f_comb(x_max), whose value at x_max lies in a plausible range; the reference
//     code also asks each family alone to be increasing (f_k(2) <= f_k(x_max): its "soft
//     monotonicity"; here from x = 1, the paper's start) and plausible at x_max, and so does
//     this model.
// Differences from the reference code: no recency weighting of the likelihood (the paper's
// likelihood has none); a least-squares fit that ends by the iteration limit is kept as a start
// for MCMC (the reference falls back to L-BFGS-B, which for these unbounded families is another
// local search from the same start); the stretch move updates the walkers one after the other
// (Goodman & Weare's serial form; emcee updates two halves of the ensemble in turn); the MCMC is
// much shorter by default (the caller chooses its size; the reference ran 100 walkers for 2500
// steps with a burn-in of 500, seconds of compute per decision), and every post-burn-in sample
// is used (the reference thins by 10). A short chain has not spread as far from its start: in
// our measurements with 250 steps (burn-in 150) the predictive probabilities in the upper tail
// were about 0.6 to 0.9 times those of the reference's chain length, i.e. a short chain judges
// a little more harshly.
#ifndef AUTOML_CORE_PRUNERS_INTERNAL_LEARNING_CURVE_MODEL_H_
#define AUTOML_CORE_PRUNERS_INTERNAL_LEARNING_CURVE_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace automl::internal {

struct LearningCurveModelOptions {
  double x_max = 0;  // the abscissa to predict, beyond the observed ones
  // The plausible range of f_comb(x_max) (and of each family's value there); the paper's curves
  // are accuracies in [0, 1], the caller scales its values accordingly.
  double plausible_min = 0;
  double plausible_max = 1;
  int walkers = 100;  // raised to twice the number of sampled parameters when smaller
  int mcmc_steps = 250;
  int burn_in = 150;
};

class LearningCurveModel {
 public:
  // Fits the model to the points (x[i], y[i]), x[i] >= 1, and samples its posterior with an
  // Rng seeded by |seed|. nullopt when no family can be fitted (too few points, or every fit
  // outside the prior): the model then has nothing to say.
  static std::optional<LearningCurveModel> Fit(const std::vector<double>& x,
                                               const std::vector<double>& y,
                                               const LearningCurveModelOptions& options,
                                               uint64_t seed);

  // The predictive probability that y at x_max exceeds |threshold|.
  double ProbabilityAbove(double threshold) const;
  // The posterior mean of f_comb(x_max).
  double PredictiveMean() const;

  // The families in the combination, by name.
  const std::vector<std::string>& families() const { return families_; }
  int walkers() const { return walkers_; }
  double acceptance_fraction() const { return acceptance_fraction_; }

 private:
  // One posterior sample's prediction at x_max: the curve's value and the noise.
  struct Prediction {
    double mean;
    double sigma;
  };

  std::vector<std::string> families_;
  std::vector<Prediction> predictions_;
  int walkers_ = 0;
  double acceptance_fraction_ = 0;
};

}  // namespace automl::internal

#endif  // AUTOML_CORE_PRUNERS_INTERNAL_LEARNING_CURVE_MODEL_H_
