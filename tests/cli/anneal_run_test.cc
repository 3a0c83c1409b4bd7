// `automl run` with `sampler: {name: anneal, ...}` and a command objective, end to end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "automl/study.h"
#include "testing/cli.h"
#include "testing/temp_dir.h"

namespace automl::testing {
namespace {

using ::testing::HasSubstr;

class AnnealRunTest : public ::testing::Test {
 protected:
  // Durability is not what these tests are about: skip the fsyncs.
  std::string Db() const { return "sqlite:///" + dir_.File("automl.db") + "?synchronous=off"; }
  CliResult Run(const std::string& sampler, int trials) {
    const std::string config = dir_.File("c.yaml");
    WriteFile(config, "study: sa\ntrials: " + std::to_string(trials) +
                          "\nseed: 5\n"
                          "space:\n"
                          "  x: {type: float, low: -5, high: 10}\n"
                          "  y: {type: float, low: 0, high: 15}\n"
                          "  k: {type: int, low: 1, high: 4}\n"
                          "sampler: " +
                          sampler +
                          "\nobjective:\n"
                          "  command: [\"" AUTOML_TEST_OBJECTIVE "\", branin, \"{x}\", \"{y}\"]\n");
    return RunCli({"run", config, "--storage", Db(), "--progress", "lines"}, dir_.path().string());
  }

  TempDir dir_;
};

TEST_F(AnnealRunTest, CompletesAStudyOnBranin) {
  const CliResult r =
      Run("{name: anneal, n_startup_trials: 5, schedule: geometric, alpha: 0.9}", 40);
  ASSERT_EQ(r.code, 0) << r.err;
  const Study study = Study::Load(OpenStorage(Db()), "sa");
  EXPECT_EQ(study.Counts().complete, 40);
  // Branin's minimum is 0.398; 35 annealing steps get close.
  EXPECT_LT(study.BestTrial()->values.front(), 2.0);
}

TEST_F(AnnealRunTest, RefusesABadOptionWithItsName) {
  const CliResult r = Run("{name: anneal, alpha: 1.5}", 5);
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("sampler 'anneal': option 'alpha'"));
}

}  // namespace
}  // namespace automl::testing
