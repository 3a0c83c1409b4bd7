// `automl run` with the TPE sampler: a command objective, a conditional space, options from the
// config and from --sampler, and an option refused with one line naming it.
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

class TpeRunTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    WriteFile(dir_.File(name), text);
    return dir_.File(name);
  }
  std::string Db() const { return "sqlite:///" + dir_.File("automl.db"); }
  CliResult Run(const std::string& config, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run", config, "--storage", Db(), "--progress", "lines"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCli(args, dir_.path().string());
  }
  Study Load(const std::string& name) { return Study::Load(OpenStorage(Db()), name); }

  TempDir dir_;
};

// Branin through the test objective program, with a conditional parameter the command does not
// use: the study completes its target, and the model's trials (after the 5 random ones) stay in
// the space.
TEST_F(TpeRunTest, CompletesAStudyWithACommandObjective) {
  const std::string config =
      Write("tpe.yaml",
            "study: tpe\ntrials: 16\nseed: 5\n"
            "sampler: {name: tpe, n_startup_trials: 5, n_ei_candidates: 16}\n"
            "space:\n"
            "  x: {type: float, low: -5, high: 10}\n"
            "  y: {type: float, low: 0, high: 15}\n"
            "  opt: [sgd, adam]\n"
            "  m: {type: float, low: 0.8, high: 0.99, when: {opt: sgd}}\n"
            "objective:\n"
            "  command: [\"" AUTOML_TEST_OBJECTIVE "\", \"branin\", \"{x}\", \"{y}\"]\n");
  const CliResult r = Run(config);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("stopped: target of 16 finished trials reached"));
  const Study study = Load("tpe");
  EXPECT_EQ(study.Counts().complete, 16);
  for (const FrozenTrial& t : study.Trials()) {
    const double x = t.params.at("x").AsDouble();
    const double y = t.params.at("y").AsDouble();
    EXPECT_TRUE(x >= -5 && x <= 10 && y >= 0 && y <= 15) << t.number;
    EXPECT_EQ(t.params.count("m"), t.params.at("opt").AsString() == "sgd" ? 1u : 0u);
  }
  // The same study continues with the sampler given on the command line.
  const CliResult more =
      Run(config, {"--trials", "20", "--sampler", "{name: tpe, multivariate: false}"});
  ASSERT_EQ(more.code, 0) << more.err;
  EXPECT_EQ(Load("tpe").Counts().complete, 20);
}

TEST_F(TpeRunTest, RefusesABadOptionNamingIt) {
  const std::string config =
      Write("bad.yaml",
            "study: bad\ntrials: 3\n"
            "sampler: {name: tpe, gamma: 2}\n"
            "space:\n  x: {type: float, low: 0, high: 1}\n"
            "objective:\n  command: [\"" AUTOML_TEST_OBJECTIVE "\", \"branin\", \"{x}\", \"1\"]\n");
  const CliResult r = Run(config);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  EXPECT_THAT(r.err, HasSubstr("sampler 'tpe': option 'gamma'"));
}

}  // namespace
}  // namespace automl::testing
