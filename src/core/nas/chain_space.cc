// The chain search space: its op vocabulary, options, architectures (JSON and validation) and
// per-layer decisions.
#include "automl/nas/chain_space.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "automl/error.h"

namespace automl::nas {
namespace {

constexpr char kOptionsWhere[] = "chain";
constexpr char kArchWhere[] = "architecture";
constexpr char kSkip[] = "skip";
constexpr char kOpForms[] = "skip or mb<E>_k<K>[_d<D>] with E in 1..8, K odd in 3..9 and D in 2..4";

std::string Quoted(const std::string& text) { return "'" + text + "'"; }

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

bool Contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

std::string Index(size_t i) { return "[" + std::to_string(i) + "]"; }

// One line naming every key of |object| outside |known|, so a user fixes all typos at once.
void RefuseUnknownKeys(const Json& object, const std::vector<std::string>& known,
                       const std::string& where) {
  std::vector<std::string> unknown;
  for (const auto& item : object.items()) {
    if (!Contains(known, item.key())) unknown.push_back(Quoted(item.key()));
  }
  if (unknown.empty()) return;
  throw InvalidArgument(where + ": unknown key" + (unknown.size() > 1 ? "s " : " ") +
                        Join(unknown) + " (known: " + Join(known) + ")");
}

const Json& Required(const Json& object, const char* key, const std::string& where) {
  if (!object.contains(key)) throw InvalidArgument(where + ": missing '" + key + "'");
  return object.at(key);
}

// An integer in low..high. The range is checked before narrowing to int, so that a huge value is
// reported as written.
int ReadInt(const Json& json, int low, int high, const std::string& at) {
  if (!json.is_number_integer()) {
    throw InvalidArgument(at + ": must be an integer, not " + json.dump());
  }
  const auto value = json.get<double>();
  if (value < low || value > high) {
    throw InvalidArgument(at + ": " + json.dump() + " is outside " + std::to_string(low) + ".." +
                          std::to_string(high));
  }
  return static_cast<int>(value);
}

// A stride: 1 or 2. Read as any integer first, so that 3 gets the message that names the rule.
int ReadStride(const Json& json, const std::string& at) {
  if (!json.is_number_integer()) {
    throw InvalidArgument(at + ": must be an integer, not " + json.dump());
  }
  if (json != 1 && json != 2) throw InvalidArgument(at + ": " + json.dump() + " is not 1 or 2");
  return json.get<int>();
}

std::string ReadName(const Json& json, const std::string& at) {
  if (!json.is_string()) throw InvalidArgument(at + ": must be an op name, not " + json.dump());
  return json.get<std::string>();
}

std::vector<std::string> ReadNames(const Json& json, const std::string& at) {
  if (!json.is_array())
    throw InvalidArgument(at + ": must be a list of op names, not " + json.dump());
  std::vector<std::string> names;
  for (size_t i = 0; i < json.size(); ++i) names.push_back(ReadName(json[i], at + Index(i)));
  return names;
}

// Checks the fields a stage has in both the options and an architecture; |at| names the stage.
void CheckStageShape(int width, int stride, const std::string& at) {
  if (width < 1 || width > ChainSpaceOptions::kMaxWidth) {
    throw InvalidArgument(at + ".width: " + std::to_string(width) + " is outside 1.." +
                          std::to_string(ChainSpaceOptions::kMaxWidth));
  }
  if (stride != 1 && stride != 2) {
    throw InvalidArgument(at + ".stride: " + std::to_string(stride) + " is not 1 or 2");
  }
}

void CheckStem(int stem, const std::string& at) {
  if (stem < 1 || stem > ChainSpaceOptions::kMaxWidth) {
    throw InvalidArgument(at + ": " + std::to_string(stem) + " is outside 1.." +
                          std::to_string(ChainSpaceOptions::kMaxWidth));
  }
}

void CheckTotalLayers(int64_t total, const std::string& at) {
  if (total < ChainSpaceOptions::kMinLayers || total > ChainSpaceOptions::kMaxLayers) {
    throw InvalidArgument(at + ": " + std::to_string(total) + " layers in all, outside " +
                          std::to_string(ChainSpaceOptions::kMinLayers) + ".." +
                          std::to_string(ChainSpaceOptions::kMaxLayers));
  }
}

// Why the first layer of stage |s| changes the shape of its input ("stride 2", "width 16 -> 32"),
// or "" when it keeps it and so may be skipped.
std::string ShapeChange(int stem, const std::vector<ChainStage>& stages, size_t s) {
  if (stages[s].stride != 1) return "stride " + std::to_string(stages[s].stride);
  const int input = s == 0 ? stem : stages[s - 1].width;
  if (stages[s].width != input) {
    return "width " + std::to_string(input) + " -> " + std::to_string(stages[s].width);
  }
  return "";
}

// The structure of an architecture and its op names, without a space and without the skip rule
// (CheckSkips), so that Validate can first say how an architecture of another space differs from
// this one. Paths are those of the JSON form.
void CheckArchShape(const ChainArch& arch) {
  CheckStem(arch.stem, "stem");
  if (arch.stages.empty()) throw InvalidArgument("stages: must list at least one stage");
  int64_t total = 0;
  for (size_t s = 0; s < arch.stages.size(); ++s) {
    const ChainStage& stage = arch.stages[s];
    const std::string at = "stages" + Index(s);
    CheckStageShape(stage.width, stage.stride, at);
    if (stage.layers < 1) throw InvalidArgument(at + ".ops: must list at least one op");
    total += stage.layers;
  }
  CheckTotalLayers(total, "stages");
  if (static_cast<int64_t>(arch.ops.size()) != total) {
    throw InvalidArgument("ops: " + std::to_string(arch.ops.size()) + " ops for the " +
                          std::to_string(total) + " layers of the stages");
  }
  size_t layer = 0;
  for (size_t s = 0; s < arch.stages.size(); ++s) {
    for (int j = 0; j < arch.stages[s].layers; ++j, ++layer) {
      const std::string& op = arch.ops[layer];
      if (!IsChainOp(op)) {
        throw InvalidArgument("stages" + Index(s) + ".ops" + Index(static_cast<size_t>(j)) + ": " +
                              Quoted(op) + " is not an op (" + kOpForms + ")");
      }
    }
  }
}

// No skip at the first layer of a stage that changes the shape; after CheckArchShape.
void CheckSkips(const ChainArch& arch) {
  size_t first = 0;  // the stage's first layer
  for (size_t s = 0; s < arch.stages.size(); first += arch.stages[s++].layers) {
    if (arch.ops[first] != kSkip) continue;
    const std::string change = ShapeChange(arch.stem, arch.stages, s);
    if (!change.empty()) {
      throw InvalidArgument("stages" + Index(s) +
                            ".ops[0]: skip is not offered at the first layer of a stage that "
                            "changes the shape (" +
                            change + ")");
    }
  }
}

// Reads the JSON form and checks its shape (CheckArchShape).
ChainArch ReadArch(const Json& json) {
  if (!json.is_object()) {
    throw InvalidArgument(std::string(kArchWhere) +
                          ": must be a mapping with stem and stages, not " + json.dump());
  }
  RefuseUnknownKeys(json, {"stem", "stages"}, kArchWhere);
  ChainArch arch;
  arch.stem = ReadInt(Required(json, "stem", kArchWhere), 1, ChainSpaceOptions::kMaxWidth, "stem");
  const Json& stages = Required(json, "stages", kArchWhere);
  if (!stages.is_array()) {
    throw InvalidArgument("stages: must be a list of stages, not " + stages.dump());
  }
  for (size_t s = 0; s < stages.size(); ++s) {
    const Json& stage = stages[s];
    const std::string at = "stages" + Index(s);
    if (!stage.is_object()) {
      throw InvalidArgument(at + ": must be a mapping with width, stride and ops, not " +
                            stage.dump());
    }
    RefuseUnknownKeys(stage, {"width", "stride", "ops"}, at);
    const int width =
        ReadInt(Required(stage, "width", at), 1, ChainSpaceOptions::kMaxWidth, at + ".width");
    const int stride = ReadStride(Required(stage, "stride", at), at + ".stride");
    const std::vector<std::string> ops = ReadNames(Required(stage, "ops", at), at + ".ops");
    arch.stages.push_back(ChainStage{static_cast<int>(ops.size()), width, stride});
    arch.ops.insert(arch.ops.end(), ops.begin(), ops.end());
  }
  CheckArchShape(arch);
  return arch;
}

ChainStage ReadOptionsStage(const Json& json, const std::string& at) {
  if (!json.is_object()) {
    throw InvalidArgument(at + ": must be a mapping with layers, width and stride, not " +
                          json.dump());
  }
  RefuseUnknownKeys(json, {"layers", "width", "stride"}, at);
  ChainStage stage;
  stage.layers = ReadInt(Required(json, "layers", at), ChainSpaceOptions::kMinLayers,
                         ChainSpaceOptions::kMaxLayers, at + ".layers");
  stage.width =
      ReadInt(Required(json, "width", at), 1, ChainSpaceOptions::kMaxWidth, at + ".width");
  stage.stride = ReadStride(Required(json, "stride", at), at + ".stride");
  return stage;
}

// A small decimal number in its one spelling: digits only, no leading zero.
std::optional<int> ParseSmallNumber(std::string_view digits) {
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  if (digits[0] == '0' && digits.size() > 1) return std::nullopt;
  int value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

bool ValidBlock(int expansion, int kernel, int dilation) {
  return expansion >= ChainOp::kMinExpansion && expansion <= ChainOp::kMaxExpansion &&
         kernel >= ChainOp::kMinKernel && kernel <= ChainOp::kMaxKernel && kernel % 2 == 1 &&
         dilation >= 1 && dilation <= ChainOp::kMaxDilation;
}

void CheckPath(const std::vector<int64_t>& path,
               const std::vector<std::vector<std::string>>& offered) {
  if (path.size() != offered.size()) {
    throw InvalidArgument("path: expected " + std::to_string(offered.size()) +
                          " choice indices, one per layer, got " + std::to_string(path.size()));
  }
  for (size_t i = 0; i < path.size(); ++i) {
    const auto count = static_cast<int64_t>(offered[i].size());
    if (path[i] < 0 || path[i] >= count) {
      throw InvalidArgument("path: l" + std::to_string(i) + ": choice index " +
                            std::to_string(path[i]) + " is outside 0.." +
                            std::to_string(count - 1));
    }
  }
}

}  // namespace

// ---- Operations ----

std::optional<ChainOp> ParseChainOp(std::string_view name) {
  if (name == kSkip) return ChainOp{true, 0, 0, 1};
  if (name.substr(0, 2) != "mb") return std::nullopt;
  const size_t sep = name.find("_k", 2);
  if (sep == std::string_view::npos) return std::nullopt;
  const std::optional<int> expansion = ParseSmallNumber(name.substr(2, sep - 2));
  std::string_view rest = name.substr(sep + 2);
  std::optional<int> dilation = 1;
  if (const size_t d = rest.find("_d"); d != std::string_view::npos) {
    dilation = ParseSmallNumber(rest.substr(d + 2));
    rest = rest.substr(0, d);
    if (dilation == 1) return std::nullopt;  // one spelling: dilation 1 is not written
  }
  const std::optional<int> kernel = ParseSmallNumber(rest);
  if (!expansion || !kernel || !dilation || !ValidBlock(*expansion, *kernel, *dilation)) {
    return std::nullopt;
  }
  return ChainOp{false, *expansion, *kernel, *dilation};
}

std::string ChainOpName(const ChainOp& op) {
  if (op.skip) return kSkip;
  if (!ValidBlock(op.expansion, op.kernel, op.dilation)) {
    throw InvalidArgument("chain op: expansion " + std::to_string(op.expansion) + ", kernel " +
                          std::to_string(op.kernel) + ", dilation " + std::to_string(op.dilation) +
                          " is not an op (" + kOpForms + ")");
  }
  return "mb" + std::to_string(op.expansion) + "_k" + std::to_string(op.kernel) +
         (op.dilation == 1 ? "" : "_d" + std::to_string(op.dilation));
}

bool IsChainOp(std::string_view name) { return ParseChainOp(name).has_value(); }

const std::vector<std::string>& DefaultChainChoices() {
  static const std::vector<std::string> kChoices = {"mb3_k3", "mb3_k5", "mb3_k7", "mb6_k3",
                                                    "mb6_k5", "mb6_k7", "skip"};
  return kChoices;
}

// ---- Options ----

bool operator==(const ChainStage& a, const ChainStage& b) {
  return a.layers == b.layers && a.width == b.width && a.stride == b.stride;
}
bool operator!=(const ChainStage& a, const ChainStage& b) { return !(a == b); }

std::vector<ChainStage> DefaultChainStages(int layers) {
  const std::vector<ChainStage> shapes = {{0, 16, 1}, {0, 32, 2}, {0, 64, 2}};
  const int n = static_cast<int>(shapes.size());
  if (layers < n) {
    throw InvalidArgument(std::string(kOptionsWhere) + ": layers: " + std::to_string(layers) +
                          " is fewer than the " + std::to_string(n) +
                          " default stages (give stages)");
  }
  std::vector<ChainStage> stages = shapes;
  for (int s = 0; s < n; ++s) stages[s].layers = layers / n + (s >= n - layers % n ? 1 : 0);
  return stages;
}

ChainSpaceOptions ChainSpaceOptions::FromJson(const Json& json) {
  const std::string where = kOptionsWhere;
  if (!json.is_object()) throw InvalidArgument(where + ": options must be a mapping");
  RefuseUnknownKeys(json, {"type", "layers", "choices", "stem", "stages"}, where);
  if (json.contains("type") && json.at("type") != "chain") {
    throw InvalidArgument(where + ": type: must be 'chain', not " + json.at("type").dump());
  }
  ChainSpaceOptions options;
  std::optional<int> layers;
  if (json.contains("layers")) {
    layers = ReadInt(json.at("layers"), kMinLayers, kMaxLayers, where + ": layers");
  }
  if (json.contains("choices")) {
    options.choices = ReadNames(json.at("choices"), where + ": choices");
  }
  if (json.contains("stem")) {
    options.stem = ReadInt(json.at("stem"), 1, kMaxWidth, where + ": stem");
  }
  if (json.contains("stages")) {
    const Json& stages = json.at("stages");
    if (!stages.is_array()) {
      throw InvalidArgument(where + ": stages: must be a list of stages, not " + stages.dump());
    }
    options.stages.clear();
    for (size_t s = 0; s < stages.size(); ++s) {
      options.stages.push_back(ReadOptionsStage(stages[s], where + ": stages" + Index(s)));
    }
    options.Validate();
    if (layers && *layers != options.layers()) {
      throw InvalidArgument(where + ": layers: " + std::to_string(*layers) +
                            ", but the stages' layers sum to " + std::to_string(options.layers()));
    }
  } else if (layers) {
    options.stages = DefaultChainStages(*layers);
  }
  options.Validate();
  return options;
}

Json ChainSpaceOptions::ToJson() const {
  Json stage_list = Json::array();
  for (const ChainStage& stage : stages) {
    stage_list.push_back(
        Json{{"layers", stage.layers}, {"width", stage.width}, {"stride", stage.stride}});
  }
  return Json{{"type", "chain"},
              {"layers", layers()},
              {"choices", choices},
              {"stem", stem},
              {"stages", stage_list}};
}

void ChainSpaceOptions::Validate() const {
  const std::string where = kOptionsWhere;
  CheckStem(stem, where + ": stem");
  if (choices.empty()) throw InvalidArgument(where + ": choices: must list at least one op");
  for (size_t i = 0; i < choices.size(); ++i) {
    const std::string at = where + ": choices" + Index(i) + ": " + Quoted(choices[i]);
    if (!IsChainOp(choices[i])) throw InvalidArgument(at + " is not an op (" + kOpForms + ")");
    const auto first = std::find(choices.begin(), choices.end(), choices[i]) - choices.begin();
    if (static_cast<size_t>(first) != i) {
      throw InvalidArgument(at + " repeats choices" + Index(static_cast<size_t>(first)));
    }
  }
  if (choices.size() == 1 && choices.front() == kSkip) {
    // A stage that changes the shape needs another op at its first layer, and a chain of skips
    // alone is no network.
    throw InvalidArgument(where + ": choices: must list at least one op other than skip");
  }
  if (stages.empty()) throw InvalidArgument(where + ": stages: must list at least one stage");
  int64_t total = 0;
  for (size_t s = 0; s < stages.size(); ++s) {
    const std::string at = where + ": stages" + Index(s);
    if (stages[s].layers < 1) {
      throw InvalidArgument(at + ".layers: " + std::to_string(stages[s].layers) + " is outside " +
                            std::to_string(kMinLayers) + ".." + std::to_string(kMaxLayers));
    }
    CheckStageShape(stages[s].width, stages[s].stride, at);
    total += stages[s].layers;
  }
  CheckTotalLayers(total, where + ": stages");
}

int ChainSpaceOptions::layers() const {
  int total = 0;
  for (const ChainStage& stage : stages) total += stage.layers;
  return total;
}

// ---- Architectures ----

bool operator==(const ChainArch& a, const ChainArch& b) {
  return a.stem == b.stem && a.stages == b.stages && a.ops == b.ops;
}
bool operator!=(const ChainArch& a, const ChainArch& b) { return !(a == b); }

Json ToJson(const ChainArch& arch) {
  Json stages = Json::array();
  size_t layer = 0;
  for (const ChainStage& stage : arch.stages) {
    Json ops = Json::array();
    for (int j = 0; j < stage.layers && layer < arch.ops.size(); ++j)
      ops.push_back(arch.ops[layer++]);
    stages.push_back(Json{{"width", stage.width}, {"stride", stage.stride}, {"ops", ops}});
  }
  return Json{{"stem", arch.stem}, {"stages", stages}};
}

ChainArch ChainArchFromJson(const Json& json) {
  ChainArch arch = ReadArch(json);
  CheckSkips(arch);
  return arch;
}

ChainArch ChainArchFromJson(const Json& json, const ChainSpaceOptions& options) {
  options.Validate();
  ChainArch arch = ReadArch(json);
  Validate(arch, options);
  return arch;
}

void Validate(const ChainArch& arch, const ChainSpaceOptions& options) {
  options.Validate();
  CheckArchShape(arch);
  if (arch.stem != options.stem) {
    throw InvalidArgument("stem: " + std::to_string(arch.stem) + " differs from the space's " +
                          std::to_string(options.stem));
  }
  if (arch.stages.size() != options.stages.size()) {
    throw InvalidArgument("stages: " + std::to_string(arch.stages.size()) +
                          " stages, but the space has " + std::to_string(options.stages.size()));
  }
  for (size_t s = 0; s < arch.stages.size(); ++s) {
    const ChainStage& got = arch.stages[s];
    const ChainStage& want = options.stages[s];
    const std::string at = "stages" + Index(s);
    if (got.width != want.width) {
      throw InvalidArgument(at + ".width: " + std::to_string(got.width) +
                            " differs from the space's " + std::to_string(want.width));
    }
    if (got.stride != want.stride) {
      throw InvalidArgument(at + ".stride: " + std::to_string(got.stride) +
                            " differs from the space's " + std::to_string(want.stride));
    }
    if (got.layers != want.layers) {
      throw InvalidArgument(at + ".ops: " + std::to_string(got.layers) +
                            " layers, but the space's stage has " + std::to_string(want.layers));
    }
  }
  // The stem and stages are the options', so a layer offers what LayerChoices says: the options'
  // choices, less skip where the shape changes.
  CheckSkips(arch);
  size_t layer = 0;
  for (size_t s = 0; s < arch.stages.size(); ++s) {
    for (int j = 0; j < arch.stages[s].layers; ++j, ++layer) {
      const std::string& op = arch.ops[layer];
      if (!Contains(options.choices, op)) {
        throw InvalidArgument("stages" + Index(s) + ".ops" + Index(static_cast<size_t>(j)) + ": " +
                              Quoted(op) + " is not among the space's choices (" +
                              Join(options.choices) + ")");
      }
    }
  }
}

// ---- Decisions ----

std::vector<std::vector<std::string>> LayerChoices(const ChainSpaceOptions& options) {
  options.Validate();
  std::vector<std::string> no_skip;
  for (const std::string& op : options.choices) {
    if (op != kSkip) no_skip.push_back(op);
  }
  std::vector<std::vector<std::string>> offered;
  for (size_t s = 0; s < options.stages.size(); ++s) {
    const bool changes = !ShapeChange(options.stem, options.stages, s).empty();
    for (int j = 0; j < options.stages[s].layers; ++j) {
      offered.push_back(j == 0 && changes ? no_skip : options.choices);
    }
  }
  return offered;
}

ChainArch DecodePath(const std::vector<int64_t>& path, const ChainSpaceOptions& options) {
  const std::vector<std::vector<std::string>> offered = LayerChoices(options);
  CheckPath(path, offered);
  ChainArch arch;
  arch.stem = options.stem;
  arch.stages = options.stages;
  for (size_t i = 0; i < path.size(); ++i) {
    arch.ops.push_back(offered[i][static_cast<size_t>(path[i])]);
  }
  return arch;
}

std::vector<int64_t> EncodePath(const ChainArch& arch, const ChainSpaceOptions& options) {
  Validate(arch, options);
  const std::vector<std::vector<std::string>> offered = LayerChoices(options);
  std::vector<int64_t> path;
  path.reserve(offered.size());
  for (size_t i = 0; i < offered.size(); ++i) {
    const auto it = std::find(offered[i].begin(), offered[i].end(), arch.ops[i]);
    if (it == offered[i].end()) {
      throw InternalError("chain: layer " + std::to_string(i) + " does not offer '" + arch.ops[i] +
                          "' after validation");
    }
    path.push_back(static_cast<int64_t>(it - offered[i].begin()));
  }
  return path;
}

double ChainSpaceSize(const ChainSpaceOptions& options) {
  double size = 1;
  for (const std::vector<std::string>& offered : LayerChoices(options)) {
    size *= static_cast<double>(offered.size());
  }
  return size;
}

}  // namespace automl::nas
