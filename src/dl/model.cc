#include "automl/dl/model.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "automl/dl/darts_network.h"
#include "automl/dl/nasnet.h"
#include "automl/error.h"
#include "dl/chain_family.h"
#include "dl/hmnas_family.h"
#include "dl/nasnet_family.h"

namespace automl::dl {
namespace {

using Shape = std::vector<int64_t>;

// Large enough for any real network, small enough that shape arithmetic cannot overflow before
// the checked products below see it.
constexpr int64_t kMaxValue = int64_t{1} << 30;

// The options each kind takes, in canonical order.
struct KindInfo {
  const char* kind;
  std::vector<std::string> options;
};

const std::vector<KindInfo>& Kinds() {
  static const std::vector<KindInfo> kinds = {
      {"conv",
       {"kernel", "stride", "padding", "dilation", "groups", "bias", "batchnorm", "activation"}},
      {"sepconv", {"kernel", "stride", "padding", "dilation", "bias", "batchnorm", "activation"}},
      {"dwconv", {"stride", "padding", "dilation", "bias", "batchnorm", "activation"}},
      {"batchnorm", {}},
      {"activation", {}},
      {"maxpool", {"stride", "padding"}},
      {"avgpool", {"stride", "padding"}},
      {"globalpool", {}},
      {"flatten", {}},
      {"linear", {"bias", "batchnorm", "activation"}},
      {"dropout", {}},
      {"residual", {"activation"}},
  };
  return kinds;
}

const KindInfo* FindKind(const std::string& kind) {
  for (const KindInfo& info : Kinds()) {
    if (kind == info.kind) return &info;
  }
  return nullptr;
}

const std::vector<std::string>& Activations() {
  static const std::vector<std::string> names = {"relu",    "relu6",      "gelu", "silu", "tanh",
                                                 "sigmoid", "leaky_relu", "elu",  "none"};
  return names;
}

struct FamilyInfo {
  const char* name;
  std::vector<std::string> options;
};

const std::vector<FamilyInfo>& Families() {
  static const std::vector<FamilyInfo> families = {
      {"mlp", {"hidden", "width", "depth", "activation", "dropout", "batchnorm"}},
      {"cnn", {"depth", "width", "kernel", "batchnorm", "dropout", "fc", "activation"}},
      {"resnet", {"stages", "blocks", "width", "activation"}},
      {"nasnet",
       {"genotype", "cells", "filters", "stages", "stem_multiplier", "drop_path", "dropout",
        "auxiliary", "auxiliary_weight"}},
      {"chain", {"arch", "activation", "head", "dropout"}},
      {"hmnas", {"genotype", "filters", "layers", "stem_multiplier"}},
  };
  return families;
}

const FamilyInfo* FindFamily(const std::string& name) {
  for (const FamilyInfo& info : Families()) {
    if (name == info.name) return &info;
  }
  return nullptr;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string KindNames() {
  std::vector<std::string> names;
  for (const KindInfo& info : Kinds()) names.emplace_back(info.kind);
  return Join(names);
}

bool Contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

[[noreturn]] void Fail(const std::string& where, const std::string& what) {
  throw InvalidArgument(where + ": " + what);
}

// A "{name}" that substitution should have replaced: reading it as a value would give a
// misleading type error, so it is named as what it is.
bool IsPlaceholder(const Json& value) {
  if (!value.is_string()) return false;
  const auto& text = value.get_ref<const std::string&>();
  const size_t open = text.find('{');
  return open != std::string::npos && text.find('}', open) != std::string::npos;
}

void CheckNotPlaceholder(const Json& value, const std::string& where, const std::string& what) {
  if (IsPlaceholder(value)) {
    Fail(where, what + " is " + value.dump() +
                    ", a placeholder left unsubstituted (substitute the trial's parameters first)");
  }
}

// An integer in [min, kMaxValue]; an integral float (32.0 from a float parameter) reads as one.
Json ReadInt(const Json& value, const std::string& where, const std::string& what, int64_t min) {
  CheckNotPlaceholder(value, where, what);
  const std::string rule = min == 1   ? "a positive integer"
                           : min == 0 ? "a non-negative integer"
                                      : "an integer";
  int64_t result = 0;
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t{INT64_MAX}) {
      Fail(where, what + " must be " + rule + " up to " + std::to_string(kMaxValue) + ", not " +
                      value.dump());
    }
    result = value.get<int64_t>();
  } else if (value.is_number_float() && std::isfinite(value.get<double>()) &&
             std::floor(value.get<double>()) == value.get<double>() &&
             std::fabs(value.get<double>()) <= static_cast<double>(kMaxValue) * 2) {
    result = static_cast<int64_t>(value.get<double>());
  } else {
    Fail(where, what + " must be " + rule + ", not " + value.dump());
  }
  if (result < min) Fail(where, what + " must be " + rule + ", not " + value.dump());
  if (result > kMaxValue) {
    Fail(where, what + " must be at most " + std::to_string(kMaxValue) + ", not " + value.dump());
  }
  return Json(result);
}

Json ReadBool(const Json& value, const std::string& where, const std::string& what) {
  CheckNotPlaceholder(value, where, what);
  if (!value.is_boolean()) Fail(where, what + " must be true or false, not " + value.dump());
  return value;
}

Json ReadActivation(const Json& value, const std::string& where, const std::string& what) {
  CheckNotPlaceholder(value, where, what);
  if (!value.is_string() || !Contains(Activations(), value.get<std::string>())) {
    Fail(where, what + " must be one of " + Join(Activations()) + ", not " + value.dump());
  }
  return value;
}

Json ReadRate(const Json& value, const std::string& where, const std::string& what) {
  CheckNotPlaceholder(value, where, what);
  if (!value.is_number() || !(value.get<double>() >= 0 && value.get<double>() < 1)) {
    Fail(where, what + " must be a number in [0, 1), not " + value.dump());
  }
  return Json(value.get<double>());
}

Json ReadProbability(const Json& value, const std::string& where, const std::string& what) {
  CheckNotPlaceholder(value, where, what);
  if (!value.is_number() || !(value.get<double>() >= 0 && value.get<double>() <= 1)) {
    Fail(where, what + " must be a number in [0, 1], not " + value.dump());
  }
  return Json(value.get<double>());
}

Json ReadWeight(const Json& value, const std::string& where, const std::string& what) {
  CheckNotPlaceholder(value, where, what);
  if (!value.is_number() || !(value.get<double>() >= 0 && std::isfinite(value.get<double>()))) {
    Fail(where, what + " must be a finite number >= 0, not " + value.dump());
  }
  return Json(value.get<double>());
}

// For kinds whose only meaningful value is true (flatten, batchnorm).
Json ReadTrue(const Json& value, const std::string& where, const std::string& kind) {
  CheckNotPlaceholder(value, where, kind);
  if (value.is_null() || (value.is_boolean() && value.get<bool>())) return Json(true);
  if (value.is_boolean()) Fail(where, kind + ": false adds nothing; remove the layer");
  Fail(where, kind + " must be true, not " + value.dump());
}

Json CanonicalLayers(const Json& layers, const std::string& path);

Json CanonicalMain(const std::string& kind, const Json& value, const std::string& path,
                   const std::string& where) {
  if (kind == "conv" || kind == "sepconv") return ReadInt(value, where, "the output channels", 1);
  if (kind == "linear") return ReadInt(value, where, "the output features", 1);
  if (kind == "dwconv") return ReadInt(value, where, "the kernel", 1);
  if (kind == "maxpool" || kind == "avgpool") return ReadInt(value, where, "the window", 1);
  if (kind == "batchnorm" || kind == "flatten") return ReadTrue(value, where, kind);
  if (kind == "activation") return ReadActivation(value, where, "the activation");
  if (kind == "dropout") return ReadRate(value, where, "the rate");
  if (kind == "globalpool") {
    CheckNotPlaceholder(value, where, "the pooling");
    if (value.is_null() || value == Json(true)) return Json("avg");
    if (value != Json("avg") && value != Json("max")) {
      Fail(where, "must be avg or max, not " + value.dump());
    }
    return value;
  }
  // residual
  CheckNotPlaceholder(value, where, "the inner layer list");
  if (!value.is_array() || value.empty()) {
    Fail(where, "needs a non-empty list of layers, not " + value.dump());
  }
  return CanonicalLayers(value, path + ".residual");
}

Json CanonicalOption(const std::string& kind, const std::string& key, const Json& value,
                     const std::string& where) {
  if (key == "kernel" || key == "stride" || key == "dilation" || key == "groups") {
    return ReadInt(value, where, key, 1);
  }
  if (key == "bias" || key == "batchnorm") return ReadBool(value, where, key);
  if (key == "activation") return ReadActivation(value, where, key);
  // padding
  CheckNotPlaceholder(value, where, key);
  const bool pool = kind == "maxpool" || kind == "avgpool";
  if (!pool && value == Json("same")) return value;
  if (!value.is_number()) {
    Fail(where, std::string("padding must be ") + (pool ? "" : "\"same\" or ") +
                    "a non-negative integer, not " + value.dump());
  }
  return ReadInt(value, where, "padding", 0);
}

// A layer as the canonical mapping {kind: value, option: value, ...}. |path| is
// "model: layers[2]"; messages about the layer add its kind.
Json CanonicalLayer(const Json& layer, const std::string& path) {
  CheckNotPlaceholder(layer, path, "the layer");
  if (layer.is_string()) {
    const std::string name = layer.get<std::string>();
    if (name == "flatten" || name == "batchnorm") return Json{{name, true}};
    if (name == "globalpool") return Json{{name, "avg"}};
    if (Contains(Activations(), name)) return Json{{"activation", name}};
    Fail(path, "unknown layer '" + name +
                   "' (a bare name is flatten, batchnorm, globalpool or an activation; others "
                   "are mappings such as {conv: 32})");
  }
  if (!layer.is_object()) {
    Fail(path, "a layer is a mapping such as {conv: 32}, not " + layer.dump());
  }
  std::vector<std::string> kinds;
  for (const auto& item : layer.items()) {
    if (FindKind(item.key())) kinds.push_back(item.key());
  }
  if (kinds.empty()) {
    if (layer.empty()) Fail(path, "an empty layer (known kinds: " + KindNames() + ")");
    // The kind is conventionally the first key; name the first one that is no option at all.
    std::string unknown = layer.begin().key();
    for (const auto& item : layer.items()) {
      bool option = false;
      for (const KindInfo& info : Kinds()) option = option || Contains(info.options, item.key());
      if (!option) {
        unknown = item.key();
        break;
      }
    }
    if (IsPlaceholder(Json(unknown))) {
      Fail(path, "the layer kind '" + unknown +
                     "' is a placeholder left unsubstituted (substitute the trial's parameters "
                     "first)");
    }
    Fail(path, "unknown layer kind '" + unknown + "' (known: " + KindNames() + ")");
  }
  if (kinds.size() > 1) {
    // activation and batchnorm are kinds and also options of other kinds: {conv: 8, activation:
    // relu} is a conv. Keep the keys that are no option of another kind in the layer.
    std::vector<std::string> main;
    for (const std::string& kind : kinds) {
      bool option = false;
      for (const std::string& other : kinds) {
        option = option || (other != kind && Contains(FindKind(other)->options, kind));
      }
      if (!option) main.push_back(kind);
    }
    kinds = main;
  }
  if (kinds.size() > 1) {
    Fail(path, "one kind per layer, not both '" + kinds[0] + "' and '" + kinds[1] + "'");
  }
  const std::string& kind = kinds[0];
  const std::string where = path + " (" + kind + ")";
  const KindInfo& info = *FindKind(kind);
  for (const auto& item : layer.items()) {
    if (item.key() == kind || Contains(info.options, item.key())) continue;
    Fail(where, "unknown key '" + item.key() + "'" +
                    (info.options.empty() ? " (a " + kind + " layer takes no options)"
                                          : " (known: " + Join(info.options) + ")"));
  }
  Json out = Json::object();
  out[kind] = CanonicalMain(kind, layer.at(kind), path, where);
  for (const std::string& key : info.options) {
    if (layer.contains(key)) out[key] = CanonicalOption(kind, key, layer.at(key), where);
  }
  if (out.contains("padding") && out.at("padding") == Json("same")) {
    const int64_t kernel =
        kind == "dwconv" ? out.at(kind).get<int64_t>() : out.value("kernel", int64_t{3});
    if (kernel % 2 == 0) {
      Fail(where, "padding \"same\" needs an odd kernel, not " + std::to_string(kernel) +
                      "; give padding as a number");
    }
  } else if (!out.contains("padding") && (kind == "conv" || kind == "sepconv")) {
    if (out.value("kernel", int64_t{3}) % 2 == 0) {
      Fail(where, "kernel " + std::to_string(out.at("kernel").get<int64_t>()) +
                      " is even, and the default padding \"same\" needs an odd kernel; give "
                      "padding as a number");
    }
  } else if (!out.contains("padding") && kind == "dwconv" && out.at(kind).get<int64_t>() % 2 == 0) {
    Fail(where, "kernel " + out.at(kind).dump() +
                    " is even, and the default padding \"same\" needs an odd kernel; give "
                    "padding as a number");
  }
  if ((kind == "maxpool" || kind == "avgpool") && out.contains("padding") &&
      out.at("padding").get<int64_t>() * 2 > out.at(kind).get<int64_t>()) {
    Fail(where, "padding " + out.at("padding").dump() + " must be at most half the window (" +
                    out.at(kind).dump() + ")");
  }
  return out;
}

Json CanonicalLayers(const Json& layers, const std::string& path) {
  Json out = Json::array();
  for (size_t i = 0; i < layers.size(); ++i) {
    out.push_back(CanonicalLayer(layers[i], path + "[" + std::to_string(i) + "]"));
  }
  return out;
}

Json CanonicalFamily(const std::string& name, const Json& options) {
  const std::string where = "model: " + name;
  CheckNotPlaceholder(options, where, "the options");
  if (!options.is_null() && !options.is_object()) {
    Fail(where, "the options must be a mapping, not " + options.dump());
  }
  const FamilyInfo& info = *FindFamily(name);
  Json out = Json::object();
  for (const auto& item : options.items()) {
    if (!Contains(info.options, item.key())) {
      Fail(where, "unknown key '" + item.key() + "' (known: " + Join(info.options) + ")");
    }
  }
  for (const std::string& key : info.options) {
    if (!options.contains(key)) continue;
    const Json& value = options.at(key);
    Json& slot = out[key];
    if (key == "activation") {
      slot = ReadActivation(value, where, key);
    } else if (key == "dropout") {
      slot = ReadRate(value, where, key);
    } else if (key == "batchnorm" || key == "auxiliary") {
      slot = ReadBool(value, where, key);
    } else if (key == "genotype") {
      CheckNotPlaceholder(value, where, key);
      slot =
          name == "hmnas" ? CanonicalMaskedGenotype(value, where) : CanonicalGenotype(value, where);
    } else if (key == "arch") {
      CheckNotPlaceholder(value, where, key);
      slot = CanonicalChainArch(value, where);
    } else if (key == "drop_path") {
      slot = ReadProbability(value, where, key);
    } else if (key == "auxiliary_weight") {
      slot = ReadWeight(value, where, key);
    } else if (key == "hidden") {
      CheckNotPlaceholder(value, where, key);
      if (value.is_array()) {
        slot = Json::array();
        for (const Json& width : value) slot.push_back(ReadInt(width, where, "hidden sizes", 1));
      } else if (value.is_number()) {
        slot = Json::array({ReadInt(value, where, "hidden", 1)});
      } else {
        Fail(where, "hidden must be a list of layer sizes, not " + value.dump());
      }
    } else if (key == "fc" || key == "head" || (key == "depth" && name == "mlp")) {
      slot = ReadInt(value, where, key, 0);  // 0: no hidden layer
    } else {
      slot = ReadInt(value, where, key, 1);
    }
  }
  if (name == "mlp" && out.contains("hidden") && (out.contains("width") || out.contains("depth"))) {
    Fail(where, "give hidden, or width and depth, not both");
  }
  if (name == "cnn" && out.value("kernel", int64_t{3}) % 2 == 0) {
    Fail(where, "kernel must be odd (the convolutions keep the image size), not " +
                    out.at("kernel").dump());
  }
  // Widths double per block (cnn) or stage (resnet, nasnet): keep the widest within range.
  const char* doublings = name == "cnn"                          ? "depth"
                          : name == "resnet" || name == "nasnet" ? "stages"
                                                                 : nullptr;
  if (doublings) {
    const std::string width_key = name == "nasnet" ? "filters" : "width";
    const int64_t width = out.value(width_key, int64_t{name == "cnn" ? 32 : 16});
    const int64_t count = out.value(doublings, int64_t{name == "cnn" ? 2 : 3});
    if (count > 30 || (width << (count - 1)) > kMaxValue) {
      Fail(where, width_key + " " + std::to_string(width) + " doubled over " +
                      std::to_string(count) + " " + doublings + " is too wide");
    }
  }
  if (name == "mlp" && out.value("depth", int64_t{1}) > 1000) {
    Fail(where, "depth must be at most 1000, not " + out.at("depth").dump());
  }
  if (name == "resnet" && out.value("blocks", int64_t{2}) > 1000) {
    Fail(where, "blocks must be at most 1000, not " + out.at("blocks").dump());
  }
  if (name == "nasnet") CheckNasnetFamily(out, where);
  if (name == "hmnas") CheckHmnasFamily(out, where);
  if (name == "chain" && !out.contains("arch")) {
    Fail(where,
         "arch: missing (an architecture of a chain space, e.g. \"{arch}\", or the path "
         "of a JSON file holding one)");
  }
  return out;
}

std::string FamilyNames() {
  std::vector<std::string> names;
  for (const FamilyInfo& info : Families()) names.emplace_back(info.name);
  return Join(names);
}

// ---- Families, expanded to layer lists. ----

Json ExpandMlp(const Json& o, int64_t classes) {
  std::vector<int64_t> hidden;
  if (o.contains("hidden")) {
    hidden = o.at("hidden").get<std::vector<int64_t>>();
  } else {
    hidden.assign(o.value("depth", int64_t{1}), o.value("width", int64_t{256}));
  }
  const std::string activation = o.value("activation", std::string("relu"));
  const double dropout = o.value("dropout", 0.0);
  const bool batchnorm = o.value("batchnorm", false);
  Json layers = Json::array({Json{{"flatten", true}}});
  for (const int64_t width : hidden) {
    Json layer{{"linear", width}};
    if (batchnorm) layer["batchnorm"] = true;
    layer["activation"] = activation;
    layers.push_back(layer);
    if (dropout > 0) layers.push_back(Json{{"dropout", dropout}});
  }
  layers.push_back(Json{{"linear", classes}});
  return layers;
}

Json ExpandCnn(const Json& o, int64_t classes) {
  const int64_t depth = o.value("depth", int64_t{2});
  const int64_t width = o.value("width", int64_t{32});
  const int64_t kernel = o.value("kernel", int64_t{3});
  const bool batchnorm = o.value("batchnorm", false);
  const double dropout = o.value("dropout", 0.0);
  const int64_t fc = o.value("fc", int64_t{128});
  const std::string activation = o.value("activation", std::string("relu"));
  Json layers = Json::array();
  for (int64_t i = 0; i < depth; ++i) {
    Json conv{{"conv", width << i}, {"kernel", kernel}};
    if (batchnorm) conv["batchnorm"] = true;
    conv["activation"] = activation;
    layers.push_back(conv);
    layers.push_back(Json{{"maxpool", 2}});
  }
  layers.push_back(Json{{"flatten", true}});
  if (dropout > 0) layers.push_back(Json{{"dropout", dropout}});
  if (fc > 0) {
    layers.push_back(Json{{"linear", fc}, {"activation", activation}});
    if (dropout > 0) layers.push_back(Json{{"dropout", dropout}});
  }
  layers.push_back(Json{{"linear", classes}});
  return layers;
}

Json ExpandResnet(const Json& o, int64_t classes) {
  const int64_t stages = o.value("stages", int64_t{3});
  const int64_t blocks = o.value("blocks", int64_t{2});
  const int64_t width = o.value("width", int64_t{16});
  const std::string activation = o.value("activation", std::string("relu"));
  Json layers = Json::array(
      {Json{{"conv", width}, {"kernel", 3}, {"batchnorm", true}, {"activation", activation}}});
  for (int64_t s = 0; s < stages; ++s) {
    for (int64_t b = 0; b < blocks; ++b) {
      Json first{{"conv", width << s}, {"kernel", 3}};
      if (s > 0 && b == 0) first["stride"] = 2;
      first["batchnorm"] = true;
      first["activation"] = activation;
      const Json second{{"conv", width << s}, {"kernel", 3}, {"batchnorm", true}};
      layers.push_back(
          Json{{"residual", Json::array({first, second})}, {"activation", activation}});
    }
  }
  layers.push_back(Json{{"globalpool", "avg"}});
  layers.push_back(Json{{"linear", classes}});
  return layers;
}

// ---- Shape propagation: one plan per layer, read by Summarize and by the builder alike. ----

// Overflow-checked product: a network too large to count is refused rather than misreported.
int64_t Mul(std::initializer_list<int64_t> factors, const std::string& where) {
  int64_t product = 1;
  for (const int64_t factor : factors) {
    if (__builtin_mul_overflow(product, factor, &product)) {
      Fail(where, "too large to count (over 2^63 parameters or FLOPs)");
    }
  }
  return product;
}

int64_t Add(int64_t a, int64_t b, const std::string& where) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    Fail(where, "too large to count (over 2^63 parameters or FLOPs)");
  }
  return sum;
}

std::string ShapeText(const Shape& shape) {
  std::string out;
  for (const int64_t d : shape) out += (out.empty() ? "" : "x") + std::to_string(d);
  return out;
}

std::string Describe(const Shape& shape) {
  return shape.size() == 1 ? std::to_string(shape[0]) + " features"
                           : "a " + ShapeText(shape) + " image";
}

struct Plan {
  std::string kind;
  std::string where;  // "model: layers[2] (conv)"
  std::string detail;
  Shape in, out;
  // Convolutions and pools (sepconv: of the depthwise part), linear.
  int64_t channels = 0;  // output channels or features
  int64_t kernel = 1, stride = 1, padding = 0, dilation = 1, groups = 1;
  bool bias = false, batchnorm = false;
  std::string activation = "none";
  double rate = 0;          // dropout
  std::string pool;         // globalpool: avg | max
  std::vector<Plan> inner;  // residual
  bool projection = false;  // residual: a 1x1 convolution (or linear) shortcut
  int64_t stride_h = 1, stride_w = 1;
  int64_t shortcut_params = 0, shortcut_flops = 0;
  int64_t params = 0, flops = 0;
};

// The layer's value and options for the summary table: "32 kernel=5 padding=2 activation=relu".
std::string Detail(const Json& layer) {
  std::vector<std::string> parts;
  bool main = true;
  for (const auto& item : layer.items()) {
    const Json& value = item.value();
    const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    if (main && item.key() == "residual") {
      parts.push_back(std::to_string(value.size()) + " layers");
    } else if (main) {
      if (value != Json(true)) parts.push_back(text);
    } else {
      parts.push_back(item.key() + "=" + text);
    }
    main = false;
  }
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : " ") + part;
  return out;
}

void RequireImage(const Plan& p) {
  if (p.in.size() != 3) {
    Fail(p.where, "needs an image input (C, H, W), not " + Describe(p.in));
  }
}

// The output size of a window sliding over |size| (PyTorch's floor rule), or an error when the
// window does not fit.
int64_t SlideOut(int64_t size, int64_t kernel, int64_t stride, int64_t padding, int64_t dilation,
                 const Plan& p, const std::string& window) {
  const int64_t span = dilation * (kernel - 1) + 1;
  if (size + 2 * padding < span) {
    Fail(p.where, window + " is larger than its " + ShapeText({p.in[1], p.in[2]}) + " input" +
                      (padding > 0 ? " padded by " + std::to_string(padding) : ""));
  }
  return (size + 2 * padding - span) / stride + 1;
}

std::vector<Plan> PlanLayers(const Json& layers, Shape shape, const std::string& path);

Plan PlanLayer(const Json& layer, const Shape& in, const std::string& path) {
  Plan p;
  p.kind = layer.begin().key();
  p.where = path + " (" + p.kind + ")";
  p.detail = Detail(layer);
  p.in = in;
  p.out = in;
  const Json& value = layer.begin().value();
  const auto get_int = [&](const char* key, int64_t fallback) {
    return layer.contains(key) ? layer.at(key).get<int64_t>() : fallback;
  };
  p.batchnorm = layer.value("batchnorm", false);
  p.bias = layer.value("bias", !p.batchnorm);
  p.activation = layer.value("activation", std::string("none"));
  const std::string& kind = p.kind;
  const std::string& where = p.where;

  if (kind == "conv" || kind == "sepconv" || kind == "dwconv") {
    RequireImage(p);
    const int64_t cin = in[0];
    p.kernel = kind == "dwconv" ? value.get<int64_t>() : get_int("kernel", 3);
    p.channels = kind == "dwconv" ? cin : value.get<int64_t>();
    p.stride = get_int("stride", 1);
    p.dilation = get_int("dilation", 1);
    p.groups = kind == "conv" ? get_int("groups", 1) : cin;
    const Json padding = layer.value("padding", Json("same"));
    p.padding = padding.is_string() ? p.dilation * (p.kernel - 1) / 2 : padding.get<int64_t>();
    if (kind == "conv" && (cin % p.groups != 0 || p.channels % p.groups != 0)) {
      Fail(where, "groups " + std::to_string(p.groups) + " must divide the input channels (" +
                      std::to_string(cin) + ") and the output channels (" +
                      std::to_string(p.channels) + ")");
    }
    const std::string window =
        "the kernel " + std::to_string(p.kernel) +
        (p.dilation > 1 ? " (dilation " + std::to_string(p.dilation) + ")" : std::string());
    const int64_t h = SlideOut(in[1], p.kernel, p.stride, p.padding, p.dilation, p, window);
    const int64_t w = SlideOut(in[2], p.kernel, p.stride, p.padding, p.dilation, p, window);
    p.out = {p.channels, h, w};
    const int64_t bias = p.bias ? 1 : 0, bn = p.batchnorm ? 2 : 0;
    if (kind == "sepconv") {
      // Depthwise (cin groups of one channel), then pointwise 1x1 to the output channels.
      p.params = Add(Mul({cin, p.kernel, p.kernel}, where) + (bias + bn) * cin,
                     Mul({cin, p.channels}, where) + (bias + bn) * p.channels, where);
      p.flops = Add(Mul({cin, h, w, p.kernel, p.kernel}, where),
                    Mul({p.channels, h, w, cin}, where), where);
    } else {
      p.params =
          Mul({p.channels, cin / p.groups, p.kernel, p.kernel}, where) + (bias + bn) * p.channels;
      p.flops = Mul({p.channels, h, w, cin / p.groups, p.kernel, p.kernel}, where);
    }
  } else if (kind == "maxpool" || kind == "avgpool") {
    RequireImage(p);
    p.kernel = value.get<int64_t>();
    p.stride = get_int("stride", p.kernel);
    p.padding = get_int("padding", 0);
    const std::string window = "the window " + std::to_string(p.kernel);
    p.out = {in[0], SlideOut(in[1], p.kernel, p.stride, p.padding, 1, p, window),
             SlideOut(in[2], p.kernel, p.stride, p.padding, 1, p, window)};
  } else if (kind == "globalpool") {
    RequireImage(p);
    p.pool = value.get<std::string>();
    p.out = {in[0]};
  } else if (kind == "flatten") {
    p.out = {in.size() == 3 ? Mul({in[0], in[1], in[2]}, where) : in[0]};
  } else if (kind == "linear") {
    if (in.size() != 1) {
      Fail(where, "its input is " + Describe(in) + "; add {flatten: true} (or {globalpool: avg}) " +
                      "before it");
    }
    p.channels = value.get<int64_t>();
    p.out = {p.channels};
    p.params =
        Mul({in[0], p.channels}, where) + ((p.bias ? 1 : 0) + (p.batchnorm ? 2 : 0)) * p.channels;
    p.flops = Mul({in[0], p.channels}, where);
  } else if (kind == "batchnorm") {
    p.params = 2 * in[0];
  } else if (kind == "activation") {
    p.activation = value.get<std::string>();
  } else if (kind == "dropout") {
    p.rate = value.get<double>();
  } else {  // residual
    p.inner = PlanLayers(value, in, path + ".residual");
    p.out = p.inner.back().out;
    const Shape& out = p.out;
    for (const Plan& q : p.inner) {
      p.params = Add(p.params, q.params, where);
      p.flops = Add(p.flops, q.flops, where);
    }
    if (out.size() != in.size()) {
      Fail(where, "the inner layers turn " + Describe(in) + " into " + Describe(out) +
                      "; a residual must keep images images and features features");
    }
    if (out != in) {
      p.projection = true;
      if (in.size() == 3) {
        // A 1x1 convolution with stride s gives ceil(size / s): take the smallest s that matches.
        const auto stride_for = [&](int64_t from, int64_t to) {
          for (int64_t s = 1; s <= from; ++s) {
            if ((from + s - 1) / s == to) return s;
          }
          Fail(where, "no 1x1 shortcut takes " + ShapeText(in) + " to the inner layers' " +
                          ShapeText(out) + " (the size must shrink by a stride)");
        };
        p.stride_h = stride_for(in[1], out[1]);
        p.stride_w = stride_for(in[2], out[2]);
        p.shortcut_params = Mul({in[0], out[0]}, where) + 2 * out[0];
        p.shortcut_flops = Mul({out[0], out[1], out[2], in[0]}, where);
      } else {
        p.shortcut_params = Mul({in[0], out[0]}, where) + 2 * out[0];
        p.shortcut_flops = Mul({in[0], out[0]}, where);
      }
      p.params = Add(p.params, p.shortcut_params, where);
      p.flops = Add(p.flops, p.shortcut_flops, where);
    }
  }
  return p;
}

std::vector<Plan> PlanLayers(const Json& layers, Shape shape, const std::string& path) {
  std::vector<Plan> plans;
  for (size_t i = 0; i < layers.size(); ++i) {
    plans.push_back(PlanLayer(layers[i], shape, path + "[" + std::to_string(i) + "]"));
    shape = plans.back().out;
  }
  return plans;
}

std::vector<Plan> PlanModel(const ModelSpec& spec, const std::vector<int64_t>& input_shape,
                            int64_t classes) {
  if (classes < 1)
    Fail("model", "the task must have at least one class, not " + std::to_string(classes));
  if ((input_shape.size() != 1 && input_shape.size() != 3) ||
      std::any_of(input_shape.begin(), input_shape.end(),
                  [](int64_t d) { return d < 1 || d > kMaxValue; })) {
    Fail("model", "the input shape must be (C, H, W) or (F) of positive sizes, not (" +
                      ShapeText(input_shape) + ")");
  }
  const Json layers = spec.Layers(classes);
  const std::string family = spec.ToJson().begin().key();
  std::vector<Plan> plans = PlanLayers(
      layers, input_shape, family == "layers" ? "model: layers" : "model: " + family + ": layers");
  const Shape& out = plans.back().out;
  if (out.size() != 1) {
    Fail("model", "the last layer gives a " + ShapeText(out) + " output; the task needs " +
                      std::to_string(classes) + " class scores: end with {flatten: true} and " +
                      "{linear: " + std::to_string(classes) + "}");
  }
  if (out[0] != classes) {
    Fail("model", "the last layer gives " + std::to_string(out[0]) + " outputs; the task has " +
                      std::to_string(classes) + " classes");
  }
  return plans;
}

LayerSummary SummaryOf(const Plan& p) {
  LayerSummary s;
  s.kind = p.kind;
  s.detail = p.detail;
  s.output_shape = p.out;
  s.params = p.params;
  s.flops = p.flops;
  for (const Plan& q : p.inner) s.inner.push_back(SummaryOf(q));
  if (p.projection) {
    LayerSummary shortcut;
    shortcut.kind = "shortcut";
    shortcut.detail =
        p.in.size() == 3
            ? "conv 1x1 stride=" + std::to_string(p.stride_h) +
                  (p.stride_w != p.stride_h ? "x" + std::to_string(p.stride_w) : std::string()) +
                  " + batchnorm"
            : "linear + batchnorm";
    shortcut.output_shape = p.out;
    shortcut.params = p.shortcut_params;
    shortcut.flops = p.shortcut_flops;
    s.inner.push_back(shortcut);
  }
  return s;
}

// ---- Modules. ----

torch::nn::AnyModule ActivationModule(const std::string& name) {
  if (name == "relu") return torch::nn::AnyModule(torch::nn::ReLU());
  if (name == "relu6") return torch::nn::AnyModule(torch::nn::ReLU6());
  if (name == "gelu") return torch::nn::AnyModule(torch::nn::GELU());
  if (name == "silu") return torch::nn::AnyModule(torch::nn::SiLU());
  if (name == "tanh") return torch::nn::AnyModule(torch::nn::Tanh());
  if (name == "sigmoid") return torch::nn::AnyModule(torch::nn::Sigmoid());
  if (name == "leaky_relu") return torch::nn::AnyModule(torch::nn::LeakyReLU());
  if (name == "elu") return torch::nn::AnyModule(torch::nn::ELU());
  return torch::nn::AnyModule(torch::nn::Identity());
}

// out = activation(layers(x) + shortcut(x)); the shortcut is the identity when it is empty.
class ResidualImpl : public torch::nn::Module {
 public:
  ResidualImpl(torch::nn::Sequential layers, torch::nn::Sequential shortcut,
               const std::string& activation)
      : layers_(register_module("layers", std::move(layers))),
        shortcut_(std::move(shortcut)),
        has_activation_(activation != "none") {
    if (!shortcut_->is_empty()) register_module("shortcut", shortcut_);
    if (has_activation_) {
      activation_ = ActivationModule(activation);
      register_module("activation", activation_.ptr());
    }
  }

  void pretty_print(std::ostream& stream) const override { stream << "automl::dl::Residual"; }

  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = layers_->forward(x);
    y = y + (shortcut_->is_empty() ? x : shortcut_->forward(x));
    return has_activation_ ? activation_.forward(y) : y;
  }

 private:
  torch::nn::Sequential layers_;
  torch::nn::Sequential shortcut_;
  bool has_activation_;
  torch::nn::AnyModule activation_;
};
TORCH_MODULE(Residual);

// A Sequential with a plain forward(), which AnyModule needs (Sequential's own forward is a
// template), so that a layer of several modules can sit in the body's Sequential.
class BlockImpl : public torch::nn::SequentialImpl {
 public:
  using SequentialImpl::SequentialImpl;
  torch::Tensor forward(torch::Tensor x) { return SequentialImpl::forward(std::move(x)); }
};
TORCH_MODULE(Block);

// Appends the batchnorm and activation that follow a convolution or linear layer.
void AddNormAndActivation(Block& seq, bool batchnorm, const std::string& activation,
                          int64_t channels, bool image) {
  if (batchnorm) {
    if (image) {
      seq->push_back(torch::nn::BatchNorm2d(channels));
    } else {
      seq->push_back(torch::nn::BatchNorm1d(channels));
    }
  }
  if (activation != "none") seq->push_back(ActivationModule(activation));
}

torch::nn::AnyModule Build(const Plan& p) {
  namespace nn = torch::nn;
  Block seq;
  if (p.kind == "conv" || p.kind == "dwconv") {
    seq->push_back(nn::Conv2d(nn::Conv2dOptions(p.in[0], p.channels, p.kernel)
                                  .stride(p.stride)
                                  .padding(p.padding)
                                  .dilation(p.dilation)
                                  .groups(p.groups)
                                  .bias(p.bias)));
    AddNormAndActivation(seq, p.batchnorm, p.activation, p.channels, true);
  } else if (p.kind == "sepconv") {
    seq->push_back(nn::Conv2d(nn::Conv2dOptions(p.in[0], p.in[0], p.kernel)
                                  .stride(p.stride)
                                  .padding(p.padding)
                                  .dilation(p.dilation)
                                  .groups(p.in[0])
                                  .bias(p.bias)));
    AddNormAndActivation(seq, p.batchnorm, p.activation, p.in[0], true);
    seq->push_back(nn::Conv2d(nn::Conv2dOptions(p.in[0], p.channels, 1).bias(p.bias)));
    AddNormAndActivation(seq, p.batchnorm, p.activation, p.channels, true);
  } else if (p.kind == "linear") {
    seq->push_back(nn::Linear(nn::LinearOptions(p.in[0], p.channels).bias(p.bias)));
    AddNormAndActivation(seq, p.batchnorm, p.activation, p.channels, false);
  } else if (p.kind == "batchnorm") {
    AddNormAndActivation(seq, true, "none", p.in[0], p.in.size() == 3);
  } else if (p.kind == "activation") {
    return ActivationModule(p.activation);
  } else if (p.kind == "maxpool") {
    return nn::AnyModule(
        nn::MaxPool2d(nn::MaxPool2dOptions(p.kernel).stride(p.stride).padding(p.padding)));
  } else if (p.kind == "avgpool") {
    return nn::AnyModule(
        nn::AvgPool2d(nn::AvgPool2dOptions(p.kernel).stride(p.stride).padding(p.padding)));
  } else if (p.kind == "globalpool") {
    if (p.pool == "max") {
      seq->push_back(nn::AdaptiveMaxPool2d(nn::AdaptiveMaxPool2dOptions(1)));
    } else {
      seq->push_back(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(1)));
    }
    seq->push_back(nn::Flatten());
  } else if (p.kind == "flatten") {
    return nn::AnyModule(nn::Flatten());
  } else if (p.kind == "dropout") {
    return nn::AnyModule(nn::Dropout(p.rate));
  } else {  // residual
    nn::Sequential layers;
    for (const Plan& q : p.inner) layers->push_back(Build(q));
    nn::Sequential shortcut;
    if (p.projection && p.in.size() == 3) {
      shortcut->push_back(nn::Conv2d(
          nn::Conv2dOptions(p.in[0], p.out[0], 1).stride({p.stride_h, p.stride_w}).bias(false)));
      shortcut->push_back(nn::BatchNorm2d(p.out[0]));
    } else if (p.projection) {
      shortcut->push_back(nn::Linear(nn::LinearOptions(p.in[0], p.out[0]).bias(false)));
      shortcut->push_back(nn::BatchNorm1d(p.out[0]));
    }
    return nn::AnyModule(Residual(layers, shortcut, p.activation));
  }
  // One piece needs no Sequential around it.
  if (seq->size() == 1) return *seq->begin();
  return nn::AnyModule(seq);
}

std::string Thousands(int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  const size_t first = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  out = digits.substr(0, first);
  for (size_t i = first; i < digits.size(); i += 3) out += "," + digits.substr(i, 3);
  return out;
}

void AddRows(const std::vector<LayerSummary>& layers, const std::string& indent,
             std::vector<std::vector<std::string>>& rows) {
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerSummary& l = layers[i];
    const std::string number = l.kind == "shortcut" ? "" : std::to_string(i) + " ";
    rows.push_back({indent + number + l.kind + (l.detail.empty() ? "" : " " + l.detail),
                    ShapeText(l.output_shape), Thousands(l.params), Thousands(l.flops)});
    AddRows(l.inner, indent + "  ", rows);
  }
}

}  // namespace

ModelSpec ModelSpec::FromJson(const Json& model) {
  ModelSpec spec;
  CheckNotPlaceholder(model, "model", "the model");
  const std::string known = "layers, " + FamilyNames();
  if (model.is_string()) {
    const std::string name = model.get<std::string>();
    if (!FindFamily(name)) {
      Fail("model",
           "unknown family '" + name + "' (known: " + FamilyNames() + "; or {layers: [...]})");
    }
    spec.json_ = Json{{name, CanonicalFamily(name, Json::object())}};
  } else if (model.is_array()) {
    if (model.empty()) Fail("model", "the layer list is empty");
    spec.json_ = Json{{"layers", CanonicalLayers(model, "model: layers")}};
  } else if (model.is_object()) {
    for (const auto& item : model.items()) {
      if (item.key() != "layers" && !FindFamily(item.key())) {
        Fail("model", "unknown key '" + item.key() + "' (known: " + known + ")");
      }
    }
    if (model.size() != 1) {
      Fail("model", model.empty() ? "give {layers: [...]} or one family of " + FamilyNames()
                                  : "give one of " + known + ", not both '" + model.begin().key() +
                                        "' and '" + std::next(model.begin()).key() + "'");
    }
    const std::string& key = model.begin().key();
    const Json& value = model.begin().value();
    if (key == "layers") {
      CheckNotPlaceholder(value, "model: layers", "the layer list");
      if (!value.is_array() || value.empty()) {
        Fail("model: layers", "must be a non-empty list of layers, not " + value.dump());
      }
      spec.json_ = Json{{"layers", CanonicalLayers(value, "model: layers")}};
    } else {
      spec.json_ = Json{{key, CanonicalFamily(key, value)}};
    }
  } else {
    Fail("model", "must be {layers: [...]} or a family such as {cnn: {...}}, not " + model.dump());
  }
  return spec;
}

namespace {

int64_t ScaledWidth(int64_t width, double factor) {
  return std::max<int64_t>(1, std::llround(static_cast<double>(width) * factor));
}

// Scales the outputs of conv, sepconv and linear layers in |layers| (residuals included); the
// layer at |keep| (the head) keeps its width.
Json ScaleLayerList(const Json& layers, double factor, size_t keep) {
  Json out = Json::array();
  for (size_t i = 0; i < layers.size(); ++i) {
    Json layer = layers[i];
    if (i != keep && layer.is_object() && !layer.empty()) {
      const std::string kind = layer.begin().key();
      if ((kind == "conv" || kind == "sepconv" || kind == "linear") &&
          layer.at(kind).is_number_integer()) {
        layer[kind] = ScaledWidth(layer.at(kind).get<int64_t>(), factor);
      } else if (kind == "residual" && layer.at(kind).is_array()) {
        layer[kind] = ScaleLayerList(layer.at(kind), factor, layer.at(kind).size());
      }
    }
    out.push_back(std::move(layer));
  }
  return out;
}

}  // namespace

ModelSpec ModelSpec::ScaleChannels(double factor) const {
  if (!(factor > 0 && std::isfinite(factor))) {
    throw InvalidArgument("model: the channel factor must be positive, not " + Json(factor).dump());
  }
  if (!json_.is_object() || json_.empty()) {
    throw InvalidArgument("model: no model given (write {layers: [...]} or a family)");
  }
  const std::string& key = json_.begin().key();
  Json options = json_.begin().value();
  if (key == "layers") {
    return FromJson(Json{{"layers", ScaleLayerList(options, factor, options.size() - 1)}});
  }
  if (key == "chain") return FromJson(Json{{key, ScaleChain(options, factor)}});
  if (key == "mlp" && options.contains("hidden")) {
    Json hidden = Json::array();
    for (const Json& h : options.at("hidden")) {
      hidden.push_back(ScaledWidth(h.get<int64_t>(), factor));
    }
    options["hidden"] = hidden;
  } else {
    // The family defaults of ExpandMlp, ExpandCnn, ExpandResnet and NasnetOptions.
    const int64_t width = key == "mlp" ? 256 : key == "cnn" ? 32 : 16;
    const char* width_key = key == "nasnet" || key == "hmnas" ? "filters" : "width";
    options[width_key] = ScaledWidth(options.value(width_key, width), factor);
  }
  if (key == "cnn") {
    const int64_t fc = options.value("fc", int64_t{128});
    if (fc > 0) options["fc"] = ScaledWidth(fc, factor);
  }
  return FromJson(Json{{key, options}});
}

Json ModelSpec::Layers(int64_t classes) const {
  if (!json_.is_object() || json_.empty()) {
    throw InvalidArgument("model: no model given (write {layers: [...]} or a family)");
  }
  const std::string& key = json_.begin().key();
  const Json& value = json_.begin().value();
  if (key == "layers") return value;
  if (classes < 1) {
    Fail("model: " + key, "the head needs at least one class, not " + std::to_string(classes));
  }
  if (key == "nasnet" || key == "hmnas") {
    Fail("model: " + key, "a network of cells has no layer list (Summarize and Net build it)");
  }
  if (key == "mlp") return ExpandMlp(value, classes);
  if (key == "chain") return ExpandChain(value, classes);
  if (key == "cnn") return ExpandCnn(value, classes);
  return ExpandResnet(value, classes);
}

std::string ModelSummary::ToString() const {
  std::vector<std::vector<std::string>> rows = {{"layer", "output", "params", "FLOPs"},
                                                {"input", ShapeText(input_shape), "", ""}};
  AddRows(layers, "", rows);
  rows.push_back({"total", ShapeText(output_shape), Thousands(params), Thousands(flops)});
  std::vector<size_t> widths(4, 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(widths[c] - row[c].size(), ' ');
      // Names and shapes left-aligned, counts right-aligned.
      line += c < 2 ? row[c] + pad + "  " : pad + row[c] + (c + 1 < row.size() ? "  " : "");
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

namespace {

ModelSummary SummaryOfModel(const std::vector<Plan>& plans, const Shape& input_shape) {
  ModelSummary summary;
  summary.input_shape = input_shape;
  summary.output_shape = plans.back().out;
  for (const Plan& p : plans) {
    summary.layers.push_back(SummaryOf(p));
    summary.params = Add(summary.params, p.params, "model");
    summary.flops = Add(summary.flops, p.flops, "model");
  }
  return summary;
}

// The options of a nasnet spec, or nullopt for other specs.
std::optional<NasnetOptions> NasnetOptionsOfSpec(const ModelSpec& spec,
                                                 const std::vector<int64_t>& input_shape,
                                                 int64_t classes) {
  const Json& json = spec.ToJson();
  if (!json.is_object() || json.empty() || json.begin().key() != "nasnet") return std::nullopt;
  return NasnetOptionsOf(json.begin().value(), input_shape, classes);
}

// The family mapping of an hmnas spec, or nullptr for other specs.
const Json* HmnasFamilyOfSpec(const ModelSpec& spec) {
  const Json& json = spec.ToJson();
  if (!json.is_object() || json.empty() || json.begin().key() != "hmnas") return nullptr;
  return &json.begin().value();
}

// An hmnas network's summary: one row for the whole network, with the parameters it computes
// with (those of the operations and edges its genotype keeps). FLOPs are not counted for it.
ModelSummary SummarizeHmnas(DartsNetwork net, const std::vector<int64_t>& input_shape,
                            int64_t classes) {
  ModelSummary summary;
  summary.input_shape = input_shape;
  summary.output_shape = {classes};
  summary.params = net->effective_parameters();
  LayerSummary layer;
  layer.kind = "hmnas";
  layer.detail = "cells of the genotype, FLOPs not counted";
  layer.output_shape = {classes};
  layer.params = summary.params;
  summary.layers.push_back(layer);
  return summary;
}

// SummarizeNasnet, its messages ("nasnet: ...") naming the model as a spec's do.
ModelSummary SummarizeNasnetModel(const NasnetOptions& options) {
  try {
    return SummarizeNasnet(options);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument("model: " + std::string(e.what()));
  }
}

}  // namespace

ModelSummary Summarize(const ModelSpec& spec, const std::vector<int64_t>& input_shape,
                       int64_t classes) {
  if (const auto nasnet = NasnetOptionsOfSpec(spec, input_shape, classes)) {
    return SummarizeNasnetModel(*nasnet);
  }
  if (const Json* hmnas = HmnasFamilyOfSpec(spec)) {
    return SummarizeHmnas(HmnasNetworkOf(*hmnas, input_shape, classes), input_shape, classes);
  }
  return SummaryOfModel(PlanModel(spec, input_shape, classes), input_shape);
}

NetImpl::NetImpl(const ModelSpec& spec, const std::vector<int64_t>& input_shape, int64_t classes)
    : spec_(spec) {
  if (const auto nasnet = NasnetOptionsOfSpec(spec, input_shape, classes)) {
    summary_ = SummarizeNasnetModel(*nasnet);
    nasnet_ = register_module("nasnet", Nasnet(*nasnet));
    return;
  }
  if (const Json* hmnas = HmnasFamilyOfSpec(spec)) {
    hmnas_ = register_module("hmnas", HmnasNetworkOf(*hmnas, input_shape, classes).ptr());
    summary_ = SummarizeHmnas(DartsNetwork(hmnas_), input_shape, classes);
    return;
  }
  const std::vector<Plan> plans = PlanModel(spec, input_shape, classes);
  summary_ = SummaryOfModel(plans, input_shape);
  body_ = register_module("body", torch::nn::Sequential());
  // Modules are created in layer order, each drawing its initial values from the global
  // generator as PyTorch's constructors do: the same seed gives the same network.
  for (const Plan& p : plans) body_->push_back(Build(p));
  channels_last_ = spec.ToJson().contains("chain");
  if (channels_last_) UseChannelsLast(*this);
}

torch::Tensor NetImpl::forward(const torch::Tensor& x) {
  if (nasnet_) return nasnet_->forward(x);
  if (hmnas_) return hmnas_->forward(x);
  return body_->forward(channels_last_ ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x);
}

std::pair<torch::Tensor, torch::Tensor> NetImpl::forward_with_auxiliary(const torch::Tensor& x) {
  if (nasnet_) return nasnet_->forward_with_auxiliary(x);
  return {forward(x), torch::Tensor()};
}

double NetImpl::auxiliary_weight() const {
  return nasnet_ && nasnet_->options().auxiliary() ? nasnet_->options().auxiliary_weight() : 0;
}

void NetImpl::set_progress(double progress) {
  if (nasnet_) nasnet_->set_progress(progress);
}

LayerStack BuildLayerStack(const Json& layers, const std::vector<int64_t>& input_shape,
                           const std::string& where) {
  LayerStack stack;
  stack.output_shape = input_shape;
  if (!layers.is_array()) Fail(where, "must be a list of layers, not " + layers.dump());
  if (layers.empty()) return stack;
  const std::vector<Plan> plans = PlanLayers(CanonicalLayers(layers, where), input_shape, where);
  for (const Plan& p : plans) {
    stack.modules->push_back(Build(p));
    stack.params = Add(stack.params, p.params, where);
    stack.flops = Add(stack.flops, p.flops, where);
  }
  stack.output_shape = plans.back().out;
  return stack;
}

void UseChannelsLast(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  auto convert = [](torch::Tensor& t) {
    if (t.defined() && t.dim() == 4) t.set_data(t.contiguous(torch::MemoryFormat::ChannelsLast));
  };
  for (torch::Tensor& p : module.parameters()) convert(p);
  for (torch::Tensor& b : module.buffers()) convert(b);
}

int64_t CountParameters(const torch::nn::Module& module) {
  int64_t count = 0;
  for (const torch::Tensor& t : module.parameters()) {
    if (t.requires_grad()) count += t.numel();
  }
  return count;
}

}  // namespace automl::dl
