// `automl run` end to end: real processes, a real SQLite file, a real objective program.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "automl/storages/sqlite_storage.h"
#include "automl/study.h"
#include "testing/cli.h"
#include "testing/temp_dir.h"
#ifdef AUTOML_WITH_POSTGRES
#include "testing/postgres_test_server.h"
#endif

namespace automl::testing {
namespace {

using ::testing::HasSubstr;

// A config for the test objective program; |command| follows the program's path.
std::string Config(const std::string& study, int trials, const std::string& command,
                   const std::string& extra = "") {
  return "study: " + study + "\ntrials: " + std::to_string(trials) +
         "\nseed: 3\n"
         "space:\n"
         "  x: {type: float, low: -5, high: 10}\n"
         "  y: {type: float, low: 0, high: 15}\n"
         "objective:\n"
         "  command: [\"" AUTOML_TEST_OBJECTIVE "\", " +
         command + "]\n" + extra;
}

class RunCommandTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    WriteFile(dir_.File(name), text);
    return dir_.File(name);
  }
  std::string Db() const { return "sqlite:///" + dir_.File("automl.db"); }
  CliResult Run(const std::string& config, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run", config, "--storage", Db(), "--progress", "lines"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCli(args, dir_.path().string());
  }
  Study Load(const std::string& name) { return Study::Load(OpenStorage(Db()), name); }
  void KillOneOfFourWorkers(const std::string& url);

  TempDir dir_;
};

TEST_F(RunCommandTest, RunsTheStudyToItsTargetAndRecordsEverything) {
  const std::string config = Write("c.yaml", Config("branin", 12, R"("branin", "{x}", "{y}")"));
  const CliResult r = Run(config);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("stopped: target of 12 finished trials reached"));
  const Study study = Load("branin");
  EXPECT_EQ(study.Counts().complete, 12);
  const FrozenTrial t = study.GetTrial(0);
  EXPECT_EQ(t.intermediate.size(), 3u);
  EXPECT_EQ(t.system_attrs.at("command")[1], "branin");
  EXPECT_EQ(t.worker.pid > 0, true);
  EXPECT_THAT(study.storage().GetTrialLog(t.id).output, HasSubstr("starting branin"));
  // The study records its config, version and environment; the run its own record.
  const StudyRecord record = study.Record();
  EXPECT_EQ(record.config.at("trials"), 12);
  EXPECT_FALSE(record.system_attrs.at("automl_version").get<std::string>().empty());
  const Json& env = record.system_attrs.at("environment");
  EXPECT_FALSE(env.at("cpu").at("model").get<std::string>().empty());
  EXPECT_TRUE(env.at("libraries").contains("sqlite"));
  EXPECT_TRUE(env.contains("compiler"));
  int runs = 0;
  for (const auto& [key, value] : record.system_attrs.items()) {
    if (key.rfind("run ", 0) == 0) {
      ++runs;
      EXPECT_EQ(value.at("complete"), 12);
    }
  }
  EXPECT_EQ(runs, 1);
  // Running again changes nothing: the target is met.
  EXPECT_EQ(Run(config).code, 0);
  EXPECT_EQ(Load("branin").Counts().total(), 12);
  // Overrides: a higher target continues the same study.
  EXPECT_EQ(Run(config, {"--trials", "15"}).code, 0);
  EXPECT_EQ(Load("branin").Counts().complete, 15);
}

TEST_F(RunCommandTest, APrunerStopsCommandsAndTheirCurvesAreKept) {
  // x = 0, 1, ..., 8 in order; the objective reports x + 1/(k+1) at steps k = 0..39, one every
  // 0.05 s (2 s in all). ASHA's first rung is step 1, where n = 2 keeps one: after trial 0
  // (x = 0) every trial is worse and is stopped there.
  const std::string config = Write("c.yaml",
                                   "study: pruned\ntrials: 9\nseed: 3\n"
                                   "sampler: {name: grid, shuffle: false}\n"
                                   "pruner: {name: sha, min_resource: 1, max_resource: 39}\n"
                                   "space:\n"
                                   "  x: {type: int, low: 0, high: 8}\n"
                                   "objective:\n"
                                   "  command: [\"" AUTOML_TEST_OBJECTIVE
                                   "\", \"curve\", \"{x}\"]\n"
                                   "  grace: 1\n");
  const CliResult r = Run(config);
  ASSERT_EQ(r.code, 0) << r.err;
  const Study study = Load("pruned");
  const TrialCounts counts = study.Counts();
  EXPECT_EQ(counts.complete, 1);
  EXPECT_EQ(counts.pruned, 8);
  for (const FrozenTrial& t : study.Trials()) {
    if (t.number == 0) {
      EXPECT_EQ(t.state, TrialState::kComplete);
      EXPECT_EQ(t.intermediate.size(), 40u);
      continue;
    }
    EXPECT_EQ(t.state, TrialState::kPruned);
    EXPECT_EQ(t.reason, "pruned at step 1");
    // The curve up to the rung is stored (exec/command_objective_test checks that the process
    // is stopped).
    ASSERT_EQ(t.intermediate.size(), 2u) << t.number;
    EXPECT_DOUBLE_EQ(t.intermediate.at(1).at(0), t.params.at("x").AsDouble() + 0.5);
  }
  // `show` lists the pruned trials with their last report, and --curves prints the curves.
  const CliResult show =
      RunCli({"show", "pruned", "--storage", Db(), "--curves"}, dir_.path().string());
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("last report"));
  EXPECT_THAT(show.out, HasSubstr("PRUNED"));
  EXPECT_THAT(show.out, HasSubstr("#8 PRUNED: 0: 9, 1: 8.5"));
}

TEST_F(RunCommandTest, EveryKindOfFailingObjectiveIsRecordedWithItsReason) {
  struct Case {
    const char* study;
    const char* command;
    const char* reason;
  };
  const Case cases[] = {
      {"exit", R"("exit", "3")", "command exited with status 3: boom: the objective failed"},
      {"signal", R"("signal", "11")", "command killed by signal 11 (Segmentation fault)"},
      {"noresult", R"("noresult")", "command printed no result line"},
      {"nan", R"("nan")", "command reported a non-finite value (nan)"},
      {"inf", R"("inf")", "command reported a non-finite value (inf)"},
      {"timeout", R"("sleep", "30")", "timed out after 0.3 s"},
  };
  for (const Case& c : cases) {
    const std::string config =
        Write(std::string(c.study) + ".yaml",
              Config(c.study, 5, c.command, "  timeout: 0.3\n") + "max_failures: 2\n");
    const CliResult r = Run(config);
    EXPECT_EQ(r.code, 1) << c.study << ": stops after max_failures";
    EXPECT_THAT(r.err, HasSubstr("2 trials failed (max_failures: 2)")) << c.study;
    const auto trials = Load(c.study).Trials();
    ASSERT_EQ(trials.size(), 2u) << c.study;
    for (const FrozenTrial& t : trials) {
      EXPECT_EQ(t.state, TrialState::kFailed) << c.study;
      EXPECT_THAT(t.reason, HasSubstr(c.reason)) << c.study;
    }
  }
  // The end of stderr is kept with the trial.
  const Study exit_study = Load("exit");
  EXPECT_THAT(exit_study.storage().GetTrialLog(exit_study.GetTrial(0).id).error_tail,
              HasSubstr("some warning\nboom: the objective failed"));
  // A program that does not exist is refused before any trial runs.
  const std::string missing = Write(
      "missing.yaml", "study: m\nspace: {x: [1]}\nobjective: {command: [no-such-program-xyz]}\n");
  const CliResult r = Run(missing);
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot run 'no-such-program-xyz': not found in PATH"));
}

TEST_F(RunCommandTest, InvalidSpacesAreRefusedWithTheirMessage) {
  const std::pair<const char*, const char*> cases[] = {
      {"x: {type: float, low: 10, high: -5}",
       "parameter 'x': low (10) must be less than high (-5)"},
      {"x: {type: float, low: 0, high: 1, log: true}", "parameter 'x': log scale needs low > 0"},
      {"n: {type: int, low: 1, high: 8, step: 3}", "parameter 'n': step 3 does not fit the range"},
      {"o: {type: categorical, choices: []}", "parameter 'o': choices are empty"},
      {"x: {type: float, low: 0, high: 1}\n  x: {type: int, low: 0, high: 3}", "duplicate key 'x'"},
      {"m: {type: float, low: 0, high: 1, when: {opt: sgd}}", "there is no parameter 'opt'"},
      {"x: {type: float, low: 0, high: 1}\n  m: {type: float, low: 0, high: 1, when: {x: 1}}",
       "'x' is a float parameter; conditions need a categorical or ordinal parent"},
      {"a: {type: categorical, choices: [u, v], when: {b: p}}\n"
       "  b: {type: categorical, choices: [p, q], when: {a: u}}",
       "parameters depend on each other in a cycle"},
  };
  for (const auto& [space, message] : cases) {
    const std::string config =
        Write("bad.yaml", std::string("study: bad\nspace:\n  ") + space +
                              "\nobjective: {command: [\"" AUTOML_TEST_OBJECTIVE "\"]}\n");
    const CliResult r = Run(config);
    EXPECT_EQ(r.code, 2) << space;
    EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
    EXPECT_THAT(r.err, HasSubstr(message)) << space;
  }
  EXPECT_FALSE(OpenStorage(Db())->FindStudy("bad").has_value()) << "nothing is created";
}

TEST_F(RunCommandTest, UnknownPlaceholdersAndSamplersAreRefused) {
  CliResult r = Run(Write("p.yaml", Config("p", 3, R"("branin", "{z}", "{y}")")));
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("refers to {z}, which is not a parameter of the space"));
  r = Run(Write("s.yaml", Config("s", 3, R"("branin", "{x}", "{y}")")), {"--sampler", "tpe2"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown sampler 'tpe2'"));
}

TEST_F(RunCommandTest, GridAndSobolSamplersFromTheCommandLine) {
  const std::string config = Write("g.yaml", Config("g", 100, R"("branin", "{x}", "{y}")"));
  const CliResult r = Run(config, {"--sampler", "{name: grid, resolution: 3}"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("sampler 'grid' has proposed every point it has"));
  EXPECT_EQ(Load("g").Counts().complete, 9);
  const CliResult s = Run(config, {"--study", "s", "--trials", "8", "--sampler", "sobol"});
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_EQ(Load("s").Counts().complete, 8);
}

TEST_F(RunCommandTest, ConditionalParametersReachTheCommandOnlyWhenActive) {
  const std::string config = Write("c.yaml",
                                   "study: cond\ntrials: 12\nseed: 1\nspace:\n"
                                   "  opt: [sgd, adam]\n"
                                   "  m: {type: float, low: 0.8, high: 0.99, when: {opt: sgd}}\n"
                                   "objective:\n  command: [\"" AUTOML_TEST_OBJECTIVE
                                   "\", \"env\", \"--momentum={m}\"]\n");
  ASSERT_EQ(Run(config).code, 0);
  const Study study = Load("cond");
  for (const FrozenTrial& t : study.Trials()) {
    const Json argv = t.system_attrs.at("command");
    const bool sgd = t.params.at("opt").AsString() == "sgd";
    EXPECT_EQ(argv.size(), sgd ? 3u : 2u);
    const std::string log = study.storage().GetTrialLog(t.id).output;
    EXPECT_THAT(log, HasSubstr("AUTOML_TRIAL=" + std::to_string(t.number)));
    EXPECT_THAT(log, HasSubstr("AUTOML_SEED=" + std::to_string(t.seed)));
    EXPECT_THAT(log, HasSubstr("AUTOML_STUDY=cond"));
    const size_t at = log.find("AUTOML_PARAMS=");
    ASSERT_NE(at, std::string::npos);
    const size_t end = log.find('\n', at);
    EXPECT_EQ(ParamsFromJson(Json::parse(log.substr(at + 14, end - at - 14))), t.params);
  }
}

// kill -9 in the middle of a study, then run again: the study ends with exactly its target, the
// lost trial is FAILED with its reason and re-run, and the objective did not outlive automl.
TEST_F(RunCommandTest, SurvivesKillNineAndResumesToExactlyTheTarget) {
  // After five trials the test creates |hold|: the next objective announces its PID and waits, so
  // automl is killed with exactly one trial in flight however slow the machine is.
  const std::string hold = dir_.File("hold");
  const std::string config =
      Write("k.yaml", Config("k", 20, R"("sleep", "0.02", "--hold-while", ")" + hold + "\""));
  exec::SubprocessOptions options;
  options.argv = {AUTOML_CLI, "run", config, "--storage", Db(), "--progress", "quiet"};
  options.working_directory = dir_.path().string();
  auto first = std::make_unique<exec::Subprocess>(options);
  SqliteStorage storage({dir_.File("automl.db")});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (;;) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the study never got going";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto study = storage.FindStudy("k");
    if (study && storage.CountTrials(study->id).complete >= 5) break;
  }
  WriteFile(hold, "");
  int objective_pid = 0;
  for (;;) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no objective ever held";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (std::ifstream(hold + ".held") >> objective_pid) break;
  }
  ASSERT_GT(objective_pid, 0);
  ASSERT_EQ(storage.CountTrials(storage.FindStudy("k")->id).running, 1);
  ASSERT_EQ(kill(first->pid(), SIGKILL), 0);  // automl alone, not its process group
  first->TryWait();
  // A killed process stays a zombie until its new parent reaps it, which on a loaded machine can
  // take a while: a zombie has died. The bound only limits how long a failure takes to show.
  const auto alive = [](int pid) {
    if (kill(pid, 0) != 0) return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, comm, state;
    return !(stat >> pid_field >> comm >> state) || state != "Z";
  };
  for (int i = 0; i < 1500 && alive(objective_pid); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(alive(objective_pid)) << "the objective outlived automl";
  first.reset();
  std::filesystem::remove(hold);

  const CliResult second = Run(config);
  ASSERT_EQ(second.code, 0) << second.err;
  const Study study = Load("k");
  const TrialCounts c = study.Counts();
  EXPECT_EQ(c.complete, 20);
  EXPECT_EQ(c.running, 0);
  EXPECT_EQ(c.waiting, 0);
  EXPECT_EQ(c.failed, 1);
  const auto failed = study.Trials({TrialState::kFailed});
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_THAT(failed[0].reason, HasSubstr("worker lost"));
  int retries = 0;
  for (const FrozenTrial& t : study.Trials()) {
    if (t.retry_of == failed[0].number) {
      ++retries;
      EXPECT_EQ(t.params, failed[0].params);
      EXPECT_EQ(t.state, TrialState::kComplete);
    }
  }
  EXPECT_EQ(retries, 1);
}

// Eight processes on one SQLite study: together they meet the target exactly, with unique
// numbers, and no "database is locked" reaches the user.
TEST_F(RunCommandTest, EightProcessesShareOneStudy) {
  const std::string config = Write("p.yaml", Config("par", 160, R"("branin", "{x}", "{y}")"));
  std::vector<std::unique_ptr<exec::Subprocess>> workers;
  for (int i = 0; i < 8; ++i) {
    exec::SubprocessOptions options;
    options.argv = {AUTOML_CLI, "run", config, "--storage", Db(), "--progress", "lines"};
    options.working_directory = dir_.path().string();
    options.stderr_tail_bytes = 1 << 20;
    workers.push_back(std::make_unique<exec::Subprocess>(options));
  }
  for (auto& w : workers) {
    const exec::ExitStatus status = w->Finish([](std::string_view) {});
    EXPECT_TRUE(status.success()) << status.Describe() << "\n" << w->stderr_tail();
    EXPECT_THAT(w->stderr_tail(), ::testing::Not(HasSubstr("locked")));
    EXPECT_THAT(w->stderr_tail(), ::testing::Not(HasSubstr("error")));
  }
  const Study study = Load("par");
  const auto trials = study.Trials();
  ASSERT_EQ(trials.size(), 160u);
  std::set<int> pids;
  for (size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].number, static_cast<int64_t>(i));
    EXPECT_EQ(trials[i].state, TrialState::kComplete);
    pids.insert(static_cast<int>(trials[i].worker.pid));
  }
  EXPECT_GE(pids.size(), 4u) << "the work was shared";
}

TEST_F(RunCommandTest, StopAfterEndsTheStudyEarly) {
  // A constant objective never improves after its first trial.
  const std::string config =
      Write("s.yaml", Config("stall", 100, R"("sleep", "0")") + "stop_after: 4\n");
  const CliResult r = Run(config);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("no improvement in the last 4 finished trials"));
  EXPECT_EQ(Load("stall").Counts().complete, 5);
}

TEST_F(RunCommandTest, InterruptFailsTheRunningTrialAndExitsNonZero) {
  const std::string config = Write("i.yaml", Config("int", 50, R"("sleep", "5")"));
  exec::SubprocessOptions options;
  options.argv = {AUTOML_CLI, "run", config, "--storage", Db(), "--progress", "lines"};
  options.working_directory = dir_.path().string();
  exec::Subprocess process(options);
  SqliteStorage storage({dir_.File("automl.db")});
  // Up to 30 s for the trial to start: on a loaded machine loading LibTorch alone takes seconds,
  // and a signal before the handlers are installed would test nothing.
  for (int i = 0; i < 1500; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto study = storage.FindStudy("int");
    if (study && storage.CountTrials(study->id).running == 1) break;
  }
  const auto start = std::chrono::steady_clock::now();
  kill(process.pid(), SIGINT);
  const exec::ExitStatus status = process.Finish([](std::string_view) {});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_EQ(status.code, 1) << process.stderr_tail();
  EXPECT_THAT(process.stderr_tail(), HasSubstr("stopped: interrupted"));
  const Study study = Load("int");
  EXPECT_EQ(study.Counts().running, 0);
  EXPECT_EQ(study.GetTrial(0).reason, "interrupted");
}

}  // namespace
}  // namespace automl::testing

namespace automl::testing {
namespace {

// The numbers of a study's trials, each once.
bool NumbersAreUnique(const std::vector<FrozenTrial>& trials) {
  std::set<int64_t> numbers;
  for (const FrozenTrial& t : trials) numbers.insert(t.number);
  return numbers.size() == trials.size();
}

// Four `automl worker`s on one study in |url|, one killed with kill -9 while its trial runs: the
// other three end the study with exactly its target, the lost trial FAILED and re-run.
void RunCommandTest::KillOneOfFourWorkers(const std::string& url) {
  const std::string hold = dir_.File("hold");
  const std::string config =
      Write("w.yaml", Config("w", 24, R"("sleep", "0.02", "--hold-while", ")" + hold + "\""));
  std::vector<std::unique_ptr<exec::Subprocess>> workers;
  for (int i = 0; i < 4; ++i) {
    exec::SubprocessOptions options;
    options.argv = {AUTOML_CLI, "worker", config, "--storage", url, "--progress", "quiet"};
    options.working_directory = dir_.path().string();
    options.stderr_tail_bytes = 1 << 20;
    workers.push_back(std::make_unique<exec::Subprocess>(options));
  }
  const std::shared_ptr<Storage> storage = OpenStorage(url);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  const auto counts = [&] { return storage->CountTrials(storage->FindStudy("w")->id); };
  for (;;) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the study never got going";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (storage->FindStudy("w") && counts().complete >= 6) break;
  }
  // Every worker's next objective waits on |hold|: four trials in flight, one per worker. One
  // that started before the file existed ends within 0.02 s, so four running for 0.5 s in a row
  // are four held.
  WriteFile(hold, "");
  for (int steady = 0; steady < 25;) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the workers never all held";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    steady = counts().running == 4 ? steady + 1 : 0;
  }
  const int64_t study_id = storage->FindStudy("w")->id;
  const FrozenTrial victim = storage->GetTrials(study_id, {TrialState::kRunning}).front();
  size_t killed = workers.size();
  for (size_t i = 0; i < workers.size(); ++i) {
    if (workers[i]->pid() == victim.worker.pid) killed = i;
  }
  ASSERT_LT(killed, workers.size()) << "trial " << victim.number << " is not a worker's";
  ASSERT_EQ(kill(workers[killed]->pid(), SIGKILL), 0);
  workers[killed]->Finish([](std::string_view) {});  // reaped: its PID is gone for the others
  std::filesystem::remove(hold);

  for (size_t i = 0; i < workers.size(); ++i) {
    if (i == killed) continue;
    const exec::ExitStatus status = workers[i]->Finish([](std::string_view) {});
    EXPECT_TRUE(status.success()) << status.Describe() << "\n" << workers[i]->stderr_tail();
  }
  const Study study = Study::Load(storage, "w");
  const TrialCounts c = study.Counts();
  EXPECT_EQ(c.complete, 24);
  EXPECT_EQ(c.running, 0);
  EXPECT_EQ(c.waiting, 0);
  EXPECT_EQ(c.failed, 1) << [&] {
    std::string failed;
    for (const FrozenTrial& t : study.Trials()) {
      if (t.state == TrialState::kFailed) {
        failed += "\n#" + std::to_string(t.number) + " pid " + std::to_string(t.worker.pid) + ": " +
                  t.reason;
      }
    }
    return failed;
  }();
  EXPECT_TRUE(NumbersAreUnique(study.Trials()));
  const FrozenTrial lost = study.GetTrial(victim.number);
  EXPECT_EQ(lost.state, TrialState::kFailed);
  EXPECT_THAT(lost.reason, HasSubstr("worker lost"));
  int reruns = 0;
  for (const FrozenTrial& t : study.Trials()) {
    if (t.retry_of != victim.number) continue;
    ++reruns;
    EXPECT_EQ(t.params, lost.params);
    EXPECT_EQ(t.state, TrialState::kComplete);
  }
  EXPECT_EQ(reruns, 1);
}

TEST_F(RunCommandTest, FourWorkersOneKilledMidTrialMeetTheTargetExactly) {
  KillOneOfFourWorkers(Db());
}

#ifdef AUTOML_WITH_POSTGRES
TEST_F(RunCommandTest, FourPostgresWorkersOneKilledMidTrialMeetTheTargetExactly) {
  PostgresTestServer server;
  if (!server.running()) AUTOML_SKIP_WITHOUT_POSTGRES(server.why_not());
  KillOneOfFourWorkers(server.url());
}
#endif

// A worker whose config changed the study's search space is refused in one line, before it runs
// anything: workers of one study must agree on what they search.
TEST_F(RunCommandTest, AWorkerWithAnIncompatibleConfigIsRefused) {
  ASSERT_EQ(Run(Write("a.yaml", Config("same", 2, R"("sleep", "0")"))).code, 0);
  std::string changed = Config("same", 4, R"("sleep", "0")");
  changed.replace(changed.find("high: 10"), 8, "high: 20");
  const CliResult worker =
      RunCli({"worker", Write("b.yaml", changed), "--storage", Db(), "--progress", "quiet"},
             dir_.path().string());
  EXPECT_EQ(worker.code, 2);
  EXPECT_THAT(worker.err, HasSubstr("another search space"));
  EXPECT_EQ(std::count(worker.err.begin(), worker.err.end(), '\n'), 1) << worker.err;
  EXPECT_EQ(Load("same").Counts().total(), 2);
}

// `run --workers 3`: three processes share the study and meet its target exactly.
TEST_F(RunCommandTest, WorkersOptionSpreadsTheStudyOverProcesses) {
  const std::string config = Write("n.yaml", Config("n", 30, R"("sleep", "0.05")"));
  const CliResult run = Run(config, {"--workers", "3"});
  ASSERT_EQ(run.code, 0) << run.err;
  const Study study = Load("n");
  EXPECT_EQ(study.Counts().complete, 30);
  EXPECT_EQ(study.Counts().finished(), 30);
  EXPECT_TRUE(NumbersAreUnique(study.Trials()));
  std::set<int64_t> pids;
  for (const FrozenTrial& t : study.Trials()) pids.insert(t.worker.pid);
  EXPECT_GE(pids.size(), 2u) << "every trial ran in one process";

  const CliResult memory =
      RunCli({"run", config, "--storage", "memory", "--workers", "2"}, dir_.path().string());
  EXPECT_EQ(memory.code, 2);
  EXPECT_THAT(memory.err, HasSubstr("in-memory storage cannot be shared"));
}

// `automl` runs command objectives without LibTorch in the process (cli/torch_backend.h): its
// objective looks at its parent's mappings. (Where automl is built with LibTorch, training
// commands run in automl-torch; their own tests go through `automl` and so through the hand-over.)
TEST_F(RunCommandTest, CommandObjectivesRunWithoutLibTorchLoaded) {
  // The value: how often "libtorch" occurs in the mappings of the objective's parent, automl.
  const std::string config =
      Write("t.yaml",
            "study: t\ntrials: 1\nspace:\n  x: {type: float, low: 0, high: 1}\n"
            "objective:\n  command: [sh, -c, 'exec " AUTOML_TEST_OBJECTIVE
            " count \"$(grep -o libtorch /proc/$PPID/maps | tr -d \"\\n\")\" libtorch']\n");
  const CliResult run = Run(config);
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(Load("t").GetTrial(0).values, std::vector<double>{0});
}

// A sampler only automl-torch registers (reinforce) sends the run there; a name neither knows
// is still one line naming the known ones.
TEST_F(RunCommandTest, ARunWithATorchSamplerIsHandedToAutomlTorch) {
  if (!std::filesystem::exists(std::filesystem::path(AUTOML_CLI).parent_path() / "automl-torch")) {
    GTEST_SKIP() << "built without LibTorch: no automl-torch";
  }
  std::string discrete =
      Config("r", 2, R"("branin", "{x}", "{y}")") + "sampler: {name: reinforce}\n";
  for (const char* bounds : {"low: -5, high: 10", "low: 0, high: 15"}) {
    discrete.replace(discrete.find(bounds), std::string(bounds).size(),
                     std::string(bounds) + ", step: 1");  // the controller's choices are discrete
  }
  const CliResult run = Run(Write("r.yaml", discrete));
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(Load("r").Counts().complete, 2);
  const CliResult typo =
      Run(Write("t.yaml", Config("t", 2, R"("branin", "{x}", "{y}")") + "sampler: reinforc\n"));
  EXPECT_EQ(typo.code, 2);
  EXPECT_THAT(typo.err, HasSubstr("unknown sampler 'reinforc'"));
  EXPECT_THAT(typo.err, HasSubstr("reinforce"));
}

#ifdef AUTOML_WITH_POSTGRES
// Four workers on a PostgreSQL study while the server restarts (a fast shutdown cuts every
// session): they reconnect, finish, and together meet the target exactly.
TEST_F(RunCommandTest, PostgresWorkersReconnectAfterTheServerRestartsMidStudy) {
  PostgresTestServer server;
  if (!server.running()) AUTOML_SKIP_WITHOUT_POSTGRES(server.why_not());
  const std::string url = server.url();
  const std::string config = Write("pg.yaml", Config("pg", 48, R"("sleep", "0.1")"));
  std::vector<std::unique_ptr<exec::Subprocess>> workers;
  for (int i = 0; i < 4; ++i) {
    exec::SubprocessOptions options;
    options.argv = {AUTOML_CLI, "worker", config, "--storage", url, "--progress", "quiet"};
    options.working_directory = dir_.path().string();
    options.stderr_tail_bytes = 1 << 16;
    workers.push_back(std::make_unique<exec::Subprocess>(options));
  }
  const std::shared_ptr<Storage> storage = OpenStorage(url);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (;;) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the study never got going";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto study = storage->FindStudy("pg");
    if (study && storage->CountTrials(study->id).complete >= 8) break;
  }
  ASSERT_TRUE(server.Restart());
  const int64_t study_id = storage->FindStudy("pg")->id;
  EXPECT_LT(storage->CountTrials(study_id).complete, 48) << "the restart came after the study";

  for (const auto& worker : workers) {
    const exec::ExitStatus status = worker->Finish([](std::string_view) {});
    EXPECT_TRUE(status.success()) << status.Describe() << "\n" << worker->stderr_tail();
  }
  const Study study = Study::Load(storage, "pg");
  EXPECT_EQ(study.Counts().complete, 48);
  EXPECT_EQ(study.Counts().total(), 48);
  EXPECT_TRUE(NumbersAreUnique(study.Trials()));
  std::set<int64_t> pids;
  for (const FrozenTrial& t : study.Trials()) pids.insert(t.worker.pid);
  EXPECT_GE(pids.size(), 2u);
}
#endif

}  // namespace
}  // namespace automl::testing
