#include "automl/storages/postgres_storage.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <random>

#include "automl/error.h"
#include "automl/version.h"
#include "core/storages/postgres_db.h"
#include "core/storages/postgres_url.h"
#include "core/storages/storage_util.h"

namespace automl {

using internal::PgStatement;
using internal::PostgresDb;

namespace {

constexpr const char* kApplication = "automl";

// Held while the schema is checked or created, so that workers starting together on an empty
// database do not both create it. The key is "automl" in ASCII.
constexpr const char* kSchemaLock = "SELECT pg_advisory_xact_lock(107157092527468)";

// Schema version 1: SqliteStorage's tables, in PostgreSQL's types, in the `automl` schema.
constexpr const char* kSchema = R"sql(
CREATE SCHEMA automl;
CREATE TABLE automl.version_info (
  version_info_id INTEGER PRIMARY KEY CHECK (version_info_id = 1),
  schema_version INTEGER NOT NULL,
  library_version TEXT NOT NULL,
  application TEXT NOT NULL
);
CREATE TABLE automl.studies (
  study_id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  directions TEXT NOT NULL,
  space TEXT NOT NULL,
  seed BIGINT NOT NULL,
  config TEXT NOT NULL,
  user_attrs TEXT NOT NULL,
  system_attrs TEXT NOT NULL,
  created DOUBLE PRECISION NOT NULL,
  next_number BIGINT NOT NULL DEFAULT 0,
  next_sample_index BIGINT NOT NULL DEFAULT 0,
  next_finish_seq BIGINT NOT NULL DEFAULT 1
);
CREATE TABLE automl.study_counts (
  study_id BIGINT NOT NULL REFERENCES automl.studies (study_id) ON DELETE CASCADE,
  state INTEGER NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (study_id, state)
);
CREATE TABLE automl.trials (
  trial_id BIGSERIAL PRIMARY KEY,
  study_id BIGINT NOT NULL REFERENCES automl.studies (study_id) ON DELETE CASCADE,
  number BIGINT NOT NULL,
  state INTEGER NOT NULL,
  params TEXT,
  vals TEXT,
  reason TEXT NOT NULL DEFAULT '',
  seed BIGINT NOT NULL,
  sample_index BIGINT,
  retry_of BIGINT,
  finish_seq BIGINT NOT NULL DEFAULT 0,
  host TEXT NOT NULL DEFAULT '',
  pid BIGINT NOT NULL DEFAULT 0,
  worker TEXT NOT NULL DEFAULT '',
  created DOUBLE PRECISION NOT NULL,
  started DOUBLE PRECISION,
  finished DOUBLE PRECISION,
  heartbeat DOUBLE PRECISION,
  user_attrs TEXT NOT NULL DEFAULT '{}',
  system_attrs TEXT NOT NULL DEFAULT '{}',
  op_token BIGINT,
  UNIQUE (study_id, number)
);
CREATE INDEX trials_by_state ON automl.trials (study_id, state, number);
CREATE INDEX trials_by_finish ON automl.trials (study_id, finish_seq);
CREATE TABLE automl.trial_intermediate (
  trial_id BIGINT NOT NULL REFERENCES automl.trials (trial_id) ON DELETE CASCADE,
  step BIGINT NOT NULL,
  vals TEXT NOT NULL,
  PRIMARY KEY (trial_id, step)
);
CREATE TABLE automl.trial_logs (
  trial_id BIGINT PRIMARY KEY REFERENCES automl.trials (trial_id) ON DELETE CASCADE,
  output TEXT NOT NULL,
  error_tail TEXT NOT NULL
);
CREATE FUNCTION automl.count_trials() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.state = NEW.state THEN RETURN NEW; END IF;
    UPDATE automl.study_counts SET n = n - 1 WHERE study_id = OLD.study_id AND state = OLD.state;
  END IF;
  INSERT INTO automl.study_counts AS c (study_id, state, n) VALUES (NEW.study_id, NEW.state, 1)
    ON CONFLICT (study_id, state) DO UPDATE SET n = c.n + 1;
  RETURN NEW;
END $$;
CREATE TRIGGER trials_count AFTER INSERT OR UPDATE OF state ON automl.trials
  FOR EACH ROW EXECUTE FUNCTION automl.count_trials();
)sql";

#define AUTOML_TRIAL_SELECT                                                              \
  "SELECT trial_id, number, state, params, vals, reason, seed, sample_index, retry_of, " \
  "finish_seq, host, pid, worker, created, started, finished, heartbeat, user_attrs, "   \
  "system_attrs FROM automl.trials "
#define AUTOML_STUDY_SELECT                                                                    \
  "SELECT study_id, name, directions, space, seed, config, user_attrs, system_attrs, created " \
  "FROM automl.studies "

constexpr PgStatement kSelectTrialById{"trial_by_id", AUTOML_TRIAL_SELECT "WHERE trial_id = $1"};
constexpr PgStatement kSelectTrialByNumber{
    "trial_by_number", AUTOML_TRIAL_SELECT "WHERE study_id = $1 AND number = $2"};
constexpr PgStatement kSelectFinishedAfter{
    "finished_after",
    AUTOML_TRIAL_SELECT "WHERE study_id = $1 AND finish_seq > $2 ORDER BY finish_seq"};
constexpr PgStatement kSelectUnfinished{
    "unfinished", AUTOML_TRIAL_SELECT "WHERE study_id = $1 AND state IN (0, 4) ORDER BY number"};
constexpr PgStatement kSelectOldestWaiting{
    "oldest_waiting",
    AUTOML_TRIAL_SELECT "WHERE study_id = $1 AND state = 4 ORDER BY number LIMIT 1"};
constexpr PgStatement kSelectByToken{"trial_by_token",
                                     AUTOML_TRIAL_SELECT "WHERE study_id = $1 AND op_token = $2"};
constexpr PgStatement kSelectStudyByName{"study_by_name", AUTOML_STUDY_SELECT "WHERE name = $1"};
constexpr PgStatement kSelectStudyById{"study_by_id", AUTOML_STUDY_SELECT "WHERE study_id = $1"};
constexpr PgStatement kSelectAllStudies{"all_studies", AUTOML_STUDY_SELECT "ORDER BY study_id"};
#undef AUTOML_TRIAL_SELECT
#undef AUTOML_STUDY_SELECT

constexpr PgStatement kSelectIntermediate{
    "intermediate", "SELECT step, vals FROM automl.trial_intermediate WHERE trial_id = $1"};
constexpr PgStatement kSelectIntermediateFinishedAfter{
    "intermediate_finished_after",
    "SELECT i.trial_id, i.step, i.vals FROM automl.trial_intermediate i JOIN automl.trials t "
    "ON t.trial_id = i.trial_id WHERE t.study_id = $1 AND t.finish_seq > $2"};
constexpr PgStatement kSelectIntermediateUnfinished{
    "intermediate_unfinished",
    "SELECT i.trial_id, i.step, i.vals FROM automl.trial_intermediate i JOIN automl.trials t "
    "ON t.trial_id = i.trial_id WHERE t.study_id = $1 AND t.state IN (0, 4)"};

constexpr PgStatement kSelectCounts{"counts",
                                    "SELECT state, n FROM automl.study_counts WHERE study_id = $1"};
// Locks the study's row: every change of a trial's state takes this lock first (see the header).
constexpr PgStatement kLockStudy{
    "lock_study",
    "SELECT next_number, next_sample_index, next_finish_seq, seed FROM automl.studies "
    "WHERE study_id = $1 FOR UPDATE"};
// Locks the study of a trial (only the study's row); the columns of kLockStudy, then study_id.
constexpr PgStatement kLockStudyOfTrial{
    "lock_study_of_trial",
    "SELECT s.next_number, s.next_sample_index, s.next_finish_seq, s.seed, s.study_id "
    "FROM automl.studies s JOIN automl.trials t ON t.study_id = s.study_id "
    "WHERE t.trial_id = $1 FOR UPDATE OF s"};
constexpr PgStatement kTrialState{"trial_state",
                                  "SELECT state, number FROM automl.trials WHERE trial_id = $1"};
// Locks the trial's row, so that it cannot finish between the check and the change.
constexpr PgStatement kLockTrial{
    "lock_trial",
    "SELECT state, number, study_id FROM automl.trials WHERE trial_id = $1 FOR UPDATE"};

constexpr PgStatement kFindStudyId{"find_study_id",
                                   "SELECT study_id FROM automl.studies WHERE name = $1"};
constexpr PgStatement kInsertStudy{
    "insert_study",
    "INSERT INTO automl.studies (name, directions, space, seed, config, user_attrs, "
    "system_attrs, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING study_id"};
constexpr PgStatement kStudyUserAttrs{
    "study_user_attrs", "SELECT user_attrs FROM automl.studies WHERE study_id = $1 FOR UPDATE"};
constexpr PgStatement kSetStudyUserAttrs{
    "set_study_user_attrs", "UPDATE automl.studies SET user_attrs = $2 WHERE study_id = $1"};
constexpr PgStatement kStudySystemAttrs{
    "study_system_attrs", "SELECT system_attrs FROM automl.studies WHERE study_id = $1 FOR UPDATE"};
constexpr PgStatement kSetStudySystemAttrs{
    "set_study_system_attrs", "UPDATE automl.studies SET system_attrs = $2 WHERE study_id = $1"};
// A trial's attributes, its row locked. (Merged here, not with jsonb's ||: jsonb reorders keys,
// and automl's JSON keeps them in their order.)
constexpr PgStatement kTrialUserAttrs{
    "trial_user_attrs",
    "SELECT user_attrs, state, number FROM automl.trials WHERE trial_id = $1 FOR UPDATE"};
constexpr PgStatement kSetTrialUserAttrs{
    "set_trial_user_attrs", "UPDATE automl.trials SET user_attrs = $2 WHERE trial_id = $1"};
constexpr PgStatement kTrialSystemAttrs{
    "trial_system_attrs",
    "SELECT system_attrs, state, number FROM automl.trials WHERE trial_id = $1 FOR UPDATE"};
constexpr PgStatement kSetTrialSystemAttrs{
    "set_trial_system_attrs", "UPDATE automl.trials SET system_attrs = $2 WHERE trial_id = $1"};
// Changes of a RUNNING trial in one statement each, without a transaction block (no BEGIN and
// COMMIT round trips): they touch only the trial's row and change nothing when it is not
// RUNNING, which the caller then reports.

// op_token: a random number per claim or enqueue, which finds the call's trial again when the
// connection broke while its COMMIT was on the way (PostgresDb::MayHaveCommitted).
constexpr PgStatement kClaimWaiting{
    "claim_waiting",
    "UPDATE automl.trials SET state = 0, host = $2, pid = $3, worker = $4, started = $5, "
    "heartbeat = $5, op_token = $6 WHERE trial_id = $1"};
constexpr PgStatement kInsertRunning{
    "insert_running",
    "WITH advance AS (UPDATE automl.studies SET next_number = next_number + 1, "
    "next_sample_index = next_sample_index + 1 WHERE study_id = $1) "
    "INSERT INTO automl.trials (study_id, number, state, seed, sample_index, host, pid, worker, "
    "created, started, heartbeat, params, op_token) "
    "VALUES ($1, $2, 0, $3, $4, $5, $6, $7, $8, $8, $8, $9, $10) RETURNING trial_id"};
constexpr PgStatement kInsertWaiting{
    "insert_waiting",
    "INSERT INTO automl.trials (study_id, number, state, params, seed, retry_of, created, "
    "user_attrs, op_token) VALUES ($1, $2, 4, $3, $4, $5, $6, $7, $8)"};
constexpr PgStatement kAdvanceNumber{
    "advance_number",
    "UPDATE automl.studies SET next_number = next_number + 1 WHERE study_id = $1"};
// Takes the study's next finish sequence number and finishes the trial, if it is RUNNING; the
// study's row must be locked. When no row changed, the caller rolls back (the number stays).
constexpr PgStatement kMarkFinished{
    "mark_finished",
    "WITH seq AS (UPDATE automl.studies SET next_finish_seq = next_finish_seq + 1 "
    "WHERE study_id = $6 RETURNING next_finish_seq - 1 AS n) "
    "UPDATE automl.trials SET state = $2, vals = $3, reason = $4, finished = $5, "
    "finish_seq = (SELECT n FROM seq) WHERE trial_id = $1 AND state = 0"};
constexpr PgStatement kSetParams{
    "set_params", "UPDATE automl.trials SET params = $2 WHERE trial_id = $1 AND state = 0"};
constexpr PgStatement kInsertIntermediate{
    "insert_intermediate",
    "INSERT INTO automl.trial_intermediate (trial_id, step, vals) VALUES ($1, $2, $3) "
    "ON CONFLICT (trial_id, step) DO NOTHING"};
constexpr PgStatement kBeat{
    "beat", "UPDATE automl.trials SET heartbeat = $2 WHERE trial_id = $1 AND state = 0"};
constexpr PgStatement kSetLog{
    "set_log",
    "INSERT INTO automl.trial_logs (trial_id, output, error_tail) "
    "SELECT $1::bigint, $2::text, $3::text FROM automl.trials WHERE trial_id = $1 AND state = 0 "
    "ON CONFLICT (trial_id) DO UPDATE SET output = EXCLUDED.output, "
    "error_tail = EXCLUDED.error_tail"};
constexpr PgStatement kSelectLog{
    "log", "SELECT output, error_tail FROM automl.trial_logs WHERE trial_id = $1"};
constexpr PgStatement kInsertVersion{
    "insert_version",
    "INSERT INTO automl.version_info (version_info_id, schema_version, library_version, "
    "application) VALUES (1, $1, $2, $3)"};
constexpr PgStatement kSchemaExists{"schema_exists",
                                    "SELECT 1 FROM pg_namespace WHERE nspname = 'automl'"};
constexpr PgStatement kVersionColumns{
    "version_columns",
    "SELECT column_name FROM information_schema.columns "
    "WHERE table_schema = 'automl' AND table_name = 'version_info'"};
constexpr PgStatement kSelectVersion{
    "version", "SELECT schema_version, library_version FROM automl.version_info"};

using Txn = pqxx::transaction_base;

std::string JsonText(const Json& j) { return j.dump(); }

// PostgreSQL's text holds neither NUL bytes nor invalid UTF-8, both of which a trial's output
// may contain: each such byte becomes U+FFFD, so that storing a log can never fail a trial.
std::string ValidText(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    size_t length = 0;
    if (c >= 0x01 && c <= 0x7f) {
      length = 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
    }
    bool valid = length > 0 && i + length <= n;
    for (size_t k = 1; valid && k < length; ++k) valid = (s[i + k] & 0xc0) == 0x80;
    if (valid && length >= 3) {
      // Overlong forms, surrogates and code points above U+10FFFF.
      const unsigned char d = s[i + 1];
      if (c == 0xe0 && d < 0xa0) valid = false;
      if (c == 0xed && d > 0x9f) valid = false;
      if (c == 0xf0 && d < 0x90) valid = false;
      if (c == 0xf4 && d > 0x8f) valid = false;
    }
    if (valid) {
      out.append(text, i, length);
      i += length;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

Json ParseJson(const pqxx::field& field, const char* what) {
  return internal::ParseStoredJson(field.c_str(), what);
}

using internal::DirectionsFromJson;
using internal::DirectionsToJson;

template <typename T>
std::optional<T> Optional(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return field.as<T>();
}

StudyRecord ReadStudy(const pqxx::row& r) {
  StudyRecord study;
  study.id = r[0].as<int64_t>();
  study.name = r[1].as<std::string>();
  study.directions = DirectionsFromJson(ParseJson(r[2], "directions"));
  study.space = SearchSpace::FromJson(ParseJson(r[3], "space"));
  study.seed = static_cast<uint64_t>(r[4].as<int64_t>());
  study.config = ParseJson(r[5], "config");
  study.user_attrs = ParseJson(r[6], "attributes");
  study.system_attrs = ParseJson(r[7], "attributes");
  study.created = r[8].as<double>();
  return study;
}

FrozenTrial ReadTrial(const pqxx::row& r) {
  FrozenTrial t;
  t.id = r[0].as<int64_t>();
  t.number = r[1].as<int64_t>();
  t.state = static_cast<TrialState>(r[2].as<int>());
  if (!r[3].is_null()) {
    t.params = ParamsFromJson(ParseJson(r[3], "parameters"));
    t.has_params = true;
  }
  if (!r[4].is_null()) t.values = internal::ValuesFromJson(ParseJson(r[4], "values"));
  t.reason = r[5].as<std::string>();
  t.seed = static_cast<uint64_t>(r[6].as<int64_t>());
  t.sample_index = Optional<int64_t>(r[7]);
  t.retry_of = Optional<int64_t>(r[8]);
  t.finish_seq = r[9].as<int64_t>();
  t.worker.host = r[10].as<std::string>();
  t.worker.pid = r[11].as<int64_t>();
  t.worker.token = r[12].as<std::string>();
  t.created = r[13].as<double>();
  t.started = Optional<double>(r[14]);
  t.finished = Optional<double>(r[15]);
  t.heartbeat = Optional<double>(r[16]);
  t.user_attrs = ParseJson(r[17], "attributes");
  t.system_attrs = ParseJson(r[18], "attributes");
  return t;
}

// libpq's own URI options, plus connect_timeout unless the URL sets it: an unreachable server
// must fail the opening, not hang it.
std::string ConnInfo(const std::string& url) {
  const size_t query = internal::SplitPostgresUrl(url).query;
  if (query == std::string::npos) return url + "?connect_timeout=10";
  if (("&" + url.substr(query + 1)).find("&connect_timeout=") != std::string::npos) return url;
  return url + "&connect_timeout=10";
}

}  // namespace

bool PostgresOptions::IsValid(std::string* error) const {
  if (url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0) {
    *error = "url: must start with postgresql:// or postgres://";
    return false;
  }
  if (!(timeout_seconds > 0)) {
    *error = "timeout_seconds: must be positive";
    return false;
  }
  return true;
}

// ---- Impl -------------------------------------------------------------------------------------

class PostgresStorage::Impl {
 public:
  explicit Impl(const PostgresOptions& options)
      : options_(options),
        db_(ConnInfo(options.url), RedactPostgresUrl(options.url),
            internal::PostgresUrlSecrets(options.url), options.timeout_seconds) {
    Open();
  }

  std::mutex mutex_;
  PostgresOptions options_;
  PostgresDb db_;
  int schema_version_ = 0;
  std::mt19937_64 tokens_{std::random_device{}()};

  // A fresh op_token (see kClaimWaiting).
  int64_t NewToken() { return static_cast<int64_t>(tokens_() >> 1); }
  // The trial an earlier run of this call created or claimed, when that run may have been
  // committed (PostgresDb::MayHaveCommitted); nullopt otherwise.
  std::optional<FrozenTrial> EarlierRun(Txn& txn, int64_t study_id, int64_t token);

  // Finished trials are read-only, so once read they are kept (as in SqliteStorage).
  struct StudyCache {
    std::vector<FrozenTrial> finished;  // index finish_seq - 1
    std::map<int64_t, size_t> by_number;
  };
  std::map<int64_t, StudyCache> cache_;

  void Open();
  TrialCounts Counts(Txn& txn, int64_t study_id);
  void LoadIntermediate(Txn& txn, FrozenTrial& trial);
  StudyCache& Refresh(Txn& txn, int64_t study_id);
  std::vector<FrozenTrial> ReadTrials(Txn& txn, const PgStatement& select,
                                      const PgStatement& intermediate, int64_t study_id,
                                      std::optional<int64_t> seq);
  // Locks the study's row; returns it (next_number, next_sample_index, next_finish_seq, seed).
  pqxx::row LockStudy(Txn& txn, int64_t study_id);
  // Locks the row of the trial's study; returns it as LockStudy does, with study_id after.
  pqxx::row LockStudyOfTrial(Txn& txn, int64_t trial_id);
  // Runs a statement that changes the trial only while it is RUNNING; when it changed nothing,
  // throws NotFound or NotRunning with |action|.
  template <typename... Args>
  void ChangeRunning(Txn& txn, const char* action, const PgStatement& statement, int64_t trial_id,
                     Args&&... args) {
    if (db_.Exec(txn, statement, trial_id, std::forward<Args>(args)...).affected_rows() > 0) return;
    ThrowNotRunning(txn, trial_id, action);
  }
  [[noreturn]] void ThrowNotRunning(Txn& txn, int64_t trial_id, const char* action);
  // Locks the trial's row and checks that it is RUNNING; returns (number, study_id).
  std::pair<int64_t, int64_t> RequireRunning(Txn& txn, int64_t trial_id, const char* action);
  // Moves a RUNNING trial to a finished state; the study's row must be locked.
  void MarkFinished(Txn& txn, int64_t trial_id, int64_t study_id, TrialState state,
                    const std::vector<double>& values, const std::string& reason,
                    const char* action);
  // Adds a WAITING trial; the study's row must be locked.
  int64_t InsertWaiting(Txn& txn, int64_t study_id, const pqxx::row& study, const ParamMap& params,
                        const Json& user_attrs, std::optional<int64_t> retry_of, int64_t token);
  void UpdateJson(Txn& txn, const PgStatement& select, const PgStatement& update, int64_t id,
                  const std::string& key, const Json& value);
  // Sets one attribute of a RUNNING trial (|select| locks its row: attributes, state, number).
  void SetTrialAttr(Txn& txn, const PgStatement& select, const PgStatement& update,
                    int64_t trial_id, const std::string& key, const Json& value);
};

void PostgresStorage::Impl::Open() {
  db_.Write([&](Txn& txn) {
    txn.exec(kSchemaLock);
    if (db_.Exec(txn, kSchemaExists).empty()) {
      txn.exec(kSchema);
      db_.Exec(txn, kInsertVersion, kSchemaVersion, std::string(AUTOML_VERSION),
               std::string(kApplication));
      schema_version_ = kSchemaVersion;
      return;
    }
    bool is_automl = false;
    for (const pqxx::row& r : db_.Exec(txn, kVersionColumns)) {
      is_automl |= r[0].as<std::string>() == "application";
    }
    if (!is_automl) {
      throw StorageError("PostgreSQL at " + db_.description() +
                         " has a schema named 'automl' that is not automl's (no version_info)");
    }
    const pqxx::result version = db_.Exec(txn, kSelectVersion);
    if (version.empty()) {
      throw StorageError("PostgreSQL at " + db_.description() + " has an empty version_info");
    }
    schema_version_ = version[0][0].as<int>();
    const std::string written_by = version[0][1].as<std::string>();
    if (schema_version_ > kSchemaVersion) {
      throw VersionError("PostgreSQL at " + db_.description() + " uses storage schema " +
                         std::to_string(schema_version_) + " (written by automl " + written_by +
                         "), newer than the schema " + std::to_string(kSchemaVersion) +
                         " this automl " AUTOML_VERSION " reads; upgrade automl to use it");
    }
    if (schema_version_ < kSchemaVersion) {
      // Schema 1 is the first; later versions add their migration steps here.
      throw StorageError("PostgreSQL at " + db_.description() + " has unknown storage schema " +
                         std::to_string(schema_version_));
    }
  });
}

TrialCounts PostgresStorage::Impl::Counts(Txn& txn, int64_t study_id) {
  TrialCounts counts;
  for (const pqxx::row& r : db_.Exec(txn, kSelectCounts, study_id)) {
    counts.Add(static_cast<TrialState>(r[0].as<int>()), r[1].as<int64_t>());
  }
  return counts;
}

void PostgresStorage::Impl::LoadIntermediate(Txn& txn, FrozenTrial& trial) {
  for (const pqxx::row& r : db_.Exec(txn, kSelectIntermediate, trial.id)) {
    trial.intermediate.emplace(r[0].as<int64_t>(),
                               internal::ValuesFromJson(ParseJson(r[1], "values")));
  }
}

std::vector<FrozenTrial> PostgresStorage::Impl::ReadTrials(Txn& txn, const PgStatement& select,
                                                           const PgStatement& intermediate,
                                                           int64_t study_id,
                                                           std::optional<int64_t> seq) {
  std::vector<FrozenTrial> trials;
  std::map<int64_t, size_t> by_id;
  const pqxx::result rows =
      seq ? db_.Exec(txn, select, study_id, *seq) : db_.Exec(txn, select, study_id);
  for (const pqxx::row& r : rows) {
    trials.push_back(ReadTrial(r));
    by_id[trials.back().id] = trials.size() - 1;
  }
  if (trials.empty()) return trials;
  const pqxx::result values =
      seq ? db_.Exec(txn, intermediate, study_id, *seq) : db_.Exec(txn, intermediate, study_id);
  for (const pqxx::row& r : values) {
    auto it = by_id.find(r[0].as<int64_t>());
    if (it == by_id.end()) continue;
    trials[it->second].intermediate.emplace(r[1].as<int64_t>(),
                                            internal::ValuesFromJson(ParseJson(r[2], "values")));
  }
  return trials;
}

PostgresStorage::Impl::StudyCache& PostgresStorage::Impl::Refresh(Txn& txn, int64_t study_id) {
  StudyCache& cache = cache_[study_id];
  const auto last = static_cast<int64_t>(cache.finished.size());
  for (FrozenTrial& t :
       ReadTrials(txn, kSelectFinishedAfter, kSelectIntermediateFinishedAfter, study_id, last)) {
    cache.by_number[t.number] = cache.finished.size();
    cache.finished.push_back(std::move(t));
  }
  return cache;
}

std::optional<FrozenTrial> PostgresStorage::Impl::EarlierRun(Txn& txn, int64_t study_id,
                                                             int64_t token) {
  if (!db_.MayHaveCommitted()) return std::nullopt;
  const pqxx::result r = db_.Exec(txn, kSelectByToken, study_id, token);
  if (r.empty()) return std::nullopt;
  return ReadTrial(r[0]);
}

pqxx::row PostgresStorage::Impl::LockStudyOfTrial(Txn& txn, int64_t trial_id) {
  const pqxx::result r = db_.Exec(txn, kLockStudyOfTrial, trial_id);
  if (r.empty()) throw NotFound("no trial with id " + std::to_string(trial_id));
  return r[0];
}

void PostgresStorage::Impl::ThrowNotRunning(Txn& txn, int64_t trial_id, const char* action) {
  const pqxx::result r = db_.Exec(txn, kTrialState, trial_id);
  if (r.empty()) throw NotFound("no trial with id " + std::to_string(trial_id));
  throw internal::NotRunning(r[0][1].as<int64_t>(), static_cast<TrialState>(r[0][0].as<int>()),
                             action);
}

pqxx::row PostgresStorage::Impl::LockStudy(Txn& txn, int64_t study_id) {
  const pqxx::result r = db_.Exec(txn, kLockStudy, study_id);
  if (r.empty()) throw NotFound("no study with id " + std::to_string(study_id));
  return r[0];
}

std::pair<int64_t, int64_t> PostgresStorage::Impl::RequireRunning(Txn& txn, int64_t trial_id,
                                                                  const char* action) {
  const pqxx::result r = db_.Exec(txn, kLockTrial, trial_id);
  if (r.empty()) throw NotFound("no trial with id " + std::to_string(trial_id));
  const auto state = static_cast<TrialState>(r[0][0].as<int>());
  const int64_t number = r[0][1].as<int64_t>();
  if (state != TrialState::kRunning) throw internal::NotRunning(number, state, action);
  return {number, r[0][2].as<int64_t>()};
}

void PostgresStorage::Impl::MarkFinished(Txn& txn, int64_t trial_id, int64_t study_id,
                                         TrialState state, const std::vector<double>& values,
                                         const std::string& reason, const char* action) {
  std::optional<std::string> vals;
  if (state == TrialState::kComplete) vals = JsonText(internal::ValuesToJson(values));
  ChangeRunning(txn, action, kMarkFinished, trial_id, static_cast<int>(state), vals,
                ValidText(reason), internal::Now(), study_id);
}

int64_t PostgresStorage::Impl::InsertWaiting(Txn& txn, int64_t study_id, const pqxx::row& study,
                                             const ParamMap& params, const Json& user_attrs,
                                             std::optional<int64_t> retry_of, int64_t token) {
  const int64_t number = study[0].as<int64_t>();
  const auto seed = static_cast<uint64_t>(study[3].as<int64_t>());
  db_.Exec(txn, kInsertWaiting, study_id, number, JsonText(ParamsToJson(params)),
           static_cast<int64_t>(internal::TrialSeed(seed, number)), retry_of, internal::Now(),
           JsonText(user_attrs.is_object() ? user_attrs : Json::object()), token);
  db_.Exec(txn, kAdvanceNumber, study_id);
  return number;
}

void PostgresStorage::Impl::UpdateJson(Txn& txn, const PgStatement& select,
                                       const PgStatement& update, int64_t id,
                                       const std::string& key, const Json& value) {
  const pqxx::result r = db_.Exec(txn, select, id);
  if (r.empty()) throw NotFound("no record with id " + std::to_string(id));
  Json attrs = ParseJson(r[0][0], "attributes");
  attrs[key] = value;
  db_.Exec(txn, update, id, JsonText(attrs));
}

void PostgresStorage::Impl::SetTrialAttr(Txn& txn, const PgStatement& select,
                                         const PgStatement& update, int64_t trial_id,
                                         const std::string& key, const Json& value) {
  const pqxx::result r = db_.Exec(txn, select, trial_id);
  if (r.empty()) throw NotFound("no trial with id " + std::to_string(trial_id));
  const auto state = static_cast<TrialState>(r[0][1].as<int>());
  if (state != TrialState::kRunning) {
    throw internal::NotRunning(r[0][2].as<int64_t>(), state, "set an attribute of");
  }
  Json attrs = ParseJson(r[0][0], "attributes");
  attrs[key] = value;
  db_.Exec(txn, update, trial_id, JsonText(attrs));
}

// ---- PostgresStorage --------------------------------------------------------------------------

PostgresStorage::PostgresStorage(const PostgresOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw InvalidArgument("PostgreSQL storage: " + error);
  impl_ = std::make_unique<Impl>(options);
}

PostgresStorage::~PostgresStorage() = default;

std::string PostgresStorage::Describe() const { return impl_->db_.description(); }

int PostgresStorage::schema_version() const { return impl_->schema_version_; }

int64_t PostgresStorage::CreateStudy(const StudyRecord& study) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  int64_t id = -1;
  try {
    impl_->db_.Write([&](Txn& txn) {
      if (!impl_->db_.Exec(txn, kFindStudyId, study.name).empty()) {
        throw AlreadyExists("a study named '" + study.name + "' exists");
      }
      const pqxx::result r = impl_->db_.Exec(
          txn, kInsertStudy, study.name, JsonText(DirectionsToJson(study.directions)),
          JsonText(study.space.ToJson()), static_cast<int64_t>(study.seed), JsonText(study.config),
          JsonText(study.user_attrs), JsonText(study.system_attrs), internal::Now());
      id = r[0][0].as<int64_t>();
    });
  } catch (const StorageError&) {
    // Another worker created it between our check and our insert: the unique name refused ours.
    std::optional<StudyRecord> existing;
    impl_->db_.Read([&](Txn& txn) {
      existing.reset();
      if (!impl_->db_.Exec(txn, kFindStudyId, study.name).empty()) existing.emplace();
    });
    if (existing) throw AlreadyExists("a study named '" + study.name + "' exists");
    throw;
  }
  return id;
}

std::optional<StudyRecord> PostgresStorage::FindStudy(std::string_view name) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  std::optional<StudyRecord> out;
  impl_->db_.Auto([&](Txn& txn) {
    const pqxx::result r = impl_->db_.Exec(txn, kSelectStudyByName, std::string(name));
    out = r.empty() ? std::nullopt : std::optional<StudyRecord>(ReadStudy(r[0]));
  });
  return out;
}

StudyRecord PostgresStorage::GetStudy(int64_t study_id) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  StudyRecord out;
  impl_->db_.Auto([&](Txn& txn) {
    const pqxx::result r = impl_->db_.Exec(txn, kSelectStudyById, study_id);
    if (r.empty()) throw NotFound("no study with id " + std::to_string(study_id));
    out = ReadStudy(r[0]);
  });
  return out;
}

std::vector<StudyRecord> PostgresStorage::ListStudies() const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  std::vector<StudyRecord> out;
  impl_->db_.Auto([&](Txn& txn) {
    out.clear();
    for (const pqxx::row& r : impl_->db_.Exec(txn, kSelectAllStudies)) out.push_back(ReadStudy(r));
  });
  return out;
}

void PostgresStorage::SetStudyUserAttr(int64_t study_id, const std::string& key,
                                       const Json& value) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Write([&](Txn& txn) {
    impl_->UpdateJson(txn, kStudyUserAttrs, kSetStudyUserAttrs, study_id, key, value);
  });
}

void PostgresStorage::SetStudySystemAttr(int64_t study_id, const std::string& key,
                                         const Json& value) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Write([&](Txn& txn) {
    impl_->UpdateJson(txn, kStudySystemAttrs, kSetStudySystemAttrs, study_id, key, value);
  });
}

int64_t PostgresStorage::EnqueueTrial(int64_t study_id, const ParamMap& params,
                                      const Json& user_attrs, std::optional<int64_t> retry_of) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  int64_t number = -1;
  const int64_t token = impl_->NewToken();
  impl_->db_.Write([&](Txn& txn) {
    const pqxx::row study = impl_->LockStudy(txn, study_id);
    if (const auto earlier = impl_->EarlierRun(txn, study_id, token)) {
      number = earlier->number;
      return;
    }
    number = impl_->InsertWaiting(txn, study_id, study, params, user_attrs, retry_of, token);
  });
  return number;
}

ClaimResult PostgresStorage::ClaimTrial(int64_t study_id, const ClaimRequest& request) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  PostgresDb& db = impl_->db_;
  ClaimResult result;
  const int64_t token = impl_->NewToken();
  db.Write([&](Txn& txn) {
    result = ClaimResult{};
    const pqxx::row study = impl_->LockStudy(txn, study_id);
    result.counts = impl_->Counts(txn, study_id);
    if (auto earlier = impl_->EarlierRun(txn, study_id, token)) {
      result.trial = std::move(*earlier);  // claimed already, by this call's committed run
      return;
    }
    if (request.target && result.counts.finished() + result.counts.running >= *request.target) {
      result.status = ClaimStatus::kTargetReached;
      return;
    }
    const double now = internal::Now();
    const WorkerInfo& worker = request.worker;
    if (result.counts.waiting > 0) {
      const pqxx::result waiting = db.Exec(txn, kSelectOldestWaiting, study_id);
      if (waiting.empty()) {
        throw StorageError("trial counts of study " + std::to_string(study_id) + " are corrupt");
      }
      result.trial = ReadTrial(waiting[0]);
      db.Exec(txn, kClaimWaiting, result.trial.id, worker.host, worker.pid, worker.token, now,
              token);
      result.counts.Add(TrialState::kWaiting, -1);
    } else {
      const int64_t number = study[0].as<int64_t>();
      const int64_t sample_index = study[1].as<int64_t>();
      if (request.capacity && sample_index >= *request.capacity) {
        result.status = ClaimStatus::kExhausted;
        return;
      }
      FrozenTrial& t = result.trial;
      t.number = number;
      t.sample_index = sample_index;
      t.seed = internal::TrialSeed(static_cast<uint64_t>(study[3].as<int64_t>()), number);
      t.created = now;
      const auto& spec = request.speculation;
      std::optional<std::string> params;
      if (spec && spec->number == number && spec->sample_index == sample_index) {
        t.params = spec->params;
        t.has_params = true;
        params = JsonText(ParamsToJson(t.params));
      }
      const pqxx::result inserted =
          db.Exec(txn, kInsertRunning, study_id, number, static_cast<int64_t>(t.seed), sample_index,
                  worker.host, worker.pid, worker.token, now, params, token);
      t.id = inserted[0][0].as<int64_t>();
    }
    result.trial.state = TrialState::kRunning;
    result.trial.worker = worker;
    result.trial.started = now;
    result.trial.heartbeat = now;
    result.counts.Add(TrialState::kRunning, 1);
  });
  return result;
}

void PostgresStorage::SetTrialParams(int64_t trial_id, const ParamMap& params) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Auto([&](Txn& txn) {
    impl_->ChangeRunning(txn, "set the parameters of", kSetParams, trial_id,
                         JsonText(ParamsToJson(params)));
  });
}

bool PostgresStorage::ReportIntermediate(int64_t trial_id, int64_t step,
                                         const std::vector<double>& values) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  bool inserted = false;
  impl_->db_.Write([&](Txn& txn) {
    impl_->RequireRunning(txn, trial_id, "report to");
    inserted = impl_->db_
                   .Exec(txn, kInsertIntermediate, trial_id, step,
                         JsonText(internal::ValuesToJson(values)))
                   .affected_rows() == 1;
    impl_->db_.Exec(txn, kBeat, trial_id, internal::Now());
  });
  return inserted;
}

void PostgresStorage::FinishTrial(int64_t trial_id, TrialState state,
                                  const std::vector<double>& values, const std::string& reason) {
  internal::CheckFinishState(state);
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Write([&](Txn& txn) {
    const pqxx::row study = impl_->LockStudyOfTrial(txn, trial_id);
    if (impl_->db_.MayHaveCommitted()) {
      // Finished already, as asked, by this call's committed run: done.
      const FrozenTrial t = ReadTrial(impl_->db_.Exec(txn, kSelectTrialById, trial_id)[0]);
      if (t.state == state && t.reason == ValidText(reason)) return;
    }
    impl_->MarkFinished(txn, trial_id, study[4].as<int64_t>(), state, values, reason, "finish");
  });
}

void PostgresStorage::SetTrialUserAttr(int64_t trial_id, const std::string& key,
                                       const Json& value) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Write([&](Txn& txn) {
    impl_->SetTrialAttr(txn, kTrialUserAttrs, kSetTrialUserAttrs, trial_id, key, value);
  });
}

void PostgresStorage::SetTrialSystemAttr(int64_t trial_id, const std::string& key,
                                         const Json& value) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Write([&](Txn& txn) {
    impl_->SetTrialAttr(txn, kTrialSystemAttrs, kSetTrialSystemAttrs, trial_id, key, value);
  });
}

void PostgresStorage::SetTrialLog(int64_t trial_id, const TrialLog& log) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Auto([&](Txn& txn) {
    impl_->ChangeRunning(txn, "set the log of", kSetLog, trial_id, ValidText(log.output),
                         ValidText(log.error_tail));
  });
}

void PostgresStorage::Heartbeat(int64_t trial_id) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Auto(
      [&](Txn& txn) { impl_->ChangeRunning(txn, "beat for", kBeat, trial_id, internal::Now()); });
}

bool PostgresStorage::FailLostTrial(int64_t trial_id, const std::string& reason, bool requeue) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  bool failed = false;
  const int64_t token = impl_->NewToken();
  impl_->db_.Write([&](Txn& txn) {
    failed = false;
    const pqxx::row study = impl_->LockStudyOfTrial(txn, trial_id);
    const int64_t study_id = study[4].as<int64_t>();
    const FrozenTrial trial = ReadTrial(impl_->db_.Exec(txn, kSelectTrialById, trial_id)[0]);
    if (trial.state != TrialState::kRunning) {
      // Failed (and re-queued) already by this call's committed run?
      failed = impl_->db_.MayHaveCommitted() && trial.state == TrialState::kFailed &&
               trial.reason == ValidText(reason) &&
               (!requeue || !trial.has_params || impl_->EarlierRun(txn, study_id, token));
      return;
    }
    impl_->MarkFinished(txn, trial_id, study_id, TrialState::kFailed, {}, reason, "fail");
    if (requeue && trial.has_params) {
      impl_->InsertWaiting(txn, study_id, study, trial.params, trial.user_attrs, trial.number,
                           token);
    }
    failed = true;
  });
  return failed;
}

FrozenTrial PostgresStorage::GetTrial(int64_t trial_id) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  FrozenTrial out;
  impl_->db_.Auto([&](Txn& txn) {
    const pqxx::result r = impl_->db_.Exec(txn, kSelectTrialById, trial_id);
    if (r.empty()) throw NotFound("no trial with id " + std::to_string(trial_id));
    out = ReadTrial(r[0]);
    impl_->LoadIntermediate(txn, out);
  });
  return out;
}

FrozenTrial PostgresStorage::GetTrialByNumber(int64_t study_id, int64_t number) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  FrozenTrial out;
  impl_->db_.Auto([&](Txn& txn) {
    const pqxx::result r = impl_->db_.Exec(txn, kSelectTrialByNumber, study_id, number);
    if (r.empty()) {
      throw NotFound("study " + std::to_string(study_id) + " has no trial " +
                     std::to_string(number));
    }
    out = ReadTrial(r[0]);
    impl_->LoadIntermediate(txn, out);
  });
  return out;
}

std::vector<FrozenTrial> PostgresStorage::GetTrials(int64_t study_id, StateMask states) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  std::vector<FrozenTrial> out;
  impl_->db_.Read([&](Txn& txn) {
    out.clear();
    const bool want_finished = states.Contains(TrialState::kComplete) ||
                               states.Contains(TrialState::kPruned) ||
                               states.Contains(TrialState::kFailed);
    if (want_finished) {
      const Impl::StudyCache& cache = impl_->Refresh(txn, study_id);
      for (const auto& [number, index] : cache.by_number) {
        if (states.Contains(cache.finished[index].state)) out.push_back(cache.finished[index]);
      }
    }
    if (states.Contains(TrialState::kRunning) || states.Contains(TrialState::kWaiting)) {
      for (FrozenTrial& t : impl_->ReadTrials(txn, kSelectUnfinished, kSelectIntermediateUnfinished,
                                              study_id, std::nullopt)) {
        if (states.Contains(t.state)) out.push_back(std::move(t));
      }
    }
  });
  std::sort(out.begin(), out.end(),
            [](const FrozenTrial& a, const FrozenTrial& b) { return a.number < b.number; });
  return out;
}

std::vector<FrozenTrial> PostgresStorage::GetTrialsFinishedAfter(int64_t study_id,
                                                                 int64_t after_seq) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  std::vector<FrozenTrial> out;
  impl_->db_.Auto([&](Txn& txn) {
    out.clear();
    const Impl::StudyCache& cache = impl_->Refresh(txn, study_id);
    for (size_t i = static_cast<size_t>(std::max<int64_t>(after_seq, 0)); i < cache.finished.size();
         ++i) {
      out.push_back(cache.finished[i]);
    }
  });
  return out;
}

TrialCounts PostgresStorage::CountTrials(int64_t study_id) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  TrialCounts counts;
  impl_->db_.Auto([&](Txn& txn) { counts = impl_->Counts(txn, study_id); });
  return counts;
}

TrialLog PostgresStorage::GetTrialLog(int64_t trial_id) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  TrialLog log;
  impl_->db_.Auto([&](Txn& txn) {
    log = TrialLog{};
    const pqxx::result r = impl_->db_.Exec(txn, kSelectLog, trial_id);
    if (!r.empty()) {
      log.output = r[0][0].as<std::string>();
      log.error_tail = r[0][1].as<std::string>();
    }
  });
  return log;
}

}  // namespace automl
