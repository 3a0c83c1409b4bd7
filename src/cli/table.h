// Plain-text tables for the CLI's human-readable output.
#ifndef AUTOML_SRC_CLI_TABLE_H_
#define AUTOML_SRC_CLI_TABLE_H_

#include <cstdio>
#include <string>
#include <vector>

#include "automl/frozen_trial.h"

namespace automl::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Left-aligned columns, two spaces apart; a rule under the header.
  void Print(std::FILE* out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// "x=1.5 opt=sgd" in the order of |order|.
std::string CellParams(const ParamMap& params, const std::vector<std::string>& order);

}  // namespace automl::cli

#endif  // AUTOML_SRC_CLI_TABLE_H_
