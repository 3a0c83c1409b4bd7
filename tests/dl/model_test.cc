#include "automl/dl/model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "automl/json.h"

namespace automl::dl {
namespace {

using ::testing::HasSubstr;
using Shape = std::vector<int64_t>;

ModelSpec Spec(const std::string& json) { return ModelSpec::FromJson(Json::parse(json)); }

// The message FromJson refuses |json| with ("" when it accepts it).
std::string SpecError(const std::string& json) {
  try {
    Spec(json);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

std::string SummaryError(const std::string& json, const Shape& input, int64_t classes) {
  const ModelSpec spec = Spec(json);
  try {
    Summarize(spec, input, classes);
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

std::shared_ptr<torch::nn::SequentialImpl> Body(const Net& net) {
  auto body = std::dynamic_pointer_cast<torch::nn::SequentialImpl>(net->named_children()["body"]);
  EXPECT_NE(body, nullptr);
  return body;
}

// Runs |x| through |seq| module by module, checking each module's parameters and output shape
// against its summary; residuals are checked inside (their layers and shortcut) as well.
torch::Tensor CheckLayers(torch::nn::SequentialImpl& seq, const std::vector<LayerSummary>& layers,
                          torch::Tensor x, const std::string& where) {
  EXPECT_EQ(seq.size(), layers.size()) << where;
  if (seq.size() != layers.size()) return x;
  size_t i = 0;
  for (auto& module : seq) {
    const LayerSummary& layer = layers[i];
    const std::string here = where + "[" + std::to_string(i) + "] " + layer.kind;
    EXPECT_EQ(CountParameters(*module.ptr()), layer.params) << here;
    if (layer.kind == "residual") {
      auto children = module.ptr()->named_children();
      auto inner = std::dynamic_pointer_cast<torch::nn::SequentialImpl>(children["layers"]);
      EXPECT_NE(inner, nullptr) << here;
      std::vector<LayerSummary> inner_layers = layer.inner;
      const bool projection = !inner_layers.empty() && inner_layers.back().kind == "shortcut";
      EXPECT_EQ(children.contains("shortcut"), projection) << here;
      if (projection) {
        EXPECT_EQ(CountParameters(*children["shortcut"]), inner_layers.back().params) << here;
        inner_layers.pop_back();
      }
      if (inner) CheckLayers(*inner, inner_layers, x, here + ".residual");
    }
    x = module.forward(x);
    EXPECT_EQ(x.sizes().vec(), WithBatch(x.size(0), layer.output_shape)) << here;
    ++i;
  }
  return x;
}

// Builds the network and checks that the summary (computed without modules) agrees with it:
// parameters of every layer and of the whole, and every layer's output shape.
void ExpectSummaryMatchesModule(const ModelSpec& spec, const Shape& input, int64_t classes) {
  SCOPED_TRACE(spec.ToJson().dump());
  torch::manual_seed(0);
  Net net(spec, input, classes);
  const ModelSummary& summary = net->summary();
  EXPECT_EQ(summary.params, CountParameters(*net));
  EXPECT_EQ(summary.input_shape, input);
  EXPECT_EQ(summary.output_shape, Shape{classes});
  int64_t params = 0, flops = 0;
  for (const LayerSummary& layer : summary.layers) {
    params += layer.params;
    flops += layer.flops;
  }
  EXPECT_EQ(params, summary.params);
  EXPECT_EQ(flops, summary.flops);
  net->eval();
  const torch::Tensor x = torch::randn(WithBatch(3, input));
  CheckLayers(*Body(net), summary.layers, x, "body");
  EXPECT_EQ(net->forward(x).sizes().vec(), (Shape{3, classes}));
  // Training mode too (batchnorm on batch statistics, dropout active): same shapes.
  net->train();
  EXPECT_EQ(net->forward(x).sizes().vec(), (Shape{3, classes}));
}

// The summary of one layer on |input|, followed by a flatten and a one-output head so that the
// model is complete; the layer is also built and checked against its module.
LayerSummary One(const Json& layer, const Shape& input) {
  const ModelSpec spec = ModelSpec::FromJson(
      Json{{"layers", Json::array({layer, Json{{"flatten", true}}, Json{{"linear", 1}}})}});
  ExpectSummaryMatchesModule(spec, input, 1);
  return Summarize(spec, input, 1).layers.at(0);
}

const char* const kReference = R"({"layers": [
    {"conv": 32, "kernel": 5, "padding": 2, "activation": "relu"}, {"maxpool": 2},
    {"conv": 64, "kernel": 5, "padding": 2, "activation": "relu"}, {"maxpool": 2},
    {"flatten": true}, {"linear": 1024, "activation": "relu"}, {"dropout": 0.4},
    {"linear": 10}]})";

// ---- Reading specs. ----

TEST(ModelSpecTest, LayerListReadsToCanonicalFormAndRoundTrips) {
  // Options out of order, an integral float, YAML's `flatten:` (null), an int rate, shorthands.
  const ModelSpec spec = Spec(R"({"layers": [
      {"activation": "relu", "kernel": 5.0, "conv": 32, "padding": 2},
      {"stride": 2, "maxpool": 2}, "batchnorm", {"flatten": null}, "relu", {"globalpool": true},
      {"dropout": 0}, {"residual": [{"linear": 4}], "activation": "gelu"}]})");
  EXPECT_EQ(spec.ToJson().dump(),
            R"({"layers":[{"conv":32,"kernel":5,"padding":2,"activation":"relu"},)"
            R"({"maxpool":2,"stride":2},{"batchnorm":true},{"flatten":true},)"
            R"({"activation":"relu"},{"globalpool":"avg"},{"dropout":0.0},)"
            R"({"residual":[{"linear":4}],"activation":"gelu"}]})");
  EXPECT_EQ(ModelSpec::FromJson(spec.ToJson()), spec);
  EXPECT_EQ(ModelSpec::FromJson(spec.ToJson()).ToJson().dump(), spec.ToJson().dump());
  // Written differently, meaning the same: equal.
  EXPECT_EQ(
      Spec(R"({"layers": [{"conv": 32, "kernel": 5, "padding": 2, "activation": "relu"}]})"),
      Spec(R"({"layers": [{"kernel": 5, "activation": "relu", "padding": 2.0, "conv": 32}]})"));
  EXPECT_EQ(Spec(R"([{"flatten": true}, {"linear": 3}])"),
            Spec(R"({"layers": ["flatten", {"linear": 3}]})"));
  EXPECT_FALSE(Spec(R"([{"linear": 3}])") == Spec(R"([{"linear": 4}])"));
  // A layer list is its own layer list, whatever the number of classes.
  EXPECT_EQ(Spec(kReference).Layers(10), Spec(kReference).ToJson().at("layers"));
  EXPECT_EQ(ModelSpec::FromJson(Spec(kReference).ToJson()), Spec(kReference));
}

TEST(ModelSpecTest, FamiliesRoundTripAndExpand) {
  for (const char* json : {R"({"mlp": {"hidden": [256, 128], "dropout": 0.1}})",
                           R"({"mlp": {"depth": 3, "width": 64, "batchnorm": true}})",
                           R"({"cnn": {"depth": 2, "width": 32, "kernel": 3, "batchnorm": true,
                                       "dropout": 0.25, "fc": 128}})",
                           R"({"resnet": {"stages": 3, "blocks": 2, "width": 16}})"}) {
    const ModelSpec spec = Spec(json);
    EXPECT_EQ(ModelSpec::FromJson(spec.ToJson()), spec) << json;
  }
  // Canonical option order; a family name alone, or with no options, is the family's defaults.
  EXPECT_EQ(Spec(R"({"mlp": {"width": 64.0, "depth": 3}})").ToJson().dump(),
            R"({"mlp":{"width":64,"depth":3}})");
  EXPECT_EQ(Spec(R"("cnn")"), Spec(R"({"cnn": {}})"));
  EXPECT_EQ(Spec(R"({"cnn": null})"), Spec(R"({"cnn": {}})"));
  EXPECT_EQ(Spec(R"("resnet")").ToJson().dump(), R"({"resnet":{}})");

  EXPECT_EQ(Spec(R"("cnn")").Layers(10).dump(),
            R"([{"conv":32,"kernel":3,"activation":"relu"},{"maxpool":2},)"
            R"({"conv":64,"kernel":3,"activation":"relu"},{"maxpool":2},{"flatten":true},)"
            R"({"linear":128,"activation":"relu"},{"linear":10}])");
  EXPECT_EQ(Spec(R"({"mlp": {"hidden": [8], "dropout": 0.5, "batchnorm": true}})").Layers(3).dump(),
            R"([{"flatten":true},{"linear":8,"batchnorm":true,"activation":"relu"},)"
            R"({"dropout":0.5},{"linear":3}])");
  EXPECT_EQ(Spec(R"({"resnet": {"stages": 2, "blocks": 1, "width": 4}})").Layers(5).dump(),
            R"([{"conv":4,"kernel":3,"batchnorm":true,"activation":"relu"},)"
            R"({"residual":[{"conv":4,"kernel":3,"batchnorm":true,"activation":"relu"},)"
            R"({"conv":4,"kernel":3,"batchnorm":true}],"activation":"relu"},)"
            R"({"residual":[{"conv":8,"kernel":3,"stride":2,"batchnorm":true,"activation":"relu"},)"
            R"({"conv":8,"kernel":3,"batchnorm":true}],"activation":"relu"},)"
            R"({"globalpool":"avg"},{"linear":5}])");
  // Every expansion is itself a valid layer list, in canonical form.
  for (const char* family : {R"("mlp")", R"("cnn")", R"("resnet")"}) {
    const Json layers = Spec(family).Layers(10);
    EXPECT_EQ(ModelSpec::FromJson(Json{{"layers", layers}}).ToJson().at("layers"), layers)
        << family;
  }
  EXPECT_THROW(ModelSpec().Layers(10), InvalidArgument);
  EXPECT_THROW(Spec(R"("cnn")").Layers(0), InvalidArgument);
}

TEST(ModelSpecTest, RefusalsNameTheLayerAndTheProblemInOneLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"layers": [{"convv": 32}]})",
       "model: layers[0]: unknown layer kind 'convv' (known: conv, sepconv, dwconv, batchnorm, "
       "activation, maxpool, avgpool, globalpool, flatten, linear, dropout, residual)"},
      {R"({"layers": [{"flatten": true}, {"linear": 3}, {"conv": 8, "kernal": 3}]})",
       "model: layers[2] (conv): unknown key 'kernal' (known: kernel, stride, padding, dilation, "
       "groups, bias, batchnorm, activation)"},
      {R"({"layers": [{"dropout": 0.5, "activation": "relu"}]})",
       "model: layers[0]: one kind per layer, not both 'dropout' and 'activation'"},
      {R"({"layers": [{"flatten": true, "bias": false}]})",
       "model: layers[0] (flatten): unknown key 'bias' (a flatten layer takes no options)"},
      {R"({"layers": [{"conv": -3}]})",
       "model: layers[0] (conv): the output channels must be a positive integer, not -3"},
      {R"({"layers": [{"conv": 8, "kernel": 2.5}]})",
       "model: layers[0] (conv): kernel must be a positive integer, not 2.5"},
      {R"({"layers": [{"conv": 8, "stride": 0}]})",
       "model: layers[0] (conv): stride must be a positive integer, not 0"},
      {R"({"layers": [{"conv": 8, "kernel": 4}]})",
       "model: layers[0] (conv): kernel 4 is even, and the default padding \"same\" needs an odd "
       "kernel; give padding as a number"},
      {R"({"layers": [{"dwconv": 2, "padding": "same"}]})",
       "model: layers[0] (dwconv): padding \"same\" needs an odd kernel, not 2"},
      {R"({"layers": [{"conv": 8, "padding": "valid"}]})",
       "model: layers[0] (conv): padding must be \"same\" or a non-negative integer, not "
       "\"valid\""},
      {R"({"layers": [{"conv": 8, "padding": -1}]})",
       "model: layers[0] (conv): padding must be a non-negative integer, not -1"},
      {R"({"layers": [{"conv": 8, "bias": "yes"}]})",
       "model: layers[0] (conv): bias must be true or false, not \"yes\""},
      {R"({"layers": [{"linear": 8, "activation": "relu7"}]})",
       "model: layers[0] (linear): activation must be one of relu, relu6, gelu, silu, tanh, "
       "sigmoid, leaky_relu, elu, none, not \"relu7\""},
      {R"({"layers": [{"dropout": 1.0}]})",
       "model: layers[0] (dropout): the rate must be a number in [0, 1), not 1.0"},
      {R"({"layers": [{"dropout": -0.1}]})",
       "model: layers[0] (dropout): the rate must be a number in [0, 1), not -0.1"},
      {R"({"layers": [{"maxpool": 3, "padding": 2}]})",
       "model: layers[0] (maxpool): padding 2 must be at most half the window (3)"},
      {R"({"layers": [{"maxpool": 2, "padding": "same"}]})",
       "model: layers[0] (maxpool): padding must be a non-negative integer, not \"same\""},
      {R"({"layers": [{"globalpool": "mean"}]})",
       "model: layers[0] (globalpool): must be avg or max, not \"mean\""},
      {R"({"layers": [{"flatten": false}]})",
       "model: layers[0] (flatten): flatten: false adds nothing; remove the layer"},
      {R"({"layers": [{"residual": []}]})",
       "model: layers[0] (residual): needs a non-empty list of layers, not []"},
      {R"({"layers": [{"residual": [{"conv": 8}, {"conv": 8, "kernel": 0}]}]})",
       "model: layers[0].residual[1] (conv): kernel must be a positive integer, not 0"},
      {R"({"layers": [{"conv": 8}, 3]})",
       "model: layers[1]: a layer is a mapping such as {conv: 32}, not 3"},
      {R"({"layers": ["conv"]})", "model: layers[0]: unknown layer 'conv'"},
      {R"({"layers": []})", "model: layers: must be a non-empty list of layers, not []"},
      {R"({"layers": [{}]})", "model: layers[0]: an empty layer"},
      {R"({"layers": [{"conv": 3000000000}]})",
       "model: layers[0] (conv): the output channels must be at most 1073741824"},
      // Leftover placeholders: named as such, wherever they are.
      {R"({"layers": [{"conv": "{channels}", "kernel": 3}]})",
       "model: layers[0] (conv): the output channels is \"{channels}\", a placeholder left "
       "unsubstituted (substitute the trial's parameters first)"},
      {R"({"layers": [{"linear": 10, "activation": "{act}"}]})",
       "model: layers[0] (linear): activation is \"{act}\", a placeholder left unsubstituted"},
      {R"({"layers": [{"{op}": 3}]})",
       "model: layers[0]: the layer kind '{op}' is a placeholder left unsubstituted"},
      {R"({"layers": ["{layer}"]})",
       "model: layers[0]: the layer is \"{layer}\", a placeholder left unsubstituted"},
      {R"("{model}")", "model: the model is \"{model}\", a placeholder left unsubstituted"},
      {R"({"cnn": {"width": "{w}"}})",
       "model: cnn: width is \"{w}\", a placeholder left unsubstituted"},
      // The model itself and the families.
      {R"({"layer": []})", "model: unknown key 'layer' (known: layers, mlp, cnn, resnet, nasnet, chain, hmnas)"},
      {R"({"mlp": {}, "cnn": {}})",
       "model: give one of layers, mlp, cnn, resnet, nasnet, chain, hmnas, not both "
       "'mlp' and 'cnn'"},
      {R"("vgg")",
       "model: unknown family 'vgg' (known: mlp, cnn, resnet, nasnet, chain, hmnas; or {layers: [...]})"},
      {R"(3)", "model: must be {layers: [...]} or a family such as {cnn: {...}}, not 3"},
      {R"({"cnn": {"widht": 3}})",
       "model: cnn: unknown key 'widht' (known: depth, width, kernel, batchnorm, dropout, fc, "
       "activation)"},
      {R"({"cnn": {"kernel": 4}})",
       "model: cnn: kernel must be odd (the convolutions keep the image size), not 4"},
      {R"({"cnn": {"fc": -1}})", "model: cnn: fc must be a non-negative integer, not -1"},
      {R"({"mlp": {"hidden": [64], "depth": 2}})",
       "model: mlp: give hidden, or width and depth, not both"},
      {R"({"mlp": {"hidden": [64, 0]}})",
       "model: mlp: hidden sizes must be a positive integer, not 0"},
      {R"({"mlp": {"dropout": 1.5}})", "model: mlp: dropout must be a number in [0, 1), not 1.5"},
      {R"({"resnet": {"stages": 0}})", "model: resnet: stages must be a positive integer, not 0"},
      {R"({"resnet": {"stages": 40}})",
       "model: resnet: width 16 doubled over 40 stages is too "
       "wide"},
      {R"({"resnet": [1]})", "model: resnet: the options must be a mapping, not [1]"},
  };
  for (const auto& [json, message] : cases) {
    const std::string error = SpecError(json);
    EXPECT_THAT(error, HasSubstr(message)) << json;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

// ---- Summaries: shapes, parameters and FLOPs by hand. ----

TEST(SummarizeTest, ReferenceModelCountsByHand) {
  const ModelSummary s = Summarize(Spec(kReference), {1, 28, 28}, 10);
  ASSERT_EQ(s.layers.size(), 8u);
  // conv 1->32 5x5 + bias; conv 32->64 5x5 + bias; linear 7*7*64 -> 1024; linear 1024 -> 10.
  const std::vector<int64_t> params = {1 * 25 * 32 + 32,         0, 32 * 25 * 64 + 64, 0, 0,
                                       7 * 7 * 64 * 1024 + 1024, 0, 1024 * 10 + 10};
  // conv: Cout * Hout * Wout * Cin * k * k; linear: in * out; pools, flatten, dropout: 0.
  const std::vector<int64_t> flops = {
      32 * 28 * 28 * 1 * 25, 0, 64 * 14 * 14 * 32 * 25, 0, 0, 3136 * 1024, 0, 1024 * 10};
  const std::vector<Shape> shapes = {{32, 28, 28}, {32, 14, 14}, {64, 14, 14}, {64, 7, 7},
                                     {3136},       {1024},       {1024},       {10}};
  const std::vector<std::string> kinds = {"conv",    "maxpool", "conv",    "maxpool",
                                          "flatten", "linear",  "dropout", "linear"};
  for (size_t i = 0; i < s.layers.size(); ++i) {
    EXPECT_EQ(s.layers[i].kind, kinds[i]) << i;
    EXPECT_EQ(s.layers[i].params, params[i]) << i;
    EXPECT_EQ(s.layers[i].flops, flops[i]) << i;
    EXPECT_EQ(s.layers[i].output_shape, shapes[i]) << i;
  }
  EXPECT_EQ(s.params, 832 + 51264 + 3212288 + 10250);
  EXPECT_EQ(s.params, 3274634);
  EXPECT_EQ(s.flops, 627200 + 10035200 + 3211264 + 10240);
  EXPECT_EQ(s.input_shape, (Shape{1, 28, 28}));
  EXPECT_EQ(s.output_shape, Shape{10});

  torch::manual_seed(0);
  Net net(Spec(kReference), Shape{1, 28, 28}, 10);
  EXPECT_EQ(CountParameters(*net), 3274634);
  EXPECT_EQ(net->forward(torch::zeros({2, 1, 28, 28})).sizes().vec(), (Shape{2, 10}));
  ExpectSummaryMatchesModule(Spec(kReference), {1, 28, 28}, 10);
}

TEST(SummarizeTest, ConvolutionsByHand) {
  // 3x8x8, kernel 3, stride 2, padding 1: (8 + 2 - 3) / 2 + 1 = 4.
  LayerSummary l = One(Json{{"conv", 8}, {"kernel", 3}, {"stride", 2}, {"padding", 1}}, {3, 8, 8});
  EXPECT_EQ(l.output_shape, (Shape{8, 4, 4}));
  EXPECT_EQ(l.params, 8 * 3 * 9 + 8);
  EXPECT_EQ(l.flops, 8 * 4 * 4 * 3 * 9);
  // Dilation 2 with "same" padding (2 * (3 - 1) / 2 = 2) keeps 10x10; 2 groups: Cin / groups = 2.
  l = One(Json{{"conv", 8}, {"kernel", 3}, {"dilation", 2}, {"groups", 2}}, {4, 10, 10});
  EXPECT_EQ(l.output_shape, (Shape{8, 10, 10}));
  EXPECT_EQ(l.params, 8 * 2 * 9 + 8);
  EXPECT_EQ(l.flops, 8 * 10 * 10 * 2 * 9);
  // Batchnorm drops the bias and adds a weight and a bias per channel.
  l = One(Json{{"conv", 16}, {"kernel", 5}, {"batchnorm", true}, {"activation", "relu"}},
          {3, 8, 8});
  EXPECT_EQ(l.output_shape, (Shape{16, 8, 8}));
  EXPECT_EQ(l.params, 16 * 3 * 25 + 2 * 16);
  EXPECT_EQ(l.flops, 16 * 8 * 8 * 3 * 25);
  // ...unless the bias is asked for.
  l = One(Json{{"conv", 16}, {"kernel", 5}, {"bias", true}, {"batchnorm", true}}, {3, 8, 8});
  EXPECT_EQ(l.params, 16 * 3 * 25 + 16 + 2 * 16);
  // An even kernel with explicit padding 0, stride 3: (10 - 4) / 3 + 1 = 3.
  l = One(Json{{"conv", 2}, {"kernel", 4}, {"stride", 3}, {"padding", 0}}, {1, 10, 10});
  EXPECT_EQ(l.output_shape, (Shape{2, 3, 3}));
  EXPECT_EQ(l.params, 2 * 16 + 2);
  EXPECT_EQ(l.flops, 2 * 3 * 3 * 16);
  // "same" with stride 2 gives ceil(7 / 2) = 4, as TensorFlow's "same".
  l = One(Json{{"conv", 2}, {"kernel", 5}, {"stride", 2}}, {1, 7, 7});
  EXPECT_EQ(l.output_shape, (Shape{2, 4, 4}));
  // Depthwise: channels unchanged, one k x k filter per channel.
  l = One(Json{{"dwconv", 3}, {"stride", 2}}, {6, 8, 8});
  EXPECT_EQ(l.output_shape, (Shape{6, 4, 4}));
  EXPECT_EQ(l.params, 6 * 9 + 6);
  EXPECT_EQ(l.flops, 6 * 4 * 4 * 9);
  l = One(Json{{"dwconv", 5}, {"batchnorm", true}, {"activation", "relu6"}}, {6, 8, 8});
  EXPECT_EQ(l.params, 6 * 25 + 2 * 6);
  EXPECT_EQ(l.flops, 6 * 8 * 8 * 25);
  // Separable: depthwise 3x3 on 8 channels (+ batchnorm), then pointwise 8 -> 16 (+ batchnorm).
  l = One(Json{{"sepconv", 16}, {"kernel", 3}, {"batchnorm", true}, {"activation", "relu"}},
          {8, 8, 8});
  EXPECT_EQ(l.output_shape, (Shape{16, 8, 8}));
  EXPECT_EQ(l.params, (8 * 9 + 2 * 8) + (8 * 16 + 2 * 16));
  EXPECT_EQ(l.flops, 8 * 8 * 8 * 9 + 16 * 8 * 8 * 8);
  // With biases on both, stride 2 on the depthwise part.
  l = One(Json{{"sepconv", 4}, {"stride", 2}}, {2, 6, 6});
  EXPECT_EQ(l.output_shape, (Shape{4, 3, 3}));
  EXPECT_EQ(l.params, (2 * 9 + 2) + (2 * 4 + 4));
  EXPECT_EQ(l.flops, 2 * 3 * 3 * 9 + 4 * 3 * 3 * 2);
}

TEST(SummarizeTest, OtherLayersByHand) {
  LayerSummary l = One(Json{{"linear", 7}}, {20});
  EXPECT_EQ(l.params, 20 * 7 + 7);
  EXPECT_EQ(l.flops, 20 * 7);
  l = One(Json{{"linear", 7}, {"batchnorm", true}}, {20});
  EXPECT_EQ(l.params, 20 * 7 + 2 * 7);
  EXPECT_EQ(l.flops, 20 * 7);
  l = One(Json{{"linear", 7}, {"bias", false}}, {20});
  EXPECT_EQ(l.params, 20 * 7);
  // Batchnorm: a weight and a bias per channel (running statistics are buffers), no FLOPs.
  l = One(Json{{"batchnorm", true}}, {5, 4, 4});
  EXPECT_EQ(l.params, 10);
  EXPECT_EQ(l.flops, 0);
  EXPECT_EQ(One(Json{{"batchnorm", true}}, {12}).params, 24);
  // Pools: (9 + 2 - 3) / 2 + 1 = 5; stride defaults to the window: 9 / 2 = 4.
  l = One(Json{{"maxpool", 3}, {"stride", 2}, {"padding", 1}}, {4, 9, 9});
  EXPECT_EQ(l.output_shape, (Shape{4, 5, 5}));
  EXPECT_EQ(l.params + l.flops, 0);
  EXPECT_EQ(One(Json{{"avgpool", 2}}, {4, 9, 9}).output_shape, (Shape{4, 4, 4}));
  EXPECT_EQ(One(Json{{"globalpool", "max"}}, {4, 9, 9}).output_shape, Shape{4});
  EXPECT_EQ(One(Json{{"flatten", true}}, {4, 9, 9}).output_shape, Shape{324});
  EXPECT_EQ(One(Json{{"flatten", true}}, {7}).output_shape, Shape{7});
  for (const char* activation :
       {"relu", "relu6", "gelu", "silu", "tanh", "sigmoid", "leaky_relu", "elu", "none"}) {
    l = One(Json{{"activation", activation}}, {3, 4, 4});
    EXPECT_EQ(l.output_shape, (Shape{3, 4, 4})) << activation;
    EXPECT_EQ(l.params + l.flops, 0) << activation;
  }
  l = One(Json{{"dropout", 0.3}}, {3, 4, 4});
  EXPECT_EQ(l.params + l.flops, 0);
}

TEST(SummarizeTest, ResidualsByHand) {
  // Shapes kept: identity shortcut, two 3x3 convolutions 8 -> 8 with batchnorm.
  const Json conv8bn{{"conv", 8}, {"batchnorm", true}};
  LayerSummary l = One(
      Json{{"residual",
            Json::array({Json{{"conv", 8}, {"batchnorm", true}, {"activation", "relu"}}, conv8bn})},
           {"activation", "relu"}},
      {8, 6, 6});
  EXPECT_EQ(l.output_shape, (Shape{8, 6, 6}));
  EXPECT_EQ(l.params, 2 * (8 * 8 * 9 + 2 * 8));
  EXPECT_EQ(l.flops, 2 * (8 * 6 * 6 * 8 * 9));
  ASSERT_EQ(l.inner.size(), 2u);  // no shortcut row
  // Shape changed: 8x6x6 -> 16x3x3; the shortcut is a 1x1 convolution, stride 6 / 3 = 2, with
  // batchnorm and no bias.
  l = One(Json{{"residual", Json::array({Json{{"conv", 16}, {"stride", 2}, {"batchnorm", true}},
                                         Json{{"conv", 16}, {"batchnorm", true}}})}},
          {8, 6, 6});
  EXPECT_EQ(l.output_shape, (Shape{16, 3, 3}));
  const int64_t conv1 = 16 * 8 * 9 + 2 * 16, conv2 = 16 * 16 * 9 + 2 * 16;
  const int64_t shortcut = 8 * 16 + 2 * 16;
  EXPECT_EQ(l.params, conv1 + conv2 + shortcut);
  EXPECT_EQ(l.flops, 16 * 3 * 3 * 8 * 9 + 16 * 3 * 3 * 16 * 9 + 16 * 3 * 3 * 8);
  ASSERT_EQ(l.inner.size(), 3u);
  EXPECT_EQ(l.inner[2].kind, "shortcut");
  EXPECT_EQ(l.inner[2].params, shortcut);
  EXPECT_EQ(l.inner[2].flops, 16 * 3 * 3 * 8);
  EXPECT_EQ(l.inner[2].detail, "conv 1x1 stride=2 + batchnorm");
  // An odd size: 7 -> ceil(7 / 2) = 4, which a stride-2 1x1 convolution also gives.
  l = One(Json{{"residual", Json::array({Json{{"conv", 4}, {"stride", 2}}})}}, {2, 7, 7});
  EXPECT_EQ(l.output_shape, (Shape{4, 4, 4}));
  EXPECT_EQ(l.params, (4 * 2 * 9 + 4) + (2 * 4 + 2 * 4));
  // Channels only: stride 1.
  l = One(Json{{"residual", Json::array({Json{{"conv", 4}}})}}, {2, 5, 5});
  EXPECT_EQ(l.inner.back().detail, "conv 1x1 stride=1 + batchnorm");
  // On features: a linear projection with batchnorm.
  l = One(Json{{"residual", Json::array({Json{{"linear", 30}}})}}, {20});
  EXPECT_EQ(l.params, (20 * 30 + 30) + (20 * 30 + 2 * 30));
  EXPECT_EQ(l.flops, 20 * 30 + 20 * 30);
  // Nested residuals.
  l = One(Json{{"residual", Json::array({Json{{"residual", Json::array({Json{{"conv", 3}}})}},
                                         Json{{"conv", 6}, {"stride", 2}}})}},
          {3, 8, 8});
  EXPECT_EQ(l.output_shape, (Shape{6, 4, 4}));
  EXPECT_EQ(l.params, (3 * 3 * 9 + 3) + (6 * 3 * 9 + 6) + (3 * 6 + 2 * 6));
}

TEST(SummarizeTest, RefusalsNameTheLayer) {
  const std::vector<std::tuple<std::string, Shape, std::string>> cases = {
      {R"([{"conv": 8}, {"linear": 10}])",
       {1, 28, 28},
       "model: layers[1] (linear): its input is a 8x28x28 image; add {flatten: true} (or "
       "{globalpool: avg}) before it"},
      {R"([{"conv": 8}, {"flatten": true}, {"linear": 10}])",
       {784},
       "model: layers[0] (conv): needs an image input (C, H, W), not 784 features"},
      {R"([{"globalpool": "avg"}, {"linear": 10}])",
       {784},
       "model: layers[0] (globalpool): needs an image input (C, H, W), not 784 features"},
      {R"([{"conv": 8, "kernel": 7, "padding": 0}, {"flatten": true}, {"linear": 10}])",
       {1, 5, 5},
       "model: layers[0] (conv): the kernel 7 is larger than its 5x5 input"},
      {R"([{"conv": 8, "kernel": 3, "dilation": 4, "padding": 1}, "flatten", {"linear": 10}])",
       {1, 5, 5},
       "model: layers[0] (conv): the kernel 3 (dilation 4) is larger than its 5x5 input padded "
       "by 1"},
      {R"([{"maxpool": 2}, {"maxpool": 2}, {"maxpool": 2}, "flatten", {"linear": 10}])",
       {1, 4, 4},
       "model: layers[2] (maxpool): the window 2 is larger than its 1x1 input"},
      {R"([{"conv": 6, "groups": 4}, "flatten", {"linear": 10}])",
       {4, 3, 3},
       "model: layers[0] (conv): groups 4 must divide the input channels (4) and the output "
       "channels (6)"},
      {R"([{"flatten": true}, {"linear": 12}])",
       {1, 28, 28},
       "model: the last layer gives 12 outputs; the task has 10 classes"},
      {R"([{"conv": 8}])",
       {1, 28, 28},
       "model: the last layer gives a 8x28x28 output; the task needs 10 class scores: end with "
       "{flatten: true} and {linear: 10}"},
      {R"([{"residual": [{"conv": 8}, {"flatten": true}]}, {"linear": 10}])",
       {1, 4, 4},
       "model: layers[0] (residual): the inner layers turn a 1x4x4 image into 128 features"},
      {R"([{"residual": [{"conv": 2, "kernel": 3, "padding": 2}]}, "flatten", {"linear": 10}])",
       {1, 4, 4},
       "model: layers[0] (residual): no 1x1 shortcut takes 1x4x4 to the inner "
       "layers' 2x6x6"},
      {R"([{"residual": [{"conv": 2, "kernel": 5, "padding": 0}, {"conv": 2, "kernel": 3}]},
           "flatten", {"linear": 10}])",
       {1, 3, 3},
       "model: layers[0].residual[0] (conv): the kernel 5 is larger than its 3x3 input"},
      {R"([{"flatten": true}, {"linear": 10}])",
       {28, 28},
       "model: the input shape must be (C, H, W) or (F) of positive sizes, not (28x28)"},
      {R"([{"flatten": true}, {"linear": 10}])",
       {1, 0, 28},
       "model: the input shape must be (C, H, W) or (F) of positive sizes"},
  };
  for (const auto& [json, input, message] : cases) {
    const std::string error = SummaryError(json, input, 10);
    EXPECT_THAT(error, HasSubstr(message)) << json;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    // The same check guards building.
    EXPECT_THROW(Net(Spec(json), input, 10), InvalidArgument) << json;
  }
  // Families name the layer of their expansion.
  EXPECT_THAT(SummaryError(R"({"cnn": {"depth": 6}})", {1, 28, 28}, 10),
              HasSubstr("model: cnn: layers[9] (maxpool): the window 2 is larger than its 1x1 "
                        "input"));
  EXPECT_THAT(SummaryError(R"("resnet")", {784}, 10),
              HasSubstr("model: resnet: layers[0] (conv): needs an image input"));
}

TEST(SummarizeTest, ToStringIsATable) {
  const std::string table = Summarize(Spec(kReference), {1, 28, 28}, 10).ToString();
  EXPECT_THAT(table, HasSubstr("layer"));
  EXPECT_THAT(table, HasSubstr("FLOPs"));
  EXPECT_THAT(table, HasSubstr("input"));
  EXPECT_THAT(table, HasSubstr("0 conv 32 kernel=5 padding=2 activation=relu"));
  EXPECT_THAT(table, HasSubstr("3,212,288"));
  EXPECT_THAT(table, HasSubstr("total"));
  EXPECT_THAT(table, HasSubstr("3,274,634"));
  EXPECT_THAT(table, HasSubstr("13,883,904"));
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 1 + 1 + 8 + 1);  // head, input, total
  const std::string resnet =
      Summarize(Spec(R"({"resnet": {"stages": 2, "blocks": 1, "width": 4}})"), {1, 8, 8}, 10)
          .ToString();
  EXPECT_THAT(resnet, HasSubstr("  shortcut conv 1x1 stride=2 + batchnorm"));
}

// ---- The built network agrees with its summary. ----

TEST(NetTest, SummaryAgreesWithModulesForEveryKind) {
  ExpectSummaryMatchesModule(Spec(R"({"layers": [
      {"conv": 12, "kernel": 3, "stride": 1, "padding": 1, "dilation": 1, "groups": 3,
       "bias": true, "batchnorm": true, "activation": "relu"},
      {"conv": 12, "kernel": 5, "dilation": 2, "bias": false, "activation": "gelu"},
      {"sepconv": 16, "kernel": 5, "batchnorm": true, "activation": "relu6"},
      {"sepconv": 16, "stride": 2, "bias": false, "dilation": 2},
      {"dwconv": 3, "batchnorm": true, "bias": true, "activation": "silu"},
      {"dwconv": 3, "stride": 2, "padding": 0},
      {"batchnorm": true}, {"activation": "tanh"},
      {"residual": [{"conv": 16, "batchnorm": true, "activation": "leaky_relu"},
                    {"conv": 16, "batchnorm": true}], "activation": "relu"},
      {"residual": [{"conv": 24, "stride": 2, "batchnorm": true, "activation": "elu"},
                    {"dwconv": 3}]},
      {"maxpool": 3, "stride": 1, "padding": 1}, {"avgpool": 2, "stride": 1},
      {"dropout": 0.2}, {"conv": 8, "kernel": 1},
      {"globalpool": "max"},
      {"linear": 32, "batchnorm": true, "activation": "sigmoid"},
      {"batchnorm": true}, {"activation": "none"},
      {"residual": [{"linear": 32, "activation": "relu"}, {"linear": 32}]},
      {"residual": [{"linear": 16}]},
      {"dropout": 0.5},
      {"linear": 10, "bias": false}]})"),
                             {3, 16, 16}, 10);
  ExpectSummaryMatchesModule(Spec(R"({"layers": [
      {"avgpool": 3, "padding": 1}, {"globalpool": "avg"}, {"linear": 4}]})"),
                             {2, 9, 9}, 4);
  ExpectSummaryMatchesModule(Spec(R"({"layers": [{"flatten": true}, {"linear": 4}]})"), {2, 3, 3},
                             4);
}

TEST(NetTest, SummaryAgreesWithModulesForEachFamily) {
  const std::vector<std::string> families = {
      R"("mlp")",
      R"({"mlp": {"hidden": []}})",
      R"({"mlp": {"width": 64, "depth": 3, "batchnorm": true, "dropout": 0.2,
                  "activation": "gelu"}})",
      R"("cnn")",
      R"({"cnn": {"depth": 3, "width": 8, "kernel": 5, "batchnorm": true, "dropout": 0.25,
                  "fc": 0}})",
      R"("resnet")",
      R"({"resnet": {"stages": 1, "blocks": 1, "width": 8}})",
      R"({"resnet": {"stages": 4, "blocks": 1, "width": 8}})",  // 7x7 -> 4x4 in the last stage
  };
  for (const std::string& family : families) {
    ExpectSummaryMatchesModule(Spec(family), {1, 28, 28}, 10);
  }
  ExpectSummaryMatchesModule(Spec(R"("mlp")"), {20}, 3);
  ExpectSummaryMatchesModule(Spec(R"({"cnn": {"depth": 1}})"), {3, 8, 8}, 2);
}

// Every combination of kernel, stride, dilation, padding and groups on an 11x11 image: the
// summary's shape and counts match torch's, and the summary refuses exactly what torch cannot run.
TEST(NetTest, ConvolutionGridAgreesWithTorch) {
  int checked = 0, refused = 0;
  for (int64_t kernel : {1, 2, 3, 4, 5, 7}) {
    for (int64_t stride : {1, 2, 3}) {
      for (int64_t dilation : {1, 2, 3}) {
        for (const Json& padding : {Json(0), Json(1), Json(3), Json("same")}) {
          for (int64_t groups : {1, 2}) {
            if (padding == Json("same") && kernel % 2 == 0) continue;
            const Json conv{{"conv", 6},          {"kernel", kernel},     {"stride", stride},
                            {"padding", padding}, {"dilation", dilation}, {"groups", groups}};
            SCOPED_TRACE(conv.dump());
            const ModelSpec spec = ModelSpec::FromJson(Json{
                {"layers", Json::array({conv, Json{{"flatten", true}}, Json{{"linear", 2}}})}});
            const int64_t pad =
                padding.is_string() ? dilation * (kernel - 1) / 2 : padding.get<int64_t>();
            torch::nn::Conv2d module(torch::nn::Conv2dOptions(4, 6, kernel)
                                         .stride(stride)
                                         .padding(pad)
                                         .dilation(dilation)
                                         .groups(groups));
            const torch::Tensor x = torch::zeros({1, 4, 11, 11});
            if (SummaryError(spec.ToJson().dump(), {4, 11, 11}, 2).empty()) {
              const LayerSummary l = Summarize(spec, {4, 11, 11}, 2).layers[0];
              const torch::Tensor y = module->forward(x);
              EXPECT_EQ(WithBatch(1, l.output_shape), y.sizes().vec());
              EXPECT_EQ(l.params, CountParameters(*module));
              EXPECT_EQ(l.flops, y.numel() * (4 / groups) * kernel * kernel);
              ++checked;
            } else {
              EXPECT_ANY_THROW(module->forward(x));
              ++refused;
            }
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 200);
  EXPECT_GT(refused, 10);
}

TEST(NetTest, PoolGridAgreesWithTorch) {
  for (int64_t window : {1, 2, 3, 4, 6}) {
    for (int64_t stride : {1, 2, 3}) {
      for (int64_t padding = 0; padding * 2 <= window; ++padding) {
        for (int64_t size : {1, 3, 5, 8}) {
          const Json pool{{"maxpool", window}, {"stride", stride}, {"padding", padding}};
          SCOPED_TRACE(pool.dump() + " on " + std::to_string(size));
          const ModelSpec spec = ModelSpec::FromJson(
              Json{{"layers", Json::array({pool, Json{{"flatten", true}}, Json{{"linear", 2}}})}});
          const torch::Tensor x = torch::zeros({1, 2, size, size});
          torch::nn::MaxPool2d module(
              torch::nn::MaxPool2dOptions(window).stride(stride).padding(padding));
          if (SummaryError(spec.ToJson().dump(), {2, size, size}, 2).empty()) {
            const LayerSummary l = Summarize(spec, {2, size, size}, 2).layers[0];
            EXPECT_EQ(WithBatch(1, l.output_shape), module->forward(x).sizes().vec());
          } else {
            EXPECT_ANY_THROW(module->forward(x));
          }
        }
      }
    }
  }
}

// The numbers the study design relies on (1x28x28 Fashion-MNIST images, 10 classes), counted
// here by formula and cross-checked against equivalent PyTorch models.
TEST(NetTest, FamilyCountsOnFashionMnist) {
  const ModelSummary cnn = Summarize(Spec(R"("cnn")"), {1, 28, 28}, 10);
  // conv 1->32 3x3, conv 32->64 3x3, linear 3136->128, linear 128->10.
  EXPECT_EQ(cnn.params, (9 * 32 + 32) + (32 * 9 * 64 + 64) + (3136 * 128 + 128) + (128 * 10 + 10));
  EXPECT_EQ(cnn.params, 421642);
  EXPECT_EQ(cnn.flops, 32 * 784 * 9 + 64 * 196 * 32 * 9 + 3136 * 128 + 1280);

  // A ResNet of 3 stages, b blocks, width w on one input channel, 10 classes (no conv biases).
  const auto resnet_params = [](int64_t b, int64_t w) {
    const int64_t stem = 9 * w + 2 * w;
    const auto block = [](int64_t c) { return 2 * (9 * c * c + 2 * c); };
    const auto first = [](int64_t c) {  // c/2 -> c with stride 2 and a projection shortcut
      return (9 * (c / 2) * c + 2 * c) + (9 * c * c + 2 * c) + ((c / 2) * c + 2 * c);
    };
    return stem + b * block(w) + first(2 * w) + (b - 1) * block(2 * w) + first(4 * w) +
           (b - 1) * block(4 * w) + (4 * w * 10 + 10);
  };
  const auto resnet_flops = [](int64_t b, int64_t w) {
    const int64_t stem = 28 * 28 * w * 9;
    const auto block = [](int64_t c, int64_t h) { return 2 * (h * h * c * c * 9); };
    const auto first = [](int64_t c, int64_t h) {
      return h * h * c * (c / 2) * 9 + h * h * c * c * 9 + h * h * c * (c / 2);
    };
    return stem + b * block(w, 28) + first(2 * w, 14) + (b - 1) * block(2 * w, 14) +
           first(4 * w, 7) + (b - 1) * block(4 * w, 7) + 4 * w * 10;
  };
  const std::vector<std::tuple<int64_t, int64_t, int64_t, int64_t>> cases = {
      // blocks, width, params and FLOPs as PyTorch counts them for the same network
      {2, 16, 174970, 20183936},
      {2, 32, 696042, 80508672},
      {3, 24, 610642, 69714240},
  };
  for (const auto& [blocks, width, params, flops] : cases) {
    const Json json{{"resnet", Json{{"stages", 3}, {"blocks", blocks}, {"width", width}}}};
    const ModelSummary s = Summarize(ModelSpec::FromJson(json), {1, 28, 28}, 10);
    EXPECT_EQ(s.params, resnet_params(blocks, width)) << json.dump();
    EXPECT_EQ(s.params, params) << json.dump();
    EXPECT_EQ(s.flops, resnet_flops(blocks, width)) << json.dump();
    EXPECT_EQ(s.flops, flops) << json.dump();
  }
}

// ---- Behaviour of the built network. ----

// The first layer of a network built from |layer| on |input| (then flatten and a head), in
// evaluation mode.
torch::nn::AnyModule FirstLayer(const Json& layer, const Shape& input) {
  Net net(ModelSpec::FromJson(
              Json{{"layers", Json::array({layer, Json{{"flatten", true}}, Json{{"linear", 1}}})}}),
          input, 1);
  net->eval();
  return *Body(net)->begin();
}

TEST(NetTest, LayersComputeWhatTheyName) {
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({2, 3, 6, 6});
  const std::vector<std::pair<std::string, torch::Tensor>> activations = {
      {"relu", torch::relu(x)},
      {"relu6", torch::clamp(x, 0, 6)},
      {"gelu", torch::gelu(x)},
      {"silu", torch::silu(x)},
      {"tanh", torch::tanh(x)},
      {"sigmoid", torch::sigmoid(x)},
      {"leaky_relu", torch::leaky_relu(x, 0.01)},
      {"elu", torch::elu(x)},
      {"none", x},
  };
  for (const auto& [name, expected] : activations) {
    EXPECT_TRUE(
        torch::allclose(FirstLayer(Json{{"activation", name}}, {3, 6, 6}).forward(x), expected))
        << name;
  }
  EXPECT_TRUE(
      torch::equal(FirstLayer(Json{{"globalpool", "max"}}, {3, 6, 6}).forward(x), x.amax({2, 3})));
  EXPECT_TRUE(torch::allclose(FirstLayer(Json{{"globalpool", "avg"}}, {3, 6, 6}).forward(x),
                              x.mean({2, 3})));
  EXPECT_TRUE(torch::equal(FirstLayer(Json{{"maxpool", 2}}, {3, 6, 6}).forward(x),
                           torch::max_pool2d(x, 2)));
  EXPECT_TRUE(torch::allclose(FirstLayer(Json{{"avgpool", 3}, {"stride", 1}}, {3, 6, 6}).forward(x),
                              torch::avg_pool2d(x, 3, 1)));
  EXPECT_TRUE(
      torch::equal(FirstLayer(Json{{"flatten", true}}, {3, 6, 6}).forward(x), x.reshape({2, 108})));

  // A convolution runs with the stride, padding, dilation and groups it was given.
  torch::nn::AnyModule conv = FirstLayer(Json{{"conv", 6},
                                              {"kernel", 3},
                                              {"stride", 2},
                                              {"padding", 2},
                                              {"dilation", 2},
                                              {"groups", 3}},
                                         {3, 6, 6});
  auto conv_impl = conv.ptr<torch::nn::Conv2dImpl>();
  EXPECT_TRUE(torch::allclose(conv.forward(x),
                              torch::conv2d(x, conv_impl->weight, conv_impl->bias, 2, 2, 2, 3)));

  // Residual: activation(layers(x) + x) with the identity shortcut.
  torch::nn::AnyModule residual = FirstLayer(
      Json{{"residual", Json::array({Json{{"conv", 3}, {"bias", false}}})}, {"activation", "relu"}},
      {3, 6, 6});
  auto inner = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(
      std::dynamic_pointer_cast<torch::nn::SequentialImpl>(
          residual.ptr()->named_children()["layers"])
          ->ptr(0));
  ASSERT_NE(inner, nullptr);
  EXPECT_TRUE(torch::allclose(residual.forward(x), torch::relu(inner->forward(x) + x)));

  // Dropout in training zeroes about a fraction p and scales the rest by 1 / (1 - p).
  Net net(Spec(R"([{"dropout": 0.25}, {"linear": 1}])"), Shape{10000}, 1);
  net->train();
  const torch::Tensor ones = torch::ones({1, 10000});
  const torch::Tensor dropped = Body(net)->begin()->forward(ones);
  const double zeroed = dropped.eq(0).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(zeroed, 0.25, 0.02);
  EXPECT_NEAR(dropped.max().item<double>(), 1 / 0.75, 1e-6);
}

TEST(NetTest, DropoutOnlyInTraining) {
  torch::manual_seed(1);
  Net net(Spec(R"([{"dropout": 0.5}, {"linear": 3}])"), Shape{64}, 3);
  const torch::Tensor x = torch::randn({4, 64});
  net->train();
  EXPECT_FALSE(torch::equal(net->forward(x), net->forward(x)));  // a new mask each time
  net->eval();
  const torch::Tensor y = net->forward(x);
  EXPECT_TRUE(torch::equal(y, net->forward(x)));
  // In evaluation dropout is the identity: the output is the linear layer's alone.
  auto linear = std::dynamic_pointer_cast<torch::nn::LinearImpl>(Body(net)->ptr(1));
  ASSERT_NE(linear, nullptr);
  EXPECT_TRUE(torch::allclose(y, linear->forward(x)));
}

TEST(NetTest, BatchnormUsesBatchStatisticsInTrainingAndRunningOnesInEvaluation) {
  torch::manual_seed(1);
  Net net(Spec(R"([{"linear": 16, "batchnorm": true, "activation": "relu"}, {"linear": 3}])"),
          Shape{8}, 3);
  auto norm = std::dynamic_pointer_cast<torch::nn::BatchNorm1dImpl>(
      Body(net)->ptr(0)->named_children()["1"]);
  ASSERT_NE(norm, nullptr);
  const torch::Tensor x = torch::randn({6, 8});

  net->train();
  EXPECT_TRUE(norm->running_mean.eq(0).all().item<bool>());
  const torch::Tensor in_batch = net->forward(x).slice(0, 0, 2);
  EXPECT_FALSE(norm->running_mean.eq(0).all().item<bool>());  // statistics were recorded
  // Normalized over the batch: an example's output depends on the others.
  EXPECT_FALSE(torch::allclose(net->forward(x.slice(0, 0, 2)), in_batch));

  net->eval();
  const torch::Tensor running = norm->running_mean.clone();
  const torch::Tensor y = net->forward(x);
  EXPECT_TRUE(torch::equal(running, norm->running_mean));  // statistics frozen
  EXPECT_TRUE(torch::allclose(net->forward(x.slice(0, 0, 2)), y.slice(0, 0, 2), 1e-5, 1e-6));
}

TEST(NetTest, BuildingIsDeterministicForASeed) {
  const ModelSpec spec = Spec(R"({"resnet": {"stages": 2, "blocks": 1, "width": 8}})");
  const auto build = [&](uint64_t seed) {
    torch::manual_seed(seed);
    return Net(spec, Shape{1, 12, 12}, 10);
  };
  Net a = build(7), b = build(7), c = build(8);
  const auto pa = a->named_parameters(), pb = b->named_parameters(), pc = c->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  bool any_differs = false;
  for (const auto& item : pa) {
    EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
    any_differs = any_differs || !torch::equal(item.value(), pc[item.key()]);
  }
  EXPECT_TRUE(any_differs);
  const torch::Tensor x = torch::randn({2, 1, 12, 12});
  a->eval();
  b->eval();
  EXPECT_TRUE(torch::equal(a->forward(x), b->forward(x)));
}

// LibTorch's constructors initialize as PyTorch's: the same seed gives the same values as
// PyTorch 1.13 building the same layers in the same order (values taken from torch.nn there).
TEST(NetTest, InitializesAsPyTorch) {
  torch::manual_seed(0);
  Net net(Spec(kReference), Shape{1, 28, 28}, 10);
  auto params = net->named_parameters();
  const torch::Tensor conv_w = params["body.0.0.weight"];
  EXPECT_NEAR(conv_w[0][0][0][0].item<double>(), -0.0014973640209063888, 1e-7);
  EXPECT_NEAR(conv_w[0][0][0][1].item<double>(), 0.10728871822357178, 1e-7);
  EXPECT_NEAR(conv_w[0][0][0][2].item<double>(), -0.16460902988910675, 1e-7);
  EXPECT_NEAR(params["body.0.0.bias"][1].item<double>(), -0.08548736572265625, 1e-7);
  EXPECT_NEAR(params["body.5.0.weight"][0][1].item<double>(), -0.015894079580903053, 1e-7);
  EXPECT_NEAR(params["body.7.bias"][2].item<double>(), -0.002872079610824585, 1e-7);
  // Kaiming-uniform with a = sqrt(5): weights and biases within 1 / sqrt(fan_in).
  EXPECT_LE(conv_w.abs().max().item<double>(), 1 / std::sqrt(25.0));
  EXPECT_LE(params["body.5.0.weight"].abs().max().item<double>(), 1 / std::sqrt(3136.0));
  // Batchnorm starts as the identity: weight 1, bias 0.
  torch::manual_seed(0);
  Net bn(Spec(R"([{"conv": 4, "batchnorm": true}, "flatten", {"linear": 2}])"), Shape{1, 4, 4}, 2);
  auto bn_params = bn->named_parameters();
  EXPECT_FALSE(bn_params.contains("body.0.0.bias"));  // the conv has none before batchnorm
  EXPECT_TRUE(bn_params["body.0.1.weight"].eq(1).all().item<bool>());
  EXPECT_TRUE(bn_params["body.0.1.bias"].eq(0).all().item<bool>());
}

}  // namespace
}  // namespace automl::dl
