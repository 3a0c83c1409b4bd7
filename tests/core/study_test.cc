#include "automl/study.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "automl/error.h"
#include "automl/samplers/grid_sampler.h"
#include "automl/samplers/random_sampler.h"
#include "automl/storages/in_memory_storage.h"
#include "automl/storages/sqlite_storage.h"
#include "automl/worker.h"
#include "testing/temp_dir.h"

namespace automl {
namespace {

using ::testing::HasSubstr;

StudyOptions Options(const std::string& name = "s", uint64_t seed = 1) {
  StudyOptions o;
  o.name = name;
  o.seed = seed;
  o.space = SearchSpace({ParamSpec::Float("x", -5, 10), ParamSpec::Int("n", 1, 8),
                         ParamSpec::Categorical("opt", {"sgd", "adam"}),
                         ParamSpec::Float("m", 0.8, 0.99).When("opt", {"sgd"})});
  return o;
}

double Objective(const Trial& t) {
  return std::pow(t.Float("x") - 2, 2) + static_cast<double>(t.Int("n"));
}

TEST(StudyTest, AskGivesValidParametersAndTellRecords) {
  Study study = Study::CreateOrLoad(OpenStorage("memory"), Options());
  for (int64_t i = 0; i < 20; ++i) {
    Trial t = study.Ask();
    EXPECT_EQ(t.number(), i);
    EXPECT_NO_THROW(study.space().CheckParams(t.params()));
    EXPECT_EQ(t.Has("m"), t.String("opt") == "sgd");
    EXPECT_EQ(study.Tell(t, Objective(t)), TrialState::kComplete);
    EXPECT_TRUE(t.finished());
  }
  const auto trials = study.Trials();
  ASSERT_EQ(trials.size(), 20u);
  EXPECT_EQ(study.Counts().complete, 20);
  for (const FrozenTrial& t : trials) EXPECT_EQ(t.state, TrialState::kComplete);
}

TEST(StudyTest, TellRefusesOrFailsBadValues) {
  StudyOptions two = Options();
  two.directions = {Direction::kMinimize, Direction::kMaximize};
  Study study = Study::CreateOrLoad(OpenStorage("memory"), two);
  Trial a = study.Ask();
  EXPECT_EQ(study.Tell(a, std::vector<double>{1.0}), TrialState::kFailed);
  EXPECT_EQ(study.GetTrial(a.number()).reason,
            "the objective gave 1 value; the study has 2 objectives");
  EXPECT_THROW(study.Tell(a, std::vector<double>{1.0, 2.0}), FailedPrecondition);  // told twice
  Trial b = study.Ask();
  EXPECT_EQ(study.Tell(b, {1.0, std::numeric_limits<double>::quiet_NaN()}), TrialState::kFailed);
  EXPECT_EQ(study.GetTrial(b.number()).reason, "the objective value is nan");
  Trial c = study.Ask();
  EXPECT_EQ(study.Tell(c, {1.0, -std::numeric_limits<double>::infinity()}), TrialState::kFailed);
  Trial d = study.Ask();
  EXPECT_THROW(study.Tell(d, TrialState::kComplete), InvalidArgument);
  EXPECT_EQ(study.Tell(d, TrialState::kPruned, "pruned at step 4"), TrialState::kPruned);
  EXPECT_EQ(study.GetTrial(d.number()).reason, "pruned at step 4");
  Trial e = study.Ask();
  EXPECT_EQ(study.Tell(e, {1.0, 2.0}), TrialState::kComplete);
  EXPECT_EQ(study.GetTrial(e.number()).values, (std::vector<double>{1.0, 2.0}));

  Study other = Study::CreateOrLoad(OpenStorage("memory"), Options("other"));
  Trial f = other.Ask();
  EXPECT_THROW(study.Tell(f, {1.0, 2.0}), InvalidArgument);
}

TEST(StudyTest, ReportsAndParameterAccess) {
  Study study = Study::CreateOrLoad(OpenStorage("memory"), Options());
  Trial t = study.Ask();
  t.Report(0, 3.0);
  t.Report(1, 2.0);
  t.Report(1, 9.0);  // kept: the first
  EXPECT_THROW(t.Report(-1, 1.0), InvalidArgument);
  EXPECT_THROW(t.Report(2, std::vector<double>{1.0, 2.0}), InvalidArgument);
  EXPECT_FALSE(t.ShouldPrune());
  EXPECT_EQ(t.record().intermediate.at(1), std::vector<double>{2.0});
  EXPECT_THROW(t.Float("nope"), NotFound);
  EXPECT_THROW(t.String("x"), InvalidArgument);
  if (!t.Has("m")) {
    try {
      t.Float("m");
      FAIL();
    } catch (const NotFound& e) {
      EXPECT_THAT(e.what(), HasSubstr("inactive in this trial"));
    }
  }
  t.SetUserAttr("note", "hello");
  study.Tell(t, 1.0);
  EXPECT_THROW(t.Report(5, 1.0), FailedPrecondition);
  const FrozenTrial r = study.GetTrial(t.number());
  EXPECT_EQ(r.intermediate.size(), 2u);
  EXPECT_EQ(r.intermediate.at(1), std::vector<double>{2.0});
  EXPECT_EQ(r.user_attrs.at("note"), "hello");
  study.SetUserAttr("purpose", "test");
  EXPECT_EQ(study.Record().user_attrs.at("purpose"), "test");
}

TEST(StudyTest, EnqueuedParametersAreUsedAndCompleted) {
  Study study = Study::CreateOrLoad(OpenStorage("memory"), Options());
  EXPECT_EQ(study.Enqueue({{"x", 1}, {"n", 3}, {"opt", "adam"}}), 0);
  EXPECT_EQ(study.Enqueue({{"opt", "sgd"}}, Json{{"source", "paper"}}), 1);
  EXPECT_THROW(study.Enqueue({{"x", 11.0}}), InvalidArgument);
  EXPECT_THROW(study.Enqueue({{"opt", "adam"}, {"m", 0.9}}), InvalidArgument);
  EXPECT_THROW(study.Enqueue({{"zzz", 1}}), InvalidArgument);

  Trial a = study.Ask();
  EXPECT_EQ(a.params(), (ParamMap{{"x", 1.0}, {"n", 3}, {"opt", "adam"}}));
  EXPECT_TRUE(a.Param("x").is_float()) << "an int given for a float is stored as a float";
  Trial b = study.Ask();
  EXPECT_EQ(b.String("opt"), "sgd");
  EXPECT_TRUE(b.Has("x") && b.Has("n") && b.Has("m"));
  EXPECT_EQ(b.record().user_attrs.at("source"), "paper");
  EXPECT_NO_THROW(study.space().CheckParams(b.params()));
  Trial c = study.Ask();
  EXPECT_EQ(c.number(), 2);
  EXPECT_EQ(study.GetTrial(b.number()).params, b.params()) << "completed parameters are stored";
}

TEST(StudyTest, BestTrialAndParetoFront) {
  StudyOptions max = Options();
  max.directions = {Direction::kMaximize};
  Study study = Study::CreateOrLoad(OpenStorage("memory"), max);
  EXPECT_FALSE(study.BestTrial().has_value());
  for (double v : {1.0, 5.0, 3.0, 5.0}) {
    Trial t = study.Ask();
    study.Tell(t, v);
  }
  Trial failed = study.Ask();
  study.Tell(failed, TrialState::kFailed, "x");
  EXPECT_EQ(study.BestTrial()->number, 1);  // ties: the first

  StudyOptions two = Options("two");
  two.directions = {Direction::kMinimize, Direction::kMaximize};
  Study multi = Study::CreateOrLoad(OpenStorage("memory"), two);
  // (cost, accuracy): #1 dominates #0; #2 and #3 trade off; #4 equals #3.
  const std::vector<std::vector<double>> values = {
      {3, 0.5}, {2, 0.6}, {1, 0.4}, {4, 0.9}, {4, 0.9}};
  for (const auto& v : values) {
    Trial t = multi.Ask();
    multi.Tell(t, v);
  }
  std::vector<int64_t> front;
  for (const FrozenTrial& t : multi.ParetoFront()) front.push_back(t.number);
  EXPECT_EQ(front, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_THROW(multi.BestTrial(), FailedPrecondition);
}

TEST(StudyTest, ReopeningChecksTheDefinitionAndContinues) {
  auto storage = OpenStorage("memory");
  {
    Study study = Study::CreateOrLoad(storage, Options());
    Trial t = study.Ask();
    study.Tell(t, 1.0);
  }
  Study again = Study::CreateOrLoad(storage, Options());
  EXPECT_EQ(again.Ask().number(), 1);
  StudyOptions changed = Options();
  changed.space = SearchSpace({ParamSpec::Float("x", -5, 11)});
  EXPECT_THAT([&] { Study::CreateOrLoad(storage, changed); },
              ::testing::ThrowsMessage<InvalidArgument>(HasSubstr("another search space")));
  EXPECT_THROW(Study::CreateOrLoad(storage, Options("s", 2)), InvalidArgument);
  StudyOptions directions = Options();
  directions.directions = {Direction::kMaximize};
  EXPECT_THROW(Study::CreateOrLoad(storage, directions), InvalidArgument);
  EXPECT_THROW(Study::Load(storage, "missing"), NotFound);
  EXPECT_EQ(Study::Load(storage, "s").Counts().running, 1);
  StudyOptions unnamed = Options("");
  EXPECT_THROW(Study::CreateOrLoad(storage, unnamed), InvalidArgument);
}

TEST(StudyTest, OptimizeMeetsTheTargetExactlyAcrossCalls) {
  Study study = Study::CreateOrLoad(OpenStorage("memory"), Options());
  OptimizeOptions o;
  o.target_trials = 10;
  OptimizeSummary s = study.Optimize([](Trial& t) { return Objective(t); }, o);
  EXPECT_EQ(s.stop.kind, StopReason::Kind::kTargetReached);
  EXPECT_EQ(s.complete, 10);
  EXPECT_TRUE(s.success());
  ASSERT_TRUE(s.best.has_value());
  EXPECT_THAT(s.BriefReport(), HasSubstr("target of 10 finished trials reached; 10 trials run"));
  EXPECT_THAT(s.FullReport(), HasSubstr("Best parameters:"));
  // The target counts the study's trials, not this call's.
  s = study.Optimize([](Trial& t) { return Objective(t); }, o);
  EXPECT_EQ(s.trials_run(), 0);
  o.target_trials = 15;
  s = study.Optimize([](Trial& t) { return Objective(t); }, o);
  EXPECT_EQ(s.complete, 5);
  EXPECT_EQ(study.Counts().complete, 15);
}

TEST(StudyTest, OptimizeRecordsExceptionsPrunesAndFailures) {
  Study study = Study::CreateOrLoad(OpenStorage("memory"), Options());
  OptimizeOptions o;
  o.target_trials = 6;
  int calls = 0;
  const OptimizeSummary s = study.Optimize(
      [&](Trial& t) -> double {
        ++calls;
        if (t.number() % 3 == 0) throw TrialPruned("pruned by test");
        if (t.number() % 3 == 1) throw std::runtime_error("bad batch");
        return 1.0;
      },
      o);
  // Failed trials do not count: 6 finished needs 3 failed on the way (max_failures 10).
  EXPECT_EQ(s.complete + s.pruned, 6);
  EXPECT_EQ(s.failed, 3);
  EXPECT_EQ(calls, 9);
  const FrozenTrial pruned = study.GetTrial(0);
  EXPECT_EQ(pruned.state, TrialState::kPruned);
  EXPECT_EQ(pruned.reason, "pruned by test");
  EXPECT_EQ(study.GetTrial(1).reason, "bad batch");
}

TEST(StudyTest, OptimizeStopsAfterMaxFailures) {
  Study study = Study::CreateOrLoad(OpenStorage("memory"), Options());
  OptimizeOptions o;
  o.target_trials = 100;
  o.max_failures = 4;
  const OptimizeSummary s =
      study.Optimize([](Trial&) -> double { throw std::runtime_error("always"); }, o);
  EXPECT_EQ(s.stop.kind, StopReason::Kind::kFailures);
  EXPECT_FALSE(s.success());
  EXPECT_EQ(s.failed, 4);
  EXPECT_THAT(s.stop.message, HasSubstr("4 trials failed (max_failures: 4); the last: always"));
}

TEST(StudyTest, OptimizeStopsWhenTheBestStallsOverTheWholeStudy) {
  Study study = Study::CreateOrLoad(OpenStorage("memory"), Options());
  OptimizeOptions o;
  o.target_trials = 100;
  o.stop_after = 5;
  // Improves for 4 trials, then never again.
  const OptimizeSummary s = study.Optimize(
      [](Trial& t) { return t.number() < 4 ? -static_cast<double>(t.number()) : 10.0; }, o);
  EXPECT_EQ(s.stop.kind, StopReason::Kind::kNoImprovement);
  EXPECT_EQ(study.Counts().complete, 9);  // best at #3, then 5 without improvement
  // A new run sees the history: it stops at once.
  EXPECT_EQ(study.Optimize([](Trial&) { return 10.0; }, o).trials_run(), 0);
}

TEST(StudyTest, OptimizeHonoursTimeoutAndStopFlag) {
  Study study = Study::CreateOrLoad(OpenStorage("memory"), Options());
  OptimizeOptions o;
  o.timeout_seconds = 0.2;
  const OptimizeSummary s = study.Optimize(
      [](Trial&) {
        usleep(20000);
        return 1.0;
      },
      o);
  EXPECT_EQ(s.stop.kind, StopReason::Kind::kTimeout);
  EXPECT_GE(s.complete, 3);
  EXPECT_LE(s.seconds, 1.0);

  std::atomic<bool> stop{false};
  OptimizeOptions f;
  f.stop_flag = &stop;
  const OptimizeSummary interrupted = study.Optimize(
      [&](Trial& t) {
        if (t.number() > s.complete + 2) stop = true;
        return 1.0;
      },
      f);
  EXPECT_EQ(interrupted.stop.kind, StopReason::Kind::kInterrupted);
  EXPECT_FALSE(interrupted.success());
}

TEST(StudyTest, OptimizeStopsWhenTheGridIsExhausted) {
  StudyOptions o = Options();
  o.space = SearchSpace({ParamSpec::Categorical("a", {1, 2, 3}), ParamSpec::Int("b", 0, 1)});
  Study study =
      Study::CreateOrLoad(OpenStorage("memory"), o, std::make_unique<GridSampler>(o.space, 0));
  OptimizeOptions opt;
  opt.target_trials = 100;
  const OptimizeSummary s = study.Optimize([](Trial& t) { return t.Float("a"); }, opt);
  EXPECT_EQ(s.stop.kind, StopReason::Kind::kExhausted);
  EXPECT_TRUE(s.success());
  EXPECT_EQ(s.complete, 6);
  std::set<std::string> seen;
  for (const FrozenTrial& t : study.Trials()) seen.insert(ParamsToJson(t.params).dump());
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_THROW(study.Ask(), Exhausted);
}

TEST(StudyTest, MultiObjectiveOptimize) {
  StudyOptions o = Options();
  o.directions = {Direction::kMinimize, Direction::kMinimize};
  Study study = Study::CreateOrLoad(OpenStorage("memory"), o);
  OptimizeOptions opt;
  opt.target_trials = 20;
  const OptimizeSummary s = study.Optimize(
      [](Trial& t) {
        const double x = t.Float("x");
        return std::vector<double>{x * x, (x - 2) * (x - 2)};
      },
      opt);
  EXPECT_EQ(s.complete, 20);
  EXPECT_GT(s.pareto_front_size, 0);
  EXPECT_FALSE(s.best.has_value());
  EXPECT_THAT(s.BriefReport(), HasSubstr("Pareto front of"));
}

// Forwards to an in-memory storage, counting SetTrialParams: each is a durable commit on SQLite.
class CountingStorage : public InMemoryStorage {
 public:
  void SetTrialParams(int64_t trial_id, const ParamMap& params) override {
    ++param_writes;
    InMemoryStorage::SetTrialParams(trial_id, params);
  }
  int param_writes = 0;
};

TEST(StudyTest, ALoneProcessSamplesAheadAndSavesACommitPerTrial) {
  auto counting = std::make_shared<CountingStorage>();
  Study study = Study::CreateOrLoad(counting, Options());
  std::vector<ParamMap> sequence;
  for (int i = 0; i < 20; ++i) {
    Trial t = study.Ask();
    sequence.push_back(t.params());
    study.Tell(t, 1.0);
  }
  EXPECT_EQ(counting->param_writes, 1) << "only the first ask cannot predict its trial";
  // The same suggestions as a study that samples after every claim.
  Study other = Study::CreateOrLoad(OpenStorage("memory"), Options());
  for (int i = 0; i < 20; ++i) {
    Trial t = other.Ask();
    EXPECT_EQ(t.params(), sequence[static_cast<size_t>(i)]) << i;
    other.Tell(t, 1.0);
  }
  // An enqueued trial breaks the prediction once; stored parameters are those asked.
  study.Enqueue({{"x", 1.5}});
  for (int i = 0; i < 3; ++i) {
    Trial t = study.Ask();
    EXPECT_EQ(study.GetTrial(t.number()).params, t.params());
    study.Tell(t, 1.0);
  }
  EXPECT_EQ(counting->param_writes, 3) << "the enqueued trial and the one after it";
}

// A sampler that must see the claimed trial (it writes to it while sampling), as `econas` does.
class ClaimedOnlySampler : public RandomSampler {
 public:
  explicit ClaimedOnlySampler(uint64_t seed) : RandomSampler(seed) {}
  bool MaySampleAhead() const override { return false; }
  std::vector<std::string> RelativeParams(const Study& study,
                                          const FrozenTrial& trial) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    seen_ids_.push_back(trial.id);
    if (trial.id >= 0) study.storage().SetTrialSystemAttr(trial.id, "note", trial.number);
    return {};
  }
  std::vector<int64_t> seen_ids() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_ids_;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::vector<int64_t> seen_ids_;
};

// A sampler that may not sample ahead is only ever given claimed trials (one parameter commit per
// trial), suggests what it would anyway, and what it writes while sampling comes with the Trial.
TEST(StudyTest, ASamplerThatMayNotSampleAheadSeesOnlyClaimedTrials) {
  auto counting = std::make_shared<CountingStorage>();
  auto sampler = std::make_unique<ClaimedOnlySampler>(1);
  const ClaimedOnlySampler* claimed_only = sampler.get();
  Study study = Study::CreateOrLoad(counting, Options(), std::move(sampler));
  Study ahead = Study::CreateOrLoad(OpenStorage("memory"), Options());
  for (int i = 0; i < 20; ++i) {
    Trial t = study.Ask();
    EXPECT_EQ(t.record().system_attrs.value("note", Json()), Json(t.number()));
    Trial a = ahead.Ask();
    EXPECT_EQ(t.params(), a.params()) << i;
    study.Tell(t, 1.0);
    ahead.Tell(a, 1.0);
  }
  EXPECT_EQ(counting->param_writes, 20);
  const std::vector<int64_t> ids = claimed_only->seen_ids();
  EXPECT_EQ(ids.size(), 20u);
  for (int64_t id : ids) EXPECT_GE(id, 0);
}

// A trial whose process died is failed and re-run; a live process's trial is left alone.
TEST(StudyTest, FailLostTrialsJudgesProcessesOnThisHost) {
  testing::TempDir dir;
  const std::string url = dir.File("s.db");
  StudyOptions o = Options();
  o.max_retries = 1;
  Study study = Study::CreateOrLoad(OpenStorage(url), o);
  // A child process claims a trial and dies without telling.
  auto claim_in_child = [&](bool stay_alive) {
    int ready[2];
    EXPECT_EQ(pipe(ready), 0);
    const pid_t pid = fork();
    if (pid == 0) {
      Study child = Study::Load(OpenStorage(url), "s");
      child.Ask();
      char byte = 1;
      ssize_t ignored = write(ready[1], &byte, 1);
      (void)ignored;
      if (stay_alive) pause();
      _exit(0);
    }
    char byte = 0;
    EXPECT_EQ(read(ready[0], &byte, 1), 1);
    close(ready[0]);
    close(ready[1]);
    return pid;
  };
  const pid_t dead = claim_in_child(false);
  waitpid(dead, nullptr, 0);
  const pid_t alive = claim_in_child(true);

  EXPECT_EQ(study.FailLostTrials(), 1);
  const FrozenTrial lost = study.GetTrial(0);
  EXPECT_EQ(lost.state, TrialState::kFailed);
  EXPECT_THAT(lost.reason, HasSubstr("worker lost: process " + std::to_string(dead)));
  EXPECT_THAT(lost.reason, HasSubstr("(re-queued)"));
  EXPECT_EQ(study.GetTrial(1).state, TrialState::kRunning);  // the live one
  const FrozenTrial retry = study.GetTrial(2);
  EXPECT_EQ(retry.state, TrialState::kWaiting);
  EXPECT_EQ(retry.retry_of, 0);
  EXPECT_EQ(retry.params, lost.params);

  // The re-run dies too: with max_retries 1 it is not queued again.
  const pid_t dead_again = claim_in_child(false);
  waitpid(dead_again, nullptr, 0);
  EXPECT_EQ(study.FailLostTrials(), 1);
  EXPECT_EQ(study.GetTrial(2).state, TrialState::kFailed);
  EXPECT_EQ(study.Counts().waiting, 0);
  EXPECT_THAT(study.GetTrial(2).reason, ::testing::Not(HasSubstr("re-queued")));

  kill(alive, SIGKILL);
  waitpid(alive, nullptr, 0);
  EXPECT_EQ(study.FailLostTrials(), 1);
  EXPECT_EQ(study.GetTrial(1).state, TrialState::kFailed);
}

// A trial on another host whose heartbeat stopped is lost after heartbeat_timeout, on any host:
// failed with the reason and re-run.
TEST(StudyTest, ATrialWithoutHeartbeatsIsLostAfterTheTimeout) {
  auto storage = std::make_shared<InMemoryStorage>();
  StudyOptions o = Options();
  o.heartbeat_timeout = 0.3;
  Study study = Study::CreateOrLoad(storage, o);
  ClaimRequest request;
  request.worker = {"elsewhere.example", 4242, "another machine"};
  const FrozenTrial remote = storage->ClaimTrial(study.id(), request).trial;
  storage->SetTrialParams(remote.id, {{"x", 0.5}, {"n", int64_t{2}}, {"opt", "adam"}});
  EXPECT_EQ(study.FailLostTrials(), 0) << "its heartbeat is fresh";
  std::this_thread::sleep_for(std::chrono::milliseconds(450));
  EXPECT_EQ(study.FailLostTrials(), 1);
  const FrozenTrial lost = study.GetTrial(remote.number);
  EXPECT_EQ(lost.state, TrialState::kFailed);
  EXPECT_THAT(lost.reason, HasSubstr("worker lost: no heartbeat from process 4242 on "
                                     "elsewhere.example"));
  EXPECT_THAT(lost.reason, HasSubstr("(re-queued)"));
  const auto waiting = study.Trials({TrialState::kWaiting});
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].retry_of, remote.number);
}

// The trials a process asks for are beaten for until they are told; a beating trial is never
// taken for lost.
TEST(StudyTest, AskedTrialsAreBeatenUntilTold) {
  auto storage = std::make_shared<InMemoryStorage>();
  StudyOptions o = Options();
  o.heartbeat_timeout = 0.2;  // a beat every 0.05 s
  Study study = Study::CreateOrLoad(storage, o);
  Trial trial = study.Ask();
  const double started = *storage->GetTrial(trial.id()).started;
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const double beat = *storage->GetTrial(trial.id()).heartbeat;
  EXPECT_GT(beat, started + 0.25) << "no beat in 0.4 s";
  study.Tell(trial, 1.0);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  const double last = *storage->GetTrial(trial.id()).heartbeat;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(*storage->GetTrial(trial.id()).heartbeat, last) << "beats after the trial ended";
  o.heartbeat_timeout = 0;
  std::string error;
  EXPECT_FALSE(o.IsValid(&error));
  EXPECT_THAT(error, HasSubstr("heartbeat_timeout"));
}

}  // namespace
}  // namespace automl
