// The sampler conformance suite: the contract of automl::Sampler (include/automl/sampler.h), which
// every sampler must pass, in the spirit of Optuna's testing/pytest_samplers.py. Every test runs
// the sampler the way users do, through a Study's Ask and Tell.
//
// A sampler test instantiates it with a factory type:
//   struct MyFactory {
//     static constexpr char kName[] = "my";  // what Sampler::name() returns
//     static std::unique_ptr<automl::Sampler> Make(const automl::SearchSpace& space,
//                                                  uint64_t seed);
//   };
//   namespace automl::testing {
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, SamplerConformanceTest, MyFactory, SamplerFactoryName);
//   }  // namespace automl::testing
//
// Finite samplers (Sampler::Capacity(), e.g. a grid) are run for at most their capacity; a test
// that needs more trials than that to mean anything is skipped, so a factory should make the
// sampler fine enough (tests/core/samplers/grid_sampler_test.cc gives its grid 32 points per
// continuous float, and runs every test).
#ifndef AUTOML_TESTS_TESTING_SAMPLER_CONFORMANCE_H_
#define AUTOML_TESTS_TESTING_SAMPLER_CONFORMANCE_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "automl/error.h"
#include "automl/param_value.h"
#include "automl/sampler.h"
#include "automl/search_space.h"
#include "automl/storage.h"
#include "automl/storages/in_memory_storage.h"
#include "automl/study.h"
#include "testing/temp_dir.h"

namespace automl::testing {

// ---- Spaces ----------------------------------------------------------------------------------

// Every kind of parameter, without conditions: plain, log and stepped floats (0.1 steps do not
// add up exactly in binary, which a sampler must survive), plain, stepped and log ints, a
// negative range, categoricals of strings, booleans and mixed types, an ordinal and a fixed value.
inline SearchSpace MixedSpace() {
  return SearchSpace({
      ParamSpec::Float("x", -2.0, 3.0),
      ParamSpec::Float("lr", 1e-5, 1e-1).Log(),
      ParamSpec::Float("q", 0.0, 1.0).Step(0.25),
      ParamSpec::Float("drop", 0.1, 0.5).Step(0.1),
      ParamSpec::Int("layers", 1, 8),
      ParamSpec::Int("units", 16, 256).Step(16),
      ParamSpec::Int("batch", 1, 64).Log(),
      ParamSpec::Int("shift", -5, 5),
      ParamSpec::Categorical("act", {"relu", "tanh", "gelu"}),
      ParamSpec::Categorical("bias", {true, false}),
      ParamSpec::Categorical("mixed", {1, "two", 3.5}),
      ParamSpec::Ordinal("width", {1, 2, 4, 8}),
      ParamSpec::Fixed("epochs", 10),
  });
}

// Conditions of every shape: a child listed before its parent (the space must reorder them), a
// condition on one of several values, a two-level chain opt -> sched -> step_size, and a
// parameter with two conditions that must both hold.
inline SearchSpace ConditionalSpace() {
  return SearchSpace({
      ParamSpec::Float("momentum", 0.5, 0.99).When("opt", {"sgd"}),
      ParamSpec::Categorical("opt", {"sgd", "adam"}),
      ParamSpec::Float("lr", 1e-4, 1.0).Log(),
      ParamSpec::Float("beta", 0.8, 0.999).When("opt", {"adam"}),
      ParamSpec::Categorical("sched", {"none", "step", "cosine"}).When("opt", {"sgd"}),
      ParamSpec::Int("step_size", 1, 3).When("sched", {"step"}),
      ParamSpec::Int("warmup", 0, 1).When("opt", {"sgd"}).When("sched", {"step", "cosine"}),
  });
}

// ---- Checks ----------------------------------------------------------------------------------

// Whether |value| is a value |spec| can take, checked here from the spec's fields rather than by
// ParamSpec::Contains, so that a bug there cannot hide one in a sampler. Stricter than Contains
// on types: a float parameter must get a float, an int parameter an int, a choice exactly one of
// the choices (1.0 is not the choice 1).
inline ::testing::AssertionResult ValueFits(const ParamSpec& spec, const ParamValue& value) {
  const std::string what = "parameter '" + spec.name() + "' got " + value.ToJson().dump();
  switch (spec.type()) {
    case ParamType::kFloat: {
      if (!value.is_float()) return ::testing::AssertionFailure() << what << ", not a float";
      const double v = value.AsDouble();
      if (!(v >= spec.low() && v <= spec.high())) {
        return ::testing::AssertionFailure()
               << what << ", outside [" << spec.low() << ", " << spec.high() << "]";
      }
      if (spec.step()) {
        const double k = (v - spec.low()) / *spec.step();
        if (std::fabs(k - std::round(k)) > 1e-9 * std::max(1.0, std::fabs(k))) {
          return ::testing::AssertionFailure() << what << ", off the grid of step " << *spec.step();
        }
      }
      return ::testing::AssertionSuccess();
    }
    case ParamType::kInt: {
      if (!value.is_int()) return ::testing::AssertionFailure() << what << ", not an int";
      const int64_t v = value.AsInt();
      const auto low = static_cast<int64_t>(spec.low());
      const auto high = static_cast<int64_t>(spec.high());
      if (v < low || v > high) {
        return ::testing::AssertionFailure() << what << ", outside [" << low << ", " << high << "]";
      }
      const auto step = static_cast<int64_t>(spec.step().value_or(1));
      if ((v - low) % step != 0) {
        return ::testing::AssertionFailure() << what << ", off the grid of step " << step;
      }
      return ::testing::AssertionSuccess();
    }
    case ParamType::kCategorical:
    case ParamType::kOrdinal:
    case ParamType::kFixed:
      for (const ParamValue& choice : spec.choices()) {
        if (choice == value) return ::testing::AssertionSuccess();
      }
      return ::testing::AssertionFailure() << what << ", not one of its choices";
  }
  return ::testing::AssertionFailure() << what << ": unknown parameter type";
}

// Values compare as conditions compare them: numbers by value (a condition on 1.0 holds for the
// choice 1), everything else exactly.
inline bool SameValue(const ParamValue& a, const ParamValue& b) {
  if (a.is_number() && b.is_number()) return a.AsDouble() == b.AsDouble();
  return a == b;
}

// Whether |params| are a complete, valid parameter set of |space|: SearchSpace::CheckParams
// accepts them, every value fits its parameter, and exactly the active parameters are present
// (activity worked out here from the conditions, again not through the code under test).
inline ::testing::AssertionResult ParamsAreValid(const SearchSpace& space, const ParamMap& params) {
  const std::string set = ParamsToJson(params).dump();
  try {
    space.CheckParams(params);
  } catch (const Error& e) {
    return ::testing::AssertionFailure() << "CheckParams refuses " << set << ": " << e.what();
  }
  for (const auto& [name, value] : params) {
    const ParamSpec* spec = space.Find(name);
    if (!spec)
      return ::testing::AssertionFailure() << "unknown parameter '" << name << "' in " << set;
    ::testing::AssertionResult fits = ValueFits(*spec, value);
    if (!fits) return fits << " in " << set;
  }
  for (const ParamSpec& spec : space.params()) {
    bool active = true;
    for (const Condition& condition : spec.conditions()) {
      auto parent = params.find(condition.parent);
      active &= parent != params.end() &&
                std::any_of(condition.values.begin(), condition.values.end(),
                            [&](const ParamValue& v) { return SameValue(v, parent->second); });
    }
    if (active != (params.count(spec.name()) != 0)) {
      return ::testing::AssertionFailure()
             << "parameter '" << spec.name() << "' is " << (active ? "active" : "inactive")
             << " but " << (active ? "missing" : "present") << " in " << set;
    }
  }
  return ::testing::AssertionSuccess();
}

// A deterministic objective, so that two runs of a study record the same history.
inline double Score(const ParamMap& params) {
  double score = 0;
  for (const auto& [name, value] : params) {
    if (value.is_number()) score += std::fabs(value.AsDouble());
    if (value.is_string()) score += static_cast<double>(value.AsString().size());
  }
  return score;
}

// Asks for |n| trials one after another, telling each its Score(); returns their parameters.
inline std::vector<ParamMap> RunTrials(Study& study, int64_t n) {
  std::vector<ParamMap> params;
  for (int64_t i = 0; i < n; ++i) {
    Trial trial = study.Ask();
    params.push_back(trial.params());
    study.Tell(trial, Score(trial.params()));
  }
  return params;
}

// The parameters of |study|'s trials, by number, as the storage holds them.
inline std::vector<ParamMap> StoredParams(const Study& study) {
  std::vector<ParamMap> params;
  for (const FrozenTrial& trial : study.Trials()) params.push_back(trial.params);
  return params;
}

// Names the instantiations after the factory's sampler ("Grid/SamplerConformanceTest/grid.X").
struct SamplerFactoryName {
  template <typename Factory>
  static std::string GetName(int /*index*/) {
    return Factory::kName;
  }
};

// ---- The suite -------------------------------------------------------------------------------

template <typename Factory>
class SamplerConformanceTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kSeed = 20240611;

  // Opens (creates or loads) study |name| in |storage| with a fresh sampler from the factory.
  static Study OpenStudy(std::shared_ptr<Storage> storage, const SearchSpace& space,
                         uint64_t seed = kSeed, const std::string& name = "conformance") {
    StudyOptions options;
    options.name = name;
    options.space = space;
    options.seed = seed;
    return Study::CreateOrLoad(std::move(storage), options, Factory::Make(space, seed));
  }

  static Study NewStudy(const SearchSpace& space, uint64_t seed = kSeed) {
    return OpenStudy(std::make_shared<InMemoryStorage>(), space, seed);
  }

  // |wanted| trials, or the sampler's capacity on |space| when that is smaller.
  static int64_t Budget(const SearchSpace& space, int64_t wanted) {
    const std::optional<int64_t> capacity = Factory::Make(space, kSeed)->Capacity();
    return capacity ? std::min(*capacity, wanted) : wanted;
  }
};

TYPED_TEST_SUITE_P(SamplerConformanceTest);

TYPED_TEST_P(SamplerConformanceTest, NameIsTheFactorys) {
  EXPECT_EQ(TypeParam::Make(MixedSpace(), 1)->name(), TypeParam::kName);
}

TYPED_TEST_P(SamplerConformanceTest, ValuesLieInTheirDomains) {
  const SearchSpace space = MixedSpace();
  const int64_t n = this->Budget(space, 200);
  if (n < 50) GTEST_SKIP() << "the sampler has only " << n << " points on the mixed space";
  Study study = this->NewStudy(space);
  const std::vector<ParamMap> trials = RunTrials(study, n);

  std::map<std::string, std::set<ParamValue>> seen;
  for (const ParamMap& params : trials) {
    ASSERT_TRUE(ParamsAreValid(space, params));
    for (const auto& [name, value] : params) seen[name].insert(value);
  }
  // A sampler that always proposes the same value would pass the checks above.
  for (const ParamSpec& spec : space.params()) {
    if (spec.type() == ParamType::kFixed) continue;
    EXPECT_GE(seen[spec.name()].size(), 2u) << "'" << spec.name() << "' never varies";
  }
  // The stored record is what Ask handed out.
  EXPECT_EQ(StoredParams(study), trials);
}

TYPED_TEST_P(SamplerConformanceTest, LogParametersSpreadInLogScale) {
  const SearchSpace space = MixedSpace();
  const int64_t n = this->Budget(space, 200);
  if (n < 50) GTEST_SKIP() << "the sampler has only " << n << " points on the mixed space";
  Study study = this->NewStudy(space);
  // lr lies in [1e-5, 1e-1]: half its log-scale mass is below 1e-3, 1% of its linear mass. x lies
  // in [-2, 3]: half its mass is below 0.5 either way a sampler looks at it. The objective depends
  // on lr and x alone and is symmetric about those medians in each one's own scale, so that a
  // model-based sampler, which concentrates its trials around the best ones, still puts about half
  // of them on each side. (Score() would reward small lr and |x|, which a good optimizer follows
  // below both medians; and parameters that do not matter drift with the best trials at random.)
  // Each distinct value counts once: evolutionary samplers copy a parent's values into many
  // children (aging evolution changes one parameter per child), so counting every trial would
  // measure which side of the median the current best lies on, not the scale of new values.
  std::set<double> lrs;
  std::set<double> xs;
  for (int64_t i = 0; i < n; ++i) {
    Trial trial = study.Ask();
    const double lr = trial.Float("lr");
    const double x = trial.Float("x");
    lrs.insert(lr);
    xs.insert(x);
    study.Tell(trial, std::fabs(std::log10(lr) + 3) + std::fabs(x - 0.5));
  }
  const auto share_below = [](const std::set<double>& values, double median) {
    const auto below = std::distance(values.begin(), values.lower_bound(median));
    return static_cast<double>(below) / static_cast<double>(values.size());
  };
  const double lr_low = share_below(lrs, 1e-3);
  const double x_low = share_below(xs, 0.5);
  EXPECT_GT(lr_low, 0.3) << "a log parameter is not spread in log scale";
  EXPECT_LT(lr_low, 0.7) << "a log parameter is not spread in log scale";
  EXPECT_GT(x_low, 0.3) << "a linear parameter is not spread in linear scale";
  EXPECT_LT(x_low, 0.7) << "a linear parameter is not spread in linear scale";
}

TYPED_TEST_P(SamplerConformanceTest, ConditionalParametersPresentExactlyWhenActive) {
  const SearchSpace space = ConditionalSpace();
  const int64_t n = this->Budget(space, 200);
  if (n < 50) GTEST_SKIP() << "the sampler has only " << n << " points on the conditional space";
  Study study = this->NewStudy(space);
  std::map<std::string, int64_t> branches;
  for (const ParamMap& params : RunTrials(study, n)) {
    ASSERT_TRUE(ParamsAreValid(space, params));
    // The same rules once more, spelled out, in case both checks above share a mistake.
    const std::string opt = params.at("opt").AsString();
    ++branches[opt];
    EXPECT_TRUE(params.count("lr"));
    EXPECT_EQ(params.count("momentum"), opt == "sgd" ? 1u : 0u);
    EXPECT_EQ(params.count("beta"), opt == "adam" ? 1u : 0u);
    EXPECT_EQ(params.count("sched"), opt == "sgd" ? 1u : 0u);
    const std::string sched = params.count("sched") ? params.at("sched").AsString() : "";
    ++branches["sched=" + sched];
    EXPECT_EQ(params.count("step_size"), sched == "step" ? 1u : 0u);
    EXPECT_EQ(params.count("warmup"), sched == "step" || sched == "cosine" ? 1u : 0u);
  }
  // Every branch was taken, or the checks above were partly vacuous.
  for (const char* branch : {"sgd", "adam", "sched=none", "sched=step", "sched=cosine"}) {
    EXPECT_GT(branches[branch], 0) << "branch " << branch << " never taken";
  }
}

TYPED_TEST_P(SamplerConformanceTest, SameSeedGivesSameSequence) {
  for (const SearchSpace& space : {MixedSpace(), ConditionalSpace()}) {
    const int64_t n = this->Budget(space, 40);
    if (n < 30) GTEST_SKIP() << "the sampler has only " << n << " points";
    Study a = this->NewStudy(space, 7);
    Study b = this->NewStudy(space, 7);
    const std::vector<ParamMap> first = RunTrials(a, n);
    const std::vector<ParamMap> second = RunTrials(b, n);
    EXPECT_EQ(first, second);
    // Not one point over and over.
    EXPECT_GT(std::set<ParamMap>(first.begin(), first.end()).size(), static_cast<size_t>(n / 2));
  }
}

TYPED_TEST_P(SamplerConformanceTest, DifferentSeedGivesDifferentSequence) {
  for (const SearchSpace& space : {MixedSpace(), ConditionalSpace()}) {
    const int64_t n = this->Budget(space, 40);
    if (n < 30) GTEST_SKIP() << "the sampler has only " << n << " points";
    Study a = this->NewStudy(space, 7);
    Study b = this->NewStudy(space, 8);
    const std::vector<ParamMap> first = RunTrials(a, n);
    const std::vector<ParamMap> second = RunTrials(b, n);
    int64_t same = 0;
    for (int64_t i = 0; i < n; ++i)
      same += first[static_cast<size_t>(i)] == second[static_cast<size_t>(i)];
    EXPECT_LT(same, n / 2) << "seeds 7 and 8 give mostly the same trials";
  }
}

// A study stopped after 10 trials and opened again by a new Study object, with a new sampler,
// continues exactly as if it had never stopped: how a crashed study resumes.
TYPED_TEST_P(SamplerConformanceTest, ResumedStudyContinuesExactly) {
  for (const SearchSpace& space : {MixedSpace(), ConditionalSpace()}) {
    if (this->Budget(space, 20) < 20) GTEST_SKIP() << "the sampler has fewer than 20 points";
    Study whole = this->NewStudy(space);
    const std::vector<ParamMap> expected = RunTrials(whole, 20);

    auto storage = std::make_shared<InMemoryStorage>();
    {
      Study first = this->OpenStudy(storage, space);
      RunTrials(first, 10);
    }
    Study resumed = this->OpenStudy(storage, space);
    RunTrials(resumed, 10);
    EXPECT_EQ(StoredParams(resumed), expected);
  }
}

// The same through a file that is closed and opened again, as by a new process.
TYPED_TEST_P(SamplerConformanceTest, ResumedStudyContinuesExactlyFromAFile) {
  const SearchSpace space = MixedSpace();
  if (this->Budget(space, 20) < 20) GTEST_SKIP() << "the sampler has fewer than 20 points";
  Study whole = this->NewStudy(space);
  const std::vector<ParamMap> expected = RunTrials(whole, 20);

  TempDir dir;
  // Durability is not what this test is about: skip the fsyncs.
  const std::string url = "sqlite:///" + dir.File("study.db") + "?synchronous=off";
  {
    Study first = this->OpenStudy(OpenStorage(url), space);
    RunTrials(first, 10);
  }
  Study resumed = this->OpenStudy(OpenStorage(url), space);
  RunTrials(resumed, 10);
  EXPECT_EQ(StoredParams(resumed), expected);
}

TYPED_TEST_P(SamplerConformanceTest, EnqueuedParamsAreKeptAndCompleted) {
  const SearchSpace space = ConditionalSpace();
  Study study = this->NewStudy(space);

  study.Enqueue({{"opt", "sgd"}, {"lr", 0.01}, {"sched", "step"}});
  Trial sgd = study.Ask();
  EXPECT_TRUE(ParamsAreValid(space, sgd.params()));
  EXPECT_EQ(sgd.Param("opt"), ParamValue("sgd"));
  EXPECT_EQ(sgd.Param("lr"), ParamValue(0.01));
  EXPECT_EQ(sgd.Param("sched"), ParamValue("step"));
  EXPECT_TRUE(sgd.Has("momentum") && sgd.Has("step_size") && sgd.Has("warmup"));
  EXPECT_FALSE(sgd.Has("beta"));
  study.Tell(sgd, 1.0);

  study.Enqueue({{"opt", "adam"}});
  Trial adam = study.Ask();
  EXPECT_TRUE(ParamsAreValid(space, adam.params()));
  EXPECT_EQ(adam.Param("opt"), ParamValue("adam"));
  EXPECT_TRUE(adam.Has("beta") && adam.Has("lr"));
  study.Tell(adam, 1.0);

  // An int given for a float parameter comes back as a float.
  study.Enqueue({{"lr", 1}});
  Trial given_int = study.Ask();
  EXPECT_TRUE(ParamsAreValid(space, given_int.params()));
  EXPECT_EQ(given_int.Param("lr"), ParamValue(1.0));
  study.Tell(given_int, 1.0);

  // A complete set is taken as it is.
  const ParamMap complete = {{"opt", "adam"}, {"lr", 0.5}, {"beta", 0.9}};
  study.Enqueue(complete);
  Trial full = study.Ask();
  EXPECT_EQ(full.params(), complete);
  study.Tell(full, 1.0);

  // Sampling goes on as usual afterwards.
  for (const ParamMap& params : RunTrials(study, this->Budget(space, 5))) {
    EXPECT_TRUE(ParamsAreValid(space, params));
  }
}

TYPED_TEST_P(SamplerConformanceTest, WorksOnSingleParameterSpaces) {
  const std::vector<ParamSpec> singles = {
      ParamSpec::Float("x", 0.0, 1.0),
      ParamSpec::Float("x", 1e-3, 1e3).Log(),
      ParamSpec::Float("x", -1.0, 1.0).Step(0.5),
      ParamSpec::Int("x", -3, 3),
      ParamSpec::Int("x", 1, 100).Log(),
      ParamSpec::Categorical("x", {"a", "b", "c"}),
      ParamSpec::Ordinal("x", {0.5, 1.5}),
      ParamSpec::Fixed("x", "only"),
  };
  for (const ParamSpec& spec : singles) {
    SCOPED_TRACE(spec.ToJson().dump());
    const SearchSpace space({spec});
    Study study = this->NewStudy(space);
    const int64_t n = this->Budget(space, 30);
    std::set<ParamValue> seen;
    for (const ParamMap& params : RunTrials(study, n)) {
      ASSERT_TRUE(ParamsAreValid(space, params));
      seen.insert(params.at("x"));
    }
    if (spec.type() != ParamType::kFixed) {
      EXPECT_GE(seen.size(), 2u) << "the parameter never varies";
    }
  }
}

TYPED_TEST_P(SamplerConformanceTest, WorksOnCategoricalOnlySpaces) {
  const SearchSpace space({
      ParamSpec::Categorical("a", {"x", "y", "z"}),
      ParamSpec::Categorical("b", {true, false}),
      ParamSpec::Ordinal("c", {1, 2}),
  });
  const int64_t n = this->Budget(space, 120);
  Study study = this->NewStudy(space);
  std::set<ParamMap> combinations;
  for (const ParamMap& params : RunTrials(study, n)) {
    ASSERT_TRUE(ParamsAreValid(space, params));
    combinations.insert(params);
  }
  EXPECT_EQ(combinations.size(), 12u) << "not every combination of 3 x 2 x 2 choices was tried";
}

TYPED_TEST_P(SamplerConformanceTest, WorksOnAnEmptySpace) {
  const SearchSpace space;
  Study study = this->NewStudy(space);
  for (const ParamMap& params : RunTrials(study, this->Budget(space, 3))) {
    EXPECT_TRUE(params.empty());
  }
}

TYPED_TEST_P(SamplerConformanceTest, FindsTheMinimumOfAnEasyFunction) {
  const SearchSpace space({ParamSpec::Float("x", 0.0, 1.0)});
  const int64_t n = this->Budget(space, 128);
  if (n < 16) GTEST_SKIP() << "the sampler has only " << n << " points";
  Study study = this->NewStudy(space);
  for (int64_t i = 0; i < n; ++i) {
    Trial trial = study.Ask();
    const double x = trial.Float("x");
    study.Tell(trial, (x - 0.3) * (x - 0.3));
  }
  const std::optional<FrozenTrial> best = study.BestTrial();
  ASSERT_TRUE(best.has_value());
  EXPECT_NEAR(best->params.at("x").AsDouble(), 0.3, 0.02);
}

// A finite sampler proposes Capacity() distinct points and then reports exhaustion; enqueued
// trials do not use up its capacity.
TYPED_TEST_P(SamplerConformanceTest, FiniteSamplerStopsAtItsCapacity) {
  const SearchSpace space({ParamSpec::Int("n", 1, 4), ParamSpec::Categorical("c", {"a", "b"})});
  const std::optional<int64_t> capacity = TypeParam::Make(space, this->kSeed)->Capacity();
  if (!capacity) GTEST_SKIP() << "the sampler is unbounded";
  ASSERT_GT(*capacity, 0);
  Study study = this->NewStudy(space);
  study.Enqueue({{"n", 1}, {"c", "a"}});
  const std::vector<ParamMap> trials = RunTrials(study, *capacity + 1);
  const std::set<ParamMap> distinct(trials.begin() + 1, trials.end());
  EXPECT_EQ(static_cast<int64_t>(distinct.size()), *capacity) << "a finite sampler repeated itself";
  EXPECT_THROW(study.Ask(), Exhausted);
  EXPECT_EQ(study.TryAsk({}).status, ClaimStatus::kExhausted);
  // An enqueued trial is still handed out.
  study.Enqueue({{"n", 2}, {"c", "b"}});
  const AskResult enqueued = study.TryAsk({});
  EXPECT_EQ(enqueued.status, ClaimStatus::kClaimed);
}

// Four threads share one Study: each trial has a number and sample index of its own and valid
// parameters.
TYPED_TEST_P(SamplerConformanceTest, ConcurrentAskAndTell) {
  const SearchSpace space = MixedSpace();
  constexpr int kThreads = 4;
  const int64_t per_thread = this->Budget(space, 100) / kThreads;
  if (per_thread < 25) GTEST_SKIP() << "the sampler has fewer than 100 points";
  Study study = this->NewStudy(space);

  std::mutex mutex;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&study, &mutex, &errors, per_thread] {
      try {
        for (int64_t i = 0; i < per_thread; ++i) {
          Trial trial = study.Ask();
          study.Tell(trial, Score(trial.params()));
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mutex);
        errors.push_back(e.what());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors, std::vector<std::string>{});

  const std::vector<FrozenTrial> trials = study.Trials();
  ASSERT_EQ(static_cast<int64_t>(trials.size()), kThreads * per_thread);
  std::set<int64_t> numbers;
  std::set<int64_t> sample_indices;
  for (const FrozenTrial& trial : trials) {
    EXPECT_EQ(trial.state, TrialState::kComplete);
    EXPECT_TRUE(ParamsAreValid(space, trial.params));
    numbers.insert(trial.number);
    if (trial.sample_index) sample_indices.insert(*trial.sample_index);
  }
  EXPECT_EQ(numbers.size(), trials.size());
  EXPECT_EQ(*numbers.rbegin(), kThreads * per_thread - 1);
  EXPECT_EQ(sample_indices.size(), trials.size());
}

REGISTER_TYPED_TEST_SUITE_P(SamplerConformanceTest, NameIsTheFactorys, ValuesLieInTheirDomains,
                            LogParametersSpreadInLogScale,
                            ConditionalParametersPresentExactlyWhenActive,
                            SameSeedGivesSameSequence, DifferentSeedGivesDifferentSequence,
                            ResumedStudyContinuesExactly, ResumedStudyContinuesExactlyFromAFile,
                            EnqueuedParamsAreKeptAndCompleted, WorksOnSingleParameterSpaces,
                            WorksOnCategoricalOnlySpaces, WorksOnAnEmptySpace,
                            FindsTheMinimumOfAnEasyFunction, FiniteSamplerStopsAtItsCapacity,
                            ConcurrentAskAndTell);

}  // namespace automl::testing

#endif  // AUTOML_TESTS_TESTING_SAMPLER_CONFORMANCE_H_
