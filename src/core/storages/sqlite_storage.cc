#include "automl/storages/sqlite_storage.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "automl/error.h"
#include "automl/version.h"
#include "core/storages/sqlite_db.h"
#include "core/storages/storage_util.h"

namespace automl {

using internal::SqliteDb;
using internal::SqliteStatement;

namespace {

constexpr const char* kApplication = "automl";

// Schema version 1. Counts per state are kept by triggers, so that no code path can let them
// drift; they make the counting contract's check O(1) however many trials a study has.
constexpr const char* kSchema = R"sql(
CREATE TABLE version_info (
  version_info_id INTEGER PRIMARY KEY CHECK (version_info_id = 1),
  schema_version INTEGER NOT NULL,
  library_version TEXT NOT NULL,
  application TEXT NOT NULL
);
CREATE TABLE studies (
  study_id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  directions TEXT NOT NULL,
  space TEXT NOT NULL,
  seed INTEGER NOT NULL,
  config TEXT NOT NULL,
  user_attrs TEXT NOT NULL,
  system_attrs TEXT NOT NULL,
  created REAL NOT NULL,
  next_number INTEGER NOT NULL DEFAULT 0,
  next_sample_index INTEGER NOT NULL DEFAULT 0,
  next_finish_seq INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE study_counts (
  study_id INTEGER NOT NULL REFERENCES studies (study_id) ON DELETE CASCADE,
  state INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (study_id, state)
) WITHOUT ROWID;
CREATE TABLE trials (
  trial_id INTEGER PRIMARY KEY AUTOINCREMENT,
  study_id INTEGER NOT NULL REFERENCES studies (study_id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  state INTEGER NOT NULL,
  params TEXT,
  vals TEXT,
  reason TEXT NOT NULL DEFAULT '',
  seed INTEGER NOT NULL,
  sample_index INTEGER,
  retry_of INTEGER,
  finish_seq INTEGER NOT NULL DEFAULT 0,
  host TEXT NOT NULL DEFAULT '',
  pid INTEGER NOT NULL DEFAULT 0,
  worker TEXT NOT NULL DEFAULT '',
  created REAL NOT NULL,
  started REAL,
  finished REAL,
  heartbeat REAL,
  user_attrs TEXT NOT NULL DEFAULT '{}',
  system_attrs TEXT NOT NULL DEFAULT '{}',
  UNIQUE (study_id, number)
);
CREATE INDEX trials_by_state ON trials (study_id, state, number);
CREATE INDEX trials_by_finish ON trials (study_id, finish_seq);
CREATE TABLE trial_intermediate (
  trial_id INTEGER NOT NULL REFERENCES trials (trial_id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  vals TEXT NOT NULL,
  PRIMARY KEY (trial_id, step)
) WITHOUT ROWID;
CREATE TABLE trial_logs (
  trial_id INTEGER PRIMARY KEY REFERENCES trials (trial_id) ON DELETE CASCADE,
  output TEXT NOT NULL,
  error_tail TEXT NOT NULL
);
CREATE TRIGGER trials_count_insert AFTER INSERT ON trials BEGIN
  INSERT INTO study_counts (study_id, state, n) VALUES (NEW.study_id, NEW.state, 1)
    ON CONFLICT (study_id, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER trials_count_update AFTER UPDATE OF state ON trials
WHEN OLD.state <> NEW.state BEGIN
  UPDATE study_counts SET n = n - 1 WHERE study_id = OLD.study_id AND state = OLD.state;
  INSERT INTO study_counts (study_id, state, n) VALUES (NEW.study_id, NEW.state, 1)
    ON CONFLICT (study_id, state) DO UPDATE SET n = n + 1;
END;
)sql";

// Statements are cached by the address of their text, so each is a named constant.
#define AUTOML_TRIAL_SELECT                                                              \
  "SELECT trial_id, number, state, params, vals, reason, seed, sample_index, retry_of, " \
  "finish_seq, host, pid, worker, created, started, finished, heartbeat, user_attrs, "   \
  "system_attrs FROM trials "

constexpr const char* kSelectTrialById = AUTOML_TRIAL_SELECT "WHERE trial_id = ?1";
constexpr const char* kSelectTrialByNumber =
    AUTOML_TRIAL_SELECT "WHERE study_id = ?1 AND number = ?2";
constexpr const char* kSelectFinishedAfter =
    AUTOML_TRIAL_SELECT "WHERE study_id = ?1 AND finish_seq > ?2 ORDER BY finish_seq";
constexpr const char* kSelectUnfinished =
    AUTOML_TRIAL_SELECT "WHERE study_id = ?1 AND state IN (0, 4) ORDER BY number";
constexpr const char* kSelectOldestWaiting =
    AUTOML_TRIAL_SELECT "WHERE study_id = ?1 AND state = 4 ORDER BY number LIMIT 1";
#undef AUTOML_TRIAL_SELECT

constexpr const char* kSelectIntermediate =
    "SELECT step, vals FROM trial_intermediate WHERE trial_id = ?1 ORDER BY step";
constexpr const char* kSelectIntermediateFinishedAfter =
    "SELECT i.trial_id, i.step, i.vals FROM trial_intermediate i JOIN trials t "
    "ON t.trial_id = i.trial_id WHERE t.study_id = ?1 AND t.finish_seq > ?2";
constexpr const char* kSelectIntermediateUnfinished =
    "SELECT i.trial_id, i.step, i.vals FROM trial_intermediate i JOIN trials t "
    "ON t.trial_id = i.trial_id WHERE t.study_id = ?1 AND t.state IN (0, 4)";

constexpr const char* kSelectStudyByName =
    "SELECT study_id, name, directions, space, seed, config, user_attrs, system_attrs, created "
    "FROM studies WHERE name = ?1";
constexpr const char* kSelectStudyById =
    "SELECT study_id, name, directions, space, seed, config, user_attrs, system_attrs, created "
    "FROM studies WHERE study_id = ?1";
constexpr const char* kSelectAllStudies =
    "SELECT study_id, name, directions, space, seed, config, user_attrs, system_attrs, created "
    "FROM studies ORDER BY study_id";

constexpr const char* kSelectCounts = "SELECT state, n FROM study_counts WHERE study_id = ?1";
constexpr const char* kSelectTrialState =
    "SELECT state, number, study_id FROM trials WHERE trial_id = ?1";
constexpr const char* kSelectNext =
    "SELECT next_number, next_sample_index, next_finish_seq, seed FROM studies "
    "WHERE study_id = ?1";

std::string JsonText(const Json& j) { return j.dump(); }

Json ParseJson(const std::string& text, const char* what) {
  return internal::ParseStoredJson(text, what);
}

using internal::DirectionsFromJson;
using internal::DirectionsToJson;

StudyRecord ReadStudy(const SqliteStatement& s) {
  StudyRecord study;
  study.id = s.Int(0);
  study.name = s.Text(1);
  study.directions = DirectionsFromJson(ParseJson(s.Text(2), "directions"));
  study.space = SearchSpace::FromJson(ParseJson(s.Text(3), "space"));
  study.seed = static_cast<uint64_t>(s.Int(4));
  study.config = ParseJson(s.Text(5), "config");
  study.user_attrs = ParseJson(s.Text(6), "attributes");
  study.system_attrs = ParseJson(s.Text(7), "attributes");
  study.created = s.Double(8);
  return study;
}

FrozenTrial ReadTrial(const SqliteStatement& s) {
  FrozenTrial t;
  t.id = s.Int(0);
  t.number = s.Int(1);
  t.state = static_cast<TrialState>(s.Int(2));
  if (!s.IsNull(3)) {
    t.params = ParamsFromJson(ParseJson(s.Text(3), "parameters"));
    t.has_params = true;
  }
  if (!s.IsNull(4)) t.values = internal::ValuesFromJson(ParseJson(s.Text(4), "values"));
  t.reason = s.Text(5);
  t.seed = static_cast<uint64_t>(s.Int(6));
  t.sample_index = s.OptionalInt(7);
  t.retry_of = s.OptionalInt(8);
  t.finish_seq = s.Int(9);
  t.worker.host = s.Text(10);
  t.worker.pid = s.Int(11);
  t.worker.token = s.Text(12);
  t.created = s.Double(13);
  t.started = s.OptionalDouble(14);
  t.finished = s.OptionalDouble(15);
  t.heartbeat = s.OptionalDouble(16);
  t.user_attrs = ParseJson(s.Text(17), "attributes");
  t.system_attrs = ParseJson(s.Text(18), "attributes");
  return t;
}

const char* SynchronousPragma(SqliteOptions::Synchronous s) {
  switch (s) {
    case SqliteOptions::Synchronous::kFull:
      return "PRAGMA synchronous = FULL";
    case SqliteOptions::Synchronous::kNormal:
      return "PRAGMA synchronous = NORMAL";
    case SqliteOptions::Synchronous::kOff:
      return "PRAGMA synchronous = OFF";
  }
  return "PRAGMA synchronous = FULL";
}

}  // namespace

bool SqliteOptions::IsValid(std::string* error) const {
  if (path.empty()) {
    *error = "path: must not be empty";
    return false;
  }
  if (!(timeout_seconds > 0)) {
    *error = "timeout_seconds: must be positive";
    return false;
  }
  return true;
}

// ---- Impl -------------------------------------------------------------------------------------

class SqliteStorage::Impl {
 public:
  explicit Impl(const SqliteOptions& options)
      : options_(options), db_(options.path, options.timeout_seconds) {
    Open();
  }

  std::mutex mutex_;
  SqliteOptions options_;
  SqliteDb db_;
  int schema_version_ = 0;

  // Finished trials are read-only, so once read they are kept: later reads fetch only what
  // finished since (by finish_seq) and what is still running or waiting.
  struct StudyCache {
    std::vector<FrozenTrial> finished;  // index finish_seq - 1
    std::map<int64_t, size_t> by_number;
  };
  std::map<int64_t, StudyCache> cache_;

  void Open();
  void Migrate(int from_version);
  TrialCounts Counts(int64_t study_id);
  void LoadIntermediate(FrozenTrial& trial);
  // Brings the cache of |study_id| up to date (call inside a read transaction).
  StudyCache& Refresh(int64_t study_id);
  std::vector<FrozenTrial> Unfinished(int64_t study_id);
  // Checks that the trial is RUNNING; returns (number, study_id).
  std::pair<int64_t, int64_t> RequireRunning(int64_t trial_id, const char* action);
  // Moves a RUNNING trial to a finished state, with the study's next finish_seq.
  void MarkFinished(int64_t trial_id, int64_t study_id, TrialState state,
                    const std::vector<double>& values, const std::string& reason);
  int64_t InsertWaiting(int64_t study_id, const ParamMap& params, const Json& user_attrs,
                        std::optional<int64_t> retry_of);
  void UpdateJsonColumn(const char* select, const char* update, int64_t id, const std::string& key,
                        const Json& value);
};

void SqliteStorage::Impl::Open() {
  // A file that is not a database fails on the first statement; say so plainly.
  try {
    db_.Exec("PRAGMA foreign_keys = ON");
    db_.Exec(SynchronousPragma(options_.synchronous));
    // WAL: readers never block the writer, and a commit is one fsync of the log.
    for (int attempt = 0;; ++attempt) {
      try {
        db_.Exec("PRAGMA journal_mode = WAL");
        break;
      } catch (const internal::SqliteBusy&) {
        if (attempt > 200)
          throw StorageError("SQLite database '" + options_.path + "' stays locked");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  } catch (const StorageError& e) {
    if (sqlite3_errcode(db_.handle()) == SQLITE_NOTADB) {
      throw StorageError("'" + options_.path + "' is not an SQLite database");
    }
    throw;
  }

  db_.Write([&] {
    bool has_version_table = false;
    bool has_tables = false;
    {
      auto s = db_.Use("SELECT name FROM sqlite_master WHERE type = 'table'");
      while (s->Step()) {
        has_tables = true;
        if (s->Text(0) == "version_info") has_version_table = true;
      }
    }
    if (!has_version_table) {
      if (has_tables) {
        throw StorageError("'" + options_.path +
                           "' is an SQLite database but not an automl one (no version_info)");
      }
      db_.Exec(kSchema);
      auto s = db_.Use(
          "INSERT INTO version_info (version_info_id, schema_version, library_version, "
          "application) VALUES (1, ?1, ?2, ?3)");
      s->Bind(1, int64_t{kSchemaVersion})
          .Bind(2, std::string(AUTOML_VERSION))
          .Bind(3, std::string(kApplication));
      s->Run();
      schema_version_ = kSchemaVersion;
      return;
    }
    bool is_automl = false;
    {
      auto s = db_.Use("SELECT name FROM pragma_table_info('version_info')");
      while (s->Step()) is_automl |= s->Text(0) == "application";
    }
    if (!is_automl) {
      throw StorageError("'" + options_.path +
                         "' is not an automl database (its version_info is another tool's)");
    }
    auto s = db_.Use("SELECT schema_version, library_version FROM version_info");
    if (!s->Step()) throw StorageError("'" + options_.path + "' has an empty version_info");
    schema_version_ = static_cast<int>(s->Int(0));
    const std::string written_by = s->Text(1);
    if (schema_version_ > kSchemaVersion) {
      throw VersionError("'" + options_.path + "' uses storage schema " +
                         std::to_string(schema_version_) + " (written by automl " + written_by +
                         "), newer than the schema " + std::to_string(kSchemaVersion) +
                         " this automl " AUTOML_VERSION " reads; upgrade automl to use it");
    }
    if (schema_version_ < kSchemaVersion) Migrate(schema_version_);
  });
}

void SqliteStorage::Impl::Migrate(int from_version) {
  // Schema 1 is the first; later versions add their steps here, one per version.
  throw StorageError("'" + options_.path + "' has unknown storage schema " +
                     std::to_string(from_version));
}

TrialCounts SqliteStorage::Impl::Counts(int64_t study_id) {
  TrialCounts counts;
  auto s = db_.Use(kSelectCounts);
  s->Bind(1, study_id);
  while (s->Step()) counts.Add(static_cast<TrialState>(s->Int(0)), s->Int(1));
  return counts;
}

void SqliteStorage::Impl::LoadIntermediate(FrozenTrial& trial) {
  auto s = db_.Use(kSelectIntermediate);
  s->Bind(1, trial.id);
  while (s->Step()) {
    trial.intermediate.emplace(s->Int(0),
                               internal::ValuesFromJson(ParseJson(s->Text(1), "values")));
  }
}

namespace {

// Reads trials from |select| and their intermediate values from |intermediate|, both bound to
// (study_id, seq).
std::vector<FrozenTrial> ReadTrials(SqliteDb& db, const char* select, const char* intermediate,
                                    int64_t study_id, std::optional<int64_t> seq) {
  std::vector<FrozenTrial> trials;
  std::map<int64_t, size_t> by_id;
  {
    auto s = db.Use(select);
    s->Bind(1, study_id);
    if (seq) s->Bind(2, *seq);
    while (s->Step()) {
      trials.push_back(ReadTrial(*s));
      by_id[trials.back().id] = trials.size() - 1;
    }
  }
  if (trials.empty()) return trials;
  auto s = db.Use(intermediate);
  s->Bind(1, study_id);
  if (seq) s->Bind(2, *seq);
  while (s->Step()) {
    auto it = by_id.find(s->Int(0));
    if (it == by_id.end()) continue;  // finished between the two reads of this snapshot: none
    trials[it->second].intermediate.emplace(
        s->Int(1), internal::ValuesFromJson(ParseJson(s->Text(2), "values")));
  }
  return trials;
}

}  // namespace

SqliteStorage::Impl::StudyCache& SqliteStorage::Impl::Refresh(int64_t study_id) {
  StudyCache& cache = cache_[study_id];
  const auto last = static_cast<int64_t>(cache.finished.size());
  for (FrozenTrial& t :
       ReadTrials(db_, kSelectFinishedAfter, kSelectIntermediateFinishedAfter, study_id, last)) {
    cache.by_number[t.number] = cache.finished.size();
    cache.finished.push_back(std::move(t));
  }
  return cache;
}

std::vector<FrozenTrial> SqliteStorage::Impl::Unfinished(int64_t study_id) {
  return ReadTrials(db_, kSelectUnfinished, kSelectIntermediateUnfinished, study_id, std::nullopt);
}

std::pair<int64_t, int64_t> SqliteStorage::Impl::RequireRunning(int64_t trial_id,
                                                                const char* action) {
  auto s = db_.Use(kSelectTrialState);
  s->Bind(1, trial_id);
  if (!s->Step()) throw NotFound("no trial with id " + std::to_string(trial_id));
  const auto state = static_cast<TrialState>(s->Int(0));
  if (state != TrialState::kRunning) throw internal::NotRunning(s->Int(1), state, action);
  return {s->Int(1), s->Int(2)};
}

void SqliteStorage::Impl::MarkFinished(int64_t trial_id, int64_t study_id, TrialState state,
                                       const std::vector<double>& values,
                                       const std::string& reason) {
  int64_t seq = 0;
  {
    auto s = db_.Use(kSelectNext);
    s->Bind(1, study_id);
    if (!s->Step()) throw NotFound("no study with id " + std::to_string(study_id));
    seq = s->Int(2);
  }
  {
    auto s = db_.Use(
        "UPDATE trials SET state = ?2, vals = ?3, reason = ?4, finished = ?5, finish_seq = ?6 "
        "WHERE trial_id = ?1");
    s->Bind(1, trial_id).Bind(2, static_cast<int64_t>(state));
    if (state == TrialState::kComplete) {
      s->Bind(3, JsonText(internal::ValuesToJson(values)));
    } else {
      s->Bind(3, std::nullopt);
    }
    s->Bind(4, reason).Bind(5, internal::Now()).Bind(6, seq);
    s->Run();
  }
  auto s = db_.Use("UPDATE studies SET next_finish_seq = next_finish_seq + 1 WHERE study_id = ?1");
  s->Bind(1, study_id);
  s->Run();
}

int64_t SqliteStorage::Impl::InsertWaiting(int64_t study_id, const ParamMap& params,
                                           const Json& user_attrs,
                                           std::optional<int64_t> retry_of) {
  int64_t number = 0;
  uint64_t seed = 0;
  {
    auto s = db_.Use(kSelectNext);
    s->Bind(1, study_id);
    if (!s->Step()) throw NotFound("no study with id " + std::to_string(study_id));
    number = s->Int(0);
    seed = static_cast<uint64_t>(s->Int(3));
  }
  {
    auto s = db_.Use(
        "INSERT INTO trials (study_id, number, state, params, seed, retry_of, created, "
        "user_attrs) VALUES (?1, ?2, 4, ?3, ?4, ?5, ?6, ?7)");
    s->Bind(1, study_id).Bind(2, number).Bind(3, JsonText(ParamsToJson(params)));
    s->Bind(4, static_cast<int64_t>(internal::TrialSeed(seed, number)));
    s->Bind(5, retry_of).Bind(6, internal::Now());
    s->Bind(7, JsonText(user_attrs.is_object() ? user_attrs : Json::object()));
    s->Run();
  }
  auto s = db_.Use("UPDATE studies SET next_number = next_number + 1 WHERE study_id = ?1");
  s->Bind(1, study_id);
  s->Run();
  return number;
}

void SqliteStorage::Impl::UpdateJsonColumn(const char* select, const char* update, int64_t id,
                                           const std::string& key, const Json& value) {
  Json attrs;
  {
    auto s = db_.Use(select);
    s->Bind(1, id);
    if (!s->Step()) throw NotFound("no record with id " + std::to_string(id));
    attrs = ParseJson(s->Text(0), "attributes");
  }
  attrs[key] = value;
  auto s = db_.Use(update);
  s->Bind(1, id).Bind(2, JsonText(attrs));
  s->Run();
}

// ---- SqliteStorage ----------------------------------------------------------------------------

SqliteStorage::SqliteStorage(const SqliteOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw InvalidArgument("SQLite storage: " + error);
  impl_ = std::make_unique<Impl>(options);
}

SqliteStorage::~SqliteStorage() = default;

std::string SqliteStorage::Describe() const { return "sqlite:///" + impl_->options_.path; }

int SqliteStorage::schema_version() const { return impl_->schema_version_; }

int64_t SqliteStorage::CreateStudy(const StudyRecord& study) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  int64_t id = -1;
  impl_->db_.Write([&] {
    {
      auto s = impl_->db_.Use("SELECT study_id FROM studies WHERE name = ?1");
      s->Bind(1, study.name);
      if (s->Step()) throw AlreadyExists("a study named '" + study.name + "' exists");
    }
    auto s = impl_->db_.Use(
        "INSERT INTO studies (name, directions, space, seed, config, user_attrs, system_attrs, "
        "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    s->Bind(1, study.name).Bind(2, JsonText(DirectionsToJson(study.directions)));
    s->Bind(3, JsonText(study.space.ToJson())).Bind(4, static_cast<int64_t>(study.seed));
    s->Bind(5, JsonText(study.config)).Bind(6, JsonText(study.user_attrs));
    s->Bind(7, JsonText(study.system_attrs)).Bind(8, internal::Now());
    s->Run();
    id = sqlite3_last_insert_rowid(impl_->db_.handle());
  });
  return id;
}

std::optional<StudyRecord> SqliteStorage::FindStudy(std::string_view name) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  std::optional<StudyRecord> out;
  impl_->db_.Read([&] {
    auto s = impl_->db_.Use(kSelectStudyByName);
    s->Bind(1, std::string(name));
    out = s->Step() ? std::optional<StudyRecord>(ReadStudy(*s)) : std::nullopt;
  });
  return out;
}

StudyRecord SqliteStorage::GetStudy(int64_t study_id) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  StudyRecord out;
  impl_->db_.Read([&] {
    auto s = impl_->db_.Use(kSelectStudyById);
    s->Bind(1, study_id);
    if (!s->Step()) throw NotFound("no study with id " + std::to_string(study_id));
    out = ReadStudy(*s);
  });
  return out;
}

std::vector<StudyRecord> SqliteStorage::ListStudies() const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  std::vector<StudyRecord> out;
  impl_->db_.Read([&] {
    out.clear();
    auto s = impl_->db_.Use(kSelectAllStudies);
    while (s->Step()) out.push_back(ReadStudy(*s));
  });
  return out;
}

void SqliteStorage::SetStudyUserAttr(int64_t study_id, const std::string& key, const Json& value) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Write([&] {
    impl_->UpdateJsonColumn("SELECT user_attrs FROM studies WHERE study_id = ?1",
                            "UPDATE studies SET user_attrs = ?2 WHERE study_id = ?1", study_id, key,
                            value);
  });
}

void SqliteStorage::SetStudySystemAttr(int64_t study_id, const std::string& key,
                                       const Json& value) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Write([&] {
    impl_->UpdateJsonColumn("SELECT system_attrs FROM studies WHERE study_id = ?1",
                            "UPDATE studies SET system_attrs = ?2 WHERE study_id = ?1", study_id,
                            key, value);
  });
}

int64_t SqliteStorage::EnqueueTrial(int64_t study_id, const ParamMap& params,
                                    const Json& user_attrs, std::optional<int64_t> retry_of) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  int64_t number = -1;
  impl_->db_.Write([&] { number = impl_->InsertWaiting(study_id, params, user_attrs, retry_of); });
  return number;
}

ClaimResult SqliteStorage::ClaimTrial(int64_t study_id, const ClaimRequest& request) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  SqliteDb& db = impl_->db_;
  ClaimResult result;
  db.Write([&] {
    result = ClaimResult{};
    result.counts = impl_->Counts(study_id);
    if (request.target && result.counts.finished() + result.counts.running >= *request.target) {
      result.status = ClaimStatus::kTargetReached;
      return;
    }
    const double now = internal::Now();
    if (result.counts.waiting > 0) {
      {
        auto s = db.Use(kSelectOldestWaiting);
        s->Bind(1, study_id);
        if (!s->Step())
          throw StorageError("trial counts of study " + std::to_string(study_id) + " are corrupt");
        result.trial = ReadTrial(*s);
      }
      auto s = db.Use(
          "UPDATE trials SET state = 0, host = ?2, pid = ?3, worker = ?4, started = ?5, "
          "heartbeat = ?5 WHERE trial_id = ?1");
      s->Bind(1, result.trial.id).Bind(2, request.worker.host).Bind(3, request.worker.pid);
      s->Bind(4, request.worker.token).Bind(5, now);
      s->Run();
      result.counts.Add(TrialState::kWaiting, -1);
    } else {
      int64_t number = 0;
      int64_t sample_index = 0;
      uint64_t study_seed = 0;
      {
        auto s = db.Use(kSelectNext);
        s->Bind(1, study_id);
        if (!s->Step()) throw NotFound("no study with id " + std::to_string(study_id));
        number = s->Int(0);
        sample_index = s->Int(1);
        study_seed = static_cast<uint64_t>(s->Int(3));
      }
      if (request.capacity && sample_index >= *request.capacity) {
        result.status = ClaimStatus::kExhausted;
        return;
      }
      FrozenTrial& t = result.trial;
      t.number = number;
      t.sample_index = sample_index;
      t.seed = internal::TrialSeed(study_seed, number);
      t.created = now;
      const auto& spec = request.speculation;
      if (spec && spec->number == number && spec->sample_index == sample_index) {
        t.params = spec->params;
        t.has_params = true;
      }
      {
        auto s = db.Use(
            "INSERT INTO trials (study_id, number, state, seed, sample_index, host, pid, worker, "
            "created, started, heartbeat, params) "
            "VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?8, ?9)");
        s->Bind(1, study_id).Bind(2, number).Bind(3, static_cast<int64_t>(t.seed));
        s->Bind(4, sample_index).Bind(5, request.worker.host).Bind(6, request.worker.pid);
        s->Bind(7, request.worker.token).Bind(8, now);
        if (t.has_params) {
          s->Bind(9, JsonText(ParamsToJson(t.params)));
        } else {
          s->Bind(9, std::nullopt);
        }
        s->Run();
        t.id = sqlite3_last_insert_rowid(db.handle());
      }
      auto s = db.Use(
          "UPDATE studies SET next_number = next_number + 1, "
          "next_sample_index = next_sample_index + 1 WHERE study_id = ?1");
      s->Bind(1, study_id);
      s->Run();
    }
    result.trial.state = TrialState::kRunning;
    result.trial.worker = request.worker;
    result.trial.started = now;
    result.trial.heartbeat = now;
    result.counts.Add(TrialState::kRunning, 1);
  });
  return result;
}

void SqliteStorage::SetTrialParams(int64_t trial_id, const ParamMap& params) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Write([&] {
    impl_->RequireRunning(trial_id, "set the parameters of");
    auto s = impl_->db_.Use("UPDATE trials SET params = ?2 WHERE trial_id = ?1");
    s->Bind(1, trial_id).Bind(2, JsonText(ParamsToJson(params)));
    s->Run();
  });
}

bool SqliteStorage::ReportIntermediate(int64_t trial_id, int64_t step,
                                       const std::vector<double>& values) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  bool inserted = false;
  impl_->db_.Write([&] {
    impl_->RequireRunning(trial_id, "report to");
    {
      auto s = impl_->db_.Use(
          "INSERT OR IGNORE INTO trial_intermediate (trial_id, step, vals) VALUES (?1, ?2, ?3)");
      s->Bind(1, trial_id).Bind(2, step).Bind(3, JsonText(internal::ValuesToJson(values)));
      s->Run();
      inserted = sqlite3_changes(impl_->db_.handle()) == 1;
    }
    auto s = impl_->db_.Use("UPDATE trials SET heartbeat = ?2 WHERE trial_id = ?1");
    s->Bind(1, trial_id).Bind(2, internal::Now());
    s->Run();
  });
  return inserted;
}

void SqliteStorage::FinishTrial(int64_t trial_id, TrialState state,
                                const std::vector<double>& values, const std::string& reason) {
  internal::CheckFinishState(state);
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Write([&] {
    const auto [number, study_id] = impl_->RequireRunning(trial_id, "finish");
    impl_->MarkFinished(trial_id, study_id, state, values, reason);
  });
}

void SqliteStorage::SetTrialUserAttr(int64_t trial_id, const std::string& key, const Json& value) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Write([&] {
    impl_->RequireRunning(trial_id, "set an attribute of");
    impl_->UpdateJsonColumn("SELECT user_attrs FROM trials WHERE trial_id = ?1",
                            "UPDATE trials SET user_attrs = ?2 WHERE trial_id = ?1", trial_id, key,
                            value);
  });
}

void SqliteStorage::SetTrialSystemAttr(int64_t trial_id, const std::string& key,
                                       const Json& value) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Write([&] {
    impl_->RequireRunning(trial_id, "set an attribute of");
    impl_->UpdateJsonColumn("SELECT system_attrs FROM trials WHERE trial_id = ?1",
                            "UPDATE trials SET system_attrs = ?2 WHERE trial_id = ?1", trial_id,
                            key, value);
  });
}

void SqliteStorage::SetTrialLog(int64_t trial_id, const TrialLog& log) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Write([&] {
    impl_->RequireRunning(trial_id, "set the log of");
    auto s = impl_->db_.Use(
        "INSERT INTO trial_logs (trial_id, output, error_tail) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (trial_id) DO UPDATE SET output = excluded.output, "
        "error_tail = excluded.error_tail");
    s->Bind(1, trial_id).Bind(2, log.output).Bind(3, log.error_tail);
    s->Run();
  });
}

void SqliteStorage::Heartbeat(int64_t trial_id) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  impl_->db_.Write([&] {
    impl_->RequireRunning(trial_id, "beat for");
    auto s = impl_->db_.Use("UPDATE trials SET heartbeat = ?2 WHERE trial_id = ?1");
    s->Bind(1, trial_id).Bind(2, internal::Now());
    s->Run();
  });
}

bool SqliteStorage::FailLostTrial(int64_t trial_id, const std::string& reason, bool requeue) {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  bool failed = false;
  impl_->db_.Write([&] {
    failed = false;
    FrozenTrial trial;
    int64_t study_id = 0;
    {
      auto s = impl_->db_.Use(kSelectTrialById);
      s->Bind(1, trial_id);
      if (!s->Step()) throw NotFound("no trial with id " + std::to_string(trial_id));
      trial = ReadTrial(*s);
    }
    if (trial.state != TrialState::kRunning) return;
    {
      auto s = impl_->db_.Use(kSelectTrialState);
      s->Bind(1, trial_id);
      s->Step();
      study_id = s->Int(2);
    }
    impl_->MarkFinished(trial_id, study_id, TrialState::kFailed, {}, reason);
    if (requeue && trial.has_params) {
      impl_->InsertWaiting(study_id, trial.params, trial.user_attrs, trial.number);
    }
    failed = true;
  });
  return failed;
}

FrozenTrial SqliteStorage::GetTrial(int64_t trial_id) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  FrozenTrial out;
  impl_->db_.Read([&] {
    auto s = impl_->db_.Use(kSelectTrialById);
    s->Bind(1, trial_id);
    if (!s->Step()) throw NotFound("no trial with id " + std::to_string(trial_id));
    out = ReadTrial(*s);
    s->Reset();
    impl_->LoadIntermediate(out);
  });
  return out;
}

FrozenTrial SqliteStorage::GetTrialByNumber(int64_t study_id, int64_t number) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  FrozenTrial out;
  impl_->db_.Read([&] {
    auto s = impl_->db_.Use(kSelectTrialByNumber);
    s->Bind(1, study_id).Bind(2, number);
    if (!s->Step()) {
      throw NotFound("study " + std::to_string(study_id) + " has no trial " +
                     std::to_string(number));
    }
    out = ReadTrial(*s);
    s->Reset();
    impl_->LoadIntermediate(out);
  });
  return out;
}

std::vector<FrozenTrial> SqliteStorage::GetTrials(int64_t study_id, StateMask states) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  std::vector<FrozenTrial> out;
  impl_->db_.Read([&] {
    out.clear();
    const bool want_finished = states.Contains(TrialState::kComplete) ||
                               states.Contains(TrialState::kPruned) ||
                               states.Contains(TrialState::kFailed);
    if (want_finished) {
      const Impl::StudyCache& cache = impl_->Refresh(study_id);
      for (const auto& [number, index] : cache.by_number) {
        if (states.Contains(cache.finished[index].state)) out.push_back(cache.finished[index]);
      }
    }
    if (states.Contains(TrialState::kRunning) || states.Contains(TrialState::kWaiting)) {
      for (FrozenTrial& t : impl_->Unfinished(study_id)) {
        if (states.Contains(t.state)) out.push_back(std::move(t));
      }
    }
  });
  std::sort(out.begin(), out.end(),
            [](const FrozenTrial& a, const FrozenTrial& b) { return a.number < b.number; });
  return out;
}

std::vector<FrozenTrial> SqliteStorage::GetTrialsFinishedAfter(int64_t study_id,
                                                               int64_t after_seq) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  std::vector<FrozenTrial> out;
  impl_->db_.Read([&] {
    out.clear();
    const Impl::StudyCache& cache = impl_->Refresh(study_id);
    for (size_t i = static_cast<size_t>(std::max<int64_t>(after_seq, 0)); i < cache.finished.size();
         ++i) {
      out.push_back(cache.finished[i]);
    }
  });
  return out;
}

TrialCounts SqliteStorage::CountTrials(int64_t study_id) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  TrialCounts counts;
  impl_->db_.Read([&] { counts = impl_->Counts(study_id); });
  return counts;
}

TrialLog SqliteStorage::GetTrialLog(int64_t trial_id) const {
  std::lock_guard<std::mutex> lock(impl_->mutex_);
  TrialLog log;
  impl_->db_.Read([&] {
    log = TrialLog{};
    auto s = impl_->db_.Use("SELECT output, error_tail FROM trial_logs WHERE trial_id = ?1");
    s->Bind(1, trial_id);
    if (s->Step()) {
      log.output = s->Text(0);
      log.error_tail = s->Text(1);
    }
  });
  return log;
}

}  // namespace automl
