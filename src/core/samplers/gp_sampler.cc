#include "automl/samplers/gp_sampler.h"

#include <Eigen/Core>
#include <algorithm>
#include <boost/random/sobol.hpp>
#include <cmath>
#include <functional>
#include <limits>
#include <list>
#include <mutex>
#include <numeric>
#include <set>
#include <string>
#include <utility>

#include "automl/error.h"
#include "automl/random.h"
#include "automl/samplers/random_sampler.h"
#include "automl/study.h"
#include "core/samplers/internal/acquisition.h"
#include "core/samplers/internal/acquisition_optimizer.h"
#include "core/samplers/internal/gaussian_process.h"
#include "core/samplers/internal/output_warping.h"

namespace automl {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using internal::GpHyperparameters;
using internal::SearchDimension;

// Random streams of their own (DeriveSeed's third argument), so that no two uses share numbers.
constexpr uint64_t kAcquisitionStream = 0x67702d61637166ULL;  // "gp-acqf"
constexpr uint64_t kFitStream = 0x67702d666974ULL;            // "gp-fit"
constexpr uint64_t kRetryStream = 0x67702d7265747279ULL;      // "gp-retry"
constexpr uint64_t kStartupStream = 0x67702d7374617274ULL;    // "gp-start"

// Memoized fits kept; older ones are recomputed if ever needed again.
constexpr size_t kCachedFits = 32;
// Good observed points the acquisition optimizer perturbs and starts from.
constexpr Index kIncumbents = 5;
// Random starts of a fit, besides the default and the previous fit, while fits are cheap.
constexpr int kRandomFitStarts = 2;
// Proposals of random parameters tried before enumerating a discrete space's untried points.
constexpr int kRandomRetries = 256;
// A discrete space with at most this many points is enumerated to find an untried one.
constexpr size_t kMaxEnumerated = 100000;
// Scoring a global candidate costs O(n^2) with n observations (the posterior variance's
// triangular solve). Up to this many observations the global phase scores `candidates` points;
// beyond, their number shrinks as 1/n^2, which keeps its cost level, but never below
// kMinGlobalCandidates: by then the local phase from the incumbents matters most.
constexpr double kFullGlobalPhaseObservations = 150;
constexpr int64_t kMinGlobalCandidates = 256;

// ---- History -----------------------------------------------------------------------------------

// What a suggestion depends on, read once from the study.
struct History {
  std::vector<FrozenTrial> trials;
  std::vector<const FrozenTrial*> observations;  // COMPLETE, in the order they finished
  std::vector<const FrozenTrial*> running;       // RUNNING with parameters, by number
  std::set<ParamMap> taken;                      // parameters of every trial that has them
};

History ReadHistory(const Study& study, const FrozenTrial& trial) {
  History history;
  history.trials = study.Trials();
  for (const FrozenTrial& t : history.trials) {
    if (t.number == trial.number || !t.has_params) continue;
    if (t.state == TrialState::kWaiting) continue;  // not yet asked for: it may never run
    history.taken.insert(t.params);
    if (t.state == TrialState::kComplete && t.values.size() == 1) {
      history.observations.push_back(&t);
    } else if (t.state == TrialState::kRunning) {
      history.running.push_back(&t);
    }
  }
  // Finishing order makes the first c observations a stable prefix: a trial finishing later only
  // ever appends, which is what lets fits of a prefix be memoized.
  std::stable_sort(history.observations.begin(), history.observations.end(),
                   [](const FrozenTrial* a, const FrozenTrial* b) {
                     return std::make_pair(a->finish_seq, a->number) <
                            std::make_pair(b->finish_seq, b->number);
                   });
  return history;
}

// ---- Encoding ----------------------------------------------------------------------------------

SearchDimension::Kind KindOf(const ParamSpec& spec) {
  if (spec.type() == ParamType::kCategorical) return SearchDimension::Kind::kCategorical;
  if (spec.type() == ParamType::kFloat && !spec.step()) return SearchDimension::Kind::kContinuous;
  return SearchDimension::Kind::kOrdered;
}

// A value's model coordinate: its place in [0, 1] (log scale for log parameters, the centre of
// its cell for discrete ones), or a categorical choice's index.
double Encode(const ParamSpec& spec, const ParamValue& value) {
  if (spec.type() == ParamType::kCategorical) return static_cast<double>(spec.IndexOf(value));
  return std::clamp(spec.ToUnit(value), 0.0, 1.0);
}

ParamValue Decode(const ParamSpec& spec, double coordinate) {
  if (spec.type() == ParamType::kCategorical) {
    const double last = static_cast<double>(*spec.Cardinality() - 1);
    return spec.ValueAt(static_cast<uint64_t>(std::clamp(std::round(coordinate), 0.0, last)));
  }
  return spec.FromUnit(coordinate);
}

SearchDimension DimensionOf(const ParamSpec& spec) {
  SearchDimension dim;
  dim.kind = KindOf(spec);
  if (dim.kind == SearchDimension::Kind::kContinuous) return dim;
  dim.cardinality = *spec.Cardinality();
  dim.coordinate_of = [&spec](uint64_t index) { return spec.ToUnit(spec.ValueAt(index)); };
  dim.index_of = [&spec](double u) { return spec.IndexOf(spec.FromUnit(u)); };
  return dim;
}

// Whether every parameter of |params| is discrete, so that the set could be repeated exactly.
bool AllDiscrete(const SearchSpace& space, const ParamMap& params) {
  for (const auto& [name, value] : params) {
    if (!space.Get(name).is_discrete()) return false;
  }
  return true;
}

bool IsRepeat(const SearchSpace& space, const History& history, const ParamMap& params) {
  return AllDiscrete(space, params) && history.taken.count(params) > 0;
}

// What the GP regresses: the values to minimize, standardized, and power-transformed when
// `output_warping` is on.
VectorXd ModelOutputs(const VectorXd& y, const GpSamplerOptions& options) {
  return options.output_warping ? internal::WarpOutputs(y) : internal::Standardize(y);
}

GpHyperparameters DefaultHyperparameters(Index dims, double noise) {
  GpHyperparameters h;
  h.inverse_squared_lengthscales = VectorXd::Ones(dims);
  h.signal_variance = 1.0;
  h.noise_variance = noise;
  return h;
}

GpHyperparameters RandomHyperparameters(Index dims, double noise_floor, Rng& rng) {
  GpHyperparameters h;
  h.inverse_squared_lengthscales.resize(dims);
  for (Index d = 0; d < dims; ++d) {
    const double lengthscale = std::exp(rng.Uniform(std::log(0.05), std::log(2.0)));
    h.inverse_squared_lengthscales[d] = 1.0 / (lengthscale * lengthscale);
  }
  h.signal_variance = rng.Uniform(0.5, 2.0);
  h.noise_variance = std::exp(rng.Uniform(std::log(std::max(noise_floor, 1e-6)), std::log(0.1)));
  return h;
}

// The model's data: observations' coordinates (in finishing order) and values to minimize.
struct ModelData {
  std::vector<const ParamSpec*> params;  // model columns, in the space's order
  internal::GpInputs inputs;
  VectorXd y;
  std::string signature;  // names of the columns: what a cached fit must have been fitted on
};

// The parameters active in every observation (Optuna's intersection search space), minus fixed
// ones, which carry no information.
std::vector<const ParamSpec*> ModelParams(const SearchSpace& space, const History& history) {
  std::vector<const ParamSpec*> params;
  for (const ParamSpec& spec : space.params()) {
    if (spec.type() == ParamType::kFixed) continue;
    const bool everywhere = std::all_of(history.observations.begin(), history.observations.end(),
                                        [&spec](const FrozenTrial* t) {
                                          auto it = t->params.find(spec.name());
                                          return it != t->params.end() && spec.Contains(it->second);
                                        });
    if (everywhere) params.push_back(&spec);
  }
  return params;
}

// Coordinates of |params| in |trial|; false when one is missing.
bool EncodeTrial(const std::vector<const ParamSpec*>& params, const ParamMap& values,
                 Eigen::Ref<VectorXd> row) {
  for (size_t d = 0; d < params.size(); ++d) {
    auto it = values.find(params[d]->name());
    if (it == values.end() || !params[d]->Contains(it->second)) return false;
    row[static_cast<Index>(d)] = Encode(*params[d], it->second);
  }
  return true;
}

ModelData BuildModelData(const SearchSpace& space, const History& history, Direction direction) {
  ModelData data;
  data.params = ModelParams(space, history);
  const auto n = static_cast<Index>(history.observations.size());
  const auto dims = static_cast<Index>(data.params.size());
  data.inputs.x.resize(n, dims);
  data.y.resize(n);
  for (const ParamSpec* spec : data.params) {
    data.inputs.categorical.push_back(spec->type() == ParamType::kCategorical);
    data.signature += spec->name() + '\x1f';
  }
  for (Index i = 0; i < n; ++i) {
    const FrozenTrial& t = *history.observations[static_cast<size_t>(i)];
    VectorXd row(dims);
    EncodeTrial(data.params, t.params, row);  // every observation has every model parameter
    data.inputs.x.row(i) = row.transpose();
    data.y[i] = direction == Direction::kMaximize ? -t.values[0] : t.values[0];
  }
  return data;
}

}  // namespace

// ---- The fit cache -----------------------------------------------------------------------------

// Memoized hyperparameter fits, each with the exact data it was fitted on: an entry is used only
// for the same columns and the same prefix of observations, so what the cache holds never
// changes a result, only how long it takes.
class internal::GpFitCache {
 public:
  std::optional<GpHyperparameters> Find(const std::string& signature, const MatrixXd& x,
                                        const VectorXd& y) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->signature == signature && it->x.rows() == x.rows() && it->x == x && it->y == y) {
        entries_.splice(entries_.begin(), entries_, it);  // most recently used first
        return entries_.front().h;
      }
    }
    return std::nullopt;
  }

  void Store(const std::string& signature, MatrixXd x, VectorXd y, const GpHyperparameters& h) {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.push_front({signature, std::move(x), std::move(y), h});
    if (entries_.size() > kCachedFits) entries_.pop_back();
  }

 private:
  struct Entry {
    std::string signature;
    MatrixXd x;
    VectorXd y;
    GpHyperparameters h;
  };
  mutable std::mutex mutex_;
  mutable std::list<Entry> entries_;
};

namespace {

// Everything one suggestion needs, so that the steps below can be small functions.
struct Request {
  const SearchSpace& space;
  const GpSamplerOptions& options;
  uint64_t seed;
  const FrozenTrial& trial;
  const History& history;
  ParamMap given;  // values fixed before sampling (an enqueued trial's)
};

// Walks the space as Study does (parents first, inactive parameters dropped, given values kept)
// and takes the other values from |value_of|.
ParamMap Walk(const Request& request,
              const std::function<ParamValue(const ParamSpec&, size_t)>& value_of) {
  ParamMap params = request.given;
  const std::vector<ParamSpec>& specs = request.space.params();
  for (size_t i = 0; i < specs.size(); ++i) {
    const ParamSpec& spec = specs[i];
    if (!request.space.IsActive(spec, params)) {
      params.erase(spec.name());
      continue;
    }
    if (params.count(spec.name()) == 0) params.emplace(spec.name(), value_of(spec, i));
  }
  return params;
}

// A parameter outside the model: drawn as RandomSampler draws it (attempt 0), or from a stream
// of its own for later attempts at avoiding a repeat.
ParamValue IndependentValue(const Request& request, const ParamSpec& spec, uint64_t attempt) {
  if (attempt == 0) return SampleUniform(request.seed, request.trial, spec);
  Rng rng(DeriveSeed(request.seed, static_cast<uint64_t>(request.trial.number),
                     kRetryStream ^ HashName(spec.name()) ^ Mix64(attempt)));
  return spec.FromUnit(rng.Uniform());
}

ParamMap RandomParams(const Request& request, uint64_t attempt) {
  return Walk(request, [&](const ParamSpec& spec, size_t) {
    return IndependentValue(request, spec, attempt);
  });
}

// Every complete parameter set of a discrete space that no trial has had, in the space's order;
// empty when there is none or when the space is continuous or too large to list.
std::vector<ParamMap> UntriedPoints(const Request& request) {
  std::vector<ParamMap> untried;
  bool too_large = false;
  size_t listed = 0;
  ParamMap current;
  const std::vector<ParamSpec>& specs = request.space.params();
  std::function<void(size_t)> visit = [&](size_t i) {
    if (too_large) return;
    if (i == specs.size()) {
      if (++listed > kMaxEnumerated) too_large = true;
      if (!request.history.taken.count(current)) untried.push_back(current);
      return;
    }
    const ParamSpec& spec = specs[i];
    if (!request.space.IsActive(spec, current)) return visit(i + 1);
    auto given = request.given.find(spec.name());
    if (given != request.given.end()) {
      current.insert_or_assign(spec.name(), given->second);
      visit(i + 1);
      current.erase(spec.name());
      return;
    }
    if (!spec.is_discrete() || *spec.Cardinality() > kMaxEnumerated) {
      too_large = true;
      return;
    }
    for (uint64_t k = 0; k < *spec.Cardinality() && !too_large; ++k) {
      current.insert_or_assign(spec.name(), spec.ValueAt(k));
      visit(i + 1);
    }
    current.erase(spec.name());
  };
  visit(0);
  if (too_large) untried.clear();
  return untried;
}

// The first proposal that does not repeat a discrete trial: |proposal(attempt)| for attempts
// 0 .. |attempts| - 1, then random ones, then |pick| over the untried points. When every point has
// been tried, the first proposal.
ParamMap FirstUnrepeated(const Request& request, size_t attempts,
                         const std::function<ParamMap(size_t)>& proposal,
                         const std::function<ParamMap(const std::vector<ParamMap>&)>& pick) {
  ParamMap first = proposal(0);
  if (!IsRepeat(request.space, request.history, first)) return first;
  for (size_t a = 1; a < attempts; ++a) {
    ParamMap params = proposal(a);
    if (!IsRepeat(request.space, request.history, params)) return params;
  }
  for (int a = 1; a <= kRandomRetries; ++a) {
    ParamMap params = RandomParams(request, static_cast<uint64_t>(a));
    if (!IsRepeat(request.space, request.history, params)) return params;
  }
  const std::vector<ParamMap> untried = UntriedPoints(request);
  return untried.empty() ? first : pick(untried);
}

// A uniformly chosen untried point.
ParamMap PickRandom(const Request& request, const std::vector<ParamMap>& untried) {
  Rng rng(DeriveSeed(request.seed, static_cast<uint64_t>(request.trial.number), kRetryStream));
  return untried[rng.Below(untried.size())];
}

// ---- Fitting -----------------------------------------------------------------------------------

// The smallest noise variance of standardized values: small enough to interpolate a smooth
// deterministic objective closely, large enough to keep the covariance well conditioned.
constexpr double kNoiseFloor = 1e-6;

internal::GpFitOptions FitOptions(const GpSamplerOptions& options) {
  internal::GpFitOptions fit;
  fit.noise_floor = kNoiseFloor;
  fit.fix_noise = options.deterministic;
  return fit;
}

// Fits hyperparameters to the first |count| observations. Up to refit_until observations, from
// the defaults, the previous fit and random starts (cheap while the data are few, and where a
// poor optimum is most likely). Beyond, a refit moves the previous optimum a little: the previous
// fit alone is the start (as in Optuna's GPSampler), so a refit costs a few L-BFGS iterations.
GpHyperparameters FitPrefix(const ModelData& data, int64_t count,
                            const std::optional<GpHyperparameters>& previous,
                            const GpSamplerOptions& options, uint64_t seed) {
  const auto rows = static_cast<Index>(count);
  const internal::GpInputs inputs{data.inputs.x.topRows(rows), data.inputs.categorical};
  const VectorXd y = ModelOutputs(data.y.head(rows), options);
  if (previous && count > options.refit_until) {
    return internal::FitHyperparameters(inputs, y, {*previous}, FitOptions(options));
  }
  const Index dims = inputs.x.cols();
  std::vector<GpHyperparameters> starts = {
      DefaultHyperparameters(dims, options.deterministic ? kNoiseFloor : 1e-3)};
  if (previous) starts.push_back(*previous);
  Rng rng(DeriveSeed(seed, static_cast<uint64_t>(count), kFitStream));
  for (int k = 0; k < kRandomFitStarts; ++k) {
    starts.push_back(RandomHyperparameters(dims, kNoiseFloor, rng));
  }
  return internal::FitHyperparameters(inputs, y, starts, FitOptions(options));
}

// The hyperparameters for all of |data|: the fit at the last scheduled count, each scheduled fit
// from the first at or below n_startup warm-starting the next. Memoized fits are reused; the
// missing ones are computed in order, so a cold cache gives the same result, only later.
GpHyperparameters FitFor(const ModelData& data, const std::vector<int64_t>& schedule,
                         const GpSamplerOptions& options, uint64_t seed,
                         internal::GpFitCache& cache) {
  size_t first = 0;
  for (size_t k = 0; k < schedule.size(); ++k) {
    if (schedule[k] <= options.n_startup) first = k;
  }
  const std::vector<int64_t> chain(schedule.begin() + static_cast<std::ptrdiff_t>(first),
                                   schedule.end());
  const auto prefix_x = [&](int64_t c) { return data.inputs.x.topRows(static_cast<Index>(c)); };
  const auto prefix_y = [&](int64_t c) { return data.y.head(static_cast<Index>(c)); };

  std::optional<GpHyperparameters> previous;
  size_t next = 0;
  for (size_t k = chain.size(); k-- > 0;) {
    previous = cache.Find(data.signature, prefix_x(chain[k]), prefix_y(chain[k]));
    if (previous) {
      next = k + 1;
      break;
    }
  }
  for (size_t k = next; k < chain.size(); ++k) {
    previous = FitPrefix(data, chain[k], previous, options, seed);
    cache.Store(data.signature, prefix_x(chain[k]), prefix_y(chain[k]), *previous);
  }
  return *previous;
}

// ---- Proposals ---------------------------------------------------------------------------------

// A startup trial: the study's next Sobol' point (random for enqueued trials, which have no
// place in the sequence).
ParamMap StartupProposal(const Request& request, const std::optional<SobolSampler>& sobol) {
  std::vector<double> u;
  const std::optional<int64_t>& index = request.trial.sample_index;
  if (sobol && index && *index >= 0 && *index < (int64_t{1} << 32)) {
    u = sobol->UnitPoint(static_cast<uint64_t>(*index));
  }
  const auto proposal = [&](size_t attempt) {
    if (attempt > 0 || u.empty()) return RandomParams(request, attempt);
    return Walk(request, [&u](const ParamSpec& spec, size_t i) { return spec.FromUnit(u[i]); });
  };
  return FirstUnrepeated(request, 1, proposal, [&](const std::vector<ParamMap>& untried) {
    return PickRandom(request, untried);
  });
}

internal::AcquisitionKind KindOf(GpAcquisition acquisition) {
  switch (acquisition) {
    case GpAcquisition::kEi:
      return internal::AcquisitionKind::kLogEi;
    case GpAcquisition::kPi:
      return internal::AcquisitionKind::kLogPi;
    case GpAcquisition::kUcb:
      return internal::AcquisitionKind::kUcb;
  }
  return internal::AcquisitionKind::kLogEi;
}

// The running trials' coordinates, as rows (those missing a model parameter are left out).
MatrixXd PendingPoints(const ModelData& data, const History& history) {
  std::vector<VectorXd> rows;
  for (const FrozenTrial* t : history.running) {
    VectorXd row(static_cast<Index>(data.params.size()));
    if (EncodeTrial(data.params, t->params, row)) rows.push_back(std::move(row));
  }
  MatrixXd points(static_cast<Index>(rows.size()), static_cast<Index>(data.params.size()));
  for (size_t i = 0; i < rows.size(); ++i) points.row(static_cast<Index>(i)) = rows[i].transpose();
  return points;
}

// The best observations' coordinates, best first.
MatrixXd Incumbents(const ModelData& data) {
  std::vector<Index> order(static_cast<size_t>(data.y.size()));
  std::iota(order.begin(), order.end(), Index{0});
  const size_t k = std::min(order.size(), static_cast<size_t>(kIncumbents));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&data](Index a, Index b) {
                      return std::make_pair(data.y[a], a) < std::make_pair(data.y[b], b);
                    });
  MatrixXd rows(static_cast<Index>(k), data.inputs.x.cols());
  for (size_t i = 0; i < k; ++i) rows.row(static_cast<Index>(i)) = data.inputs.x.row(order[i]);
  return rows;
}

int64_t GlobalCandidates(int64_t candidates, Index observations) {
  const double ratio = kFullGlobalPhaseObservations / static_cast<double>(observations);
  if (ratio >= 1) return candidates;
  const auto scaled =
      static_cast<int64_t>(std::ceil(static_cast<double>(candidates) * ratio * ratio));
  return std::min(candidates, std::max(scaled, kMinGlobalCandidates));
}

// A model trial: the acquisition's best point for the model's parameters, independent values for
// the others; down the acquisition's ranking when that repeats a discrete trial.
ParamMap ModelProposal(const Request& request, const ModelData& data,
                       const GpHyperparameters& hyperparameters) {
  const internal::GaussianProcess gp(data.inputs, ModelOutputs(data.y, request.options),
                                     hyperparameters);
  const internal::GaussianProcess believer = gp.WithFantasies(PendingPoints(data, request.history));
  // Improvement is measured from the best posterior mean at an observation, which is the best
  // value for a noise-free objective and does not chase a lucky draw for a noisy one. The
  // running trials' believed values count (Ginsbourger et al.: fantasies join the data), or a
  // running trial predicted to improve would leave its neighbourhood just as attractive.
  const double threshold = believer.MeanAtInputs().minCoeff();
  const internal::AcquisitionFunction acquisition(believer, KindOf(request.options.acquisition),
                                                  threshold, request.options.beta);

  std::vector<SearchDimension> dims;
  std::vector<Index> column_of(request.space.size(), -1);  // by position in the space
  for (size_t d = 0; d < data.params.size(); ++d) {
    const ParamSpec& spec = *data.params[d];
    dims.push_back(DimensionOf(spec));
    auto given = request.given.find(spec.name());
    if (given != request.given.end()) dims.back().fixed = Encode(spec, given->second);
    column_of[static_cast<size_t>(&spec - request.space.params().data())] = static_cast<Index>(d);
  }
  internal::AcquisitionOptimizerOptions optimizer;
  optimizer.candidates =
      static_cast<int>(GlobalCandidates(request.options.candidates, data.y.size()));
  optimizer.local_starts = static_cast<int>(request.options.local_starts);
  const std::vector<internal::ScoredPoint> ranked = internal::MaximizeAcquisition(
      acquisition, dims, Incumbents(data),
      DeriveSeed(request.seed, static_cast<uint64_t>(request.trial.number), kAcquisitionStream),
      optimizer);

  const auto proposal = [&](size_t attempt) {
    return Walk(request, [&](const ParamSpec& spec, size_t i) {
      const Index column = column_of[i];
      return column >= 0 ? Decode(spec, ranked[attempt].x[column])
                         : IndependentValue(request, spec, attempt);
    });
  };
  // Among untried points, the one the acquisition likes best.
  const auto pick = [&](const std::vector<ParamMap>& untried) {
    double best_value = -std::numeric_limits<double>::infinity();
    std::optional<size_t> best;
    VectorXd row(static_cast<Index>(data.params.size()));
    for (size_t i = 0; i < untried.size(); ++i) {
      if (!EncodeTrial(data.params, untried[i], row)) continue;
      const double value = acquisition.Evaluate(row.transpose())[0];
      if (!best || value > best_value) {
        best = i;
        best_value = value;
      }
    }
    return best ? untried[*best] : PickRandom(request, untried);
  };
  return FirstUnrepeated(request, ranked.size(), proposal, pick);
}

}  // namespace

// ---- Options -----------------------------------------------------------------------------------

GpSamplerOptions GpSamplerOptions::FromComponentOptions(const ComponentOptions& options) {
  GpSamplerOptions gp;
  gp.n_startup = options.Int("n_startup", gp.n_startup, 1, 1000000);
  const std::string acquisition = options.String("acquisition", "ei");
  if (acquisition == "ei") {
    gp.acquisition = GpAcquisition::kEi;
  } else if (acquisition == "pi") {
    gp.acquisition = GpAcquisition::kPi;
  } else if (acquisition == "ucb") {
    gp.acquisition = GpAcquisition::kUcb;
  } else {
    throw InvalidArgument(options.Describe("acquisition") + " must be ei, pi or ucb, not '" +
                          acquisition + "'");
  }
  gp.beta = options.Double("beta", gp.beta, 0.0, 1e6);
  if (!(gp.beta > 0)) throw InvalidArgument(options.Describe("beta") + " must be positive");
  gp.candidates = options.Int("candidates", gp.candidates, 16, 1000000);
  gp.local_starts = options.Int("local_starts", gp.local_starts, 0, 100);
  gp.deterministic = options.Bool("deterministic", gp.deterministic);
  gp.refit_until = options.Int("refit_until", gp.refit_until, 1, 1000000);
  gp.refit_growth = options.Double("refit_growth", gp.refit_growth, 0.0, 10.0);
  gp.output_warping = options.Bool("output_warping", gp.output_warping);
  return gp;
}

// ---- The sampler -------------------------------------------------------------------------------

GpSampler::GpSampler(const SearchSpace& space, uint64_t seed, GpSamplerOptions options,
                     const std::vector<Direction>& directions)
    : space_(space),
      seed_(seed),
      options_(options),
      fits_(std::make_unique<internal::GpFitCache>()) {
  if (directions.size() > 1) {
    throw InvalidArgument("sampler 'gp' optimizes a single objective; this study has " +
                          std::to_string(directions.size()));
  }
  if (space_.size() <= boost::random::default_sobol_table::max_dimension) {
    startup_.emplace(space_, seed_);
  }
}

GpSampler::~GpSampler() = default;

std::vector<int64_t> GpSampler::RefitSchedule(int64_t n) const {
  std::vector<int64_t> counts;
  for (int64_t c = 1; c <= std::min(n, options_.refit_until); ++c) counts.push_back(c);
  int64_t c = options_.refit_until;
  while (true) {
    const auto grown = static_cast<int64_t>(
        std::ceil(static_cast<double>(c) * (1.0 + options_.refit_growth) - 1e-9));
    c = std::max(c + 1, grown);
    if (c > n) break;
    counts.push_back(c);
  }
  return counts;
}

std::vector<std::string> GpSampler::RelativeParams(const Study& /*study*/,
                                                   const FrozenTrial& /*trial*/) const {
  std::vector<std::string> names;
  for (const ParamSpec& spec : space_.params()) names.push_back(spec.name());
  return names;
}

ParamMap GpSampler::SampleRelative(const Study& study, const FrozenTrial& trial,
                                   const std::vector<std::string>& /*names*/) const {
  if (study.directions().size() != 1) {
    throw InvalidArgument("sampler 'gp' optimizes a single objective; study '" + study.name() +
                          "' has " + std::to_string(study.directions().size()));
  }
  const History history = ReadHistory(study, trial);
  const Request request{space_, options_, seed_,
                        trial,  history,  trial.has_params ? trial.params : ParamMap{}};
  if (static_cast<int64_t>(history.observations.size()) < options_.n_startup) {
    return StartupProposal(request, startup_);
  }
  const ModelData data = BuildModelData(space_, history, study.directions()[0]);
  if (data.params.empty()) {
    // Nothing to model (every parameter conditional or fixed): independent values.
    return FirstUnrepeated(
        request, 1, [&](size_t attempt) { return RandomParams(request, attempt); },
        [&](const std::vector<ParamMap>& untried) { return PickRandom(request, untried); });
  }
  const GpHyperparameters h = FitFor(data, RefitSchedule(data.y.size()), options_, seed_, *fits_);
  return ModelProposal(request, data, h);
}

ParamValue GpSampler::SampleIndependent(const Study& /*study*/, const FrozenTrial& trial,
                                        const ParamSpec& param) const {
  return SampleUniform(seed_, trial, param);
}

}  // namespace automl
