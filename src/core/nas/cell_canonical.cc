// The canonical form of a NASNet cell: one spelling per architecture, so that equal architectures
// compare (and serialize) equal. The header describes the form; this file finds it.
#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "automl/nas/nasnet_cell.h"

namespace automl::nas {
namespace {

// The total order on renumbered blocks that picks the canonical order among ties.
bool BlockLess(const Block& a, const Block& b) {
  return std::tie(a.combine, a.ops[0], a.inputs[0], a.ops[1], a.inputs[1]) <
         std::tie(b.combine, b.ops[0], b.inputs[0], b.ops[1], b.inputs[1]);
}

// Finds the canonical block list by a depth-first search over the topological orders that always
// place a smallest-key ready block. Only ties between equal keys branch; keys are invariant under
// renumbering and branch swaps, so the set of orders searched, and its smallest block list, are
// too.
class Canonicalizer {
 public:
  explicit Canonicalizer(const Cell& cell)
      : cell_(cell), consumers_(cell.blocks.size()), position_(cell.blocks.size(), kUnplaced) {
    CheckInputs(cell, "cell");
    ComputeKeys();
    ComputeConsumers();
  }

  Cell Run() {
    Search();
    return Cell{*best_, cell_.output};
  }

 private:
  static constexpr int kUnplaced = -1;

  int size() const { return static_cast<int>(cell_.blocks.size()); }

  // Inputs refer only to earlier blocks, so one pass in block order computes every key.
  void ComputeKeys() {
    for (const Block& block : cell_.blocks) {
      std::array<std::string, 2> branches;
      for (size_t i = 0; i < 2; ++i) {
        const int input = block.inputs[i];
        branches[i] = block.ops[i] + ":" +
                      (input < kFirstBlockInput ? InputName(input)
                                                : "[" + keys_[input - kFirstBlockInput] + "]");
      }
      const auto [low, high] = std::minmax(branches[0], branches[1]);
      keys_.push_back(block.combine + "(" + low + "," + high + ")");
      branch_keys_.push_back(branches);
    }
  }

  // For each block, the (reading block, op) pairs that read it, sorted: two ready blocks with the
  // same content and the same readers are swapped by an automorphism of the cell.
  void ComputeConsumers() {
    for (int b = 0; b < size(); ++b) {
      const Block& block = cell_.blocks[b];
      for (size_t i = 0; i < 2; ++i) {
        if (block.inputs[i] >= kFirstBlockInput) {
          consumers_[block.inputs[i] - kFirstBlockInput].emplace_back(b, block.ops[i]);
        }
      }
    }
    for (auto& readers : consumers_) std::sort(readers.begin(), readers.end());
  }

  bool Ready(int b) const {
    if (position_[b] != kUnplaced) return false;
    for (const int input : cell_.blocks[b].inputs) {
      if (input >= kFirstBlockInput && position_[input - kFirstBlockInput] == kUnplaced) {
        return false;
      }
    }
    return true;
  }

  static std::array<std::pair<int, std::string>, 2> SortedBranches(const Block& block) {
    std::array<std::pair<int, std::string>, 2> branches = {
        std::make_pair(block.inputs[0], block.ops[0]),
        std::make_pair(block.inputs[1], block.ops[1])};
    std::sort(branches.begin(), branches.end());
    return branches;
  }

  // Swapping two unplaced blocks with the same content and the same readers maps the cell onto
  // itself, so both choices lead to the same canonical lists: searching one is enough.
  bool Twins(int a, int b) const {
    const Block& x = cell_.blocks[a];
    const Block& y = cell_.blocks[b];
    return x.combine == y.combine && SortedBranches(x) == SortedBranches(y) &&
           consumers_[a] == consumers_[b];
  }

  // The ready blocks with the smallest key, one per class of twins.
  std::vector<int> Candidates() const {
    std::vector<int> ready;
    for (int b = 0; b < size(); ++b) {
      if (Ready(b)) ready.push_back(b);
    }
    const std::string& smallest = keys_[*std::min_element(
        ready.begin(), ready.end(), [this](int a, int b) { return keys_[a] < keys_[b]; })];
    std::vector<int> candidates;
    for (const int b : ready) {
      if (keys_[b] != smallest) continue;
      const bool twin = std::any_of(candidates.begin(), candidates.end(),
                                    [this, b](int kept) { return Twins(kept, b); });
      if (!twin) candidates.push_back(b);
    }
    return candidates;
  }

  // Block |b| with inputs renumbered by the current placement and branches in canonical order.
  Block Renumbered(int b) const {
    const Block& block = cell_.blocks[b];
    std::array<int, 2> inputs = block.inputs;
    for (int& input : inputs) {
      if (input >= kFirstBlockInput) input = BlockInput(position_[input - kFirstBlockInput]);
    }
    const bool swap =
        std::tie(branch_keys_[b][1], inputs[1]) < std::tie(branch_keys_[b][0], inputs[0]);
    const size_t first = swap ? 1 : 0;
    const size_t second = 1 - first;
    return Block{
        {inputs[first], inputs[second]}, {block.ops[first], block.ops[second]}, block.combine};
  }

  // Whether the blocks placed so far already compare greater than the best list's prefix.
  bool WorseThanBest() const {
    return best_ && std::lexicographical_compare(best_->begin(), best_->begin() + placed_.size(),
                                                 placed_.begin(), placed_.end(), BlockLess);
  }

  void Search() {
    if (static_cast<int>(placed_.size()) == size()) {
      if (!best_ || std::lexicographical_compare(placed_.begin(), placed_.end(), best_->begin(),
                                                 best_->end(), BlockLess)) {
        best_ = placed_;
      }
      return;
    }
    for (const int b : Candidates()) {
      position_[b] = static_cast<int>(placed_.size());
      placed_.push_back(Renumbered(b));
      if (!WorseThanBest()) Search();
      placed_.pop_back();
      position_[b] = kUnplaced;
    }
  }

  const Cell& cell_;
  std::vector<std::string> keys_;
  std::vector<std::array<std::string, 2>> branch_keys_;
  std::vector<std::vector<std::pair<int, std::string>>> consumers_;
  // The search state: the new position of each original block, and the renumbered blocks placed.
  std::vector<int> position_;
  std::vector<Block> placed_;
  std::optional<std::vector<Block>> best_;
};

}  // namespace

Cell Canonical(const Cell& cell) { return Canonicalizer(cell).Run(); }

Genotype Canonical(const Genotype& genotype) {
  return Genotype{Canonical(genotype.normal), Canonical(genotype.reduction)};
}

bool SameArchitecture(const Cell& a, const Cell& b) {
  return a.blocks.size() == b.blocks.size() && Canonical(a) == Canonical(b);
}

bool SameArchitecture(const Genotype& a, const Genotype& b) {
  return SameArchitecture(a.normal, b.normal) && SameArchitecture(a.reduction, b.reduction);
}

}  // namespace automl::nas
