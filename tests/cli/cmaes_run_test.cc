// `automl run` with `sampler: {name: cmaes, ...}` and a command objective, end to end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "automl/study.h"
#include "testing/cli.h"
#include "testing/temp_dir.h"

namespace automl::testing {
namespace {

using ::testing::HasSubstr;

class CmaEsRunTest : public ::testing::Test {
 protected:
  // Durability is not what these tests are about: skip the fsyncs.
  std::string Db() const { return "sqlite:///" + dir_.File("automl.db") + "?synchronous=off"; }
  CliResult Run(const std::string& sampler, int trials) {
    const std::string config = dir_.File("c.yaml");
    WriteFile(config, "study: cma\ntrials: " + std::to_string(trials) +
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

TEST_F(CmaEsRunTest, CompletesAStudyOnBranin) {
  const CliResult r = Run("{name: cmaes, popsize: 6, n_startup_trials: 2, restart: ipop}", 40);
  ASSERT_EQ(r.code, 0) << r.err;
  const Study study = Study::Load(OpenStorage(Db()), "cma");
  EXPECT_EQ(study.Counts().complete, 40);
  // Branin's minimum is 0.398; six generations of CMA-ES get close.
  EXPECT_LT(study.BestTrial()->values.front(), 2.0);
}

TEST_F(CmaEsRunTest, RefusesABadOptionWithItsName) {
  const CliResult r = Run("{name: cmaes, sigma0: 0}", 5);
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("sampler 'cmaes': option 'sigma0'"));
}

}  // namespace
}  // namespace automl::testing
