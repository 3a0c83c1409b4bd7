#include "automl/trial.h"

#include "automl/error.h"
#include "automl/study.h"
#include "core/study_state.h"

namespace automl {

void Trial::CheckRunning(const char* what) const {
  if (finished_) {
    throw FailedPrecondition(std::string("cannot ") + what + " trial " + std::to_string(number()) +
                             ": it is finished");
  }
}

const std::string& Trial::study_name() const { return study_->record.name; }

Study Trial::study() const { return Study(study_); }

const ParamValue& Trial::Param(const std::string& name) const {
  auto it = record_.params.find(name);
  if (it != record_.params.end()) return it->second;
  const bool known = study_->record.space.Find(name) != nullptr;
  throw NotFound("trial " + std::to_string(number()) + " has no parameter '" + name + "'" +
                 (known ? " (it is inactive in this trial)" : " (the space has none)"));
}

void Trial::Report(int64_t step, double value) { Report(step, std::vector<double>{value}); }

void Trial::Report(int64_t step, const std::vector<double>& values) {
  CheckRunning("report to");
  if (step < 0) throw InvalidArgument("a reported step must be >= 0, not " + std::to_string(step));
  const size_t objectives = study_->record.directions.size();
  if (values.size() != objectives) {
    throw InvalidArgument("trial " + std::to_string(number()) + ": reported " +
                          std::to_string(values.size()) + " values at step " +
                          std::to_string(step) + "; the study has " + std::to_string(objectives) +
                          " objectives");
  }
  if (study_->storage->ReportIntermediate(id(), step, values)) {
    record_.intermediate.emplace(step, values);
  }
}

bool Trial::ShouldPrune() const {
  CheckRunning("ask about");
  return study_->pruner->Prune(Study(study_), record_);
}

void Trial::SetUserAttr(const std::string& key, const Json& value) {
  CheckRunning("set an attribute of");
  study_->storage->SetTrialUserAttr(id(), key, value);
  record_.user_attrs[key] = value;
}

void Trial::SetSystemAttr(const std::string& key, const Json& value) {
  CheckRunning("set an attribute of");
  study_->storage->SetTrialSystemAttr(id(), key, value);
  record_.system_attrs[key] = value;
}

void Trial::SetLog(const TrialLog& log) {
  CheckRunning("set the log of");
  study_->storage->SetTrialLog(id(), log);
}

}  // namespace automl
