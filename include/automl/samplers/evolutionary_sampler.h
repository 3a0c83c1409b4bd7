// EvolutionarySampler: the generational machinery that the `genetic` and `nsga2` samplers share;
// they differ only in how survivors are chosen and compared (Select).
//
// Generations from the history. The sampler keeps no state: at every ask it rebuilds its
// generations from the study's history. The COMPLETE trials, in the order they finished
// (FrozenTrial::finish_seq, which every storage records), are cut into consecutive generations
// of population_size; a trailing partial generation is still being evaluated. With G >= 1
// complete generations, the parent population is
//   P_1 = Select(generation 0),  P_{g+1} = Select(P_g + generation g)  for g = 1 .. G - 1,
// each Select keeping population_size survivors: the (mu + lambda) elitist scheme of NSGA-II
// (Deb et al. 2002: P_{t+1} from R_t = P_t + Q_t), also Optuna's. Generation 0 is random (the
// initial population); every later trial is a child of P_G, the newest parent population.
// Ordering by finish (not by number) lets parallel workers fill generations in the order
// results arrive, so no generation waits for a slow trial.
//
// A child: two parents by tournament (the second drawn from the others), then crossover and
// mutation (automl/samplers/param_variation.h). All randomness comes from
// Rng(DeriveSeed(seed, trial number, stream of the sampler's name)).
//
// Which trials count. Only COMPLETE trials join populations: FAILED and PRUNED trials have no
// values and are ignored, as Optuna's NSGAIISampler does; RUNNING trials are not evaluated yet.
// Enqueued trials that complete join like any other.
//
// Duplicates. A child equal to a trial already evaluated, running or waiting (any trial with
// parameters) is bred again, up to 64 times; then up to 64 random points are tried; then, when
// the space is discrete and has at most 65,536 points, an unseen point is picked at random from
// all of them. Only when every point has been tried is a repeat proposed. This is applied to
// continuous spaces too, where a repeat can only come from a copied parent (crossover skipped
// and no mutation), and would spend a trial on a known result.
//
// Enqueued trials (no sample index) keep their given values; the others are drawn at random.
//
// Cost. Each ask reads the history (O(trials)) and selects over the generations completed since
// the last ask: the last parent population is memoized with the trials it was selected from
// (ids, finish order and objective values), and reused only when they are a prefix of the
// current complete trials, so a cold memo (a resumed study) gives exactly the same parents.
#ifndef AUTOML_SAMPLERS_EVOLUTIONARY_SAMPLER_H_
#define AUTOML_SAMPLERS_EVOLUTIONARY_SAMPLER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "automl/sampler.h"
#include "automl/samplers/genetic_operators.h"
#include "automl/samplers/param_variation.h"

namespace automl {

class EvolutionarySampler : public Sampler {
 public:
  // The parent population a trial asked now is bred from.
  struct Population {
    int64_t generations = 0;  // complete generations it was selected from (0: still random)
    std::vector<FrozenTrial> members;
    std::vector<int64_t> rank;     // per member: lower is better
    std::vector<double> crowding;  // per member: larger is better among equal ranks
  };

  std::vector<std::string> RelativeParams(const Study& study,
                                          const FrozenTrial& trial) const override;
  ParamMap SampleRelative(const Study& study, const FrozenTrial& trial,
                          const std::vector<std::string>& names) const override;
  // Parameters an enqueued trial leaves open are drawn at random.
  ParamValue SampleIndependent(const Study& study, const FrozenTrial& trial,
                               const ParamSpec& param) const override;

  // The current parent population of |study| (see above); for tests and reports.
  Population ParentPopulation(const Study& study) const;

  int64_t population_size() const { return population_size_; }
  const VariationOptions& variation() const { return variation_; }

 protected:
  // |tournament_size| contestants per tournament. Throws InvalidArgument naming the sampler for
  // invalid options (population_size >= 2, 2 <= tournament_size <= population_size).
  EvolutionarySampler(const std::string& name, const SearchSpace& space, uint64_t seed,
                      int64_t population_size, int64_t tournament_size, VariationOptions variation);

  // Chooses |n| survivors of |pool| (objective vectors to minimize, oldest first: the previous
  // parents in their order, then the new generation by finish), with the rank and crowding
  // distance tournaments compare them by (Deb's crowded comparison; a single-objective Select
  // leaves crowding equal).
  virtual RankedSelection Select(const std::vector<std::vector<double>>& pool, size_t n) const = 0;
  // Throws InvalidArgument when the sampler cannot optimize |directions|.
  virtual void CheckDirections(const std::vector<Direction>& directions) const = 0;

  const SearchSpace& space() const { return space_; }

 private:
  struct Parents;  // the population as pointers into a history
  struct Memo;     // the last population selected, with the trials it was selected from
  Parents SelectParents(const std::vector<FrozenTrial>& history,
                        const std::vector<Direction>& directions) const;
  ParamMap Breed(const Parents& parents, Rng& rng) const;
  ParamMap Propose(const Parents& parents, Rng& rng) const;
  ParamMap AvoidRepeat(const std::vector<FrozenTrial>& history, const FrozenTrial& trial,
                       const Parents& parents, ParamMap child, Rng& rng) const;

  SearchSpace space_;
  uint64_t seed_;
  int64_t population_size_;
  int64_t tournament_size_;
  VariationOptions variation_;

  // Guards memo_, which only saves work: see "Cost" above.
  mutable std::mutex memo_mutex_;
  mutable std::shared_ptr<const Memo> memo_;
};

}  // namespace automl

#endif  // AUTOML_SAMPLERS_EVOLUTIONARY_SAMPLER_H_
