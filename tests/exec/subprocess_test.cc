#include "automl/exec/subprocess.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "automl/error.h"
#include "testing/temp_dir.h"

namespace automl::exec {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Result {
  std::vector<std::string> lines;
  ExitStatus status;
  std::string stderr_tail;
};

Result RunToEnd(const SubprocessOptions& options) {
  Subprocess process(options);
  Result result;
  result.status = process.Finish([&](std::string_view line) { result.lines.emplace_back(line); });
  result.stderr_tail = process.stderr_tail();
  return result;
}

Result RunToEnd(std::vector<std::string> argv) {
  SubprocessOptions options;
  options.argv = std::move(argv);
  return RunToEnd(options);
}

// Whether |pid| no longer runs. A zombie counts as gone: an orphan killed here is reparented to
// PID 1, which in a container need not reap it promptly (or at all).
bool IsGone(pid_t pid) {
  if (kill(pid, 0) == -1 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  if (!std::getline(stat, content)) return true;  // vanished between the two checks
  const size_t paren = content.rfind(')');
  if (paren == std::string::npos || paren + 2 >= content.size()) return false;
  const char state = content[paren + 2];
  return state == 'Z' || state == 'X';
}

// Polls until |pid| is gone, up to |limit|.
bool WaitGone(pid_t pid, std::chrono::milliseconds limit = std::chrono::milliseconds(2000)) {
  const auto deadline = Clock::now() + limit;
  while (!IsGone(pid)) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Reads lines until |count| arrived (or the streams closed, or 5 s passed).
std::vector<std::string> ReadLines(Subprocess& process, size_t count) {
  std::vector<std::string> lines;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (lines.size() < count && Clock::now() < deadline) {
    if (!process.ReadOutput(std::chrono::milliseconds(50),
                            [&](std::string_view line) { lines.emplace_back(line); })) {
      break;
    }
  }
  return lines;
}

pid_t ParsePid(const std::string& text) {
  char* end = nullptr;
  const long pid = std::strtol(text.c_str(), &end, 10);
  return pid > 1 && end != text.c_str() ? static_cast<pid_t>(pid) : -1;
}

// Kills a process the test started if an assertion left it running.
class KillOnExit {
 public:
  explicit KillOnExit(pid_t pid) : pid_(pid) {}
  ~KillOnExit() {
    if (pid_ > 1) kill(pid_, SIGKILL);
  }
  KillOnExit(const KillOnExit&) = delete;
  KillOnExit& operator=(const KillOnExit&) = delete;

 private:
  pid_t pid_;
};

// Sets an environment variable for one test, restoring the old value afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

void WriteFile(const std::string& path, const std::string& content, mode_t mode) {
  std::ofstream(path) << content;
  ASSERT_EQ(chmod(path.c_str(), mode), 0) << path;
}

// ---- Output ----

TEST(SubprocessTest, StdoutLinesArriveInOrderWithLastLineWithoutNewline) {
  const Result result = RunToEnd({"printf", "first\nsecond\r\n\nthird\r\nlast"});
  EXPECT_TRUE(result.status.success()) << result.status.Describe();
  EXPECT_THAT(result.lines, ElementsAre("first", "second", "", "third", "last"));
}

TEST(SubprocessTest, ManyLinesAcrossReadsStayWholeAndInOrder) {
  // About 590 KB, far more than one read or the pipe's buffer holds.
  const Result result = RunToEnd({"seq", "1", "100000"});
  ASSERT_TRUE(result.status.success()) << result.status.Describe();
  ASSERT_EQ(result.lines.size(), 100000u);
  for (size_t i = 0; i < result.lines.size(); ++i) {
    ASSERT_EQ(result.lines[i], std::to_string(i + 1)) << "line " << i;
  }
}

TEST(SubprocessTest, StdinIsEmpty) {
  // cat reads stdin: /dev/null ends at once rather than blocking on the test's own stdin.
  const auto start = Clock::now();
  const Result result = RunToEnd({"cat"});
  EXPECT_TRUE(result.status.success()) << result.status.Describe();
  EXPECT_TRUE(result.lines.empty());
  EXPECT_LT(SecondsSince(start), 2.0);
}

TEST(SubprocessTest, StderrTailIsKeptAndBounded) {
  SubprocessOptions options;
  options.argv = {"sh", "-c",
                  "echo out; i=0; while [ $i -lt 500 ]; do echo \"err line $i\" >&2; "
                  "i=$((i+1)); done"};
  options.stderr_tail_bytes = 40;
  const Result result = RunToEnd(options);
  EXPECT_TRUE(result.status.success()) << result.status.Describe();
  EXPECT_THAT(result.lines, ElementsAre("out"));  // stderr does not mix into the lines
  EXPECT_EQ(result.stderr_tail.size(), 40u);
  EXPECT_THAT(result.stderr_tail, EndsWith("err line 498\nerr line 499\n"));

  options.stderr_tail_bytes = 8192;
  const Result whole = RunToEnd(options);
  EXPECT_THAT(whole.stderr_tail, ::testing::StartsWith("err line 0\nerr line 1\n"));
  EXPECT_THAT(whole.stderr_tail, EndsWith("err line 499\n"));
}

// ---- Exit status ----

// SubprocessOptions::function: a forked copy of this process runs it, with the same pipes,
// process group and exit status as a program would have.
TEST(SubprocessTest, AFunctionRunsInAForkedChildWithItsOutputAndExitCode) {
  const pid_t parent = getpid();
  SubprocessOptions options;
  options.function = [parent] {
    std::printf("child of %d is %d\n", static_cast<int>(parent), static_cast<int>(getpid()));
    std::fprintf(stderr, "to stderr\n");
    return getpgid(0) == getpid() && getppid() == parent ? 3 : 4;
  };
  Subprocess child(options);
  std::vector<std::string> lines;
  const ExitStatus status = child.Finish([&](std::string_view l) { lines.emplace_back(l); });
  EXPECT_EQ(status.code, 3) << "not its own process group, or not our child";
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "child of " + std::to_string(parent) + " is " + std::to_string(child.pid()));
  EXPECT_EQ(child.stderr_tail(), "to stderr\n");

  SubprocessOptions throwing;
  throwing.function = []() -> int { throw InvalidArgument("no such study"); };
  Subprocess failed(throwing);
  EXPECT_EQ(failed.Finish([](std::string_view) {}).code, 1);
  EXPECT_THAT(failed.stderr_tail(), HasSubstr("no such study"));
}

TEST(ExitStatusTest, Describe) {
  ExitStatus exited;
  exited.code = 3;
  EXPECT_EQ(exited.Describe(), "exited with status 3");
  EXPECT_FALSE(exited.success());
  ExitStatus killed;
  killed.signal = 11;
  EXPECT_EQ(killed.Describe(), "killed by signal 11 (Segmentation fault)");
  EXPECT_FALSE(killed.success());
  EXPECT_TRUE(ExitStatus{}.success());
  EXPECT_EQ(ExitStatus{}.Describe(), "exited with status 0");
}

TEST(SubprocessTest, ReportsExitCodes) {
  EXPECT_TRUE(RunToEnd({"true"}).status.success());
  const ExitStatus three = RunToEnd({"sh", "-c", "exit 3"}).status;
  EXPECT_EQ(three.code, 3);
  EXPECT_EQ(three.signal, 0);
  EXPECT_EQ(three.Describe(), "exited with status 3");
  EXPECT_EQ(RunToEnd({AUTOML_TEST_OBJECTIVE, "exit", "7"}).status.code, 7);
}

TEST(SubprocessTest, ReportsSignals) {
  const ExitStatus segv = RunToEnd({AUTOML_TEST_OBJECTIVE, "signal", "11"}).status;
  EXPECT_EQ(segv.signal, SIGSEGV);
  EXPECT_FALSE(segv.success());
  EXPECT_EQ(segv.Describe(), "killed by signal 11 (Segmentation fault)");
  const ExitStatus killed = RunToEnd({AUTOML_TEST_OBJECTIVE, "signal", "9"}).status;
  EXPECT_EQ(killed.signal, SIGKILL);
  EXPECT_THAT(killed.Describe(), HasSubstr("killed by signal 9"));
}

TEST(SubprocessTest, TryWaitIsEmptyWhileRunningThenHoldsTheStatus) {
  SubprocessOptions options;
  options.argv = {"sh", "-c", "read never_comes_from_dev_null; sleep 0.3; exit 4"};
  Subprocess process(options);
  EXPECT_GT(process.pid(), 0);
  EXPECT_FALSE(process.TryWait().has_value());
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  std::optional<ExitStatus> status;
  while (!(status = process.TryWait()) && Clock::now() < deadline) {
    process.ReadOutput(std::chrono::milliseconds(20), [](std::string_view) {});
  }
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 4);
  EXPECT_EQ(process.Finish([](std::string_view) {}).code, 4);  // the same, already reaped
}

// ---- Environment and working directory ----

TEST(SubprocessTest, EnvironmentOverridesReachTheChildAndReplaceVariables) {
  ScopedEnv replaced("AUTOML_SUBPROCESS_TEST_REPLACED", "old value");
  ScopedEnv inherited("AUTOML_SUBPROCESS_TEST_INHERITED", "kept");
  SubprocessOptions options;
  options.argv = {"env"};
  options.environment = {{"AUTOML_SUBPROCESS_TEST_REPLACED", "new value"},
                         {"AUTOML_SUBPROCESS_TEST_ADDED", "a=b c"}};
  const Result result = RunToEnd(options);
  ASSERT_TRUE(result.status.success());
  int replaced_count = 0;
  for (const std::string& line : result.lines) {
    if (line.rfind("AUTOML_SUBPROCESS_TEST_REPLACED=", 0) == 0) ++replaced_count;
  }
  EXPECT_EQ(replaced_count, 1);
  EXPECT_THAT(result.lines, ::testing::Contains("AUTOML_SUBPROCESS_TEST_REPLACED=new value"));
  EXPECT_THAT(result.lines, ::testing::Contains("AUTOML_SUBPROCESS_TEST_ADDED=a=b c"));
  EXPECT_THAT(result.lines, ::testing::Contains("AUTOML_SUBPROCESS_TEST_INHERITED=kept"));
}

TEST(SubprocessTest, WorkingDirectoryIsHonored) {
  testing::TempDir dir;
  SubprocessOptions options;
  options.argv = {"pwd", "-P"};
  options.working_directory = dir.path().string();
  const Result result = RunToEnd(options);
  ASSERT_TRUE(result.status.success());
  EXPECT_THAT(result.lines, ElementsAre(std::filesystem::canonical(dir.path()).string()));

  options.argv = {"pwd", "-P"};
  options.working_directory.clear();
  EXPECT_THAT(RunToEnd(options).lines,
              ElementsAre(std::filesystem::canonical(std::filesystem::current_path()).string()));
}

TEST(SubprocessTest, MissingWorkingDirectoryIsRefused) {
  testing::TempDir dir;
  SubprocessOptions options;
  options.argv = {"true"};
  options.working_directory = dir.File("no-such-directory");
  try {
    Subprocess process(options);
    FAIL() << "started in a missing directory";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("no-such-directory"));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
  }
}

// ---- Finding the program ----

TEST(ResolveProgramTest, SearchesPath) {
  testing::TempDir dir;
  const std::filesystem::path first = dir.path() / "first";
  const std::filesystem::path second = dir.path() / "second";
  const std::filesystem::path third = dir.path() / "third";
  for (const auto& d : {first, second, third}) std::filesystem::create_directory(d);
  // Earlier in PATH: a non-executable file and a directory of that name; they are skipped.
  WriteFile((first / "automl-prog").string(), "#!/bin/sh\n", 0644);
  std::filesystem::create_directory(second / "automl-prog");
  WriteFile((third / "automl-prog").string(), "#!/bin/sh\necho from third\n", 0755);
  ScopedEnv path("PATH",
                 first.string() + ":" + second.string() + ":" + third.string() + ":/usr/bin:/bin");
  EXPECT_EQ(ResolveProgram("automl-prog"), (third / "automl-prog").string());
  // And a Subprocess runs that one.
  EXPECT_THAT(RunToEnd({"automl-prog"}).lines, ElementsAre("from third"));
}

TEST(ResolveProgramTest, FindsSystemPrograms) {
  const std::string sh = ResolveProgram("sh");
  EXPECT_THAT(sh, EndsWith("/sh"));
  EXPECT_EQ(access(sh.c_str(), X_OK), 0);
}

TEST(ResolveProgramTest, NameWithSlashIsUsedAsItIs) {
  EXPECT_EQ(ResolveProgram("/bin/sh"), "/bin/sh");
  EXPECT_EQ(ResolveProgram(AUTOML_TEST_OBJECTIVE), AUTOML_TEST_OBJECTIVE);
  // A relative name with a slash is not searched in PATH.
  EXPECT_THROW(ResolveProgram("./sh"), InvalidArgument);
}

TEST(ResolveProgramTest, MissingProgramIsInvalidArgumentNamingIt) {
  try {
    ResolveProgram("automl-no-such-program-4711");
    FAIL() << "resolved a missing program";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("automl-no-such-program-4711"));
  }
  try {
    ResolveProgram("/nonexistent/automl-prog");
    FAIL() << "resolved a missing path";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/automl-prog"));
  }
  EXPECT_THROW(ResolveProgram(""), InvalidArgument);
}

TEST(ResolveProgramTest, NonExecutableFileIsRefused) {
  testing::TempDir dir;
  const std::string file = dir.File("script.sh");
  WriteFile(file, "#!/bin/sh\necho hi\n", 0644);
  try {
    ResolveProgram(file);
    FAIL() << "accepted a file without execute permission";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr(file));
  }
  // A directory is not a program either.
  EXPECT_THROW(ResolveProgram(dir.path().string()), InvalidArgument);
}

TEST(SubprocessTest, MissingProgramThrowsInvalidArgument) {
  SubprocessOptions options;
  options.argv = {"automl-no-such-program-4711", "arg"};
  try {
    Subprocess process(options);
    FAIL() << "started a missing program";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("automl-no-such-program-4711"));
  }
  options.argv.clear();
  EXPECT_THROW(Subprocess{options}, InvalidArgument);
}

TEST(SubprocessTest, ExecFailureIsReportedFromTheChild) {
  // Executable, so ResolveProgram accepts it, but execve refuses it (no #! line, not ELF): the
  // child's errno comes back through the close-on-exec pipe.
  testing::TempDir dir;
  const std::string file = dir.File("garbage");
  WriteFile(file, std::string("\x01\x02\x03 not a program\n"), 0755);
  ASSERT_EQ(ResolveProgram(file), file);
  SubprocessOptions options;
  options.argv = {file};
  try {
    Subprocess process(options);
    FAIL() << "started a file execve cannot run";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr(file));
    EXPECT_THAT(e.what(), HasSubstr("Exec format error"));
  }
  // A script whose interpreter is missing fails the same way.
  const std::string script = dir.File("script");
  WriteFile(script, "#!/nonexistent/interpreter\n", 0755);
  options.argv = {script};
  EXPECT_THROW(Subprocess{options}, InvalidArgument);
}

// ---- No shell ----

TEST(SubprocessTest, ArgumentsArePassedLiterallyWithoutAShell) {
  testing::TempDir dir;
  const std::string marker = dir.File("marker");
  const std::vector<std::string> hostile = {
      "$(touch " + marker + "); rm -rf ~",
      "`touch " + marker + "`",
      "a; touch " + marker + " | cat && echo > redirected",
      "*",
      "'quoted' \"double\" \\backslash",
      "",
  };
  SubprocessOptions options;
  options.argv = {"printf", "[%s]\n"};
  options.argv.insert(options.argv.end(), hostile.begin(), hostile.end());
  options.working_directory = dir.path().string();
  const Result result = RunToEnd(options);
  ASSERT_TRUE(result.status.success()) << result.status.Describe();
  ASSERT_EQ(result.lines.size(), hostile.size());
  for (size_t i = 0; i < hostile.size(); ++i) EXPECT_EQ(result.lines[i], "[" + hostile[i] + "]");
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));  // no "redirected" file either
}

// ---- Terminate ----

TEST(SubprocessTest, TerminateKillsAChildThatIgnoresSigterm) {
  SubprocessOptions options;
  options.argv = {"sh", "-c", "trap '' TERM; echo ready; sleep 30; echo not reached"};
  Subprocess process(options);
  KillOnExit guard(process.pid());
  ASSERT_THAT(ReadLines(process, 1), ElementsAre("ready"));  // the trap is in place
  const auto grace = std::chrono::milliseconds(300);
  const auto start = Clock::now();
  std::vector<std::string> rest;
  const ExitStatus status =
      process.Terminate(grace, [&](std::string_view line) { rest.emplace_back(line); });
  const double seconds = SecondsSince(start);
  EXPECT_EQ(status.signal, SIGKILL) << status.Describe();
  EXPECT_GE(seconds, 0.3);  // it waited out the grace period: SIGTERM was ignored
  EXPECT_LT(seconds, 1.5);  // and then killed it
  EXPECT_TRUE(rest.empty());
  EXPECT_TRUE(process.TryWait().has_value());
}

TEST(SubprocessTest, TerminateStopsACooperativeChildWithSigterm) {
  SubprocessOptions options;
  options.argv = {AUTOML_TEST_OBJECTIVE, "sleep", "30"};
  Subprocess process(options);
  KillOnExit guard(process.pid());
  ASSERT_THAT(ReadLines(process, 1), ElementsAre("starting sleep"));
  const auto start = Clock::now();
  const ExitStatus status = process.Terminate(std::chrono::seconds(5));
  EXPECT_EQ(status.signal, SIGTERM) << status.Describe();
  EXPECT_LT(SecondsSince(start), 2.0);  // far less than the grace period
}

TEST(SubprocessTest, TerminateHandsOverTheRestOfStdout) {
  SubprocessOptions options;
  options.argv = {"sh", "-c", "echo ready; echo buffered; printf partial; exec sleep 30"};
  Subprocess process(options);
  KillOnExit guard(process.pid());
  // "buffered" may come with "ready" or be left in the pipe; "partial" comes only as the
  // stream closes.
  std::vector<std::string> lines = ReadLines(process, 1);
  ASSERT_FALSE(lines.empty());
  ASSERT_EQ(lines[0], "ready");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the rest reach the pipe
  process.Terminate(std::chrono::seconds(1),
                    [&](std::string_view line) { lines.emplace_back(line); });
  EXPECT_THAT(lines, ElementsAre("ready", "buffered", "partial"));
}

TEST(SubprocessTest, TerminateAfterExitReturnsTheExitStatus) {
  SubprocessOptions options;
  options.argv = {"sh", "-c", "echo done; exit 5"};
  Subprocess process(options);
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (!process.TryWait() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<std::string> rest;
  const ExitStatus status = process.Terminate(
      std::chrono::seconds(5), [&](std::string_view line) { rest.emplace_back(line); });
  EXPECT_EQ(status.code, 5);
  EXPECT_EQ(status.signal, 0);
  EXPECT_THAT(rest, ElementsAre("done"));
}

// ---- The process group ----

TEST(SubprocessTest, TerminateKillsGrandchildren) {
  SubprocessOptions options;
  options.argv = {"sh", "-c", "sleep 30 & echo $!; wait"};
  Subprocess process(options);
  KillOnExit leader(process.pid());
  const std::vector<std::string> lines = ReadLines(process, 1);
  ASSERT_EQ(lines.size(), 1u);
  const pid_t grandchild = ParsePid(lines[0]);
  ASSERT_GT(grandchild, 1) << lines[0];
  KillOnExit guard(grandchild);
  ASSERT_FALSE(IsGone(grandchild));
  process.Terminate(std::chrono::milliseconds(500));
  EXPECT_TRUE(WaitGone(grandchild));
}

TEST(SubprocessTest, TerminateKillsGrandchildrenThatIgnoreSigtermAfterTheLeaderDied) {
  // The shell dies of SIGTERM at once; its child ignores SIGTERM and must still be killed.
  SubprocessOptions options;
  options.argv = {"sh", "-c", "(trap '' TERM; exec sleep 30) & echo $!; wait"};
  Subprocess process(options);
  KillOnExit leader(process.pid());
  const std::vector<std::string> lines = ReadLines(process, 1);
  ASSERT_EQ(lines.size(), 1u);
  const pid_t grandchild = ParsePid(lines[0]);
  ASSERT_GT(grandchild, 1) << lines[0];
  KillOnExit guard(grandchild);
  // Once the subshell runs sleep, its trap is in place (and inherited: SIG_IGN survives exec).
  const auto exec_deadline = Clock::now() + std::chrono::seconds(5);
  for (;;) {
    std::ifstream comm("/proc/" + std::to_string(grandchild) + "/comm");
    std::string name;
    std::getline(comm, name);
    if (name == "sleep") break;
    ASSERT_LT(Clock::now(), exec_deadline) << "the background job never became sleep";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto start = Clock::now();
  const ExitStatus status = process.Terminate(std::chrono::seconds(5));
  EXPECT_EQ(status.signal, SIGTERM) << status.Describe();
  EXPECT_TRUE(WaitGone(grandchild));
  EXPECT_LT(SecondsSince(start), 3.0);  // no waiting for the grace period
}

TEST(SubprocessTest, DestructionKillsTheWholeGroup) {
  pid_t child = -1;
  pid_t grandchild = -1;
  {
    SubprocessOptions options;
    options.argv = {"sh", "-c", "sleep 30 & echo $!; wait"};
    Subprocess process(options);
    child = process.pid();
    const std::vector<std::string> lines = ReadLines(process, 1);
    ASSERT_EQ(lines.size(), 1u);
    grandchild = ParsePid(lines[0]);
    ASSERT_GT(grandchild, 1) << lines[0];
  }
  KillOnExit guard(grandchild);
  // The destructor reaped its own child: the PID is gone at once, not even a zombie.
  EXPECT_EQ(kill(child, 0), -1);
  EXPECT_TRUE(WaitGone(grandchild));
}

TEST(SubprocessTest, FinishKillsWhatTheProgramLeftInItsGroup) {
  // The shell exits at once, but its background child holds stdout open.
  SubprocessOptions options;
  options.argv = {"sh", "-c", "sleep 30 & echo $!"};
  Subprocess process(options);
  std::vector<std::string> lines;
  const auto start = Clock::now();
  const ExitStatus status =
      process.Finish([&](std::string_view line) { lines.emplace_back(line); });
  EXPECT_TRUE(status.success()) << status.Describe();
  EXPECT_LT(SecondsSince(start), 3.0);
  ASSERT_EQ(lines.size(), 1u);
  const pid_t grandchild = ParsePid(lines[0]);
  ASSERT_GT(grandchild, 1);
  KillOnExit guard(grandchild);
  EXPECT_TRUE(WaitGone(grandchild));
}

// A shell command that starts "sleep 30" in a session (and so a group) of its own, holding
// stdout open. Killing the group cannot end it. It prints "daemon PID" once it has left the
// group, and the command goes on only after that.
std::string StartDaemon(const testing::TempDir& dir) {
  const std::string marker = dir.File("daemon-started");
  return "setsid sh -c 'echo daemon $$; touch " + marker +
         "; exec sleep 30' & "
         "while [ ! -e " +
         marker + " ]; do sleep 0.01; done; ";
}

pid_t DaemonPid(const std::vector<std::string>& lines) {
  if (lines.empty() || lines[0].rfind("daemon ", 0) != 0) return -1;
  return ParsePid(lines[0].substr(7));
}

TEST(SubprocessTest, FinishDoesNotWaitForADescendantThatLeftTheGroup) {
  testing::TempDir dir;
  SubprocessOptions options;
  options.argv = {"sh", "-c", StartDaemon(dir) + "echo leader; printf 'no newline'"};
  Subprocess process(options);
  KillOnExit leader(process.pid());
  std::vector<std::string> lines;
  const auto start = Clock::now();
  const ExitStatus status =
      process.Finish([&](std::string_view line) { lines.emplace_back(line); });
  const double seconds = SecondsSince(start);
  const pid_t daemon = DaemonPid(lines);
  KillOnExit guard(daemon);
  ASSERT_GT(daemon, 1);
  EXPECT_FALSE(IsGone(daemon));  // it did escape the group
  EXPECT_TRUE(status.success()) << status.Describe();
  EXPECT_LT(seconds, 3.0);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], "leader");
  EXPECT_EQ(lines[2], "no newline");
  EXPECT_FALSE(process.ReadOutput(std::chrono::milliseconds(10), [](std::string_view) {}));
}

TEST(SubprocessTest, TerminateDoesNotWaitForADescendantThatLeftTheGroup) {
  testing::TempDir dir;
  SubprocessOptions options;
  options.argv = {"sh", "-c", StartDaemon(dir) + "echo leader; exec sleep 30"};
  Subprocess process(options);
  KillOnExit leader(process.pid());
  const std::vector<std::string> lines = ReadLines(process, 2);
  const pid_t daemon = DaemonPid(lines);
  KillOnExit guard(daemon);
  ASSERT_GT(daemon, 1);
  ASSERT_EQ(lines.size(), 2u);
  const auto start = Clock::now();
  const ExitStatus status = process.Terminate(std::chrono::milliseconds(500));
  EXPECT_EQ(status.signal, SIGTERM) << status.Describe();
  EXPECT_LT(SecondsSince(start), 3.0);
  EXPECT_FALSE(IsGone(daemon));
}

// ---- Parent death ----

TEST(SubprocessTest, ChildDiesWhenItsParentIsKilled) {
  testing::TempDir dir;
  const std::string pid_file = dir.File("objective.pid");
  SubprocessOptions options;
  options.argv = {AUTOML_TEST_OBJECTIVE, "sleep", "30", "--pid-file", pid_file};

  const pid_t helper = fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    // The helper: start the objective, then wait to be killed. Nothing else after fork().
    try {
      Subprocess process(options);
      for (;;) pause();
    } catch (...) {
    }
    _exit(1);
  }
  KillOnExit helper_guard(helper);

  // Wait for the objective to write its PID.
  pid_t objective = -1;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline) {
    std::ifstream in(pid_file);
    std::stringstream text;
    text << in.rdbuf();
    if (!text.str().empty() && text.str().back() == '\n') {
      objective = ParsePid(text.str());
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(objective, 1) << "the objective never wrote its PID";
  KillOnExit objective_guard(objective);
  ASSERT_FALSE(IsGone(objective));

  ASSERT_EQ(kill(helper, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(helper, &status, 0), helper);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_TRUE(WaitGone(objective)) << "the objective outlived the process that started it";
}

}  // namespace
}  // namespace automl::exec
