// PostgresStorage: a PostgreSQL server as the storage, for studies whose workers run on many
// machines. URL: postgresql://user:password@host:port/database (libpq's URI syntax, with its
// options such as ?sslmode=require), plus automl's own option ?timeout=SECONDS.
//
// Semantics are SqliteStorage's, and it passes the same conformance suite:
//  - Tables live in their own PostgreSQL schema, `automl`, so that a database shared with other
//    tools (Optuna's RDB storage has a `version_info` table too) is never confused with ours.
//    `automl.version_info` holds the schema version: a newer one is refused (VersionError).
//  - Every call is one transaction. Calls that change a trial's state (claim, finish, enqueue,
//    failing a lost trial) first lock the study's row, so trial numbers, finish sequence numbers
//    and the counting contract are serialized per study across all workers; per-state counts are
//    kept by a trigger, as in SQLite. Other calls lock only the trial's row.
//  - Every statement is prepared; values travel only as parameters.
//  - The password never appears in Describe() or in any error message.
//  - Opening fails at once, with a clear message, when the server cannot be reached (libpq's
//    connect_timeout, 10 s unless the URL says otherwise). A connection lost later (a server
//    restart) is re-established, and the interrupted transaction re-run, for up to `timeout`
//    seconds (default 120); only then does the call fail. When the connection dropped after
//    COMMIT was sent but before its answer arrived, the earlier run may have taken effect: a
//    claim, enqueue, finish or lost-trial call then finds its own effect (claims and enqueues
//    carry a random token) instead of repeating it. Other calls are idempotent, except that a
//    repeated ReportIntermediate says the step was reported already.
#ifndef AUTOML_STORAGES_POSTGRES_STORAGE_H_
#define AUTOML_STORAGES_POSTGRES_STORAGE_H_

#include <memory>
#include <string>

#include "automl/storage.h"

namespace automl {

struct PostgresOptions {
  // A libpq URI, postgresql://... or postgres://..., without automl's own options.
  std::string url;
  // How long to keep reconnecting after the connection is lost, in seconds.
  double timeout_seconds = 120;

  bool IsValid(std::string* error) const;
};

// |url| with the password (in the user part or as ?password=) replaced by "***".
std::string RedactPostgresUrl(const std::string& url);

class PostgresStorage : public Storage {
 public:
  static constexpr int kSchemaVersion = 1;

  // Connects and creates the schema when the database has none. Throws StorageError when the
  // server cannot be reached or the `automl` schema is not ours, VersionError when its schema
  // version is newer than this build's.
  explicit PostgresStorage(const PostgresOptions& options);
  ~PostgresStorage() override;
  PostgresStorage(const PostgresStorage&) = delete;
  PostgresStorage& operator=(const PostgresStorage&) = delete;

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

  // The URL without its password.
  std::string Describe() const override;

  // The schema version stored in the database.
  int schema_version() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace automl

#endif  // AUTOML_STORAGES_POSTGRES_STORAGE_H_
