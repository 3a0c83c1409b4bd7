#include "cli/table.h"

#include <algorithm>
#include <sstream>

#include "automl/format.h"

namespace automl::cli {

void Table::Print(std::FILE* out) const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (size_t r = 0; r < rows_.size(); ++r) {
    std::string line;
    for (size_t i = 0; i < rows_[r].size(); ++i) {
      std::string cell = rows_[r][i];
      if (i + 1 < rows_[r].size()) cell.resize(widths[i] + 2, ' ');
      line += cell;
    }
    std::fprintf(out, "%s\n", line.c_str());
    if (r == 0) {
      size_t total = 0;
      for (size_t w : widths) total += w + 2;
      std::fprintf(out, "%s\n", std::string(total > 2 ? total - 2 : 0, '-').c_str());
    }
  }
}

std::string CellParams(const ParamMap& params, const std::vector<std::string>& order) {
  std::string out;
  for (const std::string& name : order) {
    auto it = params.find(name);
    if (it == params.end()) continue;
    const std::string value =
        it->second.is_float() ? FormatShort(it->second.AsDouble()) : it->second.ToText();
    out += (out.empty() ? "" : " ") + name + "=" + value;
  }
  return out;
}

}  // namespace automl::cli
