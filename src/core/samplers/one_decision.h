// The variation of regularized evolution (E. Real et al., AAAI 2019), shared by the samplers that
// evolve whole trials one decision at a time: `evolution` and `econas`.
//
// - A child is its parent with exactly one decision changed: one of the parent's active,
//   non-fixed parameters with at least two values, chosen uniformly, gets
//     - categorical, ordinal, int or stepped float with at most 1,000 values: a different value
//       drawn uniformly;
//     - continuous float, or a discrete one with more values: a Gaussian step of sd |scale| times
//       the range in the unit cube of ParamSpec::ToUnit (log scale for log parameters), reflected
//       at the bounds and redrawn until the value differs;
//   conditional parameters the change activates are drawn uniformly, those it deactivates are
//   dropped.
// - No repeats: a point that a trial with parameters already has (any state) is not proposed. In
//   a space with architectures (structured parameters) a point is its canonical form
//   (SearchSpace::CanonicalParams), so that an architecture spelt another way is a repeat.
//
// Everything here is a function of its arguments and the Rng, so that samplers stay pure.
#ifndef AUTOML_CORE_SAMPLERS_ONE_DECISION_H_
#define AUTOML_CORE_SAMPLERS_ONE_DECISION_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "automl/frozen_trial.h"
#include "automl/param_value.h"
#include "automl/random.h"
#include "automl/search_space.h"

namespace automl::internal {

// The points of every trial of |history| with parameters (any state, WAITING included) but trial
// |except_number| (the one being sampled), hashed: a candidate is checked in O(its size), not
// against every trial. Keeps pointers into |space| and |history|.
class PointSet {
 public:
  PointSet(const SearchSpace& space, const std::vector<FrozenTrial>& history,
           int64_t except_number);

  bool Contains(const ParamMap& params) const;

 private:
  bool canonical() const { return !space_.structured().empty(); }
  // The canonical form as text; a set of values without every decision (an enqueued partial
  // trial) as it is.
  std::string Canonical(const ParamMap& params) const;

  const SearchSpace& space_;
  std::unordered_multimap<uint64_t, const FrozenTrial*> points_;  // into the history
  std::unordered_set<std::string> canonical_;
};

// |parent| with one of its active, changeable parameters changed (see above); nullopt when
// nothing can change.
std::optional<ParamMap> MutateOneDecision(const SearchSpace& space, const ParamMap& parent,
                                          double scale, Rng& rng);

// A point no trial has, when a sampler's own proposals were all taken: 64 uniform draws, then an
// untried point of the space listed in full when it is discrete with at most 65,536 points.
// Returns |first| (or the first draw) when every point has been tried: a repeat is then all
// there is.
ParamMap AnyNewPoint(const SearchSpace& space, const PointSet& taken, std::optional<ParamMap> first,
                     Rng& rng);

// A random point: the `random` sampler's point for |trial| (SampleUniform with |seed|), unless a
// trial has it already; then AnyNewPoint.
ParamMap RandomNewPoint(const SearchSpace& space, uint64_t seed, const FrozenTrial& trial,
                        const PointSet& taken, Rng& rng);

// A one-decision mutation that no trial has, of parents chosen by |pick_parent| (a tournament):
// each parent is mutated up to 8 times before the next is picked (8 parents), then AnyNewPoint
// with the first mutation as the fallback.
ParamMap NewMutant(const SearchSpace& space, double scale,
                   const std::function<const ParamMap&(Rng&)>& pick_parent, const PointSet& taken,
                   Rng& rng);

}  // namespace automl::internal

#endif  // AUTOML_CORE_SAMPLERS_ONE_DECISION_H_
