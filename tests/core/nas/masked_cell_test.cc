#include "automl/nas/masked_cell.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/nas/darts_genotype.h"
#include "automl/nas/nasnet_cell.h"
#include "testing/error_of.h"

namespace automl::nas {

// Readable failures: a cell as its JSON.
void PrintTo(const MaskedCell& cell, std::ostream* out) {
  *out << ToJson(MaskedGenotype{cell, cell})["normal"].dump();
}

namespace {

using ::testing::HasSubstr;

using ::automl::testing::ErrorOf;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Sources: 0 c_prev_prev, 1 c_prev, 2 + k node k.
constexpr int kS0 = 0, kS1 = 1;
constexpr int N(int k) { return 2 + k; }

MaskedEdge Edge(int source, double weight, std::vector<MaskedOp> ops) {
  return MaskedEdge{source, weight, std::move(ops)};
}

// Three nodes: a two-op edge, a node without edges, a node with three edges (one from the empty
// node).
MaskedCell HandNormal() {
  return MaskedCell{{
      MaskedNode{{Edge(kS1, 0.83, {{"sep_conv_3x3", 0.41}, {"skip_connect", 0.25}}),
                  Edge(kS0, 0.5, {{"max_pool_3x3", 0.2}})}},
      MaskedNode{},
      MaskedNode{{Edge(kS0, 0.125, {{"dil_conv_5x5", 0.75}}), Edge(N(0), 1, {{"identity", 1}}),
                  Edge(N(1), -0.5, {{"avg_pool_3x3", 0.1}, {"conv_1x1", 0.3}})}},
  }};
}

MaskedCell HandReduction() {
  return MaskedCell{{MaskedNode{{Edge(kS0, 0.9, {{"max_pool_3x3", 0.6}})}}}};
}

MaskedGenotype HandGenotype() { return MaskedGenotype{HandNormal(), HandReduction()}; }

// ---- Sources ----

TEST(MaskedSource, NamesFollowDartsOrder) {
  EXPECT_EQ(MaskedSourceName(0), "c_prev_prev");
  EXPECT_EQ(MaskedSourceName(1), "c_prev");
  EXPECT_EQ(MaskedSourceName(2), "n0");
  EXPECT_EQ(MaskedSourceName(13), "n11");
  for (int source = 0; source < 20; ++source) {
    EXPECT_EQ(ParseMaskedSource(MaskedSourceName(source)), source);
  }
  EXPECT_THAT(ErrorOf([] { MaskedSourceName(-1); }), HasSubstr("-1 is negative"));
}

TEST(MaskedSource, ParseRefusesOtherSpellings) {
  for (const char* name :
       {"", "n", "n01", "n-1", "b0", "s0", "c_prev ", "N0", "n1x", "n12345678"}) {
    EXPECT_EQ(ParseMaskedSource(name), std::nullopt) << name;
  }
}

// ---- JSON ----

TEST(MaskedJson, WritesTheDocumentedForm) {
  const Json json = ToJson(HandGenotype());
  EXPECT_EQ(json.begin().key(), "type");
  EXPECT_EQ(json.at("type"), "masked-cell");
  const Json& first = json.at("normal").at("nodes").at(0).at(0);
  EXPECT_EQ(first, Json::parse(R"({"from": "c_prev", "weight": 0.83,
      "ops": [{"op": "sep_conv_3x3", "weight": 0.41}, {"op": "skip_connect", "weight": 0.25}]})"));
  EXPECT_EQ(json.at("normal").at("nodes").at(1), Json::array());
  EXPECT_EQ(json.at("normal").at("nodes").at(2).at(2).at("from"), "n1");
  EXPECT_EQ(json.at("reduction").at("nodes").size(), 1u);
}

TEST(MaskedJson, RoundTrips) {
  const MaskedGenotype genotype = HandGenotype();
  const Json json = ToJson(genotype);
  const MaskedGenotype read = MaskedGenotypeFromJson(Json::parse(json.dump()));
  EXPECT_EQ(read, genotype);
  EXPECT_EQ(ToJson(read), json);
}

TEST(MaskedJson, WritesOnlyValidGenotypes) {
  MaskedGenotype genotype = HandGenotype();
  genotype.normal.nodes[2].edges[0].ops[0].weight = kNan;
  EXPECT_THAT(ErrorOf([&genotype] { ToJson(genotype); }),
              HasSubstr("masked-cell: normal.nodes[2].edges[0].ops[0].weight: must be finite"));
}

TEST(MaskedJson, RefusesUnknownAndMissingKeys) {
  Json json = ToJson(HandGenotype());
  const auto error_with = [&json](auto&& change) {
    Json changed = json;
    change(changed);
    return ErrorOf([&changed] { MaskedGenotypeFromJson(changed); });
  };
  EXPECT_THAT(error_with([](Json& j) { j["extra"] = 1; }),
              HasSubstr("masked-cell: unknown key 'extra'"));
  EXPECT_THAT(error_with([](Json& j) { j.erase("type"); }),
              HasSubstr("masked-cell: missing 'type'"));
  EXPECT_THAT(error_with([](Json& j) { j["type"] = "nasnet-cell"; }),
              HasSubstr("masked-cell: type: must be 'masked-cell'"));
  EXPECT_THAT(error_with([](Json& j) { j.erase("reduction"); }),
              HasSubstr("masked-cell: missing 'reduction'"));
  EXPECT_THAT(error_with([](Json& j) { j["normal"]["output"] = "all"; }),
              HasSubstr("masked-cell: normal: unknown key 'output'"));
  EXPECT_THAT(error_with([](Json& j) { j["normal"]["nodes"][0][1]["kept"] = true; }),
              HasSubstr("masked-cell: normal.nodes[0][1]: unknown key 'kept'"));
  EXPECT_THAT(error_with([](Json& j) { j["reduction"]["nodes"][0][0].erase("weight"); }),
              HasSubstr("masked-cell: reduction.nodes[0][0]: missing 'weight'"));
  EXPECT_THAT(error_with([](Json& j) { j["normal"]["nodes"][2][2]["ops"][1]["alpha"] = 0; }),
              HasSubstr("masked-cell: normal.nodes[2][2].ops[1]: unknown key 'alpha'"));
  EXPECT_THAT(error_with([](Json& j) { j["normal"]["nodes"][0][0]["ops"][0].erase("op"); }),
              HasSubstr("masked-cell: normal.nodes[0][0].ops[0]: missing 'op'"));
}

TEST(MaskedJson, RefusesWrongTypesAndNames) {
  Json json = ToJson(HandGenotype());
  const auto error_with = [&json](auto&& change) {
    Json changed = json;
    change(changed);
    return ErrorOf([&changed] { MaskedGenotypeFromJson(changed); });
  };
  EXPECT_THAT(ErrorOf([] { MaskedGenotypeFromJson(Json::array()); }),
              HasSubstr("masked-cell: must be a mapping"));
  EXPECT_THAT(error_with([](Json& j) { j["normal"]["nodes"] = 3; }),
              HasSubstr("masked-cell: normal.nodes: must be a list of nodes, not 3"));
  EXPECT_THAT(error_with([](Json& j) { j["normal"]["nodes"][1] = Json::object(); }),
              HasSubstr("masked-cell: normal.nodes[1]: must be a list of edges"));
  EXPECT_THAT(error_with([](Json& j) { j["normal"]["nodes"][0][0]["from"] = "b0"; }),
              HasSubstr("masked-cell: normal.nodes[0][0].from: 'b0' is not c_prev_prev, c_prev "
                        "or n<k>"));
  EXPECT_THAT(error_with([](Json& j) { j["normal"]["nodes"][0][0]["from"] = 1; }),
              HasSubstr("masked-cell: normal.nodes[0][0].from: must be a string"));
  EXPECT_THAT(error_with([](Json& j) { j["normal"]["nodes"][0][0]["weight"] = "0.8"; }),
              HasSubstr("masked-cell: normal.nodes[0][0].weight: must be a number"));
  EXPECT_THAT(error_with([](Json& j) { j["normal"]["nodes"][0][0]["ops"] = "sep_conv_3x3"; }),
              HasSubstr("masked-cell: normal.nodes[0][0].ops: must be a list of operations"));
  EXPECT_THAT(error_with([](Json& j) { j["normal"]["nodes"][0][0]["ops"][0]["weight"] = nullptr; }),
              HasSubstr("masked-cell: normal.nodes[0][0].ops[0].weight: must be a number"));
}

TEST(MaskedJson, ValidatesWithJsonPaths) {
  Json json = ToJson(HandGenotype());
  json["normal"]["nodes"][1] = Json::parse(R"([{"from": "n1", "weight": 1,
      "ops": [{"op": "conv_3x3", "weight": 1}]}])");
  EXPECT_THAT(ErrorOf([&json] { MaskedGenotypeFromJson(json); }),
              HasSubstr("masked-cell: normal.nodes[1][0].from: 'n1' is not one of c_prev_prev, "
                        "c_prev, n0"));
  json = ToJson(HandGenotype());
  json["reduction"]["nodes"][0][0]["ops"][0]["op"] = "none";
  EXPECT_THAT(ErrorOf([&json] { MaskedGenotypeFromJson(json); }),
              HasSubstr("masked-cell: reduction.nodes[0][0].ops[0].op: 'none' is not an "
                        "operation to keep"));
  json["reduction"]["nodes"] = Json::array();
  EXPECT_THAT(ErrorOf([&json] { MaskedGenotypeFromJson(json); }),
              HasSubstr("masked-cell: reduction.nodes: 0 nodes is outside 1..10"));
}

// ---- Validation ----

// The message Validate gives for the normal cell after |change|.
template <typename Change>
std::string NormalError(Change change) {
  MaskedGenotype genotype = HandGenotype();
  change(genotype.normal);
  return ErrorOf([&genotype] { Validate(genotype); });
}

TEST(MaskedValidate, AcceptsTheHandGenotype) {
  EXPECT_EQ(ErrorOf([] { Validate(HandGenotype()); }), "(no InvalidArgument)");
}

TEST(MaskedValidate, RefusesNodeCountsOutsideTheRange) {
  EXPECT_THAT(NormalError([](MaskedCell& c) { c.nodes.clear(); }),
              HasSubstr("masked-cell: normal.nodes: 0 nodes is outside 1..10"));
  EXPECT_THAT(NormalError([](MaskedCell& c) { c.nodes.resize(11); }),
              HasSubstr("masked-cell: normal.nodes: 11 nodes is outside 1..10"));
  MaskedCell ten;
  ten.nodes.resize(10);  // ten nodes without edges: valid
  EXPECT_EQ(ErrorOf([&ten] { Validate(ten, "ten"); }), "(no InvalidArgument)");
}

TEST(MaskedValidate, RefusesSourcesThatAreNotEarlier) {
  EXPECT_THAT(NormalError([](MaskedCell& c) { c.nodes[0].edges[1].source = -1; }),
              HasSubstr("masked-cell: normal.nodes[0].edges[1].source: -1 is not one of "
                        "c_prev_prev, c_prev (a node reads"));
  EXPECT_THAT(NormalError([](MaskedCell& c) { c.nodes[0].edges[0].source = N(0); }),
              HasSubstr("masked-cell: normal.nodes[0].edges[0].source: 2 (n0) is not one of "
                        "c_prev_prev, c_prev ("));
  EXPECT_THAT(NormalError([](MaskedCell& c) { c.nodes[2].edges[1].source = N(3); }),
              HasSubstr("masked-cell: normal.nodes[2].edges[1].source: 5 (n3) is not one of "
                        "c_prev_prev, c_prev, n0..n1"));
}

TEST(MaskedValidate, RefusesTwoEdgesFromOneSource) {
  EXPECT_THAT(NormalError([](MaskedCell& c) { c.nodes[2].edges[2].source = kS0; }),
              HasSubstr("masked-cell: normal.nodes[2].edges[2].source: 0 (c_prev_prev) repeats "
                        "the source of nodes[2].edges[0]"));
}

TEST(MaskedValidate, RefusesNonFiniteWeights) {
  EXPECT_THAT(NormalError([](MaskedCell& c) { c.nodes[2].edges[1].weight = kNan; }),
              HasSubstr("masked-cell: normal.nodes[2].edges[1].weight: must be finite, not nan"));
  EXPECT_THAT(NormalError([](MaskedCell& c) { c.nodes[0].edges[0].ops[1].weight = -kInf; }),
              HasSubstr("masked-cell: normal.nodes[0].edges[0].ops[1].weight: must be finite, "
                        "not -inf"));
}

TEST(MaskedValidate, RefusesBadOperationLists) {
  EXPECT_THAT(NormalError([](MaskedCell& c) { c.nodes[0].edges[1].ops.clear(); }),
              HasSubstr("masked-cell: normal.nodes[0].edges[1].ops: must keep at least one "
                        "operation"));
  EXPECT_THAT(NormalError([](MaskedCell& c) { c.nodes[0].edges[0].ops[0].op = "none"; }),
              HasSubstr("masked-cell: normal.nodes[0].edges[0].ops[0].op: 'none' is not an "
                        "operation to keep"));
  EXPECT_THAT(NormalError([](MaskedCell& c) { c.nodes[0].edges[0].ops[1].op = "conv_5x5"; }),
              HasSubstr("masked-cell: normal.nodes[0].edges[0].ops[1].op: 'conv_5x5' is not "
                        "skip_connect or a cell operation (identity, "));
  EXPECT_THAT(NormalError([](MaskedCell& c) { c.nodes[0].edges[0].ops[1].op = "sep_conv_3x3"; }),
              HasSubstr("masked-cell: normal.nodes[0].edges[0].ops[1].op: 'sep_conv_3x3' "
                        "repeats ops[0]"));
  // identity and skip_connect are one operation.
  EXPECT_THAT(NormalError([](MaskedCell& c) { c.nodes[0].edges[0].ops[0].op = "identity"; }),
              HasSubstr("masked-cell: normal.nodes[0].edges[0].ops[1].op: 'skip_connect' "
                        "repeats ops[0]"));
}

TEST(MaskedValidate, NamesTheReductionCellAndACallersPrefix) {
  MaskedGenotype genotype = HandGenotype();
  genotype.reduction.nodes[0].edges[0].source = N(0);
  EXPECT_THAT(ErrorOf([&genotype] { Validate(genotype); }),
              HasSubstr("masked-cell: reduction.nodes[0].edges[0].source: 2 (n0)"));
  EXPECT_THAT(ErrorOf([&genotype] { Validate(genotype.reduction, "search: best"); }),
              HasSubstr("search: best.nodes[0].edges[0].source: "));
}

// ---- Derivation ----

// Column indices in DartsPrimitives().
constexpr size_t kNoneAt = 0, kMaxPool = 1, kAvgPool = 2, kSkip = 3, kSep3 = 4, kSep5 = 5,
                 kDil3 = 6, kDil5 = 7;

// The learned values of a 4-node cell (14 edges, 8 primitives): every weight distinct, nothing
// kept until a test keeps it.
struct Masks {
  std::vector<std::vector<double>> op_weights;
  std::vector<std::vector<bool>> op_kept;
  std::vector<double> edge_weights;
  std::vector<bool> edge_kept;

  explicit Masks(int nodes = 4) {
    for (int e = 0; e < DartsEdgeCount(nodes); ++e) {
      std::vector<double> row;
      for (int p = 0; p < 8; ++p) row.push_back(0.01 * (e + 1) + 0.001 * p);
      op_weights.push_back(row);
      op_kept.emplace_back(8, false);
      edge_weights.push_back(0.05 * (e + 1));
      edge_kept.push_back(false);
    }
  }

  void Keep(size_t edge, std::vector<size_t> primitives, bool edge_mask = true) {
    edge_kept[edge] = edge_mask;
    for (const size_t p : primitives) op_kept[edge][p] = true;
  }

  MaskedCell Derive(int nodes = 4) const {
    return DeriveMaskedCell(nodes, op_weights, op_kept, edge_weights, edge_kept, DartsPrimitives());
  }
};

// Edges in DARTS order: node 0: 0 s0, 1 s1; node 1: 2 s0, 3 s1, 4 n0; node 2: 5 s0, 6 s1, 7 n0,
// 8 n1; node 3: 9 s0, 10 s1, 11 n0, 12 n1, 13 n2.
Masks HandMasks() {
  Masks masks;
  masks.Keep(0, {kSep3, kSkip});     // two ops, in primitives order: skip first
  masks.Keep(1, {kMaxPool}, false);  // op kept, edge masked: dropped
  masks.Keep(2, {kNoneAt});          // only none kept: dropped
  masks.Keep(4, {});                 // edge kept, no op: dropped
  masks.Keep(5, {kDil3});            // node 2: three edges
  masks.Keep(6, {kSep5});
  masks.Keep(7, {kAvgPool});
  masks.Keep(10, {kAvgPool});  // node 3: two edges, one with none among its ops
  masks.Keep(13, {kDil5, kNoneAt, kMaxPool});
  return masks;
}

MaskedOp Op(size_t edge, size_t primitive) {
  return MaskedOp{DartsPrimitives()[primitive], 0.01 * (edge + 1) + 0.001 * primitive};
}

MaskedEdge DerivedEdge(size_t edge, int source, std::vector<MaskedOp> ops) {
  return Edge(source, 0.05 * (edge + 1), std::move(ops));
}

TEST(MaskedDerive, HandMasksGiveTheExpectedCell) {
  const MaskedCell expected{{
      MaskedNode{{DerivedEdge(0, kS0, {Op(0, kSkip), Op(0, kSep3)})}},
      MaskedNode{},
      MaskedNode{{DerivedEdge(5, kS0, {Op(5, kDil3)}), DerivedEdge(6, kS1, {Op(6, kSep5)}),
                  DerivedEdge(7, N(0), {Op(7, kAvgPool)})}},
      MaskedNode{{DerivedEdge(10, kS1, {Op(10, kAvgPool)}),
                  DerivedEdge(13, N(2), {Op(13, kMaxPool), Op(13, kDil5)})}},
  }};
  const MaskedCell cell = HandMasks().Derive();
  EXPECT_EQ(cell, expected);
  EXPECT_EQ(cell.nodes[0].edges[0].ops[0].op, "skip_connect");  // kept as is
  EXPECT_EQ(ErrorOf([&cell] { Validate(cell, "derived"); }), "(no InvalidArgument)");
  EXPECT_EQ(EdgeCount(cell), 6);
  EXPECT_EQ(OpCount(cell), 8);
  EXPECT_EQ(EdgesPerNode(cell), (std::vector<int>{1, 0, 3, 2}));
  EXPECT_FALSE(IsTwoEdgeCell(cell));
}

TEST(MaskedDerive, KeepsEveryEdgeAndOpWhenAllMasksAreOn) {
  Masks masks;
  for (size_t e = 0; e < 14; ++e) masks.Keep(e, {0, 1, 2, 3, 4, 5, 6, 7});
  const MaskedCell cell = masks.Derive();
  EXPECT_EQ(EdgesPerNode(cell), (std::vector<int>{2, 3, 4, 5}));
  EXPECT_EQ(OpCount(cell), 14 * 7);  // none never
  EXPECT_EQ(cell.nodes[3].edges[4].source, N(2));
}

TEST(MaskedDerive, RefusesMismatchedSizes) {
  const Masks masks = HandMasks();
  const auto derive = [](Masks m, int nodes = 4) { return ErrorOf([&] { m.Derive(nodes); }); };
  EXPECT_THAT(derive(masks, 0), HasSubstr("masked-cell: nodes: 0 is outside 1..10"));
  EXPECT_THAT(derive(masks, 3),
              HasSubstr("masked-cell: op_weights: has 14 values for 9 edges (3 nodes)"));
  Masks changed = masks;
  changed.op_kept.pop_back();
  EXPECT_THAT(derive(changed), HasSubstr("masked-cell: op_kept: has 13 values for 14 edges"));
  changed = masks;
  changed.edge_weights.push_back(1);
  EXPECT_THAT(derive(changed), HasSubstr("masked-cell: edge_weights: has 15 values for 14 edges"));
  changed = masks;
  changed.edge_kept.clear();
  EXPECT_THAT(derive(changed), HasSubstr("masked-cell: edge_kept: has 0 values for 14 edges"));
  changed = masks;
  changed.op_weights[3].pop_back();
  EXPECT_THAT(derive(changed),
              HasSubstr("masked-cell: op_weights[3]: has 7 values for 8 primitives"));
  changed = masks;
  changed.op_kept[12].push_back(true);
  EXPECT_THAT(derive(changed),
              HasSubstr("masked-cell: op_kept[12]: has 9 values for 8 primitives"));
}

TEST(MaskedDerive, RefusesNonFiniteValues) {
  Masks masks = HandMasks();
  masks.op_weights[8][2] = kNan;  // not kept, still refused
  EXPECT_THAT(ErrorOf([&masks] { masks.Derive(); }),
              HasSubstr("masked-cell: op_weights[8][2]: must be finite, not nan"));
  masks = HandMasks();
  masks.edge_weights[13] = kInf;
  EXPECT_THAT(ErrorOf([&masks] { masks.Derive(); }),
              HasSubstr("masked-cell: edge_weights[13]: must be finite, not inf"));
}

TEST(MaskedDerive, RefusesBadPrimitives) {
  const Masks masks(1);
  const auto derive = [&masks](std::vector<std::string> primitives) {
    return ErrorOf([&] {
      std::vector<std::vector<double>> weights(2, std::vector<double>(primitives.size(), 0.5));
      std::vector<std::vector<bool>> kept(2, std::vector<bool>(primitives.size(), true));
      DeriveMaskedCell(1, weights, kept, masks.edge_weights, masks.edge_kept, primitives);
    });
  };
  EXPECT_THAT(derive({"none", "conv_9x9"}),
              HasSubstr("masked-cell: primitives[1]: 'conv_9x9' is not none, skip_connect or a "
                        "cell operation"));
  EXPECT_THAT(derive({"skip_connect", "sep_conv_3x3", "identity"}),
              HasSubstr("masked-cell: primitives[2]: 'identity' repeats primitives[0]"));
  EXPECT_THAT(derive({"none"}),
              HasSubstr("masked-cell: primitives: must list at least one primitive besides "
                        "'none'"));
  EXPECT_EQ(derive({"none", "identity", "conv_3x3"}), "(no InvalidArgument)");
}

// ---- DARTS cells ----

// Eight zeros but |alpha| at |at|.
std::vector<double> Row(size_t at, double alpha) {
  std::vector<double> row(8, 0.0);
  row[at] = alpha;
  return row;
}
std::vector<double> Zeros() { return std::vector<double>(8, 0.0); }

// Three nodes whose DARTS discretization keeps: node 0 s1 skip_connect, s0 sep_conv_3x3;
// node 1 n0 dil_conv_5x5, s0 max_pool_3x3; node 2 n1 sep_conv_5x5, s1 avg_pool_3x3.
CellAlphas ThreeNodeAlphas() {
  CellAlphas alphas;
  alphas.nodes = 3;
  alphas.edges = {Row(kSep3, 1),    Row(kSkip, 2),  // node 0: s0, s1
                  Row(kMaxPool, 1), Zeros(),
                  Row(kDil5, 3),  // node 1: s0, s1, n0
                  Zeros(),          Row(kAvgPool, 1.5),
                  Zeros(),          Row(kSep5, 2.5)};  // node 2
  return alphas;
}

// The same choice as a masked cell, edges strongest first as DiscretizeCell orders branches.
MaskedCell ThreeNodeMasked() {
  return MaskedCell{{
      MaskedNode{
          {Edge(kS1, 0.7, {{"skip_connect", 0.5}}), Edge(kS0, 0.6, {{"sep_conv_3x3", 0.3}})}},
      MaskedNode{
          {Edge(N(0), 0.9, {{"dil_conv_5x5", 0.7}}), Edge(kS0, 0.4, {{"max_pool_3x3", 0.3}})}},
      MaskedNode{
          {Edge(N(1), 0.8, {{"sep_conv_5x5", 0.6}}), Edge(kS1, 0.2, {{"avg_pool_3x3", 0.4}})}},
  }};
}

TEST(MaskedDartsCell, EqualsDartsDiscretizationOfTheSameChoice) {
  const MaskedCell masked = ThreeNodeMasked();
  ASSERT_TRUE(IsTwoEdgeCell(masked));
  const Cell expected = DiscretizeCell(ThreeNodeAlphas(), DartsPrimitives());
  EXPECT_EQ(ToDartsCell(masked), expected);
  EXPECT_EQ(ToDartsCell(masked).output, CellOutput::kAll);
  EXPECT_EQ(ToDartsCell(masked).blocks[0].ops[0], "identity");
}

TEST(MaskedDartsCell, DerivedTopTwoMasksGiveTheSameArchitecture) {
  // Masks that keep DARTS's choice; derivation lists edges in DARTS order, not by strength.
  Masks masks(3);
  masks.Keep(0, {kSep3});
  masks.Keep(1, {kSkip});
  masks.Keep(2, {kMaxPool});
  masks.Keep(4, {kDil5});
  masks.Keep(6, {kAvgPool});
  masks.Keep(8, {kSep5});
  const MaskedCell derived = masks.Derive(3);
  ASSERT_TRUE(IsTwoEdgeCell(derived));
  const Cell expected = DiscretizeCell(ThreeNodeAlphas(), DartsPrimitives());
  EXPECT_NE(ToDartsCell(derived), expected);  // branch order differs
  EXPECT_TRUE(SameArchitecture(ToDartsCell(derived), expected));
}

TEST(MaskedDartsCell, RefusesOtherCells) {
  EXPECT_FALSE(IsTwoEdgeCell(HandNormal()));
  EXPECT_THAT(ErrorOf([] { ToDartsCell(HandNormal()); }),
              HasSubstr("masked-cell: cell.nodes[0].edges[0].ops: keeps 2 operations"));
  MaskedCell cell = ThreeNodeMasked();
  cell.nodes[1].edges.clear();
  EXPECT_FALSE(IsTwoEdgeCell(cell));
  EXPECT_THAT(ErrorOf([&cell] { ToDartsCell(cell); }),
              HasSubstr("masked-cell: cell.nodes[1]: keeps 0 edges; a DARTS cell keeps exactly "
                        "two per node"));
  cell = ThreeNodeMasked();
  cell.nodes[2].edges.push_back(Edge(kS0, 1, {{"conv_1x1", 1}}));
  EXPECT_FALSE(IsTwoEdgeCell(cell));
  EXPECT_THAT(ErrorOf([&cell] { ToDartsCell(cell); }),
              HasSubstr("masked-cell: cell.nodes[2]: keeps 3 edges"));
  cell = ThreeNodeMasked();
  cell.nodes[1].edges[1].ops.push_back({"conv_1x1", 1});
  EXPECT_FALSE(IsTwoEdgeCell(cell));
  EXPECT_THAT(ErrorOf([&cell] { ToDartsCell(cell); }),
              HasSubstr("masked-cell: cell.nodes[1].edges[1].ops: keeps 2 operations; a DARTS cell "
                        "keeps one per edge"));
  cell = ThreeNodeMasked();
  cell.nodes[0].edges[0].source = N(1);
  EXPECT_THAT(ErrorOf([&cell] { ToDartsCell(cell); }),
              HasSubstr("masked-cell: cell.nodes[0].edges[0].source: 3 (n1) is not one of"));
}

// ---- Drawing ----

size_t Count(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

TEST(MaskedSvg, DrawsEveryOpEdgeAndNode) {
  const std::string svg = MaskedCellSvg(HandNormal(), "hand cell");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  ASSERT_GE(svg.size(), 6u);
  EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
  EXPECT_THAT(svg, HasSubstr("xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(svg, HasSubstr(">hand cell</text>"));
  EXPECT_THAT(svg, HasSubstr(">sep_conv_3x3 0.41</text>"));
  EXPECT_THAT(svg, HasSubstr(">skip_connect 0.25</text>"));
  EXPECT_THAT(svg, HasSubstr(">0.83</text>"));  // an edge weight on its arrow
  EXPECT_THAT(svg, HasSubstr(">-0.5</text>"));
  EXPECT_THAT(svg, HasSubstr(">c_prev_prev</text>"));
  EXPECT_THAT(svg, HasSubstr(">n1</text>"));
  EXPECT_THAT(svg, HasSubstr(">output: concat</text>"));
  EXPECT_EQ(Count(svg, "<circle"), 3u);
  // Per edge: source to frame and frame to node; per node: node to output.
  EXPECT_EQ(Count(svg, "marker-end=\"url(#arrow)\""), 2u * 5u + 3u);
}

TEST(MaskedSvg, EscapesText) {
  const std::string svg = MaskedCellSvg(HandNormal(), "a < b & \"c\"");
  EXPECT_THAT(svg, HasSubstr("a &lt; b &amp; &quot;c&quot;"));
  EXPECT_EQ(svg.find("a < b"), std::string::npos);
  EXPECT_EQ(svg.find("& \""), std::string::npos);
}

TEST(MaskedSvg, DrawsBothCellsOfAGenotype) {
  const std::string svg = MaskedGenotypeSvg(HandGenotype());
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
  EXPECT_THAT(svg, HasSubstr(">normal cell</text>"));
  EXPECT_THAT(svg, HasSubstr(">reduction cell</text>"));
  EXPECT_EQ(Count(svg, "<svg"), 1u);
  EXPECT_EQ(Count(svg, "<circle"), 4u);
}

TEST(MaskedSvg, RefusesAnInvalidCell) {
  MaskedCell cell = HandNormal();
  cell.nodes[2].edges[0].source = N(2);
  EXPECT_THAT(ErrorOf([&cell] { MaskedCellSvg(cell, "bad"); }),
              HasSubstr("masked-cell: cell.nodes[2].edges[0].source: 4 (n2) is not one of"));
}

}  // namespace
}  // namespace automl::nas
