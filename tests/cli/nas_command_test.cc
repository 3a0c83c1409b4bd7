// automl run over an architecture parameter, and automl nas best.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "automl/storage.h"
#include "automl/study.h"
#include "testing/cli.h"
#include "testing/temp_dir.h"

namespace automl::testing {
namespace {

using ::testing::HasSubstr;

// The objective counts sep_conv_3x3 in the architecture it is given as one argument.
constexpr const char* kStudy =
    "study: cells\ntrials: 12\nseed: 1\ndirection: maximize\n"
    "space:\n"
    "  arch: {type: nasnet-cell, blocks: 2, operations: [identity, sep_conv_3x3, max_pool_3x3]}\n"
    "objective:\n"
    "  command: [\"" AUTOML_TEST_OBJECTIVE "\", count, \"{arch}\", sep_conv_3x3]\n";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(NasCommandTest, ARunSearchesCellsAndNasBestPrintsTheBestOne) {
  TempDir dir;
  WriteFile(dir.File("s.yaml"), kStudy);
  const std::string storage = "sqlite:///" + dir.File("s.db");
  const CliResult run = RunCli({"run", dir.File("s.yaml"), "--storage", storage});
  ASSERT_EQ(run.code, 0) << run.err;

  const CliResult best =
      RunCli({"nas", "best", "cells", "--storage", storage, "--svg", dir.File("best.svg")});
  ASSERT_EQ(best.code, 0) << best.err;
  const Json genotype = best.json();
  ASSERT_TRUE(genotype.contains("normal") && genotype.contains("reduction")) << best.out;
  // The printed architecture is the best trial's: its value counts the op in it.
  const Study study = Study::Load(OpenStorage(storage), "cells");
  const std::string text = genotype.dump();
  int count = 0;
  for (size_t at = text.find("sep_conv_3x3"); at != std::string::npos;
       at = text.find("sep_conv_3x3", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, study.BestTrial()->value());
  EXPECT_EQ(genotype, study.space().StructuredValues(study.BestTrial()->params).at("arch"));
  const std::string svg = ReadAll(dir.File("best.svg"));
  EXPECT_THAT(svg, HasSubstr("<svg"));
  EXPECT_THAT(svg, HasSubstr("normal cell"));

  // A study without an architecture, and an unknown one, are one-line usage errors.
  WriteFile(dir.File("plain.yaml"),
            "study: plain\ntrials: 2\nspace:\n  x: {type: float, low: 0, high: 1}\n"
            "objective:\n  command: [\"" AUTOML_TEST_OBJECTIVE "\", branin, \"{x}\", 1]\n");
  ASSERT_EQ(RunCli({"run", dir.File("plain.yaml"), "--storage", storage}).code, 0);
  CliResult r = RunCli({"nas", "best", "plain", "--storage", storage});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("has no architecture parameter"));
  r = RunCli({"nas", "best", "cells", "--storage", storage, "--param", "other"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("no architecture parameter 'other'"));
}

// A chain space runs the same way; nas best prints its architecture, and --svg, which draws
// cells, is refused before any file is written.
TEST(NasCommandTest, ARunSearchesAChainAndNasBestPrintsIt) {
  TempDir dir;
  WriteFile(dir.File("c.yaml"),
            "study: chain\ntrials: 10\nseed: 2\ndirection: maximize\n"
            "space:\n"
            "  arch: {type: chain, layers: 4, choices: [mb3_k3, mb6_k5, skip]}\n"
            "objective:\n"
            "  command: [\"" AUTOML_TEST_OBJECTIVE "\", count, \"{arch}\", mb6_k5]\n");
  const std::string storage = "sqlite:///" + dir.File("c.db");
  const CliResult run = RunCli({"run", dir.File("c.yaml"), "--storage", storage});
  ASSERT_EQ(run.code, 0) << run.err;

  const CliResult best = RunCli({"nas", "best", "chain", "--storage", storage});
  ASSERT_EQ(best.code, 0) << best.err;
  const Json arch = best.json();
  ASSERT_TRUE(arch.contains("stem") && arch.contains("stages")) << best.out;
  const Study study = Study::Load(OpenStorage(storage), "chain");
  EXPECT_EQ(arch, study.space().StructuredValues(study.BestTrial()->params).at("arch"));
  int count = 0;
  for (const Json& stage : arch.at("stages")) {
    for (const Json& op : stage.at("ops")) count += op == "mb6_k5" ? 1 : 0;
  }
  EXPECT_EQ(count, study.BestTrial()->value());

  const CliResult svg =
      RunCli({"nas", "best", "chain", "--storage", storage, "--svg", dir.File("best.svg")});
  EXPECT_EQ(svg.code, 2);
  EXPECT_THAT(svg.err, HasSubstr("--svg draws nasnet-cell architectures; 'arch' is of type chain"));
  EXPECT_FALSE(std::ifstream(dir.File("best.svg")).good());
}

}  // namespace
}  // namespace automl::testing
