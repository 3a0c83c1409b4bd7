// Sampler: proposes the parameters of new trials.
//
// A sampler may draw a group of parameters jointly (relative sampling, as model-based samplers
// do: GP-BO, TPE, CMA-ES) and the rest one at a time (independent sampling), as in Optuna. For a
// new trial the study
//   1. asks RelativeParams() which parameters the sampler draws jointly,
//   2. calls SampleRelative() once for them,
//   3. walks the space with parents before children, skips inactive parameters, takes the
//      relative value where there is one and calls SampleIndependent() for the others.
//
// Samplers are pure: a suggestion is a function of (the sampler's options and seed, the study's
// history, the trial), so suggesting never changes a sampler's state, a fixed seed gives the same
// suggestions, and a study resumed in a new process continues exactly where it stopped. Methods
// are const and may be called from several threads at once. Samplers see running trials in the
// history (Study::Trials()), so parallel workers can spread out; a RUNNING trial without
// parameters (has_params false) has been claimed but not yet sampled, and samplers must ignore
// it, so that a trial sampled before or after its claim gets the same values.
#ifndef AUTOML_SAMPLER_H_
#define AUTOML_SAMPLER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "automl/frozen_trial.h"
#include "automl/json.h"
#include "automl/param_value.h"
#include "automl/search_space.h"
#include "automl/trial_state.h"

namespace automl {

class Study;

// What a sampler is built with (besides its options).
struct SamplerContext {
  SearchSpace space;
  std::vector<Direction> directions;
  uint64_t seed = 0;
  // The study's pruner spec, as a config writes it (`hyperband` or {name: hyperband, ...}), for
  // samplers that work with a pruner: `bohb` takes its budgets from Hyperband's rungs.
  Json pruner = "none";
};

class Sampler {
 public:
  virtual ~Sampler() = default;

  // The name it is registered under ("random", "grid", ...).
  virtual std::string name() const = 0;

  // Names of the parameters drawn jointly for |trial|. Default: none.
  virtual std::vector<std::string> RelativeParams(const Study& study,
                                                  const FrozenTrial& trial) const;
  // Values for (a subset of) |names|; parameters left out are sampled independently. Values for
  // parameters that turn out inactive are ignored.
  virtual ParamMap SampleRelative(const Study& study, const FrozenTrial& trial,
                                  const std::vector<std::string>& names) const;
  // A value for one parameter.
  virtual ParamValue SampleIndependent(const Study& study, const FrozenTrial& trial,
                                       const ParamSpec& param) const = 0;

  // How many fresh trials this sampler can propose before it has nothing new (a grid's size);
  // nullopt when unbounded.
  virtual std::optional<int64_t> Capacity() const { return std::nullopt; }

  // Whether the study may sample a fresh trial before claiming it. A lone process predicts the
  // number of its next fresh trial and samples it ahead of the claim, so that the parameters are
  // stored in the claim's own transaction (a durable commit saved per trial; see
  // ClaimRequest::Speculation); the trial handed to the sampler then is provisional: it has no
  // storage id (id -1) and is not yet in the storage. A sampler that must see the claimed trial,
  // because it records something about it while sampling (a system attribute through
  // study.storage().SetTrialSystemAttr(trial.id, ...), as `econas` writes its directive),
  // returns false: its trials are always sampled after their claim, one more commit per trial,
  // and Ask re-reads the claimed trial's system attributes after sampling, so that the Trial it
  // hands out carries what the sampler wrote.
  virtual bool MaySampleAhead() const { return true; }
};

// Stream ids for DeriveSeed(), so that a trial's sampler randomness and the seed handed to its
// objective are independent.
inline constexpr uint64_t kSamplerStream = 0x73616d706c6572ULL;  // "sampler"

}  // namespace automl

#endif  // AUTOML_SAMPLER_H_
