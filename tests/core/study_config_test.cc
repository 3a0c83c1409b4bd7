#include "automl/study_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "automl/config_file.h"
#include "automl/error.h"

namespace automl {
namespace {

using ::testing::HasSubstr;

constexpr const char* kConfig = R"(
study: branin
direction: minimize
trials: 100
seed: 0
sampler: random
pruner: none
max_failures: 10
heartbeat_timeout: 20
space:
  x: {type: float, low: -5, high: 10}
  lr: {type: float, low: 1.0e-5, high: 1.0e-1, log: true}
  layers: {type: int, low: 1, high: 8}
  opt: {type: categorical, choices: [sgd, adam]}
  momentum: {type: float, low: 0.8, high: 0.99, when: {opt: sgd}}
objective:
  command: ["python3", "train.py", "--lr={lr}", "{x}"]
  timeout: 600
)";

std::string Refusal(const std::string& yaml) {
  try {
    StudyConfig::FromJson(ParseYaml(yaml, "c.yaml"), "c.yaml");
    return "";
  } catch (const InvalidArgument& e) {
    return e.what();
  }
}

TEST(StudyConfigTest, ReadsTheDocumentedKeys) {
  const StudyConfig c = StudyConfig::FromJson(ParseYaml(kConfig, "c"), "c");
  EXPECT_EQ(c.study, "branin");
  EXPECT_EQ(c.directions, std::vector<Direction>{Direction::kMinimize});
  EXPECT_EQ(c.trials, 100);
  EXPECT_EQ(c.seed, 0u);
  EXPECT_EQ(c.sampler, "random");
  EXPECT_EQ(c.max_failures, 10);
  EXPECT_EQ(c.space.size(), 5u);
  EXPECT_EQ(c.objective["timeout"], 600);
  const OptimizeOptions o = c.ToOptimizeOptions();
  EXPECT_EQ(o.target_trials, 100);
  EXPECT_EQ(o.max_failures, 10);
  EXPECT_FALSE(o.stop_after.has_value());
  EXPECT_EQ(c.ToStudyOptions().config, c.raw);
  EXPECT_EQ(c.ToStudyOptions().heartbeat_timeout, 20);
  EXPECT_EQ(StudyConfig::FromJson(ParseYaml("study: s\nspace: {x: [1]}", "d"), "d")
                .ToStudyOptions()
                .heartbeat_timeout,
            60);
}

TEST(StudyConfigTest, SeveralObjectives) {
  const StudyConfig c = StudyConfig::FromJson(
      ParseYaml("study: s\ndirections: [minimize, maximize]\nspace: {x: [1, 2]}", "c"), "c");
  EXPECT_EQ(c.directions, (std::vector<Direction>{Direction::kMinimize, Direction::kMaximize}));
}

TEST(StudyConfigTest, RefusesBadConfigsWithOneClearLine) {
  EXPECT_THAT(Refusal("study: s\ntrails: 10\nspace: {x: [1]}"),
              HasSubstr("c.yaml: unknown key 'trails' (did you mean 'trials'?)"));
  EXPECT_THAT(Refusal("space: {x: [1]}"), HasSubstr("c.yaml: study: missing"));
  EXPECT_THAT(Refusal("study: s"), HasSubstr("c.yaml: space: missing"));
  EXPECT_THAT(Refusal("study: s\ndirection: down\nspace: {x: [1]}"),
              HasSubstr("c.yaml: direction: must be minimize or maximize"));
  EXPECT_THAT(Refusal("study: s\ndirection: minimize\ndirections: [minimize]\nspace: {x: [1]}"),
              HasSubstr("either direction or directions"));
  EXPECT_THAT(Refusal("study: s\ntrials: -1\nspace: {x: [1]}"),
              HasSubstr("trials: must be at least 0"));
  EXPECT_THAT(Refusal("study: s\ntrials: ten\nspace: {x: [1]}"),
              HasSubstr("trials: must be an integer"));
  EXPECT_THAT(Refusal("study: s\nmax_failures: 0\nspace: {x: [1]}"),
              HasSubstr("max_failures: must be at least 1"));
  EXPECT_THAT(Refusal("study: s\nheartbeat_timeout: 0\nspace: {x: [1]}"),
              HasSubstr("heartbeat_timeout: must be a positive number of seconds, not 0"));
  EXPECT_THAT(Refusal("study: s\nspace: {x: {type: float, low: 3, high: 1}}"),
              HasSubstr("c.yaml: space: parameter 'x': low (3) must be less than high (1)"));
  EXPECT_THAT(Refusal("[1, 2]"), HasSubstr("must be a mapping"));
}

TEST(StudyConfigTest, OpenStudyBuildsSamplerAndPrunerByName) {
  const Components components = BuiltinComponents();
  StudyConfig c = StudyConfig::FromJson(ParseYaml(kConfig, "c"), "c");
  c.sampler = ParseYaml("{name: grid, resolution: 2}", "s");
  const Study study = OpenStudy(c, OpenStorage("memory"), components);
  EXPECT_EQ(study.sampler().name(), "grid");
  EXPECT_EQ(study.pruner().name(), "none");

  c.sampler = "annealing";
  try {
    OpenStudy(c, OpenStorage("memory"), components);
    FAIL();
  } catch (const InvalidArgument& e) {
    // Every registered sampler is listed, by name (the list grows as samplers are added).
    std::string known;
    for (const std::string& name : components.samplers.Names()) {
      known += (known.empty() ? "" : ", ") + name;
    }
    EXPECT_THAT(e.what(), HasSubstr("unknown sampler 'annealing' (known: " + known + ")"));
    EXPECT_THAT(e.what(), HasSubstr("grid, "));
  }
  c.sampler = ParseYaml("{name: random, temperature: 3}", "s");
  try {
    OpenStudy(c, OpenStorage("memory"), components);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("sampler 'random': unknown option 'temperature' (it takes none)"));
  }
  c.sampler = "random";
  c.pruner = ParseYaml("{name: hyperband}", "p");
  EXPECT_THROW(OpenStudy(c, OpenStorage("memory"), components), InvalidArgument);
}

}  // namespace
}  // namespace automl
