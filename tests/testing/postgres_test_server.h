// PostgreSQL for tests. Servers come from scripts/postgres-test-server.sh:
//  - the shared one, started by CTest's fixture `postgres` (tests/CMakeLists.txt) before the
//    tests that name it, in $AUTOML_TEST_POSTGRES_DIR; each test takes a fresh database on it
//    (PostgresTestDatabase), so tests running at once do not meet;
//  - private ones (PostgresTestServer), for tests that restart or stop their server.
// Where no server could start, PostgresUnavailable() gives the reason and the test skips with
// it, unless AUTOML_REQUIRE_POSTGRES=1 (scripts/test.sh sets it): then it fails.
#ifndef AUTOML_TESTS_TESTING_POSTGRES_TEST_SERVER_H_
#define AUTOML_TESTS_TESTING_POSTGRES_TEST_SERVER_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "automl/exec/subprocess.h"

namespace automl::testing {

inline bool PostgresRequired() {
  const char* required = std::getenv("AUTOML_REQUIRE_POSTGRES");
  return required && std::string(required) == "1";
}

// Skips the test (or fails it, where PostgreSQL is required) with |reason|.
#define AUTOML_SKIP_WITHOUT_POSTGRES(reason)                       \
  do {                                                             \
    if (::automl::testing::PostgresRequired()) FAIL() << (reason); \
    GTEST_SKIP() << "PostgreSQL tests skipped: " << (reason);      \
  } while (false)

// The URL of the shared test server, or nullopt with |why_not| set.
inline std::optional<std::string> SharedPostgresUrl(std::string* why_not) {
  const char* dir = std::getenv("AUTOML_TEST_POSTGRES_DIR");
  if (!dir) {
    *why_not =
        "AUTOML_TEST_POSTGRES_DIR is not set (run the tests with ctest, whose fixture "
        "`postgres` starts the server)";
    return std::nullopt;
  }
  std::string url;
  if (!(std::ifstream(std::string(dir) + "/url") >> url)) {
    *why_not = std::string("no PostgreSQL test server is running in ") + dir +
               " (see the output of the test postgres_server_start)";
    return std::nullopt;
  }
  return url;
}

// |url| with its database replaced by |database|.
inline std::string WithDatabase(const std::string& url, const std::string& database) {
  const size_t slash = url.find('/', url.find("://") + 3);
  const size_t query = url.find('?');
  return url.substr(0, slash) + "/" + database +
         (query == std::string::npos ? "" : url.substr(query));
}

// A fresh database on a server, dropped (with its connections) when this goes away.
class PostgresTestDatabase {
 public:
  explicit PostgresTestDatabase(std::string server_url) : server_url_(std::move(server_url)) {
    static std::atomic<int> counter{0};
    name_ = "automl_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    pqxx::connection admin(server_url_);
    pqxx::nontransaction n(admin);
    n.exec("DROP DATABASE IF EXISTS " + n.quote_name(name_) + " WITH (FORCE)");
    n.exec("CREATE DATABASE " + n.quote_name(name_));
  }
  ~PostgresTestDatabase() {
    try {
      pqxx::connection admin(server_url_);
      pqxx::nontransaction n(admin);
      n.exec("DROP DATABASE IF EXISTS " + n.quote_name(name_) + " WITH (FORCE)");
    } catch (const std::exception&) {
      // The server may be gone already (a test that stopped it); its directory goes with it.
    }
  }
  PostgresTestDatabase(const PostgresTestDatabase&) = delete;
  PostgresTestDatabase& operator=(const PostgresTestDatabase&) = delete;

  std::string url() const { return WithDatabase(server_url_, name_); }
  const std::string& name() const { return name_; }

 private:
  std::string server_url_;
  std::string name_;
};

// A private server, for tests that restart or stop it; stopped and removed when this goes away.
class PostgresTestServer {
 public:
  PostgresTestServer() {
    // Directly under /tmp: the server's unprivileged owner must be able to reach it.
    std::string pattern = "/tmp/automl-test-pg-XXXXXX";
    if (!mkdtemp(pattern.data())) std::abort();
    dir_ = pattern;
    const exec::ExitStatus status = Script("start");
    std::ifstream(dir_ + "/url") >> url_;
    if (url_.empty()) {
      why_not_ = "the private server did not start (" + status.Describe() + "): " + output_;
    }
  }
  ~PostgresTestServer() { Stop(); }
  PostgresTestServer(const PostgresTestServer&) = delete;
  PostgresTestServer& operator=(const PostgresTestServer&) = delete;

  bool running() const { return !url_.empty(); }
  const std::string& why_not() const { return why_not_; }
  const std::string& url() const { return url_; }

  // Restarts the server with a fast shutdown, which cuts every session; true on success.
  bool Restart() { return Script("restart").success(); }
  // Stops the server and removes its directory; later connections are refused.
  void Stop() {
    if (!stopped_) Script("stop");
    stopped_ = true;
  }

 private:
  exec::ExitStatus Script(const std::string& action) {
    exec::SubprocessOptions options;
    options.argv = {AUTOML_SOURCE_DIR "/scripts/postgres-test-server.sh", action, dir_};
    options.stderr_tail_bytes = 4096;
    exec::Subprocess process(options);
    const exec::ExitStatus status = process.Finish([](std::string_view) {});
    output_ = process.stderr_tail();
    return status;
  }

  std::string dir_;
  std::string url_;
  std::string why_not_;
  std::string output_;
  bool stopped_ = false;
};

}  // namespace automl::testing

#endif  // AUTOML_TESTS_TESTING_POSTGRES_TEST_SERVER_H_
