#include "automl/param_value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "automl/error.h"

namespace automl {
namespace {

TEST(ParamValueTest, TypesAndAccessors) {
  EXPECT_TRUE(ParamValue(1.5).is_float());
  EXPECT_TRUE(ParamValue(3).is_int());
  EXPECT_TRUE(ParamValue(int64_t{3}).is_int());
  EXPECT_TRUE(ParamValue(true).is_bool());
  EXPECT_TRUE(ParamValue("a").is_string());
  EXPECT_EQ(ParamValue(3).AsDouble(), 3.0);
  EXPECT_EQ(ParamValue(4.0).AsInt(), 4);
  EXPECT_THROW(ParamValue(4.5).AsInt(), InvalidArgument);
  EXPECT_THROW(ParamValue("x").AsDouble(), InvalidArgument);
  EXPECT_THROW(ParamValue(1).AsBool(), InvalidArgument);
  EXPECT_THROW(ParamValue(true).AsString(), InvalidArgument);
  EXPECT_NE(ParamValue(1), ParamValue(1.0));
  EXPECT_NE(ParamValue(1), ParamValue(true));
}

TEST(ParamValueTest, TextIsShortestRoundTrip) {
  EXPECT_EQ(ParamValue(0.001).ToText(), "0.001");
  EXPECT_EQ(ParamValue(1e-5).ToText(), "1e-05");
  EXPECT_EQ(ParamValue(0.1 + 0.2).ToText(), "0.30000000000000004");
  EXPECT_EQ(ParamValue(2.0).ToText(), "2");
  EXPECT_EQ(ParamValue(-7).ToText(), "-7");
  EXPECT_EQ(ParamValue(false).ToText(), "false");
  EXPECT_EQ(ParamValue("adam").ToText(), "adam");
  EXPECT_EQ(ParamValue(std::nan("")).ToText(), "nan");
  for (double v : {0.1, 1.0 / 3, 6.02214076e23, 5e-324, -2.5e-8}) {
    EXPECT_EQ(std::strtod(ParamValue(v).ToText().c_str(), nullptr), v);
  }
}

TEST(ParamValueTest, JsonRoundTrip) {
  for (const ParamValue& v : {ParamValue(0.1), ParamValue(int64_t{-9007199254740993}),
                              ParamValue(true), ParamValue("naïve")}) {
    EXPECT_EQ(ParamValue::FromJson(Json::parse(v.ToJson().dump())), v);
  }
  EXPECT_TRUE(ParamValue::FromJson(Json::parse("2")).is_int());
  EXPECT_TRUE(ParamValue::FromJson(Json::parse("2.0")).is_float());
  EXPECT_THROW(ParamValue::FromJson(Json::parse("[1]")), InvalidArgument);
  EXPECT_THROW(ParamValue::FromJson(Json::parse("null")), InvalidArgument);
  EXPECT_THROW(ParamValue::FromJson(Json::parse("18446744073709551615")), InvalidArgument);
  const ParamMap params = {{"a", 1}, {"b", "x"}};
  EXPECT_EQ(ParamsFromJson(ParamsToJson(params)), params);
}

}  // namespace
}  // namespace automl
