// Trial: a live handle on a RUNNING trial, given by Study::Ask(). It reads the trial's
// parameters, reports intermediate values and asks the pruner whether to stop. It keeps its study
// alive; it is not thread-safe itself (one trial, one thread), but different trials of a study
// may be used from different threads.
#ifndef AUTOML_TRIAL_H_
#define AUTOML_TRIAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "automl/frozen_trial.h"
#include "automl/json.h"
#include "automl/param_value.h"
#include "automl/storage.h"

namespace automl {

class Study;

namespace internal {
struct StudyState;
}  // namespace internal

// Thrown by an objective to say that its trial was pruned (Optuna's TrialPruned). Study::Optimize
// records the trial as PRUNED.
class TrialPruned : public std::exception {
 public:
  TrialPruned() = default;
  explicit TrialPruned(std::string reason) : reason_(std::move(reason)) {}
  const char* what() const noexcept override { return reason_.c_str(); }

 private:
  std::string reason_ = "pruned";
};

class Trial {
 public:
  int64_t id() const { return record_.id; }
  int64_t number() const { return record_.number; }
  // The seed for this trial's own randomness (derived from the study seed and the number).
  uint64_t seed() const { return record_.seed; }
  const ParamMap& params() const { return record_.params; }
  const std::string& study_name() const;
  // The study this trial belongs to.
  Study study() const;
  // The record as of now: parameters and the values reported so far.
  const FrozenTrial& record() const { return record_; }

  bool Has(const std::string& name) const { return record_.params.count(name) != 0; }
  // Throws NotFound when |name| is not an active parameter of this trial.
  const ParamValue& Param(const std::string& name) const;
  double Float(const std::string& name) const { return Param(name).AsDouble(); }
  int64_t Int(const std::string& name) const { return Param(name).AsInt(); }
  bool Bool(const std::string& name) const { return Param(name).AsBool(); }
  const std::string& String(const std::string& name) const { return Param(name).AsString(); }

  // Stores an intermediate value at |step| (>= 0), one per objective. A step reported twice keeps
  // its first value.
  void Report(int64_t step, double value);
  void Report(int64_t step, const std::vector<double>& values);
  // Asks the study's pruner whether this trial should stop now.
  bool ShouldPrune() const;

  void SetUserAttr(const std::string& key, const Json& value);
  void SetSystemAttr(const std::string& key, const Json& value);
  void SetLog(const TrialLog& log);

  // Whether Study::Tell() has been called for this trial.
  bool finished() const { return finished_; }

 private:
  friend class Study;
  Trial(std::shared_ptr<internal::StudyState> study, FrozenTrial record)
      : study_(std::move(study)), record_(std::move(record)) {}
  void CheckRunning(const char* what) const;

  std::shared_ptr<internal::StudyState> study_;
  FrozenTrial record_;
  bool finished_ = false;
};

}  // namespace automl

#endif  // AUTOML_TRIAL_H_
