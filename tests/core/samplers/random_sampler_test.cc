#include "automl/samplers/random_sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/registry.h"
#include "automl/study.h"
#include "testing/sampler_conformance.h"

namespace automl {
namespace {

struct RandomFactory {
  static constexpr char kName[] = "random";
  static std::unique_ptr<Sampler> Make(const SearchSpace& /*space*/, uint64_t seed) {
    return std::make_unique<RandomSampler>(seed);
  }
};

}  // namespace

namespace testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Random, SamplerConformanceTest, RandomFactory, SamplerFactoryName);
}  // namespace testing

namespace {

using ::automl::testing::ValueFits;

// Upper 0.1% points of the chi-square distribution by degrees of freedom: a correct sampler
// fails a test at most once in a thousand seeds, a biased one fails it whatever the seed.
double ChiSquareCritical(size_t dof) {
  switch (dof) {
    case 1:
      return 10.828;
    case 2:
      return 13.816;
    case 3:
      return 16.266;
    case 4:
      return 18.467;
    case 10:
      return 29.588;
    case 14:
      return 36.123;
    case 15:
      return 37.697;
    case 19:
      return 43.820;
  }
  ADD_FAILURE() << "no chi-square critical value for " << dof << " degrees of freedom";
  return 0;
}

// Pearson's statistic for |counts| against |probabilities| (which sum to 1).
double ChiSquare(const std::vector<int64_t>& counts, const std::vector<double>& probabilities) {
  int64_t total = 0;
  for (int64_t c : counts) total += c;
  double chi2 = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double expected = probabilities[i] * static_cast<double>(total);
    const double d = static_cast<double>(counts[i]) - expected;
    chi2 += d * d / expected;
  }
  return chi2;
}

// Whether |counts| fit |probabilities| at the 0.1% level.
::testing::AssertionResult FitsDistribution(const std::vector<int64_t>& counts,
                                            const std::vector<double>& probabilities) {
  const double chi2 = ChiSquare(counts, probabilities);
  const double critical = ChiSquareCritical(counts.size() - 1);
  if (chi2 < critical) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure();
  failure << "chi-square " << chi2 << " >= " << critical << "; counts:";
  for (int64_t c : counts) failure << " " << c;
  return failure;
}

std::vector<double> Equal(size_t n) { return std::vector<double>(n, 1.0 / static_cast<double>(n)); }

constexpr int kDraws = 4000;

// RandomSampler's values for |spec| in trials 0 .. n-1 of a study of |spec| alone.
std::vector<ParamValue> Draws(const ParamSpec& spec, int n = kDraws, uint64_t seed = 42) {
  StudyOptions options;
  options.name = "draws";
  options.space = SearchSpace({spec});
  options.seed = seed;
  const RandomSampler sampler(seed);
  const Study study = Study::CreateOrLoad(OpenStorage("memory"), options);
  std::vector<ParamValue> draws;
  FrozenTrial trial;
  for (int i = 0; i < n; ++i) {
    trial.number = i;
    draws.push_back(sampler.SampleIndependent(study, trial, spec));
    EXPECT_TRUE(ValueFits(spec, draws.back()));
  }
  return draws;
}

// Counts of each of |spec|'s discrete values among |draws|.
std::vector<int64_t> CountValues(const ParamSpec& spec, const std::vector<ParamValue>& draws) {
  std::vector<int64_t> counts(*spec.Cardinality(), 0);
  for (const ParamValue& v : draws) ++counts[spec.IndexOf(v)];
  return counts;
}

TEST(RandomSamplerTest, FloatIsUniform) {
  const ParamSpec spec = ParamSpec::Float("x", -3.0, 5.0);
  std::vector<int64_t> counts(20, 0);
  for (const ParamValue& v : Draws(spec)) {
    ++counts[static_cast<size_t>((v.AsDouble() + 3.0) / 8.0 * 20.0)];
  }
  EXPECT_TRUE(FitsDistribution(counts, Equal(20)));
}

TEST(RandomSamplerTest, LogFloatHasEqualMassPerDecade) {
  const ParamSpec spec = ParamSpec::Float("lr", 1e-6, 1e-2).Log();
  std::vector<int64_t> decades(4, 0);
  std::vector<int64_t> fine(20, 0);
  for (const ParamValue& v : Draws(spec)) {
    const double decade = std::log10(v.AsDouble()) + 6.0;  // in [0, 4]
    ++decades[std::min<size_t>(static_cast<size_t>(decade), 3)];
    ++fine[std::min<size_t>(static_cast<size_t>(decade * 5.0), 19)];
  }
  EXPECT_TRUE(FitsDistribution(decades, Equal(4)));
  EXPECT_TRUE(FitsDistribution(fine, Equal(20)));
}

TEST(RandomSamplerTest, IntWithStepIsUniformOverItsValues) {
  const ParamSpec spec = ParamSpec::Int("k", 0, 30).Step(3);
  const std::vector<ParamValue> draws = Draws(spec);
  EXPECT_TRUE(FitsDistribution(CountValues(spec, draws), Equal(11)));
}

TEST(RandomSamplerTest, IntIsUniformOverItsValues) {
  const ParamSpec spec = ParamSpec::Int("k", -7, 7);
  EXPECT_TRUE(FitsDistribution(CountValues(spec, Draws(spec)), Equal(15)));
}

TEST(RandomSamplerTest, SteppedFloatIsUniformOverItsValues) {
  for (const ParamSpec& spec :
       {ParamSpec::Float("q", 0.0, 1.0).Step(0.25), ParamSpec::Float("q", 0.1, 0.5).Step(0.1)}) {
    SCOPED_TRACE(spec.ToJson().dump());
    EXPECT_TRUE(FitsDistribution(CountValues(spec, Draws(spec)), Equal(5)));
  }
}

// A log int gives each value v the log-width of its cell [v - 0.5, v + 0.5], as Optuna does.
TEST(RandomSamplerTest, LogIntGivesEachValueItsLogCell) {
  const ParamSpec spec = ParamSpec::Int("n", 1, 16).Log();
  std::vector<double> probabilities;
  const double width = std::log(16.5) - std::log(0.5);
  for (int v = 1; v <= 16; ++v) {
    probabilities.push_back((std::log(v + 0.5) - std::log(v - 0.5)) / width);
  }
  EXPECT_TRUE(FitsDistribution(CountValues(spec, Draws(spec)), probabilities));
}

TEST(RandomSamplerTest, ChoicesAreEquallyLikely) {
  for (const ParamSpec& spec :
       {ParamSpec::Categorical("c", {"a", "b", "c", "d"}), ParamSpec::Ordinal("o", {1, 10, 100}),
        ParamSpec::Categorical("b", {true, false})}) {
    SCOPED_TRACE(spec.ToJson().dump());
    EXPECT_TRUE(FitsDistribution(CountValues(spec, Draws(spec)), Equal(*spec.Cardinality())));
  }
}

TEST(RandomSamplerTest, ConsecutiveTrialsGetDifferentValues) {
  const std::vector<ParamValue> draws = Draws(ParamSpec::Float("x", 0.0, 1.0), 1000);
  EXPECT_EQ(std::set<ParamValue>(draws.begin(), draws.end()).size(), draws.size());
}

// Two parameters with the same spec are drawn from different streams (the name is part of the
// stream), and independently: their correlation is near 0.
TEST(RandomSamplerTest, ParametersAreIndependent) {
  const ParamSpec a = ParamSpec::Float("a", 0.0, 1.0);
  const ParamSpec b = ParamSpec::Float("b", 0.0, 1.0);
  const std::vector<ParamValue> as = Draws(a);
  const std::vector<ParamValue> bs = Draws(b);
  double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < as.size(); ++i) {
    const double x = as[i].AsDouble();
    const double y = bs[i].AsDouble();
    EXPECT_NE(x, y);
    sa += x;
    sb += y;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  const double n = static_cast<double>(as.size());
  const double r = (sab / n - sa / n * sb / n) /
                   std::sqrt((saa / n - sa / n * sa / n) * (sbb / n - sb / n * sb / n));
  EXPECT_LT(std::fabs(r), 0.1);  // 6 standard errors at n = 4000
}

// A parameter's values depend only on (seed, trial number, name): adding parameters to the space,
// before or after it, or reordering the space does not change them.
TEST(RandomSamplerTest, ValueDoesNotChangeWhenParametersAreAdded) {
  const ParamSpec x = ParamSpec::Float("x", -1.0, 1.0);
  auto run = [](std::vector<ParamSpec> params) {
    StudyOptions options;
    options.name = "s";
    options.space = SearchSpace(std::move(params));
    options.seed = 5;
    Study study = Study::CreateOrLoad(OpenStorage("memory"), options,
                                      std::make_unique<RandomSampler>(options.seed));
    std::vector<ParamValue> xs;
    for (const ParamMap& params_of_trial : testing::RunTrials(study, 20)) {
      xs.push_back(params_of_trial.at("x"));
    }
    return xs;
  };
  const std::vector<ParamValue> alone = run({x});
  EXPECT_EQ(run({ParamSpec::Int("a", 1, 9), x}), alone);
  EXPECT_EQ(run({x, ParamSpec::Categorical("z", {"p", "q"}), ParamSpec::Float("y", 0.0, 1.0)}),
            alone);
  EXPECT_EQ(run({ParamSpec::Categorical("opt", {"sgd", "adam"}), x,
                 ParamSpec::Float("m", 0.0, 1.0).When("opt", {"sgd"})}),
            alone);
  EXPECT_EQ(std::set<ParamValue>(alone.begin(), alone.end()).size(), alone.size());
}

// The study's trials take SampleUniform's values, the documented stream.
TEST(RandomSamplerTest, StudyTrialsTakeSampleUniformValues) {
  const SearchSpace space = testing::MixedSpace();
  StudyOptions options;
  options.name = "s";
  options.space = space;
  options.seed = 77;
  Study study =
      Study::CreateOrLoad(OpenStorage("memory"), options, std::make_unique<RandomSampler>(77));
  testing::RunTrials(study, 10);
  for (const FrozenTrial& trial : study.Trials()) {
    for (const ParamSpec& spec : space.params()) {
      EXPECT_EQ(trial.params.at(spec.name()), SampleUniform(77, trial, spec)) << spec.name();
    }
  }
}

TEST(RandomSamplerTest, RegistryBuildsItAndRefusesUnknownOptions) {
  const Components components = BuiltinComponents();
  SamplerContext context;
  context.space = SearchSpace({ParamSpec::Float("x", 0.0, 1.0)});
  context.seed = 9;
  const std::unique_ptr<Sampler> sampler = components.samplers.Create("random", context);
  ASSERT_NE(dynamic_cast<const RandomSampler*>(sampler.get()), nullptr);
  EXPECT_EQ(sampler->name(), "random");

  // Built with the context's seed.
  StudyOptions options;
  options.name = "s";
  options.space = context.space;
  const Study study = Study::CreateOrLoad(OpenStorage("memory"), options);
  FrozenTrial trial;
  trial.number = 3;
  const ParamSpec& x = context.space.Get("x");
  EXPECT_EQ(sampler->SampleIndependent(study, trial, x), SampleUniform(9, trial, x));

  try {
    components.samplers.Create(Json{{"name", "random"}, {"sead", 3}}, context);
    ADD_FAILURE() << "an unknown option was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'sead'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace automl
