#include "core/samplers/internal/bohb_kde.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "automl/error.h"
#include "core/samplers/truncated_normal.h"

namespace automl::internal {

namespace {

// The 1.06 of statsmodels' normal reference rule (Silverman's rule of thumb for a Gaussian).
constexpr double kNormalReference = 1.06;
constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))

double LogSumExp(const std::vector<double>& terms) {
  const double top = *std::max_element(terms.begin(), terms.end());
  if (!std::isfinite(top)) return top;
  double sum = 0;
  for (double t : terms) sum += std::exp(t - top);
  return top + std::log(sum);
}

}  // namespace

std::vector<double> NormalReferenceBandwidths(const std::vector<double>& rows, size_t d) {
  const size_t n = d == 0 ? 0 : rows.size() / d;
  std::vector<double> bandwidths(d, 0.0);
  if (n == 0) return bandwidths;
  const double shrink = std::pow(static_cast<double>(n), -1.0 / (4.0 + static_cast<double>(d)));
  for (size_t j = 0; j < d; ++j) {
    double mean = 0;
    for (size_t i = 0; i < n; ++i) mean += rows[i * d + j];
    mean /= static_cast<double>(n);
    double squares = 0;
    for (size_t i = 0; i < n; ++i) squares += (rows[i * d + j] - mean) * (rows[i * d + j] - mean);
    const double sigma = std::sqrt(squares / static_cast<double>(n));
    bandwidths[j] = kNormalReference * sigma * shrink;
  }
  return bandwidths;
}

BohbKde::BohbKde(std::vector<int64_t> choices, std::vector<double> rows, double min_bandwidth)
    : choices_(std::move(choices)), rows_(std::move(rows)) {
  const size_t d = choices_.size();
  if (d == 0 || rows_.empty() || rows_.size() % d != 0) {
    throw InvalidArgument("BohbKde: needs at least one row of one coordinate per dimension");
  }
  n_ = rows_.size() / d;
  bandwidths_ = NormalReferenceBandwidths(rows_, d);
  for (size_t j = 0; j < d; ++j) {
    double& h = bandwidths_[j];
    h = std::max(h, min_bandwidth);
    if (choices_[j] > 0) h = std::min(h, UniformBandwidth(j));
  }
}

double BohbKde::UniformBandwidth(size_t j) const {
  const auto c = static_cast<double>(choices_[j]);
  return (c - 1) / c;
}

double BohbKde::LogPdf(const std::vector<double>& point) const {
  const size_t d = choices_.size();
  // Per dimension, the parts of the log kernel that do not depend on the row.
  std::vector<double> log_norm(d);
  std::vector<double> log_hit(d);
  std::vector<double> log_miss(d);
  for (size_t j = 0; j < d; ++j) {
    const double h = bandwidths_[j];
    if (choices_[j] == 0) {
      log_norm[j] = -std::log(h) - kLogSqrt2Pi;
    } else if (choices_[j] > 1) {
      log_hit[j] = std::log1p(-h);
      log_miss[j] = std::log(h / static_cast<double>(choices_[j] - 1));
    }
  }
  std::vector<double> terms(n_);
  for (size_t i = 0; i < n_; ++i) {
    const double* row = &rows_[i * d];
    double log_kernel = 0;
    for (size_t j = 0; j < d; ++j) {
      if (choices_[j] == 0) {
        const double z = (point[j] - row[j]) / bandwidths_[j];
        log_kernel += log_norm[j] - 0.5 * z * z;
      } else if (choices_[j] > 1) {
        log_kernel += point[j] == row[j] ? log_hit[j] : log_miss[j];
      }
    }
    terms[i] = log_kernel;
  }
  return LogSumExp(terms) - std::log(static_cast<double>(n_));
}

std::vector<double> BohbKde::Sample(Rng& rng, double bandwidth_factor) const {
  const size_t d = choices_.size();
  const double* row = &rows_[rng.Below(n_) * d];
  std::vector<double> point(d);
  for (size_t j = 0; j < d; ++j) {
    const double centre = row[j];
    if (choices_[j] == 0) {
      const double h = bandwidths_[j] * bandwidth_factor;
      const double z = TruncatedNormalInverseCdf(-centre / h, (1 - centre) / h, rng.Uniform());
      point[j] = std::clamp(centre + h * z, 0.0, 1.0);
      continue;
    }
    const int64_t c = choices_[j];
    const double h = std::min(bandwidths_[j] * bandwidth_factor, UniformBandwidth(j));
    if (c == 1 || rng.Uniform() >= h) {
      point[j] = centre;
      continue;
    }
    // One of the other c - 1 choices, uniformly.
    auto other = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(c - 1)));
    if (other >= static_cast<int64_t>(centre)) ++other;
    point[j] = static_cast<double>(other);
  }
  return point;
}

}  // namespace automl::internal
