// The end of a DARTS search: turning the learned architecture weights (alphas) of a cell into a
// discrete cell, written as this library's cell genotype (automl/nas/nasnet_cell.h), so that a
// DARTS result is stored, compared, drawn and trained like any other genotype.
//
// H. Liu, K. Simonyan, Y. Yang, "DARTS: Differentiable Architecture Search", ICLR 2019, section
// 2.4 "Deriving discrete architectures", as its reference code does it (github.com/quark0/darts,
// cnn/model_search.py, Network.genotype()).
//
// A DARTS cell has the inputs s0 = c_prev_prev and s1 = c_prev and N intermediate nodes (N = 4 in
// the paper). Node i reads every earlier state: s0, s1, node 0, ..., node i-1, each through a mixed
// operation, a softmax(alpha)-weighted sum over the primitives. The cell's output concatenates all
// N nodes (the reference genotype's concat = range(2, 2 + N)). Discretization, per node:
//   1. weights = softmax(alpha) over the primitives, per edge (the `none` weight is part of the
//      normalization, so a strong `none` weakens every other op on its edge);
//   2. an edge's strength is its largest weight among the primitives other than `none`;
//   3. the two strongest edges are kept, strongest first; on equal strength the earlier edge wins
//      (the reference code's Python sort is stable);
//   4. on each kept edge, the strongest primitive other than `none`; on equal weight the earlier
//      primitive wins (the reference code replaces the best only on a strictly larger weight).
// Node i becomes block i: branch j is kept edge j (its source and primitive), combined by `add`
// (a node sums its inputs). Sources map s0 -> c_prev_prev, s1 -> c_prev, node k -> b<k>;
// primitives map skip_connect -> identity, other names are kept. The cell's output is "all".
//
//   CellAlphas normal{4, normal_rows}, reduction{4, reduction_rows};  // 14 rows of 8 alphas
//   Genotype g = DiscretizeGenotype(normal, reduction, DartsPrimitives());
//   Json j = ToJson(g);  // {"normal": {"output": "all", "blocks": [...]}, ...}
//
// Softmax is computed in double precision with the maximum subtracted; the reference code uses
// float32, so weights closer than float32 resolution may rank differently.
#ifndef AUTOML_NAS_DARTS_GENOTYPE_H_
#define AUTOML_NAS_DARTS_GENOTYPE_H_

#include <string>
#include <vector>

#include "automl/json.h"
#include "automl/nas/nasnet_cell.h"

namespace automl::nas {

// The primitives of the DARTS CNN space in the reference code's order (genotypes.PRIMITIVES):
// none, max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3,
// dil_conv_5x5.
const std::vector<std::string>& DartsPrimitives();

// The architecture weights of one cell, raw (before softmax).
struct CellAlphas {
  int nodes = 4;
  // One row per edge in DARTS's order: node 0's edges from s0, s1; node 1's from s0, s1, node 0;
  // ... (nodes * (nodes + 3) / 2 rows, 14 for 4 nodes). Each row holds one alpha per primitive.
  std::vector<std::vector<double>> edges;

  // 1 <= nodes <= CellSpaceOptions::kMaxBlocks (a node becomes a block), nodes * (nodes + 3) / 2
  // rows, all of one non-zero length, finite values. Throws InvalidArgument naming the field
  // ("darts-alphas: edges[3][2]: ...").
  void Validate() const;
};

// The number of edges of a cell with |nodes| intermediate nodes: nodes * (nodes + 3) / 2.
int DartsEdgeCount(int nodes);

// Discretizes one cell as described above; the result has output "all" and keeps the reference
// code's order (blocks by node, branches strongest first), not canonicalized. |primitives| names
// the alphas' columns: "none", "skip_connect" or a KnownCellOperations() name (identity stands
// for skip_connect), without repeats and with at least one other than "none"; each row must have
// one alpha per primitive. Every node keeps exactly two edges: a block has two branches, as in
// the paper (k = 2). Throws InvalidArgument ("darts-alphas: ...", "darts: primitives[1]: ...").
Cell DiscretizeCell(const CellAlphas& alphas, const std::vector<std::string>& primitives);
// Both cells; messages name the cell ("darts-alphas: reduction: edges[3]: ...").
Genotype DiscretizeGenotype(const CellAlphas& normal, const CellAlphas& reduction,
                            const std::vector<std::string>& primitives);

// {"nodes": 4, "edges": [[...], ...]}, so that alphas can be recorded (per epoch of a search).
Json ToJson(const CellAlphas& alphas);
// Reads the form ToJson writes (both keys required, no others) and validates it.
CellAlphas CellAlphasFromJson(const Json& json);

}  // namespace automl::nas

#endif  // AUTOML_NAS_DARTS_GENOTYPE_H_
