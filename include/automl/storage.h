// Storage: where studies and trials live. Every storage (in memory, SQLite, PostgreSQL)
// implements this interface and passes the one conformance suite in tests/testing/.
//
// Contract:
//  - Thread-safe: any method may be called from any thread at any time.
//  - Every method that changes state is atomic and, for persistent storages, durable when it
//    returns.
//  - Finished trials (COMPLETE, PRUNED, FAILED) are read-only: changing one is FailedPrecondition.
//  - Trial numbers are 0, 1, 2, ... per study, in order of creation, never reused.
//  - ClaimTrial() implements the study's counting contract atomically across processes: it hands
//    out a trial only while finished (COMPLETE + PRUNED) + running < target.
#ifndef AUTOML_STORAGE_H_
#define AUTOML_STORAGE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "automl/frozen_trial.h"
#include "automl/json.h"
#include "automl/search_space.h"
#include "automl/trial_state.h"

namespace automl {

struct StudyRecord {
  int64_t id = -1;
  std::string name;
  std::vector<Direction> directions{Direction::kMinimize};
  SearchSpace space;
  uint64_t seed = 0;
  Json config = Json::object();  // the user's configuration, as given
  Json user_attrs = Json::object();
  Json system_attrs = Json::object();  // toolkit version, environment, runs
  double created = 0;
};

struct ClaimRequest {
  // Refuse when finished + running trials already reach this many.
  std::optional<int64_t> target;
  // Refuse a fresh trial once this many have been sampled (a grid with this many points);
  // enqueued trials are still handed out.
  std::optional<int64_t> capacity;
  WorkerInfo worker;

  // Parameters sampled ahead for the fresh trial the caller expects to get. They are stored with
  // the trial, in the claim's own transaction, only if the claim creates a fresh trial with
  // exactly this number and sample index; otherwise they are ignored. This saves a durable
  // commit per trial whenever one process has a study to itself.
  struct Speculation {
    int64_t number = 0;
    int64_t sample_index = 0;
    ParamMap params;
  };
  std::optional<Speculation> speculation;
};

enum class ClaimStatus {
  kClaimed,        // |trial| is RUNNING and owned by the caller
  kTargetReached,  // finished + running >= target
  kExhausted,      // no enqueued trial and the sampler's capacity is used up
};

struct ClaimResult {
  ClaimStatus status = ClaimStatus::kClaimed;
  // When claimed: an enqueued trial (with its parameters), or a fresh one (with the speculated
  // parameters when they were taken, has_params false otherwise).
  FrozenTrial trial;
  TrialCounts counts;  // counts after the claim
};

// Output a trial's process left behind.
struct TrialLog {
  std::string output;      // stdout lines that were not protocol lines
  std::string error_tail;  // the end of stderr
};

class Storage {
 public:
  virtual ~Storage() = default;

  // ---- Studies ----
  // Creates a study and returns its id; AlreadyExists when the name is taken.
  virtual int64_t CreateStudy(const StudyRecord& study) = 0;
  virtual std::optional<StudyRecord> FindStudy(std::string_view name) const = 0;
  virtual StudyRecord GetStudy(int64_t study_id) const = 0;
  virtual std::vector<StudyRecord> ListStudies() const = 0;
  virtual void SetStudyUserAttr(int64_t study_id, const std::string& key, const Json& value) = 0;
  virtual void SetStudySystemAttr(int64_t study_id, const std::string& key, const Json& value) = 0;

  // ---- Creating and claiming trials ----
  // Adds a WAITING trial with (possibly partial) parameters. Returns its number.
  virtual int64_t EnqueueTrial(int64_t study_id, const ParamMap& params, const Json& user_attrs,
                               std::optional<int64_t> retry_of) = 0;
  // Hands the caller the oldest WAITING trial, or else a fresh trial; see ClaimRequest.
  virtual ClaimResult ClaimTrial(int64_t study_id, const ClaimRequest& request) = 0;

  // ---- Updating a RUNNING trial ----
  // Sets the parameters of a RUNNING trial (replacing a partial set given at enqueue).
  virtual void SetTrialParams(int64_t trial_id, const ParamMap& params) = 0;
  // Records an intermediate value; returns false (and keeps the first) if |step| was reported.
  virtual bool ReportIntermediate(int64_t trial_id, int64_t step,
                                  const std::vector<double>& values) = 0;
  // Moves a RUNNING trial to COMPLETE (with |values|), PRUNED or FAILED (with |reason|).
  virtual void FinishTrial(int64_t trial_id, TrialState state, const std::vector<double>& values,
                           const std::string& reason) = 0;
  virtual void SetTrialUserAttr(int64_t trial_id, const std::string& key, const Json& value) = 0;
  virtual void SetTrialSystemAttr(int64_t trial_id, const std::string& key, const Json& value) = 0;
  virtual void SetTrialLog(int64_t trial_id, const TrialLog& log) = 0;
  // Marks the trial as alive now.
  virtual void Heartbeat(int64_t trial_id) = 0;

  // A RUNNING trial whose worker is gone: marks it FAILED with |reason| and, if |requeue|,
  // enqueues a re-run with the same parameters (retry_of set) in the same transaction. Returns
  // false, changing nothing, when the trial is no longer RUNNING.
  virtual bool FailLostTrial(int64_t trial_id, const std::string& reason, bool requeue) = 0;

  // ---- Reading ----
  virtual FrozenTrial GetTrial(int64_t trial_id) const = 0;
  virtual FrozenTrial GetTrialByNumber(int64_t study_id, int64_t number) const = 0;
  // Trials in |states|, ordered by number.
  virtual std::vector<FrozenTrial> GetTrials(int64_t study_id, StateMask states) const = 0;
  // Trials that finished after |after_seq| (see FrozenTrial::finish_seq), in finishing order.
  virtual std::vector<FrozenTrial> GetTrialsFinishedAfter(int64_t study_id,
                                                          int64_t after_seq) const = 0;
  virtual TrialCounts CountTrials(int64_t study_id) const = 0;
  virtual TrialLog GetTrialLog(int64_t trial_id) const = 0;

  // A description for messages, without secrets ("sqlite:///automl.db", "memory").
  virtual std::string Describe() const = 0;
};

// Opens a storage from a URL:
//   memory                      in-memory, gone when the process ends
//   sqlite:///relative/path.db  SQLite file relative to the working directory
//   sqlite:////absolute/path.db SQLite file at an absolute path
//   path/to/file.db             shorthand for sqlite:///path/to/file.db
//   postgresql://user:password@host:port/database
//                               PostgreSQL server (postgres:// too); libpq's URI syntax and options
// SQLite URLs take options: ?synchronous=full|normal|off (default full), ?timeout=SECONDS.
// PostgreSQL URLs take ?timeout=SECONDS (how long to keep reconnecting, default 120) besides
// libpq's own options (sslmode, connect_timeout, application_name, ...).
std::shared_ptr<Storage> OpenStorage(const std::string& url);

}  // namespace automl

#endif  // AUTOML_STORAGE_H_
