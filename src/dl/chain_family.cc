#include "dl/chain_family.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

#include "automl/config_file.h"
#include "automl/error.h"

namespace automl::dl {
namespace {

Json ReadArch(const Json& value, const std::string& where) {
  try {
    return nas::ToJson(nas::ChainArchFromJson(value));  // skips only where the shape stays
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(where + ": arch: " + e.what());
  }
}

Json ConvLayer(int64_t channels, int64_t kernel, const std::string& activation) {
  Json layer{{"conv", channels}, {"kernel", kernel}, {"batchnorm", true}};
  if (activation != "none") layer["activation"] = activation;
  return layer;
}

int64_t Scaled(int64_t width, double factor) {
  return std::max<int64_t>(1, std::llround(static_cast<double>(width) * factor));
}

}  // namespace

Json CanonicalChainArch(const Json& value, const std::string& where) {
  if (value.is_string()) {
    const std::string path = value.get<std::string>();
    const std::string file = where + ": arch file '" + path + "'";
    if (!std::filesystem::is_regular_file(path)) throw InvalidArgument(file + ": no such file");
    Json json;
    try {
      json = ReadConfigFile(path);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(file + ": " + e.what());
    }
    return ReadArch(json, file);
  }
  if (!value.is_object()) {
    throw InvalidArgument(where +
                          ": arch must be an architecture mapping ({stem: 16, stages: [{width, "
                          "stride, ops: [...]}]}) or the path of a JSON file holding one, not " +
                          value.dump());
  }
  return ReadArch(value, where);
}

ChainHead ChainHeadOf(const Json& family) {
  ChainHead h;
  h.activation = family.value("activation", h.activation);
  h.head = family.value("head", h.head);
  h.dropout = family.value("dropout", h.dropout);
  return h;
}

Json ChainStemLayers(int64_t stem, const ChainHead& head) {
  return Json::array({ConvLayer(stem, 3, head.activation)});
}

Json ChainBlockLayers(const nas::ChainOp& op, int64_t in, int64_t out, int64_t stride,
                      const ChainHead& head) {
  if (op.skip) return Json::array();
  const int64_t hidden = in * op.expansion;
  Json inner = Json::array();
  if (op.expansion != 1) inner.push_back(ConvLayer(hidden, 1, head.activation));
  Json depthwise{{"dwconv", op.kernel}};
  if (stride != 1) depthwise["stride"] = stride;
  if (op.dilation != 1) depthwise["dilation"] = op.dilation;
  depthwise["batchnorm"] = true;
  if (head.activation != "none") depthwise["activation"] = head.activation;
  inner.push_back(depthwise);
  inner.push_back(ConvLayer(out, 1, "none"));  // the linear bottleneck
  if (stride == 1 && in == out) return Json::array({Json{{"residual", inner}}});
  return inner;
}

Json ChainHeadLayers(const ChainHead& head, int64_t classes) {
  Json layers = Json::array();
  if (head.head > 0) layers.push_back(ConvLayer(head.head, 1, head.activation));
  layers.push_back(Json{{"globalpool", "avg"}});
  if (head.dropout > 0) layers.push_back(Json{{"dropout", head.dropout}});
  layers.push_back(Json{{"linear", classes}});
  return layers;
}

Json ExpandChain(const Json& family, int64_t classes) {
  const nas::ChainArch arch = nas::ChainArchFromJson(family.at("arch"));
  const ChainHead head = ChainHeadOf(family);
  Json layers = ChainStemLayers(arch.stem, head);
  int64_t channels = arch.stem;
  size_t layer = 0;
  for (const nas::ChainStage& stage : arch.stages) {
    for (int i = 0; i < stage.layers; ++i, ++layer) {
      const std::optional<nas::ChainOp> op = nas::ParseChainOp(arch.ops.at(layer));
      const int64_t stride = i == 0 ? stage.stride : 1;
      for (Json& l : ChainBlockLayers(*op, channels, stage.width, stride, head)) {
        layers.push_back(std::move(l));
      }
      channels = stage.width;
    }
  }
  for (Json& l : ChainHeadLayers(head, classes)) layers.push_back(std::move(l));
  return layers;
}

Json ScaleChain(const Json& family, double factor) {
  Json out = family;
  Json& arch = out.at("arch");
  arch["stem"] = Scaled(arch.at("stem").get<int64_t>(), factor);
  for (Json& stage : arch.at("stages")) {
    stage["width"] = Scaled(stage.at("width").get<int64_t>(), factor);
  }
  if (out.value("head", int64_t{0}) > 0) {
    out["head"] = Scaled(out.at("head").get<int64_t>(), factor);
  }
  return out;
}

}  // namespace automl::dl
