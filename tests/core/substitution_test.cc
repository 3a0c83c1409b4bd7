#include "automl/substitution.h"

#include <gtest/gtest.h>

#include "automl/error.h"

namespace automl {
namespace {

TEST(SubstitutionTest, TextRendersValuesAndDropsInactive) {
  const ParamMap p = {{"lr", 0.001}, {"n", 3}, {"opt", "sgd"}, {"flag", true}};
  EXPECT_EQ(SubstituteText("--lr={lr}", p), "--lr=0.001");
  EXPECT_EQ(SubstituteText("{n}x{n}", p), "3x3");
  EXPECT_EQ(SubstituteText("{opt}-{flag}", p), "sgd-true");
  EXPECT_EQ(SubstituteText("{{literal}} {n}", p), "{literal} 3");
  EXPECT_EQ(SubstituteText("no placeholders", p), "no placeholders");
  EXPECT_FALSE(SubstituteText("--momentum={momentum}", p).has_value());
  EXPECT_THROW(SubstituteText("{lr", p), InvalidArgument);
  EXPECT_THROW(SubstituteText("lr}", p), InvalidArgument);
  EXPECT_THROW(SubstituteText("{}", p), InvalidArgument);
}

TEST(SubstitutionTest, JsonKeepsTypesForExactPlaceholders) {
  const ParamMap p = {{"lr", 0.001}, {"width", 64}, {"opt", "adam"}};
  const Json templ = Json::parse(R"({"optimizer": {"name": "{opt}", "lr": "{lr}"},
      "layers": [{"conv": "{width}"}, {"note": "w={width}"}, "{momentum}"],
      "momentum": "{momentum}", "epochs": 3})");
  const Json out = SubstituteJson(templ, p);
  EXPECT_EQ(out["optimizer"]["lr"], 0.001);
  EXPECT_TRUE(out["layers"][0]["conv"].is_number_integer());
  EXPECT_EQ(out["layers"][1]["note"], "w=64");
  EXPECT_EQ(out["layers"].size(), 2u);  // the inactive element is dropped
  EXPECT_FALSE(out.contains("momentum"));
  EXPECT_EQ(out["epochs"], 3);
}

TEST(SubstitutionTest, PlaceholdersAreCheckedAgainstTheSpace) {
  const SearchSpace space({ParamSpec::Float("lr", 0.1, 1)});
  EXPECT_EQ(Placeholders("a{lr}b{x}"), (std::vector<std::string>{"lr", "x"}));
  EXPECT_NO_THROW(CheckPlaceholders("--lr={lr}", space, "command[1]"));
  try {
    CheckPlaceholders("--x={x}", space, "command[2]");
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()),
              "command[2]: '--x={x}' refers to {x}, which is not a parameter of the space");
  }
}

}  // namespace
}  // namespace automl
