#include "automl/nas/darts_genotype.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/nas/nasnet_cell.h"
#include "testing/error_of.h"

namespace automl::nas {
namespace {

using ::testing::HasSubstr;

using ::automl::testing::ErrorOf;

// Column indices in DartsPrimitives().
constexpr size_t kNoneAt = 0, kMaxPool = 1, kAvgPool = 2, kSkip = 3, kSep3 = 4, kSep5 = 5,
                 kDil3 = 6, kDil5 = 7;

// Eight zeros but |alpha| at |at| (and |none| in the none column).
std::vector<double> Row(size_t at, double alpha, double none = 0) {
  std::vector<double> row(8, 0.0);
  row[at] = alpha;
  row[kNoneAt] = none;
  return row;
}
std::vector<double> Zeros() { return std::vector<double>(8, 0.0); }

Block MakeBlock(const std::string& in0, const std::string& op0, const std::string& in1,
                const std::string& op1) {
  return Block{{*ParseInput(in0), *ParseInput(in1)}, {op0, op1}, "add"};
}

Cell AllCell(std::vector<Block> blocks) {
  Cell cell{std::move(blocks)};
  cell.output = CellOutput::kAll;
  return cell;
}

// Four nodes, every rule of the discretization at work once; the comments give the softmax
// weights of the strongest non-none primitive of each edge (e^a / (e^a + 7) for one alpha a
// among zeros).
CellAlphas HandAlphas() {
  CellAlphas alphas;
  alphas.nodes = 4;
  alphas.edges = {
      // node 0: both edges kept, s1 (0.51) before s0 (0.28): branch order is by strength.
      Row(kSep3, 1.0),  // s0
      Row(kSkip, 2.0),  // s1: skip_connect becomes identity
      // node 1: `none` has the largest alpha on the edge from node 0 and is skipped; that edge's
      // dil_conv_5x5 (e^5.5 / (e^6 + e^5.5 + 6) = 0.37) is still the strongest.
      Row(kMaxPool, 1.0),             // s0: 0.28
      Row(kAvgPool, 0.5),             // s1: 0.19
      Row(kDil5, 5.5, /*none=*/6.0),  // node 0: 0.37
      // node 2: three equal edges; the earlier two win.
      Zeros(),          // s0: 0.125
      Row(kDil3, 3.0),  // s1: 0.74
      Row(kDil3, 3.0),  // node 0: 0.74
      Row(kDil3, 3.0),  // node 1: 0.74
      // node 3: by raw alpha s0 (2) and node 0 (1.8) lead; by softmax weight node 1 (0.39) and
      // node 0 (0.19) do. On s0 all seven ops tie and max_pool_3x3, the first, would be taken.
      {0, 2, 2, 2, 2, 2, 2, 2},        // s0: 0.14
      Zeros(),                         // s1: 0.125
      Row(kAvgPool, 1.8, /*none=*/3),  // node 0: e^1.8 / (e^3 + e^1.8 + 6) = 0.19
      Row(kSep3, 1.5),                 // node 1: 0.39
      Zeros(),                         // node 2: 0.125
  };
  return alphas;
}

Cell HandCell() {
  return AllCell({
      MakeBlock("c_prev", "identity", "c_prev_prev", "sep_conv_3x3"),
      MakeBlock("b0", "dil_conv_5x5", "c_prev_prev", "max_pool_3x3"),
      MakeBlock("c_prev", "dil_conv_3x3", "b0", "dil_conv_3x3"),
      MakeBlock("b1", "sep_conv_3x3", "b0", "avg_pool_3x3"),
  });
}

// Two nodes: node 0 reads s0 and s1 (rows 0, 1), node 1 reads s0, s1, node 0 (rows 2, 3, 4).
CellAlphas TwoNodes(std::vector<double> s0, std::vector<double> s1, std::vector<double> n0) {
  CellAlphas alphas;
  alphas.nodes = 2;
  alphas.edges = {Row(kSep3, 1.0), Row(kSkip, 0.5), std::move(s0), std::move(s1), std::move(n0)};
  return alphas;
}

// Node 1 of TwoNodes, discretized.
Block SecondBlock(const CellAlphas& alphas) {
  return DiscretizeCell(alphas, DartsPrimitives()).blocks.at(1);
}

TEST(DartsPrimitives, AreTheReferenceCodesInOrder) {
  EXPECT_EQ(
      DartsPrimitives(),
      (std::vector<std::string>{"none", "max_pool_3x3", "avg_pool_3x3", "skip_connect",
                                "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"}));
  EXPECT_EQ(DartsEdgeCount(1), 2);
  EXPECT_EQ(DartsEdgeCount(4), 14);
  EXPECT_EQ(DartsEdgeCount(5), 20);
}

TEST(DartsDiscretize, HandAlphasGiveTheExpectedCell) {
  const Cell cell = DiscretizeCell(HandAlphas(), DartsPrimitives());
  EXPECT_EQ(cell, HandCell());
  EXPECT_EQ(cell.output, CellOutput::kAll);
  const std::vector<int> outputs = cell.Outputs();
  EXPECT_EQ(outputs, (std::vector<int>{0, 1, 2, 3}));  // concat = range(2, 2 + N)
}

TEST(DartsDiscretize, MapsS0ToCPrevPrevAndS1ToCPrev) {
  CellAlphas alphas;
  alphas.nodes = 1;
  alphas.edges = {Row(kSep5, 3.0), Row(kMaxPool, 1.0)};  // s0 stronger
  EXPECT_EQ(DiscretizeCell(alphas, DartsPrimitives()),
            AllCell({MakeBlock("c_prev_prev", "sep_conv_5x5", "c_prev", "max_pool_3x3")}));
  alphas.edges = {Row(kSep5, 1.0), Row(kMaxPool, 3.0)};  // s1 stronger
  EXPECT_EQ(DiscretizeCell(alphas, DartsPrimitives()),
            AllCell({MakeBlock("c_prev", "max_pool_3x3", "c_prev_prev", "sep_conv_5x5")}));
}

TEST(DartsDiscretize, RanksEdgesBySoftmaxWeightNotRawAlpha) {
  // s0: seven ops share the mass (e^2 / (1 + 7 e^2) = 0.14) although its alphas are the largest;
  // s1: one op at 1.5 (0.39); node 0: one op at 1 (0.28).
  const Block block =
      SecondBlock(TwoNodes({0, 2, 2, 2, 2, 2, 2, 2}, Row(kSep3, 1.5), Row(kSkip, 1)));
  EXPECT_EQ(block, MakeBlock("c_prev", "sep_conv_3x3", "b0", "identity"));
}

TEST(DartsDiscretize, NoneTakesPartInTheNormalization) {
  // s0's sep_conv_5x5 leads its edge's other ops by far, but a strong none leaves it
  // e^3 / (e^4 + e^3 + 6) = 0.25 of the weight, less than s1's 0.28 and node 0's 0.64.
  const Block block =
      SecondBlock(TwoNodes(Row(kSep5, 3, /*none=*/4), Row(kSkip, 1), Row(kDil3, 2.5)));
  EXPECT_EQ(block, MakeBlock("b0", "dil_conv_3x3", "c_prev", "identity"));
}

TEST(DartsDiscretize, NeverChoosesNone) {
  // None dominates every edge; the strongest of the rest is still taken.
  const Block block = SecondBlock(TwoNodes(Row(kAvgPool, 0.5, /*none=*/9),
                                           Row(kDil5, 1, /*none=*/9), Row(kSep5, 2, /*none=*/9)));
  EXPECT_EQ(block, MakeBlock("b0", "sep_conv_5x5", "c_prev", "dil_conv_5x5"));
}

TEST(DartsDiscretize, TiesGoToTheEarlierEdgeAndTheEarlierPrimitive) {
  EXPECT_EQ(SecondBlock(TwoNodes(Zeros(), Row(kSep3, 2), Row(kSep3, 2))),
            MakeBlock("c_prev", "sep_conv_3x3", "b0", "sep_conv_3x3"));
  EXPECT_EQ(SecondBlock(TwoNodes(Row(kSep3, 2), Zeros(), Row(kSep3, 2))),
            MakeBlock("c_prev_prev", "sep_conv_3x3", "b0", "sep_conv_3x3"));
  EXPECT_EQ(SecondBlock(TwoNodes(Zeros(), Zeros(), Zeros())),
            MakeBlock("c_prev_prev", "max_pool_3x3", "c_prev", "max_pool_3x3"));
  std::vector<double> tie = Zeros();
  tie[kDil5] = tie[kSep5] = 4;  // sep_conv_5x5 comes first
  EXPECT_EQ(SecondBlock(TwoNodes(Zeros(), Zeros(), tie)).ops[0], "sep_conv_5x5");
}

TEST(DartsDiscretize, LargeAlphasDoNotOverflow) {
  const Block block = SecondBlock(TwoNodes(Zeros(), Row(kSkip, 1), Row(kDil3, 1000)));
  EXPECT_EQ(block, MakeBlock("b0", "dil_conv_3x3", "c_prev", "identity"));
}

TEST(DartsDiscretize, OtherPrimitiveLists) {
  // No none, identity spelled as this library does; columns follow the list.
  CellAlphas alphas;
  alphas.nodes = 1;
  alphas.edges = {{0.1, 0.5, 0.2}, {1.0, 0.0, 0.0}};
  EXPECT_EQ(DiscretizeCell(alphas, {"identity", "conv_3x3", "dil_conv_5x5"}),
            AllCell({MakeBlock("c_prev", "identity", "c_prev_prev", "conv_3x3")}));
}

TEST(DartsDiscretize, GenotypeIsAValidCellGenotype) {
  CellAlphas reduction = HandAlphas();
  std::swap(reduction.edges[0], reduction.edges[1]);
  const Genotype genotype = DiscretizeGenotype(HandAlphas(), reduction, DartsPrimitives());
  EXPECT_EQ(genotype.normal, HandCell());
  EXPECT_EQ(genotype.reduction.blocks[0],
            MakeBlock("c_prev_prev", "identity", "c_prev", "sep_conv_3x3"));
  EXPECT_EQ(genotype.reduction.output, CellOutput::kAll);
  CellSpaceOptions options;
  options.blocks = 4;
  options.operations = {"max_pool_3x3", "avg_pool_3x3", "identity",    "sep_conv_3x3",
                        "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"};
  EXPECT_NO_THROW(Validate(genotype, options));
  const Json json = ToJson(genotype);
  EXPECT_EQ(json.at("normal").at("output"), "all");
  EXPECT_TRUE(SameArchitecture(FromJson(json, options), genotype));
  EXPECT_FALSE(GenotypeSvg(genotype).empty());
}

TEST(DartsDiscretize, RefusesBadPrimitives) {
  const CellAlphas alphas = HandAlphas();
  std::vector<std::string> primitives = DartsPrimitives();
  primitives[5] = "conv_9x9";
  EXPECT_THAT(ErrorOf([&] { DiscretizeCell(alphas, primitives); }),
              HasSubstr("darts: primitives[5]: 'conv_9x9' is not none, skip_connect or a cell "
                        "operation (identity, "));
  primitives[5] = "identity";
  EXPECT_EQ(ErrorOf([&] { DiscretizeCell(alphas, primitives); }),
            "darts: primitives[5]: 'identity' repeats primitives[3]");
  CellAlphas one;
  one.nodes = 1;
  one.edges = {{1.0}, {2.0}};
  EXPECT_EQ(ErrorOf([&] { DiscretizeCell(one, {"none"}); }),
            "darts: primitives: must list at least one primitive besides 'none'");
  EXPECT_EQ(ErrorOf([&] {
              DiscretizeCell(alphas, {"none", "skip_connect"});
            }),
            "darts-alphas: edges[0]: has 8 alphas for 2 primitives");
}

TEST(DartsAlphas, ValidationNamesTheField) {
  CellAlphas alphas = HandAlphas();
  EXPECT_NO_THROW(alphas.Validate());
  alphas.nodes = 0;
  EXPECT_EQ(ErrorOf([&] { alphas.Validate(); }), "darts-alphas: nodes: 0 is outside 1..10");
  alphas.nodes = 11;
  EXPECT_EQ(ErrorOf([&] { alphas.Validate(); }), "darts-alphas: nodes: 11 is outside 1..10");
  alphas.nodes = 5;
  EXPECT_EQ(ErrorOf([&] { alphas.Validate(); }),
            "darts-alphas: edges: expected 20 rows for 5 nodes, got 14");
  alphas = HandAlphas();
  alphas.edges[5].pop_back();
  EXPECT_EQ(ErrorOf([&] { alphas.Validate(); }),
            "darts-alphas: edges[5]: has 7 alphas, edges[0] has 8");
  alphas = HandAlphas();
  alphas.edges[2][3] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(ErrorOf([&] { alphas.Validate(); }),
            "darts-alphas: edges[2][3]: must be finite, not nan");
  alphas.edges[2][3] = -std::numeric_limits<double>::infinity();
  EXPECT_EQ(ErrorOf([&] { DiscretizeCell(alphas, DartsPrimitives()); }),
            "darts-alphas: edges[2][3]: must be finite, not -inf");
  alphas = HandAlphas();
  for (auto& row : alphas.edges) row.clear();
  EXPECT_EQ(ErrorOf([&] { alphas.Validate(); }),
            "darts-alphas: edges[0]: must hold one alpha per primitive, not none");
  CellAlphas short_reduction = HandAlphas();
  short_reduction.edges.pop_back();
  EXPECT_EQ(ErrorOf([&] { DiscretizeGenotype(HandAlphas(), short_reduction, DartsPrimitives()); }),
            "darts-alphas: reduction: edges: expected 14 rows for 4 nodes, got 13");
}

TEST(DartsAlphas, JsonRoundTrip) {
  CellAlphas alphas = HandAlphas();
  alphas.edges[3][4] = 0.1 + 0.2;  // not a short decimal: written in round-trip form
  alphas.edges[7][1] = -1e-300;
  const Json json = ToJson(alphas);
  EXPECT_EQ(json.at("nodes"), 4);
  EXPECT_EQ(json.at("edges").size(), 14u);
  const CellAlphas read = CellAlphasFromJson(Json::parse(json.dump()));
  EXPECT_EQ(read.nodes, alphas.nodes);
  EXPECT_EQ(read.edges, alphas.edges);
}

TEST(DartsAlphas, JsonRefusesBadFieldsNamingThem) {
  const Json good = ToJson(HandAlphas());
  const auto error = [](const Json& json) { return ErrorOf([&] { CellAlphasFromJson(json); }); };
  EXPECT_THAT(error(Json::array()), HasSubstr("darts-alphas: must be a mapping"));
  Json json = good;
  json.erase("nodes");
  EXPECT_EQ(error(json), "darts-alphas: missing 'nodes'");
  json = good;
  json["temperature"] = 1;
  EXPECT_THAT(error(json), HasSubstr("darts-alphas: unknown key 'temperature'"));
  json = good;
  json["nodes"] = 2.5;
  EXPECT_EQ(error(json), "darts-alphas: nodes: must be an integer, not 2.5");
  json["nodes"] = 1000000000000;
  EXPECT_EQ(error(json), "darts-alphas: nodes: 1000000000000 is outside 1..10");
  json = good;
  json["edges"] = "many";
  EXPECT_EQ(error(json), "darts-alphas: edges: must be a list of rows, not \"many\"");
  json = good;
  json["edges"][1] = 3;
  EXPECT_EQ(error(json), "darts-alphas: edges[1]: must be a list of alphas, not 3");
  json = good;
  json["edges"][1][2] = "x";
  EXPECT_EQ(error(json), "darts-alphas: edges[1][2]: must be a number, not \"x\"");
  json = good;
  json["edges"].erase(json["edges"].size() - 1);
  EXPECT_EQ(error(json), "darts-alphas: edges: expected 14 rows for 4 nodes, got 13");
}

}  // namespace
}  // namespace automl::nas
