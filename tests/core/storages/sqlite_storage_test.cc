#include "automl/storages/sqlite_storage.h"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "testing/storage_conformance.h"
#include "testing/temp_dir.h"

namespace automl::testing {
namespace {

struct SqliteFactory {
  std::shared_ptr<Storage> Make() {
    return std::make_shared<SqliteStorage>(SqliteOptions{dir.File("study.db")});
  }
  TempDir dir;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StorageConformanceTest, SqliteFactory);

// Runs SQL on a database file directly, to tamper with it the way another tool or version might.
void RawSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

TEST(SqliteStorageTest, EverythingSurvivesReopening) {
  TempDir dir;
  const std::string path = dir.File("s.db");
  int64_t study = 0;
  {
    SqliteStorage s({path});
    study = s.CreateStudy(MakeStudyRecord("kept"));
    const ClaimResult c = s.ClaimTrial(study, Claim());
    s.SetTrialParams(c.trial.id, {{"x", 0.125}});
    s.ReportIntermediate(c.trial.id, 1, {0.5});
    s.FinishTrial(c.trial.id, TrialState::kComplete, {0.25}, "");
    s.ClaimTrial(study, Claim());  // left RUNNING
  }
  SqliteStorage s({path});
  EXPECT_EQ(s.schema_version(), SqliteStorage::kSchemaVersion);
  const auto trials = s.GetTrials(study, StateMask::All());
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].values, std::vector<double>{0.25});
  EXPECT_EQ(trials[0].intermediate.at(1), std::vector<double>{0.5});
  EXPECT_EQ(trials[1].state, TrialState::kRunning);
  EXPECT_EQ(s.ClaimTrial(study, Claim()).trial.number, 2);
}

TEST(SqliteStorageTest, UsesWalWithFullSynchronousByDefault) {
  TempDir dir;
  SqliteStorage s({dir.File("s.db")});
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("s.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(SqliteStorageTest, RefusesAFileWithANewerSchema) {
  TempDir dir;
  const std::string path = dir.File("s.db");
  { SqliteStorage s({path}); }
  RawSql(path, "UPDATE version_info SET schema_version = 99, library_version = '9.0.0'");
  try {
    SqliteStorage s({path});
    FAIL() << "a newer schema must be refused";
  } catch (const VersionError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("schema 99"), std::string::npos) << message;
    EXPECT_NE(message.find("9.0.0"), std::string::npos) << message;
    EXPECT_NE(message.find("upgrade automl"), std::string::npos) << message;
  }
  // The file was not touched.
  RawSql(path, "SELECT 1 FROM version_info WHERE schema_version = 99");
}

TEST(SqliteStorageTest, RefusesFilesThatAreNotAutomlDatabases) {
  TempDir dir;
  const std::string text = dir.File("notes.db");
  std::ofstream(text) << "these are my notes, not a database\n";
  EXPECT_THROW(SqliteStorage({text}), StorageError);
  std::ifstream in(text);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "these are my notes, not a database") << "the user's file must be untouched";

  const std::string other = dir.File("other.db");
  RawSql(other, "CREATE TABLE mine (a INTEGER)");
  EXPECT_THROW(SqliteStorage({other}), StorageError);

  // Optuna's database has a version_info table too, but not ours.
  const std::string optuna = dir.File("optuna.db");
  RawSql(optuna,
         "CREATE TABLE version_info (version_info_id INTEGER PRIMARY KEY, schema_version INTEGER, "
         "library_version TEXT); INSERT INTO version_info VALUES (1, 12, '3.1.0')");
  try {
    SqliteStorage s({optuna});
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("not an automl database"), std::string::npos) << e.what();
  }
}

TEST(SqliteStorageTest, UrlsAndOptions) {
  TempDir dir;
  const std::string abs = dir.File("a.db");
  EXPECT_EQ(OpenStorage("sqlite:///" + abs)->Describe(), "sqlite:///" + abs);  // sqlite:////abs
  EXPECT_EQ(OpenStorage(abs)->Describe(), "sqlite:///" + abs);
  EXPECT_NO_THROW(OpenStorage("sqlite:///" + abs + "?synchronous=normal&timeout=5"));
  EXPECT_THROW(OpenStorage("sqlite:///" + abs + "?synchronous=fast"), InvalidArgument);
  EXPECT_THROW(OpenStorage("sqlite:///" + abs + "?timeout=-1"), InvalidArgument);
  EXPECT_THROW(OpenStorage("sqlite:///" + abs + "?colour=red"), InvalidArgument);
  EXPECT_THROW(OpenStorage("sqlite://relative.db"), InvalidArgument);
  EXPECT_THROW(OpenStorage("sqlite:///" + dir.File("missing/dir/x.db")), StorageError);
}

// Several processes claim from one file at once: numbers stay unique and the target exact, and
// no "database is locked" escapes.
TEST(SqliteStorageTest, ProcessesShareOneFileWithoutLostOrDuplicatedTrials) {
  TempDir dir;
  const std::string path = dir.File("shared.db");
  int64_t study = 0;
  {
    SqliteStorage s({path});
    study = s.CreateStudy(MakeStudyRecord("shared"));
  }
  constexpr int kProcesses = 6;
  constexpr int64_t kTarget = 150;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t pid = fork();
    if (pid == 0) {
      int code = 0;
      try {
        SqliteStorage s({path});
        for (;;) {
          const ClaimResult c = s.ClaimTrial(study, Claim(kTarget));
          if (c.status != ClaimStatus::kClaimed) break;
          s.SetTrialParams(c.trial.id, {{"x", 0.5}});
          s.FinishTrial(c.trial.id, TrialState::kComplete, {1.0}, "");
        }
      } catch (...) {
        code = 1;
      }
      _exit(code);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a writer process failed";
  }
  SqliteStorage s({path});
  const auto trials = s.GetTrials(study, StateMask::All());
  ASSERT_EQ(static_cast<int64_t>(trials.size()), kTarget);
  for (int64_t i = 0; i < kTarget; ++i) EXPECT_EQ(trials[static_cast<size_t>(i)].number, i);
  EXPECT_EQ(s.CountTrials(study).complete, kTarget);
}

}  // namespace
}  // namespace automl::testing
