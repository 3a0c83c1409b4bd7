#include "automl/samplers/genetic_operators.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace automl {
namespace {

// Parents closer than this are not crossed (Deb's EPS): their spread is zero or round-off.
constexpr double kSbxMinSpread = 1e-14;

// SBX's spread factor beta_q for a child on one side of the parents, from the uniform draw |u|
// and |beta| = 1 + 2 (distance from the nearer parent to that side's bound) / (parent spread).
// The paper's density of beta is 0.5 (eta + 1) beta^eta on [0, 1] and 0.5 (eta + 1) /
// beta^(eta + 2) beyond; 2 - alpha is its mass beyond the bound, so drawing u * alpha instead
// of u truncates the distribution at the bound and renormalizes it.
double SbxSpreadFactor(double u, double beta, double eta) {
  const double alpha = 2.0 - std::pow(beta, -(eta + 1.0));
  if (u <= 1.0 / alpha) return std::pow(u * alpha, 1.0 / (eta + 1.0));
  return std::pow(1.0 / (2.0 - u * alpha), 1.0 / (eta + 1.0));
}

}  // namespace

SbxChildren SimulatedBinaryCrossover(double x1, double x2, double low, double high, double eta,
                                     Rng& rng) {
  const double y1 = std::min(x1, x2);
  const double y2 = std::max(x1, x2);
  const double spread = y2 - y1;
  if (spread <= kSbxMinSpread) return {y1, y2};
  // One draw for both children, as in Deb's code: they lie symmetrically about the parents'
  // mean, except where a bound truncates one side.
  const double u = rng.Uniform();
  const double beta_low = SbxSpreadFactor(u, 1.0 + 2.0 * (y1 - low) / spread, eta);
  const double beta_high = SbxSpreadFactor(u, 1.0 + 2.0 * (high - y2) / spread, eta);
  const double c1 = 0.5 * ((y1 + y2) - beta_low * spread);
  const double c2 = 0.5 * ((y1 + y2) + beta_high * spread);
  return {std::clamp(c1, low, high), std::clamp(c2, low, high)};
}

double PolynomialMutation(double x, double low, double high, double eta, Rng& rng) {
  const double u = rng.Uniform();
  const double range = high - low;
  if (!(range > 0)) return x;
  // The distance to each bound, as a fraction of the range: the bounded form stretches the
  // polynomial density on each side so that it ends exactly at that side's bound.
  const double to_low = (x - low) / range;
  const double to_high = (high - x) / range;
  const double power = 1.0 / (eta + 1.0);
  double delta = 0;
  if (u <= 0.5) {
    const double v = 2.0 * u + (1.0 - 2.0 * u) * std::pow(1.0 - to_low, eta + 1.0);
    delta = std::pow(v, power) - 1.0;
  } else {
    const double v = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * std::pow(1.0 - to_high, eta + 1.0);
    delta = 1.0 - std::pow(v, power);
  }
  return std::clamp(x + delta * range, low, high);
}

size_t TournamentSelect(const std::vector<size_t>& candidates, size_t size,
                        const std::function<bool(size_t, size_t)>& better, Rng& rng) {
  // A partial Fisher-Yates shuffle draws the contestants without replacement, so a tournament of
  // size k always compares k different members.
  std::vector<size_t> pool = candidates;
  const size_t draws = std::max<size_t>(1, std::min(size, pool.size()));
  size_t winner = 0;
  for (size_t i = 0; i < draws; ++i) {
    const size_t j = i + static_cast<size_t>(rng.Below(pool.size() - i));
    std::swap(pool[i], pool[j]);
    if (i == 0 || better(pool[i], winner)) winner = pool[i];
  }
  return winner;
}

bool ParetoDominates(const std::vector<double>& a, const std::vector<double>& b) {
  bool strictly = false;
  for (size_t m = 0; m < a.size(); ++m) {
    if (b[m] < a[m]) return false;
    strictly |= a[m] < b[m];
  }
  return strictly;
}

std::vector<std::vector<size_t>> FastNonDominatedSort(
    const std::vector<std::vector<double>>& points) {
  const size_t n = points.size();
  std::vector<std::vector<size_t>> dominated(n);  // S_p: the points p dominates
  std::vector<size_t> dominators(n, 0);           // n_p: how many points dominate p
  for (size_t p = 0; p < n; ++p) {
    for (size_t q = p + 1; q < n; ++q) {
      if (ParetoDominates(points[p], points[q])) {
        dominated[p].push_back(q);
        ++dominators[q];
      } else if (ParetoDominates(points[q], points[p])) {
        dominated[q].push_back(p);
        ++dominators[p];
      }
    }
  }
  std::vector<std::vector<size_t>> fronts;
  std::vector<size_t> front;
  for (size_t p = 0; p < n; ++p) {
    if (dominators[p] == 0) front.push_back(p);
  }
  while (!front.empty()) {
    // Peel the front off: a point whose last dominator leaves belongs to the next front.
    std::vector<size_t> next;
    for (size_t p : front) {
      for (size_t q : dominated[p]) {
        if (--dominators[q] == 0) next.push_back(q);
      }
    }
    std::sort(next.begin(), next.end());
    fronts.push_back(std::move(front));
    front = std::move(next);
  }
  return fronts;
}

std::vector<double> CrowdingDistance(const std::vector<std::vector<double>>& points,
                                     const std::vector<size_t>& front) {
  const size_t l = front.size();
  std::vector<double> distance(l, 0.0);
  if (l == 0) return distance;
  const size_t objectives = points[front[0]].size();
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  std::vector<size_t> order(l);  // positions in |front|, sorted along one objective
  for (size_t m = 0; m < objectives; ++m) {
    std::iota(order.begin(), order.end(), size_t{0});
    // Stable, so that equal values keep |front|'s order: the result does not depend on how the
    // sort breaks ties.
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return points[front[a]][m] < points[front[b]][m]; });
    const double f_min = points[front[order.front()]][m];
    const double f_max = points[front[order.back()]][m];
    if (!(f_max > f_min)) continue;
    distance[order.front()] = kInfinity;
    distance[order.back()] = kInfinity;
    for (size_t i = 1; i + 1 < l; ++i) {
      const double gap = points[front[order[i + 1]]][m] - points[front[order[i - 1]]][m];
      distance[order[i]] += gap / (f_max - f_min);
    }
  }
  return distance;
}

RankedSelection NsgaSelection(const std::vector<std::vector<double>>& points, size_t n) {
  RankedSelection selection;
  const std::vector<std::vector<size_t>> fronts = FastNonDominatedSort(points);
  for (size_t rank = 0; rank < fronts.size() && selection.survivors.size() < n; ++rank) {
    const std::vector<size_t>& front = fronts[rank];
    const std::vector<double> crowding = CrowdingDistance(points, front);
    std::vector<size_t> order(front.size());
    std::iota(order.begin(), order.end(), size_t{0});
    const size_t room = n - selection.survivors.size();
    if (front.size() > room) {
      // The front that does not fit: its least crowded members survive, which keeps the front
      // spread out.
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return crowding[a] > crowding[b]; });
      order.resize(room);
    }
    for (size_t i : order) {
      selection.survivors.push_back(front[i]);
      selection.rank.push_back(static_cast<int64_t>(rank));
      selection.crowding.push_back(crowding[i]);
    }
  }
  return selection;
}

}  // namespace automl
