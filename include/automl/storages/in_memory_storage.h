// InMemoryStorage: studies and trials in this process's memory, gone when it ends. For tests, the
// C++ API and studies that need no record. URL: `memory`.
#ifndef AUTOML_STORAGES_IN_MEMORY_STORAGE_H_
#define AUTOML_STORAGES_IN_MEMORY_STORAGE_H_

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "automl/storage.h"

namespace automl {

class InMemoryStorage : public Storage {
 public:
  InMemoryStorage() = default;

  int64_t CreateStudy(const StudyRecord& study) override;
  std::optional<StudyRecord> FindStudy(std::string_view name) const override;
  StudyRecord GetStudy(int64_t study_id) const override;
  std::vector<StudyRecord> ListStudies() const override;
  void SetStudyUserAttr(int64_t study_id, const std::string& key, const Json& value) override;
  void SetStudySystemAttr(int64_t study_id, const std::string& key, const Json& value) override;

  int64_t EnqueueTrial(int64_t study_id, const ParamMap& params, const Json& user_attrs,
                       std::optional<int64_t> retry_of) override;
  ClaimResult ClaimTrial(int64_t study_id, const ClaimRequest& request) override;
  void SetTrialParams(int64_t trial_id, const ParamMap& params) override;
  bool ReportIntermediate(int64_t trial_id, int64_t step,
                          const std::vector<double>& values) override;
  void FinishTrial(int64_t trial_id, TrialState state, const std::vector<double>& values,
                   const std::string& reason) override;
  void SetTrialUserAttr(int64_t trial_id, const std::string& key, const Json& value) override;
  void SetTrialSystemAttr(int64_t trial_id, const std::string& key, const Json& value) override;
  void SetTrialLog(int64_t trial_id, const TrialLog& log) override;
  void Heartbeat(int64_t trial_id) override;
  bool FailLostTrial(int64_t trial_id, const std::string& reason, bool requeue) override;

  FrozenTrial GetTrial(int64_t trial_id) const override;
  FrozenTrial GetTrialByNumber(int64_t study_id, int64_t number) const override;
  std::vector<FrozenTrial> GetTrials(int64_t study_id, StateMask states) const override;
  std::vector<FrozenTrial> GetTrialsFinishedAfter(int64_t study_id,
                                                  int64_t after_seq) const override;
  TrialCounts CountTrials(int64_t study_id) const override;
  TrialLog GetTrialLog(int64_t trial_id) const override;

  std::string Describe() const override { return "memory"; }

 private:
  struct StudyData {
    StudyRecord record;
    std::vector<int64_t> trial_ids;     // by number
    std::vector<int64_t> finish_order;  // trial ids in finishing order
    int64_t next_sample_index = 0;
    TrialCounts counts;
  };

  StudyData& StudyAt(int64_t study_id);
  const StudyData& StudyAt(int64_t study_id) const;
  FrozenTrial& TrialAt(int64_t trial_id);
  const FrozenTrial& TrialAt(int64_t trial_id) const;
  FrozenTrial& RunningTrialAt(int64_t trial_id, const char* action);
  int64_t AddTrial(StudyData& study, FrozenTrial trial);
  void SetState(FrozenTrial& trial, TrialState state);

  mutable std::mutex mutex_;
  std::vector<StudyData> studies_;  // study id = index
  // Trial id = index. A deque: growing it never moves the trials already stored.
  std::deque<FrozenTrial> trials_;
  std::vector<int64_t> study_of_trial_;  // trial id -> study id
  std::map<int64_t, TrialLog> logs_;
};

}  // namespace automl

#endif  // AUTOML_STORAGES_IN_MEMORY_STORAGE_H_
