#include "core/storages/sqlite_db.h"

#include <chrono>
#include <random>
#include <thread>

#include "automl/error.h"

namespace automl::internal {

void CheckSqlite(sqlite3* db, int rc, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  const int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) throw SqliteBusy();
  std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw StorageError(std::string("SQLite: ") + what + ": " + message);
}

// ---- SqliteStatement ----

SqliteStatement::SqliteStatement(sqlite3* db, const char* sql) : db_(db) {
  CheckSqlite(db_, sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr),
              "prepare");
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  CheckSqlite(db_, sqlite3_bind_int64(stmt_, index, value), "bind");
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, double value) {
  CheckSqlite(db_, sqlite3_bind_double(stmt_, index, value), "bind");
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, const std::string& value) {
  CheckSqlite(
      db_,
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      "bind");
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, std::nullopt_t) {
  CheckSqlite(db_, sqlite3_bind_null(stmt_, index), "bind");
  return *this;
}

bool SqliteStatement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  CheckSqlite(db_, rc, "step");
  return false;
}

void SqliteStatement::Run() {
  while (Step()) {
  }
}

bool SqliteStatement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

double SqliteStatement::Double(int column) const { return sqlite3_column_double(stmt_, column); }

std::string SqliteStatement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (!text) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<int64_t> SqliteStatement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

std::optional<double> SqliteStatement::OptionalDouble(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Double(column);
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

// ---- SqliteDb ----

SqliteDb::SqliteDb(const std::string& path, double timeout_seconds)
    : path_(path), timeout_seconds_(timeout_seconds) {
  // The storage serializes access to its connection itself.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw StorageError("cannot open SQLite database '" + path + "': " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  // The busy handler waits in short sleeps; Transact's retry loop covers the rest.
  sqlite3_busy_timeout(db_, 2000);
}

SqliteDb::~SqliteDb() {
  statements_.clear();  // statements must be finalized before the connection closes
  sqlite3_close(db_);
}

void SqliteDb::Exec(const char* sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    const std::string message = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    const int primary = rc & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) throw SqliteBusy();
    throw StorageError("SQLite: " + message);
  }
}

StatementUse SqliteDb::Use(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    it = statements_.emplace(sql, std::make_unique<SqliteStatement>(db_, sql)).first;
  }
  return StatementUse(*it->second);
}

void SqliteDb::Write(const std::function<void()>& body) { Transact("BEGIN IMMEDIATE", body); }

void SqliteDb::Read(const std::function<void()>& body) { Transact("BEGIN DEFERRED", body); }

void SqliteDb::Transact(const char* begin, const std::function<void()>& body) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds_);
  std::minstd_rand jitter(static_cast<unsigned>(Clock::now().time_since_epoch().count()));
  double backoff_ms = 1;
  for (;;) {
    bool open = false;
    try {
      Exec(begin);
      open = true;
      body();
      Exec("COMMIT");
      return;
    } catch (const SqliteBusy&) {
      if (open) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      if (Clock::now() >= deadline) {
        throw StorageError("SQLite database '" + path_ + "' stayed locked by another process for " +
                           std::to_string(static_cast<int>(timeout_seconds_)) + " s");
      }
      // Randomized exponential backoff, so that waiting writers do not retry in lockstep.
      std::uniform_real_distribution<double> spread(0.5, 1.5);
      std::this_thread::sleep_for(
          std::chrono::duration<double, std::milli>(backoff_ms * spread(jitter)));
      backoff_ms = std::min(backoff_ms * 2, 100.0);
    } catch (...) {
      if (open) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
}

}  // namespace automl::internal
