// Reading a PostgreSQL URL the way libpq does, for what automl must do with it itself: keep the
// password out of every message, and find where the query options start.
#ifndef AUTOML_SRC_CORE_STORAGES_POSTGRES_URL_H_
#define AUTOML_SRC_CORE_STORAGES_POSTGRES_URL_H_

#include <string>
#include <vector>

namespace automl::internal {

// Positions in postgresql://[user[:password]@]host[:port][/db][?key=value&...]. As in libpq,
// the user part runs to the first '@' before the first '/', so a password may hold '?' or '#';
// the query starts at the first '?' after it.
struct PostgresUrlParts {
  size_t userinfo_begin = std::string::npos;  // after "://"
  size_t userinfo_end = std::string::npos;    // the '@'; npos when there is no user part
  size_t query = std::string::npos;           // the '?'; npos when there are no options
};
PostgresUrlParts SplitPostgresUrl(const std::string& url);

// %XX decoded (as libpq decodes keys and values).
std::string PercentDecode(const std::string& text);

// The URL's secrets, as written and decoded: the password of the user part and the values of
// the password and sslpassword options. Messages must never contain any of them.
std::vector<std::string> PostgresUrlSecrets(const std::string& url);

// |text| with every secret replaced by "***".
std::string WithoutSecrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace automl::internal

#endif  // AUTOML_SRC_CORE_STORAGES_POSTGRES_URL_H_
