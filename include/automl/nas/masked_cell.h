// The end of an HM-NAS search: the cells that hierarchical masks leave of a DARTS supernet, kept
// with their learned weights, so that a result is stored (JSON), counted, drawn (SVG) and, when it
// happens to be one, turned into a DARTS cell genotype (automl/nas/darts_genotype.h).
//
// S. Yan, B. Fang, F. Zhang, Y. Zheng, X. Zeng, H. Xu, M. Zhang, "HM-NAS: Efficient Neural
// Architecture Search via Hierarchical Masking", ICCV Workshops 2019.
//
// A masked cell is a DARTS-style cell: the inputs c_prev_prev (DARTS's s0) and c_prev (s1) and N
// intermediate nodes; node i may read s0, s1 and nodes 0..i-1; the cell's output concatenates all
// N nodes. Unlike DARTS, which keeps the two strongest edges per node and one operation per edge,
// the binary masks of HM-NAS leave each node ANY number of incoming edges (0 .. all) and each kept
// edge ANY number (>= 1) of operations. The kept parts compute, for node i,
//   node_i = sum over its kept edges e of  w_e * sum over e's kept ops o of  w_o * o(source_e)
// with w_e the learned edge weight and w_o the op's weight; a node without edges outputs zeros.
//
//   MaskedCell normal = DeriveMaskedCell(4, op_weights, op_kept, edge_weights, edge_kept,
//                                        DartsPrimitives());
//   Json j = ToJson(MaskedGenotype{normal, reduction});  // {"type": "masked-cell", ...}
//   if (IsTwoEdgeCell(normal)) Cell darts = ToDartsCell(normal);
#ifndef AUTOML_NAS_MASKED_CELL_H_
#define AUTOML_NAS_MASKED_CELL_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "automl/json.h"
#include "automl/nas/nasnet_cell.h"

namespace automl::nas {

// One kept operation of an edge. |op| is "skip_connect" or a KnownCellOperations() name, never
// "none" (identity and skip_connect count as one operation); |weight| is finite.
struct MaskedOp {
  std::string op;
  double weight = 1;
};

// One kept edge of a node. |source|: 0 = c_prev_prev (DARTS s0), 1 = c_prev (s1), 2 + k = node k,
// which must be earlier than the edge's node. |weight| is the learned edge weight, finite. |ops|
// is non-empty, without repeats.
struct MaskedEdge {
  int source = 0;
  double weight = 1;
  std::vector<MaskedOp> ops;
};

// A node sums its edges; it may have none (it then outputs zeros). No two edges share a source.
struct MaskedNode {
  std::vector<MaskedEdge> edges;
};

// 1..CellSpaceOptions::kMaxBlocks nodes; the output concatenates all of them.
struct MaskedCell {
  std::vector<MaskedNode> nodes;
};

struct MaskedGenotype {
  MaskedCell normal;
  MaskedCell reduction;
};

// Structural equality: the same nodes, edges and ops in the same order with equal weights.
bool operator==(const MaskedOp& a, const MaskedOp& b);
bool operator==(const MaskedEdge& a, const MaskedEdge& b);
bool operator==(const MaskedNode& a, const MaskedNode& b);
bool operator==(const MaskedCell& a, const MaskedCell& b);
bool operator==(const MaskedGenotype& a, const MaskedGenotype& b);
bool operator!=(const MaskedCell& a, const MaskedCell& b);
bool operator!=(const MaskedGenotype& a, const MaskedGenotype& b);

// Throws InvalidArgument naming the path and the rule broken; the message starts with |where|
// ("masked-cell: normal" gives "masked-cell: normal.nodes[2].edges[0].source: ...").
void Validate(const MaskedCell& cell, const std::string& where);
// Both cells, as "masked-cell: normal" and "masked-cell: reduction".
void Validate(const MaskedGenotype& genotype);

// "c_prev_prev" (0), "c_prev" (1), "n0" (2), "n1" (3), ...; |source| must be >= 0 (else
// InvalidArgument). Note the order: DARTS's s0, s1, unlike the input indices of nasnet_cell.h.
std::string MaskedSourceName(int source);
// The inverse of MaskedSourceName; nullopt for any other text (also "n01": one spelling each).
std::optional<int> ParseMaskedSource(std::string_view name);

// ---- JSON ----
//
//   {"type": "masked-cell",
//    "normal": {"nodes": [[{"from": "c_prev", "weight": 0.83,
//                           "ops": [{"op": "sep_conv_3x3", "weight": 0.41}, ...]}, ...],
//                         ...]},
//    "reduction": {...}}
//
// `nodes` lists each node's edges. Reading is strict: every key is required, unknown keys are
// refused, and the result is validated; messages name the JSON path
// ("masked-cell: normal.nodes[2][0].from: ..."). ToJson validates |genotype| first.
Json ToJson(const MaskedGenotype& genotype);
MaskedGenotype MaskedGenotypeFromJson(const Json& json);

// ---- Derivation ----
//
// One cell with |nodes| nodes from a search's learned values, one row per edge in DARTS's order
// (node 0's edges from s0, s1; node 1's from s0, s1, node 0; ...; DartsEdgeCount(nodes) rows):
//   op_weights[e][p]  the weight of primitive p on edge e (e.g. softmax(alpha)), finite;
//   op_kept[e][p]     its binary operation mask;
//   edge_weights[e]   the edge weight, finite;
//   edge_kept[e]      its binary edge mask.
// |primitives| names the columns: "none", "skip_connect" or a KnownCellOperations() name, without
// repeats and with at least one other than "none". Edge e survives when edge_kept[e] and at least
// one primitive other than "none" is kept on it ("none" contributes nothing, so it is never an
// op); its ops are the kept primitives other than "none", in |primitives| order, with their names
// as given (skip_connect stays skip_connect). A node's edges keep DARTS's order. Throws
// InvalidArgument ("masked-cell: op_weights[3]: ...") on mismatched sizes or non-finite values.
MaskedCell DeriveMaskedCell(int nodes, const std::vector<std::vector<double>>& op_weights,
                            const std::vector<std::vector<bool>>& op_kept,
                            const std::vector<double>& edge_weights,
                            const std::vector<bool>& edge_kept,
                            const std::vector<std::string>& primitives);

// ---- Counts ----

int EdgeCount(const MaskedCell& cell);  // kept edges, all nodes
int OpCount(const MaskedCell& cell);    // kept operations, all edges
std::vector<int> EdgesPerNode(const MaskedCell& cell);

// ---- DARTS cells ----

// Whether every node keeps exactly two edges with one op each: then the cell is a DARTS cell.
bool IsTwoEdgeCell(const MaskedCell& cell);
// That DARTS cell as DiscretizeCell (darts_genotype.h) writes it: node i becomes block i, branch j
// is edge j in the given order (source c_prev_prev, c_prev or b<k>; skip_connect becomes
// identity), combine `add`, output "all". The weights are dropped. Validates |cell| and throws
// InvalidArgument ("masked-cell: cell.nodes[1]: ...") unless IsTwoEdgeCell.
Cell ToDartsCell(const MaskedCell& cell);

// ---- Drawing ----

// A self-contained SVG 1.1 document (starting "<svg", ending "</svg>") drawing |cell| left to
// right by depth: the inputs, each edge as a frame around one box per kept op (labelled with the
// op and its weight) with the edge weight on its arrow into the node, the node circles and the
// output concatenating them. |title| is drawn above it; text is escaped for XML. Validates |cell|
// ("masked-cell: cell.nodes[0]...").
std::string MaskedCellSvg(const MaskedCell& cell, const std::string& title);
// Both cells in one document, titled "normal cell" and "reduction cell", one above the other.
std::string MaskedGenotypeSvg(const MaskedGenotype& genotype);

}  // namespace automl::nas

#endif  // AUTOML_NAS_MASKED_CELL_H_
