// examples/nas/nasnet_cells.yaml runs end to end on a small slice of Fashion-MNIST: an evolution
// over NASNet cells, each trained in-process at its proxy, then automl nas best.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

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
                               dir.path().string(), std::chrono::seconds(240));
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

// examples/nas/econas_cells.yaml: the first iteration of EcoNAS's hierarchical proxy, with a
// population of three: three new networks of one chunk, the best two continued to a second chunk
// from their checkpoints, the best of those to a third.
TEST(NasExampleTest, TheEcoNasExampleContinuesTheBestNetworksFromTheirCheckpoints) {
  TempDir dir;
  const CliResult probe = RunCli({"train", "/nonexistent.yaml"});
  if (probe.err.find("without LibTorch") != std::string::npos) {
    GTEST_SKIP() << "this automl was built without LibTorch";
  }
  const std::string storage = "sqlite:///" + dir.File("econas.db");
  const CliResult run = RunCli(
      {"run", AUTOML_SOURCE_DIR "/examples/nas/econas_cells.yaml", "--storage", storage, "--trials",
       "6", "--sampler",
       "{name: econas, population: 3, children: 1, levels: 3, promote: [2, 1], sample_size: 2}"},
      dir.path().string(), std::chrono::seconds(240));
  ASSERT_EQ(run.code, 0) << run.err;
  const Study study = Study::Load(OpenStorage(storage), "econas-cells");
  const std::vector<FrozenTrial> trials = study.Trials();
  ASSERT_EQ(trials.size(), 6u);
  const std::vector<int64_t> levels = {1, 1, 1, 2, 2, 3};
  for (size_t i = 0; i < trials.size(); ++i) {
    const FrozenTrial& t = trials[i];
    ASSERT_EQ(t.state, TrialState::kComplete) << t.reason;
    const Json& directive = t.system_attrs.at("econas");
    ASSERT_EQ(directive.at("level"), levels[i]) << "trial " << i;
    // One proxy epoch per chunk, counted from the network's start.
    ASSERT_EQ(t.intermediate.size(), 1u);
    EXPECT_EQ(t.intermediate.begin()->first, levels[i]);
    EXPECT_EQ(t.system_attrs.contains("checkpoint"), levels[i] < 3);
    if (levels[i] == 1) continue;
    const FrozenTrial& parent = trials.at(directive.at("continues").get<size_t>());
    EXPECT_EQ(parent.system_attrs.at("econas").at("level"), levels[i] - 1);
    EXPECT_EQ(parent.params, t.params) << "a continuation trains its parent's network";
    EXPECT_EQ(parent.system_attrs.at("training_config").at("seed"),
              t.system_attrs.at("training_config").at("seed"));
  }
  // The two best one-chunk networks were continued, best first.
  std::vector<const FrozenTrial*> first_chunk = {&trials[0], &trials[1], &trials[2]};
  std::sort(first_chunk.begin(), first_chunk.end(),
            [](const FrozenTrial* a, const FrozenTrial* b) { return a->value() > b->value(); });
  EXPECT_EQ(trials[3].system_attrs.at("econas").at("continues"), first_chunk[0]->number);
  EXPECT_EQ(trials[4].system_attrs.at("econas").at("continues"), first_chunk[1]->number);
}

}  // namespace
}  // namespace automl::testing
