#include "automl/config_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "automl/error.h"
#include "testing/temp_dir.h"

namespace automl {
namespace {

using ::testing::HasSubstr;

TEST(ConfigFileTest, ScalarsFollowTheYaml12CoreSchema) {
  const Json j = ParseYaml(R"(
a: 1
b: -2.5
c: 1.0e-5
d: 1e-5
e: true
f: False
g: ~
h: sgd
i: "10"
j: '1.5'
k: .inf
l: -.inf
m: .nan
n: 0x10
o: [1, two, 3.0]
)",
                           "t");
  EXPECT_TRUE(j["a"].is_number_integer());
  EXPECT_EQ(j["b"], -2.5);
  EXPECT_EQ(j["c"], 1e-5);
  EXPECT_EQ(j["d"], 1e-5);  // YAML 1.1 parsers make this a string; 1.2 does not
  EXPECT_EQ(j["e"], true);
  EXPECT_EQ(j["f"], false);
  EXPECT_TRUE(j["g"].is_null());
  EXPECT_EQ(j["h"], "sgd");
  EXPECT_EQ(j["i"], "10");  // quoted: always a string
  EXPECT_EQ(j["j"], "1.5");
  EXPECT_TRUE(std::isinf(j["k"].get<double>()));
  EXPECT_LT(j["l"].get<double>(), 0);
  EXPECT_TRUE(std::isnan(j["m"].get<double>()));
  EXPECT_EQ(j["n"], "0x10");
  EXPECT_EQ(j["o"], Json::parse(R"([1, "two", 3.0])"));
}

TEST(ConfigFileTest, KeepsKeyOrderAndReadsJson) {
  const Json j = ParseYaml(R"({"z": 1, "a": {"y": [true]}, "m": null})", "t");
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"z", "a", "m"}));
  EXPECT_EQ(j["a"]["y"][0], true);
}

TEST(ConfigFileTest, ErrorsNameTheFileLineAndColumn) {
  try {
    ParseYaml("a: 1\nb: [1, 2\n", "study.yaml");
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("study.yaml:"));
  }
  try {
    ParseYaml("space:\n  x: 1\n  x: 2\n", "s.yaml");
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("s.yaml:3:3: duplicate key 'x'"));
  }
  EXPECT_THROW(ReadConfigFile("/nonexistent/study.yaml"), InvalidArgument);
  testing::TempDir dir;
  std::ofstream(dir.File("c.json")) << R"({"study": "s", "trials": 3})";
  EXPECT_EQ(ReadConfigFile(dir.File("c.json"))["trials"], 3);
}

}  // namespace
}  // namespace automl
