// The standard normal distribution's tails, computed without underflow, and the truncated normal
// distribution built on them: what the Parzen estimators of the TPE sampler need (their kernels
// are normals truncated to a parameter's range). Internal to automl::core.
//
// The log-space formulas follow SciPy's (and Optuna 3.1's optuna/samplers/_tpe/_truncnorm.py):
// masses far in a tail are computed from the side where they are small, so that a kernel far from
// a point still gives it a finite log-density instead of log(0).
#ifndef AUTOML_SRC_CORE_SAMPLERS_TRUNCATED_NORMAL_H_
#define AUTOML_SRC_CORE_SAMPLERS_TRUNCATED_NORMAL_H_

namespace automl::internal {

// Phi(x), the standard normal CDF.
double Ndtr(double x);
// log Phi(x), accurate for very negative x (an asymptotic series below -20) and for large x
// (where log Phi(x) ~ -Phi(-x)).
double LogNdtr(double x);
// log(Phi(b) - Phi(a)) for a <= b: the log of the standard normal mass in [a, b]; -inf when
// a == b.
double LogGaussMass(double a, double b);
// Phi^-1(p) for p in (0, 1): Wichura's algorithm AS241 (Applied Statistics 37(3), 1988), relative
// error about 1e-16; -inf at 0 and +inf at 1.
double Ndtri(double p);
// Phi^-1(exp(log_p)) for log_p <= 0, without forming p where it would underflow.
double NdtriExp(double log_p);
// The standard normal truncated to [a, b] (a < b), inverted at |u| in [0, 1): a draw from it
// when u is uniform. The result lies in [a, b].
double TruncatedNormalInverseCdf(double a, double b, double u);

}  // namespace automl::internal

#endif  // AUTOML_SRC_CORE_SAMPLERS_TRUNCATED_NORMAL_H_
