#include "automl/storage.h"

#include <cstdlib>

#include "automl/error.h"
#include "automl/storages/in_memory_storage.h"
#include "automl/storages/postgres_storage.h"
#include "automl/storages/sqlite_storage.h"
#include "core/storages/postgres_url.h"

namespace automl {

namespace {

SqliteOptions ParseSqliteUrl(const std::string& url, const std::string& rest) {
  SqliteOptions options;
  std::string path = rest;
  std::string query;
  if (const size_t q = rest.find('?'); q != std::string::npos) {
    path = rest.substr(0, q);
    query = rest.substr(q + 1);
  }
  options.path = path;
  if (options.path.empty()) throw InvalidArgument("storage URL '" + url + "' has no file path");
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string item = query.substr(0, amp);
    query = amp == std::string::npos ? "" : query.substr(amp + 1);
    const size_t eq = item.find('=');
    const std::string key = item.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (key == "synchronous") {
      if (value == "full") {
        options.synchronous = SqliteOptions::Synchronous::kFull;
      } else if (value == "normal") {
        options.synchronous = SqliteOptions::Synchronous::kNormal;
      } else if (value == "off") {
        options.synchronous = SqliteOptions::Synchronous::kOff;
      } else {
        throw InvalidArgument("storage URL '" + url + "': synchronous must be full, normal or off");
      }
    } else if (key == "timeout") {
      char* end = nullptr;
      options.timeout_seconds = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(options.timeout_seconds > 0)) {
        throw InvalidArgument("storage URL '" + url +
                              "': timeout must be a positive number of seconds");
      }
    } else {
      throw InvalidArgument("storage URL '" + url + "': unknown option '" + key +
                            "' (known: synchronous, timeout)");
    }
  }
  return options;
}

// Takes automl's own option (timeout) out of a PostgreSQL URL; the rest is libpq's.
std::shared_ptr<Storage> OpenPostgres(const std::string& url) {
#ifdef AUTOML_WITH_POSTGRES
  PostgresOptions options;
  const size_t q = internal::SplitPostgresUrl(url).query;
  options.url = url.substr(0, q);
  std::string query = q == std::string::npos ? "" : url.substr(q + 1);
  std::string kept;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string item = query.substr(0, amp);
    query = amp == std::string::npos ? "" : query.substr(amp + 1);
    if (item.rfind("timeout=", 0) == 0) {
      const std::string value = item.substr(8);
      char* end = nullptr;
      options.timeout_seconds = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(options.timeout_seconds > 0)) {
        throw InvalidArgument("storage URL '" + RedactPostgresUrl(url) +
                              "': timeout must be a positive number of seconds");
      }
    } else if (!item.empty()) {
      kept += (kept.empty() ? "" : "&") + item;
    }
  }
  if (!kept.empty()) options.url += "?" + kept;
  return std::make_shared<PostgresStorage>(options);
#else
  throw InvalidArgument("storage URL '" + RedactPostgresUrl(url) +
                        "': this automl was built without PostgreSQL (-DAUTOML_WITH_POSTGRES=OFF)");
#endif
}

}  // namespace

std::shared_ptr<Storage> OpenStorage(const std::string& url) {
  if (url.empty()) throw InvalidArgument("the storage URL is empty");
  if (url == "memory" || url == ":memory:" || url == "memory://") {
    return std::make_shared<InMemoryStorage>();
  }
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return std::make_shared<SqliteStorage>(ParseSqliteUrl(url, url));
  }
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme == "sqlite") {
    // As in SQLAlchemy: sqlite:///relative.db, sqlite:////absolute.db.
    const std::string rest = url.substr(scheme_end + 3);
    if (rest.empty() || rest[0] != '/') {
      throw InvalidArgument("storage URL '" + url +
                            "' must be sqlite:///relative/path.db or sqlite:////absolute/path.db");
    }
    return std::make_shared<SqliteStorage>(ParseSqliteUrl(url, rest.substr(1)));
  }
  if (scheme == "postgresql" || scheme == "postgres") return OpenPostgres(url);
  throw InvalidArgument("unsupported storage URL scheme '" + scheme +
                        "' (supported: sqlite:///file.db, postgresql://user@host/db, memory)");
}

}  // namespace automl
