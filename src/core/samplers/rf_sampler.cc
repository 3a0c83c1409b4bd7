#include "automl/samplers/rf_sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "automl/error.h"
#include "automl/random.h"
#include "automl/samplers/random_sampler.h"
#include "automl/study.h"
#include "core/samplers/fresh_points.h"
#include "core/samplers/random_forest.h"
#include "core/samplers/rf_encoding.h"

namespace automl {

using internal::ForestEncoding;
using internal::RandomForest;
using internal::SpacePoint;

namespace {

// Random streams of a trial: the forest's bootstrap, the acquisition search, values for the
// inactive parameters of evaluated points, uniform proposals, and duplicate avoidance.
uint64_t ForestStream() { return kSamplerStream ^ HashName("rf forest"); }
uint64_t SearchStream() { return kSamplerStream ^ HashName("rf search"); }
uint64_t FillStream() { return kSamplerStream ^ HashName("rf fill"); }
uint64_t UniformStream() { return kSamplerStream ^ HashName("rf uniform"); }
uint64_t FallbackStream() { return kSamplerStream ^ HashName("rf fallback"); }

// SMAC3's LocalSearch: steps taken on a plateau before a local search stops; and a bound on the
// steps of one climb, which the plateau rule alone would leave open.
constexpr int kPlateauSteps = 10;
constexpr int kMaxLocalSteps = 100;

void CheckSingleObjective(size_t objectives) {
  if (objectives != 1) {
    throw InvalidArgument("sampler 'rf' optimizes a single objective; the study has " +
                          std::to_string(objectives));
  }
}

double NormalCdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
double NormalPdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI); }

// The |q|-th percentile of |values| with linear interpolation (numpy's default).
double Percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double pos = q / 100.0 * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

// SMAC3's RunHistoryLogScaledEncoder: costs scaled into (0, 1] above a floor below the minimum
// (by the distance from the minimum to the 5th percentile), then logged. The 1e-10 margin is
// relative to the range, so that it survives large costs.
std::vector<double> LogScaled(const std::vector<double>& costs) {
  const auto [lo, hi] = std::minmax_element(costs.begin(), costs.end());
  const double range = *hi - *lo;
  const double floor = *lo - (Percentile(costs, 5) - *lo) - 1e-10 * std::max(1.0, range);
  const double scale = *hi - floor;
  std::vector<double> y;
  y.reserve(costs.size());
  for (double c : costs) {
    y.push_back(scale > 0 ? std::log(std::max((c - floor) / scale, 1e-300)) : 0.0);
  }
  return y;
}

// Expected improvement over |eta| (a minimum) of a normal prediction; with |log|, the model is of
// log costs and this is log-EI: E[max(exp(eta) - exp(Y), 0)] for Y ~ N(mean, variance).
double ExpectedImprovement(double mean, double variance, double eta, double xi, bool log) {
  const double s = std::sqrt(std::max(variance, 0.0));
  const double target = eta - xi;
  if (s < 1e-12) {
    return log ? std::max(std::exp(target) - std::exp(mean), 0.0) : std::max(target - mean, 0.0);
  }
  const double v = (target - mean) / s;
  if (log) {
    const double ei =
        std::exp(target) * NormalCdf(v) - std::exp(mean + 0.5 * variance) * NormalCdf(v - s);
    return std::max(ei, 0.0);
  }
  return std::max((target - mean) * NormalCdf(v) + s * NormalPdf(v), 0.0);
}

// The trials the model learns from: COMPLETE ones with a finite value, in finish order.
std::vector<FrozenTrial> CompleteTrials(const Study& study) {
  std::vector<FrozenTrial> complete;
  for (FrozenTrial& t : study.Trials({TrialState::kComplete})) {
    if (t.values.size() == 1 && std::isfinite(t.values.front())) complete.push_back(std::move(t));
  }
  std::stable_sort(
      complete.begin(), complete.end(),
      [](const FrozenTrial& a, const FrozenTrial& b) { return a.finish_seq < b.finish_seq; });
  return complete;
}

// Uniform proposals drawn in order from a trial's stream, however often they are asked for.
class UniformProposals {
 public:
  UniformProposals(const SearchSpace& space, uint64_t seed) : space_(space), rng_(seed) {}
  const ParamMap& At(size_t k) {
    while (drawn_.size() <= k) drawn_.push_back(internal::UniformProposal(space_, rng_));
    return drawn_[k];
  }

 private:
  const SearchSpace& space_;
  Rng rng_;
  std::vector<ParamMap> drawn_;
};

// One trial's model and acquisition search.
class AcquisitionSearch {
 public:
  AcquisitionSearch(const ForestEncoding& encoding, const RfSamplerOptions& options)
      : encoding_(encoding),
        options_(options),
        forest_(encoding.categories(), ForestOptionsOf(options)) {}

  // Fits the forest to the evaluated points (|costs| to be minimised), then refits it with the
  // running points at their predicted means.
  void Fit(const std::vector<SpacePoint>& points, const std::vector<double>& costs,
           const std::vector<SpacePoint>& running, uint64_t seed) {
    std::vector<std::vector<double>> x;
    x.reserve(points.size());
    for (const SpacePoint& p : points) x.push_back(encoding_.Features(p));
    std::vector<double> y = options_.log_y ? LogScaled(costs) : costs;
    eta_ = *std::min_element(y.begin(), y.end());
    forest_.Fit(x, y, seed);
    if (running.empty()) return;
    for (const SpacePoint& p : running) {
      x.push_back(encoding_.Features(p));
      y.push_back(forest_.Predict(x.back()).mean);
    }
    forest_.Fit(x, y, seed);
  }

  double Acquisition(const SpacePoint& point) const {
    thread_local std::vector<double> features;
    features.resize(static_cast<size_t>(encoding_.num_features()));
    encoding_.Features(point, features.data());
    const internal::ForestPrediction p = forest_.Predict(features.data());
    return ExpectedImprovement(p.mean, p.variance, eta_, options_.xi, options_.log_y);
  }

  // SMAC3's LocalAndSortedRandomSearch: random points and local searches from the best
  // evaluated and the best random points, all sorted by acquisition (best first).
  std::vector<SpacePoint> Proposals(const std::vector<SpacePoint>& best_evaluated, Rng& rng) const {
    std::vector<std::pair<double, SpacePoint>> pool;
    for (int64_t i = 0; i < options_.n_candidates; ++i) {
      SpacePoint p = encoding_.Uniform(rng);
      const double a = Acquisition(p);
      pool.emplace_back(a, std::move(p));
    }
    std::vector<size_t> order(pool.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return pool[a].first > pool[b].first; });
    std::vector<SpacePoint> starts = best_evaluated;
    for (size_t i = 0; i < order.size() && i < static_cast<size_t>(options_.local_search_starts);
         ++i) {
      starts.push_back(pool[order[i]].second);
    }
    for (const SpacePoint& start : starts) pool.push_back(LocalSearch(start, rng));
    std::stable_sort(pool.begin(), pool.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<SpacePoint> proposals;
    proposals.reserve(pool.size());
    for (auto& [a, p] : pool) proposals.push_back(std::move(p));
    return proposals;
  }

 private:
  static internal::ForestOptions ForestOptionsOf(const RfSamplerOptions& o) {
    internal::ForestOptions f;
    f.num_trees = static_cast<int>(o.n_trees);
    f.max_depth = static_cast<int>(o.max_depth);
    f.min_samples_split = static_cast<int>(o.min_samples_split);
    f.min_samples_leaf = static_cast<int>(o.min_samples_leaf);
    f.max_features = o.max_features;
    f.bootstrap = o.bootstrap;
    return f;
  }

  // Climbs to the best one-exchange neighbour while the acquisition improves, walking at most
  // kPlateauSteps steps on a plateau.
  std::pair<double, SpacePoint> LocalSearch(SpacePoint current, Rng& rng) const {
    double value = Acquisition(current);
    int plateau = 0;
    std::vector<SpacePoint> neighbours;
    for (int step = 0; step < kMaxLocalSteps; ++step) {
      neighbours.clear();
      encoding_.Neighbours(current, rng, neighbours);
      double best = -INFINITY;
      size_t best_index = 0;
      for (size_t i = 0; i < neighbours.size(); ++i) {
        const double a = Acquisition(neighbours[i]);
        if (a > best) {
          best = a;
          best_index = i;
        }
      }
      if (neighbours.empty() || best < value || (best == value && ++plateau > kPlateauSteps)) {
        break;
      }
      if (best > value) plateau = 0;
      value = best;
      current = std::move(neighbours[best_index]);
    }
    return {value, std::move(current)};
  }

  const ForestEncoding& encoding_;
  const RfSamplerOptions& options_;
  RandomForest forest_;
  double eta_ = 0;
};

}  // namespace

// ---- Options ------------------------------------------------------------------------------------

RfSamplerOptions RfSamplerOptions::FromComponentOptions(const ComponentOptions& options) {
  RfSamplerOptions o;
  o.n_startup_trials = options.Int("n_startup_trials", o.n_startup_trials, 0);
  o.n_trees = options.Int("n_trees", o.n_trees, 1, 10000);
  o.max_depth = options.Int("max_depth", o.max_depth, 1, 1000);
  o.min_samples_split = options.Int("min_samples_split", o.min_samples_split, 2, 1 << 30);
  o.min_samples_leaf = options.Int("min_samples_leaf", o.min_samples_leaf, 1, 1 << 30);
  o.max_features = options.Double("max_features", o.max_features, 1e-12, 1.0);
  o.bootstrap = options.Bool("bootstrap", o.bootstrap);
  o.log_y = options.Bool("log_y", o.log_y);
  o.random_every = options.Int("random_every", o.random_every, 0, INT64_MAX);
  if (o.random_every == 1) {
    throw InvalidArgument(options.Describe("random_every") +
                          " must be 0 (never random) or at least 2, not 1 (always random)");
  }
  o.n_candidates = options.Int("n_candidates", o.n_candidates, 1, 1 << 24);
  o.local_search_starts = options.Int("local_search_starts", o.local_search_starts, 0, 1 << 16);
  o.xi = options.Double("xi", o.xi, 0.0);
  return o;
}

// ---- The sampler --------------------------------------------------------------------------------

RfSampler::RfSampler(const SearchSpace& space, uint64_t seed, RfSamplerOptions options,
                     const std::vector<Direction>& directions)
    : space_(space),
      seed_(seed),
      options_(options),
      design_(space, seed),
      encoding_(std::make_shared<const ForestEncoding>(space_)) {
  // No directions (a context built by hand) means the study's, checked when sampling.
  if (!directions.empty()) CheckSingleObjective(directions.size());
  const auto check = [](bool ok, const std::string& rule) {
    if (!ok) throw InvalidArgument("sampler 'rf': " + rule);
  };
  check(options_.n_startup_trials >= 0, "n_startup_trials must be at least 0");
  check(options_.n_trees >= 1, "n_trees must be at least 1");
  check(options_.max_depth >= 1, "max_depth must be at least 1");
  check(options_.min_samples_split >= 2, "min_samples_split must be at least 2");
  check(options_.min_samples_leaf >= 1, "min_samples_leaf must be at least 1");
  check(options_.max_features > 0 && options_.max_features <= 1, "max_features must be in (0, 1]");
  check(options_.random_every == 0 || options_.random_every >= 2,
        "random_every must be 0 or at least 2");
  check(options_.n_candidates >= 1, "n_candidates must be at least 1");
  check(options_.local_search_starts >= 0, "local_search_starts must be at least 0");
  check(options_.xi >= 0, "xi must be at least 0");
}

RfSampler::~RfSampler() = default;

std::vector<std::string> RfSampler::RelativeParams(const Study& /*study*/,
                                                   const FrozenTrial& /*trial*/) const {
  std::vector<std::string> names;
  for (const ParamSpec& spec : space_.params()) names.push_back(spec.name());
  return names;
}

ParamMap RfSampler::SampleRelative(const Study& study, const FrozenTrial& trial,
                                   const std::vector<std::string>& /*names*/) const {
  CheckSingleObjective(study.directions().size());
  const auto number = static_cast<uint64_t>(trial.number);
  UniformProposals uniform(space_, DeriveSeed(seed_, number, UniformStream()));
  const std::vector<FrozenTrial> complete = CompleteTrials(study);
  const auto index = static_cast<uint64_t>(trial.sample_index.value_or(trial.number));

  std::function<ParamMap(int)> propose = [&](int k) { return uniform.At(static_cast<size_t>(k)); };
  std::vector<SpacePoint> proposals;
  const bool startup =
      static_cast<int64_t>(complete.size()) < std::max<int64_t>(options_.n_startup_trials, 2);
  if (startup) {
    // The space-filling design; a trial without a sample index (enqueued) has no design point.
    if (trial.sample_index) {
      propose = [&](int k) {
        return k == 0 ? design_.SampleRelative(study, trial, {})
                      : uniform.At(static_cast<size_t>(k));
      };
    }
  } else if (options_.random_every == 0 || index % static_cast<uint64_t>(options_.random_every) !=
                                               static_cast<uint64_t>(options_.random_every) - 1) {
    const ForestEncoding& encoding = *encoding_;
    Rng fill(DeriveSeed(seed_, number, FillStream()));
    const double sign = study.directions().front() == Direction::kMaximize ? -1.0 : 1.0;
    std::vector<SpacePoint> points;
    std::vector<double> costs;
    for (const FrozenTrial& t : complete) {
      points.push_back(encoding.FromParams(t.params, fill));
      costs.push_back(sign * t.values.front());
    }
    std::vector<SpacePoint> running;
    for (const FrozenTrial& t : study.Trials({TrialState::kRunning})) {
      if (t.has_params && t.number != trial.number)
        running.push_back(encoding.FromParams(t.params, fill));
    }
    AcquisitionSearch search(encoding, options_);
    search.Fit(points, costs, running, DeriveSeed(seed_, number, ForestStream()));

    std::vector<size_t> order(points.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return costs[a] < costs[b]; });
    std::vector<SpacePoint> best;
    for (size_t i = 0; i < order.size() && i < static_cast<size_t>(options_.local_search_starts);
         ++i) {
      best.push_back(points[order[i]]);
    }
    Rng rng(DeriveSeed(seed_, number, SearchStream()));
    proposals = search.Proposals(best, rng);
    propose = [&](int k) {
      const auto i = static_cast<size_t>(k);
      return i < proposals.size() ? encoding.ToParams(proposals[i]) : uniform.At(i);
    };
  }
  return internal::PickFreshProposal(study, space_, trial, seed_, FallbackStream(), propose);
}

ParamValue RfSampler::SampleIndependent(const Study& /*study*/, const FrozenTrial& trial,
                                        const ParamSpec& param) const {
  return SampleUniform(seed_, trial, param);
}

}  // namespace automl
