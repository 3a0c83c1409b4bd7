#include "automl/nas/chain_space.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "automl/config_file.h"
#include "automl/error.h"
#include "automl/random.h"
#include "testing/error_of.h"

namespace automl::nas {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The message of the InvalidArgument |action| throws, or a marker when it throws none.
using ::automl::testing::ErrorOf;

std::string OptionsError(const std::string& yaml) {
  return ErrorOf([&yaml] { ChainSpaceOptions::FromJson(ParseYaml(yaml, "spec")); });
}

std::string ArchError(const std::string& yaml) {
  return ErrorOf([&yaml] { ChainArchFromJson(ParseYaml(yaml, "arch")); });
}

// The brief's example space, every key written out.
constexpr char kExample[] = R"(
type: chain
layers: 12
choices: [mb3_k3, mb3_k5, mb3_k7, mb6_k3, mb6_k5, mb6_k7, skip]
stem: 16
stages: [{layers: 4, width: 16, stride: 1}, {layers: 4, width: 32, stride: 2},
         {layers: 4, width: 64, stride: 2}]
)";

std::vector<int64_t> RandomPath(const ChainSpaceOptions& options, Rng& rng) {
  std::vector<int64_t> path;
  for (const std::vector<std::string>& offered : LayerChoices(options)) {
    path.push_back(static_cast<int64_t>(rng.Below(offered.size())));
  }
  return path;
}

// ---- Operations ----

TEST(ChainOps, ParsesAndNamesEveryValidOp) {
  const std::optional<ChainOp> skip = ParseChainOp("skip");
  ASSERT_TRUE(skip);
  EXPECT_TRUE(skip->skip);
  EXPECT_EQ(ChainOpName(*skip), "skip");
  const std::optional<ChainOp> mb = ParseChainOp("mb6_k5");
  ASSERT_TRUE(mb);
  EXPECT_FALSE(mb->skip);
  EXPECT_EQ(mb->expansion, 6);
  EXPECT_EQ(mb->kernel, 5);
  int valid = 0;
  for (int e = 0; e <= 12; ++e) {
    for (int k = 0; k <= 12; ++k) {
      const std::string name = "mb" + std::to_string(e) + "_k" + std::to_string(k);
      const std::optional<ChainOp> op = ParseChainOp(name);
      const bool expected = e >= 1 && e <= 8 && k >= 3 && k <= 9 && k % 2 == 1;
      EXPECT_EQ(op.has_value(), expected) << name;
      if (!op) continue;
      ++valid;
      EXPECT_EQ(op->expansion, e);
      EXPECT_EQ(op->kernel, k);
      EXPECT_EQ(ChainOpName(*op), name);
    }
  }
  EXPECT_EQ(valid, 8 * 4);
}

TEST(ChainOps, ParsesDilationsTwoToFourAndNamesThemBack) {
  const std::optional<ChainOp> plain = ParseChainOp("mb6_k3");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->dilation, 1);
  for (int d = 2; d <= 4; ++d) {
    const std::string name = "mb6_k5_d" + std::to_string(d);
    const std::optional<ChainOp> op = ParseChainOp(name);
    ASSERT_TRUE(op) << name;
    EXPECT_EQ(op->expansion, 6);
    EXPECT_EQ(op->kernel, 5);
    EXPECT_EQ(op->dilation, d);
    EXPECT_EQ(ChainOpName(*op), name);
  }
  for (const char* name : {"mb6_k3_d1", "mb6_k3_d5", "mb6_k3_d0", "mb6_k3_d02", "mb6_k3_d",
                           "mb6_k3d2", "mb6_k3_d2_d2", "skip_d2", "mb6_d2_k3"}) {
    EXPECT_FALSE(ParseChainOp(name).has_value()) << "'" << name << "'";
  }
  EXPECT_THAT(ErrorOf([] { ChainOpName(ChainOp{false, 6, 3, 5}); }), HasSubstr("not an op"));
}

TEST(ChainOps, RefusesOtherSpellings) {
  for (const char* name : {"", "Skip", "skip ", "mb", "mb6", "mb6_k", "mb_k3", "mb06_k3", "mb6_k03",
                           "mb6k3", "mb6_k3x", "mb+6_k3", "mb-1_k3", "MB6_K3", "mb6_K3", "mb6__k3",
                           "mb6_k3_k3", "mb1000_k3", "ir6_k3"}) {
    EXPECT_FALSE(ParseChainOp(name).has_value()) << "'" << name << "'";
    EXPECT_FALSE(IsChainOp(name)) << "'" << name << "'";
  }
  EXPECT_THAT(ErrorOf([] { ChainOpName(ChainOp{false, 6, 4}); }), HasSubstr("not an op"));
}

TEST(ChainOps, DefaultChoicesAreProxylessNasOps) {
  EXPECT_THAT(DefaultChainChoices(),
              ElementsAre("mb3_k3", "mb3_k5", "mb3_k7", "mb6_k3", "mb6_k5", "mb6_k7", "skip"));
  for (const std::string& op : DefaultChainChoices()) EXPECT_TRUE(IsChainOp(op)) << op;
}

// ---- Options ----

TEST(ChainOptions, DefaultsAreTwelveLayersInThreeStages) {
  const ChainSpaceOptions options;
  EXPECT_EQ(options.stem, 16);
  EXPECT_EQ(options.choices, DefaultChainChoices());
  EXPECT_THAT(options.stages,
              ElementsAre(ChainStage{4, 16, 1}, ChainStage{4, 32, 2}, ChainStage{4, 64, 2}));
  EXPECT_EQ(options.layers(), 12);
  EXPECT_NO_THROW(options.Validate());
  // Every key is optional: an empty spec, or the type alone, is the default space, and the
  // brief's example spells it out.
  EXPECT_EQ(ChainSpaceOptions::FromJson(Json::object()).ToJson(), options.ToJson());
  EXPECT_EQ(ChainSpaceOptions::FromJson({{"type", "chain"}}).ToJson(), options.ToJson());
  EXPECT_EQ(ChainSpaceOptions::FromJson(ParseYaml(kExample, "spec")).ToJson(), options.ToJson());
}

TEST(ChainOptions, LayersAloneAreSplitEvenlyWithTheRemainderLast) {
  EXPECT_THAT(DefaultChainStages(3),
              ElementsAre(ChainStage{1, 16, 1}, ChainStage{1, 32, 2}, ChainStage{1, 64, 2}));
  EXPECT_THAT(DefaultChainStages(10),
              ElementsAre(ChainStage{3, 16, 1}, ChainStage{3, 32, 2}, ChainStage{4, 64, 2}));
  EXPECT_THAT(DefaultChainStages(11),
              ElementsAre(ChainStage{3, 16, 1}, ChainStage{4, 32, 2}, ChainStage{4, 64, 2}));
  EXPECT_THAT(DefaultChainStages(64),
              ElementsAre(ChainStage{21, 16, 1}, ChainStage{21, 32, 2}, ChainStage{22, 64, 2}));
  const ChainSpaceOptions seven = ChainSpaceOptions::FromJson(ParseYaml("{layers: 7}", "s"));
  EXPECT_THAT(seven.stages,
              ElementsAre(ChainStage{2, 16, 1}, ChainStage{2, 32, 2}, ChainStage{3, 64, 2}));
  EXPECT_EQ(seven.layers(), 7);
  // Fewer layers than default stages need stages of their own.
  EXPECT_EQ(OptionsError("{layers: 2}"),
            "chain: layers: 2 is fewer than the 3 default stages (give stages)");
  const ChainSpaceOptions one = ChainSpaceOptions::FromJson(
      ParseYaml("{layers: 1, stages: [{layers: 1, width: 8, stride: 2}]}", "s"));
  EXPECT_EQ(one.layers(), 1);
}

TEST(ChainOptions, ReadsEveryFieldAndWritesThemBack) {
  const Json json = ParseYaml(R"(
type: chain
layers: 5
choices: [skip, mb1_k9, mb8_k3]
stem: 24
stages: [{layers: 2, width: 24, stride: 2}, {layers: 3, width: 40, stride: 1}]
)",
                              "spec");
  const ChainSpaceOptions options = ChainSpaceOptions::FromJson(json);
  EXPECT_EQ(options.stem, 24);
  EXPECT_THAT(options.choices, ElementsAre("skip", "mb1_k9", "mb8_k3"));  // order kept
  EXPECT_THAT(options.stages, ElementsAre(ChainStage{2, 24, 2}, ChainStage{3, 40, 1}));
  EXPECT_EQ(options.ToJson(), json);
  EXPECT_EQ(options.ToJson().begin().key(), "type");
  EXPECT_EQ(ChainSpaceOptions::FromJson(options.ToJson()).ToJson(), json);
  // Stages alone give the layers.
  Json without_layers = json;
  without_layers.erase("layers");
  EXPECT_EQ(ChainSpaceOptions::FromJson(without_layers).ToJson(), json);
}

TEST(ChainOptions, RefusesUnknownKeysInOneLine) {
  EXPECT_EQ(OptionsError("{layer: 12, choice: [skip]}"),
            "chain: unknown keys 'layer', 'choice' (known: type, layers, choices, stem, stages)");
  EXPECT_EQ(OptionsError("{depth: 3}"),
            "chain: unknown key 'depth' (known: type, layers, choices, stem, stages)");
  EXPECT_EQ(OptionsError("{stages: [{layers: 1, width: 8, stride: 1, kernel: 3}]}"),
            "chain: stages[0]: unknown key 'kernel' (known: layers, width, stride)");
}

TEST(ChainOptions, RefusesBadFieldsNamingThem) {
  EXPECT_THAT(OptionsError("{type: nasnet-cell}"), HasSubstr("chain: type: must be 'chain'"));
  // Op names.
  EXPECT_EQ(OptionsError("{choices: [mb3_k3, mb9_k3]}"),
            "chain: choices[1]: 'mb9_k3' is not an op (skip or mb<E>_k<K>[_d<D>] with E in 1..8, "
            "K odd in 3..9 and D in 2..4)");
  EXPECT_THAT(OptionsError("{choices: [mb3_k4]}"), HasSubstr("choices[0]: 'mb3_k4' is not an op"));
  EXPECT_EQ(OptionsError("{choices: [mb3_k3, skip, mb3_k3]}"),
            "chain: choices[2]: 'mb3_k3' repeats choices[0]");
  EXPECT_EQ(OptionsError("{choices: []}"), "chain: choices: must list at least one op");
  EXPECT_EQ(OptionsError("{choices: [skip]}"),
            "chain: choices: must list at least one op other than skip");
  EXPECT_THAT(OptionsError("{choices: mb3_k3}"), HasSubstr("chain: choices: must be a list"));
  EXPECT_THAT(OptionsError("{choices: [3]}"), HasSubstr("chain: choices[0]: must be an op name"));
  // Stages.
  EXPECT_EQ(OptionsError("{stages: [{layers: 2, width: 16, stride: 1}, "
                         "{layers: 2, width: 32, stride: 3}]}"),
            "chain: stages[1].stride: 3 is not 1 or 2");
  EXPECT_EQ(OptionsError("{stages: [{layers: 0, width: 16, stride: 1}]}"),
            "chain: stages[0].layers: 0 is outside 1..64");
  EXPECT_EQ(OptionsError("{stages: [{layers: 1, width: 0, stride: 1}]}"),
            "chain: stages[0].width: 0 is outside 1..65536");
  EXPECT_EQ(OptionsError("{stages: [{layers: 1, width: 8}]}"),
            "chain: stages[0]: missing 'stride'");
  EXPECT_THAT(OptionsError("{stages: [{layers: 1, width: 8.5, stride: 1}]}"),
              HasSubstr("chain: stages[0].width: must be an integer"));
  EXPECT_EQ(OptionsError("{stages: []}"), "chain: stages: must list at least one stage");
  EXPECT_THAT(OptionsError("{stages: [3]}"), HasSubstr("chain: stages[0]: must be a mapping"));
  EXPECT_EQ(OptionsError("{stages: [{layers: 40, width: 8, stride: 1}, "
                         "{layers: 40, width: 8, stride: 1}]}"),
            "chain: stages: 80 layers in all, outside 1..64");
  // Layers.
  EXPECT_EQ(OptionsError("{layers: 10, stages: [{layers: 4, width: 16, stride: 1}, "
                         "{layers: 4, width: 32, stride: 2}]}"),
            "chain: layers: 10, but the stages' layers sum to 8");
  EXPECT_EQ(OptionsError("{layers: 0}"), "chain: layers: 0 is outside 1..64");
  EXPECT_EQ(OptionsError("{layers: 65}"), "chain: layers: 65 is outside 1..64");
  EXPECT_EQ(OptionsError("{layers: 1099511627776}"),
            "chain: layers: 1099511627776 is outside 1..64");
  EXPECT_THAT(OptionsError("{layers: twelve}"), HasSubstr("chain: layers: must be an integer"));
  EXPECT_EQ(OptionsError("{stem: 0}"), "chain: stem: 0 is outside 1..65536");
  // Validate checks options built in code alike.
  ChainSpaceOptions options;
  options.stages[2].stride = 4;
  EXPECT_EQ(ErrorOf([&options] { options.Validate(); }),
            "chain: stages[2].stride: 4 is not 1 or 2");
  options = ChainSpaceOptions();
  options.choices = {"skip", "skip"};
  EXPECT_EQ(ErrorOf([&options] { options.Validate(); }),
            "chain: choices[1]: 'skip' repeats choices[0]");
}

// ---- Decisions ----

TEST(ChainDecisions, TheFirstLayerOfAStageThatChangesTheShapeOffersNoSkip) {
  const std::vector<std::vector<std::string>> offered = LayerChoices(ChainSpaceOptions());
  ASSERT_EQ(offered.size(), 12u);
  const std::vector<std::string> no_skip = {"mb3_k3", "mb3_k5", "mb3_k7",
                                            "mb6_k3", "mb6_k5", "mb6_k7"};
  for (size_t i = 0; i < offered.size(); ++i) {
    // Stage 0 keeps the stem's 16 channels at stride 1; stages 1 and 2 (layers 4 and 8) reduce.
    EXPECT_EQ(offered[i], i == 4 || i == 8 ? no_skip : DefaultChainChoices()) << "layer " << i;
  }

  // A width change alone counts, at stage 0 against the stem; a stage that keeps the shape offers
  // skip everywhere; the order of the choices is kept.
  const ChainSpaceOptions options = ChainSpaceOptions::FromJson(ParseYaml(R"(
choices: [skip, mb6_k3, mb3_k5]
stem: 8
stages: [{layers: 2, width: 16, stride: 1}, {layers: 2, width: 16, stride: 1},
         {layers: 1, width: 16, stride: 2}, {layers: 2, width: 24, stride: 1}]
)",
                                                                          "s"));
  const std::vector<std::string> all = {"skip", "mb6_k3", "mb3_k5"};
  const std::vector<std::string> without = {"mb6_k3", "mb3_k5"};
  EXPECT_EQ(LayerChoices(options),
            (std::vector<std::vector<std::string>>{without, all, all, all, without, without, all}));
}

TEST(ChainDecisions, DecodeAndEncodeRoundTripOverRandomPaths) {
  Rng rng(11);
  const char* const two_stages =
      "{stem: 32, stages: [{layers: 3, width: 32, stride: 1}, {layers: 1, width: 48, stride: 2}]}";
  for (const char* yaml : {"{}", "{layers: 64}", "{choices: [mb6_k7, skip], layers: 5}", two_stages,
                           "{choices: [mb1_k3]}"}) {
    const ChainSpaceOptions options = ChainSpaceOptions::FromJson(ParseYaml(yaml, "s"));
    const std::vector<std::vector<std::string>> offered = LayerChoices(options);
    std::set<std::vector<int64_t>> distinct;
    for (int i = 0; i < 200; ++i) {
      const std::vector<int64_t> path = RandomPath(options, rng);
      const ChainArch arch = DecodePath(path, options);
      EXPECT_EQ(arch.stem, options.stem);
      EXPECT_EQ(arch.stages, options.stages);
      ASSERT_EQ(arch.ops.size(), offered.size());
      for (size_t l = 0; l < path.size(); ++l) EXPECT_EQ(arch.ops[l], offered[l][path[l]]);
      EXPECT_NO_THROW(Validate(arch, options)) << yaml;
      EXPECT_EQ(EncodePath(arch, options), path) << yaml;
      // Through the JSON form as well.
      const ChainArch read = ChainArchFromJson(ToJson(arch));
      EXPECT_EQ(read, arch) << yaml;
      EXPECT_EQ(EncodePath(read, options), path) << yaml;
      distinct.insert(path);
    }
    // Large spaces draw 200 different paths; small ones at least one.
    EXPECT_GE(distinct.size(), ChainSpaceSize(options) > 1e6 ? 199u : 1u) << yaml;
  }
}

TEST(ChainDecisions, RefusesBadPaths) {
  const ChainSpaceOptions options;
  EXPECT_EQ(ErrorOf([&] { DecodePath(std::vector<int64_t>(11, 0), options); }),
            "path: expected 12 choice indices, one per layer, got 11");
  std::vector<int64_t> path(12, 0);
  path[4] = 6;  // layer 4 offers six ops, no skip
  EXPECT_EQ(ErrorOf([&] { DecodePath(path, options); }),
            "path: l4: choice index 6 is outside 0..5");
  path[4] = 0;
  path[5] = 6;  // layer 5 offers skip as its seventh choice
  EXPECT_EQ(DecodePath(path, options).ops[5], "skip");
  path[0] = -1;
  EXPECT_EQ(ErrorOf([&] { DecodePath(path, options); }),
            "path: l0: choice index -1 is outside 0..6");
}

TEST(ChainDecisions, SpaceSizeIsTheProductOfWhatEachLayerOffers) {
  // Ten layers offer all seven choices, the first layers of stages 1 and 2 six.
  EXPECT_NEAR(ChainSpaceSize(ChainSpaceOptions()) / (std::pow(7.0, 10) * 36.0), 1.0, 1e-12);
  // stem 8: stage 0 changes the width too.
  EXPECT_DOUBLE_EQ(ChainSpaceSize(ChainSpaceOptions::FromJson(
                       ParseYaml("{stem: 8, layers: 3, choices: [mb3_k3, mb6_k3, skip]}", "s"))),
                   8.0);
  EXPECT_DOUBLE_EQ(ChainSpaceSize(ChainSpaceOptions::FromJson(
                       ParseYaml("{layers: 4, choices: [mb3_k3, skip]}", "s"))),
                   2.0 * 1 * 1 * 2);
  EXPECT_TRUE(
      std::isfinite(ChainSpaceSize(ChainSpaceOptions::FromJson(ParseYaml("{layers: 64}", "s")))));
}

// ---- Architectures ----

TEST(ChainArchJson, WritesEveryKeyInOrder) {
  ChainArch arch;
  arch.stem = 8;
  arch.stages = {{2, 8, 1}, {1, 16, 2}};
  arch.ops = {"skip", "mb3_k5", "mb6_k7"};
  const Json json = ToJson(arch);
  EXPECT_EQ(json.dump(), R"({"stem":8,"stages":[{"width":8,"stride":1,"ops":["skip","mb3_k5"]},)"
                         R"({"width":16,"stride":2,"ops":["mb6_k7"]}]})");
  EXPECT_EQ(ChainArchFromJson(json), arch);
  // The space it came from reads it; a space with other stages does not.
  const ChainSpaceOptions options = ChainSpaceOptions::FromJson(ParseYaml(
      "{stem: 8, stages: [{layers: 2, width: 8, stride: 1}, {layers: 1, width: 16, stride: 2}]}",
      "s"));
  EXPECT_THAT(EncodePath(arch, options), ElementsAre(6, 1, 5));
}

TEST(ChainArchJson, RefusesMalformedArchitecturesNamingThePath) {
  EXPECT_EQ(ArchError("{stem: 16, stages: [{width: 16, stride: 1, ops: [mb3_k3]}, "
                      "{width: 32, stride: 2, ops: [skip, mb3_k3]}]}"),
            "stages[1].ops[0]: skip is not offered at the first layer of a stage that changes the "
            "shape (stride 2)");
  EXPECT_EQ(ArchError("{stem: 16, stages: [{width: 24, stride: 1, ops: [skip]}]}"),
            "stages[0].ops[0]: skip is not offered at the first layer of a stage that changes the "
            "shape (width 16 -> 24)");
  // Skip elsewhere is fine, also first in a stage that keeps the shape.
  EXPECT_NO_THROW(ChainArchFromJson(ParseYaml(
      "{stem: 16, stages: [{width: 16, stride: 1, ops: [skip, skip]}, "
      "{width: 16, stride: 1, ops: [skip]}, {width: 32, stride: 2, ops: [mb1_k3, skip]}]}",
      "a")));
  EXPECT_THAT(ArchError("{stem: 16, stages: [{width: 16, stride: 1, ops: [mb3_k3, mb6_k2]}]}"),
              HasSubstr("stages[0].ops[1]: 'mb6_k2' is not an op"));
  EXPECT_EQ(ArchError("{stem: 16, stages: [{width: 16, stride: 3, ops: [mb3_k3]}]}"),
            "stages[0].stride: 3 is not 1 or 2");
  EXPECT_EQ(ArchError("{stem: 16, stages: [{width: 16, stride: 1, ops: []}]}"),
            "stages[0].ops: must list at least one op");
  EXPECT_EQ(ArchError("{stem: 16, stages: []}"), "stages: must list at least one stage");
  EXPECT_EQ(ArchError("{stem: 16}"), "architecture: missing 'stages'");
  EXPECT_EQ(ArchError("{stem: 16, stages: [{width: 16, ops: [mb3_k3]}]}"),
            "stages[0]: missing 'stride'");
  EXPECT_EQ(ArchError("{stem: 16, stages: [], normal: []}"),
            "architecture: unknown key 'normal' (known: stem, stages)");
  EXPECT_EQ(ArchError("{stem: 16, stages: [{width: 16, stride: 1, ops: [mb3_k3], layers: 1}]}"),
            "stages[0]: unknown key 'layers' (known: width, stride, ops)");
  EXPECT_THAT(ArchError("[1, 2]"), HasSubstr("architecture: must be a mapping"));
  EXPECT_EQ(ArchError("{stem: 0, stages: []}"), "stem: 0 is outside 1..65536");
}

TEST(ChainArchJson, ValidateRefusesAnArchitectureOfAnotherSpace) {
  const ChainSpaceOptions options =
      ChainSpaceOptions::FromJson(ParseYaml("{layers: 6, choices: [mb3_k3, mb6_k5, skip]}", "s"));
  Rng rng(2);
  const ChainArch good = DecodePath(RandomPath(options, rng), options);
  EXPECT_NO_THROW(Validate(good, options));
  const auto error = [&options](const ChainArch& arch) {
    return ErrorOf([&] { Validate(arch, options); });
  };
  ChainArch bad = good;
  bad.stem = 32;
  EXPECT_EQ(error(bad), "stem: 32 differs from the space's 16");
  // Also through the JSON form, and when layer 0 is a skip that stem 32 would not allow: how the
  // architecture differs from the space comes first.
  bad.ops[0] = "skip";
  EXPECT_EQ(ErrorOf([&] { ChainArchFromJson(ToJson(bad), options); }),
            "stem: 32 differs from the space's 16");
  EXPECT_THAT(ErrorOf([&] { ChainArchFromJson(ToJson(bad)); }),
              HasSubstr("stages[0].ops[0]: skip is not offered"));
  EXPECT_EQ(ChainArchFromJson(ToJson(good), options), good);
  bad = good;
  bad.stages[1].width = 48;
  EXPECT_EQ(error(bad), "stages[1].width: 48 differs from the space's 32");
  bad = good;
  bad.stages[2].stride = 1;
  EXPECT_EQ(error(bad), "stages[2].stride: 1 differs from the space's 2");
  bad = good;
  bad.stages.pop_back();
  bad.ops.resize(4);
  EXPECT_EQ(error(bad), "stages: 2 stages, but the space has 3");
  bad = good;
  bad.stages[0].layers = 3;
  bad.stages[1].layers = 1;
  bad.ops[3] = "mb3_k3";
  EXPECT_EQ(error(bad), "stages[0].ops: 3 layers, but the space's stage has 2");
  bad = good;
  bad.ops[3] = "mb6_k7";
  EXPECT_EQ(error(bad),
            "stages[1].ops[1]: 'mb6_k7' is not among the space's choices (mb3_k3, mb6_k5, skip)");
  bad = good;
  bad.ops[2] = "skip";
  EXPECT_THAT(error(bad), HasSubstr("stages[1].ops[0]: skip is not offered"));
  bad = good;
  bad.ops.pop_back();
  EXPECT_EQ(error(bad), "ops: 5 ops for the 6 layers of the stages");
  EXPECT_THAT(ErrorOf([&] { EncodePath(bad, options); }), HasSubstr("ops: 5 ops"));
}

}  // namespace
}  // namespace automl::nas
