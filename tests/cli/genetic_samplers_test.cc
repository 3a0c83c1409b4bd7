// `automl run` with the `genetic` and `nsga2` samplers and a command objective, end to end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "automl/study.h"
#include "testing/cli.h"
#include "testing/temp_dir.h"

namespace automl::testing {
namespace {

using ::testing::HasSubstr;

class GeneticSamplersCliTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    WriteFile(dir_.File(name), text);
    return dir_.File(name);
  }
  std::string Db() const { return "sqlite:///" + dir_.File("automl.db") + "?synchronous=off"; }
  CliResult Run(const std::string& config) {
    return RunCli({"run", config, "--storage", Db(), "--progress", "lines"}, dir_.path().string());
  }
  Study Load(const std::string& name) { return Study::Load(OpenStorage(Db()), name); }

  TempDir dir_;
};

// |header| (study, directions, sampler, ...) followed by a 2-D space and the test objective.
std::string Config(const std::string& header, const std::string& mode) {
  return header +
         "seed: 5\n"
         "space:\n"
         "  x: {type: float, low: -5, high: 10}\n"
         "  y: {type: float, low: 0, high: 15}\n"
         "objective:\n"
         "  command: [\"" AUTOML_TEST_OBJECTIVE "\", \"" +
         mode + "\", \"{x}\", \"{y}\"]\n";
}

TEST_F(GeneticSamplersCliTest, GeneticRunsAStudyPastItsFirstGeneration) {
  const std::string config =
      Write("g.yaml", Config("study: g\ntrials: 14\n"
                             "sampler: {name: genetic, population_size: 4, tournament_size: 3}\n",
                             "branin"));
  const CliResult r = Run(config);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("stopped: target of 14 finished trials reached"));
  const Study study = Load("g");
  EXPECT_EQ(study.Counts().complete, 14);
}

TEST_F(GeneticSamplersCliTest, Nsga2RunsATwoObjectiveStudy) {
  const std::string config =
      Write("n.yaml", Config("study: n\ntrials: 14\ndirections: [minimize, minimize]\n"
                             "sampler: {name: nsga2, population_size: 4, crossover: uniform}\n",
                             "multi"));
  const CliResult r = Run(config);
  ASSERT_EQ(r.code, 0) << r.err;
  const Study study = Load("n");
  EXPECT_EQ(study.Counts().complete, 14);
  EXPECT_FALSE(study.ParetoFront().empty());
  for (const FrozenTrial& t : study.Trials()) EXPECT_EQ(t.values.size(), 2u);
}

TEST_F(GeneticSamplersCliTest, RefusesBadOptionsAndSeveralObjectivesForGenetic) {
  CliResult r = Run(Write("bad.yaml", Config("study: b\ntrials: 3\n"
                                             "sampler: {name: genetic, crossover_prob: 3}\n",
                                             "branin")));
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("'crossover_prob'"));

  r = Run(Write("multi.yaml", Config("study: m\ntrials: 3\ndirections: [minimize, minimize]\n"
                                     "sampler: genetic\n",
                                     "multi")));
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("sampler 'genetic' optimizes one objective"));
}

}  // namespace
}  // namespace automl::testing
