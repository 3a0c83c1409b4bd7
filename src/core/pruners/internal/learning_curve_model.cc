#include "core/pruners/internal/learning_curve_model.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "automl/random.h"
#include "core/pruners/internal/curve_families.h"
#include "core/pruners/internal/ensemble_sampler.h"

namespace automl::internal {
namespace {

using Eigen::VectorXd;

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();
// The reference code's starting ball around the least-squares point.
constexpr double kStartRadius = 1e-6;
// A floor for the starting sigma: a noiseless curve fitted exactly would start at sigma = 0,
// outside the prior.
constexpr double kMinStartSigma = 1e-6;
// Tries at a perturbed start inside the prior before a walker starts at the centre itself.
constexpr int kStartTries = 20;

// The combined model over the families that survived their least-squares fits. The parameter
// vector xi is [theta_1 .. theta_K, sigma, w_1 .. w_K].
class CombinedCurve {
 public:
  CombinedCurve(std::vector<const CurveFamily*> families, const std::vector<double>& x,
                std::vector<double> y, const LearningCurveModelOptions& options)
      : families_(std::move(families)),
        y_(std::move(y)),
        at_(WithEnds(x, options.x_max)),
        at_max_({options.x_max}),
        options_(options) {
    for (const CurveFamily* family : families_) {
      offsets_.push_back(dim_);
      dim_ += family->num_params;
    }
    sigma_index_ = dim_;
    dim_ += 1 + static_cast<int>(families_.size());
  }

  int dim() const { return dim_; }

  // Whether one family's values at at_ (the data, then x = 1, then x_max) satisfy its prior: all
  // finite, increasing from 1 to x_max, plausible at x_max.
  bool FamilyPlausible(const std::vector<double>& values) const {
    const size_t n = y_.size();
    for (const double v : values) {
      if (!std::isfinite(v)) return false;
    }
    return values[n] <= values[n + 1] && Plausible(values[n + 1]);
  }

  // log p(xi | data) up to a constant; -infinity outside the prior's support.
  double LogPosterior(const VectorXd& xi) const {
    const double sigma = xi[sigma_index_];
    if (!(sigma > 0)) return kMinusInfinity;
    const auto weights = xi.tail(static_cast<Eigen::Index>(families_.size()));
    if ((weights.array() < 0).any()) return kMinusInfinity;
    const double total_weight = weights.sum();
    if (!(total_weight > 0)) return kMinusInfinity;

    const size_t points = at_.x.size();
    std::vector<double> combined(points, 0.0);
    std::vector<double> values(points);
    for (size_t k = 0; k < families_.size(); ++k) {
      families_[k]->evaluate(xi.data() + offsets_[k], at_, values.data());
      if (!FamilyPlausible(values)) return kMinusInfinity;
      const double w = weights[static_cast<Eigen::Index>(k)] / total_weight;
      for (size_t i = 0; i < points; ++i) combined[i] += w * values[i];
    }
    const size_t n = y_.size();
    // The paper's prior: an increasing curve, plausible at x_max.
    if (!(combined[n] < combined[n + 1]) || !Plausible(combined[n + 1])) return kMinusInfinity;

    double squares = 0;
    for (size_t i = 0; i < n; ++i) squares += (y_[i] - combined[i]) * (y_[i] - combined[i]);
    return -static_cast<double>(n) * std::log(sigma) - squares / (2 * sigma * sigma);
  }

  // f_comb(x_max | xi).
  double ValueAtMax(const VectorXd& xi) const {
    const auto weights = xi.tail(static_cast<Eigen::Index>(families_.size()));
    double value = 0;
    for (size_t k = 0; k < families_.size(); ++k) {
      double v = 0;
      families_[k]->evaluate(xi.data() + offsets_[k], at_max_, &v);
      value += weights[static_cast<Eigen::Index>(k)] * v;
    }
    return value / weights.sum();
  }

  double Sigma(const VectorXd& xi) const { return xi[sigma_index_]; }

  // The reference code's starting point: the families' fits, equal weights, and sigma the
  // standard deviation of the equally weighted combination's residuals.
  VectorXd Start(const std::vector<VectorXd>& fits) const {
    VectorXd xi(dim_);
    const size_t n = y_.size();
    std::vector<double> combined(at_.x.size(), 0.0);
    std::vector<double> values(at_.x.size());
    for (size_t k = 0; k < families_.size(); ++k) {
      xi.segment(offsets_[k], families_[k]->num_params) = fits[k];
      families_[k]->evaluate(fits[k].data(), at_, values.data());
      for (size_t i = 0; i < n; ++i) combined[i] += values[i] / static_cast<double>(fits.size());
    }
    VectorXd residuals(static_cast<Eigen::Index>(n));
    for (size_t i = 0; i < n; ++i) residuals[static_cast<Eigen::Index>(i)] = y_[i] - combined[i];
    const double sigma = std::sqrt((residuals.array() - residuals.mean()).square().mean());
    xi[sigma_index_] = std::max(sigma, kMinStartSigma);
    xi.tail(static_cast<Eigen::Index>(families_.size())).setOnes();
    return xi;
  }

 private:
  static Abscissae WithEnds(std::vector<double> x, double x_max) {
    x.push_back(1.0);
    x.push_back(x_max);
    return Abscissae(std::move(x));
  }

  bool Plausible(double value) const {
    return value >= options_.plausible_min && value <= options_.plausible_max;
  }

  std::vector<const CurveFamily*> families_;
  std::vector<double> y_;
  Abscissae at_;      // the data's x, then 1 and x_max for the prior
  Abscissae at_max_;  // x_max alone, for predictions
  LearningCurveModelOptions options_;
  std::vector<int> offsets_;  // where each family's parameters start in xi
  int sigma_index_ = 0;
  int dim_ = 0;
};

// The walkers' starting positions: a ball of kStartRadius around |centre|, each inside the
// prior's support (a perturbation that leaves it is drawn again, then given up for the centre).
Eigen::MatrixXd StartingWalkers(const CombinedCurve& model, const VectorXd& centre, int walkers,
                                Rng& rng) {
  Eigen::MatrixXd start(centre.size(), walkers);
  for (int k = 0; k < walkers; ++k) {
    start.col(k) = centre;
    for (int attempt = 0; attempt < kStartTries; ++attempt) {
      VectorXd candidate = centre;
      for (Eigen::Index d = 0; d < candidate.size(); ++d)
        candidate[d] += kStartRadius * rng.Normal();
      if (std::isfinite(model.LogPosterior(candidate))) {
        start.col(k) = candidate;
        break;
      }
    }
  }
  return start;
}

}  // namespace

std::optional<LearningCurveModel> LearningCurveModel::Fit(const std::vector<double>& x,
                                                          const std::vector<double>& y,
                                                          const LearningCurveModelOptions& options,
                                                          uint64_t seed) {
  // Each family alone first, kept if its fit satisfies the prior (as a combination of one).
  const Abscissae at_data(x);
  std::vector<const CurveFamily*> families;
  std::vector<VectorXd> fits;
  for (const CurveFamily& family : CurveFamilies()) {
    const std::optional<VectorXd> fit = FitCurveFamily(family, at_data, y);
    if (!fit) continue;
    const CombinedCurve alone({&family}, x, y, options);
    VectorXd xi(alone.dim());
    xi << *fit, 1.0, 1.0;  // any sigma > 0 and weight > 0: only the prior's support matters
    if (!std::isfinite(alone.LogPosterior(xi))) continue;
    families.push_back(&family);
    fits.push_back(*fit);
  }
  if (families.empty()) return std::nullopt;

  const CombinedCurve model(families, x, y, options);
  const VectorXd centre = model.Start(fits);
  if (!std::isfinite(model.LogPosterior(centre))) return std::nullopt;

  LearningCurveModel result;
  for (const CurveFamily* family : families) result.families_.push_back(family->name);
  result.walkers_ = std::max(options.walkers, 2 * model.dim());
  Rng rng(seed);
  const Eigen::MatrixXd start = StartingWalkers(model, centre, result.walkers_, rng);
  EnsembleSamplerOptions sampler;
  sampler.steps = options.mcmc_steps;
  sampler.burn_in = options.burn_in;
  const EnsembleSamples samples = SampleEnsemble(
      [&model](const VectorXd& xi) { return model.LogPosterior(xi); }, start, sampler, rng);
  result.acceptance_fraction_ = samples.acceptance_fraction;
  result.predictions_.reserve(static_cast<size_t>(samples.positions.cols()));
  for (Eigen::Index s = 0; s < samples.positions.cols(); ++s) {
    const VectorXd xi = samples.positions.col(s);
    result.predictions_.push_back({model.ValueAtMax(xi), model.Sigma(xi)});
  }
  return result;
}

double LearningCurveModel::ProbabilityAbove(double threshold) const {
  if (predictions_.empty()) return 0.5;
  double sum = 0;
  for (const Prediction& p : predictions_) {
    // 1 - Phi((threshold - mean) / sigma).
    sum += 0.5 * std::erfc((threshold - p.mean) / (p.sigma * std::sqrt(2.0)));
  }
  return sum / static_cast<double>(predictions_.size());
}

double LearningCurveModel::PredictiveMean() const {
  double sum = 0;
  for (const Prediction& p : predictions_) sum += p.mean;
  return predictions_.empty() ? 0 : sum / static_cast<double>(predictions_.size());
}

}  // namespace automl::internal
