// The CLI's contract at its edge: --help, exit codes, and one clear line for every error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/cli.h"
#include "testing/temp_dir.h"

namespace automl::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// An error is one line on stderr, prefixed, with no crash dump and nothing on stdout.
void ExpectOneLineError(const CliResult& r, int code, const std::string& message) {
  EXPECT_EQ(r.code, code) << r.err;
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  EXPECT_THAT(r.err, StartsWith("automl: error: "));
  EXPECT_THAT(r.err, HasSubstr(message));
  EXPECT_EQ(r.out, "");
}

TEST(CliMainTest, HelpForEveryCommandSucceeds) {
  const CliResult top = RunCli({"--help"});
  EXPECT_EQ(top.code, 0);
  for (const char* command : {"run", "ls", "show", "best", "export", "retry", "enqueue"}) {
    EXPECT_THAT(top.out, HasSubstr(command));
    const CliResult r = RunCli({command, "--help"});
    EXPECT_EQ(r.code, 0) << command;
    EXPECT_THAT(r.out, HasSubstr("--storage")) << command;
  }
  EXPECT_EQ(RunCli({"--version"}).code, 0);
}

TEST(CliMainTest, UsageErrorsExitWithTwo) {
  EXPECT_EQ(RunCli({}).code, 2);
  EXPECT_EQ(RunCli({"frobnicate"}).code, 2);
  EXPECT_EQ(RunCli({"run"}).code, 2);  // missing config
  EXPECT_EQ(RunCli({"show", "s", "--bogus"}).code, 2);
  EXPECT_EQ(RunCli({"export", "s", "--format", "xml"}).code, 2);
  EXPECT_EQ(RunCli({"run", "c.yaml", "--trials", "-3"}).code, 2);
}

TEST(CliMainTest, RuntimeErrorsAreOneLine) {
  TempDir dir;
  ExpectOneLineError(RunCli({"run", dir.File("missing.yaml")}), 2, "cannot read config file");
  ExpectOneLineError(RunCli({"show", "nosuch", "--storage", "sqlite:///" + dir.File("a.db")}), 1,
                     "no study named 'nosuch'");
  ExpectOneLineError(RunCli({"ls", "--storage", "mysql://x"}), 2,
                     "unsupported storage URL scheme 'mysql'");
  WriteFile(dir.File("notes.db"), "not a database\n");
  ExpectOneLineError(RunCli({"ls", "--storage", dir.File("notes.db")}), 1,
                     "is not an SQLite database");
  WriteFile(dir.File("bad.yaml"), "study: s\nspace: {x: [1, 2\n");
  ExpectOneLineError(RunCli({"run", dir.File("bad.yaml")}), 2, "bad.yaml:");
}

}  // namespace
}  // namespace automl::testing
