// SVG drawings of NASNet cells: a layered graph, left to right by depth, with no dependency beyond
// the standard library so that a report can embed it as is.
#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "automl/nas/nasnet_cell.h"
#include "core/nas/svg_document.h"

namespace automl::nas {
namespace {

using svg::Attr;
using svg::Document;
using svg::EscapeXml;

constexpr int kNodeWidth = 128;
constexpr int kNodeHeight = 30;
constexpr int kColumnGap = 56;
constexpr int kRowGap = 22;  // wide enough for the lanes of long edges
constexpr int kMargin = 16;
constexpr int kRowPitch = kNodeHeight + kRowGap;
constexpr int kTitleHeight = 34;
constexpr int kTitleCharWidth = 10;  // a generous estimate for 16px bold text

enum class NodeKind { kInput, kOp, kCombine, kOutput };

struct Node {
  std::string label;
  NodeKind kind;
  int layer;
  int x = 0;
  int y = 0;
};

struct Edge {
  int from;
  int to;
};

// Node ids: c_prev and c_prev_prev first (their input indices), then per block k its two op nodes
// and its combine node, then the output node.
constexpr int OpNode(int block, int branch) { return kFirstBlockInput + 3 * block + branch; }
constexpr int CombineNode(int block) { return kFirstBlockInput + 3 * block + 2; }
constexpr int SourceNode(int input) {
  return input < kFirstBlockInput ? input : CombineNode(input - kFirstBlockInput);
}

// Depth of each block: 1 + the deepest block it reads (c_prev and c_prev_prev are depth 0).
std::vector<int> BlockDepths(const Cell& cell) {
  std::vector<int> depths;
  for (const Block& block : cell.blocks) {
    int depth = 1;
    for (const int input : block.inputs) {
      if (input >= kFirstBlockInput) depth = std::max(depth, depths[input - kFirstBlockInput] + 1);
    }
    depths.push_back(depth);
  }
  return depths;
}

// A cell laid out in columns: inputs in column 0, a depth-d block's ops in column 2d - 1 and its
// combine in column 2d, the output in the last column.
class CellDrawing {
 public:
  CellDrawing(const Cell& cell, std::string title) : title_(std::move(title)) {
    CheckInputs(cell, "cell");
    AddNodes(cell);
    AddEdges(cell);
    Place();
  }

  int width() const { return width_; }
  int height() const { return height_; }

  // The drawing's elements, shifted down by |top|.
  std::string Render(int top) const {
    std::string out = "<g transform=\"translate(0," + std::to_string(top) + ")\">\n";
    out += "<text" + Attr("x", kMargin) + Attr("y", kTitleHeight - 12) +
           " font-size=\"16\" font-weight=\"bold\">" + EscapeXml(title_) + "</text>\n";
    for (const Edge& edge : edges_) out += RenderEdge(edge);
    for (const Node& node : nodes_) out += RenderNode(node);
    return out + "</g>\n";
  }

 private:
  void AddNodes(const Cell& cell) {
    const std::vector<int> depths = BlockDepths(cell);
    const int deepest = depths.empty() ? 0 : *std::max_element(depths.begin(), depths.end());
    nodes_.push_back({InputName(kCPrev), NodeKind::kInput, 0});
    nodes_.push_back({InputName(kCPrevPrev), NodeKind::kInput, 0});
    for (size_t b = 0; b < cell.blocks.size(); ++b) {
      const Block& block = cell.blocks[b];
      const std::string name = InputName(BlockInput(static_cast<int>(b)));
      for (const std::string& op : block.ops) {
        nodes_.push_back({op, NodeKind::kOp, 2 * depths[b] - 1});
      }
      nodes_.push_back({name + ": " + block.combine, NodeKind::kCombine, 2 * depths[b]});
    }
    nodes_.push_back({"output: concat", NodeKind::kOutput, 2 * deepest + 1});
  }

  void AddEdges(const Cell& cell) {
    for (size_t b = 0; b < cell.blocks.size(); ++b) {
      const int block = static_cast<int>(b);
      for (int i = 0; i < 2; ++i) {
        edges_.push_back({SourceNode(cell.blocks[b].inputs[i]), OpNode(block, i)});
        edges_.push_back({OpNode(block, i), CombineNode(block)});
      }
    }
    const int output = static_cast<int>(nodes_.size()) - 1;
    for (const int b : cell.Outputs()) edges_.push_back({CombineNode(b), output});
  }

  // Columns by layer; within a column, nodes in id order, centred vertically on a row grid that
  // all columns share, so that the gaps between rows are free in every column (see RenderEdge).
  void Place() {
    const int layers = nodes_.back().layer + 1;
    std::vector<int> counts(layers, 0);
    for (const Node& node : nodes_) ++counts[node.layer];
    const int rows = *std::max_element(counts.begin(), counts.end());
    std::vector<int> next_row(layers, 0);
    for (Node& node : nodes_) {
      const int row = (rows - counts[node.layer]) / 2 + next_row[node.layer]++;
      node.x = kMargin + node.layer * (kNodeWidth + kColumnGap);
      node.y = kTitleHeight + kRowGap / 2 + row * kRowPitch;
    }
    const int title_width = 2 * kMargin + kTitleCharWidth * static_cast<int>(title_.size());
    width_ = std::max(2 * kMargin + layers * (kNodeWidth + kColumnGap) - kColumnGap, title_width);
    height_ = kTitleHeight + rows * kRowPitch + kMargin;
  }

  // The y of the free lane between grid rows nearest to |to|'s centre on the side of |from|.
  static int Lane(const Node& from, const Node& to) {
    return from.y < to.y ? to.y - kRowGap / 2 : to.y + kNodeHeight + kRowGap / 2;
  }

  // From the source's right side to the target's left side, ending in an arrow. An edge between
  // neighbouring columns is one S-curve; a longer one bends into the lane beside its target in the
  // first column gap, runs along it past the columns between (where no node lies) and bends into
  // the target in the last gap, so that it never seems to start or end at a node it passes.
  std::string RenderEdge(const Edge& edge) const {
    const Node& from = nodes_[edge.from];
    const Node& to = nodes_[edge.to];
    const int x1 = from.x + kNodeWidth;
    const int y1 = from.y + kNodeHeight / 2;
    const int x2 = to.x;
    const int y2 = to.y + kNodeHeight / 2;
    const auto point = [](int x, int y) { return std::to_string(x) + "," + std::to_string(y); };
    std::string d;
    if (to.layer - from.layer == 1) {
      const int mid = (x1 + x2) / 2;
      d = "M" + point(x1, y1) + " C" + point(mid, y1) + " " + point(mid, y2) + " " + point(x2, y2);
    } else {
      const int lane = Lane(from, to);
      const int half_gap = kColumnGap / 2;
      d = "M" + point(x1, y1) + " C" + point(x1 + half_gap, y1) + " " + point(x1 + half_gap, lane) +
          " " + point(x1 + kColumnGap, lane) + " L" + point(x2 - kColumnGap, lane) + " C" +
          point(x2 - half_gap, lane) + " " + point(x2 - half_gap, y2) + " " + point(x2, y2);
    }
    return "<path d=\"" + d +
           "\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1.2\" "
           "marker-end=\"url(#arrow)\"/>\n";
  }

  static std::string RenderNode(const Node& node) {
    static constexpr const char* kFills[] = {"#e0e0e0", "#d6e9f8", "#fff3c4", "#d4f0d4"};
    const char* fill = kFills[static_cast<int>(node.kind)];
    std::string shape;
    if (node.kind == NodeKind::kCombine) {
      shape = "<ellipse" + Attr("cx", node.x + kNodeWidth / 2) +
              Attr("cy", node.y + kNodeHeight / 2) + Attr("rx", kNodeWidth / 2) +
              Attr("ry", kNodeHeight / 2);
    } else {
      shape = "<rect" + Attr("x", node.x) + Attr("y", node.y) + Attr("width", kNodeWidth) +
              Attr("height", kNodeHeight) + Attr("rx", 5);
    }
    shape += std::string(" fill=\"") + fill + "\" stroke=\"#333333\"/>\n";
    return shape + "<text" + Attr("x", node.x + kNodeWidth / 2) +
           Attr("y", node.y + kNodeHeight / 2 + 4) + " text-anchor=\"middle\">" +
           EscapeXml(node.label) + "</text>\n";
  }

  std::string title_;
  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
  int width_ = 0;
  int height_ = 0;
};

}  // namespace

std::string CellSvg(const Cell& cell, const std::string& title) {
  const CellDrawing drawing(cell, title);
  return Document(title, drawing.width(), drawing.height(), drawing.Render(0));
}

std::string GenotypeSvg(const Genotype& genotype) {
  const CellDrawing normal(genotype.normal, "normal cell");
  const CellDrawing reduction(genotype.reduction, "reduction cell");
  const int width = std::max(normal.width(), reduction.width());
  return Document("NASNet genotype", width, normal.height() + reduction.height(),
                  normal.Render(0) + reduction.Render(normal.height()));
}

}  // namespace automl::nas
