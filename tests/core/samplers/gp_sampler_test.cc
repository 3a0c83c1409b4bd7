#include "automl/samplers/gp_sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/registry.h"
#include "automl/samplers/random_sampler.h"
#include "automl/study.h"
#include "testing/sampler_conformance.h"

namespace automl {
namespace {

// The conformance suite checks the sampler's contract through the whole model path (fits,
// acquisition optimization, running trials, repeats, resuming), and expects values to spread over
// each parameter's range while it minimizes its Score function; an optimizer concentrates where
// Score is low (x near 0, lr near its lower bound) instead. So the suite runs the sampler as a
// space-filling design: the confidence bound with a huge beta, which only seeks variance. A
// smaller global phase keeps the suite's 200-trial studies in twelve dimensions quick.
struct GpFactory {
  static constexpr char kName[] = "gp";
  static std::unique_ptr<Sampler> Make(const SearchSpace& space, uint64_t seed) {
    GpSamplerOptions options;
    options.acquisition = GpAcquisition::kUcb;
    options.beta = 1e6;
    options.candidates = 512;
    options.local_starts = 2;
    return std::make_unique<GpSampler>(space, seed, options);
  }
};

}  // namespace

namespace testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Gp, SamplerConformanceTest, GpFactory, SamplerFactoryName);
}  // namespace testing

namespace {

using ::automl::testing::ParamsAreValid;

constexpr double kBraninMinimum = 0.397887357729738;

double Branin(double x, double y) {
  const double b = 5.1 / (4 * M_PI * M_PI);
  const double c = 5 / M_PI;
  const double t = 1 / (8 * M_PI);
  return std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - t) * std::cos(x) + 10;
}

double Hartmann6(const std::vector<double>& x) {
  static const double a[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                 {0.05, 10, 17, 0.1, 8, 14},
                                 {3, 3.5, 1.7, 10, 17, 8},
                                 {17, 8, 0.05, 10, 0.1, 14}};
  static const double p[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                 {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                 {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                 {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (int j = 0; j < 6; ++j) inner += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]);
    sum += alpha[i] * std::exp(-inner);
  }
  return -sum;
}

SearchSpace BraninSpace() {
  return SearchSpace({ParamSpec::Float("x", -5, 10), ParamSpec::Float("y", 0, 15)});
}

Study NewStudy(const SearchSpace& space, uint64_t seed, std::unique_ptr<Sampler> sampler,
               Direction direction = Direction::kMinimize) {
  StudyOptions options;
  options.name = "gp";
  options.space = space;
  options.seed = seed;
  options.directions = {direction};
  return Study::CreateOrLoad(OpenStorage("memory"), options, std::move(sampler));
}

double BestBranin(uint64_t seed, int trials) {
  Study study = NewStudy(BraninSpace(), seed, std::make_unique<GpSampler>(BraninSpace(), seed));
  for (int i = 0; i < trials; ++i) {
    Trial trial = study.Ask();
    study.Tell(trial, Branin(trial.Float("x"), trial.Float("y")));
  }
  return study.BestTrial()->values[0];
}

TEST(GpSamplerTest, FindsTheMinimumOfBranin) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    EXPECT_LT(BestBranin(seed, 40) - kBraninMinimum, 0.05) << "seed " << seed;
  }
}

double BestHartmann6(std::unique_ptr<Sampler> sampler, uint64_t seed, int trials) {
  std::vector<ParamSpec> params;
  for (int d = 0; d < 6; ++d) params.push_back(ParamSpec::Float("x" + std::to_string(d), 0, 1));
  const SearchSpace space(params);
  Study study = NewStudy(space, seed, std::move(sampler));
  for (int i = 0; i < trials; ++i) {
    Trial trial = study.Ask();
    std::vector<double> x;
    for (int d = 0; d < 6; ++d) x.push_back(trial.Float("x" + std::to_string(d)));
    study.Tell(trial, Hartmann6(x));
  }
  return study.BestTrial()->values[0];
}

// Every seed of the GP beats the median of random search with the same budget on Hartmann6.
TEST(GpSamplerTest, BeatsRandomSearchInSixDimensions) {
  std::vector<ParamSpec> params;
  for (int d = 0; d < 6; ++d) params.push_back(ParamSpec::Float("x" + std::to_string(d), 0, 1));
  const SearchSpace space(params);
  constexpr int kTrials = 40;
  std::vector<double> random;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    random.push_back(BestHartmann6(std::make_unique<RandomSampler>(seed), seed, kTrials));
  }
  std::sort(random.begin(), random.end());
  const double random_median = random[2];
  for (uint64_t seed : {1u, 2u, 3u}) {
    EXPECT_LT(BestHartmann6(std::make_unique<GpSampler>(space, seed), seed, kTrials), random_median)
        << "seed " << seed;
  }
}

// A large effect next to small ones (as the bench's mixed function): once x is settled, the
// model must still see that the learning rate and the layer count matter, instead of judging
// them irrelevant and leaving them at a bound (what a prior favouring long length scales did).
TEST(GpSamplerTest, FindsSmallEffectsNextToALargeOne) {
  const SearchSpace space({ParamSpec::Float("x", -5, 5), ParamSpec::Float("lr", 1e-5, 1).Log(),
                           ParamSpec::Int("layers", 1, 8)});
  for (uint64_t seed : {1u, 2u, 3u}) {
    Study study = NewStudy(space, seed, std::make_unique<GpSampler>(space, seed));
    for (int i = 0; i < 60; ++i) {
      Trial trial = study.Ask();
      const double dx = trial.Float("x") - 0.5;
      const double dlr = std::log10(trial.Float("lr")) + 3;
      const double dl = static_cast<double>(trial.Int("layers") - 3);
      study.Tell(trial, 10 * dx * dx + dlr * dlr / 4 + std::fabs(dl) / 2);
    }
    EXPECT_LT(study.BestTrial()->values[0], 0.1) << "seed " << seed;
  }
}

// Maximized objectives are turned around: the sampler climbs towards the maximum.
TEST(GpSamplerTest, MaximizesWhenTheStudyMaximizes) {
  const SearchSpace space({ParamSpec::Float("x", 0, 1)});
  Study study = NewStudy(space, 5, std::make_unique<GpSampler>(space, 5), Direction::kMaximize);
  for (int i = 0; i < 20; ++i) {
    Trial trial = study.Ask();
    const double x = trial.Float("x");
    study.Tell(trial, -(x - 0.7) * (x - 0.7));
  }
  EXPECT_NEAR(study.BestTrial()->params.at("x").AsDouble(), 0.7, 0.01);
}

// Each acquisition function finds the minimum of a parabola.
TEST(GpSamplerTest, EveryAcquisitionFunctionWorks) {
  const SearchSpace space({ParamSpec::Float("x", -1, 1), ParamSpec::Int("n", 0, 20)});
  for (GpAcquisition acquisition : {GpAcquisition::kEi, GpAcquisition::kPi, GpAcquisition::kUcb}) {
    GpSamplerOptions options;
    options.acquisition = acquisition;
    Study study = NewStudy(space, 6, std::make_unique<GpSampler>(space, 6, options));
    for (int i = 0; i < 25; ++i) {
      Trial trial = study.Ask();
      const double x = trial.Float("x");
      const double n = static_cast<double>(trial.Int("n"));
      study.Tell(trial, (x - 0.3) * (x - 0.3) + 0.01 * (n - 13) * (n - 13));
    }
    const ParamMap best = study.BestTrial()->params;
    EXPECT_NEAR(best.at("x").AsDouble(), 0.3, 0.05) << static_cast<int>(acquisition);
    EXPECT_NEAR(static_cast<double>(best.at("n").AsInt()), 13, 1) << static_cast<int>(acquisition);
  }
}

// The default model path (log EI) on every kind of parameter: each proposal lies in its domain
// and on its grid (steps, ints, log ints), and a log parameter whose optimum sits two decades
// into its range is found there, which a model of the raw value could not resolve.
TEST(GpSamplerTest, ModelProposalsRespectBoundsStepsAndLogScales) {
  const SearchSpace space = testing::MixedSpace();
  GpSamplerOptions options;
  options.n_startup = 8;
  Study study = NewStudy(space, 13, std::make_unique<GpSampler>(space, 13, options));
  for (int i = 0; i < 40; ++i) {
    Trial trial = study.Ask();
    ASSERT_TRUE(ParamsAreValid(space, trial.params())) << "trial " << i;
    const double log_lr = std::log10(trial.Float("lr"));
    study.Tell(trial, (log_lr + 3) * (log_lr + 3) + 0.1 * std::abs(trial.Float("x")));
  }
  const double best_lr = study.BestTrial()->params.at("lr").AsDouble();
  EXPECT_GT(best_lr, 1e-3 / 1.5);
  EXPECT_LT(best_lr, 1e-3 * 1.5);
}

// Workers asking while others run get points apart from the running ones (kriging believer);
// without it they would all get the acquisition's one maximum.
TEST(GpSamplerTest, RunningTrialsPushNewSuggestionsAway) {
  const SearchSpace space = BraninSpace();
  Study study = NewStudy(space, 7, std::make_unique<GpSampler>(space, 7));
  for (int i = 0; i < 15; ++i) {
    Trial trial = study.Ask();
    study.Tell(trial, Branin(trial.Float("x"), trial.Float("y")));
  }
  std::vector<Trial> running;
  for (int i = 0; i < 4; ++i) running.push_back(study.Ask());
  for (size_t i = 0; i < running.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const double dx = (running[i].Float("x") - running[j].Float("x")) / 15;
      const double dy = (running[i].Float("y") - running[j].Float("y")) / 15;
      EXPECT_GT(std::hypot(dx, dy), 0.01) << "trials " << i << " and " << j << " coincide";
    }
  }
}

// A 3 x 4 grid: the first 12 trials are its 12 points, in the startup and the model phases
// alike; the 13th must repeat one, and does so without failing.
TEST(GpSamplerTest, NeverRepeatsAPointOfADiscreteSpaceUntilAllAreTried) {
  const SearchSpace space(
      {ParamSpec::Int("n", 1, 3), ParamSpec::Categorical("c", {"a", "b", "c", "d"})});
  for (int64_t n_startup : {1, 4, 10}) {
    GpSamplerOptions options;
    options.n_startup = n_startup;
    Study study = NewStudy(space, 8, std::make_unique<GpSampler>(space, 8, options));
    std::set<ParamMap> seen;
    for (int i = 0; i < 12; ++i) {
      Trial trial = study.Ask();
      EXPECT_TRUE(seen.insert(trial.params()).second)
          << "trial " << i << " repeats a point (n_startup " << n_startup << ")";
      study.Tell(trial, static_cast<double>(trial.Int("n")) + (trial.String("c") == "b" ? 0 : 1));
    }
    Trial extra = study.Ask();
    EXPECT_TRUE(ParamsAreValid(space, extra.params()));
  }
}

// Running and failed trials count as tried too.
TEST(GpSamplerTest, DoesNotRepeatRunningOrFailedDiscreteTrials) {
  const SearchSpace space({ParamSpec::Int("n", 1, 2), ParamSpec::Categorical("c", {"a", "b"})});
  GpSamplerOptions options;
  options.n_startup = 1;
  Study study = NewStudy(space, 9, std::make_unique<GpSampler>(space, 9, options));
  Trial complete = study.Ask();
  study.Tell(complete, 1.0);
  Trial failed = study.Ask();
  study.Tell(failed, TrialState::kFailed, "boom");
  Trial running = study.Ask();
  Trial last = study.Ask();
  const std::set<ParamMap> all = {complete.params(), failed.params(), running.params(),
                                  last.params()};
  EXPECT_EQ(all.size(), 4u);
}

// Conditional spaces: the model covers the parameters every trial has (opt, x), the others are
// drawn independently; the sampler still finds the best branch and x.
TEST(GpSamplerTest, ModelsTheParametersActiveInEveryTrial) {
  const SearchSpace space({ParamSpec::Categorical("opt", {"a", "b"}), ParamSpec::Float("x", 0, 1),
                           ParamSpec::Float("y", 0, 1).When("opt", {"a"})});
  Study study = NewStudy(space, 10, std::make_unique<GpSampler>(space, 10));
  for (int i = 0; i < 30; ++i) {
    Trial trial = study.Ask();
    ASSERT_TRUE(ParamsAreValid(space, trial.params()));
    const double x = trial.Float("x");
    study.Tell(trial, (x - 0.25) * (x - 0.25) + (trial.String("opt") == "b" ? 0.0 : 0.5));
  }
  const ParamMap best = study.BestTrial()->params;
  EXPECT_EQ(best.at("opt"), ParamValue("b"));
  EXPECT_NEAR(best.at("x").AsDouble(), 0.25, 0.02);
}

// An enqueued trial's given values are kept; the model fills in the rest.
TEST(GpSamplerTest, CompletesEnqueuedTrialsAroundTheirFixedValues) {
  const SearchSpace space = BraninSpace();
  Study study = NewStudy(space, 11, std::make_unique<GpSampler>(space, 11));
  for (int i = 0; i < 20; ++i) {
    Trial trial = study.Ask();
    study.Tell(trial, Branin(trial.Float("x"), trial.Float("y")));
  }
  study.Enqueue({{"x", M_PI}});
  Trial trial = study.Ask();
  EXPECT_EQ(trial.Float("x"), M_PI);
  EXPECT_TRUE(ParamsAreValid(space, trial.params()));
}

TEST(GpSamplerTest, RefitsOnAScheduleOfObservationCounts) {
  const GpSampler sampler(BraninSpace(), 0);
  std::vector<int64_t> expected;
  for (int64_t c = 1; c <= 30; ++c) expected.push_back(c);
  for (int64_t c : {33, 37, 41, 46, 51, 57, 63, 70, 77, 85, 94}) expected.push_back(c);
  EXPECT_EQ(sampler.RefitSchedule(100), expected);
  EXPECT_EQ(sampler.RefitSchedule(3), (std::vector<int64_t>{1, 2, 3}));
  GpSamplerOptions always;
  always.refit_until = 2;
  always.refit_growth = 0;
  EXPECT_EQ(GpSampler(BraninSpace(), 0, always).RefitSchedule(5),
            (std::vector<int64_t>{1, 2, 3, 4, 5}));
}

// A study resumed with a new sampler (cold fit cache) well past the refits by growth suggests
// exactly what the original sampler did.
TEST(GpSamplerTest, ResumedStudyRecomputesTheSameFits) {
  const SearchSpace space = BraninSpace();
  GpSamplerOptions options;
  options.n_startup = 4;
  options.refit_until = 6;
  options.refit_growth = 0.3;
  auto run = [&](Study& study, int n) {
    for (int i = 0; i < n; ++i) {
      Trial trial = study.Ask();
      study.Tell(trial, Branin(trial.Float("x"), trial.Float("y")));
    }
  };
  StudyOptions study_options;
  study_options.name = "resume";
  study_options.space = space;
  study_options.seed = 12;
  Study whole = Study::CreateOrLoad(OpenStorage("memory"), study_options,
                                    std::make_unique<GpSampler>(space, 12, options));
  run(whole, 24);
  auto storage = OpenStorage("memory");
  {
    Study first = Study::CreateOrLoad(storage, study_options,
                                      std::make_unique<GpSampler>(space, 12, options));
    run(first, 17);
  }
  Study resumed =
      Study::CreateOrLoad(storage, study_options, std::make_unique<GpSampler>(space, 12, options));
  run(resumed, 7);
  EXPECT_EQ(testing::StoredParams(resumed), testing::StoredParams(whole));
}

// Whether |f| throws InvalidArgument with |needle| in its message.
template <typename F>
::testing::AssertionResult RefusedWith(F f, const std::string& needle) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    if (std::string(e.what()).find(needle) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "the message does not name " << needle << ": " << e.what();
  }
  return ::testing::AssertionFailure() << "not refused";
}

TEST(GpSamplerTest, RegistryReadsAndValidatesItsOptions) {
  const Components components = BuiltinComponents();
  SamplerContext context;
  context.space = BraninSpace();
  context.directions = {Direction::kMinimize};
  context.seed = 3;

  const std::unique_ptr<Sampler> plain = components.samplers.Create("gp", context);
  ASSERT_NE(dynamic_cast<const GpSampler*>(plain.get()), nullptr);
  EXPECT_EQ(plain->name(), "gp");
  const GpSamplerOptions defaults = dynamic_cast<const GpSampler&>(*plain).options();
  EXPECT_EQ(defaults.n_startup, 10);
  EXPECT_EQ(defaults.acquisition, GpAcquisition::kEi);
  EXPECT_EQ(defaults.candidates, 2048);

  const Json all = {
      {"name", "gp"},        {"n_startup", 5},         {"acquisition", "ucb"},  {"beta", 3.5},
      {"candidates", 512},   {"local_starts", 2},      {"deterministic", true}, {"refit_until", 12},
      {"refit_growth", 0.5}, {"output_warping", false}};
  const std::unique_ptr<Sampler> custom = components.samplers.Create(all, context);
  const GpSamplerOptions o = dynamic_cast<const GpSampler&>(*custom).options();
  EXPECT_EQ(o.n_startup, 5);
  EXPECT_EQ(o.acquisition, GpAcquisition::kUcb);
  EXPECT_EQ(o.beta, 3.5);
  EXPECT_EQ(o.candidates, 512);
  EXPECT_EQ(o.local_starts, 2);
  EXPECT_TRUE(o.deterministic);
  EXPECT_EQ(o.refit_until, 12);
  EXPECT_EQ(o.refit_growth, 0.5);
  EXPECT_FALSE(o.output_warping);
  EXPECT_TRUE(defaults.output_warping);
  EXPECT_EQ(GpSamplerOptions::FromComponentOptions(
                ComponentOptions("sampler", Json{{"name", "gp"}, {"acquisition", "pi"}}))
                .acquisition,
            GpAcquisition::kPi);

  auto create = [&](const Json& spec) {
    return [&components, &context, spec] { components.samplers.Create(spec, context); };
  };
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "gp"}, {"acquisition", "ts"}}), "acquisition"));
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "gp"}, {"beta", 0}}), "beta"));
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "gp"}, {"n_startup", 0}}), "n_startup"));
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "gp"}, {"candidates", 8}}), "candidates"));
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "gp"}, {"local_starts", -1}}), "local_starts"));
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "gp"}, {"deterministic", "yes"}}), "deterministic"));
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "gp"}, {"refit_until", 0}}), "refit_until"));
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "gp"}, {"refit_growth", -0.1}}), "refit_growth"));
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "gp"}, {"output_warping", 1}}), "output_warping"));
  EXPECT_TRUE(RefusedWith(create(Json{{"name", "gp"}, {"n_start", 3}}), "'n_start'"));
}

TEST(GpSamplerTest, RefusesSeveralObjectives) {
  const std::vector<Direction> two = {Direction::kMinimize, Direction::kMinimize};
  EXPECT_TRUE(RefusedWith([&] { GpSampler(BraninSpace(), 0, {}, two); }, "'gp'"));
  SamplerContext context;
  context.space = BraninSpace();
  context.directions = two;
  EXPECT_TRUE(
      RefusedWith([&] { BuiltinComponents().samplers.Create("gp", context); }, "single objective"));
  // A sampler built without directions refuses a multi-objective study when asked.
  StudyOptions options;
  options.name = "multi";
  options.space = BraninSpace();
  options.directions = two;
  Study study = Study::CreateOrLoad(OpenStorage("memory"), options,
                                    std::make_unique<GpSampler>(BraninSpace(), 0));
  EXPECT_THROW(study.Ask(), InvalidArgument);
}

}  // namespace
}  // namespace automl
