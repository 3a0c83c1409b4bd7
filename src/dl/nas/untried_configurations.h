// Configurations already tried, as SearchSpace::CanonicalParams sees them (two spellings of one
// architecture are one configuration), and finding one that is not.
#ifndef AUTOML_DL_NAS_UNTRIED_CONFIGURATIONS_H_
#define AUTOML_DL_NAS_UNTRIED_CONFIGURATIONS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include "automl/frozen_trial.h"
#include "automl/param_value.h"
#include "automl/random.h"
#include "automl/search_space.h"
#include "dl/nas/decision_steps.h"

namespace automl {
class Study;
}

namespace automl::dl::internal {

// The canonical text of |params|, or nullopt when they are not a complete configuration.
std::optional<std::string> CanonicalKey(const SearchSpace& space, const ParamMap& params);

// The keys of |study|'s unfinished trials that hold a configuration: RUNNING ones with parameters
// and WAITING ones whose (enqueued) parameters are complete; trial |except_number| left out.
std::set<std::string> UnfinishedKeys(const Study& study, const SearchSpace& space,
                                     int64_t except_number);

// How hard UntriedUniform looks.
struct UntriedSearch {
  int uniform_attempts = 100;         // uniform draws
  size_t enumeration_limit = 100000;  // then every point of a space at most this large
};

// A configuration for |trial| (its given values kept) whose key |is_taken| refuses not: uniform
// draws (each active parameter uniform over its values), then an untried point of the enumerated
// space chosen uniformly; nullopt when none is found.
std::optional<ParamMap> UntriedUniform(const SearchSpace& space, const DecisionSteps& steps,
                                       const FrozenTrial& trial,
                                       const std::function<bool(const std::string&)>& is_taken,
                                       Rng& rng, const UntriedSearch& search = {});

}  // namespace automl::dl::internal

#endif  // AUTOML_DL_NAS_UNTRIED_CONFIGURATIONS_H_
