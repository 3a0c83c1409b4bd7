// Study: a search over a space, with a sampler, a pruner and a storage; the ask/tell interface.
//
//   automl::StudyOptions options;
//   options.name = "branin";
//   options.space = automl::SearchSpace({automl::ParamSpec::Float("x", -5, 10), ...});
//   automl::Study study = automl::Study::CreateOrLoad(automl::OpenStorage("memory"), options);
//   automl::Trial trial = study.Ask();
//   study.Tell(trial, Branin(trial.Float("x"), trial.Float("y")));
//
// A Study is a cheap handle: copies share one study. It is thread-safe.
#ifndef AUTOML_STUDY_H_
#define AUTOML_STUDY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "automl/frozen_trial.h"
#include "automl/json.h"
#include "automl/optimize.h"
#include "automl/pruner.h"
#include "automl/sampler.h"
#include "automl/search_space.h"
#include "automl/storage.h"
#include "automl/trial.h"
#include "automl/trial_state.h"

namespace automl {

struct StudyOptions {
  std::string name;
  std::vector<Direction> directions{Direction::kMinimize};
  SearchSpace space;
  uint64_t seed = 0;
  // The user's configuration, stored with the study for the record.
  Json config = Json::object();
  // Stored with a new study (the environment it ran in); the toolkit version is added.
  Json system_attrs = Json::object();
  // How often a trial whose worker was lost is re-run (a new trial, same parameters).
  int64_t max_retries = 2;
  // A RUNNING trial whose worker has not beaten for this many seconds counts as lost, on any
  // host. A running objective beats every min(5, heartbeat_timeout / 4) seconds.
  double heartbeat_timeout = 60;

  // Ceres-style check: false, with |error| naming the field and the rule, when invalid.
  bool IsValid(std::string* error) const;
};

struct AskOptions {
  // Hand out a trial only while finished + running trials are below this (the counting contract).
  std::optional<int64_t> target;
};

struct AskResult {
  ClaimStatus status = ClaimStatus::kClaimed;
  std::optional<Trial> trial;
  TrialCounts counts;
};

class Study {
 public:
  // Opens study |options.name| in |storage|, creating it when it does not exist. An existing
  // study must have the same space and directions (InvalidArgument otherwise). Without a sampler
  // the study samples at random; without a pruner it never prunes.
  static Study CreateOrLoad(std::shared_ptr<Storage> storage, const StudyOptions& options,
                            std::unique_ptr<Sampler> sampler = nullptr,
                            std::unique_ptr<Pruner> pruner = nullptr);
  // Opens an existing study (NotFound if there is none), to read it or to add trials.
  static Study Load(std::shared_ptr<Storage> storage, const std::string& name,
                    std::unique_ptr<Sampler> sampler = nullptr,
                    std::unique_ptr<Pruner> pruner = nullptr);

  int64_t id() const;
  const std::string& name() const;
  const std::vector<Direction>& directions() const;
  bool is_multi_objective() const { return directions().size() > 1; }
  const SearchSpace& space() const;
  uint64_t seed() const;
  const Sampler& sampler() const;
  const Pruner& pruner() const;
  Storage& storage() const;
  // The study's stored record (config, attributes) as of now.
  StudyRecord Record() const;

  // ---- Ask and tell ----
  // A new RUNNING trial with its parameters: an enqueued one first, else a sampled one. Throws
  // Exhausted when the sampler has nothing new (a finished grid).
  Trial Ask();
  // Ask() under the counting contract; see AskOptions. Does not throw for a reached target or an
  // exhausted sampler: |status| says so.
  AskResult TryAsk(const AskOptions& options);

  // Finishes |trial| and returns the state recorded: COMPLETE, or FAILED when a value is NaN or
  // infinite (with the reason). The number of values must match the number of objectives.
  TrialState Tell(Trial& trial, double value);
  TrialState Tell(Trial& trial, const std::vector<double>& values);
  // Finishes |trial| as PRUNED or FAILED with |reason|.
  TrialState Tell(Trial& trial, TrialState state, const std::string& reason = "");
  TrialState Tell(Trial& trial, const TrialOutcome& outcome);

  // Adds a trial with fixed parameters (a warm start); active parameters left out are sampled
  // when the trial is asked for. Returns the trial's number.
  int64_t Enqueue(const ParamMap& params, const Json& user_attrs = Json::object());

  // ---- Reading ----
  std::vector<FrozenTrial> Trials(StateMask states = StateMask::All()) const;
  FrozenTrial GetTrial(int64_t number) const;
  TrialCounts Counts() const;
  // The COMPLETE trial with the best value (the lowest number among ties). Single objective
  // only; nullopt when no trial is complete.
  std::optional<FrozenTrial> BestTrial() const;
  // The COMPLETE trials no other COMPLETE trial dominates, by number.
  std::vector<FrozenTrial> ParetoFront() const;

  void SetUserAttr(const std::string& key, const Json& value);
  void SetSystemAttr(const std::string& key, const Json& value);

  // Marks RUNNING trials whose worker is lost FAILED ("worker lost") and enqueues their re-runs
  // (up to max_retries per trial): trials of processes on this host that are gone (judged by PID
  // and process start time), and trials on any host whose last heartbeat is older than
  // heartbeat_timeout. Returns how many were marked.
  int64_t FailLostTrials();

  // ---- The optimization loop ----
  // Runs |objective| on new trials until a stop condition of |options| holds; see optimize.h.
  // |objective| returns a double, a std::vector<double> (several objectives) or a TrialOutcome;
  // throwing TrialPruned prunes the trial, any other exception fails it with its message.
  template <typename F>
  OptimizeSummary Optimize(F&& objective, const OptimizeOptions& options = {});
  OptimizeSummary Run(const Objective& objective, const OptimizeOptions& options);

 private:
  explicit Study(std::shared_ptr<internal::StudyState> state) : state_(std::move(state)) {}
  friend class Trial;
  // Parameters for the next fresh trial, sampled before claiming it when its number can be
  // predicted (see ClaimRequest::Speculation).
  std::optional<ClaimRequest::Speculation> Speculate() const;
  void LearnPrediction(const std::optional<ClaimRequest::Speculation>& speculation,
                       const ClaimResult& claim);

  std::shared_ptr<internal::StudyState> state_;
};

template <typename F>
OptimizeSummary Study::Optimize(F&& objective, const OptimizeOptions& options) {
  return Run(MakeObjective(std::forward<F>(objective)), options);
}

}  // namespace automl

#endif  // AUTOML_STUDY_H_
