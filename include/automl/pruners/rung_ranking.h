// RungRanking: how the halving pruners (sha, hyperband) order the trials that reached a rung, for
// one objective or several.
//
// One objective: by value. Several objectives: as NSGA-II orders a population (K. Deb, A. Pratap,
// S. Agarwal, T. Meyarivan, "A Fast and Elitist Multiobjective Genetic Algorithm: NSGA-II", IEEE
// TEC 6(2), 2002): by non-dominated front first, then by crowding distance within a front, so
// that a rung keeps the trials nearest the Pareto front and, among those, the most spread out.
// With one objective the two orders agree (the fronts are the distinct values, best first).
//
// Points are in minimization form: objectives to maximize are negated.
#ifndef AUTOML_PRUNERS_RUNG_RANKING_H_
#define AUTOML_PRUNERS_RUNG_RANKING_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "automl/frozen_trial.h"
#include "automl/trial_state.h"

namespace automl {

// |trial|'s values (all objectives) at the first reported step >= |rung|, in minimization form;
// nullopt if it has not reached the rung.
std::optional<std::vector<double>> RungPoint(const FrozenTrial& trial, int64_t rung,
                                             const std::vector<Direction>& directions);

// Whether any coordinate of |point| is NaN.
bool HasNaN(const std::vector<double>& point);

// How many of |points| the order above puts strictly ahead of points[i]: those in better fronts,
// and those in its front with a larger crowding distance (equals are not ahead, so ties are
// kept). The points must be free of NaN.
int64_t CountRankedAhead(const std::vector<std::vector<double>>& points, size_t i);

// How many of |points| Pareto-dominate points[i]. Unlike CountRankedAhead, this count can only
// grow as points are added, so a decision taken on it is final.
int64_t CountDominating(const std::vector<std::vector<double>>& points, size_t i);

}  // namespace automl

#endif  // AUTOML_PRUNERS_RUNG_RANKING_H_
