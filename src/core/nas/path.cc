#include "automl/nas/path.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "automl/error.h"
#include "core/nas/json_fields.h"

namespace automl::nas {

void ValidateChoices(const std::vector<int64_t>& choices, const std::string& where) {
  if (choices.empty()) throw InvalidArgument(where + ": choices: must list at least one layer");
  for (size_t i = 0; i < choices.size(); ++i) {
    if (choices[i] < 1) {
      throw InvalidArgument(where + ": choices[" + std::to_string(i) +
                            "]: a layer must offer at least one choice, not " +
                            std::to_string(choices[i]));
    }
  }
}

void CheckPath(const Path& path, const std::vector<int64_t>& choices, const std::string& where,
               bool whole) {
  if (whole ? path.size() != choices.size() : path.size() > choices.size()) {
    throw InvalidArgument(where + ": " + PathText(path) + " has " + std::to_string(path.size()) +
                          " layers; the space has " + std::to_string(choices.size()));
  }
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] < 0 || path[i] >= choices[i]) {
      throw InvalidArgument(where + ": " + PathText(path) + ": layer " + std::to_string(i) +
                            " has choices 0.." + std::to_string(choices[i] - 1) + ", not " +
                            std::to_string(path[i]));
    }
  }
}

Path CompleteUniformly(const Path& prefix, const std::vector<int64_t>& choices, Rng& rng) {
  Path path = prefix;
  path.reserve(choices.size());
  for (size_t i = prefix.size(); i < choices.size(); ++i) {
    path.push_back(static_cast<int64_t>(rng.Below(static_cast<uint64_t>(choices[i]))));
  }
  return path;
}

double PathCount(const std::vector<int64_t>& choices) {
  double count = 1;
  for (int64_t n : choices) count *= static_cast<double>(n);
  return count;
}

std::string PathText(const Path& path) {
  std::string text = "[";
  for (size_t i = 0; i < path.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(path[i]);
  }
  return text + "]";
}

Json PathToJson(const Path& path) { return Json(path); }

Path PathFromJson(const Json& json, const std::vector<int64_t>& choices, const std::string& where,
                  bool whole) {
  if (!json.is_array()) throw InvalidArgument(where + ": a path must be a list of choice indices");
  Path path = internal::IntList(json, where);
  CheckPath(path, choices, where, whole);
  return path;
}

Json ScoredPathsToJson(const std::vector<ScoredPath>& paths) {
  Json out = Json::array();
  for (const auto& [path, score] : paths) {
    out.push_back(Json{{"path", PathToJson(path)}, {"score", score}});
  }
  return out;
}

std::vector<ScoredPath> ScoredPathsFromJson(const Json& json, const std::vector<int64_t>& choices,
                                            const std::string& where, bool whole) {
  if (!json.is_array()) throw InvalidArgument(where + ": must be a list of {path, score}");
  std::vector<ScoredPath> out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    internal::CheckObject(json[i], {"path", "score"}, at);
    Path path = PathFromJson(internal::Required(json[i], "path", at), choices, at + ".path", whole);
    const double score =
        internal::NumberValue(internal::Required(json[i], "score", at), at + ".score");
    out.emplace_back(std::move(path), score);
  }
  return out;
}

}  // namespace automl::nas
