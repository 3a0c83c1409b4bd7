// automl supernet-rank and supernet-search on a tiny chain space and a small slice of
// Fashion-MNIST: every evaluation recorded as a trial, limits never broken by a candidate, a
// second run resuming from the saved supernet.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "automl/storage.h"
#include "automl/study.h"
#include "testing/cli.h"
#include "testing/temp_dir.h"
#include "testing/torch_cli_test.h"

namespace automl::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kCommon = R"(
name: tiny
space:
  arch:
    type: chain
    choices: [mb1_k3, mb3_k3, mb3_k5, skip]
    stem: 4
    stages: [{layers: 2, width: 4, stride: 1}, {layers: 2, width: 8, stride: 2}]
objective:
  task: fashion-mnist
  data: {fraction: 0.02, resolution: 8, validation_size: 300}
  model: {chain: {arch: "{arch}"}}
  optimizer: {name: sgd, lr: 0.2, momentum: 0.9}
  epochs: 1
  batch_size: 64
  threads: 1
seed: 1
models_dir: models
)";

class SupernetCommandsTest : public TorchCliTest {};

TEST_F(SupernetCommandsTest, SupernetRankRecordsEveryEvaluationAndResumes) {
  WriteFile(dir_.File("rank.yaml"), std::string(kCommon) + R"(
supernet: {samplers: [uniform, greedy], epochs: 1, score_examples: 50, greedy: {num_sampled: 3, num_kept: 1}}
paths: 5
)");
  const std::string storage = "sqlite:///" + dir_.File("s.db");
  const CliResult first =
      Cli({"supernet-rank", "rank.yaml", "--storage", storage, "--json", "r.json"});
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("kendall"));
  const Json j = ReadJson(dir_.File("r.json"));
  ASSERT_TRUE(j.is_object()) << first.out;
  ASSERT_EQ(j["samplers"].size(), 2u);
  EXPECT_EQ(j["samplers"][0]["sampler"], "uniform");
  EXPECT_EQ(j["samplers"][1]["sampler"], "greedy");
  EXPECT_EQ(j["samplers"][1]["pairs"], 5);
  EXPECT_TRUE(j["samplers"][1]["kendall"].is_number());
  EXPECT_TRUE(j["samplers"][1]["history"][0].contains("pool_turnover"));
  EXPECT_TRUE(std::filesystem::exists(dir_.File("models/tiny/supernet-greedy.pt")));

  auto store = OpenStorage(storage);
  const Study standalone = Study::Load(store, "tiny.standalone");
  const Study greedy = Study::Load(store, "tiny.greedy");
  ASSERT_EQ(standalone.Counts().complete, 5);
  ASSERT_EQ(greedy.Counts().complete, 5);
  for (int64_t k = 0; k < 5; ++k) {
    EXPECT_EQ(ParamsToJson(standalone.GetTrial(k).params), ParamsToJson(greedy.GetTrial(k).params));
    EXPECT_TRUE(greedy.GetTrial(k).user_attrs.contains("params"));
    EXPECT_EQ(j["samplers"][1]["supernet_accuracy"][k], greedy.GetTrial(k).value());
  }

  // Nothing is trained again: the supernets load from their files, the trials are settled.
  const CliResult second = Cli({"supernet-rank", "rank.yaml", "--storage", storage});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_THAT(second.err, HasSubstr("[standalone] 5 of 5 architectures already trained"));
  EXPECT_THAT(second.err, HasSubstr("[greedy] supernet: 1 of 1 epochs already trained"));
  EXPECT_THAT(second.err, ::testing::Not(HasSubstr("supernet epoch")));
}

TEST_F(SupernetCommandsTest, SupernetSearchNeverReturnsOrEvaluatesAPathOverTheLimits) {
  // A parameter limit that about half of the paths break (the widest path has 2,642, the narrowest
  // 294).
  WriteFile(dir_.File("search.yaml"), std::string(kCommon) + R"(
supernet: {sampler: uniform, epochs: 1}
search:
  strategy: evolution
  evolution: {population: 6, top_k: 3, iterations: 2, num_mutations: 3, num_crossovers: 3}
  limits: {params: 1300, latency_ms: 1000}
  retrain: 1
  seeds: [0]
  check_paths: 2
latency: {batch: 1, warmup: 1, repeats: 3, threads: 1}
)");
  const std::string storage = "sqlite:///" + dir_.File("s.db");
  const CliResult run =
      Cli({"supernet-search", "search.yaml", "--storage", storage, "--json", "s.json"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("latency table: mean |error|"));
  const Json j = ReadJson(dir_.File("s.json"));
  ASSERT_TRUE(j.is_object()) << run.out;
  ASSERT_GE(j["best"].size(), 1u);
  for (const Json& b : j["best"]) EXPECT_LE(b["params"].get<int64_t>(), 1300) << b.dump();
  auto store = OpenStorage(storage);
  const Study search = Study::Load(store, "tiny.evolution");
  ASSERT_GE(search.Counts().complete, 6);
  for (const FrozenTrial& t : search.Trials()) {
    EXPECT_LE(t.user_attrs.at("params").get<int64_t>(), 1300) << "trial " << t.number;
  }
  const Study retrain = Study::Load(store, "tiny.evolution.retrain");
  ASSERT_EQ(retrain.Counts().complete, 1);
  EXPECT_EQ(ParamsToJson(retrain.GetTrial(0).params).dump(),
            ParamsToJson(search.BestTrial()->params).dump());
  EXPECT_EQ(j["retrained"][0]["seed"], 0);
  EXPECT_TRUE(j["retrained"][0]["test_accuracy"].is_number());
}

TEST_F(SupernetCommandsTest, MnasNetScoresAndAnNsga2ParetoFront) {
  WriteFile(dir_.File("m.yaml"), std::string(kCommon) + R"(
supernet: {sampler: uniform, epochs: 1}
search:
  strategy: random
  paths: 6
  evolution: {top_k: 3}
  objective: mnasnet
  target_ms: 0.5
  limits: {params: 1300}
  retrain: 0
  check_paths: 0
  nsga2: {population_size: 4}
latency: {batch: 1, warmup: 1, repeats: 3, threads: 1}
)");
  const std::string storage = "sqlite:///" + dir_.File("s.db");
  const CliResult random = Cli({"supernet-search", "m.yaml", "--storage", storage});
  ASSERT_EQ(random.code, 0) << random.err;
  auto store = OpenStorage(storage);
  const Study study = Study::Load(store, "tiny.random");
  ASSERT_EQ(study.Counts().complete, 6);
  for (const FrozenTrial& t : study.Trials()) {
    // MnasNet's reward: accuracy * (latency / T)^-0.07.
    const double expected = t.user_attrs.at("accuracy").get<double>() *
                            std::pow(t.user_attrs.at("latency_ms").get<double>() / 0.5, -0.07);
    EXPECT_NEAR(t.value(), expected, 1e-12);
  }

  // The same space searched for accuracy and latency at once: trials over the limit fail with the
  // reason, the front is printed, the supernet is the one trained before.
  const CliResult front = Cli({"supernet-search", "m.yaml", "--storage", storage, "--strategy",
                               "nsga2", "--json", "front.json"});
  ASSERT_EQ(front.code, 0) << front.err;
  EXPECT_THAT(front.err, HasSubstr("supernet: 1 of 1 epochs already trained"));
  const Study nsga2 = Study::Load(store, "tiny.nsga2");
  EXPECT_EQ(nsga2.directions().size(), 2u);
  EXPECT_EQ(nsga2.Counts().complete, 6);
  for (const FrozenTrial& t : nsga2.Trials()) {
    if (t.state == TrialState::kFailed) {
      EXPECT_EQ(t.reason, "over a limit of search.limits");
    } else {
      EXPECT_LE(t.user_attrs.at("params").get<int64_t>(), 1300);
    }
  }
  const Json j = ReadJson(dir_.File("front.json"));
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["best"].size(), nsga2.ParetoFront().size());
}

TEST_F(SupernetCommandsTest, CrnasSearchesStagePrefixPathsAtEachTotalOnOneSupernet) {
  WriteFile(dir_.File("cr.yaml"), R"(
name: cr
space:
  arch:
    type: chain
    choices: [mb1_k3, mb1_k3_d2, skip]
    stem: 4
    stages: [{layers: 2, width: 4, stride: 1}, {layers: 3, width: 8, stride: 2}]
objective:
  task: fashion-mnist
  data: {fraction: 0.02, resolution: 8, validation_size: 300}
  model: {chain: {arch: "{arch}"}}
  optimizer: {name: sgd, lr: 0.2, momentum: 0.9}
  epochs: 1
  batch_size: 64
  threads: 1
seed: 1
models_dir: models
supernet: {sampler: crnas, epochs: 1}
search: {strategy: crnas, crnas: {blocks: [2, 4]}, seeds: [0], check_paths: 0}
)");
  const std::string storage = "sqlite:///" + dir_.File("s.db");
  const CliResult r = Cli({"supernet-search", "cr.yaml", "--storage", storage, "--json", "c.json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("crnas: 2 blocks: 1 allocations"));
  EXPECT_THAT(r.out, HasSubstr("crnas: 4 blocks: 2 allocations"));
  auto store = OpenStorage(storage);
  const Study study = Study::Load(store, "cr.crnas");
  for (const FrozenTrial& t : study.Trials()) EXPECT_EQ(t.state, TrialState::kComplete);
  const Json j = ReadJson(dir_.File("c.json"));
  ASSERT_TRUE(j.is_object()) << r.out;
  ASSERT_EQ(j["crnas"].size(), 2u);
  for (const Json& total : j["crnas"]) {
    int kept = 0;
    for (const Json& stage : total["best"]["stages"]) {
      bool cut = false;
      int stage_kept = 0;
      for (const Json& op : stage["ops"]) {
        if (op == "skip") {
          cut = true;
        } else {
          EXPECT_FALSE(cut) << "a block after a skip: " << stage.dump();
          ++stage_kept;
        }
      }
      EXPECT_GE(stage_kept, 1);
      kept += stage_kept;
    }
    EXPECT_EQ(kept, total["blocks"].get<int>());
  }
  // Stage level: 1 + 2 allocations (1-1; 1-3, 2-2); spatial level: the other dilation at each
  // kept position (2 + 4). All distinct paths, each evaluated once.
  EXPECT_EQ(study.Trials().size(), 1u + 2u + 2u + 4u);
  // Each total's best retrained, one seed each.
  const Study retrain = Study::Load(store, "cr.crnas.retrain");
  EXPECT_EQ(retrain.Trials().size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(dir_.File("models/cr/supernet-crnas.pt")));
}

TEST_F(SupernetCommandsTest, BadConfigsExitWithOneLine) {
  WriteFile(dir_.File("a.yaml"), std::string(kCommon) + "supernet: {sampler: fair}\n");
  const CliResult a = Cli({"supernet-search", "a.yaml"});
  EXPECT_EQ(a.code, 2);
  EXPECT_THAT(a.err, HasSubstr("supernet: sampler must be one of uniform, greedy, pcnas"));
  WriteFile(dir_.File("b.yaml"),
            "space: {lr: {type: float, low: 0.1, high: 1}}\nobjective: {task: fashion-mnist}\n");
  const CliResult b = Cli({"supernet-rank", "b.yaml"});
  EXPECT_EQ(b.code, 2);
  EXPECT_THAT(b.err, HasSubstr("space: must hold exactly one parameter, of type chain"));
  WriteFile(dir_.File("c.yaml"), std::string(kCommon) + "search: {limits: {ram: 3}}\n");
  const CliResult c = Cli({"supernet-search", "c.yaml"});
  EXPECT_EQ(c.code, 2);
  EXPECT_THAT(c.err, HasSubstr("ram"));
  WriteFile(dir_.File("d.yaml"), std::string(kCommon) + "search: {strategy: crnas}\n");
  const CliResult d = Cli({"supernet-search", "d.yaml"});
  EXPECT_EQ(d.code, 2);
  EXPECT_THAT(d.err, HasSubstr("crnas: blocks"));
}

}  // namespace
}  // namespace automl::testing
