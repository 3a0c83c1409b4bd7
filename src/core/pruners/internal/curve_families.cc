#include "core/pruners/internal/curve_families.h"

#include <cmath>
#include <limits>
#include <utility>

#include "automl/error.h"
#include "core/pruners/internal/levenberg_marquardt.h"

namespace automl::internal {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// (kappa x)^delta for x >= 1, from ln x. A negative kappa is outside the domain (numpy's power of
// a negative base to a fractional exponent, the reference code's behaviour, is NaN too).
double ScaledPower(double kappa, double delta, double log_x) {
  if (kappa > 0) return std::exp(delta * (std::log(kappa) + log_x));
  if (kappa == 0) return std::pow(0.0, delta);
  return kNaN;
}

void VaporPressure(const double* t, const Abscissae& at, double* out) {
  const double a = t[0], b = t[1], c = t[2];
  for (size_t i = 0; i < at.x.size(); ++i) out[i] = std::exp(a + b / at.x[i] + c * at.log_x[i]);
}

void Pow3(const double* t, const Abscissae& at, double* out) {
  const double c = t[0], a = t[1], alpha = t[2];
  for (size_t i = 0; i < at.x.size(); ++i) out[i] = c - a * std::exp(-alpha * at.log_x[i]);
}

void LogLogLinear(const double* t, const Abscissae& at, double* out) {
  const double a = t[0], b = t[1];
  for (size_t i = 0; i < at.x.size(); ++i) out[i] = std::log(a * at.log_x[i] + b);
}

void Hill3(const double* t, const Abscissae& at, double* out) {
  const double y_max = t[0], eta = t[1], kappa = t[2];
  const double kappa_eta = kappa >= 0 ? std::pow(kappa, eta) : kNaN;
  for (size_t i = 0; i < at.x.size(); ++i) {
    const double x_eta = std::exp(eta * at.log_x[i]);
    out[i] = y_max * x_eta / (kappa_eta + x_eta);
  }
}

void LogPower(const double* t, const Abscissae& at, double* out) {
  const double a = t[0], b = t[1], c = t[2];
  // (x / e^b)^c = e^(c (ln x - b)).
  for (size_t i = 0; i < at.x.size(); ++i) out[i] = a / (1 + std::exp(c * (at.log_x[i] - b)));
}

void Pow4(const double* t, const Abscissae& at, double* out) {
  const double c = t[0], a = t[1], b = t[2], alpha = t[3];
  for (size_t i = 0; i < at.x.size(); ++i) out[i] = c - std::pow(a * at.x[i] + b, -alpha);
}

void Mmf(const double* t, const Abscissae& at, double* out) {
  const double alpha = t[0], beta = t[1], kappa = t[2], delta = t[3];
  for (size_t i = 0; i < at.x.size(); ++i) {
    out[i] = alpha - (alpha - beta) / (1 + ScaledPower(kappa, delta, at.log_x[i]));
  }
}

void Exp4(const double* t, const Abscissae& at, double* out) {
  const double c = t[0], a = t[1], b = t[2], alpha = t[3];
  for (size_t i = 0; i < at.x.size(); ++i) {
    out[i] = c - std::exp(-a * std::exp(alpha * at.log_x[i]) + b);
  }
}

void Janoschek(const double* t, const Abscissae& at, double* out) {
  const double alpha = t[0], beta = t[1], kappa = t[2], delta = t[3];
  for (size_t i = 0; i < at.x.size(); ++i) {
    out[i] = alpha - (alpha - beta) * std::exp(-kappa * std::exp(delta * at.log_x[i]));
  }
}

void Weibull(const double* t, const Abscissae& at, double* out) {
  const double alpha = t[0], beta = t[1], kappa = t[2], delta = t[3];
  for (size_t i = 0; i < at.x.size(); ++i) {
    out[i] = alpha - (alpha - beta) * std::exp(-ScaledPower(kappa, delta, at.log_x[i]));
  }
}

void Ilog2(const double* t, const Abscissae& at, double* out) {
  const double c = t[0], a = t[1];
  for (size_t i = 0; i < at.x.size(); ++i) out[i] = c - a / std::log1p(at.x[i]);
}

std::vector<CurveFamily> MakeFamilies() {
  return {
      {"vapor_pressure", 3, {-0.622028, -0.470050, 0.042322}, VaporPressure},
      {"pow3", 3, {0.84, 0.52, 0.01}, Pow3},
      {"log_log_linear", 2, {1.0, 1.0}, LogLogLinear},
      {"hill3", 3, {0.772320, 0.586449, 2.460843}, Hill3},
      {"log_power", 3, {0.77, 2.98, -0.51}, LogPower},
      {"pow4", 4, {0.8, 200.0, 0.0, 0.1}, Pow4},
      {"mmf", 4, {0.7, 0.1, 0.01, 5.0}, Mmf},
      {"exp4", 4, {0.7, 0.8, -0.8, 0.3}, Exp4},
      {"janoschek", 4, {0.73, 0.07, 0.355, 0.46}, Janoschek},
      {"weibull", 4, {0.7, 0.1, 0.01, 1.0}, Weibull},
      {"ilog2", 2, {0.78, 0.43}, Ilog2},
  };
}

}  // namespace

Abscissae::Abscissae(std::vector<double> points) : x(std::move(points)) {
  log_x.reserve(x.size());
  for (const double v : x) log_x.push_back(std::log(v));
}

double CurveFamily::Value(const double* theta, double x) const {
  double value = 0;
  evaluate(theta, Abscissae({x}), &value);
  return value;
}

Eigen::VectorXd CurveFamily::InitialParams() const {
  return Eigen::Map<const Eigen::VectorXd>(initial.data(), num_params);
}

const std::vector<CurveFamily>& CurveFamilies() {
  static const std::vector<CurveFamily> families = MakeFamilies();
  return families;
}

const CurveFamily& FindCurveFamily(const std::string& name) {
  for (const CurveFamily& family : CurveFamilies()) {
    if (family.name == name) return family;
  }
  throw InvalidArgument("no learning-curve family '" + name + "'");
}

std::optional<Eigen::VectorXd> FitCurveFamily(const CurveFamily& family, const Abscissae& at,
                                              const std::vector<double>& y) {
  // As scipy's leastsq, which the reference code calls: no fewer points than parameters.
  if (y.size() < static_cast<size_t>(family.num_params)) return std::nullopt;
  const auto residuals = [&](const Eigen::VectorXd& theta, Eigen::VectorXd* r) {
    family.evaluate(theta.data(), at, r->data());
    for (Eigen::Index i = 0; i < r->size(); ++i) (*r)[i] -= y[static_cast<size_t>(i)];
  };
  const LeastSquaresResult fit =
      MinimizeSumOfSquares(residuals, family.InitialParams(), static_cast<Eigen::Index>(y.size()));
  if (!std::isfinite(fit.sum_of_squares)) return std::nullopt;
  return fit.params;
}

}  // namespace automl::internal
