// The model of the `bohb` sampler at one budget: l(x), a KDE of the best observations there, and
// g(x), a KDE of the worst (S. Falkner, A. Klein, F. Hutter, "BOHB: Robust and Efficient
// Hyperparameter Optimization at Scale", ICML 2018, section 4, eqs. (2) and (3)). Internal to
// automl::core.
//
// Points are rows of model coordinates (see bohb_kde.h), NaN where a parameter is inactive.
#ifndef AUTOML_CORE_SAMPLERS_INTERNAL_BOHB_MODEL_H_
#define AUTOML_CORE_SAMPLERS_INTERNAL_BOHB_MODEL_H_

#include <cstdint>
#include <vector>

#include "automl/random.h"
#include "core/samplers/internal/bohb_kde.h"

namespace automl::internal {

// How many of n observations, best first, model l and g.
struct GoodBadSizes {
  int64_t good = 0;
  int64_t bad = 0;
};

// The paper's eqs. (2) and (3): good = max(n_min, floor(top_n_percent * n / 100)) best
// observations, bad = max(n_min, n - good) worst ones, each at most n. The two sets overlap while
// n < 2 n_min, so that a model exists from n_min + 2 observations on.
GoodBadSizes SplitSizes(int64_t n, int64_t n_min, int64_t top_n_percent);

// Replaces the NaNs (inactive parameters) of |rows| (n rows of choices.size() coordinates) as
// HpBandSter's BOHB does (impute_conditional_data): for a row's first NaN, a random other row of
// |rows| where that coordinate is set lends its values for all of the row's NaNs; when no row has
// it set, it takes a uniform value (unit interval, or a random choice). Repeated until the row has
// no NaN.
void ImputeInactive(const std::vector<int64_t>& choices, std::vector<double>& rows, Rng& rng);

// The points of the good and the bad observations, row-major, inactive coordinates imputed.
struct GoodBadRows {
  std::vector<double> good;
  std::vector<double> bad;
};

struct BohbModelSettings {
  int64_t min_points = 1;  // n_min
  int64_t top_n_percent = 15;
  double min_bandwidth = 1e-3;
};

class BohbModel {
 public:
  // |rows| holds one point per observation, |losses| their values (smaller is better, NaN already
  // mapped to +inf); at least one observation. The split is taken after a stable sort by loss,
  // so ties keep the order of |rows|. |rng| imputes the inactive coordinates.
  BohbModel(const std::vector<int64_t>& choices, const std::vector<double>& rows,
            const std::vector<double>& losses, const BohbModelSettings& settings, Rng& rng);

  const BohbKde& good() const { return good_; }
  const BohbKde& bad() const { return bad_; }

  // log g(x) - log l(x): smaller is better (BOHB minimizes g/l, i.e. maximizes l/g).
  double LogRatio(const std::vector<double>& point) const;

 private:
  BohbModel(const std::vector<int64_t>& choices, GoodBadRows rows, double min_bandwidth);

  BohbKde good_;
  BohbKde bad_;
};

}  // namespace automl::internal

#endif  // AUTOML_CORE_SAMPLERS_INTERNAL_BOHB_MODEL_H_
