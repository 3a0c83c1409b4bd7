// Avoiding duplicate suggestions in discrete spaces, for samplers that propose whole trials.
//
// When every active parameter of a trial is discrete (int, stepped float, categorical, ordinal,
// fixed), a sampler can propose a point that was already evaluated or is running; spending a trial
// on it again teaches nothing (the top complaint about Optuna's samplers on small discrete
// spaces). A sampler that proposes whole trials (a value for every parameter, from
// SampleRelative) hands its proposals to PickFreshProposal(), which returns the first one that is
// new, and otherwise falls back to uniform draws and, in a small space, to an untried point.
//
// Everything here is a function of the study's history and the trial, so samplers stay pure.
#ifndef AUTOML_CORE_SAMPLERS_FRESH_POINTS_H_
#define AUTOML_CORE_SAMPLERS_FRESH_POINTS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <vector>

#include "automl/frozen_trial.h"
#include "automl/param_value.h"
#include "automl/random.h"
#include "automl/search_space.h"

namespace automl {

class Study;

namespace internal {

// The parameters a study gives |trial| when a sampler proposes |proposal| (a value for every
// parameter, active or not): the trial's own (enqueued) values first, then the proposal's, for
// exactly the active parameters. The same rule as the study's own completion of a trial, so that a
// proposal can be checked before it is handed out.
ParamMap ResolveProposal(const SearchSpace& space, const FrozenTrial& trial,
                         const ParamMap& proposal);

// Whether every parameter in |params| is discrete (so that the set can repeat exactly).
bool AllDiscrete(const SearchSpace& space, const ParamMap& params);

// The parameter sets the study has used or is using: COMPLETE, PRUNED, FAILED and RUNNING trials
// with parameters, except trial |except_number| (the one being sampled).
std::set<ParamMap> TakenPoints(const Study& study, int64_t except_number);

// A uniform value for |param| in attempt |attempt| of a trial's proposals: the random sampler's
// value (SampleUniform) first, then fresh draws from the parameter's own stream.
ParamValue UniformValue(uint64_t seed, const FrozenTrial& trial, const ParamSpec& param,
                        int attempt);

// A value for every parameter of |space|, each uniform in its own scale, from |rng|.
ParamMap UniformProposal(const SearchSpace& space, Rng& rng);

// Every complete parameter set of |space| when all of them are discrete and there are at most
// |limit|; nullopt otherwise (a continuous parameter can be active, or the space is larger).
std::optional<std::vector<ParamMap>> EnumerateDiscretePoints(const SearchSpace& space,
                                                             size_t limit);

// How hard PickFreshProposal tries before it gives up on novelty.
struct FreshPointOptions {
  int proposal_attempts = 32;         // proposals from the sampler's own distribution
  int uniform_attempts = 32;          // then uniform draws over the whole space
  size_t enumeration_limit = 100000;  // then an untried point of a space at most this large
};

// Returns the first of propose(0), propose(1), ... (up to options.proposal_attempts) whose
// resolved parameter set is continuous or not taken; then tries uniform draws (seeded by |seed|,
// the trial's number and |stream|), then an untried point of the enumerated space chosen
// uniformly. When every point has been tried, returns propose(0): repeating is then unavoidable.
// The history is read only if propose(0) is an all-discrete point.
ParamMap PickFreshProposal(const Study& study, const SearchSpace& space, const FrozenTrial& trial,
                           uint64_t seed, uint64_t stream,
                           const std::function<ParamMap(int attempt)>& propose,
                           const FreshPointOptions& options = {});

}  // namespace internal
}  // namespace automl

#endif  // AUTOML_CORE_SAMPLERS_FRESH_POINTS_H_
