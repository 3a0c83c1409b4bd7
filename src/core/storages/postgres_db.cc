#include "core/storages/postgres_db.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "automl/error.h"
#include "core/storages/postgres_url.h"

namespace automl::internal {
namespace {

using Clock = std::chrono::steady_clock;

// SQLSTATE classes that mean the connection is gone or unusable, not that the SQL was wrong:
// 08 (connection exception) and 57P (operator intervention: the server shutting down or
// starting up).
bool MeansConnectionLost(const pqxx::sql_error& e) {
  const std::string& state = e.sqlstate();
  return state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0;
}

// libpq's messages end with a newline and sometimes hold several lines; one line is enough.
std::string OneLine(const char* what) {
  std::string text = what;
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace

PostgresDb::PostgresDb(std::string conninfo, std::string description,
                       std::vector<std::string> secrets, double timeout_seconds)
    : conninfo_(std::move(conninfo)),
      description_(std::move(description)),
      secrets_(std::move(secrets)),
      timeout_seconds_(timeout_seconds) {
  try {
    Connect();
  } catch (const pqxx::failure& e) {
    throw StorageError("cannot connect to PostgreSQL at " + description_ + ": " + Message(e));
  }
}

std::string PostgresDb::Message(const std::exception& e) const {
  return WithoutSecrets(OneLine(e.what()), secrets_);
}

PostgresDb::~PostgresDb() = default;

void PostgresDb::Connect() {
  connection_.reset();
  connection_ = std::make_unique<pqxx::connection>(conninfo_);
}

void PostgresDb::Prepare(const PgStatement& statement) {
  // Registration only: libpqxx prepares on the server when the statement is first run on this
  // connection, and a repeated registration with the same text is a lookup.
  connection_->prepare(statement.name, statement.sql);
}

void PostgresDb::Write(const std::function<void(pqxx::transaction_base&)>& body) {
  Transact(Mode::kWrite, body);
}

void PostgresDb::Read(const std::function<void(pqxx::transaction_base&)>& body) {
  Transact(Mode::kRead, body);
}

void PostgresDb::Auto(const std::function<void(pqxx::transaction_base&)>& body) {
  Transact(Mode::kAuto, body);
}

void PostgresDb::Transact(Mode mode, const std::function<void(pqxx::transaction_base&)>& body) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds_);
  std::minstd_rand jitter(static_cast<unsigned>(Clock::now().time_since_epoch().count()));
  double backoff_ms = 20;
  const auto wait = [&] {
    std::uniform_real_distribution<double> spread(0.5, 1.5);
    std::this_thread::sleep_for(
        std::chrono::duration<double, std::milli>(backoff_ms * spread(jitter)));
    backoff_ms = std::min(backoff_ms * 2, 1000.0);
  };
  const auto give_up = [&](const std::string& problem) {
    throw StorageError("PostgreSQL at " + description_ + ": " + problem + ", for " +
                       std::to_string(static_cast<int>(timeout_seconds_)) +
                       " s (the storage URL's ?timeout=)");
  };
  may_have_committed_ = false;
  for (;;) {
    std::string lost;
    try {
      if (!connection_) Connect();
      if (mode == Mode::kAuto) {
        pqxx::nontransaction txn(*connection_);
        body(txn);
      } else if (mode == Mode::kWrite) {
        pqxx::work txn(*connection_);
        body(txn);
        txn.commit();
      } else {
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn(*connection_);
        body(txn);
        txn.commit();
      }
      return;
    } catch (const pqxx::broken_connection& e) {
      lost = Message(e);
    } catch (const pqxx::in_doubt_error& e) {
      // The connection broke while COMMIT was on its way: it may have taken effect.
      may_have_committed_ = true;
      lost = Message(e);
    } catch (const pqxx::statement_completion_unknown& e) {
      may_have_committed_ = true;
      lost = Message(e);
    } catch (const pqxx::transaction_rollback& e) {
      // A serialization failure or deadlock: the server rolled back; run it again.
      if (Clock::now() >= deadline) give_up("transactions kept conflicting: " + Message(e));
      wait();
      continue;
    } catch (const pqxx::sql_error& e) {
      if (!MeansConnectionLost(e)) throw StorageError("PostgreSQL: " + Message(e));
      lost = Message(e);
    } catch (const pqxx::failure& e) {
      // Any other libpqxx failure mid-transaction leaves the connection in an unknown state.
      lost = Message(e);
    }
    connection_.reset();
    if (Clock::now() >= deadline) give_up("could not reconnect (" + lost + ")");
    wait();
  }
}

}  // namespace automl::internal
