// The GP sampler's transformation of objective values before they are modelled: standardize,
// then a Yeo-Johnson power transformation whose exponent maximizes the Gaussian likelihood of the
// result, then standardize again (I.-K. Yeo & R. A. Johnson, "A new family of power
// transformations to improve normality or symmetry", Biometrika 87, 2000; applied to BO outputs
// as in A. I. Cowen-Rivers et al., "HEBO: pushing the limits of sample-efficient hyper-parameter
// optimisation", JAIR 74, 2022).
//
// Why: objectives are often heavy-tailed (Rosenbrock spans five orders of magnitude; a diverged
// training run scores far worse than any useful one). Standardized as they are, a few bad values
// set the scale, and the differences that matter near the optimum (a categorical's offset, one
// layer more or less) are too small against it for the GP to resolve, so the sampler stops
// exploring them. The transformation is monotone, so the order of values, and with it which
// trial is best, is unchanged.
#ifndef AUTOML_CORE_SAMPLERS_INTERNAL_OUTPUT_WARPING_H_
#define AUTOML_CORE_SAMPLERS_INTERNAL_OUTPUT_WARPING_H_

#include <Eigen/Core>

namespace automl::internal {

// y shifted and scaled to mean 0 and variance 1 (a constant y is only centred).
Eigen::VectorXd Standardize(const Eigen::VectorXd& y);

// The Yeo-Johnson transformation of one value with exponent |lambda|.
double YeoJohnson(double y, double lambda);

// The exponent in [-2, 2] that maximizes the profile log-likelihood of a Gaussian fitted to
// YeoJohnson(y_i, lambda) (Yeo & Johnson 2000, section 3), found by golden-section search.
double FitYeoJohnsonExponent(const Eigen::VectorXd& y);

// Standardize, Yeo-Johnson with the fitted exponent, standardize: what the GP regresses.
Eigen::VectorXd WarpOutputs(const Eigen::VectorXd& y);

}  // namespace automl::internal

#endif  // AUTOML_CORE_SAMPLERS_INTERNAL_OUTPUT_WARPING_H_
