// automl proxy-rank CONFIG: K sampled architectures trained under a reference setting and under
// each proxy on a small slice of Fashion-MNIST, every training recorded as a trial; the table and
// the JSON give each proxy's rank correlation with the reference; a second run resumes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "automl/rank_correlation.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "testing/cli.h"
#include "testing/temp_dir.h"

namespace automl::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A small CNN family with a searched width and learning rate: quick enough to train ten times
// in a test (a NASNet space works the same way; see README).
constexpr const char* kConfig = R"(
space:
  width: {type: int, low: 2, high: 12}
  lr: {type: float, low: 1.0e-3, high: 3.0e-2, log: true}
objective:
  task: fashion-mnist
  data: {fraction: 0.02, resolution: 14, validation_size: 500}
  model: {cnn: {depth: 1, width: "{width}", fc: 0, dropout: 0}}
  optimizer: {name: adam, lr: "{lr}"}
  epochs: 2
  threads: 1
proxies:
  c2e1: {channels: 0.5, epochs: 1}
architectures: 5
seed: 3
name: pr
)";

class ProxyRankCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const CliResult probe = RunCli({"train", "/nonexistent.yaml"});
    if (probe.err.find("without LibTorch") != std::string::npos) {
      GTEST_SKIP() << "this automl was built without LibTorch";
    }
  }
  CliResult Cli(std::vector<std::string> args) { return RunCli(args, dir_.path().string()); }
  static Json ReadJson(const std::string& path) {
    std::ifstream file(path);
    return Json::parse(file, nullptr, false);
  }
  // The line of |out| that starts with |first| and a space.
  static std::string Row(const std::string& out, const std::string& first) {
    for (const std::string& line : Lines(out)) {
      if (line.rfind(first + " ", 0) == 0) return line;
    }
    return "";
  }
  TempDir dir_;
};

TEST_F(ProxyRankCommandTest, RanksAProxyRecordsEveryTrainingAndResumes) {
  WriteFile(dir_.File("pr.yaml"), kConfig);
  const std::string storage = "sqlite:///" + dir_.File("pr.db");

  // First run: only 4 of the 5 architectures, as a run cut short would leave it.
  const CliResult first = Cli({"proxy-rank", "pr.yaml", "--storage", storage, "--architectures",
                               "4", "--json", "first.json"});
  ASSERT_EQ(first.code, 0) << first.err;
  const Json j1 = ReadJson(dir_.File("first.json"));
  ASSERT_TRUE(j1.is_object()) << first.out;
  EXPECT_EQ(j1["architectures"], 4);
  EXPECT_EQ(j1["proxies"][0]["pairs"], 4);

  // Second run: the config's K = 5 trains the fifth architecture only, in each setting.
  const CliResult second =
      Cli({"proxy-rank", "pr.yaml", "--storage", storage, "--json", "second.json"});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_THAT(second.err, HasSubstr("[reference] 4 of 5 architectures already trained"));
  EXPECT_THAT(second.err, HasSubstr("[c2e1] 4 of 5 architectures already trained"));
  EXPECT_THAT(second.err, HasSubstr("[c2e1] architecture 5/5 (trial 4)"));
  EXPECT_THAT(second.err, ::testing::Not(HasSubstr("architecture 1/5")));

  // The table: a header, one row per proxy and the reference's row.
  const std::vector<std::string> lines = Lines(second.out);
  ASSERT_GE(lines.size(), 4u) << second.out;
  EXPECT_THAT(lines[0], StartsWith("setting"));
  for (const char* column :
       {"proxy", "pairs", "spearman", "95% CI", "kendall", "s/arch", "speed-up"}) {
    EXPECT_THAT(lines[0], HasSubstr(column));
  }
  const std::string proxy_row = Row(second.out, "c2e1");
  EXPECT_THAT(proxy_row, HasSubstr("channels=0.5 epochs=1")) << second.out;
  EXPECT_THAT(proxy_row, HasSubstr(" 5 "));
  EXPECT_THAT(proxy_row, HasSubstr("x"));  // the speed-up
  EXPECT_THAT(Row(second.out, "reference"), HasSubstr("full setting")) << second.out;

  // Every training is a trial: 5 per setting, architecture k is trial k in both studies, with
  // the same parameters; the proxy study trained the proxy.
  auto store = OpenStorage(storage);
  const Study reference = Study::Load(store, "pr.reference");
  const Study proxy = Study::Load(store, "pr.c2e1");
  ASSERT_EQ(reference.Counts().complete, 5);
  ASSERT_EQ(proxy.Counts().complete, 5);
  EXPECT_EQ(reference.Counts().total(), 5);
  EXPECT_EQ(proxy.Counts().total(), 5);
  std::vector<double> x, y;
  for (int64_t k = 0; k < 5; ++k) {
    const FrozenTrial r = reference.GetTrial(k);
    const FrozenTrial p = proxy.GetTrial(k);
    EXPECT_EQ(r.user_attrs.at("architecture"), k);
    EXPECT_EQ(p.user_attrs.at("architecture"), k);
    EXPECT_EQ(ParamsToJson(r.params), ParamsToJson(p.params));
    EXPECT_EQ(r.intermediate.size(), 2u) << "the reference trains 2 epochs";
    EXPECT_EQ(p.intermediate.size(), 1u) << "the proxy trains 1";
    EXPECT_FALSE(r.system_attrs.contains("proxy_config"));
    EXPECT_EQ(p.system_attrs.at("proxy_config").at("epochs"), 1);
    EXPECT_FALSE(p.system_attrs.contains("model_file")) << "ranking keeps no models";
    x.push_back(p.value());
    y.push_back(r.value());
  }
  // The first four architectures are the ones the first run trained (the same sample).
  EXPECT_EQ(first.err.find("architecture 5/"), std::string::npos);

  // The JSON holds the correlations of the recorded values.
  const Json j = ReadJson(dir_.File("second.json"));
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["name"], "pr");
  EXPECT_EQ(j["architectures"], 5);
  EXPECT_EQ(j["seed"], 3);
  EXPECT_EQ(j["metric"], "val_accuracy");
  EXPECT_EQ(j["level"], 0.95);
  EXPECT_EQ(j["reference"]["study"], "pr.reference");
  EXPECT_EQ(j["reference"]["complete"], 5);
  EXPECT_EQ(j["reference"]["failed"], 0);
  EXPECT_GT(j["reference"]["seconds_per_architecture"].get<double>(), 0);
  ASSERT_EQ(j["proxies"].size(), 1u);
  const Json& row = j["proxies"][0];
  EXPECT_EQ(row["name"], "c2e1");
  EXPECT_EQ(row["study"], "pr.c2e1");
  EXPECT_EQ(row["proxy"], Json::parse(R"({"channels": 0.5, "epochs": 1})"));
  EXPECT_EQ(row["pairs"], 5);
  EXPECT_EQ(row["left_out"], 0);
  EXPECT_EQ(row["failed"], 0);
  const RankCorrelation c = CompareRankings(x, y);
  if (std::isnan(c.spearman)) {
    EXPECT_TRUE(row["spearman"].is_null());
  } else {
    EXPECT_DOUBLE_EQ(row["spearman"].get<double>(), c.spearman);
    EXPECT_DOUBLE_EQ(row["spearman_ci"][0].get<double>(), c.spearman_lower);
    EXPECT_DOUBLE_EQ(row["spearman_ci"][1].get<double>(), c.spearman_upper);
    EXPECT_DOUBLE_EQ(row["kendall"].get<double>(), c.kendall);
    EXPECT_LE(row["spearman_ci"][0].get<double>(), row["spearman"].get<double>());
    EXPECT_GE(row["spearman_ci"][1].get<double>(), row["spearman"].get<double>());
  }
  const double proxy_seconds = row["seconds_per_architecture"].get<double>();
  EXPECT_GT(proxy_seconds, 0);
  EXPECT_DOUBLE_EQ(row["speedup"].get<double>(),
                   j["reference"]["seconds_per_architecture"].get<double>() / proxy_seconds);

  // A third run trains nothing and reports the same.
  const CliResult third =
      Cli({"proxy-rank", "pr.yaml", "--storage", storage, "--json", "third.json"});
  ASSERT_EQ(third.code, 0) << third.err;
  EXPECT_THAT(third.err, HasSubstr("[reference] 5 of 5 architectures already trained"));
  EXPECT_THAT(third.err, HasSubstr("[c2e1] 5 of 5 architectures already trained"));
  EXPECT_THAT(third.err, ::testing::Not(HasSubstr("architecture 5/5 (trial")));
  EXPECT_EQ(reference.Counts().total(), 5);
  EXPECT_EQ(proxy.Counts().total(), 5);
  EXPECT_EQ(ReadJson(dir_.File("third.json")), j);
  EXPECT_EQ(third.out, second.out);
}

TEST_F(ProxyRankCommandTest, BadConfigsAreOneLineAndTrainNothing) {
  const std::string storage = "sqlite:///" + dir_.File("bad.db");
  struct Case {
    std::string config;
    std::string message;
  };
  const std::string space = "space: {width: {type: int, low: 2, high: 8}}\n";
  const std::string objective =
      "objective: {task: fashion-mnist, model: {cnn: {width: '{width}'}}, epochs: 1}\n";
  const std::string proxies = "proxies: {e1: {epochs: 1}}\n";
  const std::vector<Case> cases = {
      {space + objective + "proxys: {e1: {epochs: 1}}\n", "unknown key 'proxys'"},
      {space + objective, "proxies: missing"},
      {space + objective + "proxies: {bad: {channels: 2}}\n", "proxies: bad: "},
      {space + objective + "proxies: {reference: {epochs: 1}}\n", "'reference' cannot name"},
      {space + objective + proxies + "architectures: 3\n", "architectures: must be an integer"},
      {space +
           "objective: {task: fashion-mnist, model: {cnn: {width: '{width}'}}, epochs: 2, "
           "proxy: {epochs: 1}}\n" +
           proxies,
       "objective: has a proxy"},
      {space + "objective: {command: [echo]}\n" + proxies, "objective: must be an in-process"},
      {space + "objective: {task: fashion-mnist, model: {cnn: {width: '{depth}'}}, epochs: 1}\n" +
           proxies,
       "depth"},
      {objective + proxies, "space: missing"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string file = "bad" + std::to_string(i) + ".yaml";
    WriteFile(dir_.File(file), cases[i].config);
    const CliResult r = Cli({"proxy-rank", file, "--storage", storage});
    EXPECT_EQ(r.code, 2) << cases[i].config << r.err;
    EXPECT_THAT(r.err, HasSubstr(cases[i].message)) << cases[i].config;
    EXPECT_THAT(r.err, HasSubstr(file)) << "names the file";
    EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.File("bad.db"))) << "nothing was opened";
  // A missing file, and usage errors.
  EXPECT_EQ(Cli({"proxy-rank", "missing.yaml"}).code, 2);
  EXPECT_EQ(Cli({"proxy-rank"}).code, 2);
  WriteFile(dir_.File("ok.yaml"), space + objective + proxies);
  const CliResult small = Cli({"proxy-rank", "ok.yaml", "--architectures", "2"});
  EXPECT_EQ(small.code, 2) << small.err;
}

}  // namespace
}  // namespace automl::testing
