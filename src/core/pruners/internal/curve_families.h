// The eleven parametric learning-curve families of T. Domhan, J. T. Springenberg, F. Hutter,
// "Speeding up Automatic Hyperparameter Optimization of Deep Neural Networks by Extrapolation of
// Learning Curves", IJCAI 2015 (their Table 1), with the starting values of their reference code
// (github.com/automl/pylearningcurvepredictor, curvefunctions.py), which were chosen for
// accuracies in [0, 1] over epochs x = 1, 2, ...:
//
//   vapor pressure   exp(a + b / x + c ln x)                 a = -0.622, b = -0.470, c = 0.042
//   pow3             c - a x^-alpha                          c = 0.84, a = 0.52, alpha = 0.01
//   log log linear   ln(a ln x + b)                          a = 1, b = 1
//   Hill3            y x^eta / (kappa^eta + x^eta)           y = 0.772, eta = 0.586, kappa = 2.461
//   log power        a / (1 + (x / e^b)^c)                   a = 0.77, b = 2.98, c = -0.51
//   pow4             c - (a x + b)^-alpha                    c = 0.8, a = 200, b = 0, alpha = 0.1
//   MMF              alpha - (alpha - beta) / (1 + (kappa x)^delta)
//                                                            alpha = 0.7, beta = 0.1,
//                                                            kappa = 0.01, delta = 5
//   exp4             c - exp(-a x^alpha + b)                 c = 0.7, a = 0.8, b = -0.8,
//                                                            alpha = 0.3
//   Janoschek        alpha - (alpha - beta) exp(-kappa x^delta)
//                                                            alpha = 0.73, beta = 0.07,
//                                                            kappa = 0.355, delta = 0.46
//   Weibull          alpha - (alpha - beta) exp(-(kappa x)^delta)
//                                                            alpha = 0.7, beta = 0.1,
//                                                            kappa = 0.01, delta = 1
//   ilog2            c - a / ln(x + 1)                       c = 0.78, a = 0.43
//
// ilog2 is the paper's c - a / ln x shifted by one, as in the reference code: ln 1 = 0 would
// make it infinite at the first epoch. The reference code puts no bounds on the families'
// parameters: a parameter vector is outside a family's domain exactly when the formula is not a
// finite real number somewhere (a negative base under a fractional power, the logarithm of a
// negative number), and so it is here: `evaluate` then writes a non-finite value.
#ifndef AUTOML_CORE_PRUNERS_INTERNAL_CURVE_FAMILIES_H_
#define AUTOML_CORE_PRUNERS_INTERNAL_CURVE_FAMILIES_H_

#include <Eigen/Core>
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace automl::internal {

constexpr int kMaxCurveParams = 4;

// Points x >= 1 at which curves are evaluated, with their logarithms computed once: most
// families raise x to a power, and x^p = exp(p ln x) is the cheaper form in the sampler's loop.
struct Abscissae {
  explicit Abscissae(std::vector<double> points);

  std::vector<double> x;
  std::vector<double> log_x;
};

struct CurveFamily {
  std::string name;
  int num_params = 0;
  std::array<double, kMaxCurveParams> initial{};  // the reference code's starting values
  // Writes the curve with parameters |theta| (num_params values) at each of |at|'s points to
  // |out|; a value is NaN or infinite where |theta| is outside the family's domain.
  void (*evaluate)(const double* theta, const Abscissae& at, double* out) = nullptr;

  double Value(const double* theta, double x) const;
  Eigen::VectorXd InitialParams() const;
};

// The eleven families, in the order of the paper's Table 1.
const std::vector<CurveFamily>& CurveFamilies();
// The family called |name|; throws InvalidArgument for an unknown name.
const CurveFamily& FindCurveFamily(const std::string& name);

// The least-squares fit of |family| to the points (at.x[i], y[i]) by Levenberg-Marquardt from the
// family's initial values, as the reference code's maximum-likelihood start for MCMC. nullopt
// when there are fewer points than parameters or when the fit ends outside the family's domain.
std::optional<Eigen::VectorXd> FitCurveFamily(const CurveFamily& family, const Abscissae& at,
                                              const std::vector<double>& y);

}  // namespace automl::internal

#endif  // AUTOML_CORE_PRUNERS_INTERNAL_CURVE_FAMILIES_H_
