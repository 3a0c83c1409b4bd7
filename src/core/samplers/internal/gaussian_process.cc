#include "core/samplers/internal/gaussian_process.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace automl::internal {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kSqrt5 = 2.23606797749979;
constexpr double kLog2Pi = 1.8378770664093453;  // log(2 pi)

// Box for the fit, in log space. Length scales from ~0.003 to ~300 in the unit cube; the signal
// variance of standardized outputs within three decades of 1; the noise up to 10 (nothing but
// noise).
constexpr double kMinLogInverseSquaredLengthscale = -11.5;  // w = 1e-5, l ~ 316
constexpr double kMaxLogInverseSquaredLengthscale = 11.5;   // w = 1e5, l ~ 0.003
constexpr double kMinLogSignal = -6.907755278982137;        // log(1e-3)
constexpr double kMaxLogSignal = 6.907755278982137;
constexpr double kMaxLogNoise = 2.302585092994046;  // log(10)

// The length-scale prior's log density, -kLengthscalePriorWeight (1 / w + w) per column.
constexpr double kLengthscalePriorWeight = 0.1;
// Gamma(concentration, rate) priors on the signal and noise variances.
constexpr double kSignalConcentration = 2.0;
constexpr double kSignalRate = 1.0;
constexpr double kNoiseConcentration = 1.1;
constexpr double kNoiseRate = 30.0;

double SquaredDistance(const GpInputs& a_inputs, const Eigen::Ref<const VectorXd>& a,
                       const Eigen::Ref<const VectorXd>& b, const VectorXd& w) {
  double r2 = 0;
  for (Index d = 0; d < a.size(); ++d) {
    if (a_inputs.categorical[static_cast<size_t>(d)]) {
      r2 += a[d] != b[d] ? w[d] : 0.0;
    } else {
      const double diff = a[d] - b[d];
      r2 += w[d] * diff * diff;
    }
  }
  return r2;
}

// Column |d|'s contribution to the squared distance between every pair of rows, unscaled:
// (x_id - x_jd)^2 for a numeric column, [x_id != x_jd] for a categorical one.
Eigen::ArrayXXd ColumnDistances(const GpInputs& inputs, Index d) {
  const Index n = inputs.x.rows();
  const Eigen::ArrayXd column = inputs.x.col(d).array();
  const bool categorical = inputs.categorical[static_cast<size_t>(d)];
  Eigen::ArrayXXd distances(n, n);
  for (Index j = 0; j < n; ++j) {  // column by column: contiguous and vectorized
    if (categorical) {
      distances.col(j) = (column != column[j]).cast<double>();
    } else {
      distances.col(j) = (column - column[j]).square();
    }
  }
  return distances;
}

// The squared scaled distances between all pairs of rows of |inputs|.
Eigen::ArrayXXd PairwiseSquaredDistances(const GpInputs& inputs, const VectorXd& w) {
  const Index n = inputs.x.rows();
  Eigen::ArrayXXd r2 = Eigen::ArrayXXd::Zero(n, n);
  for (Index d = 0; d < inputs.x.cols(); ++d) r2 += w[d] * ColumnDistances(inputs, d);
  return r2;
}

double GammaLogDensity(double x, double concentration, double rate) {
  return (concentration - 1.0) * std::log(x) - rate * x;
}

// Its derivative with respect to log x.
double GammaLogDensityLogGradient(double x, double concentration, double rate) {
  return (concentration - 1.0) - rate * x;
}

// Factorizes |k| + noise I, growing the noise tenfold (from at least 1e-10) until the Cholesky
// factorization succeeds. Returns the noise used.
double FactorizeWithJitter(const MatrixXd& k, double noise, MatrixXd* chol) {
  const Index n = k.rows();
  for (int attempt = 0; attempt < 12; ++attempt) {
    Eigen::LLT<MatrixXd> llt(k + noise * MatrixXd::Identity(n, n));
    if (llt.info() == Eigen::Success) {
      *chol = llt.matrixL();
      return noise;
    }
    noise = std::max(noise * 10.0, 1e-10);
  }
  // A kernel matrix with a diagonal of 1e2 added is positive definite for any data.
  Eigen::LLT<MatrixXd> llt(k + noise * MatrixXd::Identity(n, n));
  *chol = llt.matrixL();
  return noise;
}

}  // namespace

// ---- Hyperparameters ---------------------------------------------------------------------------

VectorXd GpHyperparameters::ToLog() const {
  const Index d = inverse_squared_lengthscales.size();
  VectorXd log_params(d + 2);
  log_params.head(d) = inverse_squared_lengthscales.array().log();
  log_params[d] = std::log(signal_variance);
  log_params[d + 1] = std::log(noise_variance);
  return log_params;
}

GpHyperparameters GpHyperparameters::FromLog(const VectorXd& log_params) {
  const Index d = log_params.size() - 2;
  GpHyperparameters h;
  h.inverse_squared_lengthscales = log_params.head(d).array().exp();
  h.signal_variance = std::exp(log_params[d]);
  h.noise_variance = std::exp(log_params[d + 1]);
  return h;
}

// ---- Kernel ------------------------------------------------------------------------------------

double Matern52(double r2) {
  const double r = std::sqrt(r2);
  return (1.0 + kSqrt5 * r + 5.0 / 3.0 * r2) * std::exp(-kSqrt5 * r);
}

double Matern52DerivativeR2(double r2) {
  const double r = std::sqrt(r2);
  return -5.0 / 6.0 * (1.0 + kSqrt5 * r) * std::exp(-kSqrt5 * r);
}

// ---- Marginal likelihood and prior -------------------------------------------------------------

double LogMarginalLikelihood(const GpInputs& inputs, const VectorXd& y, const GpHyperparameters& h,
                             VectorXd* gradient) {
  const Index n = inputs.x.rows();
  const Index dims = inputs.x.cols();
  const VectorXd& w = h.inverse_squared_lengthscales;
  // Matern-5/2 and its derivative in r^2 share sqrt(5) r and its exponential.
  const Eigen::ArrayXXd r2 = PairwiseSquaredDistances(inputs, w);
  const Eigen::ArrayXXd root5_r = kSqrt5 * r2.sqrt();
  const Eigen::ArrayXXd decay = (-root5_r).exp();
  const MatrixXd k_f = (h.signal_variance * (1.0 + root5_r + 5.0 / 3.0 * r2) * decay).matrix();
  const Eigen::LLT<MatrixXd> llt(k_f + h.noise_variance * MatrixXd::Identity(n, n));
  if (llt.info() != Eigen::Success) {
    if (gradient) *gradient = VectorXd::Zero(dims + 2);
    return -std::numeric_limits<double>::infinity();
  }
  const VectorXd alpha = llt.solve(y);
  const double log_det_half = llt.matrixLLT().diagonal().array().log().sum();
  const double lml = -0.5 * y.dot(alpha) - log_det_half - 0.5 * static_cast<double>(n) * kLog2Pi;
  if (!gradient) return lml;

  // d lml / d theta = 1/2 tr((alpha alpha' - K^-1) dK/dtheta) (R&W 5.9).
  // K^-1 = L^-T L^-1: one triangular solve and a matrix product, about twice as fast as two
  // triangular solves against the identity.
  const MatrixXd l_inverse = llt.matrixL().solve(MatrixXd::Identity(n, n));
  const MatrixXd w_matrix = alpha * alpha.transpose() - l_inverse.transpose() * l_inverse;
  gradient->resize(dims + 2);
  (*gradient)[dims] = 0.5 * w_matrix.cwiseProduct(k_f).sum();  // dK/dlog s = K_f
  (*gradient)[dims + 1] = 0.5 * h.noise_variance * w_matrix.trace();
  // dK_ij/dlog w_d = s M'(r2_ij) w_d delta_d(i, j), with M'(r2) = -5/6 (1 + sqrt(5) r) e^(-sqrt(5)
  // r).
  const Eigen::ArrayXXd slope =
      w_matrix.array() * (h.signal_variance * -5.0 / 6.0) * (1.0 + root5_r) * decay;
  for (Index d = 0; d < dims; ++d) {
    (*gradient)[d] = 0.5 * w[d] * (slope * ColumnDistances(inputs, d)).sum();
  }
  return lml;
}

double LogHyperprior(const GpHyperparameters& h, VectorXd* gradient) {
  const Index dims = h.inverse_squared_lengthscales.size();
  const auto w = h.inverse_squared_lengthscales.array();
  double log_prior = -kLengthscalePriorWeight * (1.0 / w + w).sum();
  log_prior += GammaLogDensity(h.signal_variance, kSignalConcentration, kSignalRate);
  log_prior += GammaLogDensity(h.noise_variance, kNoiseConcentration, kNoiseRate);
  if (gradient) {
    gradient->resize(dims + 2);
    // d/d(log w) = w d/dw.
    gradient->head(dims) = (kLengthscalePriorWeight * (1.0 / w - w)).matrix();
    (*gradient)[dims] =
        GammaLogDensityLogGradient(h.signal_variance, kSignalConcentration, kSignalRate);
    (*gradient)[dims + 1] =
        GammaLogDensityLogGradient(h.noise_variance, kNoiseConcentration, kNoiseRate);
  }
  return log_prior;
}

GpHyperparameters FitHyperparameters(const GpInputs& inputs, const VectorXd& y,
                                     const std::vector<GpHyperparameters>& starts,
                                     const GpFitOptions& options) {
  const Index dims = inputs.x.cols();
  const double n = static_cast<double>(std::max<Index>(inputs.x.rows(), 1));
  VectorXd lower(dims + 2);
  VectorXd upper(dims + 2);
  lower.head(dims).setConstant(kMinLogInverseSquaredLengthscale);
  upper.head(dims).setConstant(kMaxLogInverseSquaredLengthscale);
  lower[dims] = kMinLogSignal;
  upper[dims] = kMaxLogSignal;
  lower[dims + 1] = std::log(options.noise_floor);
  upper[dims + 1] = options.fix_noise ? lower[dims + 1] : std::max(kMaxLogNoise, lower[dims + 1]);

  // Minimized: -(log likelihood + log prior) / n, per observation so that tolerances need not
  // scale with the data.
  const DifferentiableFunction objective = [&](const VectorXd& log_params, VectorXd* gradient) {
    const GpHyperparameters h = GpHyperparameters::FromLog(log_params);
    VectorXd lml_gradient;
    VectorXd prior_gradient;
    const double value = LogMarginalLikelihood(inputs, y, h, gradient ? &lml_gradient : nullptr) +
                         LogHyperprior(h, gradient ? &prior_gradient : nullptr);
    if (gradient) *gradient = -(lml_gradient + prior_gradient) / n;
    return -value / n;
  };

  GpHyperparameters best = starts.front();
  double best_value = std::numeric_limits<double>::infinity();
  for (const GpHyperparameters& start : starts) {
    const LbfgsResult result = MinimizeBoxed(objective, start.ToLog(), lower, upper, options.lbfgs);
    if (result.value < best_value) {
      best_value = result.value;
      best = GpHyperparameters::FromLog(result.x);
    }
  }
  if (!std::isfinite(best_value)) {
    // Not one start gave a positive-definite covariance: keep the first start, in the box.
    best = GpHyperparameters::FromLog(starts.front().ToLog().cwiseMax(lower).cwiseMin(upper));
  }
  return best;
}

// ---- Posterior ---------------------------------------------------------------------------------

GaussianProcess::GaussianProcess(GpInputs inputs, VectorXd y, const GpHyperparameters& h)
    : inputs_(std::move(inputs)), y_(std::move(y)), h_(h) {
  noise_ = FactorizeWithJitter(Kernel(inputs_.x, inputs_.x), h_.noise_variance, &chol_);
  alpha_ = chol_.triangularView<Eigen::Lower>().solve(y_);
  chol_.triangularView<Eigen::Lower>().adjoint().solveInPlace(alpha_);
}

MatrixXd GaussianProcess::Kernel(const MatrixXd& a, const MatrixXd& b) const {
  // Numeric columns: |a - b|^2 = |a|^2 + |b|^2 - 2 a.b on coordinates scaled by sqrt(w), one
  // matrix product for all pairs. Its rounding error (~1e-16 of |a|^2) moves Matern-5/2, which
  // is flat in r^2 at 0, by as little.
  const VectorXd& w = h_.inverse_squared_lengthscales;
  VectorXd scale(w.size());
  for (Index d = 0; d < w.size(); ++d) {
    scale[d] = inputs_.categorical[static_cast<size_t>(d)] ? 0.0 : std::sqrt(w[d]);
  }
  const MatrixXd as = a * scale.asDiagonal();
  const MatrixXd bs = b * scale.asDiagonal();
  MatrixXd r2 = -2.0 * (as * bs.transpose());
  r2.colwise() += as.rowwise().squaredNorm();
  r2.rowwise() += bs.rowwise().squaredNorm().transpose();
  for (Index d = 0; d < w.size(); ++d) {
    if (!inputs_.categorical[static_cast<size_t>(d)]) continue;
    for (Index j = 0; j < b.rows(); ++j) {
      for (Index i = 0; i < a.rows(); ++i) {
        if (a(i, d) != b(j, d)) r2(i, j) += w[d];
      }
    }
  }
  const double signal = h_.signal_variance;
  return r2.unaryExpr([signal](double v) { return signal * Matern52(std::max(v, 0.0)); });
}

void GaussianProcess::Predict(const MatrixXd& points, VectorXd* mean, VectorXd* variance) const {
  const MatrixXd k_star = Kernel(inputs_.x, points);  // n x m
  *mean = k_star.transpose() * alpha_;
  const MatrixXd v = chol_.triangularView<Eigen::Lower>().solve(k_star);
  *variance =
      (h_.signal_variance - v.colwise().squaredNorm().array()).max(0.0).matrix().transpose();
}

void GaussianProcess::PredictWithGradient(const VectorXd& point, double* mean, double* variance,
                                          VectorXd* mean_gradient,
                                          VectorXd* variance_gradient) const {
  const Index n = size();
  const Index dims = point.size();
  const VectorXd& w = h_.inverse_squared_lengthscales;
  VectorXd k(n);
  MatrixXd dk = MatrixXd::Zero(n, dims);  // dk_i / dpoint_d
  for (Index i = 0; i < n; ++i) {
    const double r2 = SquaredDistance(inputs_, point, inputs_.x.row(i).transpose(), w);
    k[i] = h_.signal_variance * Matern52(r2);
    const double slope = h_.signal_variance * Matern52DerivativeR2(r2);
    for (Index d = 0; d < dims; ++d) {
      if (inputs_.categorical[static_cast<size_t>(d)]) continue;
      dk(i, d) = slope * w[d] * 2.0 * (point[d] - inputs_.x(i, d));
    }
  }
  *mean = k.dot(alpha_);
  *mean_gradient = dk.transpose() * alpha_;
  VectorXd v = chol_.triangularView<Eigen::Lower>().solve(k);
  *variance = std::max(0.0, h_.signal_variance - v.squaredNorm());
  chol_.triangularView<Eigen::Lower>().adjoint().solveInPlace(v);  // now (K + noise I)^-1 k
  *variance_gradient = -2.0 * (dk.transpose() * v);
}

VectorXd GaussianProcess::MeanAtInputs() const {
  // K_f alpha = (K_f + noise I) alpha - noise alpha = y - noise alpha.
  return y_ - noise_ * alpha_;
}

GaussianProcess GaussianProcess::WithFantasies(const MatrixXd& points) const {
  if (points.rows() == 0) return *this;
  const Index n = size();
  const Index m = points.rows();
  const MatrixXd k_np = Kernel(inputs_.x, points);
  const MatrixXd b = chol_.triangularView<Eigen::Lower>().solve(k_np);  // n x m
  MatrixXd c;
  FactorizeWithJitter(Kernel(points, points) - b.transpose() * b, noise_, &c);

  GaussianProcess fantasy;
  fantasy.h_ = h_;
  fantasy.noise_ = noise_;
  fantasy.inputs_.categorical = inputs_.categorical;
  fantasy.inputs_.x.resize(n + m, inputs_.x.cols());
  fantasy.inputs_.x << inputs_.x, points;
  fantasy.y_.resize(n + m);
  fantasy.y_ << y_, k_np.transpose() * alpha_;
  // [L 0; B' C] is the Cholesky factor of the extended covariance.
  fantasy.chol_ = MatrixXd::Zero(n + m, n + m);
  fantasy.chol_.topLeftCorner(n, n) = chol_;
  fantasy.chol_.bottomLeftCorner(m, n) = b.transpose();
  fantasy.chol_.bottomRightCorner(m, m) = c;
  fantasy.alpha_ = fantasy.chol_.triangularView<Eigen::Lower>().solve(fantasy.y_);
  fantasy.chol_.triangularView<Eigen::Lower>().adjoint().solveInPlace(fantasy.alpha_);
  return fantasy;
}

}  // namespace automl::internal
