// The chain structured parameter through search spaces, substitution, studies and samplers.
#include "core/nas/chain_param.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "automl/config_file.h"
#include "automl/error.h"
#include "automl/nas/chain_space.h"
#include "automl/random.h"
#include "automl/registry.h"
#include "automl/search_space.h"
#include "automl/storage.h"
#include "automl/structured_param.h"
#include "automl/study.h"
#include "automl/substitution.h"
#include "testing/error_of.h"
#include "testing/temp_dir.h"

namespace automl::nas {
namespace {

using ::testing::HasSubstr;

// Stages of 2, 2 and 2 layers; layers 2 and 4 start a reducing stage.
SearchSpace ChainSpace() {
  return SearchSpace::FromJson(ParseYaml(R"(
lr: {type: float, low: 1.0e-4, high: 0.1, log: true}
arch: {type: chain, layers: 6, choices: [mb3_k3, mb6_k5, skip]}
)",
                                         "space"));
}

// Values for every parameter of |space|, drawn uniformly.
ParamMap RandomParams(const SearchSpace& space, Rng& rng) {
  ParamMap params;
  for (const ParamSpec& p : space.params()) params.emplace(p.name(), p.FromUnit(rng.Uniform()));
  return params;
}

// |params| without lr: the decisions alone.
ParamMap Decisions(ParamMap params) {
  params.erase("lr");
  return params;
}

using ::automl::testing::ErrorOf;

TEST(ChainParamTest, ASpaceExpandsTheChainIntoOneDecisionPerLayer) {
  EXPECT_TRUE(IsStructuredSpec(ParseYaml("{type: chain}", "s")));
  EXPECT_FALSE(IsStructuredSpec(ParseYaml("{type: categorical, choices: [chain]}", "s")));
  EXPECT_EQ(MakeChainParam("arch", Json{{"type", "chain"}})->decisions().size(), 12u);
  const SearchSpace space = ChainSpace();
  ASSERT_EQ(space.size(), 7u);  // six layers and lr
  ASSERT_NE(space.FindStructured("arch"), nullptr);
  EXPECT_EQ(space.Find("arch"), nullptr) << "the architecture itself is not a plain parameter";
  for (int i = 0; i < 6; ++i) {
    const std::string name = "arch.l" + std::to_string(i);
    const ParamSpec& layer = space.Get(name);
    EXPECT_TRUE(space.IsDecision(name));
    EXPECT_EQ(layer.type(), ParamType::kCategorical);
    const std::vector<ParamValue> expected =
        i == 2 || i == 4 ? std::vector<ParamValue>{"mb3_k3", "mb6_k5"}
                         : std::vector<ParamValue>{"mb3_k3", "mb6_k5", "skip"};
    EXPECT_EQ(layer.choices(), expected) << name;
  }
  EXPECT_EQ(space.Find("arch.l6"), nullptr);

  // The config form is the explicit one and reads back equal.
  const Json json = space.ToJson();
  EXPECT_EQ(json.at("arch"), ParseYaml(R"(
type: chain
layers: 6
choices: [mb3_k3, mb6_k5, skip]
stem: 16
stages: [{layers: 2, width: 16, stride: 1}, {layers: 2, width: 32, stride: 2},
         {layers: 2, width: 64, stride: 2}]
)",
                                       "arch"));
  EXPECT_EQ(SearchSpace::FromJson(json), space);
  EXPECT_NE(SearchSpace::FromJson(ParseYaml("arch: {type: chain, layers: 6}", "s")),
            SearchSpace::FromJson(ParseYaml("arch: {type: chain, layers: 7}", "s")));
}

TEST(ChainParamTest, ComposeAndDecomposeRoundTripThroughASpace) {
  const SearchSpace space = ChainSpace();
  const StructuredParam& arch = *space.FindStructured("arch");
  const ChainSpaceOptions options = ChainSpaceOptions::FromJson(arch.ToJson());
  Rng rng(3);
  std::set<std::string> distinct;
  for (int i = 0; i < 200; ++i) {
    const ParamMap params = RandomParams(space, rng);
    const Json value = space.StructuredValues(params).at("arch");
    // The full architecture: the space's stem and stages with the chosen ops.
    const ChainArch read = ChainArchFromJson(value);
    EXPECT_NO_THROW(Validate(read, options));
    EXPECT_EQ(value.at("stem"), 16);
    ASSERT_EQ(value.at("stages").size(), 3u);
    EXPECT_EQ(value.at("stages")[1].at("width"), 32);
    EXPECT_EQ(value.at("stages")[1].at("stride"), 2);
    for (int l = 0; l < 6; ++l) {
      EXPECT_EQ(value.at("stages")[l / 2].at("ops")[l % 2],
                params.at("arch.l" + std::to_string(l)).ToJson());
    }
    // Every path is its own architecture: Decompose gives back exactly the decisions.
    EXPECT_EQ(arch.Decompose(value), Decisions(params));
    EXPECT_EQ(arch.Compose(arch.Decompose(value)), value);
    distinct.insert(value.dump());
  }
  // 3 * 3 * 2 * 3 * 2 * 3 = 324 architectures; 200 uniform draws find about 149 of them.
  EXPECT_DOUBLE_EQ(ChainSpaceSize(options), 324.0);
  EXPECT_GT(distinct.size(), 120u);

  ParamMap missing = RandomParams(space, rng);
  missing.erase("arch.l3");
  EXPECT_EQ(ErrorOf([&] { arch.Compose(missing); }),
            "parameter 'arch': decision 'arch.l3' has no value");
}

TEST(ChainParamTest, DecomposeRefusesAValueFromAnotherSpace) {
  const SearchSpace space = ChainSpace();
  const StructuredParam& arch = *space.FindStructured("arch");
  // An architecture of a wider space with other choices.
  const SearchSpace other = SearchSpace::FromJson(
      ParseYaml("arch: {type: chain, layers: 6, stem: 32, choices: [mb6_k7, skip]}", "s"));
  Rng rng(4);
  const Json foreign = other.StructuredValues(RandomParams(other, rng)).at("arch");
  EXPECT_EQ(ErrorOf([&] { arch.Decompose(foreign); }),
            "parameter 'arch': stem: 32 differs from the space's 16");
  Json value = space.StructuredValues(RandomParams(space, rng)).at("arch");
  Json bad = value;
  bad["stages"][1]["ops"][0] = "skip";
  EXPECT_EQ(ErrorOf([&] { arch.Decompose(bad); }),
            "parameter 'arch': stages[1].ops[0]: skip is not offered at the first layer of a stage "
            "that changes the shape (stride 2)");
  bad = value;
  bad["stages"][2]["ops"][1] = "mb6_k7";
  EXPECT_EQ(ErrorOf([&] { arch.Decompose(bad); }),
            "parameter 'arch': stages[2].ops[1]: 'mb6_k7' is not among the space's choices "
            "(mb3_k3, mb6_k5, skip)");
  bad = value;
  bad["stages"][0]["ops"].push_back("mb3_k3");
  EXPECT_EQ(ErrorOf([&] { arch.Decompose(bad); }),
            "parameter 'arch': stages[0].ops: 3 layers, but the space's stage has 2");
  bad = value;
  bad["stages"][2]["width"] = 96;
  EXPECT_EQ(ErrorOf([&] { arch.Decompose(bad); }),
            "parameter 'arch': stages[2].width: 96 differs from the space's 64");
  // A NASNet genotype is not a chain.
  EXPECT_THAT(ErrorOf([&] { arch.Decompose(ParseYaml("{normal: [], reduction: []}", "g")); }),
              HasSubstr("parameter 'arch': architecture: unknown keys 'normal', 'reduction'"));
}

TEST(ChainParamTest, SubstitutionGivesTheArchitectureAsJson) {
  const SearchSpace space = ChainSpace();
  CheckPlaceholders("{arch}", space, "objective");
  EXPECT_THROW(CheckPlaceholders("{arch.l9}", space, "objective"), InvalidArgument);
  Rng rng(5);
  const ParamMap params = RandomParams(space, rng);
  const StructuredValues structured = space.StructuredValues(params);
  const Json out = SubstituteJson(
      Json{{"model", {{"chain", "{arch}"}}}, {"lr", "{lr}"}, {"text", "--arch={arch}"}}, params,
      structured);
  EXPECT_EQ(out.at("model").at("chain"), structured.at("arch"));
  EXPECT_TRUE(out.at("model").at("chain").is_object());
  EXPECT_EQ(out.at("lr"), params.at("lr").ToJson());
  EXPECT_EQ(out.at("text"), "--arch=" + structured.at("arch").dump());
}

TEST(ChainParamTest, BadSpecsAreRefusedNamingTheParameter) {
  const std::pair<std::string, std::string> bad[] = {
      {"arch: {type: chain, layer: 3}",
       "parameter 'arch': chain: unknown key 'layer' (known: type, layers, choices, stem, stages)"},
      {"arch: {type: chain, choices: [mb3_k3, conv_3x3]}",
       "parameter 'arch': chain: choices[1]: 'conv_3x3' is not an op"},
      {"arch: {type: chain, choices: [skip, mb3_k3, skip]}",
       "parameter 'arch': chain: choices[2]: 'skip' repeats choices[0]"},
      {"arch: {type: chain, stages: [{layers: 2, width: 8, stride: 3}]}",
       "parameter 'arch': chain: stages[0].stride: 3 is not 1 or 2"},
      {"arch: {type: chain, layers: 5, stages: [{layers: 2, width: 8, stride: 1}]}",
       "parameter 'arch': chain: layers: 5, but the stages' layers sum to 2"},
  };
  for (const auto& [yaml, message] : bad) {
    const std::string& spec = yaml;  // a lambda cannot capture a structured binding in C++17
    EXPECT_THAT(ErrorOf([&spec] { SearchSpace::FromJson(ParseYaml(spec, "space")); }),
                HasSubstr(message))
        << yaml;
  }
  // A plain parameter cannot take the name of one of its decisions.
  EXPECT_THROW(SearchSpace({ParamSpec::Float("arch.l0", 0, 1)},
                           {StructuredParamFromJson("arch", Json{{"type", "chain"}})}),
               InvalidArgument);
  EXPECT_THAT(ErrorOf([] {
                StructuredParamFromJson("x", Json{{"type", "float"}});
              }),
              HasSubstr("not a structured parameter (type nasnet-cell or chain)"));
}

TEST(ChainParamTest, AStudyStoresItsChainSpaceAndReadsItBack) {
  testing::TempDir dir;
  const std::string url = "sqlite:///" + dir.File("s.db");
  StudyOptions options;
  options.name = "chain";
  options.space = ChainSpace();
  int64_t enqueued = 0;
  const Json known = ParseYaml(R"(
stem: 16
stages: [{width: 16, stride: 1, ops: [skip, mb6_k5]}, {width: 32, stride: 2, ops: [mb3_k3, skip]},
         {width: 64, stride: 2, ops: [mb6_k5, mb6_k5]}]
)",
                               "known");
  {
    Study study = Study::CreateOrLoad(OpenStorage(url), options);
    // A known architecture enqueued through its decisions.
    ParamMap params = study.space().FindStructured("arch")->Decompose(known);
    params.emplace("lr", 0.01);
    enqueued = study.Enqueue(params);
    for (int i = 0; i < 4; ++i) {
      Trial trial = study.Ask();
      const Json value = study.space().StructuredValues(trial.params()).at("arch");
      study.Tell(trial, static_cast<double>(value.dump().size()));
    }
  }
  Study reopened = Study::Load(OpenStorage(url), "chain");
  EXPECT_EQ(reopened.space(), ChainSpace());
  for (const FrozenTrial& t : reopened.Trials()) {
    EXPECT_EQ(reopened.space().StructuredValues(t.params).at("arch").dump().size(), t.value());
  }
  EXPECT_EQ(reopened.space().StructuredValues(reopened.GetTrial(enqueued).params).at("arch"),
            known);
}

// Every sampler over categorical parameters searches a chain like any other space, and what it
// proposes always composes to a valid architecture of the space.
TEST(ChainParamTest, SamplersSearchAChainSpace) {
  const Components components = BuiltinComponents();
  for (const char* sampler : {"random", "sobol", "grid", "genetic", "evolution", "tpe", "anneal"}) {
    StudyOptions options;
    options.name = std::string("chain-") + sampler;
    options.space = ChainSpace();
    options.seed = 7;
    SamplerContext context;
    context.space = options.space;
    context.directions = options.directions;
    context.seed = options.seed;
    Study study = Study::CreateOrLoad(OpenStorage("memory"), options,
                                      components.samplers.Create(Json(sampler), context));
    const StructuredParam& arch = *study.space().FindStructured("arch");
    const ChainSpaceOptions chain = ChainSpaceOptions::FromJson(arch.ToJson());
    for (int i = 0; i < 30; ++i) {
      Trial trial = study.Ask();
      const Json value = study.space().StructuredValues(trial.params()).at("arch");
      const ChainArch read = ChainArchFromJson(value);
      ASSERT_NO_THROW(Validate(read, chain)) << sampler << ": " << value.dump();
      // Fewer skips is better: a search has something to find.
      double skips = 0;
      for (const std::string& op : read.ops) skips += op == "skip" ? 1 : 0;
      study.Tell(trial, skips);
    }
    EXPECT_EQ(study.Trials().size(), 30u) << sampler;
  }
}

}  // namespace
}  // namespace automl::nas
