// `automl run` with the reinforce sampler (registered by automl::torch): a categorical space and
// a command objective end to end, options from the config and from --sampler, and refusals in
// one line naming the option or the parameter.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "automl/study.h"
#include "testing/cli.h"
#include "testing/temp_dir.h"

namespace automl::testing {
namespace {

using ::testing::HasSubstr;

class ReinforceRunTest : public ::testing::Test {
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

// The objective counts the x's among three choices: 4 x 3 x 2 = 24 configurations.
constexpr char kSpace[] =
    "space:\n"
    "  a: [x, y, z, w]\n"
    "  b: [x, y, z]\n"
    "  c: [x, y]\n"
    "objective:\n"
    "  command: [\"" AUTOML_TEST_OBJECTIVE "\", \"count\", \"{a}{b}{c}\", \"x\"]\n";

TEST_F(ReinforceRunTest, CompletesAStudyWithACommandObjective) {
  const std::string config =
      Write("reinforce.yaml", std::string("study: rl\ntrials: 12\nseed: 3\ndirection: maximize\n"
                                          "sampler: {name: reinforce, batch_size: 3}\n") +
                                  kSpace);
  const CliResult r = Run(config);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("stopped: target of 12 finished trials reached"));
  const Study study = Load("rl");
  EXPECT_EQ(study.Counts().complete, 12);
  std::set<ParamMap> distinct;
  for (const FrozenTrial& t : study.Trials()) {
    const std::string text =
        t.params.at("a").AsString() + t.params.at("b").AsString() + t.params.at("c").AsString();
    EXPECT_EQ(t.value(), static_cast<double>(std::count(text.begin(), text.end(), 'x')));
    distinct.insert(t.params);
  }
  EXPECT_EQ(distinct.size(), 12u);

  // The study continues with PPO given on the command line.
  const CliResult more =
      Run(config, {"--trials", "16", "--sampler", "{name: reinforce, update: ppo, ppo_epochs: 2}"});
  ASSERT_EQ(more.code, 0) << more.err;
  EXPECT_EQ(Load("rl").Counts().complete, 16);
}

// Refusals are one line on stderr, exit status 2, naming the option or the parameter.
TEST_F(ReinforceRunTest, RefusesABadOptionOrAContinuousFloatNamingIt) {
  const std::string bad_option =
      Write("bad.yaml",
            std::string("study: bad\ntrials: 3\nsampler: {name: reinforce, lr: -1}\n") + kSpace);
  const std::string continuous =
      Write("float.yaml",
            "study: float\ntrials: 3\nsampler: reinforce\n"
            "space:\n  x: {type: float, low: 0, high: 1}\n"
            "objective:\n  command: [\"" AUTOML_TEST_OBJECTIVE "\", \"branin\", \"{x}\", \"1\"]\n");
  for (const auto& [config, expected] :
       {std::pair<std::string, std::string>{bad_option, "sampler 'reinforce': option 'lr'"},
        {continuous, "parameter 'x' is a continuous float"}}) {
    const CliResult r = Run(config);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
    EXPECT_THAT(r.err, HasSubstr(expected));
  }
}

}  // namespace
}  // namespace automl::testing
