// SummarizeNasnet: the parameters and FLOPs of a NASNet, counted from its plan.
#include <cstdint>
#include <string>
#include <vector>

#include "automl/dl/nasnet.h"
#include "dl/nasnet_plan.h"

namespace automl::dl {
namespace {

using nasnet::Cost;
using nasnet::Pieces;
using nasnet::Shape;

LayerSummary Row(const std::string& kind, const std::string& detail, const Cost& cost) {
  LayerSummary row;
  row.kind = kind;
  row.detail = detail;
  row.output_shape = cost.out;
  row.params = cost.params;
  row.flops = cost.flops;
  return row;
}

// Everything a cell holds: the inputs' preprocessing, the branches and the concat projections.
Cost CellCost(const nasnet::CellPlan& c, const std::string& where) {
  Cost total;
  const auto add = [&](const Pieces& pieces, const Shape& in) {
    const Cost cost = nasnet::CostOf(pieces, in, where);
    total.params = nasnet::Add(total.params, cost.params, where);
    total.flops = nasnet::Add(total.flops, cost.flops, where);
  };
  add(c.preprocess_prev, c.prev);
  add(c.preprocess_prev_prev, c.prev_prev);
  for (const nasnet::BlockPlan& block : c.blocks) {
    add(block.branches[0], block.in[0]);
    add(block.branches[1], block.in[1]);
    if (!block.projection.empty()) {
      add(block.projection, {2 * block.out[0], block.out[1], block.out[2]});
    }
  }
  total.out = c.out;
  return total;
}

}  // namespace

ModelSummary SummarizeNasnet(const NasnetOptions& options) {
  const nasnet::NetworkPlan plan = nasnet::PlanNetwork(options);
  ModelSummary summary;
  summary.input_shape = options.input_shape();
  const Cost stem = nasnet::CostOf(plan.stem, options.input_shape(), "nasnet: stem");
  summary.layers.push_back(
      Row("stem", "conv 3x3 + batchnorm, " + std::to_string(stem.out[0]) + " channels", stem));
  Shape features = stem.out;
  for (size_t i = 0; i < plan.cells.size(); ++i) {
    const nasnet::CellPlan& c = plan.cells[i];
    summary.layers.push_back(
        Row(c.reduction ? "reduction" : "normal",
            "filters=" + std::to_string(c.filters) + " outputs=" + std::to_string(c.outputs.size()),
            CellCost(c, nasnet::CellWhere(i, c.reduction))));
    features = c.out;
    if (static_cast<int64_t>(i) == plan.auxiliary_after) {
      Cost auxiliary = nasnet::CostOf(plan.auxiliary, c.out, "nasnet: auxiliary head");
      auxiliary.flops = 0;  // it runs in training only, and FLOPs count inference
      summary.layers.push_back(Row("auxiliary", "training only, FLOPs not counted", auxiliary));
    }
  }
  const Cost head = nasnet::CostOf(plan.head, features, "nasnet: head");
  const std::string dropout = options.dropout() > 0 ? "dropout + " : "";
  summary.layers.push_back(Row("head", "globalpool + " + dropout + "linear", head));
  for (const LayerSummary& layer : summary.layers) {
    summary.params = nasnet::Add(summary.params, layer.params, "nasnet");
    summary.flops = nasnet::Add(summary.flops, layer.flops, "nasnet");
  }
  summary.output_shape = head.out;
  return summary;
}

}  // namespace automl::dl
