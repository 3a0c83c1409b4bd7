// DARTS's discretization of architecture weights into a cell genotype; the header gives the rule
// and its source.
#include "automl/nas/darts_genotype.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "automl/error.h"
#include "core/nas/json_fields.h"

namespace automl::nas {
namespace {

constexpr char kAlphasWhere[] = "darts-alphas";
constexpr char kDartsWhere[] = "darts";
constexpr char kNone[] = "none";

std::string Index(size_t i) { return "[" + std::to_string(i) + "]"; }

std::string Number(double value) { return internal::NumberText(value); }

void ValidateAlphas(const CellAlphas& alphas, const std::string& where) {
  if (alphas.nodes < 1 || alphas.nodes > CellSpaceOptions::kMaxBlocks) {
    throw InvalidArgument(where + ": nodes: " + std::to_string(alphas.nodes) + " is outside 1.." +
                          std::to_string(CellSpaceOptions::kMaxBlocks));
  }
  const auto expected = static_cast<size_t>(DartsEdgeCount(alphas.nodes));
  if (alphas.edges.size() != expected) {
    throw InvalidArgument(where + ": edges: expected " + std::to_string(expected) + " rows for " +
                          std::to_string(alphas.nodes) + " nodes, got " +
                          std::to_string(alphas.edges.size()));
  }
  if (alphas.edges[0].empty()) {
    throw InvalidArgument(where + ": edges[0]: must hold one alpha per primitive, not none");
  }
  for (size_t e = 0; e < alphas.edges.size(); ++e) {
    const std::vector<double>& row = alphas.edges[e];
    const std::string at = where + ": edges" + Index(e);
    if (row.size() != alphas.edges[0].size()) {
      throw InvalidArgument(at + ": has " + std::to_string(row.size()) + " alphas, edges[0] has " +
                            std::to_string(alphas.edges[0].size()));
    }
    for (size_t k = 0; k < row.size(); ++k) {
      if (!std::isfinite(row[k])) {
        throw InvalidArgument(at + Index(k) + ": must be finite, not " + Number(row[k]));
      }
    }
  }
}

std::string KnownOperationList() {
  std::string list;
  for (const std::string& op : KnownCellOperations()) list += (list.empty() ? "" : ", ") + op;
  return list;
}

// The genotype's operation for each primitive ("" for none), after checking the list.
std::vector<std::string> CellOperations(const std::vector<std::string>& primitives) {
  const std::string where = std::string(kDartsWhere) + ": primitives";
  std::vector<std::string> ops;
  bool any = false;
  for (size_t k = 0; k < primitives.size(); ++k) {
    const std::string& name = primitives[k];
    const std::string at = where + Index(k) + ": '" + name + "'";
    std::string op;
    if (name == "skip_connect") {
      op = "identity";
    } else if (name != kNone) {
      if (!IsKnownCellOperation(name)) {
        throw InvalidArgument(at + " is not none, skip_connect or a cell operation (" +
                              KnownOperationList() + ")");
      }
      op = name;
    }
    // Repeats compare the mapped names: skip_connect and identity are one operation.
    for (size_t earlier = 0; earlier < k; ++earlier) {
      if (ops[earlier] == op) {
        throw InvalidArgument(at + " repeats primitives" + Index(earlier));
      }
    }
    any = any || !op.empty();
    ops.push_back(op);
  }
  if (!any) {
    throw InvalidArgument(where + ": must list at least one primitive besides 'none'");
  }
  return ops;
}

// softmax(row), with the maximum subtracted so that large alphas do not overflow.
std::vector<double> Softmax(const std::vector<double>& row) {
  const double top = *std::max_element(row.begin(), row.end());
  std::vector<double> weights;
  double sum = 0;
  for (const double alpha : row) {
    weights.push_back(std::exp(alpha - top));
    sum += weights.back();
  }
  for (double& w : weights) w /= sum;
  return weights;
}

// The strongest primitive other than none; the first on ties (strict comparison, as the
// reference code's k_best loop).
size_t BestPrimitive(const std::vector<double>& weights, const std::vector<std::string>& ops) {
  size_t best = weights.size();
  for (size_t k = 0; k < weights.size(); ++k) {
    if (ops[k].empty()) continue;
    if (best == weights.size() || weights[k] > weights[best]) best = k;
  }
  return best;
}

// Edge source j of DARTS (0 s0, 1 s1, 2 + k node k) as an input of this library's cells.
int SourceInput(size_t j) {
  if (j == 0) return kCPrevPrev;
  if (j == 1) return kCPrev;
  return BlockInput(static_cast<int>(j) - 2);
}

Cell Discretize(const CellAlphas& alphas, const std::vector<std::string>& primitives,
                const std::string& where) {
  ValidateAlphas(alphas, where);
  const std::vector<std::string> ops = CellOperations(primitives);
  if (alphas.edges[0].size() != ops.size()) {
    throw InvalidArgument(where + ": edges[0]: has " + std::to_string(alphas.edges[0].size()) +
                          " alphas for " + std::to_string(ops.size()) + " primitives");
  }
  Cell cell;
  cell.output = CellOutput::kAll;
  size_t start = 0;
  for (int node = 0; node < alphas.nodes; ++node) {
    const size_t inputs = static_cast<size_t>(node) + 2;
    std::vector<std::vector<double>> weights;
    std::vector<size_t> best;
    for (size_t j = 0; j < inputs; ++j) {
      weights.push_back(Softmax(alphas.edges[start + j]));
      best.push_back(BestPrimitive(weights.back(), ops));
    }
    std::vector<size_t> order(inputs);
    for (size_t j = 0; j < inputs; ++j) order[j] = j;
    // Stable, as Python's sorted: among equally strong edges the earlier one comes first.
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return weights[a][best[a]] > weights[b][best[b]]; });
    Block block;
    for (size_t i = 0; i < 2; ++i) {
      const size_t j = order[i];
      block.inputs[i] = SourceInput(j);
      block.ops[i] = ops[best[j]];
    }
    block.combine = "add";
    cell.blocks.push_back(block);
    start += inputs;
  }
  return cell;
}

}  // namespace

const std::vector<std::string>& DartsPrimitives() {
  static const std::vector<std::string> kPrimitives = {
      "none",         "max_pool_3x3", "avg_pool_3x3", "skip_connect",
      "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"};
  return kPrimitives;
}

int DartsEdgeCount(int nodes) { return nodes * (nodes + 3) / 2; }

void CellAlphas::Validate() const { ValidateAlphas(*this, kAlphasWhere); }

Cell DiscretizeCell(const CellAlphas& alphas, const std::vector<std::string>& primitives) {
  return Discretize(alphas, primitives, kAlphasWhere);
}

Genotype DiscretizeGenotype(const CellAlphas& normal, const CellAlphas& reduction,
                            const std::vector<std::string>& primitives) {
  Genotype genotype;
  genotype.normal = Discretize(normal, primitives, std::string(kAlphasWhere) + ": normal");
  genotype.reduction = Discretize(reduction, primitives, std::string(kAlphasWhere) + ": reduction");
  return genotype;
}

Json ToJson(const CellAlphas& alphas) {
  return Json{{"nodes", alphas.nodes}, {"edges", alphas.edges}};
}

CellAlphas CellAlphasFromJson(const Json& json) {
  const std::string where = kAlphasWhere;
  internal::CheckObject(json, {"nodes", "edges"}, where);
  CellAlphas alphas;
  const int64_t nodes =
      internal::IntValue(internal::Required(json, "nodes", where), where + ": nodes");
  // Checked before narrowing to int, so that a huge value is reported as written.
  if (nodes < 1 || nodes > CellSpaceOptions::kMaxBlocks) {
    throw InvalidArgument(where + ": nodes: " + std::to_string(nodes) + " is outside 1.." +
                          std::to_string(CellSpaceOptions::kMaxBlocks));
  }
  alphas.nodes = static_cast<int>(nodes);
  const Json& edges = internal::Required(json, "edges", where);
  if (!edges.is_array()) {
    throw InvalidArgument(where + ": edges: must be a list of rows, not " + edges.dump());
  }
  for (size_t e = 0; e < edges.size(); ++e) {
    const std::string at = where + ": edges" + Index(e);
    if (!edges[e].is_array()) {
      throw InvalidArgument(at + ": must be a list of alphas, not " + edges[e].dump());
    }
    std::vector<double> row;
    for (size_t k = 0; k < edges[e].size(); ++k) {
      row.push_back(internal::NumberValue(edges[e][k], at + Index(k)));
    }
    alphas.edges.push_back(row);
  }
  alphas.Validate();
  return alphas;
}

}  // namespace automl::nas
