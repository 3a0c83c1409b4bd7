// A thin layer over libpqxx for PostgresStorage: one connection with its prepared statements,
// and transactions that outlive a lost connection (a server restart) by reconnecting and running
// the transaction again. Every SQL text is a constant; values only ever travel as parameters.
#ifndef AUTOML_SRC_CORE_STORAGES_POSTGRES_DB_H_
#define AUTOML_SRC_CORE_STORAGES_POSTGRES_DB_H_

#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

namespace automl::internal {

// A statement: its name on the connection and its text. Statements are prepared on every new
// connection the first time they are used.
struct PgStatement {
  const char* name;
  const char* sql;
};

class PostgresDb {
 public:
  // |conninfo| goes to libpq as is (it may hold a password); |description| is what messages
  // show instead, and each of |secrets| is replaced by "***" in what libpq says (its messages
  // may quote the URL). Connects at once: throws StorageError when the server cannot be reached.
  PostgresDb(std::string conninfo, std::string description, std::vector<std::string> secrets,
             double timeout_seconds);
  ~PostgresDb();
  PostgresDb(const PostgresDb&) = delete;
  PostgresDb& operator=(const PostgresDb&) = delete;

  // Runs |body| in a transaction: READ COMMITTED for writes, a REPEATABLE READ read-only
  // snapshot for reads. A lost connection is re-established and the transaction re-run, with
  // backoff, for up to the timeout; serialization failures and deadlocks are re-run too. |body|
  // may therefore run more than once and must only touch the database and its own locals (see
  // MayHaveCommitted()).
  // Errors of automl's own hierarchy thrown by |body| pass through; other SQL errors become
  // StorageError.
  void Write(const std::function<void(pqxx::transaction_base&)>& body);
  void Read(const std::function<void(pqxx::transaction_base&)>& body);
  // Runs |body| without a transaction block: each statement commits on its own. For single
  // statements, and reads that need no snapshot: BEGIN and COMMIT would be two more round trips.
  // Reconnects and re-runs like Write().
  void Auto(const std::function<void(pqxx::transaction_base&)>& body);

  // True, within a body run again by Write(), when an earlier run of this call may have been
  // committed: the connection broke while COMMIT was on its way, and the server's answer never
  // came. A body that must not take effect twice checks for its own earlier effect then.
  bool MayHaveCommitted() const { return may_have_committed_; }

  // Runs a prepared statement in |txn|.
  template <typename... Args>
  pqxx::result Exec(pqxx::transaction_base& txn, const PgStatement& statement, Args&&... args) {
    Prepare(statement);
    return txn.exec_prepared(statement.name, std::forward<Args>(args)...);
  }

  const std::string& description() const { return description_; }

 private:
  void Connect();
  void Prepare(const PgStatement& statement);
  enum class Mode { kWrite, kRead, kAuto };
  void Transact(Mode mode, const std::function<void(pqxx::transaction_base&)>& body);

  std::string conninfo_;
  // libpq's message for |e|, on one line, without secrets.
  std::string Message(const std::exception& e) const;

  std::string description_;
  std::vector<std::string> secrets_;
  double timeout_seconds_;
  std::unique_ptr<pqxx::connection> connection_;
  bool may_have_committed_ = false;
};

}  // namespace automl::internal

#endif  // AUTOML_SRC_CORE_STORAGES_POSTGRES_DB_H_
