#include "automl/rank_correlation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "automl/error.h"
#include "core/samplers/truncated_normal.h"

namespace automl {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void CheckFinite(const std::vector<double>& values, const char* which) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      throw InvalidArgument(std::string("rank correlation: ") + which + "[" + std::to_string(i) +
                            "] is not a finite number");
    }
  }
}

void CheckPairs(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) {
    throw InvalidArgument("rank correlation: the samples differ in size (" +
                          std::to_string(x.size()) + " and " + std::to_string(y.size()) + ")");
  }
  if (static_cast<int64_t>(x.size()) < kMinRankCorrelationPairs) {
    throw InvalidArgument("rank correlation: needs at least " +
                          std::to_string(kMinRankCorrelationPairs) + " pairs, not " +
                          std::to_string(x.size()));
  }
  CheckFinite(x, "x");
  CheckFinite(y, "y");
}

int Sign(double v) { return (v > 0) - (v < 0); }

}  // namespace

std::vector<double> AverageRanks(const std::vector<double>& values) {
  CheckFinite(values, "values");
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i + 1;
    while (j < order.size() && values[order[j]] == values[order[i]]) ++j;
    // Positions i..j-1 hold ranks i+1..j; each gets their mean.
    const double rank = 0.5 * static_cast<double>(i + 1 + j);
    for (size_t k = i; k < j; ++k) ranks[order[k]] = rank;
    i = j;
  }
  return ranks;
}

double SpearmanRho(const std::vector<double>& x, const std::vector<double>& y) {
  CheckPairs(x, y);
  const std::vector<double> rx = AverageRanks(x);
  const std::vector<double> ry = AverageRanks(y);
  // Both rank vectors have the mean (n + 1) / 2.
  const double mean = 0.5 * static_cast<double>(x.size() + 1);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < rx.size(); ++i) {
    const double dx = rx[i] - mean;
    const double dy = ry[i] - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx == 0 || syy == 0) return kNaN;  // a constant sample has no ranking
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

double KendallTau(const std::vector<double>& x, const std::vector<double>& y) {
  CheckPairs(x, y);
  // O(n^2) over the pairs: the samples here are tens to hundreds of architectures.
  int64_t concordant = 0, discordant = 0, tied_x = 0, tied_y = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    for (size_t j = i + 1; j < x.size(); ++j) {
      const int sx = Sign(x[j] - x[i]);
      const int sy = Sign(y[j] - y[i]);
      if (sx == 0) ++tied_x;
      if (sy == 0) ++tied_y;
      if (sx == 0 || sy == 0) continue;
      if (sx == sy) {
        ++concordant;
      } else {
        ++discordant;
      }
    }
  }
  const auto n = static_cast<int64_t>(x.size());
  const int64_t pairs = n * (n - 1) / 2;
  const auto denominator =
      static_cast<double>(pairs - tied_x) * static_cast<double>(pairs - tied_y);
  if (denominator == 0) return kNaN;
  return std::clamp(static_cast<double>(concordant - discordant) / std::sqrt(denominator), -1.0,
                    1.0);
}

CorrelationInterval SpearmanInterval(double rho, int64_t n, double level) {
  if (n < kMinRankCorrelationPairs) {
    throw InvalidArgument("rank correlation: an interval needs at least " +
                          std::to_string(kMinRankCorrelationPairs) + " pairs, not " +
                          std::to_string(n));
  }
  if (!(level > 0 && level < 1)) {
    throw InvalidArgument("rank correlation: the confidence level must lie in (0, 1), not " +
                          std::to_string(level));
  }
  if (std::isnan(rho)) return {kNaN, kNaN};
  if (!(rho >= -1 && rho <= 1)) {
    throw InvalidArgument("rank correlation: rho must lie in [-1, 1], not " + std::to_string(rho));
  }
  // Fieller, Hartley & Pearson (1957): var(atanh(rho)) ~ 1.06 / (n - 3).
  const double se = std::sqrt(1.06 / static_cast<double>(n - 3));
  const double q = internal::Ndtri(0.5 * (1 + level));
  const double z = std::atanh(rho);  // +-inf at rho = +-1: the interval is [rho, rho]
  return {std::tanh(z - q * se), std::tanh(z + q * se)};
}

RankCorrelation CompareRankings(const std::vector<double>& x, const std::vector<double>& y,
                                double level) {
  RankCorrelation c;
  c.n = static_cast<int64_t>(x.size());
  c.level = level;
  c.spearman = SpearmanRho(x, y);
  const CorrelationInterval interval = SpearmanInterval(c.spearman, c.n, level);
  c.spearman_lower = interval.lower;
  c.spearman_upper = interval.upper;
  c.kendall = KendallTau(x, y);
  return c;
}

}  // namespace automl
