#include "automl/samplers/grid_sampler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "automl/error.h"
#include "automl/registry.h"
#include "automl/study.h"
#include "testing/sampler_conformance.h"

namespace automl {
namespace {

// 32 points per continuous float: enough for every conformance test (the 1-D minimum search
// needs a point within 0.02 of 0.3 on [0, 1]), small enough to enumerate the conditional space.
struct GridFactory {
  static constexpr char kName[] = "grid";
  static std::unique_ptr<Sampler> Make(const SearchSpace& space, uint64_t seed) {
    GridSamplerOptions options;
    options.resolution = 32;
    return std::make_unique<GridSampler>(space, seed, options);
  }
};

}  // namespace

namespace testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Grid, SamplerConformanceTest, GridFactory, SamplerFactoryName);
}  // namespace testing

namespace {

using ::automl::testing::ParamsAreValid;
using ::automl::testing::RunTrials;

GridSamplerOptions Resolution(int64_t resolution, bool shuffle = true) {
  GridSamplerOptions options;
  options.resolution = resolution;
  options.shuffle = shuffle;
  return options;
}

Study GridStudy(const SearchSpace& space, uint64_t seed, GridSamplerOptions options) {
  StudyOptions study;
  study.name = "grid";
  study.space = space;
  study.seed = seed;
  return Study::CreateOrLoad(OpenStorage("memory"), study,
                             std::make_unique<GridSampler>(space, seed, std::move(options)));
}

std::vector<ParamMap> Points(const GridSampler& grid) {
  std::vector<ParamMap> points;
  for (int64_t k = 0; k < grid.size(); ++k) points.push_back(grid.Point(k));
  return points;
}

// 3 categorical x int 1..4 x float at resolution 3: 36 points.
SearchSpace SmallSpace() {
  return SearchSpace({ParamSpec::Categorical("c", {"a", "b", "c"}), ParamSpec::Int("i", 1, 4),
                      ParamSpec::Float("f", 0.0, 1.0)});
}

// SmallSpace()'s grid at resolution 3, written out.
std::set<ParamMap> SmallGrid() {
  std::set<ParamMap> grid;
  for (const char* c : {"a", "b", "c"}) {
    for (int64_t i = 1; i <= 4; ++i) {
      for (double f : {0.0, 0.5, 1.0}) grid.insert({{"c", c}, {"i", i}, {"f", f}});
    }
  }
  return grid;
}

TEST(GridSamplerTest, VisitsEveryPointOnceThenIsExhausted) {
  Study study = GridStudy(SmallSpace(), 11, Resolution(3));
  EXPECT_EQ(study.sampler().Capacity(), 36);
  const std::vector<ParamMap> trials = RunTrials(study, 36);
  EXPECT_EQ(std::set<ParamMap>(trials.begin(), trials.end()), SmallGrid());

  EXPECT_THROW(study.Ask(), Exhausted);
  const AskResult result = study.TryAsk({});
  EXPECT_EQ(result.status, ClaimStatus::kExhausted);
  EXPECT_FALSE(result.trial.has_value());
  EXPECT_EQ(study.Counts().complete, 36);
  EXPECT_EQ(study.Counts().running, 0);  // refusing claims no trial
}

TEST(GridSamplerTest, ConditionalParametersEnterOnlyWhereActive) {
  const SearchSpace space({ParamSpec::Categorical("opt", {"sgd", "adam"}),
                           ParamSpec::Float("momentum", 0.9, 0.99).When("opt", {"sgd"}),
                           ParamSpec::Float("lr", 1e-3, 1e-1).Log()});
  GridSamplerOptions options;
  options.resolution_for = {{"momentum", 3}, {"lr", 2}};
  Study study = GridStudy(space, 3, options);
  // sgd: 3 momenta x 2 rates; adam: 2 rates, not once per momentum.
  EXPECT_EQ(study.sampler().Capacity(), 8);
  const std::vector<ParamMap> trials = RunTrials(study, 8);
  EXPECT_EQ(std::set<ParamMap>(trials.begin(), trials.end()).size(), 8u);
  int64_t sgd = 0;
  for (const ParamMap& params : trials) {
    EXPECT_TRUE(ParamsAreValid(space, params));
    sgd += params.at("opt") == ParamValue("sgd");
  }
  EXPECT_EQ(sgd, 6);
  EXPECT_THROW(study.Ask(), Exhausted);
}

// The conformance suite's conditional space, with a two-level chain and a double condition:
// adam: lr x beta; sgd: lr x momentum x (none + step x step_size x warmup + cosine x warmup).
TEST(GridSamplerTest, CountsNestedConditionalGrids) {
  const SearchSpace space = testing::ConditionalSpace();
  EXPECT_EQ(GridSampler(space, 1, Resolution(2)).size(), 2 * 2 + 2 * 2 * (1 + 3 * 2 + 2));
  EXPECT_EQ(GridSampler(space, 1, Resolution(32)).size(), 32 * 32 + 32 * 32 * 9);

  const GridSampler grid(space, 1, Resolution(2));
  const std::vector<ParamMap> points = Points(grid);
  EXPECT_EQ(std::set<ParamMap>(points.begin(), points.end()).size(), points.size());
  for (const ParamMap& point : points) EXPECT_TRUE(ParamsAreValid(space, point));
}

TEST(GridSamplerTest, UnshuffledOrderIsEnumerationOrder) {
  const SearchSpace space({ParamSpec::Categorical("a", {"x", "y"}), ParamSpec::Int("b", 1, 3)});
  Study study = GridStudy(space, 5, Resolution(10, /*shuffle=*/false));
  const std::vector<ParamMap> expected = {
      {{"a", "x"}, {"b", 1}}, {{"a", "x"}, {"b", 2}}, {{"a", "x"}, {"b", 3}},
      {{"a", "y"}, {"b", 1}}, {{"a", "y"}, {"b", 2}}, {{"a", "y"}, {"b", 3}},
  };
  EXPECT_EQ(RunTrials(study, 6), expected);

  // Conditional grids too: depth first, parents slowest, inactive parameters not branching.
  const SearchSpace conditional({ParamSpec::Categorical("opt", {"sgd", "adam"}),
                                 ParamSpec::Int("m", 1, 2).When("opt", {"sgd"}),
                                 ParamSpec::Ordinal("n", {10, 20})});
  const std::vector<ParamMap> expected_conditional = {
      {{"opt", "sgd"}, {"m", 1}, {"n", 10}}, {{"opt", "sgd"}, {"m", 1}, {"n", 20}},
      {{"opt", "sgd"}, {"m", 2}, {"n", 10}}, {{"opt", "sgd"}, {"m", 2}, {"n", 20}},
      {{"opt", "adam"}, {"n", 10}},          {{"opt", "adam"}, {"n", 20}},
  };
  EXPECT_EQ(Points(GridSampler(conditional, 5, Resolution(10, false))), expected_conditional);
}

TEST(GridSamplerTest, ShuffledOrderIsASeededPermutation) {
  const std::vector<ParamMap> enumeration =
      Points(GridSampler(SmallSpace(), 1, Resolution(3, false)));
  const std::vector<ParamMap> one = Points(GridSampler(SmallSpace(), 1, Resolution(3)));
  const std::vector<ParamMap> again = Points(GridSampler(SmallSpace(), 1, Resolution(3)));
  const std::vector<ParamMap> two = Points(GridSampler(SmallSpace(), 2, Resolution(3)));
  EXPECT_EQ(std::set<ParamMap>(one.begin(), one.end()), SmallGrid());
  EXPECT_EQ(std::set<ParamMap>(two.begin(), two.end()), SmallGrid());
  EXPECT_NE(one, enumeration);
  EXPECT_EQ(one, again);
  EXPECT_NE(one, two);
  // Shuffled, not rotated: the first dozen points do not all share the slowest parameter.
  std::set<ParamValue> first_c;
  for (size_t k = 0; k < 12; ++k) first_c.insert(one[k].at("c"));
  EXPECT_GT(first_c.size(), 1u);
}

// The cycle-walking Feistel permutation is a bijection whatever the size (powers of two, one
// past them, primes, a single point).
TEST(GridSamplerTest, ShuffleIsABijectionForAnySize) {
  for (int64_t n : {1, 2, 3, 4, 5, 7, 16, 17, 37, 1000, 4096, 4097}) {
    SCOPED_TRACE(n);
    for (uint64_t seed : {0u, 1u, 99u}) {
      const ParamSpec axis = n == 1 ? ParamSpec::Fixed("k", 0) : ParamSpec::Int("k", 0, n - 1);
      const GridSampler grid(SearchSpace({axis}), seed, Resolution(2));
      ASSERT_EQ(grid.size(), n);
      std::set<int64_t> seen;
      for (int64_t k = 0; k < n; ++k) seen.insert(grid.Point(k).at("k").AsInt());
      EXPECT_EQ(static_cast<int64_t>(seen.size()), n);
    }
  }
}

TEST(GridSamplerTest, FloatAxesAreEvenWithExactEndpoints) {
  auto axis = [](const ParamSpec& spec, int64_t resolution) {
    std::vector<double> values;
    for (const ParamMap& point :
         Points(GridSampler(SearchSpace({spec}), 0, Resolution(resolution, false)))) {
      values.push_back(point.at(spec.name()).AsDouble());
    }
    return values;
  };

  const std::vector<double> decades = axis(ParamSpec::Float("lr", 1e-4, 1.0).Log(), 5);
  ASSERT_EQ(decades.size(), 5u);
  EXPECT_EQ(decades.front(), 1e-4);
  EXPECT_EQ(decades.back(), 1.0);
  for (size_t i = 0; i < 5; ++i)
    EXPECT_NEAR(decades[i], std::pow(10.0, -4.0 + static_cast<double>(i)), 1e-12 * decades[i]);

  // Bounds whose logs are not round: equal steps in log, endpoints still exact.
  const std::vector<double> log7 = axis(ParamSpec::Float("x", 3e-3, 0.7).Log(), 7);
  ASSERT_EQ(log7.size(), 7u);
  EXPECT_EQ(log7.front(), 3e-3);
  EXPECT_EQ(log7.back(), 0.7);
  const double log_step = (std::log(0.7) - std::log(3e-3)) / 6.0;
  for (size_t i = 1; i < 7; ++i)
    EXPECT_NEAR(std::log(log7[i]) - std::log(log7[i - 1]), log_step, 1e-12);

  const std::vector<double> linear = axis(ParamSpec::Float("y", -1.0, 2.0), 4);
  ASSERT_EQ(linear.size(), 4u);
  EXPECT_EQ(linear.front(), -1.0);
  EXPECT_EQ(linear.back(), 2.0);
  EXPECT_NEAR(linear[1], 0.0, 1e-15);
  EXPECT_NEAR(linear[2], 1.0, 1e-15);

  // One point: the middle, in the parameter's scale.
  EXPECT_EQ(axis(ParamSpec::Float("y", -1.0, 2.0), 1), std::vector<double>{0.5});
  const std::vector<double> middle = axis(ParamSpec::Float("lr", 1e-4, 1.0).Log(), 1);
  ASSERT_EQ(middle.size(), 1u);
  EXPECT_NEAR(middle[0], 1e-2, 1e-15);
}

// Resolution applies to continuous floats only; every other kind contributes all its values.
TEST(GridSamplerTest, DiscreteParametersContributeAllTheirValues) {
  const SearchSpace space({ParamSpec::Int("i", 1, 4), ParamSpec::Float("q", 0.0, 1.0).Step(0.25),
                           ParamSpec::Int("n", 1, 8).Log(), ParamSpec::Ordinal("o", {1, 2, 3}),
                           ParamSpec::Categorical("b", {true, false}), ParamSpec::Fixed("e", 7)});
  const GridSampler grid(space, 4, Resolution(2));
  ASSERT_EQ(grid.size(), 4 * 5 * 8 * 3 * 2 * 1);
  std::map<std::string, std::set<ParamValue>> seen;
  std::set<ParamMap> points;
  for (const ParamMap& point : Points(grid)) {
    ASSERT_TRUE(ParamsAreValid(space, point));
    for (const auto& [name, value] : point) seen[name].insert(value);
    points.insert(point);
  }
  EXPECT_EQ(static_cast<int64_t>(points.size()), grid.size());
  for (const ParamSpec& spec : space.params()) {
    EXPECT_EQ(seen[spec.name()].size(), *spec.Cardinality()) << spec.name();
  }
}

TEST(GridSamplerTest, PerParameterResolution) {
  const SearchSpace space({ParamSpec::Float("x", 0.0, 1.0), ParamSpec::Float("y", 0.0, 1.0)});
  GridSamplerOptions options = Resolution(4, false);
  options.resolution_for = {{"x", 2}};
  const GridSampler grid(space, 0, options);
  ASSERT_EQ(grid.size(), 8);
  std::set<double> xs, ys;
  for (const ParamMap& point : Points(grid)) {
    xs.insert(point.at("x").AsDouble());
    ys.insert(point.at("y").AsDouble());
  }
  EXPECT_EQ(xs, (std::set<double>{0.0, 1.0}));
  EXPECT_EQ(ys.size(), 4u);
}

// Whether |f| throws InvalidArgument with |needle| in its message.
template <typename F>
::testing::AssertionResult RefusedWith(F f, const std::string& needle) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    if (std::string(e.what()).find(needle) != std::string::npos)
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "the message does not name " << needle << ": " << e.what();
  }
  return ::testing::AssertionFailure() << "not refused";
}

TEST(GridSamplerTest, RefusesBadResolutions) {
  const SearchSpace space({ParamSpec::Float("x", 0.0, 1.0)});
  EXPECT_TRUE(RefusedWith([&] { GridSampler(space, 0, Resolution(0)); }, "resolution"));
  GridSamplerOptions unknown;
  unknown.resolution_for = {{"nope", 3}};
  EXPECT_TRUE(RefusedWith([&] { GridSampler(space, 0, unknown); }, "'nope'"));
  GridSamplerOptions zero;
  zero.resolution_for = {{"x", 0}};
  EXPECT_TRUE(RefusedWith([&] { GridSampler(space, 0, zero); }, "'x'"));
}

TEST(GridSamplerTest, RefusesTooLargeGrids) {
  // 1024^4 = 2^40 points is the most a grid may have; one more point on an axis is too many.
  std::vector<ParamSpec> params;
  for (const char* name : {"a", "b", "c", "d"}) params.push_back(ParamSpec::Int(name, 1, 1024));
  const GridSampler largest(SearchSpace(params), 0, Resolution(2));
  EXPECT_EQ(largest.size(), GridSampler::kMaxPoints);
  EXPECT_EQ(largest.Capacity(), GridSampler::kMaxPoints);
  EXPECT_TRUE(ParamsAreValid(SearchSpace(params), largest.Point(GridSampler::kMaxPoints - 1)));
  EXPECT_THROW(largest.Point(GridSampler::kMaxPoints), Exhausted);
  EXPECT_THROW(largest.Point(-1), Exhausted);

  params.back() = ParamSpec::Int("d", 1, 1025);
  EXPECT_TRUE(RefusedWith([&] { GridSampler(SearchSpace(params), 0, Resolution(2)); }, "points"));

  // One parameter alone with too many values.
  EXPECT_TRUE(RefusedWith(
      [] { GridSampler(SearchSpace({ParamSpec::Int("huge", 0, int64_t{1} << 30)}), 0); },
      "'huge'"));

  // A conditional grid is enumerated, so its limit is lower, and it is refused quickly.
  const SearchSpace conditional({ParamSpec::Categorical("opt", {"a", "b"}),
                                 ParamSpec::Int("x", 1, 4096).When("opt", {"a"}),
                                 ParamSpec::Int("y", 1, 4096)});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(RefusedWith([&] { GridSampler(conditional, 0); }, "points"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(GridSamplerTest, RegistryReadsItsOptions) {
  const Components components = BuiltinComponents();
  SamplerContext context;
  context.space =
      SearchSpace({ParamSpec::Float("x", 0.0, 1.0), ParamSpec::Categorical("c", {"a", "b"})});
  context.seed = 3;

  auto size = [&](const Json& spec) {
    const std::unique_ptr<Sampler> sampler = components.samplers.Create(spec, context);
    EXPECT_EQ(sampler->name(), "grid");
    const auto* grid = dynamic_cast<const GridSampler*>(sampler.get());
    return grid ? grid->size() : -1;
  };
  EXPECT_EQ(size("grid"), 10 * 2);  // default resolution 10
  EXPECT_EQ(size(Json{{"name", "grid"}, {"resolution", 3}}), 3 * 2);
  EXPECT_EQ(size(Json{{"name", "grid"}, {"resolution", Json{{"x", 5}}}}), 5 * 2);

  // shuffle: false gives the enumeration order, shuffled the seeded permutation.
  const std::unique_ptr<Sampler> ordered = components.samplers.Create(
      Json{{"name", "grid"}, {"resolution", 3}, {"shuffle", false}}, context);
  EXPECT_EQ(Points(dynamic_cast<const GridSampler&>(*ordered)),
            Points(GridSampler(context.space, 3, Resolution(3, false))));
  const std::unique_ptr<Sampler> shuffled =
      components.samplers.Create(Json{{"name", "grid"}, {"resolution", 3}}, context);
  EXPECT_EQ(Points(dynamic_cast<const GridSampler&>(*shuffled)),
            Points(GridSampler(context.space, 3, Resolution(3))));

  auto create = [&](const Json& spec) {
    return [&components, &context, spec] { components.samplers.Create(spec, context); };
  };
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "grid"}, {"resolutoin", 3}}), "'resolutoin'"));
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "grid"}, {"resolution", "3"}}), "resolution"));
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "grid"}, {"resolution", 0}}), "resolution"));
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "grid"}, {"resolution", Json{{"z", 2}}}}), "'z'"));
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "grid"}, {"resolution", Json{{"x", "2"}}}}), "'x'"));
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "grid"}, {"shuffle", 1}}), "shuffle"));
}

// Parallel workers each take the next point: together they cover the grid exactly once.
TEST(GridSamplerTest, ParallelWorkersNeverSharePoints) {
  Study study = GridStudy(SmallSpace(), 8, Resolution(3));
  std::mutex mutex;
  std::vector<ParamMap> trials;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        AskResult result = study.TryAsk({});
        if (result.status != ClaimStatus::kClaimed) break;
        {
          std::lock_guard<std::mutex> lock(mutex);
          trials.push_back(result.trial->params());
        }
        study.Tell(*result.trial, 0.0);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(trials.size(), 36u);
  EXPECT_EQ(std::set<ParamMap>(trials.begin(), trials.end()), SmallGrid());
}

// An enqueued trial's open parameters take values of their grid axes, and the trial does not use
// up a point.
TEST(GridSamplerTest, EnqueuedTrialsAreCompletedFromTheAxes) {
  Study study = GridStudy(SmallSpace(), 2, Resolution(3));
  study.Enqueue({{"c", "b"}});
  Trial enqueued = study.Ask();
  EXPECT_FALSE(enqueued.record().sample_index.has_value());
  EXPECT_EQ(enqueued.Param("c"), ParamValue("b"));
  EXPECT_EQ(SmallGrid().count(enqueued.params()), 1u) << ParamsToJson(enqueued.params()).dump();
  study.Tell(enqueued, 0.0);

  const std::vector<ParamMap> trials = RunTrials(study, 36);
  EXPECT_EQ(std::set<ParamMap>(trials.begin(), trials.end()), SmallGrid());
  EXPECT_THROW(study.Ask(), Exhausted);
}

}  // namespace
}  // namespace automl
