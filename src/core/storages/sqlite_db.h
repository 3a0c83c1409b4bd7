// A thin RAII layer over SQLite's C API for SqliteStorage: a connection with cached prepared
// statements, typed binding and reading, and transactions that wait out other processes' locks.
// Every SQL text here is a constant; values only ever travel through bound parameters.
#ifndef AUTOML_SRC_CORE_STORAGES_SQLITE_DB_H_
#define AUTOML_SRC_CORE_STORAGES_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace automl::internal {

// SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock; the transaction is retried.
class SqliteBusy : public std::exception {
 public:
  const char* what() const noexcept override { return "database is busy"; }
};

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, const char* sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Binding by 1-based index; each returns *this for chaining.
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, double value);
  SqliteStatement& Bind(int index, const std::string& value);
  SqliteStatement& Bind(int index, std::nullopt_t);
  template <typename T>
  SqliteStatement& Bind(int index, const std::optional<T>& value) {
    return value ? Bind(index, *value) : Bind(index, std::nullopt);
  }

  // Advances; true while there is a row. Throws SqliteBusy or StorageError.
  bool Step();
  // Runs a statement that returns no rows.
  void Run();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  double Double(int column) const;
  std::string Text(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;
  std::optional<double> OptionalDouble(int column) const;

  // Clears bindings and rewinds, so that the cached statement is ready for its next use.
  void Reset();

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a cached statement when it goes out of scope, whatever happens in between.
class StatementUse {
 public:
  explicit StatementUse(SqliteStatement& statement) : statement_(statement) {}
  ~StatementUse() { statement_.Reset(); }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  SqliteStatement* operator->() { return &statement_; }
  SqliteStatement& operator*() { return statement_; }

 private:
  SqliteStatement& statement_;
};

class SqliteDb {
 public:
  // Opens |path| (creating it) with the busy handler waiting up to |timeout_seconds|.
  SqliteDb(const std::string& path, double timeout_seconds);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs SQL with no parameters (schema, pragmas, BEGIN/COMMIT).
  void Exec(const char* sql);
  // A prepared statement for |sql|, prepared once per connection. |sql| must be a literal.
  StatementUse Use(const char* sql);

  // Runs |body| in a transaction (BEGIN IMMEDIATE for writes, so that two writers never need
  // to upgrade a read lock, which SQLite cannot wait out). When another process holds the lock
  // past the busy handler's wait, the transaction is rolled back and retried with backoff until
  // the timeout; only then does it fail, with a StorageError that says so. |body| may therefore
  // run more than once and must only touch the database and its own locals.
  void Write(const std::function<void()>& body);
  void Read(const std::function<void()>& body);

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  void Transact(const char* begin, const std::function<void()>& body);

  std::string path_;
  double timeout_seconds_;
  sqlite3* db_ = nullptr;
  std::map<const char*, std::unique_ptr<SqliteStatement>> statements_;
};

// Throws StorageError for SQLite result |rc| (with the connection's message), SqliteBusy for
// busy or locked results.
void CheckSqlite(sqlite3* db, int rc, const char* what);

}  // namespace automl::internal

#endif  // AUTOML_SRC_CORE_STORAGES_SQLITE_DB_H_
