#include "automl/storages/in_memory_storage.h"

#include "automl/error.h"
#include "automl/random.h"
#include "core/storages/storage_util.h"

namespace automl {

InMemoryStorage::StudyData& InMemoryStorage::StudyAt(int64_t study_id) {
  if (study_id < 0 || static_cast<size_t>(study_id) >= studies_.size()) {
    throw NotFound("no study with id " + std::to_string(study_id));
  }
  return studies_[static_cast<size_t>(study_id)];
}

const InMemoryStorage::StudyData& InMemoryStorage::StudyAt(int64_t study_id) const {
  return const_cast<InMemoryStorage*>(this)->StudyAt(study_id);
}

FrozenTrial& InMemoryStorage::TrialAt(int64_t trial_id) {
  if (trial_id < 0 || static_cast<size_t>(trial_id) >= trials_.size()) {
    throw NotFound("no trial with id " + std::to_string(trial_id));
  }
  return trials_[static_cast<size_t>(trial_id)];
}

const FrozenTrial& InMemoryStorage::TrialAt(int64_t trial_id) const {
  return const_cast<InMemoryStorage*>(this)->TrialAt(trial_id);
}

FrozenTrial& InMemoryStorage::RunningTrialAt(int64_t trial_id, const char* action) {
  FrozenTrial& trial = TrialAt(trial_id);
  if (trial.state != TrialState::kRunning) throw internal::NotRunning(trial, action);
  return trial;
}

int64_t InMemoryStorage::AddTrial(StudyData& study, FrozenTrial trial) {
  trial.id = static_cast<int64_t>(trials_.size());
  trial.number = static_cast<int64_t>(study.trial_ids.size());
  trial.seed = internal::TrialSeed(study.record.seed, trial.number);
  trial.created = internal::Now();
  study.counts.Add(trial.state, 1);
  study.trial_ids.push_back(trial.id);
  study_of_trial_.push_back(study.record.id);
  trials_.push_back(std::move(trial));
  return trials_.back().id;
}

void InMemoryStorage::SetState(FrozenTrial& trial, TrialState state) {
  StudyData& owner = StudyAt(study_of_trial_[static_cast<size_t>(trial.id)]);
  owner.counts.Add(trial.state, -1);
  owner.counts.Add(state, 1);
  trial.state = state;
  if (IsFinished(state)) {
    trial.finished = internal::Now();
    owner.finish_order.push_back(trial.id);
    trial.finish_seq = static_cast<int64_t>(owner.finish_order.size());
  }
}

// ---- Studies ----

int64_t InMemoryStorage::CreateStudy(const StudyRecord& study) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const StudyData& s : studies_) {
    if (s.record.name == study.name) {
      throw AlreadyExists("a study named '" + study.name + "' exists");
    }
  }
  StudyData data;
  data.record = study;
  data.record.id = static_cast<int64_t>(studies_.size());
  data.record.created = internal::Now();
  studies_.push_back(std::move(data));
  return studies_.back().record.id;
}

std::optional<StudyRecord> InMemoryStorage::FindStudy(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const StudyData& s : studies_) {
    if (s.record.name == name) return s.record;
  }
  return std::nullopt;
}

StudyRecord InMemoryStorage::GetStudy(int64_t study_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return StudyAt(study_id).record;
}

std::vector<StudyRecord> InMemoryStorage::ListStudies() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<StudyRecord> out;
  for (const StudyData& s : studies_) out.push_back(s.record);
  return out;
}

void InMemoryStorage::SetStudyUserAttr(int64_t study_id, const std::string& key,
                                       const Json& value) {
  std::lock_guard<std::mutex> lock(mutex_);
  StudyAt(study_id).record.user_attrs[key] = value;
}

void InMemoryStorage::SetStudySystemAttr(int64_t study_id, const std::string& key,
                                         const Json& value) {
  std::lock_guard<std::mutex> lock(mutex_);
  StudyAt(study_id).record.system_attrs[key] = value;
}

// ---- Trials ----

int64_t InMemoryStorage::EnqueueTrial(int64_t study_id, const ParamMap& params,
                                      const Json& user_attrs, std::optional<int64_t> retry_of) {
  std::lock_guard<std::mutex> lock(mutex_);
  StudyData& study = StudyAt(study_id);
  FrozenTrial trial;
  trial.state = TrialState::kWaiting;
  trial.params = params;
  trial.has_params = true;
  trial.retry_of = retry_of;
  trial.user_attrs = user_attrs.is_object() ? user_attrs : Json::object();
  return TrialAt(AddTrial(study, std::move(trial))).number;
}

ClaimResult InMemoryStorage::ClaimTrial(int64_t study_id, const ClaimRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  StudyData& study = StudyAt(study_id);
  ClaimResult result;
  if (request.target && study.counts.finished() + study.counts.running >= *request.target) {
    result.status = ClaimStatus::kTargetReached;
    result.counts = study.counts;
    return result;
  }
  FrozenTrial* claimed = nullptr;
  if (study.counts.waiting > 0) {
    for (int64_t id : study.trial_ids) {
      if (TrialAt(id).state == TrialState::kWaiting) {
        claimed = &TrialAt(id);
        SetState(*claimed, TrialState::kRunning);
        break;
      }
    }
  }
  if (!claimed) {
    if (request.capacity && study.next_sample_index >= *request.capacity) {
      result.status = ClaimStatus::kExhausted;
      result.counts = study.counts;
      return result;
    }
    FrozenTrial fresh;
    fresh.state = TrialState::kRunning;
    fresh.sample_index = study.next_sample_index++;
    const auto& spec = request.speculation;
    if (spec && spec->number == static_cast<int64_t>(study.trial_ids.size()) &&
        spec->sample_index == *fresh.sample_index) {
      fresh.params = spec->params;
      fresh.has_params = true;
    }
    claimed = &TrialAt(AddTrial(study, std::move(fresh)));
  }
  claimed->worker = request.worker;
  claimed->started = internal::Now();
  claimed->heartbeat = claimed->started;
  result.trial = *claimed;
  result.counts = study.counts;
  return result;
}

void InMemoryStorage::SetTrialParams(int64_t trial_id, const ParamMap& params) {
  std::lock_guard<std::mutex> lock(mutex_);
  FrozenTrial& trial = RunningTrialAt(trial_id, "set the parameters of");
  trial.params = params;
  trial.has_params = true;
}

bool InMemoryStorage::ReportIntermediate(int64_t trial_id, int64_t step,
                                         const std::vector<double>& values) {
  std::lock_guard<std::mutex> lock(mutex_);
  FrozenTrial& trial = RunningTrialAt(trial_id, "report to");
  trial.heartbeat = internal::Now();
  return trial.intermediate.emplace(step, values).second;
}

void InMemoryStorage::FinishTrial(int64_t trial_id, TrialState state,
                                  const std::vector<double>& values, const std::string& reason) {
  internal::CheckFinishState(state);
  std::lock_guard<std::mutex> lock(mutex_);
  FrozenTrial& trial = RunningTrialAt(trial_id, "finish");
  trial.values = state == TrialState::kComplete ? values : std::vector<double>{};
  trial.reason = reason;
  SetState(trial, state);
}

void InMemoryStorage::SetTrialUserAttr(int64_t trial_id, const std::string& key,
                                       const Json& value) {
  std::lock_guard<std::mutex> lock(mutex_);
  RunningTrialAt(trial_id, "set an attribute of").user_attrs[key] = value;
}

void InMemoryStorage::SetTrialSystemAttr(int64_t trial_id, const std::string& key,
                                         const Json& value) {
  std::lock_guard<std::mutex> lock(mutex_);
  RunningTrialAt(trial_id, "set an attribute of").system_attrs[key] = value;
}

void InMemoryStorage::SetTrialLog(int64_t trial_id, const TrialLog& log) {
  std::lock_guard<std::mutex> lock(mutex_);
  RunningTrialAt(trial_id, "set the log of");
  logs_[trial_id] = log;
}

void InMemoryStorage::Heartbeat(int64_t trial_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  RunningTrialAt(trial_id, "beat for").heartbeat = internal::Now();
}

bool InMemoryStorage::FailLostTrial(int64_t trial_id, const std::string& reason, bool requeue) {
  std::lock_guard<std::mutex> lock(mutex_);
  FrozenTrial& trial = TrialAt(trial_id);
  if (trial.state != TrialState::kRunning) return false;
  trial.reason = reason;
  SetState(trial, TrialState::kFailed);
  if (requeue && trial.has_params) {
    FrozenTrial retry;
    retry.state = TrialState::kWaiting;
    retry.params = trial.params;
    retry.has_params = true;
    retry.retry_of = trial.number;
    retry.user_attrs = trial.user_attrs;
    AddTrial(StudyAt(study_of_trial_[static_cast<size_t>(trial_id)]), std::move(retry));
  }
  return true;
}

// ---- Reading ----

FrozenTrial InMemoryStorage::GetTrial(int64_t trial_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return TrialAt(trial_id);
}

FrozenTrial InMemoryStorage::GetTrialByNumber(int64_t study_id, int64_t number) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const StudyData& study = StudyAt(study_id);
  if (number < 0 || static_cast<size_t>(number) >= study.trial_ids.size()) {
    throw NotFound("study '" + study.record.name + "' has no trial " + std::to_string(number));
  }
  return TrialAt(study.trial_ids[static_cast<size_t>(number)]);
}

std::vector<FrozenTrial> InMemoryStorage::GetTrials(int64_t study_id, StateMask states) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<FrozenTrial> out;
  for (int64_t id : StudyAt(study_id).trial_ids) {
    const FrozenTrial& trial = TrialAt(id);
    if (states.Contains(trial.state)) out.push_back(trial);
  }
  return out;
}

std::vector<FrozenTrial> InMemoryStorage::GetTrialsFinishedAfter(int64_t study_id,
                                                                 int64_t after_seq) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const StudyData& study = StudyAt(study_id);
  std::vector<FrozenTrial> out;
  for (size_t i = static_cast<size_t>(std::max<int64_t>(after_seq, 0));
       i < study.finish_order.size(); ++i) {
    out.push_back(TrialAt(study.finish_order[i]));
  }
  return out;
}

TrialCounts InMemoryStorage::CountTrials(int64_t study_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return StudyAt(study_id).counts;
}

TrialLog InMemoryStorage::GetTrialLog(int64_t trial_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  TrialAt(trial_id);
  auto it = logs_.find(trial_id);
  return it == logs_.end() ? TrialLog{} : it->second;
}

}  // namespace automl
