#include "automl/pruners/rung_ranking.h"

#include <algorithm>
#include <cmath>

#include "automl/samplers/genetic_operators.h"

namespace automl {

std::optional<std::vector<double>> RungPoint(const FrozenTrial& trial, int64_t rung,
                                             const std::vector<Direction>& directions) {
  const auto it = trial.intermediate.lower_bound(rung);
  if (it == trial.intermediate.end()) return std::nullopt;
  std::vector<double> point = it->second;
  // A report with fewer values than objectives cannot be placed: it counts as NaN.
  point.resize(directions.size(), std::nan(""));
  for (size_t k = 0; k < directions.size(); ++k) {
    if (directions[k] == Direction::kMaximize) point[k] = -point[k];
  }
  return point;
}

bool HasNaN(const std::vector<double>& point) {
  return std::any_of(point.begin(), point.end(), [](double v) { return std::isnan(v); });
}

int64_t CountRankedAhead(const std::vector<std::vector<double>>& points, size_t i) {
  if (points[i].size() == 1) {
    // One objective: the fronts are the distinct values; no sort needed.
    return std::count_if(points.begin(), points.end(),
                         [&](const std::vector<double>& p) { return p[0] < points[i][0]; });
  }
  const std::vector<std::vector<size_t>> fronts = FastNonDominatedSort(points);
  int64_t ahead = 0;
  for (const std::vector<size_t>& front : fronts) {
    const auto position = std::find(front.begin(), front.end(), i);
    if (position == front.end()) {
      ahead += static_cast<int64_t>(front.size());
      continue;
    }
    const std::vector<double> crowding = CrowdingDistance(points, front);
    const double mine = crowding[static_cast<size_t>(position - front.begin())];
    return ahead +
           std::count_if(crowding.begin(), crowding.end(), [mine](double c) { return c > mine; });
  }
  return ahead;  // unreachable: every point is in a front
}

int64_t CountDominating(const std::vector<std::vector<double>>& points, size_t i) {
  return std::count_if(points.begin(), points.end(),
                       [&](const std::vector<double>& p) { return ParetoDominates(p, points[i]); });
}

}  // namespace automl
