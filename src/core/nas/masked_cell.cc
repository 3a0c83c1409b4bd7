// HM-NAS's masked cells: validation, JSON, derivation from masks, counts, conversion to DARTS
// cells and drawing; the header gives the form and its source.
#include "automl/nas/masked_cell.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "automl/error.h"
#include "automl/nas/darts_genotype.h"
#include "core/nas/json_fields.h"
#include "core/nas/svg_document.h"

namespace automl::nas {
namespace {

using svg::Attr;
using svg::Document;
using svg::EscapeXml;

constexpr char kWhere[] = "masked-cell";
constexpr char kCellWhere[] = "masked-cell: cell";  // functions that take one cell
constexpr char kNone[] = "none";
constexpr char kSkip[] = "skip_connect";
constexpr int kFirstNodeSource = 2;

std::string Index(size_t i) { return "[" + std::to_string(i) + "]"; }
std::string Quoted(const std::string& text) { return "'" + text + "'"; }
std::string Number(double value) { return internal::NumberText(value); }

void CheckFinite(double value, const std::string& at) {
  if (!std::isfinite(value)) throw InvalidArgument(at + ": must be finite, not " + Number(value));
}

void CheckNodeCount(size_t nodes, const std::string& at) {
  if (nodes < 1 || nodes > static_cast<size_t>(CellSpaceOptions::kMaxBlocks)) {
    throw InvalidArgument(at + ": " + std::to_string(nodes) + " nodes is outside 1.." +
                          std::to_string(CellSpaceOptions::kMaxBlocks));
  }
}

std::string KnownOperationList() {
  std::string list;
  for (const std::string& op : KnownCellOperations()) list += (list.empty() ? "" : ", ") + op;
  return list;
}

// One name per operation: identity and skip_connect are the same one.
std::string OpKey(const std::string& op) { return op == "identity" ? kSkip : op; }

// |name| is skip_connect or a cell operation, or (with |none_allowed|) none.
void CheckOpName(const std::string& name, bool none_allowed, const std::string& at) {
  if (name == kNone && !none_allowed) {
    throw InvalidArgument(at + ": 'none' is not an operation to keep (it contributes nothing)");
  }
  if (name != kNone && name != kSkip && !IsKnownCellOperation(name)) {
    throw InvalidArgument(at + ": " + Quoted(name) + " is not " +
                          (none_allowed ? "none, skip_connect" : "skip_connect") +
                          " or a cell operation (" + KnownOperationList() + ")");
  }
}

// How messages name an edge and its source: by the struct's fields or by the JSON form's.
enum class Paths { kStruct, kJson };

std::string EdgeAt(const std::string& where, size_t node, size_t edge, Paths paths) {
  return where + ".nodes" + Index(node) + (paths == Paths::kJson ? "" : ".edges") + Index(edge);
}

std::string SourceAt(const std::string& edge_at, Paths paths) {
  return edge_at + (paths == Paths::kJson ? ".from" : ".source");
}

std::string SourceText(int source, Paths paths) {
  if (source < 0) return std::to_string(source);
  if (paths == Paths::kJson) return Quoted(MaskedSourceName(source));
  return std::to_string(source) + " (" + MaskedSourceName(source) + ")";
}

// "c_prev_prev, c_prev, n0..n2": the sources node |node| may read.
std::string AllowedSources(size_t node) {
  std::string text = "c_prev_prev, c_prev";
  if (node >= 1) text += ", n0";
  if (node >= 2) text += "..n" + std::to_string(node - 1);
  return text;
}

void ValidateOps(const std::vector<MaskedOp>& ops, const std::string& edge_at) {
  if (ops.empty()) throw InvalidArgument(edge_at + ".ops: must keep at least one operation");
  for (size_t k = 0; k < ops.size(); ++k) {
    const std::string at = edge_at + ".ops" + Index(k);
    CheckOpName(ops[k].op, /*none_allowed=*/false, at + ".op");
    for (size_t earlier = 0; earlier < k; ++earlier) {
      if (OpKey(ops[earlier].op) == OpKey(ops[k].op)) {
        throw InvalidArgument(at + ".op: " + Quoted(ops[k].op) + " repeats ops" + Index(earlier));
      }
    }
    CheckFinite(ops[k].weight, at + ".weight");
  }
}

void ValidateNode(const MaskedNode& node, size_t index, const std::string& where, Paths paths) {
  for (size_t j = 0; j < node.edges.size(); ++j) {
    const MaskedEdge& edge = node.edges[j];
    const std::string at = EdgeAt(where, index, j, paths);
    if (edge.source < 0 || static_cast<size_t>(edge.source) >= index + kFirstNodeSource) {
      throw InvalidArgument(SourceAt(at, paths) + ": " + SourceText(edge.source, paths) +
                            " is not one of " + AllowedSources(index) +
                            " (a node reads the inputs and earlier nodes)");
    }
    for (size_t earlier = 0; earlier < j; ++earlier) {
      if (node.edges[earlier].source == edge.source) {
        throw InvalidArgument(SourceAt(at, paths) + ": " + SourceText(edge.source, paths) +
                              " repeats the source of " +
                              EdgeAt("", index, earlier, paths).substr(1));  // no leading "."
      }
    }
    CheckFinite(edge.weight, at + ".weight");
    ValidateOps(edge.ops, at);
  }
}

void ValidateCell(const MaskedCell& cell, const std::string& where, Paths paths) {
  CheckNodeCount(cell.nodes.size(), where + ".nodes");
  for (size_t i = 0; i < cell.nodes.size(); ++i) ValidateNode(cell.nodes[i], i, where, paths);
}

// ---- JSON ----

Json CellJson(const MaskedCell& cell) {
  Json nodes = Json::array();
  for (const MaskedNode& node : cell.nodes) {
    Json edges = Json::array();
    for (const MaskedEdge& edge : node.edges) {
      Json ops = Json::array();
      for (const MaskedOp& op : edge.ops) ops.push_back(Json{{"op", op.op}, {"weight", op.weight}});
      edges.push_back(
          Json{{"from", MaskedSourceName(edge.source)}, {"weight", edge.weight}, {"ops", ops}});
    }
    nodes.push_back(edges);
  }
  return Json{{"nodes", nodes}};
}

const Json& ListValue(const Json& value, const std::string& of, const std::string& at) {
  if (!value.is_array())
    throw InvalidArgument(at + ": must be a list of " + of + ", not " + value.dump());
  return value;
}

std::string StringValue(const Json& value, const std::string& at) {
  if (!value.is_string()) throw InvalidArgument(at + ": must be a string, not " + value.dump());
  return value.get<std::string>();
}

MaskedOp OpFromJson(const Json& json, const std::string& at) {
  internal::CheckObject(json, {"op", "weight"}, at);
  MaskedOp op;
  op.op = StringValue(internal::Required(json, "op", at), at + ".op");
  op.weight = internal::NumberValue(internal::Required(json, "weight", at), at + ".weight");
  return op;
}

MaskedEdge EdgeFromJson(const Json& json, const std::string& at) {
  internal::CheckObject(json, {"from", "weight", "ops"}, at);
  MaskedEdge edge;
  const std::string from = StringValue(internal::Required(json, "from", at), at + ".from");
  const std::optional<int> source = ParseMaskedSource(from);
  if (!source) {
    throw InvalidArgument(at + ".from: " + Quoted(from) + " is not c_prev_prev, c_prev or n<k>");
  }
  edge.source = *source;
  edge.weight = internal::NumberValue(internal::Required(json, "weight", at), at + ".weight");
  const Json& ops = ListValue(internal::Required(json, "ops", at), "operations", at + ".ops");
  for (size_t k = 0; k < ops.size(); ++k) {
    edge.ops.push_back(OpFromJson(ops[k], at + ".ops" + Index(k)));
  }
  return edge;
}

MaskedCell CellFromJson(const Json& json, const std::string& where) {
  internal::CheckObject(json, {"nodes"}, where);
  const Json& nodes =
      ListValue(internal::Required(json, "nodes", where), "nodes", where + ".nodes");
  MaskedCell cell;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string at = where + ".nodes" + Index(i);
    const Json& edges = ListValue(nodes[i], "edges", at);
    MaskedNode node;
    for (size_t j = 0; j < edges.size(); ++j) {
      node.edges.push_back(EdgeFromJson(edges[j], at + Index(j)));
    }
    cell.nodes.push_back(std::move(node));
  }
  ValidateCell(cell, where, Paths::kJson);
  return cell;
}

// ---- Derivation ----

// Which columns are operations (all but none), after checking the list.
std::vector<bool> PrimitiveIsOp(const std::vector<std::string>& primitives) {
  const std::string where = std::string(kWhere) + ": primitives";
  std::vector<bool> is_op;
  for (size_t p = 0; p < primitives.size(); ++p) {
    const std::string at = where + Index(p);
    CheckOpName(primitives[p], /*none_allowed=*/true, at);
    for (size_t earlier = 0; earlier < p; ++earlier) {
      if (OpKey(primitives[earlier]) == OpKey(primitives[p])) {
        throw InvalidArgument(at + ": " + Quoted(primitives[p]) + " repeats primitives" +
                              Index(earlier));
      }
    }
    is_op.push_back(primitives[p] != kNone);
  }
  if (std::find(is_op.begin(), is_op.end(), true) == is_op.end()) {
    throw InvalidArgument(where + ": must list at least one primitive besides 'none'");
  }
  return is_op;
}

template <typename T>
void CheckLength(const std::vector<T>& values, size_t expected, const std::string& what,
                 const std::string& at) {
  if (values.size() != expected) {
    throw InvalidArgument(at + ": has " + std::to_string(values.size()) + " values for " +
                          std::to_string(expected) + " " + what);
  }
}

void CheckDerivationInputs(int nodes, const std::vector<std::vector<double>>& op_weights,
                           const std::vector<std::vector<bool>>& op_kept,
                           const std::vector<double>& edge_weights,
                           const std::vector<bool>& edge_kept, size_t columns) {
  const std::string where = std::string(kWhere) + ": ";
  if (nodes < 1 || nodes > CellSpaceOptions::kMaxBlocks) {
    throw InvalidArgument(where + "nodes: " + std::to_string(nodes) + " is outside 1.." +
                          std::to_string(CellSpaceOptions::kMaxBlocks));
  }
  const auto rows = static_cast<size_t>(DartsEdgeCount(nodes));
  const std::string edges = "edges (" + std::to_string(nodes) + " nodes)";
  CheckLength(op_weights, rows, edges, where + "op_weights");
  CheckLength(op_kept, rows, edges, where + "op_kept");
  CheckLength(edge_weights, rows, edges, where + "edge_weights");
  CheckLength(edge_kept, rows, edges, where + "edge_kept");
  for (size_t e = 0; e < rows; ++e) {
    const std::string at = where + "op_weights" + Index(e);
    CheckLength(op_weights[e], columns, "primitives", at);
    CheckLength(op_kept[e], columns, "primitives", where + "op_kept" + Index(e));
    for (size_t p = 0; p < columns; ++p) CheckFinite(op_weights[e][p], at + Index(p));
    CheckFinite(edge_weights[e], where + "edge_weights" + Index(e));
  }
}

// ---- Drawing ----

constexpr int kBoxWidth = 150;
constexpr int kBoxHeight = 26;
constexpr int kPad = 5;  // between a frame and its op boxes, and between op boxes
constexpr int kColumnWidth = kBoxWidth + 2 * kPad;
constexpr int kColumnGap = 64;
constexpr int kItemGap = 16;
constexpr int kRadius = 16;
constexpr int kMargin = 16;
constexpr int kTitleHeight = 34;
constexpr int kTitleCharWidth = 10;  // a generous estimate for 16px bold text

// Three significant digits: a label, not a record (the JSON keeps full precision).
std::string Short(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

std::string Text(int x, int y, const std::string& text, const std::string& anchor = "middle",
                 const std::string& extra = "") {
  return "<text" + Attr("x", x) + Attr("y", y) + " text-anchor=\"" + anchor + "\"" + extra + ">" +
         EscapeXml(text) + "</text>\n";
}

std::string Box(int x, int y, int width, int height, const char* fill) {
  return "<rect" + Attr("x", x) + Attr("y", y) + Attr("width", width) + Attr("height", height) +
         Attr("rx", 5) + " fill=\"" + fill + "\" stroke=\"#333333\"/>\n";
}

struct Item {
  int column = 0;
  int width = kColumnWidth;
  int height = kBoxHeight;
  int x = 0;
  int y = 0;
  int right() const { return x + width; }
  int middle() const { return y + height / 2; }
};

// A cell laid out in columns by depth (inputs 0, a node 1 + the deepest node it reads, or 1):
// the inputs in column 0, a depth-d node's edge frames in column 2d - 1 and its circle in column
// 2d, the output in the last column. Each column is stacked and centred vertically.
class MaskedDrawing {
 public:
  MaskedDrawing(const MaskedCell& cell, std::string title) : cell_(cell), title_(std::move(title)) {
    Validate(cell, kCellWhere);
    AddItems();
    Place();
  }

  int width() const { return width_; }
  int height() const { return height_; }

  // Arrows first, then the shapes over them, then the edge weights over both, so that an arrow
  // that passes a column runs behind its boxes and every label stays readable.
  std::string Render(int top) const {
    Layers layers;
    for (int s = 0; s < kFirstNodeSource; ++s) {
      layers.shapes += RenderBox(items_[s], MaskedSourceName(s));
    }
    for (size_t i = 0; i < cell_.nodes.size(); ++i) AddNode(i, layers);
    layers.shapes += RenderBox(items_.back(), "output: concat", "#d4f0d4");
    return "<g transform=\"translate(0," + std::to_string(top) + ")\">\n<text" +
           Attr("x", kMargin) + Attr("y", kTitleHeight - 12) +
           " font-size=\"16\" font-weight=\"bold\">" + EscapeXml(title_) + "</text>\n" +
           layers.arrows + layers.shapes + layers.labels + "</g>\n";
  }

 private:
  void AddItems() {
    items_.resize(kFirstNodeSource);  // c_prev_prev, c_prev
    std::vector<int> depths;
    for (const MaskedNode& node : cell_.nodes) {
      int depth = 1;
      for (const MaskedEdge& edge : node.edges) {
        if (edge.source >= kFirstNodeSource) {
          depth = std::max(depth, depths[edge.source - kFirstNodeSource] + 1);
        }
      }
      depths.push_back(depth);
      for (const MaskedEdge& edge : node.edges) {
        const int ops = static_cast<int>(edge.ops.size());
        items_.push_back({2 * depth - 1, kColumnWidth, ops * (kBoxHeight + kPad) + kPad});
      }
      circles_.push_back(items_.size());
      items_.push_back({2 * depth, 2 * kRadius, 2 * kRadius});
    }
    items_.push_back({2 * *std::max_element(depths.begin(), depths.end()) + 1});
  }

  void Place() {
    const int columns = items_.back().column + 1;
    std::vector<int> heights(columns, -kItemGap);
    for (const Item& item : items_) heights[item.column] += item.height + kItemGap;
    const int tallest = *std::max_element(heights.begin(), heights.end());
    std::vector<int> next(columns);
    for (int c = 0; c < columns; ++c) next[c] = kTitleHeight + (tallest - heights[c]) / 2;
    for (Item& item : items_) {
      item.x =
          kMargin + item.column * (kColumnWidth + kColumnGap) + (kColumnWidth - item.width) / 2;
      item.y = next[item.column];
      next[item.column] += item.height + kItemGap;
    }
    const int title_width = 2 * kMargin + kTitleCharWidth * static_cast<int>(title_.size());
    width_ =
        std::max(2 * kMargin + columns * (kColumnWidth + kColumnGap) - kColumnGap, title_width);
    height_ = kTitleHeight + tallest + kMargin;
  }

  const Item& SourceItem(int source) const {
    return source < kFirstNodeSource ? items_[source] : items_[circles_[source - kFirstNodeSource]];
  }

  struct Layers {
    std::string arrows;
    std::string shapes;
    std::string labels;
  };

  // Node |i|: per edge an arrow from its source, its frame of op boxes and an arrow into the
  // circle with the edge weight at its start; the circle and its arrow to the output.
  void AddNode(size_t i, Layers& layers) const {
    const Item& circle = items_[circles_[i]];
    const std::vector<MaskedEdge>& edges = cell_.nodes[i].edges;
    for (size_t j = 0; j < edges.size(); ++j) {
      const Item& frame = items_[circles_[i] - edges.size() + j];
      layers.arrows += Arrow(SourceItem(edges[j].source), frame) + Arrow(frame, circle);
      layers.labels += Text(frame.right() + 4, frame.middle() - 5, Short(edges[j].weight), "start",
                            " font-size=\"11\" fill=\"#a33333\"");
      layers.shapes += RenderFrame(frame, edges[j].ops);
    }
    layers.arrows += Arrow(circle, items_.back());
    const std::string name = MaskedSourceName(kFirstNodeSource + static_cast<int>(i));
    layers.shapes += "<circle" + Attr("cx", circle.x + kRadius) + Attr("cy", circle.middle()) +
                     Attr("r", kRadius) + " fill=\"#fff3c4\" stroke=\"#333333\"/>\n" +
                     Text(circle.x + kRadius, circle.middle() + 4, name);
  }

  // A dashed frame (the edge) around one box per op, labelled with the op and its weight.
  static std::string RenderFrame(const Item& frame, const std::vector<MaskedOp>& ops) {
    std::string out = "<rect" + Attr("x", frame.x) + Attr("y", frame.y) +
                      Attr("width", frame.width) + Attr("height", frame.height) +
                      " fill=\"#f4f4f4\" stroke=\"#888888\" stroke-dasharray=\"4 2\"/>\n";
    for (size_t k = 0; k < ops.size(); ++k) {
      const int y = frame.y + kPad + static_cast<int>(k) * (kBoxHeight + kPad);
      out += Box(frame.x + kPad, y, kBoxWidth, kBoxHeight, "#d6e9f8") +
             Text(frame.x + kPad + kBoxWidth / 2, y + kBoxHeight / 2 + 4,
                  ops[k].op + " " + Short(ops[k].weight));
    }
    return out;
  }

  static std::string RenderBox(const Item& item, const std::string& label,
                               const char* fill = "#e0e0e0") {
    return Box(item.x, item.y, item.width, item.height, fill) +
           Text(item.x + item.width / 2, item.middle() + 4, label);
  }

  // From |from|'s right side to |to|'s left side, one S-curve ending in an arrowhead.
  static std::string Arrow(const Item& from, const Item& to) {
    const auto point = [](int x, int y) { return std::to_string(x) + "," + std::to_string(y); };
    const int x1 = from.right(), y1 = from.middle(), x2 = to.x, y2 = to.middle();
    const int mid = (x1 + x2) / 2;
    return "<path d=\"M" + point(x1, y1) + " C" + point(mid, y1) + " " + point(mid, y2) + " " +
           point(x2, y2) +
           "\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1.2\" "
           "marker-end=\"url(#arrow)\"/>\n";
  }

  MaskedCell cell_;
  std::string title_;
  std::vector<Item> items_;      // c_prev_prev, c_prev, per node its frames then circle, output
  std::vector<size_t> circles_;  // node i's circle in items_
  int width_ = 0;
  int height_ = 0;
};

}  // namespace

bool operator==(const MaskedOp& a, const MaskedOp& b) {
  return a.op == b.op && a.weight == b.weight;
}
bool operator==(const MaskedEdge& a, const MaskedEdge& b) {
  return a.source == b.source && a.weight == b.weight && a.ops == b.ops;
}
bool operator==(const MaskedNode& a, const MaskedNode& b) { return a.edges == b.edges; }
bool operator==(const MaskedCell& a, const MaskedCell& b) { return a.nodes == b.nodes; }
bool operator==(const MaskedGenotype& a, const MaskedGenotype& b) {
  return a.normal == b.normal && a.reduction == b.reduction;
}
bool operator!=(const MaskedCell& a, const MaskedCell& b) { return !(a == b); }
bool operator!=(const MaskedGenotype& a, const MaskedGenotype& b) { return !(a == b); }

void Validate(const MaskedCell& cell, const std::string& where) {
  ValidateCell(cell, where, Paths::kStruct);
}

void Validate(const MaskedGenotype& genotype) {
  Validate(genotype.normal, std::string(kWhere) + ": normal");
  Validate(genotype.reduction, std::string(kWhere) + ": reduction");
}

std::string MaskedSourceName(int source) {
  if (source < 0) {
    throw InvalidArgument(std::string(kWhere) + ": source " + std::to_string(source) +
                          " is negative");
  }
  if (source == 0) return "c_prev_prev";
  if (source == 1) return "c_prev";
  return "n" + std::to_string(source - kFirstNodeSource);
}

std::optional<int> ParseMaskedSource(std::string_view name) {
  if (name == "c_prev_prev") return 0;
  if (name == "c_prev") return 1;
  // n<k>: decimal digits, no sign, no leading zero, small enough not to overflow.
  if (name.size() < 2 || name.size() > 7 || name[0] != 'n') return std::nullopt;
  if (name[1] == '0' && name.size() > 2) return std::nullopt;
  int node = 0;
  for (const char c : name.substr(1)) {
    if (c < '0' || c > '9') return std::nullopt;
    node = node * 10 + (c - '0');
  }
  return kFirstNodeSource + node;
}

Json ToJson(const MaskedGenotype& genotype) {
  Validate(genotype);  // JSON would write a NaN weight as null
  return Json{{"type", kWhere},
              {"normal", CellJson(genotype.normal)},
              {"reduction", CellJson(genotype.reduction)}};
}

MaskedGenotype MaskedGenotypeFromJson(const Json& json) {
  const std::string where = kWhere;
  internal::CheckObject(json, {"type", "normal", "reduction"}, where);
  const Json& type = internal::Required(json, "type", where);
  if (!type.is_string() || type.get<std::string>() != kWhere) {
    throw InvalidArgument(where + ": type: must be 'masked-cell', not " + type.dump());
  }
  MaskedGenotype genotype;
  genotype.normal = CellFromJson(internal::Required(json, "normal", where), where + ": normal");
  genotype.reduction =
      CellFromJson(internal::Required(json, "reduction", where), where + ": reduction");
  return genotype;
}

MaskedCell DeriveMaskedCell(int nodes, const std::vector<std::vector<double>>& op_weights,
                            const std::vector<std::vector<bool>>& op_kept,
                            const std::vector<double>& edge_weights,
                            const std::vector<bool>& edge_kept,
                            const std::vector<std::string>& primitives) {
  const std::vector<bool> is_op = PrimitiveIsOp(primitives);
  CheckDerivationInputs(nodes, op_weights, op_kept, edge_weights, edge_kept, primitives.size());
  MaskedCell cell;
  size_t e = 0;
  for (int i = 0; i < nodes; ++i) {
    MaskedNode node;
    // DARTS's edge order: node i reads s0, s1, node 0, ..., node i-1, which are sources 0..i+1.
    for (int source = 0; source < i + kFirstNodeSource; ++source, ++e) {
      MaskedEdge edge{source, edge_weights[e], {}};
      for (size_t p = 0; p < primitives.size(); ++p) {
        if (is_op[p] && op_kept[e][p]) edge.ops.push_back({primitives[p], op_weights[e][p]});
      }
      if (edge_kept[e] && !edge.ops.empty()) node.edges.push_back(std::move(edge));
    }
    cell.nodes.push_back(std::move(node));
  }
  return cell;
}

int EdgeCount(const MaskedCell& cell) {
  int count = 0;
  for (const MaskedNode& node : cell.nodes) count += static_cast<int>(node.edges.size());
  return count;
}

int OpCount(const MaskedCell& cell) {
  int count = 0;
  for (const MaskedNode& node : cell.nodes) {
    for (const MaskedEdge& edge : node.edges) count += static_cast<int>(edge.ops.size());
  }
  return count;
}

std::vector<int> EdgesPerNode(const MaskedCell& cell) {
  std::vector<int> counts;
  for (const MaskedNode& node : cell.nodes) counts.push_back(static_cast<int>(node.edges.size()));
  return counts;
}

bool IsTwoEdgeCell(const MaskedCell& cell) {
  for (const MaskedNode& node : cell.nodes) {
    if (node.edges.size() != 2) return false;
    for (const MaskedEdge& edge : node.edges) {
      if (edge.ops.size() != 1) return false;
    }
  }
  return true;
}

Cell ToDartsCell(const MaskedCell& cell) {
  Validate(cell, kCellWhere);
  Cell darts;
  darts.output = CellOutput::kAll;
  for (size_t i = 0; i < cell.nodes.size(); ++i) {
    const std::vector<MaskedEdge>& edges = cell.nodes[i].edges;
    const std::string at = std::string(kCellWhere) + ".nodes" + Index(i);
    if (edges.size() != 2) {
      throw InvalidArgument(at + ": keeps " + std::to_string(edges.size()) +
                            " edges; a DARTS cell keeps exactly two per node");
    }
    Block block;
    for (size_t j = 0; j < 2; ++j) {
      const MaskedEdge& edge = edges[j];
      if (edge.ops.size() != 1) {
        throw InvalidArgument(at + ".edges" + Index(j) + ".ops: keeps " +
                              std::to_string(edge.ops.size()) +
                              " operations; a DARTS cell keeps one per edge");
      }
      block.inputs[j] = edge.source == 0   ? kCPrevPrev
                        : edge.source == 1 ? kCPrev
                                           : BlockInput(edge.source - kFirstNodeSource);
      block.ops[j] = edge.ops[0].op == kSkip ? "identity" : edge.ops[0].op;
    }
    block.combine = "add";
    darts.blocks.push_back(block);
  }
  return darts;
}

std::string MaskedCellSvg(const MaskedCell& cell, const std::string& title) {
  const MaskedDrawing drawing(cell, title);
  return Document(title, drawing.width(), drawing.height(), drawing.Render(0));
}

std::string MaskedGenotypeSvg(const MaskedGenotype& genotype) {
  const MaskedDrawing normal(genotype.normal, "normal cell");
  const MaskedDrawing reduction(genotype.reduction, "reduction cell");
  const int width = std::max(normal.width(), reduction.width());
  return Document("HM-NAS masked genotype", width, normal.height() + reduction.height(),
                  normal.Render(0) + reduction.Render(normal.height()));
}

}  // namespace automl::nas
