#include "automl/structured_param.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "automl/config_file.h"
#include "automl/error.h"
#include "automl/nas/nasnet_cell.h"
#include "automl/random.h"
#include "automl/search_space.h"
#include "automl/storage.h"
#include "automl/study.h"
#include "automl/substitution.h"
#include "testing/temp_dir.h"

namespace automl {
namespace {

using ::testing::HasSubstr;

SearchSpace ArchSpace() {
  return SearchSpace::FromJson(ParseYaml(R"(
lr: {type: float, low: 1.0e-4, high: 0.1, log: true}
arch: {type: nasnet-cell, blocks: 3, operations: [identity, conv_3x3, max_pool_3x3]}
)",
                                         "space"));
}

TEST(StructuredParamTest, ASpaceExpandsAnArchitectureIntoCategoricalDecisions) {
  const SearchSpace space = ArchSpace();
  // 3 blocks x 4 decisions x 2 cells, plus lr.
  ASSERT_EQ(space.size(), 25u);
  ASSERT_EQ(space.structured().size(), 1u);
  ASSERT_NE(space.FindStructured("arch"), nullptr);
  EXPECT_EQ(space.Find("arch"), nullptr) << "the architecture itself is not a plain parameter";
  const ParamSpec& in0 = space.Get("arch.normal.b2.in0");
  EXPECT_EQ(in0.type(), ParamType::kCategorical);
  EXPECT_EQ(in0.choices(), (std::vector<ParamValue>{"c_prev", "c_prev_prev", "b0", "b1"}));
  EXPECT_EQ(space.Get("arch.reduction.b0.op1").choices(),
            (std::vector<ParamValue>{"identity", "conv_3x3", "max_pool_3x3"}));
  EXPECT_TRUE(space.IsDecision("arch.normal.b0.op0"));
  EXPECT_FALSE(space.IsDecision("lr"));

  // The config form keeps the architecture whole and reads back equal.
  const Json json = space.ToJson();
  EXPECT_EQ(json.size(), 2u);
  EXPECT_EQ(json.at("arch").at("type"), "nasnet-cell");
  EXPECT_EQ(json.at("arch").at("blocks"), 3);
  EXPECT_EQ(SearchSpace::FromJson(json), space);
  EXPECT_NE(SearchSpace::FromJson(ParseYaml("arch: {type: nasnet-cell, blocks: 4}", "s")),
            SearchSpace::FromJson(ParseYaml("arch: {type: nasnet-cell, blocks: 3}", "s")));
}

// Values for every parameter of |space|, drawn uniformly.
ParamMap RandomParams(const SearchSpace& space, Rng& rng) {
  ParamMap params;
  for (const ParamSpec& p : space.params()) params.emplace(p.name(), p.FromUnit(rng.Uniform()));
  return params;
}

TEST(StructuredParamTest, ComposesValidCanonicalGenotypes) {
  const SearchSpace space = ArchSpace();
  const nas::CellSpaceOptions options =
      nas::CellSpaceOptions::FromJson(space.FindStructured("arch")->ToJson());
  Rng rng(3);
  std::set<std::string> distinct;
  for (int i = 0; i < 200; ++i) {
    const ParamMap params = RandomParams(space, rng);
    const Json genotype = space.StructuredValues(params).at("arch");
    // Valid, and already canonical.
    EXPECT_EQ(nas::ToJson(nas::FromJson(genotype, options)), genotype);
    // Decompose gives decisions that compose to the same architecture.
    ParamMap again = space.FindStructured("arch")->Decompose(genotype);
    EXPECT_EQ(space.FindStructured("arch")->Compose(again), genotype);
    distinct.insert(genotype.dump());
  }
  EXPECT_GT(distinct.size(), 190u);
}

TEST(StructuredParamTest, CanonicalParamsIdentifyTheSameArchitectureSpeltTwoWays) {
  const SearchSpace space = ArchSpace();
  const StructuredParam& arch = *space.FindStructured("arch");
  const Json genotype = ParseYaml(R"(
normal:
  - {inputs: [c_prev, c_prev_prev], ops: [conv_3x3, identity], combine: add}
  - {inputs: [b0, c_prev], ops: [max_pool_3x3, conv_3x3], combine: add}
  - {inputs: [b0, b1], ops: [identity, identity], combine: add}
reduction:
  - {inputs: [c_prev, c_prev], ops: [conv_3x3, conv_3x3], combine: add}
  - {inputs: [c_prev_prev, b0], ops: [identity, max_pool_3x3], combine: add}
  - {inputs: [b1, c_prev], ops: [conv_3x3, identity], combine: add}
)",
                                  "g");
  Json swapped = genotype;
  // Block 0 of the normal cell with its branches swapped: the same architecture.
  swapped["normal"][0] =
      ParseYaml("{inputs: [c_prev_prev, c_prev], ops: [identity, conv_3x3], combine: add}", "b");
  ParamMap a = arch.Decompose(genotype);
  ParamMap b = arch.Decompose(swapped);
  EXPECT_NE(a, b) << "the decisions differ";
  a.emplace("lr", 0.01);
  b.emplace("lr", 0.01);
  EXPECT_EQ(space.CanonicalParams(a), space.CanonicalParams(b));
  EXPECT_EQ(space.CanonicalParams(a).size(), 2u);  // lr and arch, no decisions
  b.at("lr") = 0.02;
  EXPECT_NE(space.CanonicalParams(a), space.CanonicalParams(b));
}

TEST(StructuredParamTest, DecomposeRefusesACellWithOutputAll) {
  // The decisions describe NASNet's cells, whose output is the unused blocks; a DARTS cell that
  // concatenates all its blocks has no decision vector, so it is refused rather than changed.
  const SearchSpace space = ArchSpace();
  const StructuredParam& arch = *space.FindStructured("arch");
  const Json genotype = ParseYaml(R"(
normal:
  output: all
  blocks:
    - {inputs: [c_prev, c_prev_prev], ops: [conv_3x3, identity], combine: add}
    - {inputs: [b0, c_prev], ops: [max_pool_3x3, conv_3x3], combine: add}
    - {inputs: [b0, b1], ops: [identity, identity], combine: add}
reduction:
  - {inputs: [c_prev, c_prev], ops: [conv_3x3, conv_3x3], combine: add}
  - {inputs: [c_prev_prev, b0], ops: [identity, max_pool_3x3], combine: add}
  - {inputs: [b1, c_prev], ops: [conv_3x3, identity], combine: add}
)",
                                  "g");
  try {
    arch.Decompose(genotype);
    ADD_FAILURE() << "no InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("parameter 'arch': genotype: normal.output: 'all' is not a "
                                    "decision of the NASNet cell space"));
  }
  Json unused = genotype;
  unused["normal"]["output"] = "unused";
  EXPECT_NO_THROW(arch.Decompose(unused));
}

TEST(StructuredParamTest, SubstitutionGivesTheArchitectureAsJson) {
  const SearchSpace space = ArchSpace();
  CheckPlaceholders("{arch}", space, "objective");
  EXPECT_THROW(CheckPlaceholders("{arc}", space, "objective"), InvalidArgument);
  Rng rng(5);
  const ParamMap params = RandomParams(space, rng);
  const StructuredValues structured = space.StructuredValues(params);
  const Json out = SubstituteJson(
      Json{{"model", {{"nasnet", {{"genotype", "{arch}"}}}}}, {"text", "--arch={arch}"}}, params,
      structured);
  EXPECT_EQ(out.at("model").at("nasnet").at("genotype"), structured.at("arch"));
  EXPECT_EQ(out.at("text"), "--arch=" + structured.at("arch").dump());
  EXPECT_EQ(*SubstituteText("{arch}", params, structured), structured.at("arch").dump());
}

TEST(StructuredParamTest, BadSpecsAreRefusedNamingTheParameter) {
  const std::pair<std::string, std::string> bad[] = {
      {"arch: {type: nasnet-cell, blocks: 0}", "parameter 'arch'"},
      {"arch: {type: nasnet-cell, operations: [conv_9x9]}", "conv_9x9"},
      {"arch: {type: nasnet-cell, blok: 3}", "blok"},
  };
  for (const auto& [yaml, message] : bad) {
    try {
      SearchSpace::FromJson(ParseYaml(yaml, "space"));
      ADD_FAILURE() << yaml << " was accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_THAT(e.what(), HasSubstr(message)) << yaml;
    }
  }
  // A plain parameter cannot take a structured parameter's name.
  EXPECT_THROW(SearchSpace({ParamSpec::Float("arch", 0, 1)},
                           {StructuredParamFromJson("arch", Json{{"type", "nasnet-cell"}})}),
               InvalidArgument);
  // Nor the name of one of its decisions.
  EXPECT_THROW(SearchSpace({ParamSpec::Float("arch.normal.b0.in0", 0, 1)},
                           {StructuredParamFromJson("arch", Json{{"type", "nasnet-cell"}})}),
               InvalidArgument);
}

TEST(StructuredParamTest, AStudyStoresItsArchitectureSpaceAndReadsItBack) {
  testing::TempDir dir;
  const std::string url = "sqlite:///" + dir.File("s.db");
  StudyOptions options;
  options.name = "nas";
  options.space = ArchSpace();
  {
    Study study = Study::CreateOrLoad(OpenStorage(url), options);
    for (int i = 0; i < 3; ++i) {
      Trial trial = study.Ask();
      const Json genotype = study.space().StructuredValues(trial.params()).at("arch");
      study.Tell(trial, static_cast<double>(genotype.dump().size()));
    }
  }
  Study reopened = Study::Load(OpenStorage(url), "nas");
  EXPECT_EQ(reopened.space(), ArchSpace());
  ASSERT_EQ(reopened.space().structured().size(), 1u);
  for (const FrozenTrial& t : reopened.Trials()) {
    EXPECT_EQ(reopened.space().StructuredValues(t.params).at("arch").dump().size(), t.value());
  }
}

}  // namespace
}  // namespace automl
