#include "automl/exec/command_objective.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "automl/error.h"
#include "automl/pruner.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "testing/temp_dir.h"

namespace automl::exec {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

const std::string kObjective = AUTOML_TEST_OBJECTIVE;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The test objective's function, to check the values it reports.
double Branin(double x, double y) {
  const double pi = 3.14159265358979323846;
  const double b = 5.1 / (4 * pi * pi);
  const double c = 5 / pi;
  const double t = 1 / (8 * pi);
  return std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - t) * std::cos(x) + 10;
}

SearchSpace XySpace() {
  return SearchSpace({ParamSpec::Float("x", -5, 10), ParamSpec::Float("y", 0, 15)});
}

Study MakeStudy(size_t objectives = 1, std::unique_ptr<Pruner> pruner = nullptr) {
  StudyOptions options;
  options.name = "command-objective";
  options.space = XySpace();
  options.directions.assign(objectives, Direction::kMinimize);
  return Study::CreateOrLoad(OpenStorage("memory"), options, nullptr, std::move(pruner));
}

CommandObjectiveOptions Command(std::vector<std::string> command) {
  CommandObjectiveOptions options;
  options.command = std::move(command);
  return options;
}

// Whether |pid| no longer runs (a zombie counts as gone: see subprocess_test.cc).
bool IsGone(pid_t pid) {
  if (kill(pid, 0) == -1 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  if (!std::getline(stat, content)) return true;
  const size_t paren = content.rfind(')');
  if (paren == std::string::npos || paren + 2 >= content.size()) return false;
  return content[paren + 2] == 'Z' || content[paren + 2] == 'X';
}

bool WaitGone(pid_t pid) {
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (!IsGone(pid)) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

pid_t ReadPid(const std::string& path) {
  std::ifstream in(path);
  long pid = -1;
  in >> pid;
  return static_cast<pid_t>(pid);
}

// One trial of |study| run by |objective| and told to the study.
struct TrialRun {
  TrialOutcome outcome;
  FrozenTrial stored;
  TrialLog log;
  double seconds = 0;
};

TrialRun RunTrial(Study& study, const CommandObjective& objective, const ParamMap& params = {},
                  const std::atomic<bool>* stop_flag = nullptr) {
  if (!params.empty()) study.Enqueue(params);
  Trial trial = study.Ask();
  TrialRun run;
  const auto start = Clock::now();
  run.outcome = objective.Run(trial, stop_flag);
  run.seconds = SecondsSince(start);
  study.Tell(trial, run.outcome);
  run.stored = study.storage().GetTrial(trial.id());
  run.log = study.storage().GetTrialLog(trial.id());
  return run;
}

// Runs test-objective |args| on a fresh single-objective study.
TrialRun RunObjective(std::vector<std::string> args, size_t objectives = 1) {
  Study study = MakeStudy(objectives);
  std::vector<std::string> command = {kObjective};
  command.insert(command.end(), args.begin(), args.end());
  CommandObjective objective(Command(command), study.space(), objectives);
  return RunTrial(study, objective);
}

void ExpectFailed(const TrialRun& run, const std::string& reason_part) {
  EXPECT_EQ(run.outcome.state, TrialState::kFailed);
  EXPECT_THAT(run.outcome.reason, HasSubstr(reason_part));
  EXPECT_EQ(run.stored.state, TrialState::kFailed);
  EXPECT_EQ(run.stored.reason, run.outcome.reason);
  EXPECT_TRUE(run.stored.values.empty());
}

// ---- The argv ----

SearchSpace ArgvSpace() {
  return SearchSpace({
      ParamSpec::Float("x", -5, 10),
      ParamSpec::Int("n", 1, 100),
      ParamSpec::Float("lr", 1e-6, 1).Log(),
      ParamSpec::Categorical("opt", {"sgd", "adam"}),
      ParamSpec::Float("momentum", 0, 1).When("opt", {"sgd"}),
      ParamSpec::Categorical("flag", {true, false}),
  });
}

TEST(CommandObjectiveArgvTest, SubstitutesValuesAsText) {
  CommandObjective objective(
      Command({kObjective, "{x}", "{n}", "--lr={lr}", "--opt={opt}", "{flag}", "plain"}),
      ArgvSpace(), 1);
  const ParamMap params = {
      {"x", 0.1}, {"n", int64_t{42}}, {"lr", 1e-05}, {"opt", "adam"}, {"flag", true}};
  EXPECT_THAT(objective.Argv(params),
              ElementsAre(kObjective, "0.1", "42", "--lr=1e-05", "--opt=adam", "true", "plain"));
  // Floats in shortest round-trip form, integral floats without a fraction.
  const ParamMap more = {
      {"x", 2.0}, {"n", int64_t{-3}}, {"lr", 0.30000000000000004}, {"opt", "sgd"}, {"flag", false}};
  EXPECT_THAT(objective.Argv(more), ElementsAre(kObjective, "2", "-3", "--lr=0.30000000000000004",
                                                "--opt=sgd", "false", "plain"));
}

TEST(CommandObjectiveArgvTest, DropsElementsOfInactiveParameters) {
  CommandObjective objective(
      Command({kObjective, "--opt={opt}", "--momentum={momentum}", "{momentum}", "--end"}),
      ArgvSpace(), 1);
  EXPECT_THAT(objective.Argv({{"opt", "sgd"}, {"momentum", 0.9}}),
              ElementsAre(kObjective, "--opt=sgd", "--momentum=0.9", "0.9", "--end"));
  EXPECT_THAT(objective.Argv({{"opt", "adam"}}), ElementsAre(kObjective, "--opt=adam", "--end"));
}

TEST(CommandObjectiveArgvTest, DoubleBracesAreLiteral) {
  CommandObjective objective(Command({kObjective, "{{x}}", "{{{x}}}", "json={{\"n\": {n}}}"}),
                             ArgvSpace(), 1);
  EXPECT_THAT(objective.Argv({{"x", 1.5}, {"n", int64_t{7}}}),
              ElementsAre(kObjective, "{x}", "{1.5}", "json={\"n\": 7}"));
}

// ---- Construction and options ----

TEST(CommandObjectiveTest, RefusesAPlaceholderForAnUnknownParameter) {
  try {
    CommandObjective objective(Command({kObjective, "--z={zeta}"}), XySpace(), 1);
    FAIL() << "accepted {zeta}";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("zeta"));
  }
  CommandObjectiveOptions with_env = Command({kObjective});
  with_env.environment["SEED"] = "{unknown_param}";
  try {
    CommandObjective objective(with_env, XySpace(), 1);
    FAIL() << "accepted {unknown_param} in env";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown_param"));
  }
  EXPECT_THROW(CommandObjective(Command({kObjective, "{x"}), XySpace(), 1), InvalidArgument);
}

TEST(CommandObjectiveTest, RefusesAMissingProgram) {
  try {
    CommandObjective objective(Command({"automl-no-such-program-4711", "{x}"}), XySpace(), 1);
    FAIL() << "accepted a missing program";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("automl-no-such-program-4711"));
  }
  EXPECT_THROW(CommandObjective(Command({}), XySpace(), 1), InvalidArgument);
}

TEST(CommandObjectiveTest, AProgramChosenByAParameterThatCannotRunFailsTheTrial) {
  StudyOptions options;
  options.name = "program-parameter";
  options.space = SearchSpace({ParamSpec::Categorical("prog", {kObjective, "/nonexistent/prog"})});
  Study study = Study::CreateOrLoad(OpenStorage("memory"), options);
  CommandObjective objective(Command({"{prog}", "sleep", "0"}), study.space(), 1);
  const TrialRun good = RunTrial(study, objective, {{"prog", kObjective}});
  EXPECT_EQ(good.outcome.state, TrialState::kComplete) << good.outcome.reason;
  const TrialRun bad = RunTrial(study, objective, {{"prog", "/nonexistent/prog"}});
  ExpectFailed(bad, "/nonexistent/prog");
}

TEST(CommandObjectiveOptionsTest, FromJsonReadsEveryKey) {
  const Json json = Json::parse(R"({"command": ["python3", "train.py", "--lr={lr}", 3, true],
                                   "timeout": 1.5, "grace": 0, "env": {"A": "1", "B": 2},
                                   "cwd": "/tmp"})");
  const CommandObjectiveOptions o = CommandObjectiveOptions::FromJson(json);
  EXPECT_THAT(o.command, ElementsAre("python3", "train.py", "--lr={lr}", "3", "true"));
  ASSERT_TRUE(o.timeout_seconds.has_value());
  EXPECT_EQ(*o.timeout_seconds, 1.5);
  EXPECT_EQ(o.grace_seconds, 0);
  EXPECT_EQ(o.environment, (std::map<std::string, std::string>{{"A", "1"}, {"B", "2"}}));
  EXPECT_EQ(o.working_directory, "/tmp");
  std::string error;
  EXPECT_TRUE(o.IsValid(&error)) << error;

  const CommandObjectiveOptions defaults =
      CommandObjectiveOptions::FromJson(Json::parse(R"({"command": ["true"]})"));
  EXPECT_FALSE(defaults.timeout_seconds.has_value());
  EXPECT_EQ(defaults.grace_seconds, 5);
}

void ExpectFromJsonRefuses(const std::string& text, const std::string& message_part) {
  SCOPED_TRACE(text);
  try {
    CommandObjectiveOptions::FromJson(Json::parse(text));
    ADD_FAILURE() << "accepted " << text;
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr(message_part));
  }
}

TEST(CommandObjectiveOptionsTest, FromJsonRefusesBadInput) {
  ExpectFromJsonRefuses(R"({"command": ["true"], "timout": 5})", "timout");
  ExpectFromJsonRefuses(R"({"command": "python3 train.py"})", "command");
  ExpectFromJsonRefuses(R"({"command": []})", "command");
  ExpectFromJsonRefuses(R"({"command": [["nested"]]})", "command");
  ExpectFromJsonRefuses(R"({"timeout": 5})", "command");
  ExpectFromJsonRefuses(R"({"command": ["true"], "timeout": 0})", "timeout");
  ExpectFromJsonRefuses(R"({"command": ["true"], "timeout": -1})", "timeout");
  ExpectFromJsonRefuses(R"({"command": ["true"], "timeout": "10"})", "timeout");
  ExpectFromJsonRefuses(R"({"command": ["true"], "grace": -1})", "grace");
  ExpectFromJsonRefuses(R"({"command": ["true"], "env": ["A=1"]})", "env");
  ExpectFromJsonRefuses(R"({"command": ["true"], "env": {"A": [1]}})", "A");
  ExpectFromJsonRefuses(R"({"command": ["true"], "cwd": 3})", "cwd");
  ExpectFromJsonRefuses(R"(["true"])", "command");
}

TEST(CommandObjectiveOptionsTest, IsValid) {
  std::string error;
  CommandObjectiveOptions o = Command({"true"});
  EXPECT_TRUE(o.IsValid(&error));
  o.timeout_seconds = 0;
  EXPECT_FALSE(o.IsValid(&error));
  EXPECT_THAT(error, HasSubstr("timeout"));
  o.timeout_seconds.reset();
  o.grace_seconds = -1;
  EXPECT_FALSE(o.IsValid(&error));
  EXPECT_THAT(error, HasSubstr("grace"));
  EXPECT_FALSE(Command({}).IsValid(&error));
  EXPECT_THAT(error, HasSubstr("command"));
}

// ---- A good run ----

TEST(CommandObjectiveRunTest, CompletesWithTheValueIntermediatesLogAndCommand) {
  Study study = MakeStudy();
  CommandObjective objective(Command({kObjective, "branin", "{x}", "{y}"}), study.space(), 1);
  const TrialRun run = RunTrial(study, objective, {{"x", 1.5}, {"y", 2.25}});
  ASSERT_EQ(run.outcome.state, TrialState::kComplete) << run.outcome.reason;
  const double value = Branin(1.5, 2.25);
  ASSERT_EQ(run.outcome.values.size(), 1u);
  EXPECT_NEAR(run.outcome.values[0], value, 1e-12);
  EXPECT_EQ(run.stored.state, TrialState::kComplete);
  EXPECT_NEAR(run.stored.value(), value, 1e-12);
  // The three intermediate values the objective reported (value + 2^-k at step k).
  ASSERT_EQ(run.stored.intermediate.size(), 3u);
  for (int64_t k = 0; k < 3; ++k) {
    ASSERT_EQ(run.stored.intermediate.count(k), 1u) << k;
    ASSERT_EQ(run.stored.intermediate.at(k).size(), 1u);
    EXPECT_NEAR(run.stored.intermediate.at(k)[0], value + std::pow(2.0, -k), 1e-12);
  }
  // Non-protocol lines are the log; protocol lines are not.
  EXPECT_EQ(run.log.output, "starting branin\n");
  EXPECT_EQ(run.log.error_tail, "");
  EXPECT_EQ(run.stored.system_attrs.at("command"),
            Json::array({kObjective, "branin", "1.5", "2.25"}));
}

TEST(CommandObjectiveRunTest, IntermediateValuesReachTheLiveTrialRecord) {
  Study study = MakeStudy();
  CommandObjective objective(Command({kObjective, "branin", "{x}", "{y}", "--steps", "5"}),
                             study.space(), 1);
  study.Enqueue({{"x", 0.0}, {"y", 1.0}});
  Trial trial = study.Ask();
  const TrialOutcome outcome = objective.Run(trial);
  ASSERT_EQ(outcome.state, TrialState::kComplete) << outcome.reason;
  EXPECT_EQ(trial.record().intermediate.size(), 5u);
  EXPECT_EQ(trial.record().intermediate.rbegin()->first, 4);
  study.Tell(trial, outcome);
}

TEST(CommandObjectiveRunTest, TheProgramSeesTheTrialInItsEnvironment) {
  Study study = MakeStudy();
  CommandObjective objective(Command({kObjective, "env"}), study.space(), 1);
  RunTrial(study, objective);  // trial 0
  study.Enqueue({{"x", 0.5}, {"y", 7.0}});
  Trial trial = study.Ask();
  ASSERT_EQ(trial.number(), 1);
  const TrialOutcome outcome = objective.Run(trial);
  ASSERT_EQ(outcome.state, TrialState::kComplete) << outcome.reason;
  const std::string output = study.storage().GetTrialLog(trial.id()).output;
  std::map<std::string, std::string> vars;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) vars[line.substr(0, eq)] = line.substr(eq + 1);
  }
  ASSERT_EQ(vars.count("AUTOML_PARAMS"), 1u) << output;
  EXPECT_EQ(Json::parse(vars["AUTOML_PARAMS"]), ParamsToJson(trial.params()));
  EXPECT_EQ(Json::parse(vars["AUTOML_PARAMS"]).at("y"), 7.0);
  EXPECT_EQ(vars["AUTOML_TRIAL"], "1");
  EXPECT_EQ(vars["AUTOML_SEED"], std::to_string(trial.seed()));
  EXPECT_EQ(vars["AUTOML_STUDY"], "command-objective");
  study.Tell(trial, outcome);
}

TEST(CommandObjectiveRunTest, EnvAndCwdOptionsApply) {
  testing::TempDir dir;
  Study study = MakeStudy();
  CommandObjectiveOptions options = Command({kObjective, "printenv", "MY_X", "MY_FIXED"});
  options.environment = {{"MY_X", "x is {x}"}, {"MY_FIXED", "fixed"}};
  CommandObjective env_objective(options, study.space(), 1);
  const TrialRun run = RunTrial(study, env_objective, {{"x", 0.25}, {"y", 1.0}});
  ASSERT_EQ(run.outcome.state, TrialState::kComplete) << run.outcome.reason;
  EXPECT_EQ(run.log.output, "starting printenv\nMY_X=x is 0.25\nMY_FIXED=fixed\n");

  CommandObjectiveOptions cwd = Command({kObjective, "pwd"});
  cwd.working_directory = dir.path().string();
  CommandObjective cwd_objective(cwd, study.space(), 1);
  const TrialRun in_dir = RunTrial(study, cwd_objective);
  ASSERT_EQ(in_dir.outcome.state, TrialState::kComplete) << in_dir.outcome.reason;
  EXPECT_EQ(in_dir.log.output,
            "starting pwd\n" + std::filesystem::canonical(dir.path()).string() + "\n");
}

TEST(CommandObjectiveRunTest, LogKeepsItsEnd) {
  Study study = MakeStudy();
  CommandObjectiveOptions options = Command({kObjective, "noresult"});
  options.max_log_bytes = 13;
  CommandObjective objective(options, study.space(), 1);
  const TrialRun run = RunTrial(study, objective);
  // "starting noresult\nepoch 1 done\nepoch 2 done\n": the last 13 bytes are kept.
  EXPECT_EQ(run.log.output, "[... 31 earlier bytes dropped ...]\nepoch 2 done\n");
}

// A command that prints |lines| (through printf, so the test needs no new objective mode).
CommandObjectiveOptions PrintLines(const std::vector<std::string>& lines) {
  std::vector<std::string> command = {"printf", "%s\\n"};
  for (const std::string& line : lines) {
    std::string escaped;  // braces are literal in the command: {{ and }}
    for (char c : line) {
      escaped += c;
      if (c == '{' || c == '}') escaped += c;
    }
    command.push_back(escaped);
  }
  return Command(command);
}

TEST(CommandObjectiveRunTest, ProtocolLines) {
  Study study = MakeStudy();
  CommandObjective objective(
      PrintLines({R"({"value": 1})", R"({"loss": 0.5})", R"({"step": 0, "value": 3})",
                  R"({"step": 1, "values": [Infinity]})", "{not json", R"({"value": 2})",
                  "plain text"}),
      study.space(), 1);
  const TrialRun run = RunTrial(study, objective);
  ASSERT_EQ(run.outcome.state, TrialState::kComplete) << run.outcome.reason;
  EXPECT_EQ(run.stored.value(), 2);  // the last result line counts
  ASSERT_EQ(run.stored.intermediate.size(), 2u);
  EXPECT_EQ(run.stored.intermediate.at(0), std::vector<double>{3});
  EXPECT_EQ(run.stored.intermediate.at(1), std::vector<double>{HUGE_VAL});
  // JSON that is not a report, and anything else, is log.
  EXPECT_EQ(run.log.output, "{\"loss\": 0.5}\n{not json\nplain text\n");
}

TEST(CommandObjectiveRunTest, ABadStepFailsTheTrial) {
  Study study = MakeStudy();
  CommandObjective objective(PrintLines({R"({"step": 1.5, "value": 3})",
                                         R"({"step": -1, "value": 3})", R"({"value": 2})"}),
                             study.space(), 1);
  const TrialRun run = RunTrial(study, objective);
  ExpectFailed(run, "bad report line: a step must be an integer >= 0");
  EXPECT_THAT(run.outcome.reason, HasSubstr("1.5"));  // the first bad line
}

TEST(CommandObjectiveRunTest, MultiObjectiveCompletesWithTwoValues) {
  Study study = MakeStudy(2);
  CommandObjective objective(Command({kObjective, "multi", "{x}", "{y}"}), study.space(), 2);
  const TrialRun run = RunTrial(study, objective, {{"x", 2.0}, {"y", 3.0}});
  ASSERT_EQ(run.outcome.state, TrialState::kComplete) << run.outcome.reason;
  ASSERT_EQ(run.stored.values.size(), 2u);
  EXPECT_NEAR(run.stored.values[0], Branin(2, 3), 1e-12);
  EXPECT_EQ(run.stored.values[1], 13.0);
}

// ---- Failures ----

TEST(CommandObjectiveFailureTest, NonZeroExit) {
  const TrialRun run = RunObjective({"exit", "3"});
  ExpectFailed(run, "exited with status 3");
  EXPECT_THAT(run.outcome.reason, HasSubstr("boom: the objective failed"));
  EXPECT_EQ(run.log.error_tail, "some warning\nboom: the objective failed\n");
}

TEST(CommandObjectiveFailureTest, DeathBySignal) {
  ExpectFailed(RunObjective({"signal", "11"}), "killed by signal 11");
  ExpectFailed(RunObjective({"signal", "9"}), "killed by signal 9");
}

TEST(CommandObjectiveFailureTest, NoResultLine) {
  const TrialRun run = RunObjective({"noresult"});
  ExpectFailed(run, "no result line");
  EXPECT_EQ(run.log.output, "starting noresult\nepoch 1 done\nepoch 2 done\n");
}

TEST(CommandObjectiveFailureTest, NanResult) {
  const TrialRun run = RunObjective({"nan"});
  ExpectFailed(run, "non-finite value");
  EXPECT_THAT(run.outcome.reason, HasSubstr("nan"));
}

TEST(CommandObjectiveFailureTest, InfiniteResult) {
  const TrialRun run = RunObjective({"inf"});
  ExpectFailed(run, "non-finite value");
  EXPECT_THAT(run.outcome.reason, HasSubstr("inf"));
}

TEST(CommandObjectiveFailureTest, WrongNumberOfValues) {
  // One result value for two objectives.
  ExpectFailed(RunObjective({"branin", "1", "2", "--steps", "0"}, 2),
               "reported 1 values; the study has 2 objectives");
  // Two values for one objective.
  ExpectFailed(RunObjective({"multi", "1", "2"}, 1),
               "reported 2 values; the study has 1 objectives");
  // Intermediate values of the wrong size are a bad report line.
  const TrialRun run = RunObjective({"branin", "1", "2"}, 2);
  ExpectFailed(run, "bad report line");
  EXPECT_THAT(run.outcome.reason, HasSubstr("step 0 reported 1 values"));
  EXPECT_TRUE(run.stored.intermediate.empty());
}

TEST(CommandObjectiveFailureTest, Timeout) {
  testing::TempDir dir;
  const std::string pid_file = dir.File("pid");
  Study study = MakeStudy();
  CommandObjectiveOptions options = Command({kObjective, "sleep", "10", "--pid-file", pid_file});
  options.timeout_seconds = 0.5;
  CommandObjective objective(options, study.space(), 1);
  const TrialRun run = RunTrial(study, objective);
  ExpectFailed(run, "timed out after 0.5 s");
  EXPECT_GE(run.seconds, 0.5);
  EXPECT_LT(run.seconds, 2.5);
  const pid_t pid = ReadPid(pid_file);
  ASSERT_GT(pid, 1);
  EXPECT_TRUE(WaitGone(pid));
  EXPECT_EQ(run.log.output, "starting sleep\n");
}

TEST(CommandObjectiveFailureTest, TimeoutKillsAProgramThatIgnoresSigtermAfterTheGrace) {
  Study study = MakeStudy();
  CommandObjectiveOptions options =
      Command({"sh", "-c", "trap '' TERM; echo trapped; sleep 10; echo '{{\"value\": 1}}'"});
  options.timeout_seconds = 0.3;
  options.grace_seconds = 0.3;
  CommandObjective objective(options, study.space(), 1);
  const TrialRun run = RunTrial(study, objective);
  ExpectFailed(run, "timed out after 0.3 s");
  EXPECT_GE(run.seconds, 0.6);
  EXPECT_LT(run.seconds, 2.5);
  EXPECT_EQ(run.log.output, "trapped\n");
}

// ---- Pruning and stopping ----

// Prunes a trial once it has reported step 3 or later.
class StepPruner : public Pruner {
 public:
  std::string name() const override { return "step>=3"; }
  bool Prune(const Study& /*study*/, const FrozenTrial& trial) const override {
    return !trial.intermediate.empty() && trial.intermediate.rbegin()->first >= 3;
  }
};

TEST(CommandObjectiveRunTest, PrunedTrialStopsItsProcess) {
  testing::TempDir dir;
  const std::string pid_file = dir.File("pid");
  Study study = MakeStudy(1, std::make_unique<StepPruner>());
  CommandObjective objective(Command({kObjective, "curve", "{x}", "--pid-file", pid_file}),
                             study.space(), 1);
  const TrialRun run = RunTrial(study, objective, {{"x", 1.0}, {"y", 1.0}});
  EXPECT_EQ(run.outcome.state, TrialState::kPruned) << run.outcome.reason;
  EXPECT_EQ(run.outcome.reason, "pruned at step 3");
  EXPECT_EQ(run.stored.state, TrialState::kPruned);
  std::vector<int64_t> steps;
  for (const auto& [step, values] : run.stored.intermediate) {
    steps.push_back(step);
    ASSERT_EQ(values.size(), 1u);
    EXPECT_DOUBLE_EQ(values[0], 1.0 + 1.0 / static_cast<double>(step + 1));
  }
  EXPECT_THAT(steps, ElementsAre(0, 1, 2, 3));
  EXPECT_LT(run.seconds, 1.5);  // the whole curve takes 40 * 0.05 = 2 s
  const pid_t pid = ReadPid(pid_file);
  ASSERT_GT(pid, 1);
  EXPECT_TRUE(WaitGone(pid));
}

TEST(CommandObjectiveRunTest, StopFlagInterruptsTheRun) {
  testing::TempDir dir;
  const std::string pid_file = dir.File("pid");
  Study study = MakeStudy();
  CommandObjective objective(Command({kObjective, "sleep", "10", "--pid-file", pid_file}),
                             study.space(), 1);
  std::atomic<bool> stop{false};
  std::thread raiser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
  });
  const TrialRun run = RunTrial(study, objective, {}, &stop);
  raiser.join();
  ExpectFailed(run, "interrupted");
  EXPECT_EQ(run.outcome.reason, "interrupted");
  EXPECT_GE(run.seconds, 0.3);
  EXPECT_LT(run.seconds, 2.0);
  const pid_t pid = ReadPid(pid_file);
  ASSERT_GT(pid, 1);
  EXPECT_TRUE(WaitGone(pid));
}

// ---- Through Study::Optimize ----

TEST(CommandObjectiveRunTest, OptimizeRunsTenTrials) {
  Study study = MakeStudy();
  CommandObjective objective(Command({kObjective, "branin", "{x}", "{y}", "--steps", "2"}),
                             study.space(), 1);
  OptimizeOptions options;
  options.target_trials = 10;
  const OptimizeSummary summary =
      study.Optimize([&](Trial& trial) { return objective.Run(trial); }, options);
  EXPECT_EQ(summary.complete, 10);
  EXPECT_EQ(summary.failed, 0);
  EXPECT_EQ(summary.pruned, 0);
  EXPECT_EQ(summary.stop.kind, StopReason::Kind::kTargetReached);
  const std::vector<FrozenTrial> trials = study.Trials();
  ASSERT_EQ(trials.size(), 10u);
  for (const FrozenTrial& trial : trials) {
    ASSERT_EQ(trial.state, TrialState::kComplete) << trial.reason;
    EXPECT_NEAR(trial.value(),
                Branin(trial.params.at("x").AsDouble(), trial.params.at("y").AsDouble()), 1e-9);
    EXPECT_EQ(trial.intermediate.size(), 2u);
  }
  ASSERT_TRUE(summary.best.has_value());
}

}  // namespace
}  // namespace automl::exec
