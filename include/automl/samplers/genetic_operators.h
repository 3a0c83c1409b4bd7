// Genetic-algorithm operators shared by the `genetic` and `nsga2` samplers, on plain numbers:
// real-valued variation, tournament selection, and NSGA-II's ranking and environmental selection.
//
// Papers:
// - K. Deb, R. B. Agrawal, "Simulated Binary Crossover for Continuous Search Space", Complex
//   Systems 9(2), 1995 (SBX).
// - K. Deb, M. Goyal, "A Combined Genetic Adaptive Search (GeneAS) for Engineering Design",
//   Computer Science and Informatics 26(4), 1996 (polynomial mutation).
// - K. Deb, A. Pratap, S. Agarwal, T. Meyarivan, "A Fast and Elitist Multiobjective Genetic
//   Algorithm: NSGA-II", IEEE Transactions on Evolutionary Computation 6(2), 2002 (fast
//   non-dominated sort, crowding distance, crowded-comparison operator, elitist selection).
// - D. E. Goldberg, "Genetic Algorithms in Search, Optimization and Machine Learning",
//   Addison-Wesley, 1989 (tournament selection).
// The bounded forms of SBX and polynomial mutation (the distributions truncated to [low, high] so
// that children never leave the bounds) are those of Deb's NSGA-II reference code (KanGAL,
// nsga2 v1.1: crossover.c realcross, mutation.c real_mutate_ind), analysed in K. Deb, D. Deb,
// "Analysing mutation schemes for real-parameter genetic algorithms", IJAISC 4(1), 2014.
//
// Objective vectors here are always minimized; callers negate maximized objectives first.
#ifndef AUTOML_SAMPLERS_GENETIC_OPERATORS_H_
#define AUTOML_SAMPLERS_GENETIC_OPERATORS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "automl/random.h"

namespace automl {

// ---- Real-valued variation ---------------------------------------------------------------------

// The two children of one SBX crossing, |low| child first (nearer the smaller parent).
struct SbxChildren {
  double low;
  double high;
};

// Simulated binary crossover of one variable with parents |x1|, |x2| in [low, high] and
// distribution index |eta| (>= 0; larger keeps children nearer their parents). The children's
// spread factor follows the paper's polynomial distribution, truncated to the bounds. Parents
// closer than 1e-14 are returned unchanged, as in Deb's code (the spread would be meaningless).
// Draws exactly one random number when the parents differ, none otherwise.
SbxChildren SimulatedBinaryCrossover(double x1, double x2, double low, double high, double eta,
                                     Rng& rng);

// Polynomial mutation of |x| in [low, high] with distribution index |eta| (>= 0; larger keeps the
// mutant nearer |x|). Always returns a value in [low, high]; draws exactly one random number.
double PolynomialMutation(double x, double low, double high, double eta, Rng& rng);

// ---- Selection ---------------------------------------------------------------------------------

// Goldberg's tournament selection: |size| distinct members of |candidates| (all of them when
// there are fewer) drawn uniformly at random; the winner is the one no other drawn member is
// |better| than, the first drawn among equals, so that ties are broken at random. Returns the
// winning element of |candidates|, which must not be empty.
size_t TournamentSelect(const std::vector<size_t>& candidates, size_t size,
                        const std::function<bool(size_t, size_t)>& better, Rng& rng);

// ---- NSGA-II ranking ---------------------------------------------------------------------------

// Pareto dominance for minimization: |a| is no worse than |b| in every objective and better in
// at least one. Equal vectors do not dominate each other.
bool ParetoDominates(const std::vector<double>& a, const std::vector<double>& b);

// Deb et al.'s fast non-dominated sort, O(M N^2): the fronts of |points|, best first, each a
// list of indices into |points| in ascending order. Front 0 holds the points no point dominates;
// front k those dominated only by points of fronts < k. Equal points share a front.
std::vector<std::vector<size_t>> FastNonDominatedSort(
    const std::vector<std::vector<double>>& points);

// Deb et al.'s crowding distance of the members of |front| (indices into |points|), one value
// per member in |front|'s order: the sum over objectives of the normalized distance between a
// member's two neighbours along that objective, infinite for the two boundary members of each
// objective. Among members with equal values the one listed first counts as the smaller (so a
// front with two copies of its extreme point gives only one of them the infinite distance). An
// objective with no spread in the front (max == min) contributes nothing: the paper's
// normalization would divide by zero, and such an objective says nothing about crowding.
std::vector<double> CrowdingDistance(const std::vector<std::vector<double>>& points,
                                     const std::vector<size_t>& front);

// Survivors of a selection, best first, with what a tournament compares them by.
struct RankedSelection {
  std::vector<size_t> survivors;  // indices into the pool selected from
  std::vector<int64_t> rank;      // per survivor: lower is better
  std::vector<double> crowding;   // per survivor: larger is better among equal ranks
};

// Deb's crowded-comparison operator: whether (rank_a, crowding_a) is better than (rank_b,
// crowding_b): a lower rank, or the same rank and a larger crowding distance.
inline bool CrowdedBetter(int64_t rank_a, double crowding_a, int64_t rank_b, double crowding_b) {
  return rank_a < rank_b || (rank_a == rank_b && crowding_a > crowding_b);
}

// NSGA-II's elitist environmental selection of |n| survivors from |points| (the combined parent
// and offspring population R_t): whole fronts, best first, while they fit; then the members of
// the first front that does not fit in decreasing order of crowding distance (earlier index
// first among equals). Each survivor's rank is its front's index and its crowding distance is
// computed within its whole front. Keeps every point when n >= points.size().
RankedSelection NsgaSelection(const std::vector<std::vector<double>>& points, size_t n);

}  // namespace automl

#endif  // AUTOML_SAMPLERS_GENETIC_OPERATORS_H_
