// The storage conformance suite: the contract of automl::Storage (include/automl/storage.h),
// which every storage must pass, in the spirit of Optuna's testing/pytest_storages.py.
//
// A storage test instantiates it with a factory type:
//   struct MyFactory {
//     std::shared_ptr<automl::Storage> Make();   // a fresh, empty storage, or nullptr (with the
//   };                                           // reason printed) where none can be had
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, StorageConformanceTest, MyFactory);
#ifndef AUTOML_TESTS_TESTING_STORAGE_CONFORMANCE_H_
#define AUTOML_TESTS_TESTING_STORAGE_CONFORMANCE_H_

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <set>
#include <thread>

#include "automl/error.h"
#include "automl/storage.h"
#include "automl/worker.h"

namespace automl::testing {

inline StudyRecord MakeStudyRecord(const std::string& name, uint64_t seed = 3) {
  StudyRecord study;
  study.name = name;
  study.directions = {Direction::kMinimize};
  study.space = SearchSpace({ParamSpec::Float("x", -1, 1), ParamSpec::Int("n", 1, 4),
                             ParamSpec::Categorical("opt", {"sgd", "adam"})});
  study.seed = seed;
  study.config = Json{{"study", name}, {"note", "ünïcode ✓"}};
  study.user_attrs = Json{{"owner", "tests"}};
  return study;
}

inline ClaimRequest Claim(std::optional<int64_t> target = std::nullopt,
                          std::optional<int64_t> capacity = std::nullopt) {
  ClaimRequest request;
  request.target = target;
  request.capacity = capacity;
  request.worker = CurrentWorker();
  return request;
}

template <typename Factory>
class StorageConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = factory_.Make();
    // A factory whose storage is not available here (no database server) says why and gives
    // none; the test is then skipped, or failed where the factory added a failure.
    if (!storage_) GTEST_SKIP() << "storage not available here (the reason is printed above)";
    study_ = storage_->CreateStudy(MakeStudyRecord("study"));
  }

  // A RUNNING trial with parameters set.
  FrozenTrial Running(ParamMap params = {{"x", 0.5}, {"n", int64_t{2}}, {"opt", "sgd"}}) {
    ClaimResult claim = storage_->ClaimTrial(study_, Claim());
    EXPECT_EQ(claim.status, ClaimStatus::kClaimed);
    storage_->SetTrialParams(claim.trial.id, params);
    return storage_->GetTrial(claim.trial.id);
  }

  Factory factory_;
  std::shared_ptr<Storage> storage_;
  int64_t study_ = -1;
};

TYPED_TEST_SUITE_P(StorageConformanceTest);

TYPED_TEST_P(StorageConformanceTest, StudiesAreCreatedFoundAndListed) {
  Storage& s = *this->storage_;
  const StudyRecord stored = s.GetStudy(this->study_);
  EXPECT_EQ(stored.name, "study");
  EXPECT_EQ(stored.seed, 3u);
  EXPECT_EQ(stored.space, MakeStudyRecord("study").space);
  EXPECT_EQ(stored.config, MakeStudyRecord("study").config);
  EXPECT_EQ(stored.user_attrs.at("owner"), "tests");
  EXPECT_GT(stored.created, 1.6e9);

  const int64_t other = s.CreateStudy(MakeStudyRecord("other"));
  EXPECT_NE(other, this->study_);
  EXPECT_EQ(s.FindStudy("other")->id, other);
  EXPECT_FALSE(s.FindStudy("missing").has_value());
  std::set<std::string> names;
  for (const StudyRecord& r : s.ListStudies()) names.insert(r.name);
  EXPECT_EQ(names, (std::set<std::string>{"study", "other"}));
  EXPECT_THROW(s.CreateStudy(MakeStudyRecord("study")), AlreadyExists);
  EXPECT_THROW(s.GetStudy(987654), NotFound);
}

TYPED_TEST_P(StorageConformanceTest, StudyAttributesRoundTrip) {
  Storage& s = *this->storage_;
  s.SetStudyUserAttr(this->study_, "note", Json{{"a", 1}, {"b", {1, 2}}});
  s.SetStudySystemAttr(this->study_, "environment", Json{{"cpu", "x"}});
  s.SetStudyUserAttr(this->study_, "note2", "text");
  const StudyRecord r = s.GetStudy(this->study_);
  EXPECT_EQ(r.user_attrs.at("note"), (Json{{"a", 1}, {"b", {1, 2}}}));
  EXPECT_EQ(r.user_attrs.at("note2"), "text");
  EXPECT_EQ(r.user_attrs.at("owner"), "tests");
  EXPECT_EQ(r.system_attrs.at("environment").at("cpu"), "x");
}

TYPED_TEST_P(StorageConformanceTest, ClaimsNumberTrialsInOrderWithDerivedSeeds) {
  Storage& s = *this->storage_;
  std::set<uint64_t> seeds;
  for (int64_t i = 0; i < 5; ++i) {
    const ClaimResult c = s.ClaimTrial(this->study_, Claim());
    ASSERT_EQ(c.status, ClaimStatus::kClaimed);
    EXPECT_EQ(c.trial.number, i);
    EXPECT_EQ(c.trial.sample_index, i);
    EXPECT_EQ(c.trial.state, TrialState::kRunning);
    EXPECT_FALSE(c.trial.has_params);
    EXPECT_EQ(c.trial.worker.token, CurrentWorker().token);
    EXPECT_TRUE(c.trial.started.has_value());
    EXPECT_EQ(c.counts.running, i + 1);
    EXPECT_EQ(s.GetTrial(c.trial.id).seed, c.trial.seed);
    seeds.insert(c.trial.seed);
  }
  EXPECT_EQ(seeds.size(), 5u);
  // Seeds depend on the study seed and the number only: a second study with the same seed
  // gives its trials the same seeds.
  const int64_t twin = s.CreateStudy(MakeStudyRecord("twin"));
  EXPECT_EQ(s.ClaimTrial(twin, Claim()).trial.seed, s.GetTrialByNumber(this->study_, 0).seed);
}

TYPED_TEST_P(StorageConformanceTest, ParametersOfEveryTypeRoundTripExactly) {
  Storage& s = *this->storage_;
  const ParamMap params = {{"f", 0.1 + 0.2},
                           {"tiny", 4.9406564584124654e-324},
                           {"i", int64_t{-9007199254740993}},
                           {"b", true},
                           {"s", "naïve \"quoted\" \\ text"}};
  const FrozenTrial t = this->Running(params);
  EXPECT_TRUE(t.has_params);
  EXPECT_EQ(t.params, params);
  EXPECT_TRUE(t.params.at("i").is_int());
  EXPECT_TRUE(t.params.at("f").is_float());
  EXPECT_EQ(s.GetTrials(this->study_, StateMask::All()).front().params, params);
}

TYPED_TEST_P(StorageConformanceTest, EnqueuedTrialsAreClaimedFirstInOrder) {
  Storage& s = *this->storage_;
  const ParamMap a = {{"x", 0.25}};
  const ParamMap b = {{"x", -0.5}, {"opt", "adam"}};
  EXPECT_EQ(s.EnqueueTrial(this->study_, a, Json{{"why", "warm start"}}, std::nullopt), 0);
  EXPECT_EQ(s.EnqueueTrial(this->study_, b, Json::object(), std::nullopt), 1);
  EXPECT_EQ(s.CountTrials(this->study_).waiting, 2);
  EXPECT_EQ(s.GetTrialByNumber(this->study_, 0).state, TrialState::kWaiting);

  const ClaimResult first = s.ClaimTrial(this->study_, Claim());
  EXPECT_EQ(first.trial.number, 0);
  EXPECT_EQ(first.trial.params, a);
  EXPECT_TRUE(first.trial.has_params);
  EXPECT_FALSE(first.trial.sample_index.has_value());
  EXPECT_EQ(first.trial.user_attrs.at("why"), "warm start");
  EXPECT_EQ(first.trial.state, TrialState::kRunning);
  EXPECT_EQ(s.ClaimTrial(this->study_, Claim()).trial.params, b);
  // Then fresh trials; sample indexes count only sampled trials.
  const ClaimResult fresh = s.ClaimTrial(this->study_, Claim());
  EXPECT_EQ(fresh.trial.number, 2);
  EXPECT_EQ(fresh.trial.sample_index, 0);
  EXPECT_EQ(s.CountTrials(this->study_).waiting, 0);
}

TYPED_TEST_P(StorageConformanceTest, ClaimHonoursTheTargetCountingRunningAndFinished) {
  Storage& s = *this->storage_;
  const int64_t a = s.ClaimTrial(this->study_, Claim(3)).trial.id;
  const int64_t b = s.ClaimTrial(this->study_, Claim(3)).trial.id;
  s.FinishTrial(a, TrialState::kComplete, {1.0}, "");
  s.FinishTrial(b, TrialState::kFailed, {}, "boom");  // failures do not count
  EXPECT_EQ(s.ClaimTrial(this->study_, Claim(3)).status, ClaimStatus::kClaimed);
  const ClaimResult c = s.ClaimTrial(this->study_, Claim(3));
  EXPECT_EQ(c.status, ClaimStatus::kClaimed);
  const ClaimResult full = s.ClaimTrial(this->study_, Claim(3));
  EXPECT_EQ(full.status, ClaimStatus::kTargetReached);
  EXPECT_EQ(full.counts.complete, 1);
  EXPECT_EQ(full.counts.running, 2);
  EXPECT_EQ(full.counts.failed, 1);
  // An enqueued trial waits too when the target is reached.
  s.EnqueueTrial(this->study_, {}, Json::object(), std::nullopt);
  EXPECT_EQ(s.ClaimTrial(this->study_, Claim(3)).status, ClaimStatus::kTargetReached);
  s.FinishTrial(c.trial.id, TrialState::kPruned, {}, "pruned");
  EXPECT_EQ(s.ClaimTrial(this->study_, Claim(3)).status, ClaimStatus::kTargetReached);
  EXPECT_EQ(s.ClaimTrial(this->study_, Claim(4)).status, ClaimStatus::kClaimed);
}

TYPED_TEST_P(StorageConformanceTest, ClaimHonoursCapacityButStillHandsOutEnqueued) {
  Storage& s = *this->storage_;
  EXPECT_EQ(s.ClaimTrial(this->study_, Claim(std::nullopt, 2)).status, ClaimStatus::kClaimed);
  EXPECT_EQ(s.ClaimTrial(this->study_, Claim(std::nullopt, 2)).status, ClaimStatus::kClaimed);
  EXPECT_EQ(s.ClaimTrial(this->study_, Claim(std::nullopt, 2)).status, ClaimStatus::kExhausted);
  s.EnqueueTrial(this->study_, {{"x", 0.0}}, Json::object(), std::nullopt);
  EXPECT_EQ(s.ClaimTrial(this->study_, Claim(std::nullopt, 2)).status, ClaimStatus::kClaimed);
  EXPECT_EQ(s.ClaimTrial(this->study_, Claim(std::nullopt, 2)).status, ClaimStatus::kExhausted);
}

TYPED_TEST_P(StorageConformanceTest, SpeculatedParametersAreTakenOnlyForTheExpectedTrial) {
  Storage& s = *this->storage_;
  auto with = [](int64_t number, int64_t sample_index, double x) {
    ClaimRequest request = Claim();
    request.speculation = ClaimRequest::Speculation{number, sample_index, {{"x", x}}};
    return request;
  };
  const ClaimResult hit = s.ClaimTrial(this->study_, with(0, 0, 0.5));
  EXPECT_TRUE(hit.trial.has_params);
  EXPECT_EQ(hit.trial.params, (ParamMap{{"x", 0.5}}));
  EXPECT_EQ(s.GetTrial(hit.trial.id).params, (ParamMap{{"x", 0.5}}));
  EXPECT_TRUE(s.GetTrial(hit.trial.id).has_params);

  const ClaimResult wrong_number = s.ClaimTrial(this->study_, with(5, 1, 0.25));
  EXPECT_EQ(wrong_number.trial.number, 1);
  EXPECT_FALSE(wrong_number.trial.has_params);
  EXPECT_FALSE(s.GetTrial(wrong_number.trial.id).has_params);
  const ClaimResult wrong_index = s.ClaimTrial(this->study_, with(2, 7, 0.25));
  EXPECT_FALSE(wrong_index.trial.has_params);

  // An enqueued trial goes first and keeps its own parameters.
  s.EnqueueTrial(this->study_, {{"x", -0.5}}, Json::object(), std::nullopt);
  const ClaimResult queued = s.ClaimTrial(this->study_, with(4, 3, 0.25));
  EXPECT_EQ(queued.trial.number, 3);
  EXPECT_EQ(queued.trial.params, (ParamMap{{"x", -0.5}}));
  // Refused claims store nothing.
  EXPECT_EQ(s.ClaimTrial(this->study_,
                         [&] {
                           ClaimRequest r = with(4, 3, 0.75);
                           r.target = 1;
                           return r;
                         }())
                .status,
            ClaimStatus::kTargetReached);
  EXPECT_EQ(s.CountTrials(this->study_).total(), 4);
}

TYPED_TEST_P(StorageConformanceTest, FinishedTrialsAreReadOnly) {
  Storage& s = *this->storage_;
  const FrozenTrial t = this->Running();
  s.FinishTrial(t.id, TrialState::kComplete, {0.5}, "");
  EXPECT_THROW(s.FinishTrial(t.id, TrialState::kFailed, {}, "again"), FailedPrecondition);
  EXPECT_THROW(s.SetTrialParams(t.id, {{"x", 0.1}}), FailedPrecondition);
  EXPECT_THROW(s.ReportIntermediate(t.id, 9, {1.0}), FailedPrecondition);
  EXPECT_THROW(s.SetTrialUserAttr(t.id, "k", 1), FailedPrecondition);
  EXPECT_THROW(s.SetTrialSystemAttr(t.id, "k", 1), FailedPrecondition);
  EXPECT_THROW(s.SetTrialLog(t.id, {"out", "err"}), FailedPrecondition);
  EXPECT_THROW(s.Heartbeat(t.id), FailedPrecondition);
  EXPECT_FALSE(s.FailLostTrial(t.id, "lost", true));
  const FrozenTrial after = s.GetTrial(t.id);
  EXPECT_EQ(after.state, TrialState::kComplete);
  EXPECT_EQ(after.values, std::vector<double>{0.5});
  EXPECT_EQ(after.params, t.params);
  EXPECT_EQ(s.CountTrials(this->study_).complete, 1);
  EXPECT_THROW(s.FinishTrial(t.id, TrialState::kRunning, {}, ""), InvalidArgument);
}

TYPED_TEST_P(StorageConformanceTest, FinishRecordsStateValuesReasonAndTimes) {
  Storage& s = *this->storage_;
  const FrozenTrial a = this->Running();
  const FrozenTrial b = this->Running();
  const FrozenTrial c = this->Running();
  s.FinishTrial(b.id, TrialState::kFailed, {}, "exited with status 3");
  s.FinishTrial(a.id, TrialState::kComplete, {-1.25}, "");
  s.FinishTrial(c.id, TrialState::kPruned, {}, "pruned at step 2");
  const FrozenTrial fa = s.GetTrial(a.id);
  const FrozenTrial fb = s.GetTrial(b.id);
  const FrozenTrial fc = s.GetTrial(c.id);
  EXPECT_EQ(fa.values, std::vector<double>{-1.25});
  EXPECT_EQ(fb.state, TrialState::kFailed);
  EXPECT_EQ(fb.reason, "exited with status 3");
  EXPECT_TRUE(fb.values.empty());
  EXPECT_EQ(fc.reason, "pruned at step 2");
  ASSERT_TRUE(fa.finished && fa.started);
  EXPECT_GE(*fa.finished, *fa.started);
  // finish_seq follows the order of finishing, not of numbers.
  EXPECT_EQ(fb.finish_seq, 1);
  EXPECT_EQ(fa.finish_seq, 2);
  EXPECT_EQ(fc.finish_seq, 3);
  const auto after1 = s.GetTrialsFinishedAfter(this->study_, 1);
  ASSERT_EQ(after1.size(), 2u);
  EXPECT_EQ(after1[0].number, a.number);
  EXPECT_EQ(after1[1].number, c.number);
  EXPECT_TRUE(s.GetTrialsFinishedAfter(this->study_, 3).empty());
  const TrialCounts counts = s.CountTrials(this->study_);
  EXPECT_EQ(counts.complete, 1);
  EXPECT_EQ(counts.failed, 1);
  EXPECT_EQ(counts.pruned, 1);
  EXPECT_EQ(counts.running, 0);
}

TYPED_TEST_P(StorageConformanceTest, IntermediateValuesKeepTheFirstReportAndNonFiniteValues) {
  Storage& s = *this->storage_;
  const FrozenTrial t = this->Running();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(s.ReportIntermediate(t.id, 0, {0.9}));
  EXPECT_TRUE(s.ReportIntermediate(t.id, 5, {nan}));
  EXPECT_TRUE(s.ReportIntermediate(t.id, 2, {-inf}));
  EXPECT_FALSE(s.ReportIntermediate(t.id, 0, {0.1}));
  const FrozenTrial r = s.GetTrial(t.id);
  ASSERT_EQ(r.intermediate.size(), 3u);
  EXPECT_EQ(r.intermediate.at(0), std::vector<double>{0.9});
  EXPECT_TRUE(std::isnan(r.intermediate.at(5)[0]));
  EXPECT_EQ(r.intermediate.at(2)[0], -inf);
  EXPECT_EQ(r.LastIntermediate()->size(), 1u);
  s.FinishTrial(t.id, TrialState::kPruned, {}, "pruned");
  EXPECT_EQ(s.GetTrials(this->study_, StateMask::All()).front().intermediate.size(), 3u);
}

TYPED_TEST_P(StorageConformanceTest, TrialAttributesAndLogsRoundTrip) {
  Storage& s = *this->storage_;
  const FrozenTrial t = this->Running();
  s.SetTrialUserAttr(t.id, "epochs", 12);
  s.SetTrialSystemAttr(t.id, "command", Json::array({"python3", "train.py"}));
  s.SetTrialLog(t.id, {"line 1\nline 2\n", "Traceback...\n"});
  s.SetTrialLog(t.id, {"line 1\nline 2\nline 3\n", "Traceback...\nValueError\n"});
  s.Heartbeat(t.id);
  const FrozenTrial r = s.GetTrial(t.id);
  EXPECT_EQ(r.user_attrs.at("epochs"), 12);
  EXPECT_EQ(r.system_attrs.at("command"), Json::array({"python3", "train.py"}));
  EXPECT_TRUE(r.heartbeat.has_value());
  // Attributes come back exactly: keys in the order given (automl's JSON keeps it), and text a
  // JSON string may hold, NUL included.
  const Json ordered =
      Json::parse(R"({"zeta": {"y": 1, "b": [2, {"k": 3, "c": 4}]}, "alpha": "a\u0000b"})");
  s.SetTrialUserAttr(t.id, "nested", ordered);
  s.SetTrialUserAttr(t.id, "later", 1);
  const Json attrs = s.GetTrial(t.id).user_attrs;
  EXPECT_EQ(attrs.at("nested").dump(), ordered.dump());
  EXPECT_EQ(attrs.at("epochs"), 12);
  const TrialLog log = s.GetTrialLog(t.id);
  EXPECT_EQ(log.output, "line 1\nline 2\nline 3\n");
  EXPECT_EQ(log.error_tail, "Traceback...\nValueError\n");
  EXPECT_EQ(s.GetTrialLog(this->Running().id).output, "");
}

TYPED_TEST_P(StorageConformanceTest, GetTrialsFiltersByStateAndOrdersByNumber) {
  Storage& s = *this->storage_;
  std::vector<FrozenTrial> trials;
  for (int i = 0; i < 6; ++i) trials.push_back(this->Running({{"x", i * 0.1}}));
  // Finish out of order.
  for (int i : {4, 1, 5}) s.FinishTrial(trials[i].id, TrialState::kComplete, {1.0 * i}, "");
  s.FinishTrial(trials[0].id, TrialState::kFailed, {}, "x");
  s.EnqueueTrial(this->study_, {{"x", 0.9}}, Json::object(), std::nullopt);

  auto numbers = [&](StateMask mask) {
    std::vector<int64_t> out;
    for (const FrozenTrial& t : s.GetTrials(this->study_, mask)) out.push_back(t.number);
    return out;
  };
  EXPECT_EQ(numbers(StateMask::All()), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(numbers({TrialState::kComplete}), (std::vector<int64_t>{1, 4, 5}));
  EXPECT_EQ(numbers({TrialState::kRunning}), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(numbers({TrialState::kWaiting}), (std::vector<int64_t>{6}));
  EXPECT_EQ(numbers({TrialState::kFailed, TrialState::kWaiting}), (std::vector<int64_t>{0, 6}));
  // Reading again after more trials finish sees the new states (no stale cache).
  s.FinishTrial(trials[2].id, TrialState::kComplete, {2.0}, "");
  EXPECT_EQ(numbers({TrialState::kComplete}), (std::vector<int64_t>{1, 2, 4, 5}));
  EXPECT_EQ(s.GetTrialByNumber(this->study_, 2).values, std::vector<double>{2.0});
  EXPECT_THROW(s.GetTrialByNumber(this->study_, 99), NotFound);
  EXPECT_THROW(s.GetTrial(123456), NotFound);
}

TYPED_TEST_P(StorageConformanceTest, LostTrialsFailAndAreRequeuedWithTheirParameters) {
  Storage& s = *this->storage_;
  const FrozenTrial t = this->Running({{"x", 0.75}, {"n", int64_t{3}}, {"opt", "adam"}});
  s.SetTrialUserAttr(t.id, "tag", "a");
  EXPECT_TRUE(s.FailLostTrial(t.id, "worker lost", /*requeue=*/true));
  EXPECT_FALSE(s.FailLostTrial(t.id, "worker lost", true));  // only once
  const FrozenTrial failed = s.GetTrial(t.id);
  EXPECT_EQ(failed.state, TrialState::kFailed);
  EXPECT_EQ(failed.reason, "worker lost");
  const FrozenTrial retry = s.GetTrialByNumber(this->study_, t.number + 1);
  EXPECT_EQ(retry.state, TrialState::kWaiting);
  EXPECT_EQ(retry.params, t.params);
  EXPECT_EQ(retry.retry_of, t.number);
  EXPECT_EQ(retry.user_attrs.at("tag"), "a");
  const ClaimResult again = s.ClaimTrial(this->study_, Claim());
  EXPECT_EQ(again.trial.number, retry.number);
  EXPECT_EQ(again.trial.retry_of, t.number);

  const FrozenTrial u = this->Running();
  EXPECT_TRUE(s.FailLostTrial(u.id, "worker lost", /*requeue=*/false));
  EXPECT_EQ(s.CountTrials(this->study_).waiting, 0);
}

TYPED_TEST_P(StorageConformanceTest, StudiesAreIsolated) {
  Storage& s = *this->storage_;
  const int64_t other = s.CreateStudy(MakeStudyRecord("other", 99));
  this->Running();
  s.EnqueueTrial(this->study_, {}, Json::object(), std::nullopt);
  const ClaimResult c = s.ClaimTrial(other, Claim(1));
  EXPECT_EQ(c.trial.number, 0);
  EXPECT_EQ(c.counts.running, 1);
  EXPECT_EQ(c.counts.waiting, 0);
  EXPECT_EQ(s.GetTrials(other, StateMask::All()).size(), 1u);
  EXPECT_EQ(s.GetTrials(this->study_, StateMask::All()).size(), 2u);
  EXPECT_EQ(s.ClaimTrial(other, Claim(1)).status, ClaimStatus::kTargetReached);
}

TYPED_TEST_P(StorageConformanceTest, ConcurrentClaimsNeverDuplicateOrExceedTheTarget) {
  Storage& s = *this->storage_;
  constexpr int kThreads = 8;
  constexpr int64_t kTarget = 120;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      try {
        for (;;) {
          const ClaimResult c = s.ClaimTrial(this->study_, Claim(kTarget));
          if (c.status != ClaimStatus::kClaimed) break;
          s.SetTrialParams(c.trial.id, {{"x", 0.0}});
          s.ReportIntermediate(c.trial.id, 0, {1.0});
          s.FinishTrial(c.trial.id, TrialState::kComplete, {static_cast<double>(c.trial.number)},
                        "");
        }
      } catch (...) {
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  const auto trials = s.GetTrials(this->study_, StateMask::All());
  ASSERT_EQ(static_cast<int64_t>(trials.size()), kTarget);
  for (int64_t i = 0; i < kTarget; ++i) {
    EXPECT_EQ(trials[static_cast<size_t>(i)].number, i);
    EXPECT_EQ(trials[static_cast<size_t>(i)].state, TrialState::kComplete);
  }
  EXPECT_EQ(s.CountTrials(this->study_).complete, kTarget);
  std::set<int64_t> seqs;
  for (const auto& t : trials) seqs.insert(t.finish_seq);
  EXPECT_EQ(static_cast<int64_t>(seqs.size()), kTarget);
  EXPECT_EQ(*seqs.begin(), 1);
  EXPECT_EQ(*seqs.rbegin(), kTarget);
}

REGISTER_TYPED_TEST_SUITE_P(
    StorageConformanceTest, StudiesAreCreatedFoundAndListed, StudyAttributesRoundTrip,
    ClaimsNumberTrialsInOrderWithDerivedSeeds, ParametersOfEveryTypeRoundTripExactly,
    EnqueuedTrialsAreClaimedFirstInOrder, ClaimHonoursTheTargetCountingRunningAndFinished,
    ClaimHonoursCapacityButStillHandsOutEnqueued,
    SpeculatedParametersAreTakenOnlyForTheExpectedTrial, FinishedTrialsAreReadOnly,
    FinishRecordsStateValuesReasonAndTimes, IntermediateValuesKeepTheFirstReportAndNonFiniteValues,
    TrialAttributesAndLogsRoundTrip, GetTrialsFiltersByStateAndOrdersByNumber,
    LostTrialsFailAndAreRequeuedWithTheirParameters, StudiesAreIsolated,
    ConcurrentClaimsNeverDuplicateOrExceedTheTarget);

}  // namespace automl::testing

#endif  // AUTOML_TESTS_TESTING_STORAGE_CONFORMANCE_H_
