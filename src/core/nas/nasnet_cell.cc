// The NASNet cell space's vocabulary (operations, options, input names), structural equality,
// validation and the JSON form of a genotype.
#include "automl/nas/nasnet_cell.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "automl/error.h"

namespace automl::nas {
namespace {

constexpr char kOptionsWhere[] = "nasnet-cell";
constexpr char kGenotypeWhere[] = "genotype";
constexpr std::array<std::string_view, 2> kCombines = {"add", "concat"};

std::string Quoted(const std::string& text) { return "'" + text + "'"; }

template <typename Strings>
std::string Join(const Strings& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

bool Contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

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

// A list of names that must be a non-empty subset of |allowed| without repeats.
void CheckNameList(const std::vector<std::string>& names, const std::string& field,
                   const std::string& kind, bool (*allowed)(std::string_view),
                   const std::string& allowed_list) {
  const std::string where = std::string(kOptionsWhere) + ": " + field;
  if (names.empty()) throw InvalidArgument(where + ": must list at least one " + kind);
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]: " + Quoted(names[i]);
    if (!allowed(names[i])) {
      throw InvalidArgument(at + " is not a " + kind + " (" + allowed_list + ")");
    }
    const auto first = std::find(names.begin(), names.end(), names[i]) - names.begin();
    if (static_cast<size_t>(first) != i) {
      throw InvalidArgument(at + " repeats " + field + "[" + std::to_string(first) + "]");
    }
  }
}

std::string BlocksError(const std::string& blocks) {
  return std::string(kOptionsWhere) + ": blocks: " + blocks + " is outside " +
         std::to_string(CellSpaceOptions::kMinBlocks) + ".." +
         std::to_string(CellSpaceOptions::kMaxBlocks);
}

bool IsCombine(std::string_view name) {
  return std::find(kCombines.begin(), kCombines.end(), name) != kCombines.end();
}

std::vector<std::string> ReadStringList(const Json& json, const std::string& where) {
  if (!json.is_array()) throw InvalidArgument(where + ": must be a list of names");
  std::vector<std::string> names;
  for (size_t i = 0; i < json.size(); ++i) {
    if (!json[i].is_string()) {
      throw InvalidArgument(where + "[" + std::to_string(i) + "]: must be a name, not " +
                            json[i].dump());
    }
    names.push_back(json[i].get<std::string>());
  }
  return names;
}

// ---- Genotype validation ----

void CheckInput(int input, int block, const std::string& at) {
  if (input < 0) {
    throw InvalidArgument(at + ": " + std::to_string(input) +
                          " is not an input (0 c_prev, 1 c_prev_prev, 2+k block k)");
  }
  if (input >= BlockInput(block)) {
    const int referenced = input - kFirstBlockInput;
    throw InvalidArgument(at + ": " + Quoted(InputName(input)) + " refers to block " +
                          std::to_string(referenced) + ", which is not earlier than block " +
                          std::to_string(block));
  }
}

// The message lists what is accepted: the NASNet paper's operations and DARTS's extra one.
std::string KnownOperationsText() { return Join(NasnetOperations()) + ", or DARTS's dil_conv_5x5"; }

void CheckOp(const std::string& op, const CellSpaceOptions& options, const std::string& at) {
  if (!IsKnownCellOperation(op)) {
    throw InvalidArgument(at + ": " + Quoted(op) + " is not a NASNet operation (" +
                          KnownOperationsText() + ")");
  }
  if (!Contains(options.operations, op)) {
    throw InvalidArgument(at + ": " + Quoted(op) + " is not among the options' operations (" +
                          Join(options.operations) + ")");
  }
}

void CheckCombine(const std::string& combine, const CellSpaceOptions& options,
                  const std::string& at) {
  if (!IsCombine(combine)) {
    throw InvalidArgument(at + ": " + Quoted(combine) + " is not a combine (" + Join(kCombines) +
                          ")");
  }
  if (!Contains(options.combine, combine)) {
    throw InvalidArgument(at + ": " + Quoted(combine) +
                          " is not among the options' combine choices (" + Join(options.combine) +
                          ")");
  }
}

void CheckCell(const Cell& cell, const CellSpaceOptions& options, const std::string& name) {
  const std::string where = std::string(kGenotypeWhere) + ": " + name;
  if (static_cast<int>(cell.blocks.size()) != options.blocks) {
    throw InvalidArgument(where + ": expected " + std::to_string(options.blocks) + " blocks, got " +
                          std::to_string(cell.blocks.size()));
  }
  CheckInputs(cell, where);
  for (size_t b = 0; b < cell.blocks.size(); ++b) {
    const Block& block = cell.blocks[b];
    const std::string at = where + "[" + std::to_string(b) + "]";
    for (size_t i = 0; i < 2; ++i) {
      CheckOp(block.ops[i], options, at + ".ops[" + std::to_string(i) + "]");
    }
    CheckCombine(block.combine, options, at + ".combine");
  }
}

// ---- JSON ----

std::string ReadName(const Json& json, const std::string& at) {
  if (!json.is_string()) throw InvalidArgument(at + ": must be a string, not " + json.dump());
  return json.get<std::string>();
}

const Json& ReadPair(const Json& block, const char* key, const std::string& at) {
  if (!block.contains(key)) throw InvalidArgument(at + ": missing '" + key + "'");
  const Json& pair = block.at(key);
  if (!pair.is_array() || pair.size() != 2) {
    throw InvalidArgument(at + "." + key + ": must be a list of two names, not " + pair.dump());
  }
  return pair;
}

Block ReadBlock(const Json& json, const CellSpaceOptions& options, const std::string& at) {
  if (!json.is_object()) {
    throw InvalidArgument(at + ": must be an object with inputs, ops and combine, not " +
                          json.dump());
  }
  RefuseUnknownKeys(json, {"inputs", "ops", "combine"}, at);
  Block block;
  const Json& inputs = ReadPair(json, "inputs", at);
  const Json& ops = ReadPair(json, "ops", at);
  for (size_t i = 0; i < 2; ++i) {
    const std::string index = "[" + std::to_string(i) + "]";
    const std::string input_at = at + ".inputs" + index;
    const std::string name = ReadName(inputs[i], input_at);
    const std::optional<int> input = ParseInput(name);
    if (!input) {
      throw InvalidArgument(input_at + ": " + Quoted(name) + " is not c_prev, c_prev_prev or b<k>");
    }
    block.inputs[i] = *input;
    block.ops[i] = ReadName(ops[i], at + ".ops" + index);
  }
  if (json.contains("combine")) {
    block.combine = ReadName(json.at("combine"), at + ".combine");
  } else if (options.combine.size() == 1) {
    block.combine = options.combine.front();  // nothing to choose, nothing to write
  } else {
    throw InvalidArgument(at + ": missing 'combine' (the options allow " + Join(options.combine) +
                          ")");
  }
  return block;
}

// A cell is its block list, or {"output": ..., "blocks": [...]} to give the output mode.
Cell ReadCell(const Json& json, const CellSpaceOptions& options, const std::string& name) {
  const std::string where = std::string(kGenotypeWhere) + ": " + name;
  Cell cell;
  const Json* blocks = &json;
  if (json.is_object()) {
    RefuseUnknownKeys(json, {"output", "blocks"}, where);
    if (!json.contains("blocks")) throw InvalidArgument(where + ": missing 'blocks'");
    blocks = &json.at("blocks");
    if (json.contains("output")) {
      const std::string at = where + ".output";
      const std::string text = ReadName(json.at("output"), at);
      const std::optional<CellOutput> output = ParseCellOutput(text);
      if (!output) throw InvalidArgument(at + ": " + Quoted(text) + " is not 'unused' or 'all'");
      cell.output = *output;
    }
  } else if (!json.is_array()) {
    throw InvalidArgument(where + ": must be a list of blocks or {output, blocks}");
  }
  if (!blocks->is_array()) throw InvalidArgument(where + ".blocks: must be a list of blocks");
  for (size_t b = 0; b < blocks->size(); ++b) {
    cell.blocks.push_back(ReadBlock((*blocks)[b], options, where + "[" + std::to_string(b) + "]"));
  }
  return cell;
}

Json CellToJson(const Cell& cell) {
  Json blocks = Json::array();
  for (const Block& block : cell.blocks) {
    blocks.push_back(Json{{"inputs", {InputName(block.inputs[0]), InputName(block.inputs[1])}},
                          {"ops", {block.ops[0], block.ops[1]}},
                          {"combine", block.combine}});
  }
  // The default mode keeps the plain list, so that NASNet genotypes keep their JSON.
  if (cell.output == CellOutput::kUnused) return blocks;
  return Json{{"output", CellOutputName(cell.output)}, {"blocks", blocks}};
}

}  // namespace

const std::vector<std::string>& NasnetOperations() {
  static const std::vector<std::string> kOperations = {
      "identity",     "conv_1x3_3x1", "conv_1x7_7x1", "dil_conv_3x3", "avg_pool_3x3",
      "max_pool_3x3", "max_pool_5x5", "max_pool_7x7", "conv_1x1",     "conv_3x3",
      "sep_conv_3x3", "sep_conv_5x5", "sep_conv_7x7"};
  return kOperations;
}

bool IsNasnetOperation(std::string_view name) {
  const std::vector<std::string>& ops = NasnetOperations();
  return std::find(ops.begin(), ops.end(), name) != ops.end();
}

const std::vector<std::string>& KnownCellOperations() {
  static const std::vector<std::string> kOperations = [] {
    std::vector<std::string> ops = NasnetOperations();
    ops.push_back("dil_conv_5x5");
    return ops;
  }();
  return kOperations;
}

bool IsKnownCellOperation(std::string_view name) {
  const std::vector<std::string>& ops = KnownCellOperations();
  return std::find(ops.begin(), ops.end(), name) != ops.end();
}

// ---- CellSpaceOptions ----

CellSpaceOptions CellSpaceOptions::FromJson(const Json& json) {
  const std::string where = kOptionsWhere;
  if (!json.is_object()) throw InvalidArgument(where + ": options must be a mapping");
  RefuseUnknownKeys(json, {"type", "blocks", "operations", "combine", "separate_reduction"}, where);
  if (json.contains("type") && json.at("type") != "nasnet-cell") {
    throw InvalidArgument(where + ": type: must be 'nasnet-cell', not " + json.at("type").dump());
  }
  CellSpaceOptions options;
  if (json.contains("blocks")) {
    const Json& blocks = json.at("blocks");
    if (!blocks.is_number_integer()) {
      throw InvalidArgument(where + ": blocks: must be an integer, not " + blocks.dump());
    }
    // Checked before narrowing to int, so that a huge value is reported as written.
    const auto value = blocks.get<double>();
    if (value < kMinBlocks || value > kMaxBlocks) throw InvalidArgument(BlocksError(blocks.dump()));
    options.blocks = static_cast<int>(value);
  }
  if (json.contains("operations")) {
    options.operations = ReadStringList(json.at("operations"), where + ": operations");
  }
  if (json.contains("combine")) {
    options.combine = ReadStringList(json.at("combine"), where + ": combine");
  }
  if (json.contains("separate_reduction")) {
    const Json& separate = json.at("separate_reduction");
    if (!separate.is_boolean()) {
      throw InvalidArgument(where + ": separate_reduction: must be true or false, not " +
                            separate.dump());
    }
    options.separate_reduction = separate.get<bool>();
  }
  options.Validate();
  return options;
}

Json CellSpaceOptions::ToJson() const {
  return Json{{"type", "nasnet-cell"},
              {"blocks", blocks},
              {"operations", operations},
              {"combine", combine},
              {"separate_reduction", separate_reduction}};
}

void CellSpaceOptions::Validate() const {
  if (blocks < kMinBlocks || blocks > kMaxBlocks) {
    throw InvalidArgument(BlocksError(std::to_string(blocks)));
  }
  CheckNameList(operations, "operations", "NASNet operation", IsKnownCellOperation,
                KnownOperationsText());
  CheckNameList(combine, "combine", "combine", IsCombine, Join(kCombines));
}

// ---- Inputs ----

std::string InputName(int input) {
  if (input == kCPrev) return "c_prev";
  if (input == kCPrevPrev) return "c_prev_prev";
  return "b" + std::to_string(input - kFirstBlockInput);
}

std::optional<int> ParseInput(std::string_view name) {
  if (name == "c_prev") return kCPrev;
  if (name == "c_prev_prev") return kCPrevPrev;
  // b<k>: decimal digits, no sign, no leading zero, small enough not to overflow.
  if (name.size() < 2 || name.size() > 7 || name[0] != 'b') return std::nullopt;
  if (name[1] == '0' && name.size() > 2) return std::nullopt;
  int block = 0;
  for (const char c : name.substr(1)) {
    if (c < '0' || c > '9') return std::nullopt;
    block = block * 10 + (c - '0');
  }
  return BlockInput(block);
}

// ---- Cells and genotypes ----

std::string CellOutputName(CellOutput output) {
  return output == CellOutput::kAll ? "all" : "unused";
}

std::optional<CellOutput> ParseCellOutput(std::string_view name) {
  if (name == "unused") return CellOutput::kUnused;
  if (name == "all") return CellOutput::kAll;
  return std::nullopt;
}

std::vector<int> Cell::Outputs() const {
  // With kAll no block counts as used: every block is part of the output.
  std::vector<bool> used(blocks.size(), false);
  if (output == CellOutput::kUnused) {
    for (const Block& block : blocks) {
      for (const int input : block.inputs) {
        const int referenced = input - kFirstBlockInput;
        if (referenced >= 0 && referenced < static_cast<int>(used.size())) used[referenced] = true;
      }
    }
  }
  std::vector<int> outputs;
  for (size_t b = 0; b < used.size(); ++b) {
    if (!used[b]) outputs.push_back(static_cast<int>(b));
  }
  return outputs;
}

void CheckInputs(const Cell& cell, const std::string& where) {
  for (size_t b = 0; b < cell.blocks.size(); ++b) {
    for (size_t i = 0; i < 2; ++i) {
      CheckInput(cell.blocks[b].inputs[i], static_cast<int>(b),
                 where + "[" + std::to_string(b) + "].inputs[" + std::to_string(i) + "]");
    }
  }
}

bool operator==(const Block& a, const Block& b) {
  return a.inputs == b.inputs && a.ops == b.ops && a.combine == b.combine;
}
bool operator!=(const Block& a, const Block& b) { return !(a == b); }
bool operator==(const Cell& a, const Cell& b) {
  return a.blocks == b.blocks && a.output == b.output;
}
bool operator!=(const Cell& a, const Cell& b) { return !(a == b); }
bool operator==(const Genotype& a, const Genotype& b) {
  return a.normal == b.normal && a.reduction == b.reduction;
}
bool operator!=(const Genotype& a, const Genotype& b) { return !(a == b); }

void Validate(const Genotype& genotype, const CellSpaceOptions& options) {
  options.Validate();
  CheckCell(genotype.normal, options, "normal");
  CheckCell(genotype.reduction, options, "reduction");
  if (!options.separate_reduction && !SameArchitecture(genotype.normal, genotype.reduction)) {
    throw InvalidArgument(std::string(kGenotypeWhere) +
                          ": reduction: differs from normal, but separate_reduction is false");
  }
}

Genotype FromJson(const Json& json, const CellSpaceOptions& options) {
  options.Validate();
  const std::string where = kGenotypeWhere;
  if (!json.is_object()) {
    throw InvalidArgument(where + ": must be a mapping with 'normal' and 'reduction', not " +
                          json.dump());
  }
  RefuseUnknownKeys(json, {"normal", "reduction"}, where);
  if (!json.contains("normal")) throw InvalidArgument(where + ": missing 'normal'");
  Genotype genotype;
  genotype.normal = ReadCell(json.at("normal"), options, "normal");
  if (json.contains("reduction")) {
    genotype.reduction = ReadCell(json.at("reduction"), options, "reduction");
  } else if (!options.separate_reduction) {
    genotype.reduction = genotype.normal;  // one cell serves both
  } else {
    throw InvalidArgument(where + ": missing 'reduction' (separate_reduction is true)");
  }
  Validate(genotype, options);
  // The cells are one: keep one spelling of it, the normal cell's.
  if (!options.separate_reduction) genotype.reduction = genotype.normal;
  return genotype;
}

Json ToJson(const Genotype& genotype) {
  const Genotype canonical = Canonical(genotype);
  return Json{{"normal", CellToJson(canonical.normal)},
              {"reduction", CellToJson(canonical.reduction)}};
}

}  // namespace automl::nas
