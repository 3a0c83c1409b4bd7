// Rank correlation of two paired samples: how well one ranking (architectures' accuracies under a
// cheap proxy) preserves another (the same architectures under the reference training).
//
//   std::vector<double> proxy = {...}, reference = {...};   // one entry per architecture
//   automl::RankCorrelation c = automl::CompareRankings(proxy, reference);
//   // c.spearman, [c.spearman_lower, c.spearman_upper], c.kendall
//
// - Spearman's rho (C. Spearman, "The proof and measurement of association between two things",
//   American Journal of Psychology 15, 1904): Pearson's correlation of the ranks, ties given the
//   average of the ranks they span (as scipy.stats.spearmanr).
// - Kendall's tau-b (M. G. Kendall, "The treatment of ties in ranking problems", Biometrika 33(3),
//   1945): (concordant - discordant) / sqrt((n0 - n1)(n0 - n2)) over the n0 = n(n-1)/2 pairs, n1
//   and n2 the pairs tied in x and in y (as scipy.stats.kendalltau, variant 'b').
// - The confidence interval for Spearman's rho: Fisher's z = atanh(rho) is roughly normal with
//   standard error sqrt(1.06 / (n - 3)) (E. C. Fieller, H. O. Hartley, E. S. Pearson, "Tests for
//   rank correlation coefficients. I", Biometrika 44(3/4), 1957), so the interval is
//   tanh(z -+ q * se) with q the normal quantile at (1 + level) / 2.
// EcoNAS (Zhou et al., CVPR 2020) judges a proxy by the Spearman correlation of this kind.
//
// A constant sample has no ranking: the correlations are NaN then (as in SciPy), and so is the
// interval. rho = +-1 gives the interval [rho, rho]. Part of automl::core (no LibTorch).
#ifndef AUTOML_RANK_CORRELATION_H_
#define AUTOML_RANK_CORRELATION_H_

#include <cstdint>
#include <vector>

namespace automl {

// The fewest pairs the functions below accept (the interval needs n - 3 > 0).
inline constexpr int64_t kMinRankCorrelationPairs = 4;

// The ranks of |values| from 1 (the smallest), ties given their average rank. Throws
// InvalidArgument for a non-finite value.
std::vector<double> AverageRanks(const std::vector<double>& values);

// Spearman's rho of the pairs (x[i], y[i]). Throws InvalidArgument when the sizes differ, when
// there are fewer than kMinRankCorrelationPairs pairs, or for a non-finite value.
double SpearmanRho(const std::vector<double>& x, const std::vector<double>& y);

// Kendall's tau-b of the pairs (x[i], y[i]); the same checks as SpearmanRho.
double KendallTau(const std::vector<double>& x, const std::vector<double>& y);

struct CorrelationInterval {
  double lower = 0;
  double upper = 0;
};

// The |level| (in (0, 1)) confidence interval for Spearman's rho |rho| of |n| pairs, by Fisher's z
// with the standard error sqrt(1.06 / (n - 3)). Throws InvalidArgument for n <
// kMinRankCorrelationPairs, a level outside (0, 1) or a rho outside [-1, 1]; NaN rho gives NaN.
CorrelationInterval SpearmanInterval(double rho, int64_t n, double level = 0.95);

struct RankCorrelation {
  int64_t n = 0;
  double spearman = 0;
  double spearman_lower = 0;
  double spearman_upper = 0;
  double level = 0.95;
  double kendall = 0;
};

// All of the above at once.
RankCorrelation CompareRankings(const std::vector<double>& x, const std::vector<double>& y,
                                double level = 0.95);

}  // namespace automl

#endif  // AUTOML_RANK_CORRELATION_H_
