#include "automl/samplers/tpe_sampler.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <mutex>
#include <numeric>
#include <queue>
#include <utility>

#include "automl/error.h"
#include "automl/random.h"
#include "automl/samplers/random_sampler.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "core/samplers/parzen_estimator.h"

namespace automl {
namespace {

using internal::ParzenDim;
using internal::ParzenEstimator;
using internal::ParzenOptions;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Entries of a trial's key (one per space parameter) besides a discrete value's index.
constexpr int64_t kInactive = -1;
constexpr int64_t kContinuous = -2;  // an active continuous value: the trial cannot repeat
constexpr int64_t kInvalid = -3;     // a value the space does not hold (never equal to a proposal)

// Bounds on the search for a new point in a discrete space that TPE's own candidates miss.
constexpr int kMaxCombinations = 1024;  // best combinations of the groups' candidates tried
constexpr int kRandomTries = 64;        // then uniform points
constexpr uint64_t kMaxEnumeration = uint64_t{1} << 20;  // then every point, if no more than this

uint64_t TpeStream(uint64_t what) { return kSamplerStream ^ HashName("tpe") ^ what; }

// ---- Keys: a trial's discrete values, to recognize a parameter set already tried ------------

uint64_t HashKey(const int64_t* key, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (size_t i = 0; i < n; ++i) h = Mix64(h ^ static_cast<uint64_t>(key[i]));
  return h;
}

// The key entry of an active |value| of |spec|.
int64_t KeyOf(const ParamSpec& spec, const ParamValue& value) {
  if (!spec.is_discrete()) return kContinuous;
  if (!spec.Contains(value)) return kInvalid;
  return static_cast<int64_t>(spec.IndexOf(value));
}

// ---- How each parameter is modelled ------------------------------------------------------------

// How a value maps to a Parzen estimator's coordinate.
enum class Coordinate { kValue, kLogValue, kIndex };

struct ModelParam {
  size_t space_index = 0;
  ParzenDim dim;
  Coordinate coordinate = Coordinate::kIndex;
};

ModelParam MakeModelParam(size_t space_index, const ParamSpec& spec) {
  ModelParam p;
  p.space_index = space_index;
  const auto n = static_cast<int64_t>(spec.Cardinality().value_or(0));
  switch (spec.type()) {
    case ParamType::kFloat:
      if (!spec.step()) {
        p.coordinate = spec.log() ? Coordinate::kLogValue : Coordinate::kValue;
        p.dim = spec.log() ? ParzenDim::Continuous(std::log(spec.low()), std::log(spec.high()))
                           : ParzenDim::Continuous(spec.low(), spec.high());
        return p;
      }
      p.dim = ParzenDim::Grid(n);
      return p;
    case ParamType::kInt:
      p.dim =
          spec.log() ? ParzenDim::LogGrid(static_cast<int64_t>(spec.low()), n) : ParzenDim::Grid(n);
      return p;
    case ParamType::kOrdinal:  // ordered positions 0, 1, ..., like an int
      p.dim = ParzenDim::Grid(n);
      return p;
    case ParamType::kCategorical:
    case ParamType::kFixed:
      p.dim = ParzenDim::Categorical(n);
      return p;
  }
  return p;
}

// |value| of |p|'s parameter as a coordinate, or NaN when the space does not hold it.
double CoordinateOf(const ModelParam& p, const ParamSpec& spec, const ParamValue& value) {
  if (!spec.Contains(value)) return kNaN;
  switch (p.coordinate) {
    case Coordinate::kValue:
      return value.AsDouble();
    case Coordinate::kLogValue:
      return std::log(value.AsDouble());
    case Coordinate::kIndex:
      return static_cast<double>(spec.IndexOf(value));
  }
  return kNaN;
}

ParamValue ValueOf(const ModelParam& p, const ParamSpec& spec, double x) {
  switch (p.coordinate) {
    case Coordinate::kValue:
      return ParamValue(std::clamp(x, spec.low(), spec.high()));
    case Coordinate::kLogValue:
      return ParamValue(std::clamp(std::exp(x), spec.low(), spec.high()));
    case Coordinate::kIndex:
      return spec.ValueAt(static_cast<uint64_t>(x));
  }
  return ParamValue(x);
}

// One trial as the model sees it. Trials rank by (rank_step, rank_value), smaller first, as in
// Optuna's _get_observation_pairs: COMPLETE trials at step -inf, PRUNED ones at minus their last
// step (1 with no report), RUNNING ones (constant liar) at +inf.
struct TrialRow {
  int64_t number = -1;
  TrialState state = TrialState::kComplete;
  int64_t finish_seq = 0;
  double rank_step = 0;
  double rank_value = 0;
  bool all_discrete = false;  // whether |key| identifies the trial's parameters
  uint64_t key_hash = 0;
};

int64_t NumberOf(const TrialRow& row) { return row.number; }
int64_t NumberOf(int64_t number) { return number; }

bool InModel(TrialState state) {
  return state == TrialState::kComplete || state == TrialState::kPruned;
}

}  // namespace

namespace internal {

// The sampler's view of the space: fixed at construction.
struct TpeModel {
  std::vector<ModelParam> params;  // parameters with more than one value, in space order
  std::vector<int> model_index;    // per space parameter: its index in |params|, or -1
  std::vector<size_t> by_name;     // space indices in name order, to walk a ParamMap alongside
  std::vector<ParamValue> only;    // per space parameter with one value: that value
  bool all_discrete = true;        // every parameter of the space is discrete
  uint64_t points = 1;             // the number of value combinations, ignoring conditions
};

// Trials as rows, in increasing number: parallel arrays, |coords| with one coordinate per
// modelled parameter (NaN when inactive) and |keys| with one entry per space parameter.
struct TpeHistory {
  TpeHistory(size_t coord_width, size_t entries) : width(coord_width), key_width(entries) {}

  size_t size() const { return rows.size(); }
  const double* Coords(size_t row) const { return coords.data() + row * width; }
  const int64_t* Key(size_t row) const { return keys.data() + row * key_width; }

  void Reserve(size_t n) {
    rows.reserve(n);
    coords.reserve(n * width);
    keys.reserve(n * key_width);
  }
  // Appends row |row| of |from|.
  void Append(const TpeHistory& from, size_t row) {
    rows.push_back(from.rows[row]);
    coords.insert(coords.end(), from.Coords(row), from.Coords(row) + width);
    keys.insert(keys.end(), from.Key(row), from.Key(row) + key_width);
  }
  // Moves the last row to position |at|, keeping the rows after it in order.
  void MoveLastTo(size_t at) {
    const auto rotate = [](auto& v, size_t first, size_t n) {
      std::rotate(v.begin() + static_cast<ptrdiff_t>(first * n),
                  v.end() - static_cast<ptrdiff_t>(n), v.end());
    };
    rotate(rows, at, 1);
    rotate(coords, at, width);
    rotate(keys, at, key_width);
  }

  size_t width;
  size_t key_width;
  std::vector<TrialRow> rows;
  std::vector<double> coords;
  std::vector<int64_t> keys;
  int64_t num_finished = 0;  // COMPLETE + PRUNED: what n_startup_trials and gamma count
};

// Finished trials never change, so each is converted once and kept (in number order); an ask
// reads only the trials that finished since the last one (by their finishing sequence). What it
// holds is a function of the study's history alone, which keeps the sampler pure.
class TpeHistoryCache {
 public:
  TpeHistoryCache(size_t coord_width, size_t key_width) : finished(coord_width, key_width) {}

  std::mutex mutex;
  const Storage* storage = nullptr;
  int64_t study_id = -1;
  int64_t last_seq = 0;
  TpeHistory finished;
};

}  // namespace internal

using internal::TpeHistory;
using internal::TpeHistoryCache;
using internal::TpeModel;

namespace {

// Converts |trial| into a row of |out|.
void AppendTrial(const SearchSpace& space, const TpeModel& model, double sign,
                 const FrozenTrial& trial, TpeHistory* out);

}  // namespace

// ---- Options -----------------------------------------------------------------------------------

void TpeSamplerOptions::Validate() const {
  const auto fail = [](const std::string& option, const std::string& rule) {
    throw InvalidArgument("sampler 'tpe': option '" + option + "' " + rule);
  };
  if (n_startup_trials < 0) fail("n_startup_trials", "must be at least 0");
  if (n_ei_candidates < 1) fail("n_ei_candidates", "must be at least 1");
  if (!(gamma > 0 && gamma <= 1)) fail("gamma", "must lie in (0, 1]");
  if (gamma_max < 1) fail("gamma_max", "must be at least 1");
  if (!(prior_weight > 0 && std::isfinite(prior_weight))) fail("prior_weight", "must be positive");
  if (group && !multivariate) fail("group", "needs multivariate: true");
  if (!(magic_clip_exponent > 0 && std::isfinite(magic_clip_exponent))) {
    fail("magic_clip_exponent", "must be positive");
  }
  if (!(min_bandwidth_factor > 0 && min_bandwidth_factor <= 1)) {
    fail("min_bandwidth_factor", "must lie in (0, 1]");
  }
}

TpeSamplerOptions TpeSamplerOptions::FromComponentOptions(const ComponentOptions& options) {
  TpeSamplerOptions o;
  o.n_startup_trials = options.Int("n_startup_trials", o.n_startup_trials, 0);
  o.n_ei_candidates = options.Int("n_ei_candidates", o.n_ei_candidates, 1, 1 << 20);
  o.gamma = options.Double("gamma", o.gamma, 0, 1);
  if (!(o.gamma > 0)) throw InvalidArgument(options.Describe("gamma") + " must be positive");
  o.gamma_max = options.Int("gamma_max", o.gamma_max, 1);
  o.prior_weight = options.Double("prior_weight", o.prior_weight, 0);
  if (!(o.prior_weight > 0)) {
    throw InvalidArgument(options.Describe("prior_weight") + " must be positive");
  }
  o.consider_prior = options.Bool("consider_prior", o.consider_prior);
  o.consider_magic_clip = options.Bool("consider_magic_clip", o.consider_magic_clip);
  o.magic_clip_exponent = options.Double("magic_clip_exponent", o.magic_clip_exponent, 0);
  o.min_bandwidth_factor = options.Double("min_bandwidth_factor", o.min_bandwidth_factor, 0, 1);
  o.consider_endpoints = options.Bool("consider_endpoints", o.consider_endpoints);
  const std::string weights = options.String("weights", "ramp");
  if (weights == "ramp") {
    o.weights = TpeWeights::kRamp;
  } else if (weights == "uniform") {
    o.weights = TpeWeights::kUniform;
  } else {
    throw InvalidArgument(options.Describe("weights") + " must be 'ramp' or 'uniform', not '" +
                          weights + "'");
  }
  o.multivariate = options.Bool("multivariate", o.multivariate);
  // Group decomposition is on by default, which independent sampling makes moot; only asking
  // for both explicitly is a contradiction.
  const bool group_given = options.Has("group");
  o.group = options.Bool("group", o.multivariate);
  if (group_given && o.group && !o.multivariate) {
    throw InvalidArgument(options.Describe("group") + " needs multivariate: true");
  }
  o.constant_liar = options.Bool("constant_liar", o.constant_liar);
  if (options.Has("bandwidth")) {
    const std::string bandwidth = options.String("bandwidth", "");
    if (bandwidth == "scott") {
      o.bandwidth = TpeBandwidth::kScott;
    } else if (bandwidth == "neighbor") {
      o.bandwidth = TpeBandwidth::kNeighbor;
    } else if (bandwidth == "normal_reference") {
      o.bandwidth = TpeBandwidth::kNormalReference;
    } else {
      throw InvalidArgument(options.Describe("bandwidth") +
                            " must be 'scott', 'neighbor' or 'normal_reference', not '" +
                            bandwidth + "'");
    }
  }
  const std::string score =
      options.String("kernel_score", o.kernel_score == TpeKernelScore::kMass ? "mass" : "height");
  if (score == "mass") {
    o.kernel_score = TpeKernelScore::kMass;
  } else if (score == "height") {
    o.kernel_score = TpeKernelScore::kHeight;
  } else {
    throw InvalidArgument(options.Describe("kernel_score") + " must be 'mass' or 'height', not '" +
                          score + "'");
  }
  o.Validate();
  return o;
}

// ---- Construction ------------------------------------------------------------------------------

TpeSampler::TpeSampler(const SearchSpace& space, const std::vector<Direction>& directions,
                       uint64_t seed, TpeSamplerOptions options)
    : space_(space), seed_(seed), options_(options) {
  options_.Validate();
  if (directions.size() != 1) {
    throw InvalidArgument("sampler 'tpe' optimizes a single objective; this study has " +
                          std::to_string(directions.size()) +
                          " (multi-objective TPE is not implemented)");
  }
  auto model = std::make_unique<TpeModel>();
  const std::vector<ParamSpec>& params = space_.params();
  model->model_index.assign(params.size(), -1);
  model->only.resize(params.size(), ParamValue(0.0));
  for (size_t i = 0; i < params.size(); ++i) {
    const ParamSpec& spec = params[i];
    const std::optional<uint64_t> cardinality = spec.Cardinality();
    model->all_discrete &= cardinality.has_value();
    if (cardinality) {
      model->points = *cardinality != 0 && model->points > kMaxEnumeration / *cardinality
                          ? kMaxEnumeration + 1
                          : model->points * *cardinality;
    }
    if (cardinality == uint64_t{1}) {
      model->only[i] = spec.ValueAt(0);
      continue;
    }
    model->model_index[i] = static_cast<int>(model->params.size());
    model->params.push_back(MakeModelParam(i, spec));
  }
  model->by_name.resize(params.size());
  std::iota(model->by_name.begin(), model->by_name.end(), 0);
  std::sort(model->by_name.begin(), model->by_name.end(),
            [&](size_t a, size_t b) { return params[a].name() < params[b].name(); });
  model_ = std::move(model);
  cache_ = std::make_unique<TpeHistoryCache>(model_->params.size(), space_.size());
}

TpeSampler::~TpeSampler() = default;

int64_t TpeSampler::NumBelow(int64_t n) const {
  // Optuna's default_gamma: min(ceil(0.1 n), 25), computed the same way in floating point.
  const double below = std::ceil(options_.gamma * static_cast<double>(n));
  return std::min(static_cast<int64_t>(below), options_.gamma_max);
}

// ---- Reading the history -----------------------------------------------------------------------

namespace {

void AppendTrial(const SearchSpace& space, const TpeModel& model, double sign,
                 const FrozenTrial& trial, TpeHistory* out) {
  TrialRow row;
  row.number = trial.number;
  row.state = trial.state;
  row.finish_seq = trial.finish_seq;
  switch (trial.state) {
    case TrialState::kComplete:
      row.rank_step = -kInf;
      row.rank_value = trial.values.empty() ? kInf : sign * trial.values[0];
      break;
    case TrialState::kPruned: {
      const auto last = trial.intermediate.rbegin();
      if (last == trial.intermediate.rend()) {
        row.rank_step = 1;
        row.rank_value = 0;
      } else {
        const double v = last->second.empty() ? kNaN : last->second[0];
        row.rank_step = -static_cast<double>(last->first);
        row.rank_value = std::isnan(v) ? kInf : sign * v;
      }
      break;
    }
    default:  // RUNNING (the constant liar's worst), WAITING, FAILED: never ranked otherwise
      row.rank_step = kInf;
      row.rank_value = kInf;
      break;
  }

  // Walk the trial's parameters and the space's in name order together.
  const std::vector<ParamSpec>& params = space.params();
  const size_t first_coord = out->coords.size();
  const size_t first_key = out->keys.size();
  out->coords.resize(first_coord + model.params.size(), kNaN);
  out->keys.resize(first_key + params.size(), kInactive);
  double* coords = &out->coords[first_coord];
  int64_t* keys = &out->keys[first_key];
  row.all_discrete = true;
  auto it = trial.params.begin();
  for (size_t i : model.by_name) {
    const ParamSpec& spec = params[i];
    while (it != trial.params.end() && it->first < spec.name()) ++it;
    if (it == trial.params.end() || it->first != spec.name()) continue;
    keys[i] = KeyOf(spec, it->second);
    row.all_discrete &= keys[i] >= 0;
    const int m = model.model_index[i];
    if (m >= 0) coords[m] = CoordinateOf(model.params[static_cast<size_t>(m)], spec, it->second);
  }
  // An enqueued trial may give only some parameters: it is not yet a point of the space.
  if (trial.state == TrialState::kWaiting && row.all_discrete) {
    try {
      space.CheckParams(trial.params);
    } catch (const InvalidArgument&) {
      row.all_discrete = false;
    }
  }
  row.key_hash = HashKey(keys, params.size());
  out->rows.push_back(row);
}

}  // namespace

void TpeSampler::WithHistory(const Study& study, int64_t exclude_number,
                             const std::function<void(const TpeHistory&)>& use) const {
  const double sign = study.directions().at(0) == Direction::kMaximize ? -1.0 : 1.0;
  const size_t width = model_->params.size();
  const size_t key_width = space_.size();
  // Unfinished trials first: one that finishes meanwhile then shows up twice rather than not at
  // all, and its finished record wins below.
  TpeHistory unfinished(width, key_width);
  for (const FrozenTrial& trial : study.Trials({TrialState::kRunning, TrialState::kWaiting})) {
    if (!trial.has_params || trial.number == exclude_number) continue;
    AppendTrial(space_, *model_, sign, trial, &unfinished);
  }

  // The memo is read and used under its lock (asks of one sampler take turns), which saves
  // copying it when, as in a study run by one process, no other trial is under way.
  std::lock_guard<std::mutex> lock(cache_->mutex);
  TpeHistoryCache& cache = *cache_;
  if (cache.storage != &study.storage() || cache.study_id != study.id()) {
    cache.storage = &study.storage();
    cache.study_id = study.id();
    cache.last_seq = 0;
    cache.finished = TpeHistory(width, key_width);
  }
  TpeHistory& finished = cache.finished;
  for (const FrozenTrial& trial :
       study.storage().GetTrialsFinishedAfter(study.id(), cache.last_seq)) {
    cache.last_seq = std::max(cache.last_seq, trial.finish_seq);
    AppendTrial(space_, *model_, sign, trial, &finished);
    finished.num_finished += InModel(trial.state);
    // Trials mostly finish in the order they started; one that overtook others moves back.
    size_t at = finished.size() - 1;
    while (at > 0 && finished.rows[at - 1].number > trial.number) --at;
    if (at + 1 < finished.size()) finished.MoveLastTo(at);
  }
  const bool excluded =
      std::binary_search(finished.rows.begin(), finished.rows.end(), exclude_number,
                         [](const auto& a, const auto& b) { return NumberOf(a) < NumberOf(b); });
  if (unfinished.size() == 0 && !excluded) {
    use(finished);
    return;
  }

  // Merge the two, both in number order; a trial in both is taken from the finished ones.
  TpeHistory history(width, key_width);
  history.Reserve(finished.size() + unfinished.size());
  size_t u = 0;
  for (size_t f = 0; f <= finished.size(); ++f) {
    const int64_t next = f < finished.size() ? finished.rows[f].number : INT64_MAX;
    for (; u < unfinished.size() && unfinished.rows[u].number <= next; ++u) {
      if (unfinished.rows[u].number < next) history.Append(unfinished, u);
    }
    if (f == finished.size()) break;
    if (finished.rows[f].number == exclude_number) continue;
    history.Append(finished, f);
    history.num_finished += InModel(finished.rows[f].state);
  }
  use(history);
}

// ---- The model: split, groups, estimators ------------------------------------------------------

namespace {

struct Group {
  std::vector<size_t> params;  // model indices, in space order
  bool multivariate = true;
};

// Rows (indices into the history) of the below and above groups, each in trial-number order.
struct RowSplit {
  std::vector<size_t> below;
  std::vector<size_t> above;
};

RowSplit SplitRows(const TpeHistory& history, int64_t n_below, bool constant_liar) {
  std::vector<size_t> ranked;
  for (size_t r = 0; r < history.rows.size(); ++r) {
    const TrialState state = history.rows[r].state;
    if (InModel(state) || (constant_liar && state == TrialState::kRunning)) ranked.push_back(r);
  }
  // A stable sort, as Optuna's argsort(kind="stable"): ties keep the older trial first.
  std::stable_sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) {
    const TrialRow& x = history.rows[a];
    const TrialRow& y = history.rows[b];
    if (x.rank_step != y.rank_step) return x.rank_step < y.rank_step;
    return x.rank_value < y.rank_value;
  });
  const auto cut = static_cast<ptrdiff_t>(
      std::min<size_t>(static_cast<size_t>(std::max<int64_t>(n_below, 0)), ranked.size()));
  RowSplit split;
  split.below.assign(ranked.begin(), ranked.begin() + cut);
  split.above.assign(ranked.begin() + cut, ranked.end());
  std::sort(split.below.begin(), split.below.end());
  std::sort(split.above.begin(), split.above.end());
  return split;
}

// Optuna's group decomposition: parameters fall in the same group exactly when the same
// finished trials had them active. Refining one partition by each trial's active set gives
// those classes; parameters never active yet stay together.
std::vector<Group> DecomposeGroups(const TpeHistory& history, size_t width) {
  std::vector<size_t> group_of(width, 0);
  size_t n_groups = width == 0 ? 0 : 1;
  std::vector<int64_t> active_part;
  std::vector<int64_t> inactive_part;
  for (size_t r = 0; r < history.rows.size(); ++r) {
    if (!InModel(history.rows[r].state)) continue;
    const double* coords = history.Coords(r);
    // A trial with every parameter active splits nothing (the usual case without conditions).
    if (std::none_of(coords, coords + width, [](double x) { return std::isnan(x); })) continue;
    active_part.assign(n_groups, -1);
    inactive_part.assign(n_groups, -1);
    size_t next = 0;
    for (size_t p = 0; p < width; ++p) {
      std::vector<int64_t>& part = std::isnan(coords[p]) ? inactive_part : active_part;
      int64_t& id = part[group_of[p]];
      if (id < 0) id = static_cast<int64_t>(next++);
      group_of[p] = static_cast<size_t>(id);
    }
    n_groups = next;
  }
  // Number the groups by their first parameter, so that the order follows the space's.
  std::vector<Group> groups;
  std::vector<int64_t> index(n_groups, -1);
  for (size_t p = 0; p < width; ++p) {
    int64_t& g = index[group_of[p]];
    if (g < 0) {
      g = static_cast<int64_t>(groups.size());
      groups.emplace_back();
    }
    groups[static_cast<size_t>(g)].params.push_back(p);
  }
  return groups;
}

// The groups the options call for.
std::vector<Group> ModelGroups(const TpeSamplerOptions& options, const TpeHistory& history,
                               size_t width) {
  if (options.multivariate && options.group) return DecomposeGroups(history, width);
  std::vector<Group> groups;
  std::vector<bool> joint(width, false);
  if (options.multivariate) {
    // Optuna's IntersectionSearchSpace: the parameters every finished trial had, modelled
    // jointly; none while no trial has finished.
    std::fill(joint.begin(), joint.end(), history.num_finished > 0);
    for (size_t r = 0; r < history.rows.size(); ++r) {
      if (!InModel(history.rows[r].state)) continue;
      for (size_t p = 0; p < width; ++p) joint[p] = joint[p] && !std::isnan(history.Coords(r)[p]);
    }
    Group together;
    for (size_t p = 0; p < width; ++p) {
      if (joint[p]) together.params.push_back(p);
    }
    if (!together.params.empty()) groups.push_back(together);
  }
  for (size_t p = 0; p < width; ++p) {
    if (!joint[p]) groups.push_back(Group{{p}, false});
  }
  return groups;
}

// The coordinates of |group| in |rows| where all of them are active, oldest first.
std::vector<double> Observations(const TpeHistory& history, const Group& group,
                                 const std::vector<size_t>& rows) {
  std::vector<double> out;
  out.reserve(rows.size() * group.params.size());
  for (size_t r : rows) {
    const double* coords = history.Coords(r);
    if (std::any_of(group.params.begin(), group.params.end(),
                    [&](size_t p) { return std::isnan(coords[p]); })) {
      continue;
    }
    for (size_t p : group.params) out.push_back(coords[p]);
  }
  return out;
}

// One group's candidates: their values (rows of the group's parameters), best by l/g first,
// without repeats.
struct Choice {
  std::vector<size_t> space_params;
  std::vector<std::vector<ParamValue>> values;
  std::vector<double> scores;
};

}  // namespace

namespace {

ParzenOptions EstimatorOptions(const TpeSamplerOptions& options, bool multivariate) {
  ParzenOptions p;
  p.consider_prior = options.consider_prior;
  p.prior_weight = options.prior_weight;
  p.consider_magic_clip = options.consider_magic_clip;
  p.magic_clip_exponent = options.magic_clip_exponent;
  p.min_bandwidth_factor = options.min_bandwidth_factor;
  p.consider_endpoints = options.consider_endpoints;
  p.multivariate = multivariate;
  switch (options.bandwidth) {
    case TpeBandwidth::kScott:
      p.bandwidth = internal::ParzenBandwidth::kScott;
      break;
    case TpeBandwidth::kNeighbor:
      p.bandwidth = internal::ParzenBandwidth::kNeighbor;
      break;
    case TpeBandwidth::kNormalReference:
      p.bandwidth = internal::ParzenBandwidth::kNormalReference;
      break;
  }
  p.weights = options.weights == TpeWeights::kRamp ? internal::ParzenWeights::kRamp
                                                   : internal::ParzenWeights::kUniform;
  p.score = options.kernel_score == TpeKernelScore::kMass ? internal::ParzenScore::kMass
                                                          : internal::ParzenScore::kHeight;
  return p;
}

// Draws the candidates of one group from l(x) and scores them by log l(x) - log g(x).
Choice SampleGroup(const TpeSamplerOptions& options, const SearchSpace& space,
                   const std::vector<ModelParam>& model, const TpeHistory& history,
                   const RowSplit& split, const Group& group, Rng& rng) {
  std::vector<ParzenDim> dims;
  for (size_t p : group.params) dims.push_back(model[p].dim);
  const ParzenOptions parzen = EstimatorOptions(options, group.multivariate);
  const ParzenEstimator below(dims, Observations(history, group, split.below), parzen);
  const ParzenEstimator above(dims, Observations(history, group, split.above), parzen);

  std::vector<double> candidates;
  const auto m = static_cast<size_t>(options.n_ei_candidates);
  candidates.reserve(m * dims.size());
  below.Sample(rng, m, &candidates);
  const std::vector<double> log_l = below.LogPdf(candidates);
  const std::vector<double> log_g = above.LogPdf(candidates);

  // Best first; among equal scores the earlier draw, as numpy's argmax takes the first.
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> score(m);
  for (size_t c = 0; c < m; ++c) score[c] = log_l[c] - log_g[c];
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return score[a] > score[b] || (!(score[a] <= score[b]) && !std::isnan(score[a]));
  });

  Choice choice;
  for (size_t p : group.params) choice.space_params.push_back(model[p].space_index);
  const size_t d = dims.size();
  for (size_t c : order) {
    std::vector<ParamValue> values;
    values.reserve(d);
    for (size_t j = 0; j < d; ++j) {
      const ModelParam& mp = model[group.params[j]];
      values.push_back(ValueOf(mp, space.params()[mp.space_index], candidates[c * d + j]));
    }
    // Discrete candidates repeat; the combination search needs each once.
    if (std::find(choice.values.begin(), choice.values.end(), values) != choice.values.end()) {
      continue;
    }
    choice.values.push_back(std::move(values));
    choice.scores.push_back(score[c]);
  }
  return choice;
}

}  // namespace

// ---- Proposing ---------------------------------------------------------------------------------

namespace {

// A complete proposal: the values of the active parameters (given ones included) and its key.
struct Assembled {
  std::vector<int64_t> key;
  bool all_discrete = true;
};

// Resolves which parameters |values| (one per space parameter) activate, with the values an
// enqueued trial gives taking precedence, as Study's sampling loop does.
Assembled Assemble(const SearchSpace& space, const std::vector<ParamValue>& values,
                   const ParamMap& given) {
  Assembled a;
  const std::vector<ParamSpec>& params = space.params();
  a.key.assign(params.size(), kInactive);
  ParamMap assigned;
  for (size_t i = 0; i < params.size(); ++i) {
    const ParamSpec& spec = params[i];
    if (!space.IsActive(spec, assigned)) continue;
    auto it = given.find(spec.name());
    const ParamValue& value = it != given.end() ? it->second : values[i];
    assigned.emplace(spec.name(), value);
    a.key[i] = KeyOf(spec, value);
    a.all_discrete &= a.key[i] >= 0;
  }
  return a;
}

// The keys of the trials in the history that have only discrete values.
class SeenKeys {
 public:
  explicit SeenKeys(const TpeHistory& history) : history_(history) {
    for (size_t r = 0; r < history.rows.size(); ++r) {
      if (history.rows[r].all_discrete) by_hash_.emplace_back(history.rows[r].key_hash, r);
    }
    std::sort(by_hash_.begin(), by_hash_.end());
  }

  bool Contains(const std::vector<int64_t>& key) const {
    const uint64_t hash = HashKey(key.data(), key.size());
    auto it = std::lower_bound(by_hash_.begin(), by_hash_.end(), std::make_pair(hash, size_t{0}));
    for (; it != by_hash_.end() && it->first == hash; ++it) {
      if (std::equal(key.begin(), key.end(), history_.Key(it->second))) return true;
    }
    return false;
  }

 private:
  const TpeHistory& history_;
  std::vector<std::pair<uint64_t, size_t>> by_hash_;
};

// Whether |values| make a trial that may be proposed: one with a continuous value, or one whose
// discrete values no trial has yet.
bool IsNew(const SearchSpace& space, const std::vector<ParamValue>& values, const ParamMap& given,
           const SeenKeys& seen) {
  const Assembled a = Assemble(space, values, given);
  return !a.all_discrete || !seen.Contains(a.key);
}

// Sets the parameters of each choice to its candidate in |pick|.
void Fill(const std::vector<Choice>& choices, const std::vector<uint32_t>& pick,
          std::vector<ParamValue>* values) {
  for (size_t g = 0; g < choices.size(); ++g) {
    const Choice& choice = choices[g];
    for (size_t j = 0; j < choice.space_params.size(); ++j) {
      (*values)[choice.space_params[j]] = choice.values[pick[g]][j];
    }
  }
}

// The best combinations of the groups' candidates by total score (the groups' estimators are
// independent, so l/g of a combination is the product of theirs), best first: a search over
// index tuples in which each tuple is reached from one parent only (by raising its last nonzero
// index or a later one). Returns the first new one into |values|.
bool BestNewCombination(const SearchSpace& space, const std::vector<Choice>& choices,
                        const ParamMap& given, const SeenKeys& seen,
                        std::vector<ParamValue>* values) {
  struct Node {
    double score;
    std::vector<uint32_t> pick;
    size_t pivot;
    bool operator<(const Node& other) const { return score < other.score; }
  };
  const auto total = [&](const std::vector<uint32_t>& pick) {
    double s = 0;
    for (size_t g = 0; g < choices.size(); ++g) s += choices[g].scores[pick[g]];
    return s;
  };
  std::priority_queue<Node> queue;
  std::vector<uint32_t> start(choices.size(), 0);
  queue.push(Node{total(start), start, 0});
  for (int popped = 0; !queue.empty() && popped < kMaxCombinations; ++popped) {
    const Node node = queue.top();
    queue.pop();
    Fill(choices, node.pick, values);
    if (IsNew(space, *values, given, seen)) return true;
    for (size_t g = node.pivot; g < choices.size(); ++g) {
      if (node.pick[g] + 1 >= choices[g].values.size()) continue;
      Node next{0, node.pick, g};
      ++next.pick[g];
      next.score = total(next.pick);
      queue.push(std::move(next));
    }
  }
  return false;
}

// Walks every point of an all-discrete space (parameters in order, skipping inactive ones,
// keeping given values) and puts one not tried yet, chosen uniformly by reservoir sampling, into
// |values|. False when every point has been tried.
bool EnumerateNew(const SearchSpace& space, const ParamMap& given, const SeenKeys& seen, Rng& rng,
                  std::vector<ParamValue>* values) {
  const std::vector<ParamSpec>& params = space.params();
  std::vector<int64_t> key(params.size(), kInactive);
  std::vector<ParamValue> current = *values;
  ParamMap assigned;
  uint64_t unseen = 0;
  std::function<void(size_t)> walk = [&](size_t i) {
    if (i == params.size()) {
      if (seen.Contains(key)) return;
      ++unseen;
      if (rng.Below(unseen) == 0) *values = current;
      return;
    }
    const ParamSpec& spec = params[i];
    key[i] = kInactive;
    if (!space.IsActive(spec, assigned)) {
      walk(i + 1);
      return;
    }
    auto it = given.find(spec.name());
    if (it != given.end()) {
      key[i] = KeyOf(spec, it->second);
      assigned.insert_or_assign(spec.name(), it->second);
      walk(i + 1);
    } else {
      const uint64_t n = spec.Cardinality().value_or(0);
      for (uint64_t j = 0; j < n; ++j) {
        current[i] = spec.ValueAt(j);
        key[i] = static_cast<int64_t>(j);
        assigned.insert_or_assign(spec.name(), current[i]);
        walk(i + 1);
      }
    }
    assigned.erase(spec.name());
  };
  walk(0);
  return unseen > 0;
}

}  // namespace

ParamMap TpeSampler::Propose(const Study& study, const FrozenTrial& trial) const {
  ParamMap out;
  WithHistory(study, trial.number,
              [&](const TpeHistory& history) { out = Propose(history, trial); });
  return out;
}

ParamMap TpeSampler::Propose(const TpeHistory& history, const FrozenTrial& trial) const {
  const std::vector<ParamSpec>& params = space_.params();
  const std::vector<ModelParam>& model = model_->params;
  const auto number = static_cast<uint64_t>(trial.number);

  std::vector<Choice> choices;
  if (history.num_finished < options_.n_startup_trials) {
    // Startup: one candidate, drawn exactly as the random sampler draws.
    Choice random;
    random.values.emplace_back();
    random.scores.push_back(0);
    for (const ModelParam& p : model) {
      random.space_params.push_back(p.space_index);
      random.values[0].push_back(SampleUniform(seed_, trial, params[p.space_index]));
    }
    choices.push_back(std::move(random));
  } else {
    const RowSplit split =
        SplitRows(history, NumBelow(history.num_finished), options_.constant_liar);
    for (const Group& group : ModelGroups(options_, history, model.size())) {
      // Each group draws from its own stream, named after its first parameter, so that adding
      // a parameter elsewhere in the space leaves a group's draws as they were.
      Rng rng(DeriveSeed(seed_, number,
                         TpeStream(HashName(params[model[group.params[0]].space_index].name()))));
      choices.push_back(SampleGroup(options_, space_, model, history, split, group, rng));
    }
  }

  std::vector<ParamValue> values = model_->only;
  const std::vector<uint32_t> best(choices.size(), 0);
  Fill(choices, best, &values);
  const ParamMap given = trial.has_params ? trial.params : ParamMap{};
  const Assembled proposal = Assemble(space_, values, given);
  if (proposal.all_discrete) {
    const SeenKeys seen(history);
    if (seen.Contains(proposal.key) && !BestNewCombination(space_, choices, given, seen, &values)) {
      // The candidates hold nothing new: a uniform point, then (in a small enough space) a
      // uniform choice among all points not tried yet; duplicates only when there is none.
      bool found = false;
      std::vector<ParamValue> attempt = model_->only;
      for (int a = 1; a <= kRandomTries && !found; ++a) {
        Rng rng(DeriveSeed(seed_, number, TpeStream(static_cast<uint64_t>(a))));
        for (const ModelParam& p : model) {
          attempt[p.space_index] = params[p.space_index].FromUnit(rng.Uniform());
        }
        found = IsNew(space_, attempt, given, seen);
      }
      if (!found && model_->all_discrete && model_->points <= kMaxEnumeration) {
        Rng rng(DeriveSeed(seed_, number, TpeStream(0)));
        found = EnumerateNew(space_, given, seen, rng, &attempt);
      }
      Fill(choices, best, &values);
      if (found) values = attempt;
    }
  }

  ParamMap out;
  for (size_t i = 0; i < params.size(); ++i) out.emplace(params[i].name(), values[i]);
  return out;
}

std::vector<std::string> TpeSampler::RelativeParams(const Study& /*study*/,
                                                    const FrozenTrial& /*trial*/) const {
  std::vector<std::string> names;
  for (const ParamSpec& spec : space_.params()) names.push_back(spec.name());
  return names;
}

ParamMap TpeSampler::SampleRelative(const Study& study, const FrozenTrial& trial,
                                    const std::vector<std::string>& /*names*/) const {
  if (space_.empty()) return {};
  return Propose(study, trial);
}

ParamValue TpeSampler::SampleIndependent(const Study& /*study*/, const FrozenTrial& trial,
                                         const ParamSpec& param) const {
  return SampleUniform(seed_, trial, param);
}

// ---- Inspection --------------------------------------------------------------------------------

std::vector<std::vector<std::string>> TpeSampler::Groups(const Study& study) const {
  std::vector<std::vector<std::string>> names;
  WithHistory(study, -1, [&](const TpeHistory& history) {
    for (const Group& group : ModelGroups(options_, history, model_->params.size())) {
      names.emplace_back();
      for (size_t p : group.params) {
        names.back().push_back(space_.params()[model_->params[p].space_index].name());
      }
    }
  });
  return names;
}

TpeSampler::Split TpeSampler::SplitTrials(const Study& study) const {
  Split split;
  WithHistory(study, -1, [&](const TpeHistory& history) {
    const RowSplit rows =
        SplitRows(history, NumBelow(history.num_finished), options_.constant_liar);
    for (size_t r : rows.below) split.below.push_back(history.rows[r].number);
    for (size_t r : rows.above) split.above.push_back(history.rows[r].number);
  });
  return split;
}

}  // namespace automl
