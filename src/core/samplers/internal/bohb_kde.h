// The kernel density estimator of the `bohb` sampler: a multivariate KDE with product kernels, as
// BOHB fits with statsmodels' KDEMultivariate (S. Falkner, A. Klein, F. Hutter, "BOHB: Robust and
// Efficient Hyperparameter Optimization at Scale", ICML 2018, section 4). Internal to
// automl::core.
//
// A point has one coordinate per dimension: a continuous dimension lies in the unit interval
// (a parameter's ParamSpec::ToUnit value), a categorical one holds a choice's index. The density
// of x is (1/n) sum_i prod_j K_j(x_j; X_ij, h_j), with
//  - a Gaussian kernel N(x_j; X_ij, h_j^2) for a continuous dimension (not truncated to the unit
//    interval, as statsmodels' 'c' kernel);
//  - the Aitchison-Aitken kernel for a categorical dimension with c choices: 1 - h_j on the
//    observed choice and h_j / (c - 1) on each other one (statsmodels' 'u' kernel, with c the
//    number of choices; statsmodels counts the choices seen in the data, so that a choice no
//    observation holds gets no mass and a column with one distinct value divides by zero).
// Bandwidths follow statsmodels' 'normal_reference' rule for every column, 1.06 sigma_j
// n^(-1/(4 + d)) with sigma_j the column's standard deviation (ddof 0), floored at a minimum
// bandwidth as BOHB does; a categorical's bandwidth is also capped at (c - 1) / c, where its
// kernel is uniform (statsmodels leaves it uncapped, and above 1 its kernel turns negative).
#ifndef AUTOML_CORE_SAMPLERS_INTERNAL_BOHB_KDE_H_
#define AUTOML_CORE_SAMPLERS_INTERNAL_BOHB_KDE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "automl/random.h"

namespace automl::internal {

// statsmodels' normal reference rule for |rows| (n rows of d coordinates, row-major): per column,
// 1.06 * its standard deviation (ddof 0) * n^(-1/(4 + d)).
std::vector<double> NormalReferenceBandwidths(const std::vector<double>& rows, size_t d);

class BohbKde {
 public:
  // |choices| has one entry per dimension: 0 for a continuous one, else its number of choices.
  // |rows| holds n >= 1 rows of choices.size() coordinates, row-major, all finite.
  BohbKde(std::vector<int64_t> choices, std::vector<double> rows, double min_bandwidth);

  size_t size() const { return n_; }
  size_t dimensions() const { return choices_.size(); }
  const std::vector<double>& bandwidths() const { return bandwidths_; }

  // log of the density at |point| (dimensions() coordinates), computed in log space so that a
  // point far from every observation keeps a finite value.
  double LogPdf(const std::vector<double>& point) const;

  // A draw from the KDE with every bandwidth multiplied by |bandwidth_factor|: a random row, then
  // per continuous dimension a normal around it truncated to the unit interval, per categorical
  // one the row's choice with probability 1 - h (h capped at (c - 1) / c) and otherwise one of
  // the other choices uniformly, as the Aitchison-Aitken kernel puts its mass.
  std::vector<double> Sample(Rng& rng, double bandwidth_factor) const;

 private:
  // A categorical dimension's bandwidth at which its kernel is uniform over the choices.
  double UniformBandwidth(size_t j) const;

  std::vector<int64_t> choices_;
  std::vector<double> rows_;
  size_t n_ = 0;
  std::vector<double> bandwidths_;
};

}  // namespace automl::internal

#endif  // AUTOML_CORE_SAMPLERS_INTERNAL_BOHB_KDE_H_
