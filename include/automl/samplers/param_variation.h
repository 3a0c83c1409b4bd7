// Crossover and mutation of whole parameter sets (ParamMap) over a SearchSpace: how the `genetic`
// and `nsga2` samplers breed one child from two parents, for every kind of parameter and for
// conditional spaces.
//
// Per kind (operators in automl/samplers/genetic_operators.h):
// - float and int (plain, log or stepped): in the unit space of ParamSpec::ToUnit/FromUnit (so
//   log parameters vary in log scale), SBX crossover (Deb & Agrawal 1995) and polynomial
//   mutation (Deb & Goyal 1996) with bounds [0, 1]; ints and stepped floats are rounded to their
//   grid by FromUnit, which maps each unit cell to its value.
// - categorical: uniform crossover (each value from the second parent with probability
//   swapping_prob; G. Syswerda, "Uniform Crossover in Genetic Algorithms", ICGA 1989) and
//   mutation to a different choice, uniformly.
// - ordinal: SBX on the choice's position (its unit cell) and mutation to a neighbouring choice.
// - fixed: its value.
// With `crossover: uniform`, every kind uses uniform crossover (Optuna's default).
//
// SBX as in Deb's NSGA-II code (crossover.c): with probability crossover_prob the parents are
// crossed, each numeric variable then with probability 0.5, the two SBX children of a crossed
// variable swapped with probability 0.5 (so that neither child takes all the low sides). The code
// makes two children per crossing; a trial is one child, so MakeChild draws once which of the two
// it is and takes that child's value of every variable (a variable not crossed keeps that child's
// parent's value). Without crossover the child is the first parent. Each parameter is then mutated
// with probability mutation_prob (default 1 / the number of non-fixed parameters of the first
// parent, Deb's 1/n).
//
// Conditional parameters: the child is built parents first, so a parameter is considered only
// when the child's own values make it active; one active in both parents is crossed, one active
// in one parent only is inherited from it, one active in neither is drawn uniformly at random
// (not mutated: it is new anyway), and inactive ones are left out.
#ifndef AUTOML_SAMPLERS_PARAM_VARIATION_H_
#define AUTOML_SAMPLERS_PARAM_VARIATION_H_

#include <optional>
#include <string>

#include "automl/component_options.h"
#include "automl/param_value.h"
#include "automl/random.h"
#include "automl/search_space.h"

namespace automl {

struct VariationOptions {
  enum class Crossover {
    kSbx,      // SBX for numbers and ordinals, uniform for categoricals
    kUniform,  // uniform for every kind
  };
  Crossover crossover = Crossover::kSbx;
  double crossover_prob = 0.9;  // probability that a child is a crossing of its parents
  double swapping_prob = 0.5;   // uniform crossover: probability of a value from parent two
  // Per parameter; nullopt: 1 / the number of non-fixed parameters of the first parent.
  std::optional<double> mutation_prob;
  double eta_c = 20;  // SBX distribution index (Deb et al. 2002 use 20)
  double eta_m = 20;  // polynomial mutation distribution index (Deb et al. 2002 use 20)

  // Reads crossover (sbx | uniform), crossover_prob, swapping_prob, mutation_prob, eta_c and
  // eta_m from |options|, each validated; absent options keep their defaults.
  static VariationOptions FromComponentOptions(const ComponentOptions& options);
  // Throws InvalidArgument naming |who| ("sampler 'genetic'") and the first invalid option.
  void Validate(const std::string& who) const;
};

// "sbx" | "uniform".
const char* CrossoverName(VariationOptions::Crossover crossover);

// A point drawn uniformly at random (each active parameter uniform in its own scale).
ParamMap RandomParams(const SearchSpace& space, Rng& rng);

// One child of |first| and |second| (parameter sets of |space|; values a parameter cannot take
// count as absent), by crossover and mutation as described above. Deterministic given |rng|.
ParamMap MakeChild(const SearchSpace& space, const ParamMap& first, const ParamMap& second,
                   const VariationOptions& options, Rng& rng);

// Mutation of one value of |param| (as MakeChild mutates), for callers that need it alone.
ParamValue MutateValue(const ParamSpec& param, const ParamValue& value,
                       const VariationOptions& options, Rng& rng);

}  // namespace automl

#endif  // AUTOML_SAMPLERS_PARAM_VARIATION_H_
