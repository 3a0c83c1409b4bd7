// The NASNet cell space as categorical decisions, and the search moves defined on them: uniform
// sampling and single-decision mutation.
#include <cstddef>
#include <string>
#include <vector>

#include "automl/error.h"
#include "automl/nas/nasnet_cell.h"

namespace automl::nas {
namespace {

// Decisions per block: in0, in1, op0, op1 and, with two combine choices, combine.
size_t DecisionsPerBlock(const CellSpaceOptions& options) {
  return options.combine.size() > 1 ? 5 : 4;
}

std::vector<std::string> SearchedCells(const CellSpaceOptions& options) {
  if (options.separate_reduction) return {"normal", "reduction"};
  return {"normal"};
}

size_t IndexOf(const std::vector<std::string>& choices, const std::string& value) {
  for (size_t i = 0; i < choices.size(); ++i) {
    if (choices[i] == value) return i;
  }
  throw InternalError("nasnet-cell: '" + value + "' is not a choice after validation");
}

// Reads one cell's decisions from |indices| starting at |next|, which it advances.
Cell DecodeCell(const std::vector<int64_t>& indices, size_t& next,
                const CellSpaceOptions& options) {
  Cell cell;
  for (int b = 0; b < options.blocks; ++b) {
    Block block;
    for (int& input : block.inputs) input = static_cast<int>(indices[next++]);
    for (std::string& op : block.ops) op = options.operations[indices[next++]];
    block.combine =
        options.combine.size() > 1 ? options.combine[indices[next++]] : options.combine.front();
    cell.blocks.push_back(block);
  }
  return cell;
}

void EncodeCell(const Cell& cell, const CellSpaceOptions& options, const std::string& name,
                std::vector<int64_t>& out) {
  // Decode gives "unused" cells only; refusing here keeps Decode(Encode(g)) == g.
  if (cell.output != CellOutput::kUnused) {
    throw InvalidArgument("genotype: " + name + ".output: '" + CellOutputName(cell.output) +
                          "' is not a decision of the NASNet cell space (its cells concatenate "
                          "the unused blocks)");
  }
  for (const Block& block : cell.blocks) {
    for (const int input : block.inputs) out.push_back(input);
    for (const std::string& op : block.ops) {
      out.push_back(static_cast<int64_t>(IndexOf(options.operations, op)));
    }
    if (options.combine.size() > 1) {
      out.push_back(static_cast<int64_t>(IndexOf(options.combine, block.combine)));
    }
  }
}

void CheckIndices(const std::vector<int64_t>& indices, const std::vector<Decision>& decisions) {
  if (indices.size() != decisions.size()) {
    throw InvalidArgument("decisions: expected " + std::to_string(decisions.size()) +
                          " choice indices, got " + std::to_string(indices.size()));
  }
  for (size_t i = 0; i < indices.size(); ++i) {
    const auto count = static_cast<int64_t>(decisions[i].choices.size());
    if (indices[i] < 0 || indices[i] >= count) {
      throw InvalidArgument("decisions: " + decisions[i].name + ": choice index " +
                            std::to_string(indices[i]) + " is outside 0.." +
                            std::to_string(count - 1));
    }
  }
}

}  // namespace

std::vector<Decision> Decisions(const CellSpaceOptions& options) {
  options.Validate();
  std::vector<Decision> decisions;
  for (const std::string& cell : SearchedCells(options)) {
    for (int b = 0; b < options.blocks; ++b) {
      const std::string prefix = cell + ".b" + std::to_string(b) + ".";
      std::vector<std::string> inputs(BlockInput(b));
      for (int input = 0; input < BlockInput(b); ++input) inputs[input] = InputName(input);
      decisions.push_back({prefix + "in0", inputs});
      decisions.push_back({prefix + "in1", inputs});
      decisions.push_back({prefix + "op0", options.operations});
      decisions.push_back({prefix + "op1", options.operations});
      if (options.combine.size() > 1) decisions.push_back({prefix + "combine", options.combine});
    }
  }
  return decisions;
}

Genotype Decode(const std::vector<int64_t>& choice_indices, const CellSpaceOptions& options) {
  CheckIndices(choice_indices, Decisions(options));
  size_t next = 0;
  Genotype genotype;
  genotype.normal = DecodeCell(choice_indices, next, options);
  genotype.reduction =
      options.separate_reduction ? DecodeCell(choice_indices, next, options) : genotype.normal;
  return genotype;
}

std::vector<int64_t> Encode(const Genotype& genotype, const CellSpaceOptions& options) {
  Validate(genotype, options);
  std::vector<int64_t> indices;
  EncodeCell(genotype.normal, options, "normal", indices);
  if (options.separate_reduction) EncodeCell(genotype.reduction, options, "reduction", indices);
  return indices;
}

double SpaceSize(const CellSpaceOptions& options) {
  double size = 1;
  for (const Decision& decision : Decisions(options)) {
    size *= static_cast<double>(decision.choices.size());
  }
  return size;
}

Genotype Sample(Rng& rng, const CellSpaceOptions& options) {
  const std::vector<Decision> decisions = Decisions(options);
  std::vector<int64_t> indices;
  indices.reserve(decisions.size());
  for (const Decision& decision : decisions) {
    indices.push_back(static_cast<int64_t>(rng.Below(decision.choices.size())));
  }
  return Decode(indices, options);
}

Genotype Mutate(const Genotype& genotype, Rng& rng, const CellSpaceOptions& options) {
  std::vector<int64_t> indices = Encode(genotype, options);
  const std::vector<Decision> decisions = Decisions(options);
  const size_t per_block = DecisionsPerBlock(options);
  const size_t cell = rng.Below(SearchedCells(options).size());
  const size_t block = rng.Below(static_cast<uint64_t>(options.blocks));
  const size_t first = (cell * static_cast<size_t>(options.blocks) + block) * per_block;
  // The block's decisions that can change: input decisions always can, so this is never empty.
  std::vector<size_t> changeable;
  for (size_t d = first; d < first + per_block; ++d) {
    if (decisions[d].choices.size() > 1) changeable.push_back(d);
  }
  const size_t d = changeable[rng.Below(changeable.size())];
  // A uniform value among the other choices: draw among n - 1 and skip the current one.
  const auto other = static_cast<int64_t>(rng.Below(decisions[d].choices.size() - 1));
  indices[d] = other >= indices[d] ? other + 1 : other;
  return Decode(indices, options);
}

}  // namespace automl::nas
