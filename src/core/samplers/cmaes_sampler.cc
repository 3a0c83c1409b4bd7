#include "automl/samplers/cmaes_sampler.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "automl/error.h"
#include "automl/random.h"
#include "automl/samplers/random_sampler.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "core/samplers/fresh_points.h"

namespace automl {

using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

// Random streams: a trial's CMA-ES samples, the uniform fallbacks of duplicate avoidance, and the
// start of each restart.
uint64_t SampleStream() { return kSamplerStream ^ HashName("cmaes sample"); }
uint64_t FallbackStream() { return kSamplerStream ^ HashName("cmaes fallback"); }
uint64_t RestartStream() { return kSamplerStream ^ HashName("cmaes restart"); }

// The proposals a trial may draw from its stream before duplicate avoidance looks elsewhere; the
// replay recomputes as many to recognise a trial's sample.
constexpr int kProposalAttempts = internal::FreshPointOptions{}.proposal_attempts;

// ---- Normal distribution ------------------------------------------------------------------------

// P(Z > x) for a standard normal Z.
double UpperTail(double x) { return 0.5 * std::erfc(x / std::sqrt(2.0)); }

// The x with P(Z > x) = p, for p in (0, 0.5]: bisection on [0, 40] (UpperTail is monotone, and
// 40 is far beyond any p the margin uses), then Newton steps to full precision.
double UpperQuantile(double p) {
  double lo = 0;
  double hi = 40;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (UpperTail(mid) > p ? lo : hi) = mid;
  }
  double x = 0.5 * (lo + hi);
  for (int i = 0; i < 3; ++i) {
    const double density = std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI);
    if (density <= 0) break;
    x += (UpperTail(x) - p) / density;
  }
  return x;
}

// ---- Strategy parameters ------------------------------------------------------------------------

// The tutorial's default strategy parameters (Hansen 2016, Table 1) for dimension n and population
// size lambda.
struct Strategy {
  int n = 0;
  int lambda = 0;
  int mu = 0;
  VectorXd weights;  // lambda entries: positive for the mu best, negative ("active") after
  double mu_eff = 0;
  double c_sigma = 0;
  double d_sigma = 0;
  double c_c = 0;
  double c_1 = 0;
  double c_mu = 0;
  double chi_n = 0;  // E||N(0, I)||
};

Strategy MakeStrategy(int n, int lambda) {
  Strategy s;
  s.n = n;
  s.lambda = lambda;
  s.mu = lambda / 2;
  const double dn = n;
  VectorXd w(lambda);
  for (int i = 0; i < lambda; ++i) w[i] = std::log((lambda + 1) / 2.0) - std::log(i + 1.0);
  const VectorXd positive = w.head(s.mu);
  const VectorXd negative = w.tail(lambda - s.mu);
  s.mu_eff = positive.sum() * positive.sum() / positive.squaredNorm();
  const double mu_eff_minus =
      negative.squaredNorm() > 0 ? negative.sum() * negative.sum() / negative.squaredNorm() : 0.0;
  const double alpha_cov = 2;
  s.c_1 = alpha_cov / ((dn + 1.3) * (dn + 1.3) + s.mu_eff);
  s.c_mu = std::min(1 - s.c_1, alpha_cov * (s.mu_eff - 2 + 1 / s.mu_eff) /
                                   ((dn + 2) * (dn + 2) + alpha_cov * s.mu_eff / 2));
  // Negative weights are scaled so that C stays positive definite and the decrease of variance
  // is bounded (the tutorial's alpha_mu^-, alpha_mu_eff^-, alpha_posdef^-).
  const double inf = std::numeric_limits<double>::infinity();
  const double alpha_mu_minus = s.c_mu > 0 ? 1 + s.c_1 / s.c_mu : inf;
  const double alpha_mueff_minus = 1 + 2 * mu_eff_minus / (s.mu_eff + 2);
  const double alpha_posdef_minus = s.c_mu > 0 ? (1 - s.c_1 - s.c_mu) / (dn * s.c_mu) : inf;
  const double negative_scale = std::min({alpha_mu_minus, alpha_mueff_minus, alpha_posdef_minus});
  const double positive_sum = positive.sum();
  const double negative_sum = -negative.sum();
  s.weights.resize(lambda);
  for (int i = 0; i < lambda; ++i) {
    s.weights[i] = w[i] >= 0 ? w[i] / positive_sum
                             : (negative_sum > 0 ? negative_scale * w[i] / negative_sum : 0.0);
  }
  s.c_sigma = (s.mu_eff + 2) / (dn + s.mu_eff + 5);
  s.d_sigma = 1 + 2 * std::max(0.0, std::sqrt((s.mu_eff - 1) / (dn + 1)) - 1) + s.c_sigma;
  s.c_c = (4 + s.mu_eff / dn) / (dn + 4 + 2 * s.mu_eff / dn);
  s.chi_n = std::sqrt(dn) * (1 - 1 / (4 * dn) + 1 / (21 * dn * dn));
  return s;
}

int DefaultPopulation(int n) { return 4 + static_cast<int>(std::floor(3 * std::log(n))); }

// ---- One run of the strategy ------------------------------------------------------------------

// The search distribution N(mean, sigma^2 C) of one run (between restarts), with its paths and
// the margin's diagonal A.
struct Run {
  Strategy strategy;
  double sigma0 = 0;
  VectorXd mean;
  double sigma = 0;
  MatrixXd C;
  MatrixXd B;  // eigenvectors of C
  VectorXd D;  // square roots of its eigenvalues: C = B diag(D^2) B^T
  VectorXd p_sigma;
  VectorXd p_c;
  VectorXd A;
  int64_t generation = 0;
  std::vector<double> best_values;  // the best value of each generation (equalfunvals, tolfun)
};

Run NewRun(int n, int lambda, double sigma0, VectorXd mean) {
  Run run;
  run.strategy = MakeStrategy(n, lambda);
  run.sigma0 = sigma0;
  run.mean = std::move(mean);
  run.sigma = sigma0;
  run.C = MatrixXd::Identity(n, n);
  run.B = MatrixXd::Identity(n, n);
  run.D = VectorXd::Ones(n);
  run.p_sigma = VectorXd::Zero(n);
  run.p_c = VectorXd::Zero(n);
  run.A = VectorXd::Ones(n);
  return run;
}

// B and D from C. Rounding can make C slightly asymmetric or give it tiny negative eigenvalues:
// it is symmetrized and its eigenvalues floored relative to the largest.
void Decompose(Run& run) {
  run.C = 0.5 * (run.C + run.C.transpose());
  Eigen::SelfAdjointEigenSolver<MatrixXd> eigen(run.C);
  VectorXd values = eigen.eigenvalues();
  const double floor = std::max(values.maxCoeff() * 1e-20, std::numeric_limits<double>::min());
  if (values.minCoeff() < floor) {
    values = values.cwiseMax(floor);
    run.C = eigen.eigenvectors() * values.asDiagonal() * eigen.eigenvectors().transpose();
  }
  run.B = eigen.eigenvectors();
  run.D = values.cwiseSqrt();
}

// A sample of the run's distribution from |rng|. Continuous coordinates must lie in [0, 1]: the
// sample is redrawn up to 10 n times and the last draw clipped, as Optuna's backend does.
// Discrete coordinates are not bounded: their value is the end cell beyond the range.
VectorXd DrawSample(const Run& run, const std::vector<bool>& discrete, Rng& rng) {
  const int n = run.strategy.n;
  const int max_draws = 10 * n;
  VectorXd z(n);
  VectorXd x(n);
  for (int draw = 0; draw < max_draws; ++draw) {
    for (int i = 0; i < n; ++i) z[i] = rng.Normal();
    x = run.mean + run.sigma * (run.B * run.D.cwiseProduct(z));
    bool feasible = true;
    for (int i = 0; i < n && feasible; ++i) feasible = discrete[i] || (x[i] >= 0 && x[i] <= 1);
    if (feasible) return x;
  }
  for (int i = 0; i < n; ++i) {
    if (!discrete[i]) x[i] = std::clamp(x[i], 0.0, 1.0);
  }
  return x;
}

// The unit-cube coordinate a sample's coordinate is evaluated at: a discrete coordinate goes
// through the margin's map m + A (x - m) (the value is then the cell that holds it).
double EncodedUnit(const Run& run, bool discrete, int j, double x) {
  return discrete ? run.mean[j] + run.A[j] * (x - run.mean[j]) : x;
}

// The inverse for a value given from outside (an injected solution): its cell's centre, mapped
// back through the margin's map.
double RawFromValue(const Run& run, bool discrete, int j, const ParamSpec& spec,
                    const ParamValue& value) {
  const double u = spec.ToUnit(value);
  return discrete ? run.mean[j] + (u - run.mean[j]) / run.A[j] : u;
}

// ---- CMA-ES with Margin ------------------------------------------------------------------------

// The unit-cube boundary between the discrete values with indices k - 1 and k: cells have equal
// width, except for log integers, whose value v has the log-width of [v - 0.5, v + 0.5] (see
// ParamSpec::FromUnit).
double CellBoundary(const ParamSpec& spec, uint64_t k) {
  if (spec.type() == ParamType::kInt && spec.log()) {
    const double lo = std::log(spec.low() - 0.5);
    const double hi = std::log(spec.high() + 0.5);
    return (std::log(spec.ValueAt(k).AsDouble() - 0.5) - lo) / (hi - lo);
  }
  return static_cast<double>(k) / static_cast<double>(*spec.Cardinality());
}

// The boundaries of the cell that holds unit coordinate |u|; an end cell lacks one.
struct Cell {
  std::optional<double> lower;
  std::optional<double> upper;
};

Cell CellOf(const ParamSpec& spec, double u) {
  const uint64_t k = spec.IndexOf(spec.FromUnit(u));
  Cell cell;
  if (k > 0) cell.lower = CellBoundary(spec, k);
  if (k + 1 < *spec.Cardinality()) cell.upper = CellBoundary(spec, k + 1);
  return cell;
}

// Hamano et al. (2022), the margin correction after an update: the marginal probability that a
// discrete coordinate leaves the cell of the mean is kept at least alpha. In an end cell the
// mean is moved towards the one boundary until crossing it has probability alpha; in an inner
// cell the probabilities of both sides are raised to at least alpha / 2 (the mass added taken
// proportionally from all three parts), and A_j and m_j are solved for so that the marginal
// N(m_j, (sigma A_j sqrt(C_jj))^2) has exactly those tails.
void CorrectMargin(Run& run, const std::vector<const ParamSpec*>& dims,
                   const std::vector<bool>& discrete) {
  const double alpha = 1.0 / (run.strategy.n * run.strategy.lambda);
  for (int j = 0; j < run.strategy.n; ++j) {
    if (!discrete[j]) continue;
    const double c_jj = std::sqrt(run.C(j, j));
    const double scale = run.sigma * run.A[j] * c_jj;
    const Cell cell = CellOf(*dims[j], run.mean[j]);
    const double m = run.mean[j];
    if (!cell.lower || !cell.upper) {
      const double boundary = cell.lower ? *cell.lower : *cell.upper;
      if (UpperTail(std::abs(m - boundary) / scale) < alpha) {
        const double side = m < boundary ? -1.0 : 1.0;
        run.mean[j] = boundary + side * scale * UpperQuantile(alpha);
      }
      continue;
    }
    const double lower = *cell.lower;
    const double upper = *cell.upper;
    const double p_low = UpperTail((m - lower) / scale);
    const double p_up = UpperTail((upper - m) / scale);
    if (p_low >= alpha / 2 && p_up >= alpha / 2) continue;
    const double p_mid = 1 - p_low - p_up;
    const double low = std::max(p_low, alpha / 2);
    const double up = std::max(p_up, alpha / 2);
    const double excess = 1 - low - up - p_mid;  // <= 0: what the floors added
    const double spread = low + p_mid + up - 1.5 * alpha;
    const double low2 = std::clamp(low + excess * (low - alpha / 2) / spread, 1e-10, 0.5 - 1e-10);
    const double up2 = std::clamp(up + excess * (up - alpha / 2) / spread, 1e-10, 0.5 - 1e-10);
    const double q_low = UpperQuantile(low2);
    const double q_up = UpperQuantile(up2);
    run.A[j] = (upper - lower) / ((q_low + q_up) * run.sigma * c_jj);
    run.mean[j] = (lower * q_up + upper * q_low) / (q_low + q_up);
  }
}

// ---- The update ---------------------------------------------------------------------------------

struct Solution {
  VectorXd x;    // raw coordinates (before the margin's map and rounding)
  double value;  // to minimize
  bool injected;
};

// One generation's update, as the tutorial's summary (Hansen 2016, section "Algorithm Summary"),
// with injected solutions' steps clipped (Hansen 2011).
void Update(Run& run, std::vector<Solution> solutions) {
  const Strategy& s = run.strategy;
  const int n = s.n;
  const double dn = n;
  std::stable_sort(solutions.begin(), solutions.end(),
                   [](const Solution& a, const Solution& b) { return a.value < b.value; });

  const MatrixXd inv_sqrt_c = run.B * run.D.cwiseInverse().asDiagonal() * run.B.transpose();
  // Hansen (2011): an injected step y is shortened to Mahalanobis norm at most c_y, a little
  // more than the norm of a typical sample (sqrt(n)), so that a far-away solution cannot blow up
  // sigma or C.
  const double c_y = std::sqrt(dn) + 2 * dn / (dn + 2);
  MatrixXd y(n, s.lambda);
  VectorXd mahalanobis_sq(s.lambda);
  for (int k = 0; k < s.lambda; ++k) {
    VectorXd yk = (solutions[k].x - run.mean) / run.sigma;
    double norm = (inv_sqrt_c * yk).norm();
    if (solutions[k].injected && norm > c_y) {
      yk *= c_y / norm;
      norm = c_y;
    }
    y.col(k) = yk;
    mahalanobis_sq[k] = norm * norm;
  }
  const VectorXd y_w = y.leftCols(s.mu) * s.weights.head(s.mu);

  run.mean += run.sigma * y_w;  // c_m = 1

  run.p_sigma = (1 - s.c_sigma) * run.p_sigma +
                std::sqrt(s.c_sigma * (2 - s.c_sigma) * s.mu_eff) * (inv_sqrt_c * y_w);
  const double p_sigma_norm = run.p_sigma.norm();
  // h_sigma stalls the rank-one update while ||p_sigma|| is large, i.e. while sigma grows fast
  // (the exponent's g + 1 counts this generation).
  const double bias = std::sqrt(1 - std::pow(1 - s.c_sigma, 2.0 * (run.generation + 1)));
  const bool h_sigma = p_sigma_norm / bias < (1.4 + 2 / (dn + 1)) * s.chi_n;
  run.p_c = (1 - s.c_c) * run.p_c;
  if (h_sigma) run.p_c += std::sqrt(s.c_c * (2 - s.c_c) * s.mu_eff) * y_w;

  // Negative weights are rescaled by n / ||C^-1/2 y||^2, so that a long bad step cannot make
  // C indefinite.
  VectorXd w_circ = s.weights;
  for (int k = 0; k < s.lambda; ++k) {
    if (w_circ[k] < 0) w_circ[k] *= dn / std::max(mahalanobis_sq[k], 1e-300);
  }
  const MatrixXd rank_mu = y * w_circ.asDiagonal() * y.transpose();
  const double delta_h = h_sigma ? 0.0 : s.c_c * (2 - s.c_c);
  run.C = (1 + s.c_1 * delta_h - s.c_1 - s.c_mu * s.weights.sum()) * run.C +
          s.c_1 * run.p_c * run.p_c.transpose() + s.c_mu * rank_mu;

  run.sigma *= std::exp((s.c_sigma / s.d_sigma) * (p_sigma_norm / s.chi_n - 1));
  run.sigma = std::min(run.sigma, 1e32);  // as Optuna's backend: no overflow to infinity

  ++run.generation;
  run.best_values.push_back(solutions.front().value);
  Decompose(run);
}

// ---- Termination (Auger & Hansen 2005, section 2; Hansen 2016, appendix B.3) -----------------

// The criterion that ends the run after its last update, or "" when none fires.
std::string TerminationCriterion(const Run& run, const std::vector<Solution>& last, double tol_x,
                                 double tol_fun) {
  const Strategy& s = run.strategy;
  const int n = s.n;
  const auto window = static_cast<size_t>(10 + std::ceil(30.0 * n / s.lambda));
  if (run.best_values.size() >= window) {
    const auto begin = run.best_values.end() - static_cast<std::ptrdiff_t>(window);
    const auto [lo, hi] = std::minmax_element(begin, run.best_values.end());
    if (*hi == *lo) return "equalfunvals";
    double low = *lo;
    double high = *hi;
    for (const Solution& solution : last) {
      low = std::min(low, solution.value);
      high = std::max(high, solution.value);
    }
    if (high - low < tol_fun) return "tolfun";
  }
  bool small = true;
  for (int i = 0; i < n && small; ++i) {
    small = run.sigma * std::sqrt(run.C(i, i)) < tol_x && std::abs(run.sigma * run.p_c[i]) < tol_x;
  }
  if (small) return "tolx";
  const int axis = static_cast<int>(run.generation % n);
  const VectorXd moved = run.mean + 0.1 * run.sigma * run.D[axis] * run.B.col(axis);
  if (moved == run.mean) return "noeffectaxis";
  for (int i = 0; i < n; ++i) {
    if (run.mean[i] + 0.2 * run.sigma * std::sqrt(run.C(i, i)) == run.mean[i]) {
      return "noeffectcoord";
    }
  }
  const double d_max = run.D.maxCoeff();
  const double d_min = run.D.minCoeff();
  if (d_max * d_max > 1e14 * d_min * d_min) return "conditioncov";
  if (run.sigma * d_max > 1e4 * run.sigma0) return "tolxup";
  return "";
}

// ---- Helpers ---------------------------------------------------------------------------------

// A parameter CMA-ES searches over: numeric or ordered, always active, more than one value.
bool IsCmaDimension(const ParamSpec& spec) {
  if (spec.is_conditional()) return false;
  switch (spec.type()) {
    case ParamType::kFloat:
      return !spec.step() || *spec.Cardinality() > 1;
    case ParamType::kInt:
    case ParamType::kOrdinal:
      return *spec.Cardinality() > 1;
    case ParamType::kCategorical:
    case ParamType::kFixed:
      return false;
  }
  return false;
}

void CheckSingleObjective(size_t objectives) {
  if (objectives != 1) {
    throw InvalidArgument("sampler 'cmaes' optimizes a single objective; the study has " +
                          std::to_string(objectives));
  }
}

}  // namespace

// ---- Options ------------------------------------------------------------------------------------

CmaEsSamplerOptions CmaEsSamplerOptions::FromComponentOptions(const ComponentOptions& options) {
  CmaEsSamplerOptions o;
  o.sigma0 = options.Double("sigma0", o.sigma0, 1e-12, 1.0);
  o.popsize = options.Int("popsize", 0, 2, 1 << 20);
  const std::string restart = options.String("restart", "ipop");
  if (restart != "ipop" && restart != "none") {
    throw InvalidArgument(options.Describe("restart") + " must be ipop or none, not '" + restart +
                          "'");
  }
  o.ipop = restart == "ipop";
  o.n_startup_trials = options.Int("n_startup_trials", o.n_startup_trials, 0);
  o.with_margin = options.Bool("with_margin", o.with_margin);
  o.tol_x = options.Double("tol_x", o.tol_x, 0.0, 1.0);
  o.tol_fun = options.Double("tol_fun", o.tol_fun, 0.0);
  return o;
}

// ---- The sampler --------------------------------------------------------------------------------

struct CmaEsSampler::Checkpoint {
  Run run;
  int64_t restarts = 0;
  std::string last_stop;
  int64_t total_generations = 0;
  int64_t replayed = 0;
  int64_t injected = 0;
  // COMPLETE trials consumed: the startup ones and those in updates.
  int64_t complete_seen = 0;
  // The last trial consumed, to check that a cached checkpoint belongs to the history at hand.
  const Storage* storage = nullptr;
  int64_t study_id = -1;
  int64_t last_finish_seq = 0;
  int64_t last_number = -1;
};

CmaEsSampler::CmaEsSampler(const SearchSpace& space, uint64_t seed, CmaEsSamplerOptions options,
                           const std::vector<Direction>& directions)
    : space_(space), seed_(seed), options_(options) {
  // No directions (a context built by hand) means the study's, checked when sampling.
  if (!directions.empty()) CheckSingleObjective(directions.size());
  if (!(options_.sigma0 > 0)) throw InvalidArgument("sampler 'cmaes': sigma0 must be positive");
  if (options_.popsize != 0 && options_.popsize < 2) {
    throw InvalidArgument("sampler 'cmaes': popsize must be at least 2");
  }
  for (const ParamSpec& spec : space_.params()) {
    if (!IsCmaDimension(spec)) continue;
    dims_.push_back(&spec);
    // Without the margin, a discrete coordinate is searched as a continuous one in [0, 1] and
    // rounded at the output.
    margin_.push_back(options_.with_margin && spec.is_discrete());
  }
}

CmaEsSampler::~CmaEsSampler() = default;

std::vector<std::string> CmaEsSampler::dimensions() const {
  std::vector<std::string> names;
  for (const ParamSpec* spec : dims_) names.push_back(spec->name());
  return names;
}

std::vector<std::string> CmaEsSampler::RelativeParams(const Study& /*study*/,
                                                      const FrozenTrial& /*trial*/) const {
  std::vector<std::string> names;
  for (const ParamSpec& spec : space_.params()) names.push_back(spec.name());
  return names;
}

std::shared_ptr<const CmaEsSampler::Checkpoint> CmaEsSampler::ReplayCheckpoint(
    const Study& study) const {
  const int n = static_cast<int>(dims_.size());
  const std::vector<bool>& discrete = margin_;

  const auto initial = [&] {
    Checkpoint cp;
    const int lambda =
        options_.popsize > 0 ? static_cast<int>(options_.popsize) : DefaultPopulation(n);
    cp.run = NewRun(n, lambda, options_.sigma0, VectorXd::Constant(n, 0.5));
    cp.storage = &study.storage();
    cp.study_id = study.id();
    return cp;
  };

  Checkpoint cp;
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_ && cache_->storage == &study.storage() && cache_->study_id == study.id()) {
      cp = *cache_;
    } else {
      cp = initial();
    }
  }
  // Re-read the last consumed trial with the new ones: if it is not where the checkpoint says,
  // the checkpoint belongs to another history and the replay starts over.
  std::vector<FrozenTrial> finished = study.storage().GetTrialsFinishedAfter(
      study.id(), std::max<int64_t>(cp.last_finish_seq - 1, 0));
  if (cp.last_finish_seq > 0) {
    if (finished.empty() || finished.front().finish_seq != cp.last_finish_seq ||
        finished.front().number != cp.last_number) {
      cp = initial();
      finished = study.storage().GetTrialsFinishedAfter(study.id(), 0);
    } else {
      finished.erase(finished.begin());
    }
  }

  const double sign = study.directions().front() == Direction::kMaximize ? -1.0 : 1.0;
  std::vector<const FrozenTrial*> complete;
  for (const FrozenTrial& t : finished) {
    if (t.state != TrialState::kComplete || t.values.size() != 1) continue;
    bool has_all = true;
    for (const ParamSpec* spec : dims_) has_all = has_all && t.params.count(spec->name()) != 0;
    if (has_all) complete.push_back(&t);
  }
  const auto consume = [&cp](const FrozenTrial& t) {
    ++cp.complete_seen;
    cp.last_finish_seq = t.finish_seq;
    cp.last_number = t.number;
  };

  size_t next = 0;
  while (next < complete.size() && cp.complete_seen < options_.n_startup_trials) {
    consume(*complete[next++]);
  }
  while (complete.size() - next >= static_cast<size_t>(cp.run.strategy.lambda)) {
    Run& run = cp.run;
    std::vector<Solution> solutions;
    for (int k = 0; k < run.strategy.lambda; ++k) {
      const FrozenTrial& t = *complete[next++];
      // Recompute the trial's samples: if one gives its stored values, it is the trial's sample.
      Rng rng(DeriveSeed(seed_, static_cast<uint64_t>(t.number), SampleStream()));
      const int attempts = internal::AllDiscrete(space_, t.params) ? kProposalAttempts : 1;
      std::optional<VectorXd> sample;
      for (int attempt = 0; attempt < attempts && !sample; ++attempt) {
        VectorXd x = DrawSample(run, discrete, rng);
        bool same = true;
        for (int j = 0; j < n && same; ++j) {
          same = dims_[j]->FromUnit(EncodedUnit(run, discrete[j], j, x[j])) ==
                 t.params.at(dims_[j]->name());
        }
        if (same) sample = std::move(x);
      }
      Solution solution{VectorXd(n), sign * t.values.front(), !sample};
      if (sample) {
        solution.x = *sample;
      } else {
        for (int j = 0; j < n; ++j) {
          solution.x[j] =
              RawFromValue(run, discrete[j], j, *dims_[j], t.params.at(dims_[j]->name()));
        }
        ++cp.injected;
      }
      solutions.push_back(std::move(solution));
      consume(t);
    }
    Update(run, solutions);
    CorrectMargin(run, dims_, discrete);
    ++cp.total_generations;
    cp.replayed += run.strategy.lambda;
    if (!options_.ipop) continue;
    const std::string stop = TerminationCriterion(run, solutions, options_.tol_x, options_.tol_fun);
    if (stop.empty()) continue;
    // IPOP: a new run from a uniformly random mean, with twice the population.
    ++cp.restarts;
    cp.last_stop = stop;
    Rng rng(DeriveSeed(seed_, static_cast<uint64_t>(cp.restarts), RestartStream()));
    VectorXd mean(n);
    for (int j = 0; j < n; ++j) mean[j] = rng.Uniform();
    cp.run = NewRun(n, 2 * run.strategy.lambda, options_.sigma0, std::move(mean));
  }

  auto result = std::make_shared<const Checkpoint>(std::move(cp));
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (!cache_ || cache_->storage != result->storage || cache_->study_id != result->study_id ||
      cache_->complete_seen <= result->complete_seen) {
    cache_ = result;
  }
  return result;
}

ParamMap CmaEsSampler::SampleRelative(const Study& study, const FrozenTrial& trial,
                                      const std::vector<std::string>& /*names*/) const {
  CheckSingleObjective(study.directions().size());
  std::shared_ptr<const Checkpoint> cp;
  if (!dims_.empty() && study.Counts().complete >= options_.n_startup_trials) {
    cp = ReplayCheckpoint(study);
  }
  const std::vector<bool>& discrete = margin_;
  Rng rng(DeriveSeed(seed_, static_cast<uint64_t>(trial.number), SampleStream()));
  std::vector<VectorXd> samples;
  const auto propose = [&](int attempt) {
    ParamMap proposal;
    for (const ParamSpec& spec : space_.params()) {
      proposal.emplace(spec.name(), internal::UniformValue(seed_, trial, spec, attempt));
    }
    if (!cp) return proposal;
    // Samples are drawn in order from the trial's stream, as the replay recomputes them.
    while (samples.size() <= static_cast<size_t>(attempt)) {
      samples.push_back(DrawSample(cp->run, discrete, rng));
    }
    const VectorXd& x = samples[static_cast<size_t>(attempt)];
    for (size_t j = 0; j < dims_.size(); ++j) {
      const int jj = static_cast<int>(j);
      proposal.insert_or_assign(dims_[j]->name(),
                                dims_[j]->FromUnit(EncodedUnit(cp->run, discrete[j], jj, x[jj])));
    }
    return proposal;
  };
  return internal::PickFreshProposal(study, space_, trial, seed_, FallbackStream(), propose);
}

ParamValue CmaEsSampler::SampleIndependent(const Study& /*study*/, const FrozenTrial& trial,
                                           const ParamSpec& param) const {
  return SampleUniform(seed_, trial, param);
}

CmaState CmaEsSampler::Replay(const Study& study) const {
  CmaState state;
  if (dims_.empty()) return state;
  const std::shared_ptr<const Checkpoint> cp = ReplayCheckpoint(study);
  const Run& run = cp->run;
  state.restarts = cp->restarts;
  state.last_stop = cp->last_stop;
  state.population_size = run.strategy.lambda;
  state.generation = run.generation;
  state.total_generations = cp->total_generations;
  state.replayed_trials = cp->replayed;
  state.injected_trials = cp->injected;
  state.mean.assign(run.mean.data(), run.mean.data() + run.mean.size());
  state.sigma = run.sigma;
  const int n = static_cast<int>(dims_.size());
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) state.covariance.push_back(run.C(i, j));
  }
  state.margin_scale.assign(run.A.data(), run.A.data() + run.A.size());
  return state;
}

}  // namespace automl
