#include "automl/config_keys.h"

#include <algorithm>

#include "automl/error.h"

namespace automl {
namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string ClosestKey(const std::string& key, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = 3;
  for (const std::string& c : candidates) {
    const size_t d = EditDistance(key, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

void CheckKnownKeys(const Json& object, const std::vector<std::string>& known,
                    const std::string& where) {
  if (!object.is_object()) throw InvalidArgument(where + ": must be a mapping of keys");
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    const std::string close = ClosestKey(key, known);
    throw InvalidArgument(where + ": unknown key '" + key + "'" +
                          (close.empty() ? "" : " (did you mean '" + close + "'?)"));
  }
}

}  // namespace automl
