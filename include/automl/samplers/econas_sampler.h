// EcoNasSampler: EcoNAS's hierarchical proxy as an evolution strategy. Registered as `econas`.
//
// D. Zhou, X. Zhou, W. Zhang, C. C. Loy, S. Yi, X. Zhang, W. Ouyang, "EcoNAS: Finding Proxies for
// Economical Neural Architecture Search", CVPR 2020, the hierarchical proxy strategy: an evolving
// population whose networks are trained in chunks (the paper: 20 epochs) and continued from their
// checkpoints to 2 and 3 chunks only when they are among the best of their group, so that weak
// networks stop early. Each iteration the top 8 of the one-chunk group train one more chunk
// (joining the two-chunk group) and the top 4 of the two-chunk group one more (joining the
// three-chunk group); parents come from tournaments within each group; networks not trained for
// 10 iterations leave the population (aging, as in regularized evolution).
//
// ---- The directive --------------------------------------------------------------------------
// A sampler only returns parameters, so it tells the objective what to train by a directive: the
// trial's system attribute "econas" (kEcoNasAttr), written while the trial is sampled, a JSON
// object
//   {"level": k, "levels": L, "continues": <trial number or null>, "iteration": j}
// meaning: after this trial the network has been trained for k/L of the objective's epoch budget
// E. The objective trains epochs [(k-1)E/L, kE/L) (integer division; EcoNasDirective::FirstEpoch
// and EndEpoch) and saves a checkpoint when k < L. `continues` is the number of the trial of the
// same study, at level k-1, whose checkpoint this trial continues; null at level 1, where a new
// network is trained from scratch for its first chunk. j is the iteration the trial belongs to.
// The trial's value is the network's metric after level k. A continuation trial has exactly its
// parent's parameters: it continues that network, it is not a repeat. Only an objective that
// honours the directive makes sense with this sampler (the in-process LibTorch objective does);
// one that ignores it trains every continuation from scratch.
// Study::Ask hands out the Trial with the directive in record().system_attrs (the sampler does
// not sample ahead: MaySampleAhead() is false; see Sampler).
//
// ---- The schedule ---------------------------------------------------------------------------
// A *network* is a chain of COMPLETE trials linked by `continues`, from a level-1 trial; its
// level and value are those of its latest COMPLETE trial, its last update that trial's
// iteration. A network whose level-1 trial did not complete does not exist; a continuation that
// is PRUNED or FAILED (and no retry of it completes) ends the network at the previous level. The
// population at iteration j is the networks with last update >= j - max_age; its groups are its
// networks by level. Each ask is planned from the history alone:
//   - iteration 0 creates `population` new networks: level-1 trials drawn uniformly at random,
//     exactly as the `random` sampler draws them, with no architecture twice;
//   - iteration j >= 1 starts with `children` new networks, each a child of a parent won in a
//     tournament (sample_size members drawn without replacement from one group, the whole group
//     when it is smaller; the best by value, the first drawn among equals) within a group picked
//     uniformly among the non-empty groups, with exactly one decision changed as the `evolution`
//     sampler mutates (see there; no architecture twice in the study: SearchSpace::
//     CanonicalParams); when the population is empty (every network failed or aged out, or none
//     has finished yet) the child is drawn at random instead;
//   - once an iteration's new networks have all been created (asked for), the same iteration
//     continues networks: for k = 1 .. L-1 in order, up to promote[k-1] networks of the level-k
//     group that have no continuation trial yet (in any state) are continued, best first, one
//     trial each (level k+1, `continues` = the network's latest trial). A network continued to
//     k+1 in this iteration may be continued to k+2 in the same one once its level-(k+1) trial
//     has finished and it is the best candidate of that group while the quota lasts;
//   - when the quotas are used or no finished candidate remains, the next ask starts iteration
//     j+1.
// The iteration and the quotas left are counted from the directives: the current iteration is
// the largest one of any trial that is not a retry; its level-1 trials count towards its new
// networks (enqueued ones included), its level-(k+1) trials towards promote[k-1] (failed ones
// included: the quota was spent).
// Parallel workers: candidates still running are not waited for (a continuation goes to the
// best finished candidate, and an iteration ends when no finished candidate is left), and two
// asks that read the history at the same moment may plan the same continuation; then the first
// such trial to complete (the lowest number) carries the network on, the other is a dead end.
// This is an asynchronous approximation of the paper's synchronous iterations; with one worker
// the schedule is exact.
//
// Enqueued trials keep their given values (parameters they leave open are drawn uniformly) and
// are new level-1 networks of the iteration the next ask would be in. A retry (FrozenTrial::
// retry_of: the number of the trial it re-runs) keeps its parameters and gets the original's
// directive, so that it trains the same chunk; retries do not count towards quotas. Trials
// without a directive (from another sampler) are no networks, but their points are taken. In a
// space without parameters the directive is written from RelativeParams, as SampleRelative is
// not called there.
//
// Pure: a trial's randomness is Rng(DeriveSeed(seed, trial number, the sampler's stream)) and the
// plan is rebuilt from the study's trials and their directives at every ask, so that the same
// seed gives the same sequence and a resumed study continues exactly. An ask costs
// O(trials x parameters).
//
// Options (`sampler: {name: econas, ...}`), with defaults:
//   population      50       P: random networks of iteration 0 (>= 1)
//   children        16       new networks per later iteration (>= 1)
//   levels          3        L: chunks a network can be trained for (1 .. 100)
//   promote         [8, 4]   L-1 quotas: how many level-k networks are continued to k+1 per
//                            iteration (>= 0 each); without it, 8 halved at each level (at least
//                            1): [8, 4] for L = 3, [8] for L = 2, [8, 4, 2] for L = 4
//   sample_size     10       tournament size (>= 1)
//   max_age         10       iterations without training after which a network leaves the
//                            population (>= 1)
//   mutation_scale  0.1      sd of a continuous step as a fraction of the range, in (0, 1]
#ifndef AUTOML_SAMPLERS_ECONAS_SAMPLER_H_
#define AUTOML_SAMPLERS_ECONAS_SAMPLER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "automl/component_options.h"
#include "automl/frozen_trial.h"
#include "automl/json.h"
#include "automl/sampler.h"

namespace automl {

// The trial system attribute that holds the directive.
inline constexpr char kEcoNasAttr[] = "econas";

// What an `econas` trial trains; see the header comment.
struct EcoNasDirective {
  int64_t level = 1;                 // k in 1 .. levels
  int64_t levels = 1;                // L
  std::optional<int64_t> continues;  // the level-(k-1) trial's number; none at level 1
  int64_t iteration = 0;             // j

  // The chunk of an objective with |epochs| epochs in all: [FirstEpoch, EndEpoch).
  int64_t FirstEpoch(int64_t epochs) const { return (level - 1) * epochs / levels; }
  int64_t EndEpoch(int64_t epochs) const { return level * epochs / levels; }

  // {"level": k, "levels": L, "continues": number | null, "iteration": j}.
  Json ToJson() const;
  // nullopt unless |json| is such an object with 1 <= level <= levels, continues null exactly at
  // level 1 and iteration >= 0.
  static std::optional<EcoNasDirective> FromJson(const Json& json);
  // The directive |trial| carries (system attribute kEcoNasAttr), if any.
  static std::optional<EcoNasDirective> Of(const FrozenTrial& trial);

  bool operator==(const EcoNasDirective& o) const {
    return level == o.level && levels == o.levels && continues == o.continues &&
           iteration == o.iteration;
  }
  bool operator!=(const EcoNasDirective& o) const { return !(*this == o); }
};

struct EcoNasSamplerOptions {
  int64_t population = 50;
  int64_t children = 16;
  int64_t levels = 3;
  std::vector<int64_t> promote = {8, 4};
  int64_t sample_size = 10;
  int64_t max_age = 10;
  double mutation_scale = 0.1;

  // The default quotas for |levels|: 8 halved at each level, at least 1 (levels - 1 of them).
  static std::vector<int64_t> DefaultPromote(int64_t levels);
  // Reads `sampler: {name: econas, ...}`, validated.
  static EcoNasSamplerOptions FromComponentOptions(const ComponentOptions& options);
  // Throws InvalidArgument naming the sampler and the first option out of range.
  void Validate() const;
};

class EcoNasSampler : public Sampler {
 public:
  // Throws InvalidArgument for invalid options or more than one objective; empty |directions|
  // (not known yet) are checked when the sampler is used.
  EcoNasSampler(const SearchSpace& space, uint64_t seed, EcoNasSamplerOptions options = {},
                const std::vector<Direction>& directions = {Direction::kMinimize});

  std::string name() const override { return "econas"; }
  // Every parameter (the sampler proposes whole trials, and must see enqueued ones too to write
  // their directive).
  std::vector<std::string> RelativeParams(const Study& study,
                                          const FrozenTrial& trial) const override;
  // Plans |trial| (a new network or a continuation, as described above), writes its directive
  // and returns its parameters; for an enqueued trial or a retry, writes the directive and
  // returns nothing (the trial keeps its values). Throws InvalidArgument for a study with several
  // objectives and FailedPrecondition for a trial without a storage id (not claimed yet).
  ParamMap SampleRelative(const Study& study, const FrozenTrial& trial,
                          const std::vector<std::string>& names) const override;
  // Parameters an enqueued trial leaves open: drawn as the `random` sampler draws them.
  ParamValue SampleIndependent(const Study& study, const FrozenTrial& trial,
                               const ParamSpec& param) const override;
  // False: the directive is written to the claimed trial.
  bool MaySampleAhead() const override { return false; }

  const EcoNasSamplerOptions& options() const { return options_; }

 private:
  // Plans |trial|, writes its directive, returns the relative parameters.
  ParamMap Propose(const Study& study, const FrozenTrial& trial) const;

  SearchSpace space_;
  uint64_t seed_;
  EcoNasSamplerOptions options_;
};

}  // namespace automl

#endif  // AUTOML_SAMPLERS_ECONAS_SAMPLER_H_
