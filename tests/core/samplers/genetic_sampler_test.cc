#include "automl/samplers/genetic_sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/registry.h"
#include "automl/samplers/random_sampler.h"
#include "automl/storages/in_memory_storage.h"
#include "automl/study.h"
#include "testing/sampler_conformance.h"

namespace automl {
namespace {

struct GeneticFactory {
  static constexpr char kName[] = "genetic";
  static std::unique_ptr<Sampler> Make(const SearchSpace& space, uint64_t seed) {
    return std::make_unique<GeneticSampler>(space, seed);
  }
};

}  // namespace

namespace testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Genetic, SamplerConformanceTest, GeneticFactory, SamplerFactoryName);
}  // namespace testing

namespace {

using ::automl::testing::ParamsAreValid;
using Objective = std::function<double(const ParamMap&)>;

GeneticSamplerOptions Population(int64_t size) {
  GeneticSamplerOptions options;
  options.population_size = size;
  return options;
}

Study NewStudy(const SearchSpace& space, std::unique_ptr<Sampler> sampler, uint64_t seed,
               Direction direction = Direction::kMinimize,
               std::shared_ptr<Storage> storage = std::make_shared<InMemoryStorage>()) {
  StudyOptions options;
  options.name = "genetic";
  options.space = space;
  options.seed = seed;
  options.directions = {direction};
  return Study::CreateOrLoad(std::move(storage), options, std::move(sampler));
}

// Runs |n| trials of |objective|; returns their parameters.
std::vector<ParamMap> Evaluate(Study& study, int n, const Objective& objective) {
  std::vector<ParamMap> params;
  for (int i = 0; i < n; ++i) {
    Trial trial = study.Ask();
    params.push_back(trial.params());
    study.Tell(trial, objective(trial.params()));
  }
  return params;
}

double BestValue(const Study& study) { return study.BestTrial()->value(); }

SearchSpace Box(int dimensions, double low, double high) {
  std::vector<ParamSpec> params;
  params.reserve(static_cast<size_t>(dimensions));
  for (int d = 0; d < dimensions; ++d) {
    params.push_back(ParamSpec::Float("x" + std::to_string(d), low, high));
  }
  return SearchSpace(params);
}

double Sphere(const ParamMap& params) {
  double sum = 0;
  for (const auto& [name, value] : params) sum += value.AsDouble() * value.AsDouble();
  return sum;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// ---- Generations -------------------------------------------------------------------------------

// The parent population is the first generation, then the best population_size of parents and
// each new generation: the best of all complete trials so far.
TEST(GeneticSamplerTest, ParentsAreTheBestOfAllCompleteGenerations) {
  const SearchSpace space = Box(2, -1, 1);
  auto sampler = std::make_unique<GeneticSampler>(space, 1, Population(10));
  const GeneticSampler& genetic = *sampler;
  Study study = NewStudy(space, std::move(sampler), 1);
  for (int n : {5, 10, 15, 20, 30, 47}) {
    Evaluate(study, n - static_cast<int>(study.Trials().size()), Sphere);
    const EvolutionarySampler::Population parents = genetic.ParentPopulation(study);
    ASSERT_EQ(parents.generations, n / 10) << n << " trials";
    if (n < 10) {
      EXPECT_TRUE(parents.members.empty());
      continue;
    }
    // The 10 best of the first (n / 10) * 10 trials, best first, ranked 0..9.
    const int64_t generated = n / 10 * int64_t{10};  // trials in complete generations
    std::vector<double> expected;
    for (const FrozenTrial& t : study.Trials()) {
      if (t.number < generated) expected.push_back(t.value());
    }
    std::sort(expected.begin(), expected.end());
    expected.resize(10);
    std::vector<double> got;
    for (const FrozenTrial& t : parents.members) got.push_back(t.value());
    EXPECT_EQ(got, expected) << n << " trials";
    EXPECT_EQ(parents.rank, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  }
}

// The sampler memoizes its last parent population; what it saw before never changes the
// parents it finds for a history: a sampler warmed on another study agrees with a fresh one.
TEST(GeneticSamplerTest, ParentsDependOnlyOnTheHistory) {
  const SearchSpace space = Box(2, -1, 1);
  const auto numbers = [](const EvolutionarySampler::Population& population) {
    std::vector<int64_t> n;
    for (const FrozenTrial& t : population.members) n.push_back(t.number);
    return n;
  };
  auto warm = std::make_unique<GeneticSampler>(space, 1, Population(4));
  const GeneticSampler& warmed = *warm;
  Study a = NewStudy(space, std::move(warm), 1);
  Evaluate(a, 14, Sphere);
  Study b = NewStudy(space, std::make_unique<GeneticSampler>(space, 2, Population(4)), 2);
  Evaluate(b, 10, [](const ParamMap& p) { return -Sphere(p); });

  const GeneticSampler fresh(space, 1, Population(4));
  EXPECT_EQ(numbers(warmed.ParentPopulation(b)), numbers(fresh.ParentPopulation(b)));
  EXPECT_EQ(numbers(warmed.ParentPopulation(a)), numbers(fresh.ParentPopulation(a)));
  EXPECT_EQ(warmed.ParentPopulation(b).generations, 2);
}

// Generations are cut in the order trials finish, not in the order they were asked for.
TEST(GeneticSamplerTest, GenerationsFollowTheOrderTrialsFinish) {
  const SearchSpace space = Box(1, 0, 1);
  auto sampler = std::make_unique<GeneticSampler>(space, 2, Population(4));
  const GeneticSampler& genetic = *sampler;
  Study study = NewStudy(space, std::move(sampler), 2);
  std::vector<Trial> trials;
  trials.reserve(6);
  for (int i = 0; i < 6; ++i) trials.push_back(study.Ask());
  for (int i = 5; i >= 2; --i) study.Tell(trials[static_cast<size_t>(i)], 1.0 * i);
  std::set<int64_t> members;
  for (const FrozenTrial& t : genetic.ParentPopulation(study).members) members.insert(t.number);
  EXPECT_EQ(members, (std::set<int64_t>{2, 3, 4, 5}));
}

// FAILED and PRUNED trials have no values: they take no place in a generation.
TEST(GeneticSamplerTest, FailedAndPrunedTrialsAreIgnored) {
  const SearchSpace space = Box(1, 0, 1);
  auto sampler = std::make_unique<GeneticSampler>(space, 3, Population(4));
  const GeneticSampler& genetic = *sampler;
  Study study = NewStudy(space, std::move(sampler), 3);
  for (int i = 0; i < 9; ++i) {
    Trial trial = study.Ask();
    if (i % 3 == 0) study.Tell(trial, TrialState::kFailed, "boom");
    if (i % 3 == 1) study.Tell(trial, TrialState::kPruned);
    if (i % 3 == 2) study.Tell(trial, 0.5);
  }
  EXPECT_EQ(genetic.ParentPopulation(study).generations, 0);  // 3 complete of 4
  Trial last = study.Ask();
  study.Tell(last, 0.25);
  const EvolutionarySampler::Population parents = genetic.ParentPopulation(study);
  EXPECT_EQ(parents.generations, 1);
  for (const FrozenTrial& t : parents.members) EXPECT_EQ(t.state, TrialState::kComplete);
}

// With the largest tournaments the parents are always the two best members, so a child of
// uniform crossover without mutation takes each value from one of them.
TEST(GeneticSamplerTest, ChildrenAreBredFromTheTournamentWinners) {
  const SearchSpace space = Box(4, -1, 1);
  GeneticSamplerOptions options = Population(8);
  options.tournament_size = 8;
  options.variation.crossover = VariationOptions::Crossover::kUniform;
  options.variation.crossover_prob = 1;
  options.variation.mutation_prob = 0;
  auto sampler = std::make_unique<GeneticSampler>(space, 4, options);
  const GeneticSampler& genetic = *sampler;
  Study study = NewStudy(space, std::move(sampler), 4);
  Evaluate(study, 8, Sphere);
  const EvolutionarySampler::Population parents = genetic.ParentPopulation(study);
  const ParamMap& best = parents.members[0].params;
  const ParamMap& second = parents.members[1].params;
  for (int i = 0; i < 4; ++i) {
    Trial child = study.Ask();
    // The 2^4 mixes of the two best are 14 new points; the sampler avoids repeating one.
    for (const auto& [name, value] : child.params()) {
      EXPECT_TRUE(value == best.at(name) || value == second.at(name)) << name;
    }
    study.Tell(child, Sphere(child.params()));
  }
}

// A maximized objective is a minimized one negated: the same trials either way.
TEST(GeneticSamplerTest, MaximizingMirrorsMinimizing) {
  const SearchSpace space = testing::MixedSpace();
  const Objective score = testing::Score;
  Study minimize = NewStudy(space, std::make_unique<GeneticSampler>(space, 5, Population(10)), 5);
  Study maximize = NewStudy(space, std::make_unique<GeneticSampler>(space, 5, Population(10)), 5,
                            Direction::kMaximize);
  EXPECT_EQ(Evaluate(minimize, 45, score),
            Evaluate(maximize, 45, [&](const ParamMap& p) { return -score(p); }));
}

// ---- Reproducibility, beyond the random first generation ---------------------------------------

TEST(GeneticSamplerTest, ReproducibleAndSeedDependentInTheGeneticPhase) {
  for (const SearchSpace& space : {testing::MixedSpace(), testing::ConditionalSpace()}) {
    const auto run = [&](uint64_t seed) {
      Study study =
          NewStudy(space, std::make_unique<GeneticSampler>(space, seed, Population(8)), seed);
      return Evaluate(study, 48, testing::Score);
    };
    const std::vector<ParamMap> first = run(11);
    EXPECT_EQ(first, run(11));
    const std::vector<ParamMap> other = run(12);
    for (size_t i = 8; i < first.size(); ++i) EXPECT_NE(first[i], other[i]) << "trial " << i;
    for (const ParamMap& p : first) ASSERT_TRUE(ParamsAreValid(space, p));
  }
}

// A study resumed by a new sampler in the middle of its genetic phase continues exactly.
TEST(GeneticSamplerTest, ResumesExactlyInTheGeneticPhase) {
  const SearchSpace space = testing::ConditionalSpace();
  const auto make = [&] { return std::make_unique<GeneticSampler>(space, 6, Population(8)); };
  Study whole = NewStudy(space, make(), 6);
  const std::vector<ParamMap> expected = Evaluate(whole, 40, testing::Score);

  auto storage = std::make_shared<InMemoryStorage>();
  std::vector<ParamMap> resumed;
  {
    Study first = NewStudy(space, make(), 6, Direction::kMinimize, storage);
    resumed = Evaluate(first, 21, testing::Score);
  }
  Study second = NewStudy(space, make(), 6, Direction::kMinimize, storage);
  const std::vector<ParamMap> rest = Evaluate(second, 19, testing::Score);
  resumed.insert(resumed.end(), rest.begin(), rest.end());
  EXPECT_EQ(resumed, expected);
}

// ---- Repeats -----------------------------------------------------------------------------------

// On a 3 x 4 grid the first 12 trials are all different, across generations; then repeats are
// all there is.
TEST(GeneticSamplerTest, NoRepeatsInADiscreteSpace) {
  const SearchSpace space(
      {ParamSpec::Int("n", 1, 3), ParamSpec::Categorical("c", {"a", "b", "c", "d"})});
  const Objective objective = [](const ParamMap& p) {
    return static_cast<double>(p.at("n").AsInt()) + (p.at("c") == ParamValue("b") ? 0.0 : 1.0);
  };
  for (uint64_t seed : {1u, 2u, 3u}) {
    Study study =
        NewStudy(space, std::make_unique<GeneticSampler>(space, seed, Population(4)), seed);
    const std::vector<ParamMap> trials = Evaluate(study, 12, objective);
    EXPECT_EQ(std::set<ParamMap>(trials.begin(), trials.end()).size(), 12u) << "seed " << seed;
    for (const ParamMap& p : Evaluate(study, 4, objective)) EXPECT_TRUE(ParamsAreValid(space, p));
  }
}

// A larger discrete space, with conditions: 60 distinct points in 60 trials.
TEST(GeneticSamplerTest, NoRepeatsInAConditionalDiscreteSpace) {
  const SearchSpace space({
      ParamSpec::Categorical("kind", {"a", "b"}),
      ParamSpec::Int("depth", 1, 6).When("kind", {"a"}),
      ParamSpec::Ordinal("width", {8, 16, 32, 64}),
      ParamSpec::Float("rate", 0.0, 1.0).Step(0.25).When("kind", {"b"}),
  });
  // 2 kinds: a: 6 x 4 = 24 points, b: 4 x 5 = 20 points; 44 in all.
  Study study = NewStudy(space, std::make_unique<GeneticSampler>(space, 7, Population(6)), 7);
  const std::vector<ParamMap> trials = Evaluate(study, 44, testing::Score);
  EXPECT_EQ(std::set<ParamMap>(trials.begin(), trials.end()).size(), 44u);
}

// ---- Optimization ------------------------------------------------------------------------------

// 600 trials (12 generations at the default population of 50) of a 5-D sphere: on every seed
// the GA's best is a quarter of the median best of random search with the same budget and
// seeds, or better (on seeds 1..10 the GA's worst was 0.58, random search's median 3.97).
TEST(GeneticSamplerTest, BeatsRandomSearchOnASphere) {
  const SearchSpace space = Box(5, -5, 5);
  std::vector<double> random_best;
  std::vector<double> genetic_best;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    Study random = NewStudy(space, std::make_unique<RandomSampler>(seed), seed);
    Evaluate(random, 600, Sphere);
    random_best.push_back(BestValue(random));
    Study genetic = NewStudy(space, std::make_unique<GeneticSampler>(space, seed), seed);
    Evaluate(genetic, 600, Sphere);
    genetic_best.push_back(BestValue(genetic));
  }
  const double random_median = Median(random_best);
  for (size_t i = 0; i < genetic_best.size(); ++i) {
    EXPECT_LT(genetic_best[i], 0.25 * random_median)
        << "seed " << i + 1 << ": genetic " << genetic_best[i] << ", random median "
        << random_median;
  }
}

// A discrete problem: six integers and a categorical, 21^6 * 3 points; 600 trials (on seeds
// 1..10 the GA's worst best was 3, random search's median 27).
TEST(GeneticSamplerTest, BeatsRandomSearchOnADiscreteProblem) {
  std::vector<ParamSpec> params;
  params.reserve(7);
  for (int d = 0; d < 6; ++d) params.push_back(ParamSpec::Int("n" + std::to_string(d), -10, 10));
  params.push_back(ParamSpec::Categorical("c", {"x", "y", "z"}));
  const SearchSpace space(params);
  const Objective objective = [](const ParamMap& p) {
    double sum = p.at("c") == ParamValue("y") ? 0.0 : 10.0;
    for (int d = 0; d < 6; ++d) {
      const double n = static_cast<double>(p.at("n" + std::to_string(d)).AsInt());
      sum += (n - 3) * (n - 3);
    }
    return sum;
  };
  std::vector<double> random_best;
  std::vector<double> genetic_best;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    Study random = NewStudy(space, std::make_unique<RandomSampler>(seed), seed);
    Evaluate(random, 600, objective);
    random_best.push_back(BestValue(random));
    Study genetic = NewStudy(space, std::make_unique<GeneticSampler>(space, seed), seed);
    Evaluate(genetic, 600, objective);
    genetic_best.push_back(BestValue(genetic));
  }
  const double random_median = Median(random_best);
  for (size_t i = 0; i < genetic_best.size(); ++i) {
    EXPECT_LT(genetic_best[i], 0.25 * random_median)
        << "seed " << i + 1 << ": genetic " << genetic_best[i] << ", random median "
        << random_median;
  }
}

// ---- Options -----------------------------------------------------------------------------------

TEST(GeneticSamplerTest, RefusesSeveralObjectives) {
  const SearchSpace space = Box(1, 0, 1);
  try {
    const GeneticSampler sampler(space, 0, {}, {Direction::kMinimize, Direction::kMaximize});
    ADD_FAILURE() << "two objectives were accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'genetic'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nsga2"), std::string::npos) << e.what();
  }
  SamplerContext context;
  context.space = space;
  context.directions = {Direction::kMinimize, Direction::kMinimize};
  EXPECT_THROW(BuiltinComponents().samplers.Create("genetic", context), InvalidArgument);
}

TEST(GeneticSamplerTest, RegistryReadsItsOptions) {
  const Components components = BuiltinComponents();
  SamplerContext context;
  context.space = Box(2, 0, 1);
  context.seed = 4;

  const std::unique_ptr<Sampler> plain = components.samplers.Create("genetic", context);
  const auto& defaults = dynamic_cast<const GeneticSampler&>(*plain);
  EXPECT_EQ(defaults.name(), "genetic");
  EXPECT_EQ(defaults.population_size(), 50);
  EXPECT_EQ(defaults.variation().crossover, VariationOptions::Crossover::kSbx);

  const Json spec = {{"name", "genetic"},      {"population_size", 8},  {"tournament_size", 3},
                     {"crossover", "uniform"}, {"crossover_prob", 0.7}, {"swapping_prob", 0.3},
                     {"mutation_prob", 0.2},   {"eta_c", 10},           {"eta_m", 30}};
  const std::unique_ptr<Sampler> tuned = components.samplers.Create(spec, context);
  const auto& genetic = dynamic_cast<const GeneticSampler&>(*tuned);
  EXPECT_EQ(genetic.population_size(), 8);
  EXPECT_EQ(genetic.variation().crossover, VariationOptions::Crossover::kUniform);
  EXPECT_EQ(genetic.variation().crossover_prob, 0.7);
  EXPECT_EQ(genetic.variation().swapping_prob, 0.3);
  EXPECT_EQ(genetic.variation().mutation_prob.value_or(-1), 0.2);
  EXPECT_EQ(genetic.variation().eta_c, 10);
  EXPECT_EQ(genetic.variation().eta_m, 30);

  const std::vector<std::pair<std::string, Json>> bad = {
      {"population_size", 1}, {"population_size", 2.5},
      {"tournament_size", 1}, {"tournament_size", 51},
      {"crossover", "spx"},   {"crossover_prob", 2},
      {"elite", 3},           {"eta_c", -1},
  };
  for (const auto& [key, value] : bad) {
    try {
      components.samplers.Create(Json{{"name", "genetic"}, {key, value}}, context);
      ADD_FAILURE() << key << " = " << value.dump() << " was accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("'" + key + "'"), std::string::npos) << e.what();
    }
  }
}

TEST(GeneticSamplerTest, ConstructorValidatesOptions) {
  const SearchSpace space = Box(1, 0, 1);
  EXPECT_THROW(GeneticSampler(space, 0, Population(1)), InvalidArgument);
  GeneticSamplerOptions options = Population(4);
  options.tournament_size = 5;
  EXPECT_THROW(GeneticSampler(space, 0, options), InvalidArgument);
  options.tournament_size = 4;
  options.variation.crossover_prob = -0.5;
  EXPECT_THROW(GeneticSampler(space, 0, options), InvalidArgument);
}

}  // namespace
}  // namespace automl
