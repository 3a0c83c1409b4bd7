// The NASNet network builder: shapes, exact parameter counts, the model family, drop path and
// training through the Trainer (on small slices of the real Fashion-MNIST data).
#include "automl/dl/nasnet.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "automl/config_file.h"
#include "automl/dl/model.h"
#include "automl/dl/trainer.h"
#include "automl/error.h"
#include "automl/nas/nasnet_cell.h"
#include "automl/random.h"
#include "dl/nasnet_modules.h"
#include "testing/temp_dir.h"

namespace automl::dl {
namespace {

using nas::kCPrev;
using nas::kCPrevPrev;
using ::testing::HasSubstr;
using Shape = std::vector<int64_t>;

nas::Block MakeBlock(int in0, const std::string& op0, int in1, const std::string& op1,
                     const std::string& combine = "add") {
  nas::Block block;
  block.inputs = {in0, in1};
  block.ops = {op0, op1};
  block.combine = combine;
  return block;
}

constexpr int kB0 = nas::BlockInput(0);
constexpr int kB1 = nas::BlockInput(1);

// All 13 operations, two cell outputs each, and identities on c_prev in the reduction cell (a
// factorized reduction there).
nas::Genotype HandWritten() {
  nas::Genotype g;
  g.normal.blocks = {MakeBlock(kCPrev, "sep_conv_3x3", kCPrevPrev, "identity"),
                     MakeBlock(kCPrev, "conv_1x7_7x1", kCPrevPrev, "max_pool_5x5"),
                     MakeBlock(kB0, "avg_pool_3x3", kCPrev, "conv_3x3"),
                     MakeBlock(kB1, "max_pool_3x3", kCPrevPrev, "conv_1x1")};
  g.reduction.blocks = {MakeBlock(kCPrev, "max_pool_7x7", kCPrevPrev, "sep_conv_7x7"),
                        MakeBlock(kCPrev, "identity", kB0, "conv_1x3_3x1"),
                        MakeBlock(kCPrevPrev, "dil_conv_3x3", kB0, "sep_conv_5x5"),
                        MakeBlock(kB1, "identity", kCPrev, "sep_conv_3x3")};
  return g;
}

Json Family(const nas::Genotype& genotype, const Json& options = Json::object()) {
  Json family = {{"genotype", nas::ToJson(genotype)}};
  for (const auto& item : options.items()) family[item.key()] = item.value();
  return Json{{"nasnet", family}};
}

ModelSpec Spec(const Json& json) { return ModelSpec::FromJson(json); }

std::string SpecError(const Json& json) {
  try {
    Spec(json);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

Shape WithBatch(int64_t batch, const Shape& shape) {
  Shape out = {batch};
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

std::shared_ptr<NasnetImpl> NasnetOf(Net& net) {
  auto nasnet = std::dynamic_pointer_cast<NasnetImpl>(net->named_children()["nasnet"]);
  EXPECT_NE(nasnet, nullptr);
  return nasnet;
}

TEST(NasnetTest, AHandWrittenGenotypeGivesOneScorePerClass) {
  torch::manual_seed(0);
  for (const Shape& input : {Shape{1, 28, 28}, Shape{1, 14, 14}}) {
    Nasnet net(NasnetOptions(HandWritten(), 10, input).cells(1).filters(4).auxiliary(true));
    const torch::Tensor x = torch::randn(WithBatch(3, input));
    const auto [logits, auxiliary] = net->forward_with_auxiliary(x);
    EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{3, 10}));
    EXPECT_EQ(auxiliary.sizes(), (std::vector<int64_t>{3, 10}));
    net->eval();
    EXPECT_EQ(net->forward(x).sizes(), (std::vector<int64_t>{3, 10}));
    EXPECT_FALSE(net->forward_with_auxiliary(x).second.defined())
        << "the auxiliary head only trains";
    // 3 stages: the images shrink twice, rounding up.
    const ModelSummary s = SummarizeNasnet(net->options());
    const int64_t side = input[1];
    EXPECT_EQ(s.layers.at(1).output_shape, (Shape{8, side, side}));  // 2 outputs x F = 4
    EXPECT_EQ(s.layers.at(2).output_shape, (Shape{16, (side + 1) / 2, (side + 1) / 2}));
    EXPECT_EQ(s.layers.at(6).output_shape, (Shape{32, (side + 3) / 4, (side + 3) / 4}));
    EXPECT_EQ(s.layers.at(4).kind, "auxiliary");
    EXPECT_EQ(s.params, CountParameters(*net));
  }
}

TEST(NasnetTest, ATinyNetworkHasTheParametersCountedByHand) {
  // One block, identity on c_prev plus conv_1x1 on c_prev_prev, in both cells. cells 1, stages 2,
  // filters 4, stem_multiplier 3, a 1x28x28 input and 10 classes: stem, normal (F 4), reduction
  // (F 8), normal (F 8), head. Convolutions have no bias; batchnorm has 2 per channel.
  //   stem        conv 3x3 1->12: 108, bn 24                                      132
  //   normal 0    c_prev (stem, 12) 1x1->4: 48 + bn 8 = 56; c_prev_prev (stem): 56;
  //               identity 0; conv_1x1 4->4: 16 + bn 8 = 24                       136
  //   reduction   c_prev (4 ch) 1x1->8: 32 + 16 = 48; c_prev_prev (stem, 12): 96 + 16 = 112;
  //               identity, stride 2: factorized reduction 8->4 + 8->4: 64 + bn 16 = 80;
  //               conv_1x1 stride 2 8->8: 64 + 16 = 80                            320
  //   normal 1    c_prev (8) 1x1->8: 64 + 16 = 80; c_prev_prev (normal 0, 4 ch at twice the
  //               size): factorized reduction 4->4 + 4->4: 32 + bn 16 = 48;
  //               identity 0; conv_1x1 8->8: 64 + 16 = 80                         208
  //   head        linear 8->10: 80 + bias 10                                       90
  //   total       132 + 136 + 320 + 208 + 90 = 886
  // Multiply-adds, at 28x28 (784 pixels) and 14x14 (196) after the reduction:
  //   stem 12*9*784 = 84672; normal 0 (48 + 48 + 16) * 784 = 87808;
  //   reduction (32 + 96) * 784 + (64 + 64) * 196 = 125440; normal 1 (64 + 32 + 64) * 196 = 31360;
  //   head 80; total 329360.
  nas::Genotype g;
  g.normal.blocks = {MakeBlock(kCPrev, "identity", kCPrevPrev, "conv_1x1")};
  g.reduction = g.normal;
  const NasnetOptions options = NasnetOptions(g, 10, {1, 28, 28}).cells(1).stages(2).filters(4);
  Nasnet net(options);
  EXPECT_EQ(CountParameters(*net), 886);
  const ModelSummary s = SummarizeNasnet(options);
  EXPECT_EQ(s.params, 886);
  EXPECT_EQ(s.flops, 329360);
  ASSERT_EQ(s.layers.size(), 5u);
  const std::vector<int64_t> params = {132, 136, 320, 208, 90};
  for (size_t i = 0; i < params.size(); ++i) EXPECT_EQ(s.layers[i].params, params[i]) << i;
  EXPECT_EQ(s.output_shape, (Shape{10}));
}

TEST(NasnetTest, SummarizeCountsExactlyWhatSampledNetworksHold) {
  nas::CellSpaceOptions space;
  space.combine = {"add", "concat"};
  Rng rng(11);
  torch::manual_seed(0);
  for (int i = 0; i < 6; ++i) {
    space.blocks = 2 + i % 4;
    const nas::Genotype g = nas::Sample(rng, space);
    const Json options = {{"cells", 1 + i % 2}, {"filters", 3 + i}, {"auxiliary", i % 2 == 0}};
    const ModelSpec spec = Spec(Family(g, options));
    const Shape input = i % 3 == 0 ? Shape{1, 28, 28} : Shape{1, 14, 14};
    Net net(spec, input, 10);
    const ModelSummary s = Summarize(spec, input, 10);
    EXPECT_EQ(s.params, CountParameters(*net)) << nas::ToJson(g).dump();
    EXPECT_EQ(net->summary().params, s.params);
    EXPECT_GT(s.flops, 0);
    EXPECT_FALSE(s.ToString().empty());
    const torch::Tensor logits = net->forward(torch::randn(WithBatch(2, input)));
    EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 10}));
    EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
  }
}

TEST(NasnetTest, ConcatBlocksAreProjectedBackToFFilters) {
  nas::Genotype add;
  add.normal.blocks = {MakeBlock(kCPrev, "sep_conv_3x3", kCPrevPrev, "max_pool_3x3"),
                       MakeBlock(kB0, "conv_3x3", kCPrev, "identity")};
  add.reduction = add.normal;
  nas::Genotype concat = add;
  concat.normal.blocks[0].combine = "concat";
  // One stage, one normal cell of F = 4: the projection adds ReLU, 1x1 conv 8->4 (32), bn (8).
  const auto options = [](const nas::Genotype& g) {
    return NasnetOptions(g, 10, {1, 14, 14}).cells(1).stages(1).filters(4);
  };
  torch::manual_seed(0);
  Nasnet with_add(options(add));
  Nasnet with_concat(options(concat));
  EXPECT_EQ(CountParameters(*with_concat) - CountParameters(*with_add), 40);
  EXPECT_EQ(SummarizeNasnet(options(concat)).params, CountParameters(*with_concat));
  // b1 reads b0, so the cell's output is b1 alone: 4 channels either way.
  EXPECT_EQ(SummarizeNasnet(options(concat)).layers.at(1).output_shape, (Shape{4, 14, 14}));
  const torch::Tensor x = torch::randn({2, 1, 14, 14});
  EXPECT_EQ(with_concat->forward(x).sizes(), (std::vector<int64_t>{2, 10}));
  with_concat->forward(x).sum().backward();
  for (const auto& p : with_concat->named_parameters()) {
    if (p.key().find("projection") != std::string::npos) {
      EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0) << p.key() << " is not used";
    }
  }
}

TEST(NasnetTest, OutputAllConcatenatesEveryBlock) {
  // b1 reads b0: with output "unused" the normal cell gives b1 alone (F channels), with "all"
  // (DARTS) b0 and b1 (2F). One stage, one normal cell of F = 4, read through the model family.
  nas::Genotype unused;
  unused.normal.blocks = {MakeBlock(kCPrev, "sep_conv_3x3", kCPrevPrev, "max_pool_3x3"),
                          MakeBlock(kB0, "conv_3x3", kCPrev, "identity")};
  unused.reduction = unused.normal;
  nas::Genotype all = unused;
  all.normal.output = nas::CellOutput::kAll;
  all.reduction.output = nas::CellOutput::kAll;
  const Json options = {{"cells", 1}, {"stages", 1}, {"filters", 4}};
  const Shape input = {1, 14, 14};
  const auto nasnet_options = [&input](const nas::Genotype& g) {
    return NasnetOptions(g, 10, input).cells(1).stages(1).filters(4);
  };
  const ModelSummary with_unused = SummarizeNasnet(nasnet_options(unused));
  const ModelSummary with_all = SummarizeNasnet(nasnet_options(all));
  EXPECT_EQ(with_unused.layers.at(1).output_shape, (Shape{4, 14, 14}));
  EXPECT_EQ(with_all.layers.at(1).output_shape, (Shape{2 * 4, 14, 14}));  // blocks * F
  torch::manual_seed(0);
  Net net_unused(Spec(Family(unused, options)), input, 10);
  Net net_all(Spec(Family(all, options)), input, 10);
  // Only the head reads the cell: its linear layer takes 8 channels instead of 4, 40 weights more.
  EXPECT_EQ(CountParameters(*net_all) - CountParameters(*net_unused), 40);
  EXPECT_EQ(with_all.params, CountParameters(*net_all));
  const torch::Tensor x = torch::randn({2, 1, 14, 14});
  EXPECT_EQ(net_all->forward(x).sizes(), (std::vector<int64_t>{2, 10}));
  // Three stages: every cell, reductions included, concatenates both blocks.
  const NasnetOptions three = NasnetOptions(all, 10, {1, 28, 28}).cells(1).filters(4);
  Nasnet nasnet(three);
  const ModelSummary s = SummarizeNasnet(three);
  EXPECT_EQ(s.layers.at(1).output_shape, (Shape{8, 28, 28}));
  EXPECT_EQ(s.layers.at(2).output_shape, (Shape{16, 14, 14}));  // reduction, F = 8
  EXPECT_EQ(s.params, CountParameters(*nasnet));
  EXPECT_EQ(nasnet->forward(torch::randn({2, 1, 28, 28})).sizes(), (std::vector<int64_t>{2, 10}));
}

TEST(NasnetTest, DilConv5x5IsAFiveByFiveConvWithDilationTwo) {
  nas::Genotype dil3;
  dil3.normal.blocks = {MakeBlock(kCPrev, "dil_conv_3x3", kCPrevPrev, "identity")};
  dil3.reduction = dil3.normal;
  nas::Genotype dil5 = dil3;
  dil5.normal.blocks[0].ops[0] = "dil_conv_5x5";
  const auto options = [](const nas::Genotype& g) {
    return NasnetOptions(g, 10, {1, 14, 14}).cells(1).stages(1).filters(4);
  };
  torch::manual_seed(0);
  Nasnet with3(options(dil3));
  Nasnet with5(options(dil5));
  // 5x5 instead of 3x3 weights on 4 -> 4 channels: (25 - 9) * 16 = 256 more.
  EXPECT_EQ(CountParameters(*with5) - CountParameters(*with3), 256);
  const ModelSummary s = SummarizeNasnet(options(dil5));
  EXPECT_EQ(s.params, CountParameters(*with5));
  EXPECT_EQ(s.layers.at(1).output_shape, (Shape{4, 14, 14}));  // dilated "same" padding 4
  EXPECT_EQ(with5->forward(torch::randn({2, 1, 14, 14})).sizes(), (std::vector<int64_t>{2, 10}));
  // Through the model family too, in a reduction cell (stride 2).
  nas::Genotype reduce = dil3;
  reduce.reduction.blocks[0].ops[0] = "dil_conv_5x5";
  Net net(Spec(Family(reduce, {{"cells", 1}, {"filters", 4}})), Shape{1, 28, 28}, 10);
  EXPECT_EQ(net->forward(torch::randn({2, 1, 28, 28})).sizes(), (std::vector<int64_t>{2, 10}));
}

TEST(NasnetFamilyTest, AGenotypePathIsReadWhenTheSpecIs) {
  testing::TempDir dir;
  const std::string path = dir.File("genotype.json");
  std::ofstream(path) << nas::ToJson(HandWritten()).dump(2);
  const ModelSpec from_file = Spec(Json{{"nasnet", {{"genotype", path}, {"filters", 8}}}});
  EXPECT_EQ(from_file, Spec(Family(HandWritten(), {{"filters", 8}})));
  EXPECT_EQ(from_file.ToJson().at("nasnet").at("genotype"), nas::ToJson(HandWritten()))
      << "the spec keeps the genotype, not the path";

  const std::string missing = dir.File("missing.json");
  EXPECT_THROW(Spec(Json{{"nasnet", {{"genotype", missing}}}}), InvalidArgument);
  EXPECT_EQ(SpecError(Json{{"nasnet", {{"genotype", missing}}}}),
            "model: nasnet: genotype file '" + missing + "': no such file");

  const std::string bad = dir.File("bad.json");
  Json bad_genotype = nas::ToJson(HandWritten());
  bad_genotype["reduction"][1]["ops"][0] = "sep_conv_9x9";
  std::ofstream(bad) << bad_genotype.dump();
  const std::string message = SpecError(Json{{"nasnet", {{"genotype", bad}}}});
  EXPECT_THAT(message, HasSubstr("genotype file '" + bad + "'"));
  EXPECT_THAT(message, HasSubstr("reduction[1].ops[0]"));
  const std::string unreadable = dir.File("unreadable.json");
  std::ofstream(unreadable) << "{normal: [";
  EXPECT_THAT(SpecError(Json{{"nasnet", {{"genotype", unreadable}}}}),
              HasSubstr("genotype file '" + unreadable + "'"));
}

// A genotype's JSON in the order it was written, not in canonical form.
Json AsWritten(const nas::Genotype& g) {
  Json json = {{"normal", Json::array()}, {"reduction", Json::array()}};
  for (const char* cell : {"normal", "reduction"}) {
    for (const nas::Block& block :
         (cell == std::string("normal") ? g.normal : g.reduction).blocks) {
      json[cell].push_back(
          {{"inputs", {nas::InputName(block.inputs[0]), nas::InputName(block.inputs[1])}},
           {"ops", {block.ops[0], block.ops[1]}},
           {"combine", block.combine}});
    }
  }
  return json;
}

TEST(NasnetFamilyTest, EqualArchitecturesGiveEqualSpecs) {
  nas::Genotype swapped = HandWritten();
  std::swap(swapped.normal.blocks[1].inputs[0], swapped.normal.blocks[1].inputs[1]);
  std::swap(swapped.normal.blocks[1].ops[0], swapped.normal.blocks[1].ops[1]);
  ASSERT_NE(AsWritten(swapped), AsWritten(HandWritten()));
  const auto spec = [](const nas::Genotype& g) {
    return Spec(Json{{"nasnet", {{"genotype", AsWritten(g)}, {"filters", 8}}}});
  };
  EXPECT_EQ(spec(swapped), spec(HandWritten()));
  EXPECT_EQ(spec(swapped).ToJson().at("nasnet").at("genotype"), nas::ToJson(HandWritten()));
  EXPECT_EQ(spec(swapped), Spec(spec(swapped).ToJson())) << "the canonical form reads back";
  EXPECT_FALSE(spec(swapped) == Spec(Family(HandWritten(), {{"filters", 16}})));
}

TEST(NasnetFamilyTest, KeysAreCheckedWithOneClearLine) {
  const Json genotype = nas::ToJson(HandWritten());
  const std::vector<std::pair<Json, std::string>> bad = {
      {Json{{"nasnet", Json::object()}}, "model: nasnet: genotype: missing"},
      {Json("nasnet"), "model: nasnet: genotype: missing"},
      {Json{{"nasnet", {{"genotype", 3}}}}, "model: nasnet: genotype must be a genotype mapping"},
      {Json{{"nasnet", {{"genotype", {{"normal", Json::array()}}}}}},
       "model: nasnet: genotype: normal: needs 1 to 10 blocks, not 0"},
      {Json{{"nasnet", {{"genotype", genotype}, {"filters", 0}}}},
       "model: nasnet: filters must be a positive integer"},
      {Json{{"nasnet", {{"genotype", genotype}, {"cells", 1001}}}}, "model: nasnet: cells"},
      {Json{{"nasnet", {{"genotype", genotype}, {"filters", 1 << 29}}}},
       "filters 536870912 doubled over 3 stages is too wide"},
      {Json{{"nasnet", {{"genotype", genotype}, {"drop_path", 1.5}}}},
       "model: nasnet: drop_path must be a number in [0, 1]"},
      {Json{{"nasnet", {{"genotype", genotype}, {"dropout", 1}}}}, "model: nasnet: dropout"},
      {Json{{"nasnet", {{"genotype", genotype}, {"auxiliary", "yes"}}}},
       "model: nasnet: auxiliary must be true or false"},
      {Json{{"nasnet", {{"genotype", genotype}, {"auxiliary_weight", -1}}}},
       "model: nasnet: auxiliary_weight must be a finite number >= 0"},
      {Json{{"nasnet", {{"genotype", genotype}, {"auxiliary", true}, {"stages", 2}}}},
       "model: nasnet: auxiliary: the auxiliary head reads the second stage"},
      {Json{{"nasnet", {{"genotype", genotype}, {"filter", 8}}}},
       "model: nasnet: unknown key 'filter'"},
      {Json{{"nasnet", {{"genotype", "{arch}"}}}}, "placeholder left unsubstituted"},
  };
  for (const auto& [json, message] : bad) {
    EXPECT_THAT(SpecError(json), HasSubstr(message)) << json.dump();
  }
  const ModelSpec spec = Spec(Json{{"nasnet", {{"genotype", genotype}}}});
  EXPECT_THROW(spec.Layers(10), InvalidArgument);
  try {
    Summarize(spec, {784}, 10);
    ADD_FAILURE() << "features were accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("model: nasnet: input_shape must be an image (C, H, W)"));
  }
}

TEST(NasnetFamilyTest, ScaleChannelsScalesTheFilters) {
  const nas::Genotype g = HandWritten();
  EXPECT_EQ(Spec(Family(g, {{"filters", 16}, {"cells", 1}})).ScaleChannels(0.5),
            Spec(Family(g, {{"filters", 8}, {"cells", 1}})));
  EXPECT_EQ(Spec(Family(g)).ScaleChannels(0.5), Spec(Family(g, {{"filters", 8}})))
      << "the default of 16 is scaled";
  EXPECT_EQ(Spec(Family(g, {{"filters", 3}})).ScaleChannels(0.1),
            Spec(Family(g, {{"filters", 1}})));
  const ModelSummary full = Summarize(Spec(Family(g)), {1, 14, 14}, 10);
  const ModelSummary half = Summarize(Spec(Family(g)).ScaleChannels(0.5), {1, 14, 14}, 10);
  EXPECT_LT(half.params * 2, full.params) << "convolutions shrink with the square of the width";
}

Nasnet DropPathNet(double drop_path) {
  torch::manual_seed(5);  // the same parameters whatever drop_path is
  return Nasnet(
      NasnetOptions(HandWritten(), 10, {1, 14, 14}).cells(1).filters(4).drop_path(drop_path));
}

TEST(NasnetDropPathTest, OffAtProgressZeroAndInEvalMode) {
  Nasnet plain = DropPathNet(0);
  Nasnet dropping = DropPathNet(1);
  const torch::Tensor x = torch::randn({4, 1, 14, 14});
  plain->eval();
  dropping->eval();
  dropping->set_progress(1);
  EXPECT_TRUE(torch::equal(dropping->forward(x), plain->forward(x))) << "eval mode";
  plain->train();
  dropping->train();
  dropping->set_progress(0);
  EXPECT_EQ(dropping->drop_probability(), 0);
  EXPECT_TRUE(torch::equal(dropping->forward(x), plain->forward(x))) << "progress 0";
  dropping->set_progress(0.5);
  EXPECT_EQ(dropping->drop_probability(), 0.5);
  EXPECT_THROW(dropping->set_progress(1.5), InvalidArgument);
}

TEST(NasnetDropPathTest, AllBranchesDroppedLeaveOnlyTheHeadsBias) {
  Nasnet net = DropPathNet(1);
  net->train();
  net->set_progress(1);
  const torch::Tensor logits = net->forward(torch::randn({4, 1, 14, 14}));
  // Every cell outputs zeros, which batchnorm (beta 0 at initialization) keeps zero, so the head
  // sees zeros and gives its bias for every example.
  torch::Tensor bias;
  for (const auto& p : net->named_parameters()) {
    if (p.key().rfind("head.", 0) == 0 && p.key().find("bias") != std::string::npos) {
      bias = p.value();
    }
  }
  ASSERT_TRUE(bias.defined());
  EXPECT_TRUE(torch::allclose(logits, bias.detach().expand({4, 10})));
  EXPECT_FALSE(torch::allclose(logits[0], logits[0].mean())) << "the bias is not constant";
}

TEST(NasnetDropPathTest, EachExampleIsDroppedWholeOrScaled) {
  torch::manual_seed(3);
  const torch::Tensor x = torch::rand({200, 2, 3, 3}) + 1;
  const torch::Tensor y = nasnet::DropPath(x, 0.25);
  int64_t dropped = 0;
  for (int64_t i = 0; i < x.size(0); ++i) {
    if (y[i].abs().sum().item<double>() == 0) {
      ++dropped;
    } else {
      EXPECT_TRUE(torch::allclose(y[i], x[i] / 0.75)) << i;
    }
  }
  EXPECT_GT(dropped, 25);  // about 50 of 200
  EXPECT_LT(dropped, 80);
  EXPECT_TRUE(torch::equal(nasnet::DropPath(x, 0), x));
  EXPECT_EQ(nasnet::DropPath(x, 1).abs().sum().item<double>(), 0);
}

// ---- Training through the Trainer. ----

constexpr const char* kTraining = R"(
task: fashion-mnist
data: {fraction: 0.02, resolution: 14}
model: cnn
optimizer: {name: adam, lr: 0.01}
epochs: 2
batch_size: 64
threads: 1
seed: 0
device: cpu
)";

TrainConfig NasnetConfig(const Json& family_options) {
  Rng rng(3);
  const nas::Genotype g = nas::Sample(rng, nas::CellSpaceOptions());
  Json json = ParseYaml(kTraining, "t");
  json["model"] = Family(g, family_options);
  return TrainConfig::FromJson(json, "t");
}

const DataSplits& Data(const TrainConfig& config) {
  static std::map<std::string, std::unique_ptr<DataSplits>> cache;
  const std::string key = config.data.ToJson().dump();
  if (!cache.count(key)) {
    cache[key] = std::make_unique<DataSplits>(LoadData(config.task, config.data));
  }
  return *cache[key];
}

TEST(NasnetTrainingTest, ASampledGenotypeLearnsWithDropPath) {
  const TrainConfig config = NasnetConfig({{"filters", 4}, {"cells", 1}, {"drop_path", 0.2}});
  Trainer trainer(config, Data(config));
  const TrainResult r = trainer.Train();
  EXPECT_EQ(r.epochs_run, 2);
  RecordProperty("val_accuracy", std::to_string(r.val_accuracy));
  EXPECT_GT(r.val_accuracy, 0.1);
  EXPECT_EQ(r.params, CountParameters(*trainer.net()));
  const auto nasnet = NasnetOf(trainer.net());
  EXPECT_GT(nasnet->progress(), 0.9) << "the trainer tells the network how far it is";
  EXPECT_LT(nasnet->progress(), 1);
}

TEST(NasnetTrainingTest, TheAuxiliaryHeadTrainsAlong) {
  const TrainConfig config =
      NasnetConfig({{"filters", 4}, {"cells", 1}, {"auxiliary", true}, {"auxiliary_weight", 0.4}});
  Trainer trainer(config, Data(config));
  Net& net = trainer.net();
  EXPECT_DOUBLE_EQ(net->auxiliary_weight(), 0.4);
  std::map<std::string, torch::Tensor> before;
  for (const auto& p : net->named_parameters()) before[p.key()] = p.value().clone();
  const TrainResult r = trainer.Train();
  RecordProperty("val_accuracy", std::to_string(r.val_accuracy));
  EXPECT_GT(r.val_accuracy, 0.1);
  int64_t auxiliary = 0;
  for (const auto& p : net->named_parameters()) {
    if (p.key().find("auxiliary") == std::string::npos) continue;
    ++auxiliary;
    EXPECT_FALSE(torch::equal(p.value(), before[p.key()])) << p.key() << " did not train";
  }
  EXPECT_GT(auxiliary, 0);
  net->train();
  EXPECT_TRUE(
      net->forward_with_auxiliary(Data(config).validation.inputs.narrow(0, 0, 2)).second.defined());
}

}  // namespace
}  // namespace automl::dl
