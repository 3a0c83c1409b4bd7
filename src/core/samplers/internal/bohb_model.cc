#include "core/samplers/internal/bohb_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "automl/error.h"

namespace automl::internal {

namespace {

// The rows |order[first .. first + count)| of |rows|, their inactive coordinates imputed among
// themselves (HpBandSter imputes the good and the bad set separately).
std::vector<double> Subset(const std::vector<int64_t>& choices, const std::vector<double>& rows,
                           const std::vector<size_t>& order, size_t first, size_t count, Rng& rng) {
  const size_t d = choices.size();
  std::vector<double> subset;
  subset.reserve(count * d);
  for (size_t k = first; k < first + count; ++k) {
    const auto row = rows.begin() + static_cast<std::ptrdiff_t>(order[k] * d);
    subset.insert(subset.end(), row, row + static_cast<std::ptrdiff_t>(d));
  }
  ImputeInactive(choices, subset, rng);
  return subset;
}

GoodBadRows SplitRows(const std::vector<int64_t>& choices, const std::vector<double>& rows,
                      const std::vector<double>& losses, const BohbModelSettings& settings,
                      Rng& rng) {
  const size_t n = losses.size();
  if (n == 0 || choices.empty() || rows.size() != n * choices.size()) {
    throw InvalidArgument("BohbModel: needs one row of one coordinate per dimension per loss");
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return losses[a] < losses[b]; });
  const GoodBadSizes sizes =
      SplitSizes(static_cast<int64_t>(n), settings.min_points, settings.top_n_percent);
  const auto good = static_cast<size_t>(sizes.good);
  const auto bad = static_cast<size_t>(sizes.bad);
  GoodBadRows split;
  split.good = Subset(choices, rows, order, 0, good, rng);
  split.bad = Subset(choices, rows, order, n - bad, bad, rng);
  return split;
}

}  // namespace

GoodBadSizes SplitSizes(int64_t n, int64_t n_min, int64_t top_n_percent) {
  GoodBadSizes sizes;
  sizes.good = std::min(n, std::max(n_min, top_n_percent * n / 100));
  sizes.bad = std::min(n, std::max(n_min, n - sizes.good));
  return sizes;
}

void ImputeInactive(const std::vector<int64_t>& choices, std::vector<double>& rows, Rng& rng) {
  const size_t d = choices.size();
  if (d == 0) return;
  const size_t n = rows.size() / d;
  const std::vector<double> original = rows;
  const auto first_nan = [&](size_t i) {
    for (size_t j = 0; j < d; ++j) {
      if (std::isnan(rows[i * d + j])) return j;
    }
    return d;
  };
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = first_nan(i); j < d; j = first_nan(i)) {
      std::vector<size_t> donors;
      for (size_t k = 0; k < n; ++k) {
        if (!std::isnan(original[k * d + j])) donors.push_back(k);
      }
      if (donors.empty()) {
        // No row has the parameter active: any valid value will do.
        rows[i * d + j] = choices[j] == 0
                              ? rng.Uniform()
                              : static_cast<double>(rng.Below(static_cast<uint64_t>(choices[j])));
        continue;
      }
      // The donor's values at every coordinate the row lacks: parameters that are active
      // together (children of the same branch) stay consistent with each other.
      const size_t donor = donors[rng.Below(donors.size())];
      for (size_t m = j; m < d; ++m) {
        if (std::isnan(rows[i * d + m])) rows[i * d + m] = original[donor * d + m];
      }
    }
  }
}

BohbModel::BohbModel(const std::vector<int64_t>& choices, const std::vector<double>& rows,
                     const std::vector<double>& losses, const BohbModelSettings& settings, Rng& rng)
    : BohbModel(choices, SplitRows(choices, rows, losses, settings, rng), settings.min_bandwidth) {}

BohbModel::BohbModel(const std::vector<int64_t>& choices, GoodBadRows rows, double min_bandwidth)
    : good_(choices, std::move(rows.good), min_bandwidth),
      bad_(choices, std::move(rows.bad), min_bandwidth) {}

double BohbModel::LogRatio(const std::vector<double>& point) const {
  return bad_.LogPdf(point) - good_.LogPdf(point);
}

}  // namespace automl::internal
