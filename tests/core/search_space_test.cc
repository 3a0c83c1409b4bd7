#include "automl/search_space.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "automl/config_file.h"
#include "automl/error.h"

namespace automl {
namespace {

using ::testing::HasSubstr;

// The message a space (written as YAML) is refused with; "" when accepted.
std::string Refusal(const std::string& yaml) {
  try {
    SearchSpace::FromJson(ParseYaml(yaml, "space"));
    return "";
  } catch (const InvalidArgument& e) {
    return e.what();
  }
}

TEST(SearchSpaceTest, InvalidSpacesAreRefusedNamingTheParameterAndTheProblem) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  const Case cases[] = {
      {"x: {type: float, low: 10, high: -5}",
       "parameter 'x': low (10) must be less than high (-5)"},
      {"x: {type: float, low: 1, high: 1}", "parameter 'x': low (1) must be less than high (1)"},
      {"n: {type: int, low: 8, high: 1}", "parameter 'n': low (8) must be less than high (1)"},
      {"lr: {type: float, low: 0, high: 1, log: true}",
       "parameter 'lr': log scale needs low > 0 (low is 0)"},
      {"n: {type: int, low: -2, high: 8, log: true}", "parameter 'n': log scale needs low > 0"},
      {"n: {type: int, low: 1, high: 8, step: 3}",
       "parameter 'n': step 3 does not fit the range [1, 8]: high - low = 7 is not a multiple of "
       "it"},
      {"x: {type: float, low: 0, high: 1, step: 0.3}", "parameter 'x': step 0.3 does not fit"},
      {"n: {type: int, low: 1, high: 8, step: 0}", "parameter 'n': step must be positive"},
      {"n: {type: int, low: 1, high: 8, step: 1.5}",
       "parameter 'n': the step of an int must be an integer"},
      {"x: {type: float, low: 1, high: 9, log: true, step: 2}",
       "parameter 'x': a log-scale parameter cannot have a step"},
      {"opt: {type: categorical, choices: []}", "parameter 'opt': choices are empty"},
      {"opt: {type: ordinal, choices: []}", "parameter 'opt': choices are empty"},
      {"opt: {type: categorical, choices: [sgd, adam, sgd]}",
       "parameter 'opt': choice \"sgd\" appears twice"},
      {"x: {type: float, low: 0, high: 1}\nx: {type: int, low: 0, high: 1}", "duplicate key 'x'"},
      {"m: {type: float, low: 0, high: 1, when: {opt: sgd}}",
       "parameter 'm': when opt: there is no parameter 'opt'"},
      {"x: {type: float, low: 0, high: 1}\nm: {type: float, low: 0, high: 1, when: {x: 0.5}}",
       "parameter 'm': when x: 'x' is a float parameter; conditions need a categorical or ordinal "
       "parent"},
      {"opt: [sgd, adam]\nm: {type: float, low: 0, high: 1, when: {opt: sdg}}",
       "parameter 'm': when opt: \"sdg\" is not a choice of 'opt'"},
      {"a: {type: categorical, choices: [u, v], when: {b: p}}\n"
       "b: {type: categorical, choices: [p, q], when: {a: u}}",
       "parameters depend on each other in a cycle: 'a' -> 'b' -> 'a'"},
      {"a: {type: categorical, choices: [u, v], when: {a: u}}",
       "parameter 'a': when a: a parameter cannot depend on itself"},
      {"x: {type: float, low: 0}", "parameter 'x': missing 'high'"},
      {"x: {type: float, low: 0, high: one}", "parameter 'x': high must be a number"},
      {"x: {type: real, low: 0, high: 1}", "parameter 'x': unknown type 'real'"},
      {"x: {type: float, low: 0, high: 1, lo: 3}",
       "parameter 'x': unknown key 'lo' for a float parameter"},
      {"x: {low: 0, high: 1}", "parameter 'x': missing 'type'"},
      {"'{x}': {type: float, low: 0, high: 1}", "a name cannot contain braces"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(Refusal(c.yaml), HasSubstr(c.message)) << c.yaml;
  }
}

TEST(SearchSpaceTest, ValidSpacesAreAcceptedAndOrderParentsFirst) {
  const SearchSpace space = SearchSpace::FromJson(ParseYaml(R"(
momentum: {type: float, low: 0.8, high: 0.99, when: {opt: sgd}}
x: {type: float, low: -5, high: 10}
lr: {type: float, low: 1.0e-5, high: 1.0e-1, log: true}
layers: {type: int, low: 1, high: 8}
opt: {type: categorical, choices: [sgd, adam]}
nesterov: {type: categorical, choices: [true, false], when: {opt: sgd}}
width: {type: ordinal, choices: [16, 32, 64]}
epochs: 10
act: [relu, gelu]
)",
                                                            "t"));
  std::vector<std::string> names;
  for (const ParamSpec& p : space.params()) names.push_back(p.name());
  // momentum waits for opt; the rest keep their order.
  EXPECT_EQ(names, (std::vector<std::string>{"x", "lr", "layers", "opt", "momentum", "nesterov",
                                             "width", "epochs", "act"}));
  EXPECT_EQ(space.Get("epochs").type(), ParamType::kFixed);
  EXPECT_EQ(space.Get("act").type(), ParamType::kCategorical);
  EXPECT_EQ(space.Get("width").type(), ParamType::kOrdinal);
  EXPECT_TRUE(space.has_conditions());
  EXPECT_THROW(space.Get("nope"), NotFound);
}

TEST(SearchSpaceTest, ActivityFollowsConditionsThroughChains) {
  const SearchSpace space({ParamSpec::Categorical("opt", {"sgd", "adam", "rmsprop"}),
                           ParamSpec::Categorical("nesterov", {true, false}).When("opt", {"sgd"}),
                           ParamSpec::Float("m", 0, 1).When("opt", {"sgd", "rmsprop"}),
                           ParamSpec::Float("dampening", 0, 1).When("nesterov", {false})});
  const ParamSpec& m = space.Get("m");
  const ParamSpec& d = space.Get("dampening");
  EXPECT_TRUE(space.IsActive(m, {{"opt", "rmsprop"}}));
  EXPECT_FALSE(space.IsActive(m, {{"opt", "adam"}}));
  EXPECT_TRUE(space.IsActive(d, {{"opt", "sgd"}, {"nesterov", false}}));
  EXPECT_FALSE(space.IsActive(d, {{"opt", "sgd"}, {"nesterov", true}}));
  EXPECT_FALSE(space.IsActive(d, {{"opt", "adam"}}));  // parent inactive, so is the child

  EXPECT_NO_THROW(space.CheckParams({{"opt", "adam"}}));
  EXPECT_NO_THROW(
      space.CheckParams({{"opt", "sgd"}, {"nesterov", false}, {"m", 0.5}, {"dampening", 0.1}}));
  EXPECT_THROW(space.CheckParams({{"opt", "adam"}, {"m", 0.5}}),
               InvalidArgument);  // inactive given
  EXPECT_THROW(space.CheckParams({{"opt", "sgd"}, {"nesterov", true}}),
               InvalidArgument);  // m missing
  EXPECT_THROW(space.CheckParams({{"opt", "sgd"}, {"nesterov", true}, {"m", 2.0}}),
               InvalidArgument);
  EXPECT_THROW(space.CheckParams({{"opt", "adam"}, {"zzz", 1}}), InvalidArgument);
  EXPECT_NO_THROW(space.CheckParams({{"m", 0.5}}, /*allow_missing=*/true));
}

TEST(SearchSpaceTest, ContainsChecksTypeRangeStepAndChoices) {
  const ParamSpec f = ParamSpec::Float("f", 0, 1).Step(0.25);
  EXPECT_TRUE(f.Contains(0.75));
  EXPECT_TRUE(f.Contains(1));  // an integer value for a float parameter is fine
  EXPECT_FALSE(f.Contains(0.3));
  EXPECT_FALSE(f.Contains(1.25));
  EXPECT_FALSE(f.Contains("0.5"));
  const ParamSpec n = ParamSpec::Int("n", 2, 10).Step(2);
  EXPECT_TRUE(n.Contains(4));
  EXPECT_FALSE(n.Contains(5));
  EXPECT_FALSE(n.Contains(4.5));
  EXPECT_FALSE(n.Contains(12));
  const ParamSpec c = ParamSpec::Categorical("c", {1, 2.5, "a", true});
  EXPECT_TRUE(c.Contains(1.0));
  EXPECT_TRUE(c.Contains(true));
  EXPECT_FALSE(c.Contains(false));
  EXPECT_FALSE(c.Contains("b"));
  EXPECT_TRUE(ParamSpec::Fixed("k", 3).Contains(3));
}

TEST(SearchSpaceTest, DiscreteValuesAndCardinality) {
  const ParamSpec f = ParamSpec::Float("f", 0.1, 0.7).Step(0.2);
  EXPECT_EQ(f.Cardinality(), 4u);
  EXPECT_EQ(f.ValueAt(3), ParamValue(0.7));  // exactly high, without rounding error
  EXPECT_EQ(f.IndexOf(0.5), 2u);
  EXPECT_EQ(ParamSpec::Int("n", -3, 3).Cardinality(), 7u);
  EXPECT_EQ(ParamSpec::Int("n", 0, 10).Step(5).ValueAt(2), ParamValue(10));
  EXPECT_FALSE(ParamSpec::Float("x", 0, 1).Cardinality().has_value());
  EXPECT_EQ(ParamSpec::Ordinal("o", {"s", "m", "l"}).IndexOf("l"), 2u);
}

TEST(SearchSpaceTest, UnitMappingIsUniformInTheParametersScale) {
  const ParamSpec lin = ParamSpec::Float("x", -5, 10);
  EXPECT_DOUBLE_EQ(lin.FromUnit(0.2).AsDouble(), -2);
  EXPECT_NEAR(lin.ToUnit(2.5), 0.5, 1e-12);
  const ParamSpec log = ParamSpec::Float("lr", 1e-5, 1e-1).Log();
  EXPECT_NEAR(log.FromUnit(0.5).AsDouble(), 1e-3, 1e-15);
  EXPECT_NEAR(log.ToUnit(1e-4), 0.25, 1e-12);
  // Equal mass per value for discrete parameters.
  const ParamSpec n = ParamSpec::Int("n", 1, 4);
  EXPECT_EQ(n.FromUnit(0.0).AsInt(), 1);
  EXPECT_EQ(n.FromUnit(0.249).AsInt(), 1);
  EXPECT_EQ(n.FromUnit(0.25).AsInt(), 2);
  EXPECT_EQ(n.FromUnit(0.999999).AsInt(), 4);
  EXPECT_DOUBLE_EQ(n.ToUnit(3), 0.625);
  // A log integer gives each value the log-width of its cell: 1 takes more than 100.
  const ParamSpec ln = ParamSpec::Int("ln", 1, 1000).Log();
  EXPECT_EQ(ln.FromUnit(0.0).AsInt(), 1);
  EXPECT_EQ(ln.FromUnit(0.9999999).AsInt(), 1000);
  EXPECT_NEAR(ln.FromUnit(0.5).AsDouble(), std::sqrt(0.5 * 1000.5), 1.0);
  const ParamSpec c = ParamSpec::Categorical("c", {"a", "b", "c"});
  EXPECT_EQ(c.FromUnit(0.5), ParamValue("b"));
  for (double u : {0.0, 0.3, 0.77, 1.0, -0.1, 1.5}) {
    EXPECT_TRUE(lin.Contains(lin.FromUnit(u))) << u;
    EXPECT_TRUE(ln.Contains(ln.FromUnit(u))) << u;
  }
}

TEST(SearchSpaceTest, JsonRoundTripAndOrderInsensitiveEquality) {
  const SearchSpace space({ParamSpec::Float("lr", 1e-5, 1e-1).Log(),
                           ParamSpec::Int("n", 2, 10).Step(2),
                           ParamSpec::Categorical("opt", {"sgd", "adam"}),
                           ParamSpec::Float("m", 0.8, 0.99).When("opt", {"sgd"}),
                           ParamSpec::Ordinal("w", {16, 32}), ParamSpec::Fixed("e", 3)});
  const SearchSpace back = SearchSpace::FromJson(space.ToJson());
  EXPECT_EQ(back, space);
  EXPECT_EQ(back.ToJson(), space.ToJson());
  const SearchSpace reordered({ParamSpec::Fixed("e", 3), ParamSpec::Ordinal("w", {16, 32}),
                               ParamSpec::Categorical("opt", {"sgd", "adam"}),
                               ParamSpec::Float("m", 0.8, 0.99).When("opt", {"sgd"}),
                               ParamSpec::Int("n", 2, 10).Step(2),
                               ParamSpec::Float("lr", 1e-5, 1e-1).Log()});
  EXPECT_EQ(reordered, space);
  const SearchSpace changed({ParamSpec::Float("lr", 1e-5, 1e-2).Log()});
  EXPECT_NE(changed, space);
}

}  // namespace
}  // namespace automl
