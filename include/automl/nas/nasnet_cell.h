// The NASNet cell search space, genotype part: which architectures the space holds, how one is
// written (JSON), compared (canonical form), searched (categorical decisions, sampling, mutation)
// and drawn (SVG). Building and training the network is not part of this library.
//
// B. Zoph, V. Vasudevan, J. Shlens, Q. V. Le, "Learning Transferable Architectures for Scalable
// Image Recognition", CVPR 2018.
//
// A network stacks two kinds of cell: a normal cell keeps the spatial size, a reduction cell halves
// it. A cell has two inputs, h_i = c_prev (the previous cell's output) and h_{i-1} = c_prev_prev
// (the one before), and B blocks. Block k picks two inputs among c_prev, c_prev_prev and the
// outputs of blocks 0..k-1, applies one operation to each and combines the two results by
// element-wise addition (`add`) or channel concatenation (`concat`). The outputs of the blocks that
// no block uses are concatenated as the cell's output. A cell may instead concatenate all its
// blocks (output "all"), as DARTS's cells do (see automl/nas/darts_genotype.h), so that a DARTS
// result is a genotype of this form too.
//
//   CellSpaceOptions options;                       // B = 5, all 13 operations, add only
//   Rng rng(7);
//   Genotype g = Sample(rng, options);
//   Json j = ToJson(g);                             // canonical: equal architectures, equal JSON
//   Genotype h = Mutate(g, rng, options);           // exactly one decision changed
//   std::string svg = GenotypeSvg(g);
//
// Functions that take options validate them and the genotype they are given against them;
// functions that take a genotype alone check what they rely on (inputs that name earlier blocks).
// Either refuses an invalid one with an InvalidArgument naming the JSON path and the rule broken.
#ifndef AUTOML_NAS_NASNET_CELL_H_
#define AUTOML_NAS_NASNET_CELL_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "automl/json.h"
#include "automl/random.h"

namespace automl::nas {

// The 13 operations of the NASNet paper, in its order: identity, conv_1x3_3x1, conv_1x7_7x1,
// dil_conv_3x3, avg_pool_3x3, max_pool_3x3, max_pool_5x5, max_pool_7x7, conv_1x1, conv_3x3,
// sep_conv_3x3, sep_conv_5x5, sep_conv_7x7.
const std::vector<std::string>& NasnetOperations();
bool IsNasnetOperation(std::string_view name);
// The operations a cell may apply: NasnetOperations() and then dil_conv_5x5, which DARTS's space
// has and NASNet's lacks (H. Liu, K. Simonyan, Y. Yang, "DARTS: Differentiable Architecture
// Search", ICLR 2019). Search spaces default to the NASNet 13; options may list dil_conv_5x5.
const std::vector<std::string>& KnownCellOperations();
bool IsKnownCellOperation(std::string_view name);

// What the search space holds. Plain fields; Validate() (called by every function that takes
// options) checks them.
struct CellSpaceOptions {
  static constexpr int kMinBlocks = 1;
  static constexpr int kMaxBlocks = 10;

  int blocks = 5;  // B, blocks per cell
  // The operations a branch may apply: a non-empty subset of KnownCellOperations() without
  // repeats, in the order the decisions list them.
  std::vector<std::string> operations = NasnetOperations();
  // How a block combines its two branches: a non-empty subset of {"add", "concat"}.
  std::vector<std::string> combine = {"add"};
  // true: the normal and the reduction cell are searched separately; false: one cell serves both.
  bool separate_reduction = true;

  // Reads {type: nasnet-cell, blocks: 5, operations: [...], combine: [add, concat],
  // separate_reduction: true}; every key is optional, `type` must be "nasnet-cell" when present,
  // and unknown keys are refused. Validates the result.
  static CellSpaceOptions FromJson(const Json& json);
  // All five keys, `type` first; FromJson(ToJson()) gives the same options.
  Json ToJson() const;
  // Throws InvalidArgument naming the field ("nasnet-cell: blocks: ...").
  void Validate() const;
};

// Input indices of a branch: 0 is c_prev, 1 is c_prev_prev, kFirstBlockInput + k is block k's
// output, written b<k> in JSON and in decision choices.
inline constexpr int kCPrev = 0;
inline constexpr int kCPrevPrev = 1;
inline constexpr int kFirstBlockInput = 2;
constexpr int BlockInput(int block) { return kFirstBlockInput + block; }
// "c_prev", "c_prev_prev", "b3"; |input| must be >= 0.
std::string InputName(int input);
// The inverse of InputName; nullopt for any other text (also "b03": one spelling per input).
std::optional<int> ParseInput(std::string_view name);

struct Block {
  std::array<int, 2> inputs{};     // see kCPrev, kCPrevPrev, BlockInput
  std::array<std::string, 2> ops;  // ops[i] is applied to inputs[i]
  std::string combine = "add";     // "add" or "concat"
};

// Which blocks a cell concatenates as its output.
enum class CellOutput {
  kUnused,  // "unused": the blocks no block reads (NASNet)
  kAll,     // "all": every block, also those later blocks read (DARTS: concat = range(2, 2 + N))
};
// "unused", "all".
std::string CellOutputName(CellOutput output);
// The inverse of CellOutputName; nullopt for any other text.
std::optional<CellOutput> ParseCellOutput(std::string_view name);

struct Cell {
  std::vector<Block> blocks;
  CellOutput output = CellOutput::kUnused;

  // The indices of the blocks whose outputs, concatenated in this order, are the cell's output,
  // ascending: with kUnused the blocks no block reads, with kAll every block. c_prev and
  // c_prev_prev never count, used or not.
  std::vector<int> Outputs() const;
};

// With separate_reduction false, reduction equals normal.
struct Genotype {
  Cell normal;
  Cell reduction;
};

// Throws InvalidArgument unless every input of |cell| is c_prev, c_prev_prev or an earlier block;
// the message starts with |where| ("genotype: normal" gives "genotype: normal[2].inputs[1]: ...").
void CheckInputs(const Cell& cell, const std::string& where);

// Structural equality: the same blocks in the same order with the same branch order, and the same
// output mode. For "the same architecture" use SameArchitecture.
bool operator==(const Block& a, const Block& b);
bool operator!=(const Block& a, const Block& b);
bool operator==(const Cell& a, const Cell& b);
bool operator!=(const Cell& a, const Cell& b);
bool operator==(const Genotype& a, const Genotype& b);
bool operator!=(const Genotype& a, const Genotype& b);

// Checks |genotype| against |options|: B blocks per cell, inputs that name c_prev, c_prev_prev or
// an earlier block, operations and combine among the options' ones, and with separate_reduction
// false a reduction cell that is the same architecture as the normal one. Either output mode is
// valid: the options do not restrict it (the decisions below do, see Encode). Throws
// InvalidArgument naming the path ("genotype: normal[2].inputs[1]: ...").
void Validate(const Genotype& genotype, const CellSpaceOptions& options);

// ---- JSON ----
//
//   {"normal": [{"inputs": ["c_prev", "b0"], "ops": ["sep_conv_3x3", "identity"],
//                "combine": "add"}, ...],
//    "reduction": [...]}
//
// A cell with output "all" is written as an object, {"output": "all", "blocks": [...]}; a cell
// with output "unused" as its block list alone, as above (reading accepts the object form with
// "output": "unused" too). So genotypes without "all" cells keep their JSON byte for byte.
//
// Reads and validates a genotype. `combine` may be left out of a block when the options allow one
// combine only. With separate_reduction false `reduction` may be left out (it is then the normal
// cell); when given it must be the same architecture as `normal`.
Genotype FromJson(const Json& json, const CellSpaceOptions& options);
// Writes the canonical form of |genotype| (see Canonical), both cells, every key.
Json ToJson(const Genotype& genotype);

// ---- Canonical form ----
//
// Two cells are the same architecture when they have the same output mode and one turns into the
// other by swapping the two branches
// (input and op) of blocks and by renumbering the blocks in another order in which every block
// still comes after the blocks it reads. `concat` counts as commutative like `add`: swapping its
// operands only permutes channels, which the next layer's weights absorb.
//
// The canonical cell is built from a structural key per block, independent of numbering:
//   key(block)  = combine "(" smaller branch key "," larger branch key ")"
//   branch key  = op ":" (c_prev | c_prev_prev | "[" key(referenced block) "]")
// Blocks are placed in topological order, each time taking among the blocks whose inputs are all
// placed one with the smallest key, renumbered in that order, and each block's branches are
// ordered by (branch key, renumbered input). Blocks with equal keys can still be told apart by
// what reads them; among the orders the ties allow, the canonical one is the one whose block list
// is smallest, comparing blocks by (combine, ops[0], inputs[0], ops[1], inputs[1]). The search
// skips ties between blocks that an automorphism swaps, so it stays small for B <= 10. The output
// mode is kept; renumbering only permutes the concatenated channels under either mode.
Cell Canonical(const Cell& cell);
Genotype Canonical(const Genotype& genotype);
bool SameArchitecture(const Cell& a, const Cell& b);
bool SameArchitecture(const Genotype& a, const Genotype& b);

// ---- Decisions ----
//
// The space as categorical decisions, so that any sampler over categorical parameters can search
// it. Per cell (`normal`, then `reduction` when separate_reduction) and per block b, in order:
//   <cell>.b<b>.in0, <cell>.b<b>.in1   choices c_prev, c_prev_prev, b0, ..., b<b-1>
//   <cell>.b<b>.op0, <cell>.b<b>.op1   choices the options' operations
//   <cell>.b<b>.combine                the options' combine choices, only when there are two
// An input decision's choice index is the input index itself (0 c_prev, 1 c_prev_prev, 2+k b<k>).
// The output mode is not a decision: the decisions describe cells with output "unused" only.
struct Decision {
  std::string name;
  std::vector<std::string> choices;
};

std::vector<Decision> Decisions(const CellSpaceOptions& options);
// The genotype that |choice_indices| (one per decision, in order) pick. With separate_reduction
// false, the reduction cell is a copy of the normal one.
Genotype Decode(const std::vector<int64_t>& choice_indices, const CellSpaceOptions& options);
// The choice indices of |genotype| as given (not canonicalized): Decode(Encode(g)) == g for a
// valid g, Encode(Decode(v)) == v for any valid v. Validates |genotype| first, and refuses a cell
// with output "all" ("genotype: normal.output: ..."), which no decision vector describes.
std::vector<int64_t> Encode(const Genotype& genotype, const CellSpaceOptions& options);
// The number of decision vectors, the product of the decisions' choice counts (exact up to double
// rounding; at most about 1e81). Equal architectures written differently count separately.
double SpaceSize(const CellSpaceOptions& options);

// ---- Search ----

// Every decision drawn uniformly and independently.
Genotype Sample(Rng& rng, const CellSpaceOptions& options);

// Changes exactly one decision of |genotype| to a different value, as the mutation of regularized
// evolution (E. Real, A. Aggarwal, Y. Huang, Q. V. Le, "Regularized Evolution for Image Classifier
// Architecture Search", AAAI 2019). The distribution, exactly:
//   1. a cell, uniformly among the searched ones (normal, and reduction when separate_reduction);
//   2. a block, uniformly among the B blocks;
//   3. a decision of that block, uniformly among those with at least two choices: in0, in1, op0,
//      op1 and, with two combine choices, combine. With a single combine choice and two or more
//      operations this is the paper's coin: hidden-state or op mutation with probability 1/2 each,
//      then either branch with probability 1/2. Input decisions always have two choices or more;
//      op decisions drop out when the options list a single operation;
//   4. a new value, uniformly among that decision's other choices.
// The result keeps |genotype|'s numbering and branch order (it is not canonicalized). With
// separate_reduction false the change applies to the normal cell and the reduction cell is a copy
// of it, so the two stay one cell. Like Encode, refuses a cell with output "all".
Genotype Mutate(const Genotype& genotype, Rng& rng, const CellSpaceOptions& options);

// ---- Drawing ----

// A self-contained SVG 1.1 document (starting "<svg", ending "</svg>") drawing |cell| left to
// right by depth: the inputs c_prev and c_prev_prev, one box per branch operation, one ellipse per
// block's combine, and the output node concatenating the blocks of Cell::Outputs() (the unused
// ones, or all with output "all"), joined by arrows. |title|
// is drawn above it; text is escaped for XML. Throws InvalidArgument when an input refers to a
// block that is not earlier.
std::string CellSvg(const Cell& cell, const std::string& title);
// Both cells in one document, titled "normal cell" and "reduction cell", one above the other.
std::string GenotypeSvg(const Genotype& genotype);

}  // namespace automl::nas

#endif  // AUTOML_NAS_NASNET_CELL_H_
