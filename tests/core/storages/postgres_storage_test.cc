// PostgresStorage: the storage conformance suite against a real server, and what only a server
// storage has: connections lost and regained, many connections at once, secrets kept out of
// messages. Needs the CTest fixture `postgres` (see tests/testing/postgres_test_server.h).
#include "automl/storages/postgres_storage.h"

#include <gmock/gmock.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <set>
#include <thread>

#include "automl/error.h"
#include "testing/postgres_proxy.h"
#include "testing/postgres_test_server.h"
#include "testing/storage_conformance.h"

namespace automl::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct PostgresFactory {
  std::shared_ptr<Storage> Make() {
    std::string why_not;
    const std::optional<std::string> server = SharedPostgresUrl(&why_not);
    if (!server) {
      if (PostgresRequired()) ADD_FAILURE() << why_not;
      std::cout << "PostgreSQL tests skipped: " << why_not << "\n";
      return nullptr;
    }
    database = std::make_unique<PostgresTestDatabase>(*server);
    return std::make_shared<PostgresStorage>(PostgresOptions{database->url()});
  }
  std::unique_ptr<PostgresTestDatabase> database;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StorageConformanceTest, PostgresFactory);

// Tests on a fresh database of the shared server.
class PostgresStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why_not;
    const std::optional<std::string> server = SharedPostgresUrl(&why_not);
    if (!server) AUTOML_SKIP_WITHOUT_POSTGRES(why_not);
    database_ = std::make_unique<PostgresTestDatabase>(*server);
  }
  std::string Url() const { return database_->url(); }
  // Runs SQL on the test database directly, as another tool or version might.
  void RawSql(const std::string& sql) {
    pqxx::connection c(Url());
    pqxx::nontransaction n(c);
    n.exec(sql);
  }

  std::unique_ptr<PostgresTestDatabase> database_;
};

TEST_F(PostgresStorageTest, EverythingSurvivesReopening) {
  int64_t study = 0;
  {
    PostgresStorage s({Url()});
    study = s.CreateStudy(MakeStudyRecord("kept"));
    const ClaimResult c = s.ClaimTrial(study, Claim());
    s.SetTrialParams(c.trial.id, {{"x", 0.125}});
    s.ReportIntermediate(c.trial.id, 1, {0.5});
    s.FinishTrial(c.trial.id, TrialState::kComplete, {0.25}, "");
    s.ClaimTrial(study, Claim());  // left RUNNING
  }
  PostgresStorage s({Url()});
  EXPECT_EQ(s.schema_version(), PostgresStorage::kSchemaVersion);
  const auto trials = s.GetTrials(study, StateMask::All());
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].values, std::vector<double>{0.25});
  EXPECT_EQ(trials[0].intermediate.at(1), std::vector<double>{0.5});
  EXPECT_EQ(trials[1].state, TrialState::kRunning);
  EXPECT_EQ(s.ClaimTrial(study, Claim()).trial.number, 2);
}

TEST_F(PostgresStorageTest, RefusesANewerSchemaAndAForeignOne) {
  { PostgresStorage s({Url()}); }
  RawSql("UPDATE automl.version_info SET schema_version = 99, library_version = '9.0.0'");
  try {
    PostgresStorage s({Url()});
    FAIL() << "a newer schema must be refused";
  } catch (const VersionError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("schema 99 (written by automl 9.0.0)"));
  }
  RawSql("DROP SCHEMA automl CASCADE; CREATE SCHEMA automl; CREATE TABLE automl.t (x int)");
  try {
    PostgresStorage s({Url()});
    FAIL() << "a schema named automl that is not ours must be refused";
  } catch (const StorageError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("not automl's"));
  }
}

// Optuna's RDB storage (and others) may share the database: their tables are left alone.
TEST_F(PostgresStorageTest, SharesADatabaseWithAnotherToolsTables) {
  RawSql(
      "CREATE TABLE version_info (version_info_id int PRIMARY KEY, schema_version int, "
      "library_version varchar(256)); INSERT INTO version_info VALUES (1, 12, '3.1.0')");
  PostgresStorage s({Url()});
  EXPECT_EQ(s.schema_version(), PostgresStorage::kSchemaVersion);
  pqxx::connection c(Url());
  pqxx::nontransaction n(c);
  EXPECT_EQ(n.exec("SELECT library_version FROM public.version_info")[0][0].as<std::string>(),
            "3.1.0");
}

TEST_F(PostgresStorageTest, ThePasswordNeverAppearsInDescriptionsOrErrors) {
  const std::string url = Url();
  const size_t colon = url.find(':', url.find("://") + 3);
  const std::string password = url.substr(colon + 1, url.find('@') - colon - 1);
  ASSERT_GE(password.size(), 16u);
  PostgresStorage s({url});
  EXPECT_THAT(s.Describe(), Not(HasSubstr(password)));
  EXPECT_THAT(s.Describe(), HasSubstr("automl:***@127.0.0.1"));
  EXPECT_EQ(RedactPostgresUrl("postgresql://u:p%40ss@h:5/db?sslmode=require&password=x&a=b"),
            "postgresql://u:***@h:5/db?sslmode=require&password=***&a=b");
  EXPECT_EQ(RedactPostgresUrl("postgres://h/db"), "postgres://h/db");

  // A wrong password: the message names the server and the failure, not the password given.
  std::string wrong = url;
  wrong.replace(colon + 1, password.size(), "not-the-password-4711");
  try {
    OpenStorage(wrong);
    FAIL() << "a wrong password must be refused";
  } catch (const StorageError& e) {
    const std::string message = e.what();
    EXPECT_THAT(message, HasSubstr("cannot connect to PostgreSQL at postgresql://automl:***@"));
    EXPECT_THAT(message, HasSubstr("password authentication failed"));
    EXPECT_THAT(message, Not(HasSubstr("not-the-password-4711")));
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
}

TEST_F(PostgresStorageTest, AnUnreachableServerIsAClearErrorNotAHang) {
  const auto start = std::chrono::steady_clock::now();
  try {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    OpenStorage("postgresql://automl:secret@127.0.0.1:1/none?connect_timeout=5");
    FAIL() << "no server, no storage";
  } catch (const StorageError& e) {
    EXPECT_THAT(std::string(e.what()),
                HasSubstr("cannot connect to PostgreSQL at postgresql://automl:***@127.0.0.1:1"));
    EXPECT_THAT(std::string(e.what()), Not(HasSubstr("secret")));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_THROW(OpenStorage("postgresql://h/db?timeout=0"), InvalidArgument);
  // libpq quotes what it cannot parse, password included: the message must not.
  for (const char* url :
       {"postgresql://u:50%off@127.0.0.1:1/db", "postgresql://u:s3cr3t@[::1]x/db"}) {
    try {
      OpenStorage(url);
      ADD_FAILURE() << "a malformed URL opens nothing";
    } catch (const Error& e) {
      EXPECT_THAT(std::string(e.what()), Not(HasSubstr("50%off"))) << e.what();
      EXPECT_THAT(std::string(e.what()), Not(HasSubstr("s3cr3t"))) << e.what();
    }
  }
}

// Separate connections (as separate workers have) claiming at once: the study's row lock keeps
// numbers unique and the target exact.
TEST_F(PostgresStorageTest, ConcurrentConnectionsMeetTheTargetExactly) {
  constexpr int kWorkers = 6;
  constexpr int64_t kTarget = 60;
  int64_t study = 0;
  {
    PostgresStorage s({Url()});
    study = s.CreateStudy(MakeStudyRecord("race"));
  }
  std::vector<std::thread> threads;
  std::vector<std::vector<int64_t>> numbers(kWorkers);
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      PostgresStorage s({Url()});
      for (;;) {
        const ClaimResult c = s.ClaimTrial(study, Claim(kTarget));
        if (c.status != ClaimStatus::kClaimed) break;
        numbers[w].push_back(c.trial.number);
        s.FinishTrial(c.trial.id, TrialState::kComplete, {1.0 * w}, "");
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<int64_t> all;
  size_t claimed = 0;
  for (const auto& n : numbers) {
    claimed += n.size();
    all.insert(n.begin(), n.end());
  }
  EXPECT_EQ(claimed, static_cast<size_t>(kTarget));
  EXPECT_EQ(all.size(), static_cast<size_t>(kTarget));
  EXPECT_EQ(*all.rbegin(), kTarget - 1);
  PostgresStorage s({Url()});
  EXPECT_EQ(s.CountTrials(study).complete, kTarget);
  const auto finished = s.GetTrialsFinishedAfter(study, 0);
  ASSERT_EQ(finished.size(), static_cast<size_t>(kTarget));
  for (size_t i = 0; i < finished.size(); ++i) {
    EXPECT_EQ(finished[i].finish_seq, static_cast<int64_t>(i) + 1);
  }
}

// Workers started together on an empty database: one creates the schema, the others wait for it
// (an advisory lock) and use it.
TEST_F(PostgresStorageTest, WorkersOpeningAnEmptyDatabaseAtOnceShareOneSchema) {
  std::vector<std::thread> threads;
  std::atomic<int> opened{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      PostgresStorage s({Url()});
      if (s.schema_version() == PostgresStorage::kSchemaVersion) ++opened;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(opened.load(), 6);
  pqxx::connection c(Url());
  pqxx::nontransaction n(c);
  EXPECT_EQ(n.exec("SELECT count(*) FROM automl.version_info")[0][0].as<int>(), 1);
}

TEST_F(PostgresStorageTest, TwoWorkersCreatingOneStudyGetOneStudy) {
  PostgresStorage a({Url()});
  PostgresStorage b({Url()});
  a.CreateStudy(MakeStudyRecord("same"));
  EXPECT_THROW(b.CreateStudy(MakeStudyRecord("same")), AlreadyExists);
  EXPECT_EQ(b.ListStudies().size(), 1u);
}

TEST_F(PostgresStorageTest, LogsWithBytesPostgresCannotStoreAreKeptReadably) {
  PostgresStorage s({Url()});
  const int64_t study = s.CreateStudy(MakeStudyRecord("logs"));
  const ClaimResult c = s.ClaimTrial(study, Claim());
  s.SetTrialLog(c.trial.id, {std::string("ok \xff\xfe ünï\0end", 15), "tail \xc3"});
  const TrialLog log = s.GetTrialLog(c.trial.id);
  EXPECT_EQ(log.output,
            "ok \xef\xbf\xbd\xef\xbf\xbd ünï\xef\xbf\xbd"
            "end");
  EXPECT_EQ(log.error_tail, "tail \xef\xbf\xbd");
  s.FinishTrial(c.trial.id, TrialState::kFailed, {}, std::string("bad \x80 byte"));
  EXPECT_EQ(s.GetTrial(c.trial.id).reason, "bad \xef\xbf\xbd byte");
}

// The connection breaks after the server committed, before its answer arrived (a proxy drops
// it): the storage reconnects and runs the call again, which must not take effect twice.
TEST_F(PostgresStorageTest, ACallWhoseCommitAnswerWasLostTakesEffectOnce) {
  const std::string url = Url();
  const size_t host = url.find("@127.0.0.1:") + 11;
  const size_t slash = url.find('/', host);
  PostgresProxy proxy(std::stoi(url.substr(host, slash - host)));
  const std::string via_proxy = url.substr(0, host) + std::to_string(proxy.port()) +
                                url.substr(slash) + "?sslmode=disable&gssencmode=disable";
  PostgresStorage s({via_proxy});
  const int64_t study = s.CreateStudy(MakeStudyRecord("doubt"));

  proxy.DropNextCommitAnswer();
  const ClaimResult claim = s.ClaimTrial(study, Claim(10));
  EXPECT_EQ(proxy.dropped(), 1);
  EXPECT_EQ(claim.status, ClaimStatus::kClaimed);
  EXPECT_EQ(claim.trial.number, 0);
  EXPECT_EQ(claim.counts.running, 1);
  EXPECT_EQ(s.CountTrials(study).running, 1) << "the claim ran twice";

  proxy.DropNextCommitAnswer();
  s.FinishTrial(claim.trial.id, TrialState::kComplete, {0.5}, "");  // no "already COMPLETE"
  EXPECT_EQ(proxy.dropped(), 2);
  EXPECT_EQ(s.CountTrials(study).complete, 1);

  proxy.DropNextCommitAnswer();
  const int64_t number = s.EnqueueTrial(study, {{"x", 0.25}}, Json::object(), std::nullopt);
  EXPECT_EQ(proxy.dropped(), 3);
  EXPECT_EQ(number, 1);
  EXPECT_EQ(s.CountTrials(study).waiting, 1) << "the enqueue ran twice";

  const ClaimResult queued = s.ClaimTrial(study, Claim(10));
  ASSERT_EQ(queued.trial.number, 1);
  proxy.DropNextCommitAnswer();
  EXPECT_TRUE(s.FailLostTrial(queued.trial.id, "worker lost", true));
  EXPECT_EQ(proxy.dropped(), 4);
  const TrialCounts counts = s.CountTrials(study);
  EXPECT_EQ(counts.failed, 1);
  EXPECT_EQ(counts.waiting, 1) << "the re-queue ran twice";
  EXPECT_EQ(counts.total(), 3);
}

// A private server, restarted and stopped under an open storage.
TEST(PostgresServerTest, AStorageReconnectsAfterTheServerRestartsAndGivesUpAfterItsTimeout) {
  PostgresTestServer server;
  if (!server.running()) AUTOML_SKIP_WITHOUT_POSTGRES(server.why_not());
  const std::shared_ptr<Storage> storage = OpenStorage(server.url() + "?timeout=30");
  const int64_t study = storage->CreateStudy(MakeStudyRecord("restarted"));
  const ClaimResult first = storage->ClaimTrial(study, Claim());
  ASSERT_TRUE(server.Restart());
  // Every session was cut: the next calls reconnect and carry on.
  storage->FinishTrial(first.trial.id, TrialState::kComplete, {1.0}, "");
  const ClaimResult second = storage->ClaimTrial(study, Claim());
  EXPECT_EQ(second.trial.number, 1);
  EXPECT_EQ(storage->CountTrials(study).complete, 1);

  // With the server gone for good, a call fails after the URL's timeout, saying why.
  const std::shared_ptr<Storage> impatient = OpenStorage(server.url() + "?timeout=1");
  server.Stop();
  const auto start = std::chrono::steady_clock::now();
  try {
    impatient->CountTrials(study);
    FAIL() << "a stopped server cannot answer";
  } catch (const StorageError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("could not reconnect"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("for 1 s"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

}  // namespace
}  // namespace automl::testing
