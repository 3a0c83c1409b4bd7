// Reading PostgreSQL URLs as libpq does, so that no password reaches a message (no server needed).
#include "core/storages/postgres_url.h"

#include <gtest/gtest.h>

#include "automl/storages/postgres_storage.h"

namespace automl::internal {
namespace {

TEST(PostgresUrlTest, TheUserPartRunsToTheFirstAtBeforeTheFirstSlash) {
  const std::string url = "postgresql://u:pa?ss#@host:5432/db?sslmode=require";
  const PostgresUrlParts parts = SplitPostgresUrl(url);
  EXPECT_EQ(url.substr(parts.userinfo_begin, parts.userinfo_end - parts.userinfo_begin),
            "u:pa?ss#");
  EXPECT_EQ(url.substr(parts.query), "?sslmode=require");
  const PostgresUrlParts bare = SplitPostgresUrl("postgres://host/db");
  EXPECT_EQ(bare.userinfo_end, std::string::npos);
  EXPECT_EQ(bare.query, std::string::npos);
  // An '@' after the first '/' belongs to the path or the query, not to a user part.
  EXPECT_EQ(SplitPostgresUrl("postgresql://host/db?application_name=a@b").userinfo_end,
            std::string::npos);
}

TEST(PostgresUrlTest, RedactionCoversEveryPlaceAPasswordCanBe) {
  EXPECT_EQ(RedactPostgresUrl("postgresql://u:pa?ss@h:5/db?timeout=5"),
            "postgresql://u:***@h:5/db?timeout=5");
  EXPECT_EQ(RedactPostgresUrl("postgresql://u:p%40ss@h/db?sslmode=require&password=x&a=b"),
            "postgresql://u:***@h/db?sslmode=require&password=***&a=b");
  EXPECT_EQ(RedactPostgresUrl("postgresql://h/db?sslpassword=key&pass%77ord=x"),
            "postgresql://h/db?sslpassword=***&pass%77ord=***");
  EXPECT_EQ(RedactPostgresUrl("postgresql://u@h/db"), "postgresql://u@h/db");
  EXPECT_EQ(RedactPostgresUrl("postgres://h/db"), "postgres://h/db");
}

TEST(PostgresUrlTest, SecretsAreKnownAsWrittenAndDecodedAndScrubbedFromText) {
  const std::vector<std::string> secrets =
      PostgresUrlSecrets("postgresql://u:50%25off@h/db?password=tw%6f");
  const std::string message =
      "bad token \"50%25off\", password 50%off, or two, or tw%6f, from postgresql://u:50%25off@h";
  const std::string clean = WithoutSecrets(message, secrets);
  for (const char* secret : {"50%25off", "50%off", "two", "tw%6f"}) {
    EXPECT_EQ(clean.find(secret), std::string::npos) << secret << " in " << clean;
  }
  EXPECT_EQ(PercentDecode("a%2Fb%zz%4"), "a/b%zz%4");
  EXPECT_TRUE(PostgresUrlSecrets("postgresql://h/db").empty());
}

}  // namespace
}  // namespace automl::internal
