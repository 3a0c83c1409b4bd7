// SqliteStorage: the embedded default. One SQLite file holds any number of studies and can be
// shared by several processes on one machine at once.
//
// Durability: WAL journal with synchronous=FULL, so every state change survives a crash of the
// process or of the operating system once the call returns; `synchronous=normal` (survives a
// process crash, may lose the last changes on power loss) and `off` are opt-in.
// Concurrency: writes are short IMMEDIATE transactions; a busy database is waited for (with
// backoff, up to `timeout` seconds, default 600) rather than reported, so "database is locked"
// does not reach the user. The file must be on a local file system (WAL needs shared memory).
// Versioning: the `version_info` table holds the schema version; a file with a newer schema is
// refused rather than misread, an older one is migrated.
#ifndef AUTOML_STORAGES_SQLITE_STORAGE_H_
#define AUTOML_STORAGES_SQLITE_STORAGE_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "automl/storage.h"

namespace automl {

struct SqliteOptions {
  enum class Synchronous { kFull, kNormal, kOff };

  std::string path;
  Synchronous synchronous = Synchronous::kFull;
  // How long to wait for other processes' transactions before giving up, in seconds.
  double timeout_seconds = 600;

  bool IsValid(std::string* error) const;
};

class SqliteStorage : public Storage {
 public:
  static constexpr int kSchemaVersion = 1;

  // Opens (creating when needed) the database file. Throws StorageError when the file is not an
  // automl database, VersionError when its schema is newer than this build's.
  explicit SqliteStorage(const SqliteOptions& options);
  ~SqliteStorage() override;
  SqliteStorage(const SqliteStorage&) = delete;
  SqliteStorage& operator=(const SqliteStorage&) = delete;

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

  std::string Describe() const override;

  // The schema version stored in the file.
  int schema_version() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace automl

#endif  // AUTOML_STORAGES_SQLITE_STORAGE_H_
