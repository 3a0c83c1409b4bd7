// ConstrainedPathEvolution: the evolutionary architecture search of Single Path One-Shot NAS,
// under a hard constraint, over a trained supernet's paths.
//
// Z. Guo, X. Zhang, H. Mu, W. Heng, Z. Liu, Y. Wei, J. Sun, "Single Path One-Shot Neural
// Architecture Search with Uniform Sampling", ECCV 2020: Algorithm 1 (evolutionary architecture
// search) and the loop of its released search code (megvii-model/SinglePathOneShot, Search/
// search.py: keep_top_k, get_mutation, get_crossover, get_random).
//
// After supernet training, paths are scored with inherited weights (SPOS recalibrates BN
// statistics first: the caller's evaluate does that) and searched by evolution, where every
// candidate must satisfy the constraint (FLOPs, latency, parameters) before it is evaluated, so
// the search never spends an evaluation on a path it could not return:
//   - Generation 0: the seeds in the order given (e.g. GreedyNAS's candidate pool; repeated or
//     disallowed ones are skipped), then uniform allowed paths, up to `population`.
//   - Each later generation, from the top_k best paths evaluated so far (ties to the earlier
//     evaluation):
//       `num_mutations` mutants: a parent drawn uniformly from the top_k, each layer redrawn
//         uniformly with probability `mutation_prob` (the redraw may keep the old choice);
//       `num_crossovers` children: two parents drawn uniformly (independently) from the top_k,
//         each layer taken from either with probability 1/2;
//       then, with `fill_random`, uniform allowed paths until the generation has `population`
//         paths (the released code tops up this way when mutation and crossover come up short).
//     A candidate is kept only if it is allowed and was never evaluated nor proposed before
//     (memoized: no path is evaluated twice). Each kind gets at most max_tries_factor draws per
//     wanted candidate (the released code's 10x); a kind that runs out of draws contributes
//     fewer candidates that generation, never a disallowed one.
//   - `iterations` generations are evaluated in all, generation 0 included (SPOS: 20 of 50, about
//     1,000 paths). The search also ends early when a generation finds no new allowed path.
// If generation 0 finds no allowed path at all, NextGeneration throws InvalidArgument: the
// constraint (nearly) excludes the space.
//
// Two ways to use it. Step-wise, so that a caller can record each candidate as a trial of a study
// as it goes and save State() between generations:
//   ConstrainedPathEvolution search(choices, {}, flops_ok, seeds);  // seeds: greedy.Pool()'s
//   while (!search.done()) {
//     std::vector<Path> paths = search.NextGeneration(rng);
//     if (paths.empty()) break;
//     search.Tell(accuracies(paths));
//   }
// or in one call, Run(rng, evaluate), which does exactly that.
//
// Scores are higher-is-better (accuracy with inherited weights) and must be finite.
// The constraint is assumed to be a pure function of the path: its answers are cached.
//
// Options (FromJson reads them, refusing unknown keys), with SPOS's defaults:
//   population        50    paths in generation 0 and the top-up target, >= 1
//   top_k             10    parents: the best top_k evaluated paths, >= 1
//   iterations        20    generations evaluated, generation 0 included, >= 1
//   mutation_prob     0.1   per-layer redraw probability of a mutation, in [0, 1]
//   num_mutations     25    mutants per generation, >= 0
//   num_crossovers    25    crossover children per generation, >= 0
//   fill_random       true  top up each generation with uniform paths to `population`
//   max_tries_factor  10    draws per wanted candidate before giving up on it, >= 1
//
// Randomness comes from the Rng the caller passes; for a run that resumes exactly, derive it per
// generation (Rng(DeriveSeed(seed, generation(), stream))) and save State() after each Tell.
#ifndef AUTOML_NAS_CONSTRAINED_PATH_EVOLUTION_H_
#define AUTOML_NAS_CONSTRAINED_PATH_EVOLUTION_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "automl/json.h"
#include "automl/nas/path.h"
#include "automl/random.h"

namespace automl::nas {

struct ConstrainedPathEvolutionOptions {
  int64_t population = 50;
  int64_t top_k = 10;
  int64_t iterations = 20;
  double mutation_prob = 0.1;
  int64_t num_mutations = 25;
  int64_t num_crossovers = 25;
  bool fill_random = true;
  int64_t max_tries_factor = 10;

  // Reads the options above; every key is optional, unknown keys are refused. Validates.
  static ConstrainedPathEvolutionOptions FromJson(const Json& json);
  // Every option; FromJson(ToJson()) gives the same options.
  Json ToJson() const;
  // Throws InvalidArgument naming the field ("path-evolution: top_k: ...").
  void Validate() const;
};

struct PathEvolutionResult {
  std::vector<ScoredPath> evaluated;  // every evaluated path with its score, in evaluation order
  std::vector<ScoredPath> top;        // the best top_k of them, best first
};

class ConstrainedPathEvolution {
 public:
  using Evaluate = std::function<std::vector<double>(const std::vector<Path>&)>;

  // Throws InvalidArgument for invalid |choices| (see ValidateChoices), options, or a seed that
  // does not fit the space (disallowed seeds are skipped, not refused). |feasible| empty allows
  // every path.
  ConstrainedPathEvolution(std::vector<int64_t> choices,
                           ConstrainedPathEvolutionOptions options = {},
                           PathPredicate feasible = {}, std::vector<Path> seeds = {});

  // The next generation's paths, all allowed and new; they stay pending until Tell. Empty when
  // done() (and when this generation found no new allowed path, which makes done() true).
  // Throws FailedPrecondition while a generation is pending, InvalidArgument when generation 0
  // finds no allowed path.
  std::vector<Path> NextGeneration(Rng& rng);
  // The scores of the pending generation, one per path in order, finite. Throws
  // FailedPrecondition when nothing is pending, InvalidArgument for a wrong count or a
  // non-finite score.
  void Tell(const std::vector<double>& scores);

  // Whether `iterations` generations were evaluated or the last one found nothing new.
  bool done() const;
  // Generations evaluated (told) so far.
  int64_t generation() const { return generation_; }
  const std::vector<Path>& Pending() const { return pending_; }
  const std::vector<ScoredPath>& Evaluated() const { return evaluated_; }
  // The best top_k evaluated paths, best first, ties to the earlier evaluation.
  std::vector<ScoredPath> TopK() const;

  // Evaluates the pending generation if any, then generations until done().
  PathEvolutionResult Run(Rng& rng, const Evaluate& evaluate);

  const std::vector<int64_t>& choices() const { return choices_; }
  const ConstrainedPathEvolutionOptions& options() const { return options_; }

  // {"choices", "generation", "exhausted", "evaluated": [{"path", "score"}...], "pending":
  // [paths]}. LoadState restores it exactly (the seeds matter for generation 0 only); it throws
  // InvalidArgument for a malformed state or one saved for other choices.
  Json State() const;
  void LoadState(const Json& state);

 private:
  bool Allowed(const Path& path);
  // Adds |path| to the pending generation when it is allowed and new.
  bool Accept(const Path& path);
  // Up to |wanted| candidates from |draw|, with at most max_tries_factor draws per wanted one.
  template <typename Draw>
  void Collect(int64_t wanted, Draw draw);

  std::vector<int64_t> choices_;
  ConstrainedPathEvolutionOptions options_;
  PathPredicate feasible_;
  std::vector<Path> seeds_;
  int64_t generation_ = 0;
  bool exhausted_ = false;
  std::vector<ScoredPath> evaluated_;
  std::vector<Path> pending_;
  std::set<Path> seen_;                 // evaluated and pending paths
  std::map<Path, bool> allowed_cache_;  // the constraint's answers
};

}  // namespace automl::nas

#endif  // AUTOML_NAS_CONSTRAINED_PATH_EVOLUTION_H_
