// `automl run` with the GP sampler: a config's `sampler: {name: gp, ...}` reaches the sampler,
// and a study with a command objective runs to its target.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "automl/study.h"
#include "testing/cli.h"
#include "testing/temp_dir.h"

namespace automl::testing {
namespace {

using ::testing::HasSubstr;

std::string Config(const std::string& sampler) {
  return "study: gp\ntrials: 14\nseed: 5\n"
         "sampler: " +
         sampler +
         "\n"
         "space:\n"
         "  x: {type: float, low: -5, high: 10}\n"
         "  y: {type: float, low: 0, high: 15}\n"
         "objective:\n"
         "  command: [\"" AUTOML_TEST_OBJECTIVE "\", \"branin\", \"{x}\", \"{y}\"]\n";
}

TEST(GpSamplerCliTest, RunsAStudyWithACommandObjective) {
  TempDir dir;
  const std::string config = dir.File("gp.yaml");
  WriteFile(config, Config("{name: gp, n_startup: 5, acquisition: ei, candidates: 256}"));
  const std::string db = "sqlite:///" + dir.File("automl.db");
  const CliResult r =
      RunCli({"run", config, "--storage", db, "--progress", "lines"}, dir.path().string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("target of 14 finished trials reached"));
  const Study study = Study::Load(OpenStorage(db), "gp");
  EXPECT_EQ(study.Counts().complete, 14);
  // The model's trials improve on the startup's best.
  double startup_best = 1e300;
  double best = 1e300;
  for (const FrozenTrial& t : study.Trials()) {
    if (t.number < 5) startup_best = std::min(startup_best, t.values[0]);
    best = std::min(best, t.values[0]);
  }
  EXPECT_LT(best, startup_best);
}

TEST(GpSamplerCliTest, RefusesABadOption) {
  TempDir dir;
  const std::string config = dir.File("gp.yaml");
  WriteFile(config, Config("{name: gp, acquisition: thompson}"));
  const CliResult r = RunCli({"run", config, "--storage", "sqlite:///" + dir.File("automl.db")},
                             dir.path().string());
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("acquisition"));
}

}  // namespace
}  // namespace automl::testing
