#include "automl/samplers/param_variation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>

#include "automl/error.h"
#include "automl/random.h"
#include "testing/sampler_conformance.h"

namespace automl {
namespace testing {
// Only the spaces and checks of the conformance suite are used here.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SamplerConformanceTest);
}  // namespace testing

namespace {

using ::automl::testing::ParamsAreValid;

VariationOptions Options(double crossover_prob, double mutation_prob) {
  VariationOptions options;
  options.crossover_prob = crossover_prob;
  options.mutation_prob = mutation_prob;
  return options;
}

TEST(MakeChildTest, WithoutCrossoverOrMutationTheChildIsTheFirstParent) {
  const SearchSpace space = testing::MixedSpace();
  Rng rng(1);
  const ParamMap a = RandomParams(space, rng);
  const ParamMap b = RandomParams(space, rng);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(MakeChild(space, a, b, Options(0, 0), rng), a);
}

TEST(MakeChildTest, UniformCrossoverTakesEachValueFromOneParent) {
  const SearchSpace space = testing::MixedSpace();
  Rng rng(2);
  const ParamMap a = RandomParams(space, rng);
  const ParamMap b = RandomParams(space, rng);
  VariationOptions options = Options(1, 0);
  options.crossover = VariationOptions::Crossover::kUniform;
  options.swapping_prob = 1;
  EXPECT_EQ(MakeChild(space, a, b, options, rng), b);
  options.swapping_prob = 0;
  EXPECT_EQ(MakeChild(space, a, b, options, rng), a);
  options.swapping_prob = 0.5;
  std::map<std::string, std::set<ParamValue>> seen;
  for (int i = 0; i < 200; ++i) {
    const ParamMap child = MakeChild(space, a, b, options, rng);
    for (const auto& [name, value] : child) {
      EXPECT_TRUE(value == a.at(name) || value == b.at(name)) << name;
      seen[name].insert(value);
    }
  }
  for (const auto& [name, values] : seen) {
    EXPECT_EQ(values.size(), a.at(name) == b.at(name) ? 1u : 2u) << name;
  }
}

// Children are always valid parameter sets, whatever the operators do near the bounds.
TEST(MakeChildTest, ChildrenAreValid) {
  for (const SearchSpace& space : {testing::MixedSpace(), testing::ConditionalSpace()}) {
    for (double eta : {0.0, 20.0}) {
      Rng rng(3);
      VariationOptions options = Options(1, 0.5);
      options.eta_c = eta;
      options.eta_m = eta;
      for (int i = 0; i < 2000; ++i) {
        const ParamMap a = RandomParams(space, rng);
        const ParamMap b = RandomParams(space, rng);
        ASSERT_TRUE(ParamsAreValid(space, a));
        ASSERT_TRUE(ParamsAreValid(space, MakeChild(space, a, b, options, rng)));
      }
    }
  }
}

// SBX works in the unit space: for a log parameter, children of 1e-4 and 1e-2 spread evenly
// about 1e-3 (in linear space most would lie above it, about the mean 5e-3).
TEST(MakeChildTest, SbxCrossesLogParametersInLogScale) {
  const SearchSpace space({ParamSpec::Float("lr", 1e-5, 1e-1).Log()});
  const ParamMap a = {{"lr", 1e-4}};
  const ParamMap b = {{"lr", 1e-2}};
  Rng rng(4);
  int below = 0;
  int crossed = 0;
  for (int i = 0; i < 4000; ++i) {
    const double lr = MakeChild(space, a, b, Options(1, 0), rng).at("lr").AsDouble();
    if (lr == 1e-4 || lr == 1e-2) continue;  // a variable left uncrossed
    ++crossed;
    below += lr < 1e-3;
  }
  EXPECT_NEAR(crossed, 2000, 150);  // each variable is crossed with probability 0.5
  EXPECT_NEAR(below, crossed / 2.0, 100);
}

// Ints are crossed in the unit space and rounded to their grid; children of 2 and 12 (eta 20)
// stay near them, and both sides occur.
TEST(MakeChildTest, SbxOnIntsRoundsToTheGrid) {
  const SearchSpace space({ParamSpec::Int("n", 0, 20).Step(2)});
  const ParamMap a = {{"n", 2}};
  const ParamMap b = {{"n", 12}};
  Rng rng(5);
  std::map<int64_t, int> counts;
  for (int i = 0; i < 2000; ++i) {
    const ParamMap child = MakeChild(space, a, b, Options(1, 0), rng);
    ASSERT_TRUE(ParamsAreValid(space, child));
    ++counts[child.at("n").AsInt()];
  }
  EXPECT_GT(counts[2], 500);
  EXPECT_GT(counts[12], 500);
  EXPECT_GT(counts.size(), 3u) << "SBX never moved away from the parents";
}

// Ordinals are crossed by position: children of the first and last choice take the choices in
// between too.
TEST(MakeChildTest, SbxCrossesOrdinalsByPosition) {
  const SearchSpace space({ParamSpec::Ordinal("w", {1, 2, 4, 8, 16})});
  const ParamMap a = {{"w", 1}};
  const ParamMap b = {{"w", 16}};
  VariationOptions options = Options(1, 0);
  options.eta_c = 0;  // widest spread
  Rng rng(6);
  std::set<ParamValue> seen;
  for (int i = 0; i < 2000; ++i) seen.insert(MakeChild(space, a, b, options, rng).at("w"));
  EXPECT_EQ(seen.size(), 5u);
}

TEST(MutateValueTest, CategoricalMutationPicksAnotherChoiceUniformly) {
  const ParamSpec spec = ParamSpec::Categorical("c", {"a", "b", "c", "d"});
  Rng rng(7);
  std::map<ParamValue, int> counts;
  for (int i = 0; i < 3000; ++i) ++counts[MutateValue(spec, "b", VariationOptions{}, rng)];
  EXPECT_EQ(counts.count("b"), 0u);
  for (const char* other : {"a", "c", "d"}) EXPECT_NEAR(counts[other], 1000, 100) << other;
  EXPECT_EQ(MutateValue(ParamSpec::Categorical("one", {"x"}), "x", VariationOptions{}, rng), "x");
}

TEST(MutateValueTest, OrdinalMutationStepsToANeighbour) {
  const ParamSpec spec = ParamSpec::Ordinal("w", {1, 2, 4, 8});
  Rng rng(8);
  std::map<ParamValue, int> counts;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(MutateValue(spec, 1, VariationOptions{}, rng), ParamValue(2));
    EXPECT_EQ(MutateValue(spec, 8, VariationOptions{}, rng), ParamValue(4));
    ++counts[MutateValue(spec, 2, VariationOptions{}, rng)];
  }
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_NEAR(counts[ParamValue(1)], 500, 80);
  EXPECT_NEAR(counts[ParamValue(4)], 500, 80);
}

TEST(MutateValueTest, NumericMutationStaysInRangeAndOnTheGrid) {
  const std::vector<ParamSpec> specs = {
      ParamSpec::Float("x", -2, 3),           ParamSpec::Float("lr", 1e-5, 1e-1).Log(),
      ParamSpec::Float("q", 0, 1).Step(0.25), ParamSpec::Int("n", 1, 64).Log(),
      ParamSpec::Int("u", 16, 256).Step(16),
  };
  Rng rng(9);
  for (const ParamSpec& spec : specs) {
    const SearchSpace space({spec});
    for (int i = 0; i < 500; ++i) {
      const ParamValue start = spec.FromUnit(rng.Uniform());
      const ParamMap mutated = {{spec.name(), MutateValue(spec, start, VariationOptions{}, rng)}};
      ASSERT_TRUE(ParamsAreValid(space, mutated));
    }
  }
}

// Conditions: a parameter active in both parents is crossed, in one parent only is inherited
// from it, in neither is drawn at random; inactive ones are dropped.
TEST(MakeChildTest, ConditionalParametersFollowTheChildsOwnValues) {
  const SearchSpace space({
      ParamSpec::Categorical("opt", {"sgd", "adam"}),
      ParamSpec::Float("momentum", 0.5, 0.99).When("opt", {"sgd"}),
      ParamSpec::Float("beta", 0.8, 0.999).When("opt", {"adam"}),
  });
  const ParamMap sgd = {{"opt", "sgd"}, {"momentum", 0.7}};
  const ParamMap adam = {{"opt", "adam"}, {"beta", 0.9}};
  VariationOptions uniform = Options(1, 0);
  uniform.crossover = VariationOptions::Crossover::kUniform;
  Rng rng(10);
  std::map<std::string, int> branches;
  for (int i = 0; i < 400; ++i) {
    const ParamMap child = MakeChild(space, sgd, adam, uniform, rng);
    ASSERT_TRUE(ParamsAreValid(space, child));
    const std::string opt = child.at("opt").AsString();
    ++branches[opt];
    // Present in one parent only: inherited unchanged.
    if (opt == "sgd") {
      EXPECT_EQ(child.at("momentum"), ParamValue(0.7));
    } else {
      EXPECT_EQ(child.at("beta"), ParamValue(0.9));
    }
  }
  EXPECT_GT(branches["sgd"], 100);
  EXPECT_GT(branches["adam"], 100);

  // Both parents use adam; mutation (probability 1) flips the child to sgd, whose momentum
  // neither parent has: it is drawn at random.
  std::set<double> momenta;
  for (int i = 0; i < 50; ++i) {
    const ParamMap child = MakeChild(space, adam, adam, Options(1, 1), rng);
    ASSERT_TRUE(ParamsAreValid(space, child));
    EXPECT_EQ(child.at("opt"), ParamValue("sgd"));
    momenta.insert(child.at("momentum").AsDouble());
  }
  EXPECT_EQ(momenta.size(), 50u);
}

// A parent's value the parameter cannot take counts as absent.
TEST(MakeChildTest, InvalidParentValuesAreIgnored) {
  const SearchSpace space({ParamSpec::Int("n", 1, 5)});
  Rng rng(11);
  for (int i = 0; i < 100; ++i) {
    const ParamMap child = MakeChild(space, {{"n", 99}}, {{"n", "x"}}, Options(1, 0), rng);
    ASSERT_TRUE(ParamsAreValid(space, child));
  }
  EXPECT_EQ(MakeChild(space, {{"n", 99}}, {{"n", 3}}, Options(0, 0), rng).at("n"), ParamValue(3));
}

// The default mutation probability is 1/n: with n = 4 variable parameters, about one in four
// values of a child of two equal parents changes.
TEST(MakeChildTest, DefaultMutationProbabilityIsOneOverN) {
  const SearchSpace space({
      ParamSpec::Categorical("a", {"x", "y"}),
      ParamSpec::Categorical("b", {"x", "y"}),
      ParamSpec::Categorical("c", {"x", "y"}),
      ParamSpec::Categorical("d", {"x", "y"}),
      ParamSpec::Fixed("e", 1),
  });
  const ParamMap parent = {{"a", "x"}, {"b", "x"}, {"c", "x"}, {"d", "x"}, {"e", 1}};
  VariationOptions options;
  Rng rng(12);
  int changed = 0;
  for (int i = 0; i < 4000; ++i) {
    for (const auto& [name, value] : MakeChild(space, parent, parent, options, rng)) {
      changed += value != parent.at(name);
    }
  }
  EXPECT_NEAR(changed, 4000, 200);
}

TEST(RandomParamsTest, ValidAndSpread) {
  const SearchSpace space = testing::ConditionalSpace();
  Rng rng(13);
  std::set<ParamMap> points;
  for (int i = 0; i < 100; ++i) {
    const ParamMap p = RandomParams(space, rng);
    ASSERT_TRUE(ParamsAreValid(space, p));
    points.insert(p);
  }
  EXPECT_EQ(points.size(), 100u);
}

TEST(VariationOptionsTest, ReadsAndValidatesOptions) {
  const Json spec = {{"name", "genetic"},
                     {"crossover", "uniform"},
                     {"crossover_prob", 0.5},
                     {"swapping_prob", 0.25},
                     {"mutation_prob", 0.1},
                     {"eta_c", 15},
                     {"eta_m", 0}};
  const VariationOptions v =
      VariationOptions::FromComponentOptions(ComponentOptions("sampler", spec));
  EXPECT_EQ(v.crossover, VariationOptions::Crossover::kUniform);
  EXPECT_EQ(v.crossover_prob, 0.5);
  EXPECT_EQ(v.swapping_prob, 0.25);
  EXPECT_EQ(v.mutation_prob.value_or(-1), 0.1);
  EXPECT_EQ(v.eta_c, 15);
  EXPECT_EQ(v.eta_m, 0);

  const VariationOptions d =
      VariationOptions::FromComponentOptions(ComponentOptions("sampler", "genetic"));
  EXPECT_EQ(d.crossover, VariationOptions::Crossover::kSbx);
  EXPECT_EQ(d.crossover_prob, 0.9);
  EXPECT_EQ(d.swapping_prob, 0.5);
  EXPECT_FALSE(d.mutation_prob.has_value());
  EXPECT_EQ(d.eta_c, 20);
  EXPECT_EQ(d.eta_m, 20);

  const std::vector<std::pair<std::string, Json>> bad = {
      {"crossover", "blx"}, {"crossover", 1}, {"crossover_prob", 1.5}, {"swapping_prob", -0.1},
      {"mutation_prob", 2}, {"eta_c", -1},    {"eta_m", "wide"},
  };
  for (const auto& [key, value] : bad) {
    const Json options = {{"name", "genetic"}, {key, value}};
    try {
      VariationOptions::FromComponentOptions(ComponentOptions("sampler", options));
      ADD_FAILURE() << key << " = " << value.dump() << " was accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("'" + key + "'"), std::string::npos) << e.what();
    }
  }

  VariationOptions invalid;
  invalid.eta_m = -2;
  EXPECT_THROW(invalid.Validate("sampler 'x'"), InvalidArgument);
  invalid = VariationOptions{};
  invalid.mutation_prob = 1.5;
  EXPECT_THROW(invalid.Validate("sampler 'x'"), InvalidArgument);
  EXPECT_NO_THROW(VariationOptions{}.Validate("sampler 'x'"));
}

}  // namespace
}  // namespace automl
