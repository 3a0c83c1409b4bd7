// automl scale on a tiny chain network and a small slice of Fashion-MNIST: the grid search picks
// the point of the best validation accuracy, the family is the base scaled by it, every training
// is a trial, and a second run trains nothing again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "automl/storage.h"
#include "automl/study.h"
#include "testing/cli.h"
#include "testing/temp_dir.h"
#include "testing/torch_cli_test.h"

namespace automl::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kConfig = R"(
name: tiny
base:
  task: fashion-mnist
  data: {fraction: 0.02, resolution: 8, validation_size: 300}
  model:
    chain:
      arch:
        stem: 4
        stages: [{width: 4, stride: 1, ops: [mb1_k3]}, {width: 8, stride: 2, ops: [mb1_k3, skip]}]
  optimizer: {name: sgd, lr: 0.2, momentum: 0.9}
  epochs: 2
  batch_size: 64
  threads: 1
scale:
  grid: {step: 0.5, max: 2.0, tolerance: 0.3, epochs: 1}
  phi: [0, 2]
  width_divisor: 2
  seeds: [0, 1]
models_dir: models
)";

class ScaleCommandTest : public TorchCliTest {};

TEST_F(ScaleCommandTest, PicksTheBestGridPointTrainsItsFamilyAndResumes) {
  WriteFile(dir_.File("s.yaml"), kConfig);
  const std::string storage = "sqlite:///" + dir_.File("s.db");
  const CliResult first = Cli({"scale", "s.yaml", "--storage", storage, "--json", "s.json"});
  ASSERT_EQ(first.code, 0) << first.err;
  std::ifstream file(dir_.File("s.json"));
  const Json j = Json::parse(file, nullptr, false);
  ASSERT_TRUE(j.is_object()) << first.out;

  // The grid: step 0.5 up to 2 within 0.3 of 2: (1, 1, 1.5), (1, 1.5, 1), (2, 1, 1).
  auto store = OpenStorage(storage);
  const std::vector<FrozenTrial> grid = Study::Load(store, "tiny.grid").Trials();
  ASSERT_EQ(grid.size(), 3u);
  ASSERT_EQ(j["grid"].size(), 3u);
  const auto best = std::max_element(
      grid.begin(), grid.end(),
      [](const FrozenTrial& a, const FrozenTrial& b) { return a.value() < b.value(); });
  EXPECT_DOUBLE_EQ(j["chosen"]["alpha"].get<double>(), best->params.at("alpha").AsDouble());
  EXPECT_DOUBLE_EQ(j["chosen"]["beta"].get<double>(), best->params.at("beta").AsDouble());
  EXPECT_DOUBLE_EQ(j["chosen"]["gamma"].get<double>(), best->params.at("gamma").AsDouble());
  for (const FrozenTrial& t : grid) {
    EXPECT_EQ(t.params.at("phi").AsDouble(), 1.0);
    const Json config = t.system_attrs.value("training_config", Json());
    ASSERT_TRUE(config.is_object()) << t.system_attrs.dump();
    EXPECT_EQ(config.value("epochs", 0), 1) << "the grid's epochs, not the base's 2";
  }

  // The family: phi 0 is the base without its skip; phi 2 scales by the chosen point squared.
  const Json& family = j["family"];
  ASSERT_EQ(family.size(), 2u);
  EXPECT_EQ(family[0]["resolution"], 8);
  EXPECT_EQ(family[0]["arch"]["stages"][1]["ops"], Json::array({"mb1_k3"}));
  const double alpha = j["chosen"]["alpha"].get<double>();
  const double gamma = j["chosen"]["gamma"].get<double>();
  EXPECT_EQ(family[1]["resolution"].get<int>(), static_cast<int>(std::lround(8 * gamma * gamma)));
  EXPECT_EQ(family[1]["arch"]["stages"][0]["ops"].size(),
            static_cast<size_t>(std::ceil(alpha * alpha - 1e-9)));
  EXPECT_GT(family[1]["flops"].get<int64_t>(), family[0]["flops"].get<int64_t>());
  for (const Json& member : family) {
    ASSERT_EQ(member["runs"].size(), 2u);
    for (const Json& run : member["runs"]) EXPECT_TRUE(run["test_accuracy"].is_number());
  }
  const Study members = Study::Load(store, "tiny.family");
  EXPECT_EQ(members.Trials().size(), 4u);

  // Again: everything is in the studies, nothing trains.
  const CliResult again = Cli({"scale", "s.yaml", "--storage", storage});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_THAT(again.err, ::testing::Not(HasSubstr("trial")));
  EXPECT_EQ(Study::Load(store, "tiny.grid").Trials().size(), 3u);
  EXPECT_EQ(Study::Load(store, "tiny.family").Trials().size(), 4u);
}

TEST_F(ScaleCommandTest, PrintsTheFamilyWithoutTrainingAndRefusesBadConfigsInOneLine) {
  std::string config = kConfig;
  config.replace(config.find("  grid:"), config.find("  phi:") - config.find("  grid:"),
                 "  coefficients: {alpha: 1.2, beta: 1.1, gamma: 1.15}\n");
  WriteFile(dir_.File("p.yaml"), config);
  const CliResult printed = Cli({"scale", "p.yaml", "--no-train"});
  ASSERT_EQ(printed.code, 0) << printed.err;
  EXPECT_THAT(printed.out, HasSubstr("family of alpha 1.20, beta 1.10, gamma 1.15"));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("automl.db")));

  WriteFile(dir_.File("a.yaml"), std::string(kConfig) + "extra: 1\n");
  const CliResult a = Cli({"scale", "a.yaml"});
  EXPECT_EQ(a.code, 2);
  EXPECT_THAT(a.err, HasSubstr("extra"));
  WriteFile(dir_.File("b.yaml"), "base: {task: fashion-mnist, model: {cnn: {depth: 2}}}\n");
  const CliResult b = Cli({"scale", "b.yaml"});
  EXPECT_EQ(b.code, 2);
  EXPECT_THAT(b.err, HasSubstr("base: model: must be a chain network"));
  std::string narrow = kConfig;
  narrow.replace(narrow.find("tolerance: 0.3"), 14, "tolerance: 0.0");
  narrow.replace(narrow.find("step: 0.5"), 9, "step: 0.3");
  WriteFile(dir_.File("c.yaml"), narrow);
  const CliResult c = Cli({"scale", "c.yaml"});
  EXPECT_EQ(c.code, 2);
  EXPECT_THAT(c.err, HasSubstr("no point of the grid"));
  for (const CliResult* r : {&a, &b, &c}) {
    EXPECT_EQ(std::count(r->err.begin(), r->err.end(), '\n'), 1) << r->err;
  }
}

}  // namespace
}  // namespace automl::testing
