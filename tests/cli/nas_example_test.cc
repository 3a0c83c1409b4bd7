// examples/nas/nasnet_cells.yaml runs end to end on a small slice of Fashion-MNIST: an evolution
// over NASNet cells, each trained in-process at its proxy, then automl nas best.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "automl/storage.h"
#include "automl/study.h"
#include "testing/cli.h"
#include "testing/temp_dir.h"

namespace automl::testing {
namespace {

using ::testing::HasSubstr;

TEST(NasExampleTest, TheNasnetExampleSearchesCellsAndPrintsTheBest) {
  TempDir dir;
  const CliResult probe = RunCli({"train", "/nonexistent.yaml"});
  if (probe.err.find("without LibTorch") != std::string::npos) {
    GTEST_SKIP() << "this automl was built without LibTorch";
  }
  const std::string storage = "sqlite:///" + dir.File("nas.db");
  // The example as written, with fewer trials and a smaller slice so that the suite stays quick.
  const CliResult run = RunCli({"run", AUTOML_SOURCE_DIR "/examples/nas/nasnet_cells.yaml",
                                "--storage", storage, "--trials", "4"},
                               dir.path().string());
  ASSERT_EQ(run.code, 0) << run.err;
  const Study study = Study::Load(OpenStorage(storage), "nasnet-cells");
  ASSERT_EQ(study.Counts().complete, 4);
  for (const FrozenTrial& t : study.Trials()) {
    EXPECT_GT(t.value(), 0.1) << "above chance";
    EXPECT_EQ(t.intermediate.size(), 1u) << "the proxy trains one epoch";
    EXPECT_EQ(t.system_attrs.at("proxy_config").at("model").at("nasnet").at("filters"), 4);
    EXPECT_EQ(t.system_attrs.at("training_config").at("model").at("nasnet").at("genotype"),
              study.space().StructuredValues(t.params).at("arch"));
  }
  const CliResult best = RunCli({"nas", "best", "nasnet-cells", "--storage", storage});
  ASSERT_EQ(best.code, 0) << best.err;
  EXPECT_EQ(best.json(), study.space().StructuredValues(study.BestTrial()->params).at("arch"));
  EXPECT_THAT(best.err, HasSubstr("trial"));
}

}  // namespace
}  // namespace automl::testing
