#include "automl/nas/nasnet_cell.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "testing/error_of.h"

namespace automl::nas {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The message of the InvalidArgument |action| throws, or a marker when it throws none.
using ::automl::testing::ErrorOf;

Block MakeBlock(const std::string& in0, const std::string& op0, const std::string& in1,
                const std::string& op1, const std::string& combine = "add") {
  return Block{{*ParseInput(in0), *ParseInput(in1)}, {op0, op1}, combine};
}

// A five-block cell whose blocks 3 and 4 are unused (its outputs).
Cell HandCell() {
  return Cell{{
      MakeBlock("c_prev", "sep_conv_3x3", "c_prev_prev", "identity"),
      MakeBlock("c_prev", "avg_pool_3x3", "b0", "sep_conv_5x5"),
      MakeBlock("c_prev_prev", "max_pool_3x3", "c_prev", "identity"),
      MakeBlock("b1", "identity", "b2", "conv_1x1"),
      MakeBlock("b0", "sep_conv_3x3", "c_prev", "avg_pool_3x3"),
  }};
}

// HandCell in the block order (2, 0, 1, 4, 3), with the branches of two blocks swapped.
Cell HandCellRelabelled() {
  return Cell{{
      MakeBlock("c_prev", "identity", "c_prev_prev", "max_pool_3x3"),  // old b2, swapped
      MakeBlock("c_prev", "sep_conv_3x3", "c_prev_prev", "identity"),  // old b0
      MakeBlock("c_prev", "avg_pool_3x3", "b1", "sep_conv_5x5"),       // old b1
      MakeBlock("b1", "sep_conv_3x3", "c_prev", "avg_pool_3x3"),       // old b4
      MakeBlock("b0", "conv_1x1", "b2", "identity"),                   // old b3, swapped
  }};
}

Genotype HandGenotype() { return Genotype{HandCell(), HandCell()}; }

// |cell| in the JSON form, written as it is (ToJson writes the canonical form).
Json RawCellJson(const Cell& cell) {
  Json blocks = Json::array();
  for (const Block& block : cell.blocks) {
    blocks.push_back({{"inputs", {InputName(block.inputs[0]), InputName(block.inputs[1])}},
                      {"ops", {block.ops[0], block.ops[1]}},
                      {"combine", block.combine}});
  }
  return blocks;
}

// |cell| renumbered in a random valid topological order, each block's branches swapped with
// probability 1/2: the same architecture written another way.
Cell Relabel(const Cell& cell, Rng& rng) {
  const int n = static_cast<int>(cell.blocks.size());
  std::vector<int> position(n, -1);
  std::vector<int> order;
  while (static_cast<int>(order.size()) < n) {
    std::vector<int> ready;
    for (int b = 0; b < n; ++b) {
      bool inputs_placed = position[b] == -1;
      for (const int input : cell.blocks[b].inputs) {
        if (input >= kFirstBlockInput && position[input - kFirstBlockInput] == -1) {
          inputs_placed = false;
        }
      }
      if (inputs_placed) ready.push_back(b);
    }
    const int pick = ready[rng.Below(ready.size())];
    position[pick] = static_cast<int>(order.size());
    order.push_back(pick);
  }
  Cell out;
  out.output = cell.output;
  for (const int old : order) {
    Block block = cell.blocks[old];
    for (int& input : block.inputs) {
      if (input >= kFirstBlockInput) input = BlockInput(position[input - kFirstBlockInput]);
    }
    if (rng.Bernoulli(0.5)) {
      std::swap(block.inputs[0], block.inputs[1]);
      std::swap(block.ops[0], block.ops[1]);
    }
    out.blocks.push_back(block);
  }
  return out;
}

CellSpaceOptions OptionsWith(int blocks, std::vector<std::string> operations,
                             std::vector<std::string> combine = {"add"}) {
  CellSpaceOptions options;
  options.blocks = blocks;
  options.operations = std::move(operations);
  options.combine = std::move(combine);
  return options;
}

// ---- Options ----

TEST(NasnetCellOptions, OperationsAreTheThirteenOfThePaperInOrder) {
  const std::vector<std::string>& ops = NasnetOperations();
  ASSERT_EQ(ops.size(), 13u);
  EXPECT_EQ(ops.front(), "identity");
  EXPECT_EQ(ops[3], "dil_conv_3x3");
  EXPECT_EQ(ops.back(), "sep_conv_7x7");
  EXPECT_EQ(std::set<std::string>(ops.begin(), ops.end()).size(), 13u);
  EXPECT_TRUE(IsNasnetOperation("max_pool_7x7"));
  EXPECT_FALSE(IsNasnetOperation("sep_conv_9x9"));
  EXPECT_FALSE(IsNasnetOperation(""));
}

TEST(NasnetCellOptions, DefaultsAreTheNasnetSpace) {
  const CellSpaceOptions options;
  EXPECT_EQ(options.blocks, 5);
  EXPECT_EQ(options.operations, NasnetOperations());
  EXPECT_THAT(options.combine, ElementsAre("add"));
  EXPECT_TRUE(options.separate_reduction);
  EXPECT_NO_THROW(options.Validate());
  const CellSpaceOptions read = CellSpaceOptions::FromJson(Json::object());
  EXPECT_EQ(read.ToJson(), options.ToJson());
}

TEST(NasnetCellOptions, ReadsEveryFieldAndWritesThemBack) {
  const Json json = {{"type", "nasnet-cell"},
                     {"blocks", 3},
                     {"operations", {"sep_conv_3x3", "identity"}},
                     {"combine", {"add", "concat"}},
                     {"separate_reduction", false}};
  const CellSpaceOptions options = CellSpaceOptions::FromJson(json);
  EXPECT_EQ(options.blocks, 3);
  EXPECT_THAT(options.operations, ElementsAre("sep_conv_3x3", "identity"));  // order kept
  EXPECT_THAT(options.combine, ElementsAre("add", "concat"));
  EXPECT_FALSE(options.separate_reduction);
  EXPECT_EQ(options.ToJson(), json);
  EXPECT_EQ(CellSpaceOptions::FromJson(options.ToJson()).ToJson(), json);
}

TEST(NasnetCellOptions, RefusesUnknownKeysInOneLine) {
  EXPECT_EQ(ErrorOf([] {
              CellSpaceOptions::FromJson({{"blocs", 5}, {"ops", Json::array()}});
            }),
            "nasnet-cell: unknown keys 'blocs', 'ops' (known: type, blocks, operations, combine, "
            "separate_reduction)");
  EXPECT_EQ(ErrorOf([] {
              CellSpaceOptions::FromJson({{"cells", 2}});
            }),
            "nasnet-cell: unknown key 'cells' (known: type, blocks, operations, combine, "
            "separate_reduction)");
}

TEST(NasnetCellOptions, RefusesBadFieldsNamingThem) {
  const auto error = [](const Json& json) {
    return ErrorOf([&json] { CellSpaceOptions::FromJson(json); });
  };
  EXPECT_THAT(error({{"type", "darts"}}), HasSubstr("nasnet-cell: type: must be 'nasnet-cell'"));
  EXPECT_EQ(error({{"blocks", 0}}), "nasnet-cell: blocks: 0 is outside 1..10");
  EXPECT_EQ(error({{"blocks", 11}}), "nasnet-cell: blocks: 11 is outside 1..10");
  EXPECT_EQ(error({{"blocks", 1LL << 40}}), "nasnet-cell: blocks: 1099511627776 is outside 1..10");
  EXPECT_THAT(error({{"blocks", 2.5}}), HasSubstr("nasnet-cell: blocks: must be an integer"));
  EXPECT_EQ(error({{"operations", Json::array()}}),
            "nasnet-cell: operations: must list at least one NASNet operation");
  EXPECT_THAT(error({{"operations", {"identity", "sep_conv_9x9"}}}),
              HasSubstr("nasnet-cell: operations[1]: 'sep_conv_9x9' is not a NASNet operation"));
  EXPECT_EQ(error({{"operations", {"identity", "conv_1x1", "identity"}}}),
            "nasnet-cell: operations[2]: 'identity' repeats operations[0]");
  EXPECT_THAT(error({{"operations", "identity"}}), HasSubstr("nasnet-cell: operations: must be"));
  EXPECT_EQ(error({{"combine", {"mul"}}}),
            "nasnet-cell: combine[0]: 'mul' is not a combine (add, concat)");
  EXPECT_THAT(error({{"separate_reduction", "yes"}}),
              HasSubstr("nasnet-cell: separate_reduction: must be true or false"));
  CellSpaceOptions options;
  options.combine = {"add", "add"};
  EXPECT_EQ(ErrorOf([&options] { options.Validate(); }),
            "nasnet-cell: combine[1]: 'add' repeats combine[0]");
}

// ---- Inputs and outputs ----

TEST(NasnetCellInputs, NamesAndParsesInputs) {
  EXPECT_EQ(InputName(kCPrev), "c_prev");
  EXPECT_EQ(InputName(kCPrevPrev), "c_prev_prev");
  EXPECT_EQ(InputName(BlockInput(3)), "b3");
  EXPECT_EQ(ParseInput("c_prev"), kCPrev);
  EXPECT_EQ(ParseInput("c_prev_prev"), kCPrevPrev);
  EXPECT_EQ(ParseInput("b0"), BlockInput(0));
  EXPECT_EQ(ParseInput("b12"), BlockInput(12));
  for (const char* bad : {"", "b", "b03", "b-1", "bx", "c", "B1", "b99999999"}) {
    EXPECT_FALSE(ParseInput(bad).has_value()) << bad;
  }
}

TEST(NasnetCellOutputs, AreTheBlocksNoBlockReads) {
  EXPECT_THAT(HandCell().Outputs(), ElementsAre(3, 4));
  const Cell chain{{MakeBlock("c_prev", "identity", "c_prev", "identity"),
                    MakeBlock("b0", "identity", "c_prev", "identity"),
                    MakeBlock("b1", "identity", "b0", "identity")}};
  EXPECT_THAT(chain.Outputs(), ElementsAre(2));
  // c_prev_prev is read by nobody, and still is no output: only blocks count.
  const Cell parallel{{MakeBlock("c_prev", "identity", "c_prev", "conv_1x1"),
                       MakeBlock("c_prev", "conv_3x3", "c_prev", "identity")}};
  EXPECT_THAT(parallel.Outputs(), ElementsAre(0, 1));
}

// ---- JSON ----

TEST(NasnetCellJson, ReadsTheBlocksAsWritten) {
  const Json json = {
      {"normal",
       {{{"inputs", {"c_prev", "c_prev_prev"}}, {"ops", {"sep_conv_3x3", "identity"}}},
        {{"inputs", {"b0", "c_prev"}}, {"ops", {"conv_1x1", "max_pool_3x3"}}, {"combine", "add"}}}},
      {"reduction",
       {{{"inputs", {"c_prev_prev", "c_prev_prev"}}, {"ops", {"identity", "identity"}}},
        {{"inputs", {"c_prev", "b0"}}, {"ops", {"avg_pool_3x3", "conv_3x3"}}}}}};
  const Genotype genotype = FromJson(json, OptionsWith(2, NasnetOperations()));
  const Cell normal{{MakeBlock("c_prev", "sep_conv_3x3", "c_prev_prev", "identity"),
                     MakeBlock("b0", "conv_1x1", "c_prev", "max_pool_3x3")}};
  const Cell reduction{{MakeBlock("c_prev_prev", "identity", "c_prev_prev", "identity"),
                        MakeBlock("c_prev", "avg_pool_3x3", "b0", "conv_3x3")}};
  EXPECT_EQ(genotype.normal, normal);
  EXPECT_EQ(genotype.reduction, reduction);
}

TEST(NasnetCellJson, RoundTripsThroughTheCanonicalForm) {
  const CellSpaceOptions options;
  const Genotype genotype{HandCell(), HandCellRelabelled()};
  const Json json = ToJson(genotype);
  const Genotype read = FromJson(json, options);
  EXPECT_EQ(read, Canonical(genotype));
  EXPECT_EQ(ToJson(read), json);
  EXPECT_EQ(json.dump(), Json::parse(json.dump()).dump());
  // Every block written with all three keys, inputs by name.
  EXPECT_EQ(json.at("normal").size(), 5u);
  EXPECT_EQ(json.at("normal")[0].at("inputs")[0].get<std::string>().substr(0, 1), "c");
  EXPECT_TRUE(json.at("reduction")[4].contains("combine"));
}

TEST(NasnetCellJson, RoundTripsSampledGenotypes) {
  Rng rng(11);
  const CellSpaceOptions options = CellSpaceOptions::FromJson({{"combine", {"add", "concat"}}});
  for (int i = 0; i < 200; ++i) {
    const Genotype genotype = Sample(rng, options);
    const Genotype read = FromJson(ToJson(genotype), options);
    EXPECT_EQ(read, Canonical(genotype));
    EXPECT_TRUE(SameArchitecture(read, genotype));
  }
}

// A JSON genotype of HandGenotype with |edit| applied to it.
Json EditedHandJson(const std::function<void(Json&)>& edit) {
  Json json = ToJson(HandGenotype());
  edit(json);
  return json;
}

std::string ReadError(const Json& json, const CellSpaceOptions& options = CellSpaceOptions()) {
  return ErrorOf([&] { FromJson(json, options); });
}

TEST(NasnetCellJson, RefusesAnInputThatIsNotAnEarlierBlock) {
  EXPECT_EQ(ReadError(EditedHandJson([](Json& j) { j["normal"][2]["inputs"][1] = "b3"; })),
            "genotype: normal[2].inputs[1]: 'b3' refers to block 3, which is not earlier than "
            "block 2");
  EXPECT_EQ(ReadError(EditedHandJson([](Json& j) { j["reduction"][0]["inputs"][0] = "b0"; })),
            "genotype: reduction[0].inputs[0]: 'b0' refers to block 0, which is not earlier than "
            "block 0");
  EXPECT_EQ(ReadError(EditedHandJson([](Json& j) { j["normal"][1]["inputs"][0] = "h_prev"; })),
            "genotype: normal[1].inputs[0]: 'h_prev' is not c_prev, c_prev_prev or b<k>");
  EXPECT_THAT(ReadError(EditedHandJson([](Json& j) { j["normal"][1]["inputs"] = {"c_prev"}; })),
              HasSubstr("genotype: normal[1].inputs: must be a list of two names"));
}

TEST(NasnetCellJson, RefusesUnknownAndDisallowedOperations) {
  EXPECT_THAT(ReadError(EditedHandJson([](Json& j) { j["normal"][3]["ops"][1] = "conv_9x9"; })),
              HasSubstr("genotype: normal[3].ops[1]: 'conv_9x9' is not a NASNet operation ("));
  const CellSpaceOptions few =
      OptionsWith(5, {"identity", "sep_conv_3x3", "avg_pool_3x3", "max_pool_3x3", "sep_conv_5x5"});
  const std::string error = ReadError(ToJson(HandGenotype()), few);
  EXPECT_THAT(error, HasSubstr("'conv_1x1' is not among the options' operations (identity, "
                               "sep_conv_3x3, avg_pool_3x3, max_pool_3x3, sep_conv_5x5)"));
  EXPECT_THAT(error, HasSubstr("genotype: normal["));
  EXPECT_THAT(error, HasSubstr("].ops["));
}

TEST(NasnetCellJson, RefusesAWrongBlockCount) {
  EXPECT_EQ(ReadError(EditedHandJson([](Json& j) { j["reduction"].erase(4); })),
            "genotype: reduction: expected 5 blocks, got 4");
  EXPECT_EQ(ReadError(ToJson(HandGenotype()), OptionsWith(6, NasnetOperations())),
            "genotype: normal: expected 6 blocks, got 5");
}

TEST(NasnetCellJson, RefusesUnknownKeys) {
  EXPECT_EQ(ReadError(EditedHandJson([](Json& j) { j["stem"] = 1; })),
            "genotype: unknown key 'stem' (known: normal, reduction)");
  EXPECT_EQ(ReadError(EditedHandJson([](Json& j) { j["normal"][2]["op"] = "identity"; })),
            "genotype: normal[2]: unknown key 'op' (known: inputs, ops, combine)");
}

TEST(NasnetCellJson, RefusesACombineTheOptionsDoNotAllow) {
  EXPECT_EQ(ReadError(EditedHandJson([](Json& j) { j["normal"][1]["combine"] = "concat"; })),
            "genotype: normal[1].combine: 'concat' is not among the options' combine choices "
            "(add)");
  EXPECT_EQ(ReadError(EditedHandJson([](Json& j) { j["normal"][1]["combine"] = "mul"; })),
            "genotype: normal[1].combine: 'mul' is not a combine (add, concat)");
  const CellSpaceOptions both = CellSpaceOptions::FromJson({{"combine", {"add", "concat"}}});
  EXPECT_EQ(ReadError(EditedHandJson([](Json& j) { j["normal"][1].erase("combine"); }), both),
            "genotype: normal[1]: missing 'combine' (the options allow add, concat)");
  // With one combine choice, a block may leave it out.
  EXPECT_EQ(FromJson(EditedHandJson([](Json& j) { j["normal"][1].erase("combine"); }),
                     CellSpaceOptions()),
            Canonical(HandGenotype()));
}

TEST(NasnetCellJson, OneSharedCellWithoutSeparateReduction) {
  const CellSpaceOptions shared = CellSpaceOptions::FromJson({{"separate_reduction", false}});
  const Json only_normal = {{"normal", ToJson(HandGenotype()).at("normal")}};
  const Genotype genotype = FromJson(only_normal, shared);
  EXPECT_EQ(genotype.reduction, genotype.normal);
  // A reduction cell that is the same architecture written differently is accepted...
  const Json relabelled = {{"normal", only_normal.at("normal")},
                           {"reduction", RawCellJson(HandCellRelabelled())}};
  ASSERT_NE(relabelled.at("reduction"), relabelled.at("normal"));
  EXPECT_EQ(FromJson(relabelled, shared), genotype);
  // ... another one is not, and a separate space needs the reduction cell.
  Json other = ToJson(HandGenotype());
  other["reduction"][0]["ops"][0] = "conv_3x3";
  EXPECT_EQ(ReadError(other, shared),
            "genotype: reduction: differs from normal, but separate_reduction is false");
  EXPECT_EQ(ReadError(only_normal), "genotype: missing 'reduction' (separate_reduction is true)");
}

// ---- Canonical form ----

TEST(NasnetCellCanonical, IgnoresBranchSwaps) {
  Cell swapped = HandCell();
  for (const int b : {0, 3, 4}) {
    std::swap(swapped.blocks[b].inputs[0], swapped.blocks[b].inputs[1]);
    std::swap(swapped.blocks[b].ops[0], swapped.blocks[b].ops[1]);
  }
  ASSERT_NE(swapped, HandCell());
  EXPECT_EQ(Canonical(swapped), Canonical(HandCell()));
  EXPECT_TRUE(SameArchitecture(swapped, HandCell()));
  EXPECT_EQ(ToJson(Genotype{swapped, swapped}), ToJson(HandGenotype()));
}

TEST(NasnetCellCanonical, IgnoresBlockRenumbering) {
  ASSERT_NE(HandCellRelabelled(), HandCell());
  EXPECT_EQ(Canonical(HandCellRelabelled()), Canonical(HandCell()));
  EXPECT_EQ(ToJson(Genotype{HandCellRelabelled(), HandCell()}), ToJson(HandGenotype()));
}

TEST(NasnetCellCanonical, IsAValidSpellingOfTheSameCellAndAFixedPoint) {
  const Cell canonical = Canonical(HandCell());
  EXPECT_NO_THROW(Validate(Genotype{canonical, canonical}, CellSpaceOptions()));
  EXPECT_EQ(Canonical(canonical), canonical);
  EXPECT_EQ(canonical.Outputs().size(), HandCell().Outputs().size());
  // Inputs before blocks: the first block reads only c_prev / c_prev_prev.
  EXPECT_LT(canonical.blocks[0].inputs[0], kFirstBlockInput);
  EXPECT_LT(canonical.blocks[0].inputs[1], kFirstBlockInput);
}

// Two blocks with the same key, read by blocks that differ: which of them comes first decides
// how the readers are numbered, so the tie must be broken by the readers, not by the numbering.
TEST(NasnetCellCanonical, BreaksTiesBetweenEqualBlocksByTheirReaders) {
  const Cell first{{MakeBlock("c_prev", "identity", "c_prev", "identity"),
                    MakeBlock("c_prev", "identity", "c_prev", "identity"),
                    MakeBlock("b0", "conv_3x3", "c_prev", "identity"),
                    MakeBlock("b1", "conv_1x1", "c_prev", "identity")}};
  const Cell second{{MakeBlock("c_prev", "identity", "c_prev", "identity"),
                     MakeBlock("c_prev", "identity", "c_prev", "identity"),
                     MakeBlock("b1", "conv_3x3", "c_prev", "identity"),
                     MakeBlock("b0", "conv_1x1", "c_prev", "identity")}};
  EXPECT_EQ(Canonical(first), Canonical(second));
}

TEST(NasnetCellCanonical, TellsDifferentArchitecturesApart) {
  const Cell base = HandCell();
  Cell other_op = base;
  other_op.blocks[3].ops[1] = "conv_3x3";
  Cell other_input = base;
  other_input.blocks[4].inputs[0] = kCPrevPrev;
  Cell other_combine = base;
  other_combine.blocks[2].combine = "concat";
  for (const Cell& other : {other_op, other_input, other_combine}) {
    EXPECT_FALSE(SameArchitecture(other, base));
    EXPECT_NE(ToJson(Genotype{other, base}), ToJson(Genotype{base, base}));
  }
  EXPECT_FALSE(SameArchitecture(Genotype{base, other_op}, Genotype{base, base}));
  // Equal keys, different sharing: a block that reads one of two equal blocks twice is not one
  // that reads both (the unused one is an output in the first cell only).
  const Cell twice{{MakeBlock("c_prev", "identity", "c_prev", "identity"),
                    MakeBlock("c_prev", "identity", "c_prev", "identity"),
                    MakeBlock("b0", "identity", "b0", "identity")}};
  const Cell both{{MakeBlock("c_prev", "identity", "c_prev", "identity"),
                   MakeBlock("c_prev", "identity", "c_prev", "identity"),
                   MakeBlock("b0", "identity", "b1", "identity")}};
  EXPECT_FALSE(SameArchitecture(twice, both));
}

// The worst cases for the tie breaking, whose search must stay small: ten equal blocks that nobody
// reads (all interchangeable), and five equal blocks each read by one of five equal readers.
TEST(NasnetCellCanonical, ManyInterchangeableBlocks) {
  const Block source = MakeBlock("c_prev", "identity", "c_prev", "identity");
  const Cell ten{std::vector<Block>(10, source)};
  EXPECT_EQ(Canonical(ten), ten);
  Cell readers{std::vector<Block>(5, source)};
  for (int b = 0; b < 5; ++b) {
    readers.blocks.push_back(
        MakeBlock("b" + std::to_string(4 - b), "identity", "c_prev", "identity"));
  }
  // A reader's key ("add(identity:[add(...)],...") sorts before a source's ("add(identity:c_prev,
  // ..."), so each reader follows its source, reading it through its first branch.
  const Cell canonical = Canonical(readers);
  for (int b = 0; b < 10; b += 2) {
    EXPECT_EQ(canonical.blocks[b], source);
    EXPECT_THAT(canonical.blocks[b + 1].inputs, ElementsAre(BlockInput(b), kCPrev));
  }
  Rng rng(4);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(Canonical(Relabel(readers, rng)), canonical);
}

// Sampled cells, renumbered and swapped at random, keep their canonical JSON. The relabelling
// must actually change most of them, or the test would prove nothing.
void ExpectCanonicalUnderRelabelling(const CellSpaceOptions& options, int count, uint64_t seed) {
  Rng rng(seed);
  int changed = 0;
  for (int i = 0; i < count; ++i) {
    const Genotype genotype = Sample(rng, options);
    const Genotype relabelled{Relabel(genotype.normal, rng), Relabel(genotype.reduction, rng)};
    changed += relabelled != genotype ? 1 : 0;
    ASSERT_EQ(ToJson(relabelled), ToJson(genotype)) << "sample " << i;
    ASSERT_TRUE(SameArchitecture(relabelled, genotype));
  }
  EXPECT_GT(changed, count * 3 / 4);
}

TEST(NasnetCellCanonical, RandomRelabellingsOfSampledGenotypes) {
  ExpectCanonicalUnderRelabelling(CellSpaceOptions(), 500, 1);
  ExpectCanonicalUnderRelabelling(
      CellSpaceOptions::FromJson({{"blocks", 10}, {"combine", {"add", "concat"}}}), 200, 2);
}

// With few operations many blocks share a key: the hard case for the tie breaking.
TEST(NasnetCellCanonical, RandomRelabellingsWithManyEqualBlocks) {
  for (int blocks = 2; blocks <= 10; ++blocks) {
    ExpectCanonicalUnderRelabelling(OptionsWith(blocks, {"identity"}), 200, 100 + blocks);
    ExpectCanonicalUnderRelabelling(OptionsWith(blocks, {"identity", "conv_1x1"}), 200,
                                    200 + blocks);
  }
}

// ---- Decisions ----

TEST(NasnetCellDecisions, FiveBlocksWithDefaults) {
  const std::vector<Decision> decisions = Decisions(CellSpaceOptions());
  ASSERT_EQ(decisions.size(), 40u);
  EXPECT_EQ(decisions[0].name, "normal.b0.in0");
  EXPECT_EQ(decisions[1].name, "normal.b0.in1");
  EXPECT_EQ(decisions[2].name, "normal.b0.op0");
  EXPECT_EQ(decisions[3].name, "normal.b0.op1");
  EXPECT_EQ(decisions[4].name, "normal.b1.in0");
  EXPECT_THAT(decisions[0].choices, ElementsAre("c_prev", "c_prev_prev"));
  EXPECT_THAT(decisions[4].choices, ElementsAre("c_prev", "c_prev_prev", "b0"));
  EXPECT_EQ(decisions[16].name, "normal.b4.in0");
  EXPECT_THAT(decisions[16].choices, ElementsAre("c_prev", "c_prev_prev", "b0", "b1", "b2", "b3"));
  EXPECT_EQ(decisions[3].choices, NasnetOperations());
  EXPECT_EQ(decisions[20].name, "reduction.b0.in0");
  EXPECT_EQ(decisions[39].name, "reduction.b4.op1");
}

TEST(NasnetCellDecisions, CombineIsADecisionOnlyWithTwoChoices) {
  const std::vector<Decision> decisions =
      Decisions(CellSpaceOptions::FromJson({{"combine", {"concat", "add"}}}));
  ASSERT_EQ(decisions.size(), 50u);
  EXPECT_EQ(decisions[4].name, "normal.b0.combine");
  EXPECT_THAT(decisions[4].choices, ElementsAre("concat", "add"));
  EXPECT_EQ(decisions[49].name, "reduction.b4.combine");
  const std::vector<Decision> shared =
      Decisions(CellSpaceOptions::FromJson({{"separate_reduction", false}, {"blocks", 3}}));
  ASSERT_EQ(shared.size(), 12u);
  for (const Decision& decision : shared) EXPECT_EQ(decision.name.substr(0, 7), "normal.");
}

TEST(NasnetCellDecisions, SpaceSizeIsTheProductOfChoiceCounts) {
  // Per cell: (2 * 3 * 4 * 5 * 6)^2 input pairs times 13^10 op choices; two cells.
  const double cell = std::pow(720.0, 2) * std::pow(13.0, 10);
  EXPECT_NEAR(SpaceSize(CellSpaceOptions()) / (cell * cell), 1.0, 1e-12);
  EXPECT_NEAR(SpaceSize(CellSpaceOptions::FromJson({{"separate_reduction", false}})) / cell, 1.0,
              1e-12);
  EXPECT_DOUBLE_EQ(SpaceSize(OptionsWith(1, {"identity"})), 16.0);  // (2^2)^2
  EXPECT_DOUBLE_EQ(SpaceSize(OptionsWith(1, {"identity"}, {"add", "concat"})), 64.0);
  EXPECT_TRUE(std::isfinite(
      SpaceSize(CellSpaceOptions::FromJson({{"blocks", 10}, {"combine", {"add", "concat"}}}))));
}

TEST(NasnetCellDecisions, DecodeAndEncodeRoundTrip) {
  Rng rng(5);
  for (const CellSpaceOptions& options :
       {CellSpaceOptions(), CellSpaceOptions::FromJson({{"combine", {"add", "concat"}}}),
        CellSpaceOptions::FromJson({{"separate_reduction", false}, {"blocks", 7}})}) {
    const std::vector<Decision> decisions = Decisions(options);
    for (int i = 0; i < 100; ++i) {
      std::vector<int64_t> indices;
      indices.reserve(decisions.size());
      for (const Decision& decision : decisions) {
        indices.push_back(static_cast<int64_t>(rng.Below(decision.choices.size())));
      }
      const Genotype genotype = Decode(indices, options);
      EXPECT_EQ(Encode(genotype, options), indices);
      EXPECT_EQ(Decode(Encode(genotype, options), options), genotype);
    }
  }
}

TEST(NasnetCellDecisions, EncodesTheGenotypeAsGivenNotCanonicalized) {
  const CellSpaceOptions options;
  const Genotype genotype{HandCellRelabelled(), HandCell()};
  ASSERT_NE(Canonical(genotype), genotype);
  const std::vector<int64_t> indices = Encode(genotype, options);
  EXPECT_EQ(Decode(indices, options), genotype);
  // normal.b0: in0 c_prev, in1 c_prev_prev, op0 identity (0), op1 max_pool_3x3 (5).
  EXPECT_THAT(std::vector<int64_t>(indices.begin(), indices.begin() + 4), ElementsAre(0, 1, 0, 5));
}

TEST(NasnetCellDecisions, RefusesBadIndicesAndInvalidGenotypes) {
  const CellSpaceOptions options;
  EXPECT_EQ(ErrorOf([&] { Decode(std::vector<int64_t>(39, 0), options); }),
            "decisions: expected 40 choice indices, got 39");
  std::vector<int64_t> indices(40, 0);
  indices[2] = 13;
  EXPECT_EQ(ErrorOf([&] { Decode(indices, options); }),
            "decisions: normal.b0.op0: choice index 13 is outside 0..12");
  indices[2] = 0;
  indices[16] = 6;
  EXPECT_EQ(ErrorOf([&] { Decode(indices, options); }),
            "decisions: normal.b4.in0: choice index 6 is outside 0..5");
  Genotype bad = HandGenotype();
  bad.reduction.blocks[1].inputs[1] = BlockInput(1);
  EXPECT_EQ(ErrorOf([&] { Encode(bad, options); }),
            "genotype: reduction[1].inputs[1]: 'b1' refers to block 1, which is not earlier than "
            "block 1");
}

// ---- Sampling ----

TEST(NasnetCellSample, ThousandSamplesAreValid) {
  Rng rng(3);
  const CellSpaceOptions options = CellSpaceOptions::FromJson({{"combine", {"add", "concat"}}});
  std::set<std::string> distinct;
  for (int i = 0; i < 1000; ++i) {
    const Genotype genotype = Sample(rng, options);
    ASSERT_NO_THROW(FromJson(ToJson(genotype), options)) << ToJson(genotype).dump();
    distinct.insert(ToJson(genotype).dump());
  }
  EXPECT_EQ(distinct.size(), 1000u);
}

TEST(NasnetCellSample, AFixedSeedGivesTheSameSamples) {
  Rng a(42);
  Rng b(42);
  Rng c(43);
  int differ = 0;
  for (int i = 0; i < 50; ++i) {
    const Genotype from_a = Sample(a, CellSpaceOptions());
    EXPECT_EQ(from_a, Sample(b, CellSpaceOptions()));
    differ += from_a != Sample(c, CellSpaceOptions()) ? 1 : 0;
  }
  EXPECT_EQ(differ, 50);
}

TEST(NasnetCellSample, EachDecisionIsUniform) {
  Rng rng(9);
  const CellSpaceOptions options;
  std::map<int64_t, int> last_input;  // normal.b4.in0, six choices
  std::map<int64_t, int> first_op;    // normal.b0.op0, thirteen choices
  constexpr int kSamples = 13000;
  for (int i = 0; i < kSamples; ++i) {
    const std::vector<int64_t> indices = Encode(Sample(rng, options), options);
    ++last_input[indices[16]];
    ++first_op[indices[2]];
  }
  ASSERT_EQ(last_input.size(), 6u);
  ASSERT_EQ(first_op.size(), 13u);
  for (const auto& [choice, count] : last_input) EXPECT_NEAR(count, kSamples / 6.0, 200) << choice;
  for (const auto& [choice, count] : first_op) EXPECT_NEAR(count, kSamples / 13.0, 150) << choice;
}

// ---- Mutation ----

// The names of the decisions in which |a| and |b| differ.
std::vector<std::string> Changed(const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                                 const std::vector<Decision>& decisions) {
  std::vector<std::string> changed;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) changed.push_back(decisions[i].name);
  }
  return changed;
}

TEST(NasnetCellMutate, ChangesExactlyOneDecisionAndReachesEveryKind) {
  Rng rng(17);
  const CellSpaceOptions options = CellSpaceOptions::FromJson({{"combine", {"add", "concat"}}});
  const std::vector<Decision> decisions = Decisions(options);
  std::map<std::string, int> kinds;  // "normal.in0", "reduction.combine", ...
  Genotype genotype = Sample(rng, options);
  for (int i = 0; i < 2000; ++i) {
    const Genotype mutated = Mutate(genotype, rng, options);
    const std::vector<std::string> changed =
        Changed(Encode(genotype, options), Encode(mutated, options), decisions);
    ASSERT_EQ(changed.size(), 1u);
    const std::string& name = changed[0];
    ++kinds[name.substr(0, name.find('.')) + name.substr(name.rfind('.'))];
    genotype = mutated;
  }
  for (const char* cell : {"normal", "reduction"}) {
    for (const char* kind : {".in0", ".in1", ".op0", ".op1", ".combine"}) {
      // Each of the ten (cell, kind) pairs has probability 1/10.
      EXPECT_NEAR(kinds[std::string(cell) + kind], 200, 60) << cell << kind;
    }
  }
}

TEST(NasnetCellMutate, HiddenStateAndOpMutationsAreEquallyLikely) {
  Rng rng(23);
  const CellSpaceOptions options;
  const std::vector<Decision> decisions = Decisions(options);
  const Genotype genotype = Sample(rng, options);
  const std::vector<int64_t> before = Encode(genotype, options);
  int inputs = 0;
  int ops = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::vector<std::string> changed =
        Changed(before, Encode(Mutate(genotype, rng, options), options), decisions);
    ASSERT_EQ(changed.size(), 1u);
    (changed[0].find(".in") != std::string::npos ? inputs : ops) += 1;
  }
  EXPECT_NEAR(inputs, 2000, 150);
  EXPECT_NEAR(ops, 2000, 150);
}

TEST(NasnetCellMutate, SkipsDecisionsWithOneChoice) {
  Rng rng(29);
  const CellSpaceOptions options = OptionsWith(3, {"sep_conv_3x3"});
  const std::vector<Decision> decisions = Decisions(options);
  const Genotype genotype = Sample(rng, options);
  for (int i = 0; i < 300; ++i) {
    const std::vector<std::string> changed = Changed(
        Encode(genotype, options), Encode(Mutate(genotype, rng, options), options), decisions);
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_THAT(changed[0], HasSubstr(".in"));
  }
}

TEST(NasnetCellMutate, KeepsOneSharedCell) {
  Rng rng(31);
  const CellSpaceOptions options = CellSpaceOptions::FromJson({{"separate_reduction", false}});
  const std::vector<Decision> decisions = Decisions(options);
  Genotype genotype = Sample(rng, options);
  for (int i = 0; i < 200; ++i) {
    const Genotype mutated = Mutate(genotype, rng, options);
    EXPECT_EQ(mutated.reduction, mutated.normal);
    EXPECT_EQ(Changed(Encode(genotype, options), Encode(mutated, options), decisions).size(), 1u);
    genotype = mutated;
  }
}

// ---- Drawing ----

// |svg| with an optional XML declaration and leading white space removed.
std::string AfterDeclaration(const std::string& svg) {
  size_t start = 0;
  if (svg.rfind("<?xml", 0) == 0) start = svg.find("?>") + 2;
  while (start < svg.size() && std::isspace(static_cast<unsigned char>(svg[start]))) ++start;
  return svg.substr(start);
}

size_t Count(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

TEST(NasnetCellSvg, DrawsEveryNodeAndEdge) {
  const Cell cell = HandCell();
  const std::string svg = CellSvg(cell, "hand cell");
  EXPECT_EQ(AfterDeclaration(svg).rfind("<svg", 0), 0u);
  ASSERT_GE(svg.size(), 6u);
  EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
  EXPECT_THAT(svg, HasSubstr("xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(svg, HasSubstr(">hand cell</text>"));
  for (const Block& block : cell.blocks) {
    for (const std::string& op : block.ops) EXPECT_THAT(svg, HasSubstr(">" + op + "</text>"));
  }
  EXPECT_THAT(svg, HasSubstr(">c_prev</text>"));
  EXPECT_THAT(svg, HasSubstr(">c_prev_prev</text>"));
  EXPECT_THAT(svg, HasSubstr(">b4: add</text>"));
  EXPECT_THAT(svg, HasSubstr(">output: concat</text>"));
  // Two op boxes per block, one ellipse per combine; four edges per block and one per output.
  EXPECT_EQ(Count(svg, "<ellipse"), 5u);
  EXPECT_EQ(Count(svg, "<rect") - 1, 3u + 10u);  // less the background
  EXPECT_EQ(Count(svg, "marker-end=\"url(#arrow)\""), 4u * 5u + 2u);
  EXPECT_EQ(Count(svg, "<g"), Count(svg, "</g>"));
}

TEST(NasnetCellSvg, EscapesText) {
  const std::string svg = CellSvg(HandCell(), "a < b & \"c\"");
  EXPECT_THAT(svg, HasSubstr("a &lt; b &amp; &quot;c&quot;"));
  EXPECT_EQ(svg.find("a < b"), std::string::npos);
  EXPECT_EQ(svg.find("& \""), std::string::npos);
}

TEST(NasnetCellSvg, DrawsBothCellsOfAGenotype) {
  Rng rng(1);
  const Genotype genotype = Sample(rng, CellSpaceOptions());
  const std::string svg = GenotypeSvg(genotype);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
  EXPECT_THAT(svg, HasSubstr(">normal cell</text>"));
  EXPECT_THAT(svg, HasSubstr(">reduction cell</text>"));
  EXPECT_EQ(Count(svg, "<svg"), 1u);
  EXPECT_EQ(Count(svg, "<ellipse"), 10u);
}

TEST(NasnetCellSvg, RefusesACellThatReadsALaterBlock) {
  Cell cell = HandCell();
  cell.blocks[1].inputs[0] = BlockInput(3);
  EXPECT_THAT(ErrorOf([&cell] { CellSvg(cell, "bad"); }),
              HasSubstr("cell[1].inputs[0]: 'b3' refers to block 3"));
}

// ---- Output mode ----

Cell AllOutputs(Cell cell) {
  cell.output = CellOutput::kAll;
  return cell;
}

TEST(NasnetCellOutputMode, NamesAndParsesModes) {
  EXPECT_EQ(CellOutputName(CellOutput::kUnused), "unused");
  EXPECT_EQ(CellOutputName(CellOutput::kAll), "all");
  EXPECT_EQ(ParseCellOutput("unused"), CellOutput::kUnused);
  EXPECT_EQ(ParseCellOutput("all"), CellOutput::kAll);
  EXPECT_EQ(ParseCellOutput("All"), std::nullopt);
  EXPECT_EQ(ParseCellOutput(""), std::nullopt);
  EXPECT_EQ(Cell().output, CellOutput::kUnused);
}

TEST(NasnetCellOutputMode, AllConcatenatesEveryBlock) {
  EXPECT_THAT(HandCell().Outputs(), ElementsAre(3, 4));
  EXPECT_THAT(AllOutputs(HandCell()).Outputs(), ElementsAre(0, 1, 2, 3, 4));
  EXPECT_NE(HandCell(), AllOutputs(HandCell()));
}

TEST(NasnetCellOutputMode, UnusedCellsKeepTheirJsonByteForByte) {
  // A two-block genotype and its canonical JSON written out by hand, in the form it had before
  // output modes existed.
  const Cell cell{{MakeBlock("c_prev", "sep_conv_3x3", "c_prev_prev", "identity"),
                   MakeBlock("b0", "avg_pool_3x3", "c_prev", "conv_1x1")}};
  const std::string expected_cell =
      R"([{"inputs":["c_prev_prev","c_prev"],"ops":["identity","sep_conv_3x3"],"combine":"add"},)"
      R"({"inputs":["b0","c_prev"],"ops":["avg_pool_3x3","conv_1x1"],"combine":"add"}])";
  EXPECT_EQ(ToJson(Genotype{cell, cell}).dump(),
            R"({"normal":)" + expected_cell + R"(,"reduction":)" + expected_cell + "}");
  // Reading the object form with "unused" gives the same cell, written as the plain list.
  const CellSpaceOptions options = OptionsWith(2, NasnetOperations());
  const Json object = {{"output", "unused"}, {"blocks", RawCellJson(cell)}};
  const Genotype read =
      FromJson(Json{{"normal", object}, {"reduction", RawCellJson(cell)}}, options);
  EXPECT_EQ(read.normal.output, CellOutput::kUnused);
  EXPECT_EQ(ToJson(read).dump(), ToJson(Genotype{cell, cell}).dump());
}

TEST(NasnetCellOutputMode, AllRoundTripsThroughJson) {
  const Genotype genotype{AllOutputs(HandCell()), HandCell()};
  const Json json = ToJson(genotype);
  ASSERT_TRUE(json.at("normal").is_object());
  EXPECT_EQ(json.at("normal").at("output"), "all");
  EXPECT_EQ(json.at("normal").at("blocks"), ToJson(Genotype{HandCell(), HandCell()}).at("normal"));
  EXPECT_TRUE(json.at("reduction").is_array());
  const Genotype read = FromJson(json, CellSpaceOptions());
  EXPECT_EQ(read.normal.output, CellOutput::kAll);
  EXPECT_EQ(read.reduction.output, CellOutput::kUnused);
  EXPECT_TRUE(SameArchitecture(read, genotype));
  EXPECT_EQ(ToJson(read), json);
}

TEST(NasnetCellOutputMode, IsPartOfTheArchitecture) {
  const Cell all = AllOutputs(HandCell());
  EXPECT_FALSE(SameArchitecture(HandCell(), all));
  EXPECT_FALSE(SameArchitecture(Genotype{HandCell(), HandCell()}, Genotype{HandCell(), all}));
  EXPECT_NE(ToJson(Genotype{HandCell(), HandCell()}), ToJson(Genotype{HandCell(), all}));
  EXPECT_EQ(Canonical(all).output, CellOutput::kAll);
  EXPECT_TRUE(SameArchitecture(AllOutputs(HandCellRelabelled()), all));
  Rng rng(5);
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(SameArchitecture(Relabel(all, rng), all));
  // One shared cell must share the output mode too.
  CellSpaceOptions shared;
  shared.separate_reduction = false;
  EXPECT_THAT(ErrorOf([&] {
                Validate(Genotype{HandCell(), all}, shared);
              }),
              HasSubstr("genotype: reduction: differs from normal"));
  const Genotype both = FromJson(Json{{"normal", ToJson(Genotype{all, all}).at("normal")}}, shared);
  EXPECT_EQ(both.reduction.output, CellOutput::kAll);
}

TEST(NasnetCellOutputMode, RefusesBadCellObjectsNamingThePath) {
  const CellSpaceOptions options;
  const Json blocks = RawCellJson(HandCell());
  const auto error = [&](const Json& normal) {
    return ErrorOf([&] { FromJson(Json{{"normal", normal}, {"reduction", blocks}}, options); });
  };
  EXPECT_EQ(error({{"output", "some"}, {"blocks", blocks}}),
            "genotype: normal.output: 'some' is not 'unused' or 'all'");
  EXPECT_THAT(error({{"output", 1}, {"blocks", blocks}}),
              HasSubstr("genotype: normal.output: must be a string"));
  EXPECT_THAT(error({{"outputs", "all"}, {"blocks", blocks}}),
              HasSubstr("genotype: normal: unknown key 'outputs'"));
  EXPECT_EQ(error({{"output", "all"}}), "genotype: normal: missing 'blocks'");
  EXPECT_EQ(error({{"output", "all"}, {"blocks", 3}}),
            "genotype: normal.blocks: must be a list of blocks");
  EXPECT_THAT(error("all"), HasSubstr("genotype: normal: must be a list of blocks"));
}

TEST(NasnetCellOutputMode, DecisionsDescribeUnusedCellsOnly) {
  const CellSpaceOptions options;
  const Genotype genotype{HandCell(), AllOutputs(HandCell())};
  EXPECT_NO_THROW(Validate(genotype, options));
  const std::string refusal =
      "genotype: reduction.output: 'all' is not a decision of the NASNet cell space";
  EXPECT_THAT(ErrorOf([&] { Encode(genotype, options); }), HasSubstr(refusal));
  Rng rng(3);
  EXPECT_THAT(ErrorOf([&] { Mutate(genotype, rng, options); }), HasSubstr(refusal));
  EXPECT_EQ(Decode(Encode(HandGenotype(), options), options).normal.output, CellOutput::kUnused);
}

TEST(NasnetCellOutputMode, SvgDrawsAnEdgeFromEveryBlockToTheOutput) {
  // Four edges per block, then one per output block: 2 with "unused", 5 with "all".
  EXPECT_EQ(Count(CellSvg(HandCell(), "unused"), "marker-end=\"url(#arrow)\""), 4u * 5u + 2u);
  EXPECT_EQ(Count(CellSvg(AllOutputs(HandCell()), "all"), "marker-end=\"url(#arrow)\""),
            4u * 5u + 5u);
  const std::string svg = GenotypeSvg(Genotype{AllOutputs(HandCell()), HandCell()});
  EXPECT_EQ(Count(svg, "marker-end=\"url(#arrow)\""), 2 * 4u * 5u + 5u + 2u);
}

// ---- DARTS's extra operation ----

TEST(NasnetCellOperations, KnownOperationsAddDartsDilConv5x5) {
  const std::vector<std::string>& known = KnownCellOperations();
  ASSERT_EQ(known.size(), 14u);
  EXPECT_EQ(std::vector<std::string>(known.begin(), known.begin() + 13), NasnetOperations());
  EXPECT_EQ(known.back(), "dil_conv_5x5");
  EXPECT_TRUE(IsKnownCellOperation("dil_conv_5x5"));
  EXPECT_TRUE(IsKnownCellOperation("sep_conv_7x7"));
  EXPECT_FALSE(IsKnownCellOperation("dil_conv_7x7"));
  EXPECT_FALSE(IsNasnetOperation("dil_conv_5x5"));  // not one of the paper's 13
  EXPECT_EQ(NasnetOperations().size(), 13u);
  const CellSpaceOptions defaults;
  EXPECT_EQ(defaults.operations, NasnetOperations());  // the default search set is unchanged
}

TEST(NasnetCellOperations, OptionsAndGenotypesMayUseDilConv5x5) {
  const CellSpaceOptions options =
      CellSpaceOptions::FromJson(Json{{"blocks", 2}, {"operations", {"dil_conv_5x5", "identity"}}});
  EXPECT_EQ(options.operations, (std::vector<std::string>{"dil_conv_5x5", "identity"}));
  const Cell cell{{MakeBlock("c_prev", "dil_conv_5x5", "c_prev_prev", "identity"),
                   MakeBlock("b0", "dil_conv_5x5", "c_prev", "dil_conv_5x5")}};
  const Json json = {{"normal", RawCellJson(cell)}, {"reduction", RawCellJson(cell)}};
  EXPECT_TRUE(SameArchitecture(FromJson(json, options), Genotype{cell, cell}));
  EXPECT_THAT(ErrorOf([&] { FromJson(json, OptionsWith(2, NasnetOperations())); }),
              HasSubstr("genotype: normal[0].ops[0]: 'dil_conv_5x5' is not among the options' "
                        "operations"));
  EXPECT_THAT(ErrorOf([] {
                CellSpaceOptions::FromJson(Json{{"operations", {"dil_conv_7x7"}}});
              }),
              HasSubstr("operations[0]: 'dil_conv_7x7' is not a NASNet operation (identity, "));
  // Sampling and the decisions use it like any other listed operation.
  Rng rng(11);
  bool seen = false;
  for (int i = 0; i < 50 && !seen; ++i) {
    for (const Block& block : Sample(rng, options).normal.blocks) {
      seen = seen || block.ops[0] == "dil_conv_5x5" || block.ops[1] == "dil_conv_5x5";
    }
  }
  EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace automl::nas
