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

}  // namespace
}  // namespace automl::testing
